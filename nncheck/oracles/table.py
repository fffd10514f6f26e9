"""The oracle's comparison as a small plain-text table (written to standard error by `nncheck audit --oracle`)."""

from __future__ import annotations

from typing import TextIO

from nncheck.oracles import Discrepancy, Kink, OracleReport
from nncheck.words import counted

HEADERS = ("quantity", "entries", "largest |Δ|", "largest |Δ|/|exact|", "")


def _number(value: float | None) -> str:
    return "-" if value is None else "0" if value == 0 else f"{value:.1e}"


def _at(quantity: str, index: tuple[int, ...]) -> str:
    return quantity + (f"[{','.join(map(str, index))}]" if index else "")


def _row(d: Discrepancy, tolerance: float) -> tuple[str, ...]:
    return (d.quantity, str(d.entries), _number(d.absolute), _number(d.relative),
            "exceeds" if d.scaled > tolerance else "")


def _kink(kink: Kink) -> str:
    return (f"note: {_at(kink.quantity, kink.index)} is exactly 0, the kink of {kink.activation}, where nncheck takes "
            f"the derivative as {kink.derivative}; float64 may put it on either side, and frameworks choose their "
            "own derivative at 0, so gradients through this unit can differ by design")


def render(report: OracleReport, stream: TextIO) -> None:
    rows = [_row(d, report.tolerance) for d in report.discrepancies]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADERS)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    stream.write(f"{report.framework} in {report.dtype} against nncheck's exact values "
                 f"(tolerance: |Δ| ≤ {report.tolerance:g}·(1 + |exact|))\n")
    stream.write(line(HEADERS) + "\n")
    for row in rows:
        stream.write(line(row) + "\n")
    for kink in report.kinks:
        stream.write(_kink(kink) + "\n")
    largest = report.largest
    worst = f"largest discrepancy: {_number(largest.absolute)} in {_at(largest.quantity, largest.worst)}"
    exceeding = report.exceeding
    if exceeding:
        names = ", ".join(d.quantity for d in exceeding)
        stream.write(f"{worst}; {len(exceeding)} of {counted(len(rows), 'quantity', 'quantities')} "
                     f"{'exceeds' if len(exceeding) == 1 else 'exceed'} the tolerance: {names}\n")
    else:
        stream.write(f"{worst}; every quantity within the tolerance\n")
