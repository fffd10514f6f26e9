"""Proofs of the gradient identities: the hand-written backward pass against sympy.diff.

Each proof ends "proved" (the difference reduces to zero) or "not proved" (it did not); a proof
that does not go through is never reported as a disproof.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from nncheck.proofs.backprop import backprop_proofs, describe
from nncheck.proofs.identities import identity_proofs
from nncheck.network.rules import LAYER_ACTIVATIONS, LAYER_LOSSES
from nncheck.proofs.records import Proof, Result, Status
from nncheck.proofs.rules import rule_proofs
from nncheck.proofs.symbolic import skeleton
from nncheck.records import Network

__all__ = ["BUILTIN_NETWORKS", "Proof", "Result", "Status", "builtin_proofs", "describe", "network_proofs", "run"]

ACTIVATIONS, LOSSES = LAYER_ACTIVATIONS, LAYER_LOSSES

# One layer of width 2 -> 2 for every activation and loss, then deeper networks of small widths.
BUILTIN_NETWORKS: tuple[tuple[tuple[int, ...], tuple[str, ...], str], ...] = tuple(
    ((2, 2), (activation,), loss) for activation in ACTIVATIONS for loss in LOSSES
) + (
    ((2, 2, 1), ("relu", "sigmoid"), "bce"),
    ((2, 2, 2), ("tanh", "softmax"), "cross_entropy"),
    ((2, 2, 1), ("sigmoid", "identity"), "mse"),
    ((2, 2, 1), ("leaky_relu", "tanh"), "half_sse"),
    ((2, 2, 2, 1), ("tanh", "sigmoid", "sigmoid"), "bce"),
    ((1, 2, 2, 2), ("relu", "tanh", "softmax"), "cross_entropy"),
)


def network_proofs(network: Network) -> list[Proof]:
    return list(backprop_proofs(network))


def builtin_proofs() -> list[Proof]:
    proofs = list(identity_proofs()) + list(rule_proofs())
    for widths, activations, loss in BUILTIN_NETWORKS:
        proofs += backprop_proofs(skeleton(widths, activations, loss))
    return proofs


Progress = Callable[[int, int, Proof], None]


class TimeLimit(Exception):
    """A proof ran past its time limit."""


def run(proofs: Iterable[Proof], progress: Progress | None = None, *, limit: float | None = None) -> Iterator[Result]:
    """Run each proof, timing it, and yield its result as soon as it is known (a caller that prints them keeps the
    finished ones when the run is interrupted). An exception inside a proof makes it "not proved", with the reason;
    so does running past ``limit`` seconds ("not proved (time limit)"), where the platform has interval timers
    (SymPy is Python code, so the timer's signal stops it between two steps)."""
    proofs = list(proofs)
    timed = limit is not None and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    for number, proof in enumerate(proofs, start=1):
        if progress is not None:
            progress(number, len(proofs), proof)
        start = time.perf_counter()
        note = proof.note
        previous = signal.signal(signal.SIGALRM, _expired) if timed else None
        try:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, limit or 0.0)
            status = proof.check()
        except TimeLimit:
            status, note = Status.TIME_LIMIT, f"stopped after {limit:g} s (--time-limit)"
        except Exception as error:  # noqa: BLE001 - a failed attempt is "not proved", with its reason
            status, note = Status.NOT_PROVED, f"{type(error).__name__}: {error}"
        finally:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        yield Result(proof.identity, proof.network, status, time.perf_counter() - start, note)


def _expired(signum: int, frame: object) -> None:
    raise TimeLimit
