"""LaTeX to MathML at build time with math-core: one converter for checking spec LaTeX and for the site's pages.

The site ships no math script: pymdownx.arithmatex (generic mode) marks math in the HTML as
``<span class="arithmatex">\\(...\\)</span>`` or ``<div class="arithmatex">\\[...\\]</div>``, with the
LaTeX HTML-escaped, and the nncheck-mathml MkDocs plugin (nncheck/site/plugin.py) replaces each with math-core's MathML, which
browsers render natively. math-core refuses unknown commands (\\href, \\style, \\unicode, ...) and
escapes text, so what it returns is markup it built itself.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from nncheck.errors import NncheckError

if TYPE_CHECKING:
    from math_core import LatexToMathML

# Macro expansions allowed in one formula: bounds the work a hostile \newcommand loop can ask for.
MAX_EXPANSIONS = 200
# Ids that \label creates get this prefix, so a formula cannot take a heading's anchor.
ID_PREFIX = "math-"


class LatexProblem(NncheckError, ValueError):
    """LaTeX that math-core cannot convert (an unknown command, an unbalanced brace, ...)."""


@lru_cache(maxsize=1)
def _converter() -> LatexToMathML:
    try:
        from math_core import LatexToMathML
    except ImportError:  # pragma: no cover - depends on the installation
        raise NncheckError("rendering math needs the math-core package: pip install 'nncheck[docs]'") from None
    return LatexToMathML(fancy_error=False, max_expansions=MAX_EXPANSIONS, id_prefix=ID_PREFIX)


def to_mathml(latex: str, *, display: bool) -> str:
    """The MathML of ``latex``; LatexProblem saying why when math-core refuses it."""
    from math_core import LatexError

    try:
        return _converter().convert_with_local_state(latex, displaystyle=display)
    except LatexError as error:
        raise LatexProblem(f"cannot render LaTeX “{latex}”: {error}") from None


def problem(latex: str) -> str | None:
    """Why ``latex`` cannot be rendered, or None when it can."""
    try:
        to_mathml(latex, display=True)
    except LatexProblem as error:
        return str(error)
    return None


_ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])</(?P=tag)>', re.DOTALL)


def render_math(page: str, on_error: Callable[[str], None]) -> str:
    """Replace arithmatex's generic markup in an HTML page with MathML.

    LaTeX that cannot be rendered is shown escaped as code and reported through ``on_error`` (the
    nncheck-mathml plugin logs a warning, which fails a strict build).
    """

    def replace(match: re.Match[str]) -> str:
        display = match["block"] is not None
        latex = html.unescape(match["block"] if display else match["inline"]).strip()
        try:
            mathml = to_mathml(latex, display=display)
        except LatexProblem as error:
            on_error(str(error))
            mathml = f"<code>{html.escape(latex)}</code>"
        return f'<{match["tag"]} class="arithmatex">{mathml}</{match["tag"]}>'

    return _ARITHMATEX.sub(replace, page)
