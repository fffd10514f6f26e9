"""Progress of a long audit, for whoever shows it: the CLI draws a bar on a terminal; nothing is drawn otherwise.

The stages call :func:`advance` as they go; :func:`reporting` sets the callback for the calls made inside it (a
context variable, so that a library caller and a worker process are never affected). Without a callback an
:func:`advance` costs one lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# (stage, done, total): e.g. ("judging", 120, 4000), ("diagnosing", 3, 20)
Callback = Callable[[str, int, int], None]
_CALLBACK: ContextVar[Callback | None] = ContextVar("nncheck_progress", default=None)


def advance(stage: str, done: int, total: int) -> None:
    """``done`` of ``total`` steps of ``stage`` are finished."""
    callback = _CALLBACK.get()
    if callback is not None:
        callback(stage, done, total)


@contextmanager
def reporting(callback: Callback) -> Iterator[None]:
    """Within the block, :func:`advance` calls ``callback``."""
    token = _CALLBACK.set(callback)
    try:
        yield
    finally:
        _CALLBACK.reset(token)
