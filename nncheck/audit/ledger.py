"""The ledger of what a document printed for each element of each quantity: restatements and conflicts.

One ledger for specs and pages. Statements are recorded in document order under a key (a spec's
``(quantity, index)``; a page's name, binding and index). A statement that repeats the latest one of
its key digit for digit is a **restatement**: it is not recorded again, and stands for the one it
repeats. Two statements of one key whose values cannot agree (disjoint rounding intervals, a given
being exact) **conflict**: the later one, if wrong, is a contradiction (docs/verdicts.md).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Generic, TypeVar

from nncheck.printed import Printed

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Entry:
    """One printed value of one element."""

    position: int  # document order: a statement's place in a spec, a character offset in a page
    printed: Printed
    ref: str
    exact: bool = False  # a given's value, exact as written rather than a rounding interval
    # The interval, worked out on first use: most elements are stated once and never compared.
    _interval: tuple[Fraction, Fraction] | None = field(default=None, init=False, repr=False, compare=False)

    def interval(self) -> tuple[Fraction, Fraction]:
        interval = self._interval
        if interval is None:
            interval = (self.printed.value, self.printed.value) if self.exact else self.printed.rounding_interval()
            object.__setattr__(self, "_interval", interval)
        return interval

    @property
    def low(self) -> Fraction:
        return self.interval()[0]

    @property
    def high(self) -> Fraction:
        return self.interval()[1]


def disjoint(entry: Entry, printed: Printed) -> bool:
    """Whether no value both rounds to ``printed`` and is ``entry``'s value."""
    low, high = printed.rounding_interval()
    return entry.high < low or entry.low > high


def _apart(entry: Entry, low: Fraction, high: Fraction) -> bool:
    """:func:`disjoint` for a printed value's rounding interval [low, high] worked out once."""
    return entry.high < low or entry.low > high


@dataclass
class Ledger(Generic[K]):
    """Every recorded statement, by key, in document order."""

    by_key: dict[K, list[Entry]] = field(default_factory=dict)
    bounds: dict[K, _Bounds] = field(default_factory=dict)  # of the statements before the latest NEARBY, by key

    def latest(self, key: K) -> Entry | None:
        entries = self.by_key.get(key)
        return entries[-1] if entries else None

    def repeated(self, key: K, printed: Printed) -> Entry | None:
        """The statement ``printed`` repeats digit for digit (the latest of its key), if it does."""
        latest = self.latest(key)
        return latest if latest is not None and latest.printed.digits == printed.digits else None

    def record(self, key: K, entry: Entry) -> None:
        self.by_key.setdefault(key, []).append(entry)

    def unrecord(self, key: K) -> None:
        """Take back the latest statement of ``key`` (a judgement made again at another precision)."""
        entries = self.by_key[key]
        entries.pop()
        self.bounds.pop(key, None)
        if not entries:
            del self.by_key[key]

    def conflicting(self, key: K, printed: Printed) -> tuple[str, ...]:
        """The refs of the statements recorded so far that ``printed`` conflicts with: every one among the latest
        NEARBY of its key; beyond them, the one whose value lies farthest on each side, when it conflicts. Empty exactly
        when no earlier statement conflicts (the extremes decide that in constant time), so that a page re-stating a
        name thousands of times is judged in linear time."""
        entries = self.by_key.get(key, ())
        low, high = printed.rounding_interval()
        found = [entry.ref for entry in entries[-NEARBY:] if _apart(entry, low, high)]
        if found or len(entries) <= NEARBY:
            return tuple(found)
        bounds = self._bounds(key)
        return tuple(dict.fromkeys(entry.ref for entry in (bounds.lowest_high, bounds.highest_low)
                                   if entry is not None and _apart(entry, low, high)))

    def _bounds(self, key: K) -> _Bounds:
        """The statements of ``key`` with the lowest upper end and the highest lower end of their intervals, kept up to
        date as statements are recorded (and recomputed after one is taken back)."""
        entries = self.by_key[key]
        bounds = self.bounds.get(key) or _Bounds()
        for entry in entries[bounds.count:]:
            bounds.add(entry)
        self.bounds[key] = bounds
        return bounds

    def conflicts(self) -> dict[str, list[tuple[int, str]]]:
        """For every recorded statement, the others of its key it conflicts with, earlier and later: (position, ref).
        As :meth:`conflicting`: every one among the NEARBY statements before and after it, and beyond them the
        farthest value on each side when it conflicts (linear in the number of statements)."""
        result: dict[str, list[tuple[int, str]]] = {}
        for entries in self.by_key.values():
            if len(entries) == 1:  # the common case: an element stated once conflicts with nothing
                result[entries[0].ref] = []
                continue
            before, after = _Bounds(), _Bounds()
            earlier: list[list[Entry]] = []
            for index, entry in enumerate(entries):
                earlier.append(_beyond(before, entries[max(0, index - NEARBY):index], entry))
                if index >= NEARBY:
                    before.add(entries[index - NEARBY])
            later: list[list[Entry]] = [[] for _ in entries]
            for index in range(len(entries) - 1, -1, -1):
                later[index] = _beyond(after, entries[index + 1:index + 1 + NEARBY], entries[index])
                if index + NEARBY < len(entries):
                    after.add(entries[index + NEARBY])
            for entry, first, second in zip(entries, earlier, later):
                others = dict.fromkeys(other for other in first + second if other is not entry)
                result[entry.ref] = sorted(((other.position, other.ref) for other in others), key=lambda item: item[0])
        return result


# How many statements of one key around a statement are all compared with it; beyond them, only the extremes.
NEARBY = 16


@dataclass
class _Bounds:
    """The entries with the lowest upper end and the highest lower end among those added."""

    lowest_high: Entry | None = None
    highest_low: Entry | None = None
    count: int = 0

    def add(self, entry: Entry) -> None:
        if self.lowest_high is None or entry.high < self.lowest_high.high:
            self.lowest_high = entry
        if self.highest_low is None or entry.low > self.highest_low.low:
            self.highest_low = entry
        self.count += 1


def _beyond(bounds: _Bounds, nearby: list[Entry], entry: Entry) -> list[Entry]:
    """The ``nearby`` entries that conflict with ``entry``, and, beyond them, the extremes that do."""
    low, high = (entry.low, entry.high) if not entry.exact else entry.printed.rounding_interval()
    found = [other for other in nearby if _apart(other, low, high)]
    found += [other for other in (bounds.lowest_high, bounds.highest_low) if other is not None and _apart(other, low, high)]
    return found
