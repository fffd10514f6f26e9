"""Comparing two sides of an equation: their shapes, their ranges, and how their values are shown."""

from __future__ import annotations

from collections.abc import Mapping
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


def shown(value: Real, printed: Printed) -> str:
    """enclose.show, or arb's scientific notation for values too large, too small or not finite to write out."""
    if enclose.ordinary(value):
        return enclose.show(value, printed)
    return enclose.scientific(value)


def relative_error(printed: Printed, value: Real) -> float | None:
    if not enclose.ordinary(value):
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


def source(text: str, node: Node, labels: Mapping[int, str] | None = None) -> str:
    """How ``node`` is written in the display ``text`` (a written-out sum's term by its label in ``labels``)."""
    if labels and id(node) in labels:
        return labels[id(node)]
    return " ".join(text[node.start:node.end].split())
