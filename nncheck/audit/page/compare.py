"""Comparing two sides of an equation: their shapes, their ranges, and how their values are shown."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from nncheck.audit import enclose
from nncheck.findings import Remark
from nncheck.expr.nodes import Node
from nncheck.audit.page.statements import Cells
from nncheck.expr.evaluate import ShapeError, is_vector, shape_text
from nncheck.network.backend import Array
from nncheck.network.ball import Real
from nncheck.printed import Printed


def orientation(computed: tuple[int, ...], printed: tuple[int, ...]) -> list[Remark]:
    """Remarks on comparable shapes (a row set equal to a column); ShapeError for shapes that are not."""
    size = int(np.prod(computed)), int(np.prod(printed))
    if size[0] == size[1] and (computed == printed or size[0] == 1 or len(computed) < 2 or len(printed) < 2):
        return []
    if size[0] == size[1] and is_vector(computed) and is_vector(printed):
        return [Remark("orientation", f"{shape_text(computed)} is set equal to {shape_text(printed)}; compared entry by entry")]
    raise ShapeError(f"the sides differ in shape: {shape_text(computed)} and {shape_text(printed)}")


def show_array(values: Array, places: int) -> str:
    """For reading: each value to a few more decimals than ``places`` (enclose.show's rule)."""
    digits = Printed(text="", value=Fraction(0), last_place=-places)
    texts = [shown(v, digits) for v in values.reshape(-1)]
    return texts[0] if values.size == 1 else "[" + ", ".join(texts) + "]"


# Values whose size passes 2^±HUGE_BITS are shown in scientific notation: no tutorial prints one,
# and writing one out (or even forming its midpoint as a fraction) could take millions of digits.
HUGE_BITS = 512


def ordinary(value: Real) -> bool:
    if value.exact is not None:
        return value.exact.numerator.bit_length() - value.exact.denominator.bit_length() <= HUGE_BITS
    enclosure = value.enclosure()
    if not enclosure.is_finite():
        return False
    mantissa, exponent = enclosure.mid().man_exp()
    return abs(int(exponent)) <= 4 * HUGE_BITS and int(mantissa).bit_length() + int(exponent) <= HUGE_BITS


def shown(value: Real, printed: Printed) -> str:
    """enclose.show, or arb's scientific notation for values too large, too small or not finite to write out."""
    if ordinary(value):
        return enclose.show(value, printed)
    return str(value.enclosure().str(12, radius=False))


def relative_error(printed: Printed, value: Real) -> float | None:
    if not ordinary(value):
        return None
    try:
        return enclose.relative_error(printed, value)
    except (OverflowError, ZeroDivisionError):
        return None


def compact(cells: Cells) -> str:
    """A printed value as a list, the way a spec writes it: [-0.0217, 0.0356] or [[1, 2], [3, 4]]."""
    texts = [p.text for p in cells.printed]
    if len(texts) == 1:
        return texts[0]
    if len(cells.shape) == 1 or 1 in cells.shape:
        return "[" + ", ".join(texts) + "]"
    columns = cells.shape[1]
    return "[" + ", ".join("[" + ", ".join(texts[i:i + columns]) + "]" for i in range(0, len(texts), columns)) + "]"


def source(text: str, node: Node) -> str:
    return " ".join(text[node.start:node.end].split())
