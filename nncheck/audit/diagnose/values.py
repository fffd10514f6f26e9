"""Slip families that change a value: another stated value, a rounded intermediate, a copying slip,
a neighbour's value, and a value worked back from another (wrong) statement."""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction

import numpy as np

from nncheck import quantities
from nncheck.quantities import layer_of
from nncheck.audit import enclose
from nncheck.audit.derive import ONE, Term, leaves, number
from nncheck.expr.printer import binary, call, num, text
from nncheck.audit.diagnose.candidates import Candidate, Context, constant, decimal_text, rounded, roundings, slip
from nncheck.audit.diagnose.chain import Chain, Edit, setting
from nncheck.findings import DIAGNOSED
from nncheck.errors import Undecided
from nncheck.network import ball
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.printed import format_fraction
from nncheck.records import Index, Layer

# Substitutions are tried this many steps up from the judged quantity: its operands (1) and theirs (2).
SUBSTITUTION_DISTANCE = 2
# A copied value may come from this many statements before or after the judged one.
NEARBY = 2
# Double rounding: first to this many extra decimals, then to the printed ones.
DOUBLE_ROUNDING_EXTRA = range(1, 4)
# Copying slips are looked for in numbers written plainly (not 1.2e-3).
PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _matches(value: Real, ctx: Context) -> bool:
    try:
        return enclose.inside(value, *ctx.target.printed.rounding_interval())
    except Undecided:
        return False


def _position(ctx: Context) -> int:
    return ctx.position


def _set_target(ctx: Context, value: Real | Fraction) -> Edit:
    return Edit(ctx.target.quantity, result=setting(ctx.target.index, value))


def substituted(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """Another value the document states for an element the step reads (directly or one step up)."""
    for quantity, distance in chain.distance.items():
        if not 0 < distance <= SUBSTITUTION_DISTANCE:
            continue
        base = chain.base(quantity)
        for index in quantities.indices(base.shape):
            if (quantity, index) in ctx.pinned:
                continue
            latest = ctx.ledger.get((quantity, index))
            for statement in ctx.stated_values(quantity, index):
                value = statement.printed.value
                if base[index].exact == value or (latest is not None and latest.printed.value == value):
                    continue  # what the frame, or the document's own numbers, use anyway
                yield Candidate(
                    (slip("substituted", "{name} = {used} (stated at {ref}) used instead of {instead}",
                          name=ctx.label(quantity, index), used=statement.printed.text, ref=repr(statement.ref),
                          instead=number(base[index])),),
                    (Edit(quantity, result=setting(index, value)),))
    target = ctx.target
    for statement in reversed(ctx.document.of_element(target.quantity, target.index, before=target)):  # the latest earlier statement it repeats
        if statement.printed.value == target.printed.value:
            kind = ctx.kinds.get(statement.ref)
            judged = f" ({kind.value})" if kind is not None else ""
            yield Candidate(
                (slip("substituted", "copied from the earlier statement at {ref}", ref=repr(statement.ref)),),
                (_set_target(ctx, statement.printed.value),),
                derivation=(f"{ctx.label(target.quantity, target.index)} = {statement.printed.text} at {statement.ref!r}{judged}",))
            return


def rounding_candidates(ctx: Context, chain: Chain, quantity: str, values: Array, indices: tuple[Index, ...]) -> Iterator[Candidate]:
    """``quantity`` rounded or truncated to fewer digits before use (at the elements the target reads)."""
    free = [index for index in indices if (quantity, index) not in ctx.pinned]
    if not free or quantities.is_given(quantity):
        return
    ways: dict[str, dict[Index, Fraction]] = {}
    for index in free:
        for value, how in roundings(values[index]):
            if value != values[index].exact:
                ways.setdefault(how, {})[index] = value
    seen: set[tuple[Fraction | None, ...]] = set()
    for how, changed in ways.items():
        key = tuple(changed.get(index) for index in free)
        if key in seen:
            continue
        seen.add(key)
        new = values.copy()
        for index, value in changed.items():
            new[index] = Real(exact=value)
        shown = list(changed)
        before = ", ".join(number(values[index]) for index in shown)
        after = ", ".join(decimal_text(changed[index]) for index in shown)
        names = ", ".join(ctx.label(quantity, index) for index in shown)
        yield Candidate(
            (slip("rounded", "{name} {how} before use ({before} → {after})", name=names, how=how, before=before, after=after),),
            (Edit(quantity, result=constant(new)),))


def rounded_family(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """The result truncated, or rounded twice; or an operand rounded before use."""
    target, printed = ctx.target, ctx.target.printed
    value = chain.base(target.quantity)[target.index]
    places = printed.decimals
    once = rounded(value, places, truncate=False)
    name = ctx.label(target.quantity, target.index)
    if printed.last_place <= 0 and once is not None and once != printed.value:
        if rounded(value, places, truncate=True) == printed.value:
            yield Candidate((slip("rounded", "{name} truncated to {places} decimals instead of rounded", name=name,
                                  places=str(places)),),
                            (_set_target(ctx, printed.value),), arrow=printed.text)
        for extra in DOUBLE_ROUNDING_EXTRA:
            first = rounded(value, places + extra, truncate=False)
            if first is not None and rounded(Real(exact=first), places, truncate=False) == printed.value:
                middle = format_fraction(first, places + extra)
                yield Candidate((slip("rounded", "{name} rounded twice, first to {places} decimals", name=name,
                                      places=str(places + extra)),),
                                (_set_target(ctx, printed.value),), arrow=f"{middle} → {printed.text}")
                break
    reads = dict(_reads(ctx))
    for operand in ctx.table[target.quantity].operands:
        if operand in reads:
            yield from rounding_candidates(ctx, chain, operand, chain.base(operand), reads[operand])


def _reads(ctx: Context) -> Iterator[tuple[str, tuple[Index, ...]]]:
    """The target's leaves grouped by quantity."""
    grouped: dict[str, list[Index]] = {}
    for quantity, index in leaves(ctx.target.quantity, ctx.target.index, ctx.network):
        grouped.setdefault(quantity, []).append(index)
    for quantity, indices in grouped.items():
        yield quantity, tuple(indices)


def _plain(text: str) -> str:
    return text.replace("\u2212", "-").lstrip("+")


def _variants(source: str) -> Iterator[tuple[str, str, int]]:
    """Copying slips of a decimal's text: two adjacent digits transposed, a digit dropped, a digit repeated.

    Each comes with how many digits from the end the slipped digit is (1 for the last).
    """
    sign = "-" if source.startswith("-") else ""
    body = source.lstrip("-")
    whole, _, fraction = body.partition(".")
    digits, point = whole + fraction, len(whole)

    def joined(chars: str, at: int) -> str:
        head, tail = chars[:at] or "0", chars[at:]
        return sign + head + ("." + tail if tail else "")

    for i in range(len(digits) - 1):
        if digits[i] != digits[i + 1]:
            yield joined(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:], point), "two digits transposed", len(digits) - i - 1
    for i in range(len(digits)):
        if len(digits) > 1:
            yield joined(digits[:i] + digits[i + 1:], point - (i < point)), "a digit dropped", len(digits) - i
        yield joined(digits[:i] + digits[i] + digits[i:], point + (i < point)), "a digit repeated", len(digits) - i


def digits(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """The right number (or an earlier statement of it) copied with a digit transposed, dropped or repeated.

    A copy has the printed digits, not merely a value that rounds to them. Dropping or repeating one of
    the last two digits of the right value to more (or fewer) decimals is not looked for: those digits are
    rounding's to decide, and near-misses of a couple of units would be "explained" far too often.
    """
    target, printed = ctx.target, ctx.target.printed
    if printed.last_place > 0:
        return
    value = chain.base(target.quantity)[target.index]
    sources: list[tuple[str, str, int]] = []  # text, where it comes from, slipped digits must be this far from its end
    for places in (printed.decimals - 1, printed.decimals, printed.decimals + 1):
        # Both ways of rounding an exact tie (0.02645 to 0.0264 or 0.0265).
        ways = {rounded(value, places, truncate=False, half_even=even) for even in (False, True)} if places >= 0 else set()
        for correct in sorted(way for way in ways if way is not None):
            sources.append((format_fraction(correct, places), "the right value", 1 if places == printed.decimals else 3))
    for statement in ctx.document.of_element(target.quantity, target.index, before=target):
        sources.append((_plain(statement.printed.text), f"the value stated at {statement.ref!r}", 1))
    shown = _plain(printed.text)
    for source, where, farthest in sources:
        if PLAIN_DECIMAL.fullmatch(source) is None:
            continue
        for variant, how, from_end in _variants(source):
            if variant == shown and from_end >= farthest and Fraction(variant) != Fraction(source):
                yield Candidate((slip("digits", "{how} in copying {source}, {where}", how=how, source=source, where=where),),
                                (_set_target(ctx, Fraction(variant)),), arrow=f"{source} → {variant}")
                return


def neighbour(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """The value of a neighbouring element, an operand of the step, or a number printed nearby."""
    target = ctx.target
    computed = chain.base(target.quantity)
    for index in quantities.indices(computed.shape):
        if index != target.index and _matches(computed[index], ctx):
            yield Candidate((slip("neighbour", "the value of the neighbouring {other}", other=ctx.label(target.quantity, index)),),
                            (_set_target(ctx, computed[index]),), shown=(target.quantity, index))
    for quantity, index in leaves(target.quantity, target.index, ctx.network):
        value = chain.base(quantity)[index]
        if _matches(value, ctx):
            label = ctx.label(quantity, index)
            yield Candidate((slip("neighbour", "the value of {other}, which the step reads", other=label),),
                            (_set_target(ctx, value),), derivation=(f"{label} = {number(value)}",))
    position = _position(ctx)
    for statement in ctx.statements[max(0, position - NEARBY):position + NEARBY + 1]:
        if (statement.quantity, statement.index) == (target.quantity, target.index):
            continue
        if _plain(statement.printed.text) == _plain(target.printed.text):  # copied: the same digits
            label = ctx.label(statement.quantity, statement.index)
            yield Candidate((slip("neighbour", "the number printed nearby for {other} at {ref}", other=label, ref=repr(statement.ref)),),
                            (_set_target(ctx, statement.printed.value),),
                            derivation=(f"{label} = {statement.printed.text}",))


def _inverse(layer: Layer, p: Real) -> tuple[Real, Term] | None:
    """z with f(z) = p for the layer's activation f, and the arithmetic shown; None where f has no inverse there."""
    shown = num(number(p))
    if layer.activation == "identity":
        return p, shown
    if layer.activation in ("relu", "leaky_relu"):
        if p.sign() > 0:
            return p, shown
        if layer.activation == "leaky_relu" and p.sign() < 0:
            return p / layer.negative_slope, binary("/", shown, num(decimal_text(layer.negative_slope)))
        return None
    if layer.activation == "sigmoid":
        ratio = p / (1 - p)
        return _log(ratio), call("log", binary("/", shown, binary("-", ONE, shown)))
    if layer.activation == "tanh":
        ratio = (1 + p) / (1 - p)
        return _log(ratio) / 2, binary("/", call("log", binary("/", binary("+", ONE, shown), binary("-", ONE, shown))), num("2"))
    return None


def _log(value: Real) -> Real:
    result: Real = ball.log(np.asarray([value], dtype=object))[0]
    return result


def consistent(ctx: Context, chain: Chain) -> Iterator[Candidate]:
    """z worked back from a wrong statement of the layer's output: both may come from another version of the example."""
    layer_number = layer_of(ctx.target.quantity, "z")
    if layer_number is None:
        return
    layer = ctx.network.layers[layer_number - 1]
    output = f"a{layer_number}"
    for statement in ctx.document.of_element(output, ctx.target.index):
        if ctx.kinds.get(statement.ref) not in DIAGNOSED:
            continue
        try:
            inverse = _inverse(layer, Real(exact=statement.printed.value))
        except (ValueError, ZeroDivisionError, Undecided):
            continue
        if inverse is None:
            continue
        value, arithmetic = inverse
        label = ctx.label(output, ctx.target.index)
        yield Candidate(
            (slip("consistent", "the {name} from which {other} = {used} (stated at {ref}) follows; the two may come from "
                  "another version of the example", name=ctx.label(ctx.target.quantity, ctx.target.index), other=label,
                  used=statement.printed.text, ref=repr(statement.ref)),),
            (_set_target(ctx, value),),
            derivation=(f"{layer.activation}⁻¹({statement.printed.text}) = {text(arithmetic)} = {number(value)}",))
