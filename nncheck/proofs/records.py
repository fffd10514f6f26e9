"""What a proof is and what running it concluded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Status(Enum):
    PROVED = "proved"
    NOT_PROVED = "not proved"  # the difference did not reduce to zero; never read as "false"
    NOT_APPLICABLE = "not applicable"  # the loss is undefined on this piece (e.g. log 0 after a dead ReLU)
    TIME_LIMIT = "not proved (time limit)"  # stopped at --time-limit; never read as "false" either


@dataclass(frozen=True, slots=True)
class Proof:
    identity: str
    network: str
    check: Callable[[], Status]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Result:
    identity: str
    network: str
    status: Status
    seconds: float
    note: str = ""
