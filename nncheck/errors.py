"""The errors nncheck raises: one base class, each message saying where and what would be accepted."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a file: 1-based line and column, as editors count them; in a notebook, within ``cell`` (1-based)."""

    path: str
    line: int
    column: int
    cell: int | None = None

    def __str__(self) -> str:
        if self.cell is not None:
            return f"{self.path}:cell {self.cell}:{self.line}:{self.column}"  # the convention of ruff and nbQA
        return f"{self.path}:{self.line}:{self.column}"


class NncheckError(Exception):
    """Base class of every error nncheck raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, where it is."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class SpecError(NncheckError, ValueError):
    """A spec file that cannot be read as written: every problem found, each with its location."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = tuple(problems)

    @classmethod
    def at(cls, location: Location, message: str) -> SpecError:
        return cls([Problem(location, message)])


class UsageError(NncheckError, ValueError):
    """A command line that asks for something nncheck cannot do."""


class Undecided(NncheckError, ArithmeticError):
    """A comparison that the enclosure at hand cannot settle; retry with more precision."""
