"""A hypothesis's derivation as text: each recomputed value it reads, then its own step, numbers substituted."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping

from nncheck.audit.derive import Term, builder, leaves, name, number, substituted
from nncheck.expr.printer import num, text
from nncheck.audit.diagnose.candidates import Candidate, Context
from nncheck.audit.diagnose.chain import Evaluation
from nncheck.network.backend import Array
from nncheck.records import Index


def _values(ctx: Context, evaluation: Evaluation, quantity: str) -> Mapping[str, Array]:
    """The operands as ``quantity``'s step read them, over every value of the run."""
    return ChainMap(dict(evaluation.inputs.get(quantity, {})), dict(evaluation.values), dict(ctx.exact))


def recomputed_reads(ctx: Context, evaluation: Evaluation) -> list[tuple[str, Index]]:
    """The elements of recomputed quantities the target reads (through recomputed quantities), operands first."""
    found: list[tuple[str, Index]] = []

    def visit(quantity: str, index: Index) -> None:
        for leaf in leaves(quantity, index, ctx.network):
            if leaf[0] in evaluation.inputs and leaf[0] != ctx.target.quantity and leaf not in found:
                visit(*leaf)
                found.append(leaf)

    visit(ctx.target.quantity, ctx.target.index)
    return found


def _joined(sides: list[str]) -> str:
    kept = [side for position, side in enumerate(sides) if position == 0 or side != sides[position - 1]]
    return " = ".join(kept)


def _line(ctx: Context, evaluation: Evaluation, quantity: str, index: Index) -> str:
    term = substituted(quantity, index, ctx.network, _values(ctx, evaluation, quantity))
    value = number(evaluation.values[quantity][index])
    if quantity in evaluation.before:
        value = f"{number(evaluation.before[quantity][index])} → {value}"
    sides = [name(quantity, index, ctx.exact, ctx.depth).name] + ([text(term)] if term is not None else []) + [value]
    return _joined(sides)


def _target_line(ctx: Context, candidate: Candidate, evaluation: Evaluation) -> str:
    target = ctx.target
    quantity, index = candidate.shown or (target.quantity, target.index)
    values = _values(ctx, evaluation, target.quantity)
    build = candidate.formula if candidate.formula is not None and candidate.shown is None else builder(quantity, index, ctx.network)
    final = evaluation.values[target.quantity][target.index]
    sides = [name(quantity, index, ctx.exact, ctx.depth).name]
    if build is not None:
        formula: Term = build(lambda q, i: name(q, i, ctx.exact, ctx.depth))
        numbers: Term = build(lambda q, i: num(number(values[q][i])))
        if candidate.wrap is not None:
            formula, numbers = candidate.wrap(formula), candidate.wrap(numbers)
        sides += [text(formula), text(numbers)]
    if candidate.shown is not None:
        sides.append(number(evaluation.values[target.quantity][candidate.shown[1]]))
    elif target.quantity in evaluation.before and candidate.wrap is None:
        before = number(evaluation.before[target.quantity][target.index])
        sides.append(f"{before} → {candidate.arrow or number(final)}")
    else:
        sides.append(number(final))
    return _joined(sides)


def derivation(ctx: Context, candidate: Candidate, evaluation: Evaluation) -> tuple[str, ...]:
    if candidate.derivation is not None:
        return candidate.derivation
    lines = [_line(ctx, evaluation, quantity, index) for quantity, index in recomputed_reads(ctx, evaluation)]
    return tuple(lines) + (_target_line(ctx, candidate, evaluation),)
