"""The contract every backend module meets; the network code is written once against it."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]


class Backend(Protocol):
    """Array-level operations; elements are floats, SymPy numbers or ball reals."""

    NAME: str
    DTYPE: Any

    def constant(self, value: Fraction) -> Any: ...
    def exp(self, values: Array) -> Array: ...
    def log(self, values: Array) -> Array: ...
    def tanh(self, values: Array) -> Array: ...
    def erf(self, values: Array) -> Array: ...
    def sqrt(self, values: Array) -> Array: ...
    def power(self, base: Any, exponent: Any) -> Any: ...
    def pi(self) -> Any: ...
    def sign(self, values: Array) -> NDArray[np.int64]: ...
    def stabilizer(self, values: Array) -> Any: ...
    def select(self, values: Array, positive: Array, zero: Array, negative: Array) -> Array: ...
    def matmul(self, left: Array, right: Array) -> Array: ...
    def outer(self, left: Array, right: Array) -> Array: ...


def matmul(left: Array, right: Array) -> Array:
    """The matrix product, element by element (backends whose numbers have no matrix type)."""
    return left @ right


def outer(left: Array, right: Array) -> Array:
    """The outer product of two vectors, element by element."""
    return np.outer(left, right)


def select_by_sign(backend: Any, values: Array, positive: Array, zero: Array, negative: Array) -> Array:
    """The choice by sign for backends whose sign is always decided (float, SymPy)."""
    signs = backend.sign(values)
    return np.where(signs > 0, positive, np.where(signs < 0, negative, zero))


def elementwise(function: Any) -> Any:
    """Lift a scalar function to object arrays, keeping the object dtype."""
    lifted = np.frompyfunc(function, 1, 1)

    def apply(values: Array) -> Array:
        return np.asarray(lifted(values), dtype=object)

    return apply
