"""One expression core: nodes, the LaTeX and plain-text parsers, one evaluator, the symbolic check.

Pages (LaTeX, :mod:`nncheck.expr.latex`) and a spec's ``equations:`` (plain text,
:mod:`nncheck.expr.plain`) parse into the same frozen nodes (:mod:`nncheck.expr.nodes`), which
:class:`nncheck.expr.evaluate.Evaluator` evaluates in a frame on the ball backend. The parsers are
imported lazily: lark only on the LaTeX path.
"""

from nncheck.expr.nodes import Node
from nncheck.expr.plain import ExprSyntaxError, parse_expression

__all__ = ["ExprSyntaxError", "Node", "parse_expression"]
