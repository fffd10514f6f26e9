"""Findings as data: the verdict vocabulary (each kind with what it means), verdicts, coverage.

Cheap to import (no flint, no numpy): reporters, the command line and the plugin read findings
without loading the arithmetic that made them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

from nncheck.errors import Location
from nncheck.records import LazyTuple, Place


class SkipReason(Enum):
    """Why a display equation got no verdict. Values are the words reports use."""

    SYMBOLIC = "symbolic only"
    NOTHING_TO_COMPARE = "nothing to compare"
    NO_EQUALITY = "no equals sign"
    UNPARSABLE = "unparsable"
    NOT_EVALUATED = "not evaluated"  # a sum over an index whose indices the page does not fix
    OVER_LIMIT = "over a limit"

    @property
    def key(self) -> str:
        """A stable identifier for JSON: symbolic, nothing-to-compare, ..."""
        return {"symbolic only": "symbolic"}.get(self.value, self.value.replace(" ", "-"))


# Reasons whose detail (what could not be read) a report quotes, not only counts.
DETAILED = (SkipReason.UNPARSABLE, SkipReason.NOT_EVALUATED, SkipReason.OVER_LIMIT)


@dataclass(frozen=True, slots=True)
class Skipped:
    location: Location  # of the equation's first character
    reason: SkipReason
    detail: str = ""  # for unparsable, not-evaluated and over-limit equations: what could not be read, or evaluated


@dataclass(frozen=True, slots=True)
class Coverage:
    found: int  # display equations in the document
    checked: int  # of those, equations that gave at least one verdict
    skipped: tuple[Skipped, ...]  # the others, in document order
    # Sides left unread (unparsable), and sums not evaluated (not evaluated: their relation is not checked), in equations
    # whose other sides were judged.
    unread_sides: tuple[Skipped, ...] = ()
    inline_found: int = 0  # inline formulas ($…$, \(…\)): judged by the same rules
    inline_checked: int = 0  # of those, formulas that gave at least one verdict (the rest name givens or are symbolic)

    def counts(self) -> dict[SkipReason, int]:
        result = {reason: 0 for reason in SkipReason}
        for skipped in self.skipped:
            result[skipped.reason] += 1
        return result


class Kind(Enum):
    """What the audit concluded about one printed number. Values are the names reports use."""

    HOLDS = "holds"
    SLIP = "rounding slip"
    CARRIED = "carried"
    WRONG = "wrong"
    CONTRADICTION = "contradiction"
    UNDECIDED = "undecided"

    @property
    def key(self) -> str:
        """A stable identifier for options, JSON and rule ids: holds, slip, carried, wrong, ..."""
        return {"rounding slip": "slip"}.get(self.value, self.value)

    @property
    def meaning(self) -> str:
        return MEANINGS[self]

    @classmethod
    def from_key(cls, key: str) -> Kind:
        for kind in cls:
            if kind.key == key:
                return kind
        raise ValueError(f"unknown verdict {key!r}; expected one of: {', '.join(k.key for k in cls)}")


MEANINGS = {
    Kind.HOLDS: "the printed value is the true value, correctly rounded to the digits printed",
    Kind.SLIP: "off only in the last printed digit (truncated, or rounded the wrong way)",
    Kind.CARRIED: "correct for the document's own earlier numbers, wrong for the true chain: an earlier error or rounding was carried forward",
    Kind.WRONG: "neither the true value nor what the document's own earlier numbers give",
    Kind.CONTRADICTION: "wrong, and the document already stated a different value for the same quantity",
    Kind.UNDECIDED: "the enclosure could not settle the comparison at the highest precision tried",
}

# Fail the run on these unless the user chooses otherwise.
DEFAULT_FAIL_ON = frozenset({Kind.WRONG, Kind.CONTRADICTION})
# The diagnosis looks for slips that reproduce these. A carried number is already explained (by the
# statements it carries); holds and undecided need no explanation.
DIAGNOSED = frozenset({Kind.WRONG, Kind.CONTRADICTION, Kind.SLIP})


@dataclass(frozen=True, slots=True)
class Slip:
    """One habit that may have produced a number: a family of the diagnosis table and what it changed."""

    family: str  # a row of nncheck.audit.diagnose.families.FAMILIES, e.g. "rounded"
    template: str  # e.g. "{name} {how} before use ({before} → {after})"
    arguments: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        return self.template.format(**dict(self.arguments))


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """A simple alternative derivation that reproduces a printed number, recomputed: a possibility, not a fact."""

    slips: tuple[Slip, ...]  # one, or two for a compound slip
    frame: str  # what the slips were applied to: "own" (the document's numbers) or "exact" (the true chain)
    derivation: tuple[str, ...]  # the recomputation, step by step, with its numbers substituted
    value: str  # the recomputed value, to more digits than printed
    cost: float  # the ranking: the sum of the slips' prior costs (lower is simpler)

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(slip.family for slip in self.slips)

    def describe(self) -> str:
        """What changed, e.g. "z2 = 3.18 (stated at 'z2') used instead of 2.73"."""
        return "; and ".join(slip.describe() for slip in self.slips)

    def summary(self) -> str:
        """What changed and the recomputation, in one line."""
        return f"{self.describe()} — {'; '.join(self.derivation)}"


@dataclass(frozen=True, slots=True)
class Remark:
    """A fact about how a number was checked: an undefined product read as an outer product, a shape error."""

    code: str  # stable: "reading", "shape", "orientation", "undefined", "undecided"
    message: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judgement of one printed number, with the figures that support it."""

    kind: Kind
    ref: str  # the statement's id, e.g. "z2", "dL/dW1[0,1]", "dL/da1:dL/dz2"
    subject: str  # the quantity's canonical name, or "equation"
    stated: str  # the number as printed
    place: Place
    location: Location  # of the printed number in the spec
    exact: str  # the true value, to more digits than printed
    own: str | None  # what the step gives from the document's own earlier numbers
    relative_error: float | None  # (stated - exact) / exact, for display
    inherits_from: tuple[str, ...] = ()  # earlier statements whose values this one carries
    conflicts_with: tuple[str, ...] = ()  # statements of the same element with a different value
    used_by: str | None = None  # set when the number is a value a step used
    expression: str | None = None  # the arithmetic, for equations
    # The diagnosis (nncheck/audit/diagnose/), for verdicts in DIAGNOSED: simplest first, at most three.
    # diagnosed and no hypotheses means no simple explanation was found.
    hypotheses: tuple[Hypothesis, ...] = ()
    diagnosed: bool = False
    # How a number of a Markdown document was checked, beyond its verdict (see nncheck.audit.page).
    remarks: tuple[Remark, ...] = ()

    @property
    def is_finding(self) -> bool:
        return self.kind is not Kind.HOLDS


class VerdictBlock:
    """Consecutive verdicts of one quantity that all hold with nothing to note (no conflicts, remarks or used value),
    kept whole until a report asks for them (:meth:`make`). ``first_ref`` and ``last_ref`` are the first and last
    elements' ids; the block is ``count`` verdicts long. ``ordered``: its elements are every index from the first to
    the last in row-major order (so a report may name them "first…last")."""

    __slots__ = ("count", "subject", "first_ref", "last_ref", "ordered")
    kind = Kind.HOLDS

    def __init__(self, count: int, subject: str, first_ref: str, last_ref: str, *, ordered: bool = True) -> None:
        self.count, self.subject, self.first_ref, self.last_ref = count, subject, first_ref, last_ref
        self.ordered = ordered

    def make(self) -> tuple[Verdict, ...]:
        """The verdicts, one per element, in order."""
        raise NotImplementedError


class Verdicts(LazyTuple[Verdict]):
    """An audit's verdicts in document order, some kept as :class:`VerdictBlock` runs that are made into records
    only when read one by one. Counting, the findings, and the terminal report's rows need no block made; it
    compares, hashes and pickles as the tuple of its verdicts."""

    __slots__ = ("parts", "_length")

    def __init__(self, parts: Sequence[Verdict | VerdictBlock]) -> None:
        super().__init__()
        self.parts = tuple(parts)
        self._length = sum(part.count if isinstance(part, VerdictBlock) else 1 for part in self.parts)

    def _make(self) -> tuple[Verdict, ...]:
        made: list[Verdict] = []
        for part in self.parts:
            if isinstance(part, VerdictBlock):
                made.extend(part.make())
            else:
                made.append(part)
        return tuple(made)

    def counts(self) -> dict[Kind, int]:
        """How many verdicts of each kind."""
        result = {kind: 0 for kind in Kind}
        for part in self.parts:
            result[part.kind] += part.count if isinstance(part, VerdictBlock) else 1
        return result

    def singles(self) -> Iterator[Verdict]:
        """The verdicts not in a block (a block's all hold)."""
        return (part for part in self.parts if not isinstance(part, VerdictBlock))

    def __len__(self) -> int:
        return self._length


@dataclass(frozen=True, slots=True)
class Audit:
    """Everything the audit of one spec concluded, in document order."""

    path: str
    title: str
    depth: int
    verdicts: tuple[Verdict, ...] | Verdicts
    precision: int  # bits of the enclosures that decided every verdict
    source: str | None = None  # the audited document, as the spec names it
    coverage: Coverage | None = None  # for a Markdown document: which equations were checked, which skipped
    undiagnosed: int = 0  # findings the diagnosis did not reach: beyond its limit (records.DEFAULT_DIAGNOSE_LIMIT)
    # A page's numbers that repeat an earlier statement digit for digit, with that statement's ref (nncheck fix).
    copies: tuple[tuple[str, Location], ...] = ()
    diagnosis_seconds: float = 0.0  # the time the diagnosis took (for the CLI's estimate of a longer one; not reported)
    diagnosis_stopped: str = ""  # why the diagnosis left findings before its limit: its time budget (nncheck.audit.diagnose)

    def counts(self) -> dict[Kind, int]:
        if isinstance(self.verdicts, Verdicts):
            return self.verdicts.counts()
        result = {kind: 0 for kind in Kind}
        for verdict in self.verdicts:
            result[verdict.kind] += 1
        return result

    def failing(self, fail_on: frozenset[Kind] = DEFAULT_FAIL_ON) -> tuple[Verdict, ...]:
        if isinstance(self.verdicts, Verdicts) and Kind.HOLDS not in fail_on:
            return tuple(v for v in self.verdicts.singles() if v.kind in fail_on)
        return tuple(v for v in self.verdicts if v.kind in fail_on)
