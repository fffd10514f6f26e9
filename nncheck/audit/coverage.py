"""Which equations of a Markdown document were checked, and why the others were not: findings as data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from nncheck.errors import Location


class SkipReason(Enum):
    """Why a display equation got no verdict. Values are the words reports use."""

    SYMBOLIC = "symbolic only"
    NOTHING_TO_COMPARE = "nothing to compare"
    NO_EQUALITY = "no equals sign"
    UNPARSABLE = "unparsable"
    OVER_LIMIT = "over a limit"

    @property
    def key(self) -> str:
        """A stable identifier for JSON: symbolic, nothing-to-compare, ..."""
        return {"symbolic only": "symbolic"}.get(self.value, self.value.replace(" ", "-"))


# Reasons whose detail (what could not be read) a report quotes, not only counts.
DETAILED = (SkipReason.UNPARSABLE, SkipReason.OVER_LIMIT)


@dataclass(frozen=True, slots=True)
class Skipped:
    location: Location  # of the equation's first character
    reason: SkipReason
    detail: str = ""  # for unparsable and over-limit equations: what could not be read


@dataclass(frozen=True, slots=True)
class Coverage:
    found: int  # display equations in the document
    checked: int  # of those, equations that gave at least one verdict
    skipped: tuple[Skipped, ...]  # the others, in document order

    def counts(self) -> dict[SkipReason, int]:
        result = {reason: 0 for reason in SkipReason}
        for skipped in self.skipped:
            result[skipped.reason] += 1
        return result
