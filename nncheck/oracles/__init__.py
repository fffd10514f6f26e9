"""Oracles: a spec's network, or its model in the general form, run in a framework practitioners use, compared with
nncheck's exact values.

The frameworks are optional extras (``pip install 'nncheck[torch]'``) and are imported only when an
oracle is asked for, so that ``nncheck audit`` starts as fast without them as with them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol, cast

from nncheck.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from nncheck.records import Graph, Loop, ModelSpec, Network

# The oracles `nncheck audit --oracle` accepts: the module nncheck.oracles.<name> and the package it needs.
ORACLES = ("torch",)
# A framework's float64 entry agrees with the exact value e when |framework − e| ≤ TOLERANCE·(1 + |e|):
# some 10,000 units of float64's roundoff (2^-53 ≈ 1.1e-16), room for the few hundred rounded operations
# of a small network, and still a million times below the last digit a worked example prints.
TOLERANCE = 1e-12
# A model's training loop is compared over its first LOOP_STEPS steps at most: the exact values of a long loop cost
# as much again as the audit (Adam's 1,000 steps take seconds in ball arithmetic), and float64's roundoff, compounded
# over thousands of steps, may pass TOLERANCE without any slip. The report's notes say when steps were left out.
LOOP_STEPS = 100

INSTALL = {
    "torch": "--oracle torch needs PyTorch: pip install 'nncheck[torch]' (on CPU-only machines install a CPU "
             "build of torch first, e.g. pip install torch==2.13.0 where that CPU wheel is at hand, or "
             "pip install torch --index-url https://download.pytorch.org/whl/cpu)",
}


class OracleUnavailable(UsageError):
    """The framework an oracle needs is not installed; the message says how to install it."""


class Framework(Protocol):
    """What a module under nncheck.oracles provides."""

    LABEL: str

    def version(self) -> str: ...
    def values(self, network: Network) -> Mapping[str, Any]: ...
    def model_values(self, model: Graph, gradients: Sequence[str], loop: Loop | None) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """How far a framework's float values of one quantity lie from the exact ones, at worst."""

    quantity: str  # canonical name: z1, a2, L, dL/dW1, W1_new, ...
    entries: int
    absolute: float  # largest |framework − exact|
    relative: float | None  # largest |framework − exact| / |exact| over entries whose exact value is not 0
    scaled: float  # largest |framework − exact| / (1 + |exact|): what TOLERANCE bounds
    worst: tuple[int, ...]  # the entry where ``scaled`` is largest


@dataclass(frozen=True, slots=True)
class Kink:
    """A pre-activation exactly at the kink of ReLU or leaky ReLU, where derivatives jump (in a model: the operand
    of a function with a kink, exactly at it, such as a tie of max).

    The framework's float64 value may land on either side of 0, and its derivative there may follow
    another convention than the spec's, so gradients through this unit can differ by design.
    """

    quantity: str  # z{l}; in a model the operand's name, or which operand of which definition
    index: tuple[int, ...]
    activation: str  # or the function with the kink (max, l1, ...)
    derivative: Fraction  # what nncheck takes as the derivative at 0 (the spec's convention)


@dataclass(frozen=True, slots=True)
class OracleReport:
    framework: str  # name and version, e.g. "PyTorch 2.13.0+cpu"
    dtype: str
    tolerance: float
    discrepancies: tuple[Discrepancy, ...]  # in step order
    kinks: tuple[Kink, ...] = ()
    notes: tuple[str, ...] = ()  # what the comparison left out (a long loop's later steps), one sentence each

    @property
    def exceeding(self) -> tuple[Discrepancy, ...]:
        return tuple(d for d in self.discrepancies if d.scaled > self.tolerance)

    @property
    def largest(self) -> Discrepancy:
        return max(self.discrepancies, key=lambda d: d.scaled)


def load(name: str) -> Callable[[Network | ModelSpec], OracleReport]:
    """The oracle ``name`` as a function of a network or a model spec; OracleUnavailable when its framework is
    missing."""
    if name not in ORACLES:
        raise UsageError(f"unknown oracle {name!r}; expected one of: {', '.join(ORACLES)}")
    try:
        importlib.import_module(name)
    except ImportError:
        raise OracleUnavailable(INSTALL[name]) from None
    framework = cast(Framework, importlib.import_module(f"nncheck.oracles.{name}"))
    from nncheck.oracles.compare import check, check_model
    from nncheck.records import ModelSpec

    return lambda subject: check_model(subject, framework) if isinstance(subject, ModelSpec) else check(subject, framework)
