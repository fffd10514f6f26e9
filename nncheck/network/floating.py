"""Float backend: NumPy float64, the arithmetic frameworks use."""

from __future__ import annotations

import math
import sys

from fractions import Fraction
from typing import Any

import numpy as np

from nncheck.network.backend import Array, matmul, outer, select_by_sign

__all__ = ["NAME", "DTYPE", "constant", "exp", "log", "tanh", "erf", "sqrt", "power", "pi", "sign", "stabilizer", "select", "matmul", "outer"]

NAME = "float"
DTYPE = np.float64


def constant(value: Fraction) -> float:
    return float(value)  # correctly rounded to the nearest double


exp = np.exp
log = np.log
tanh = np.tanh
erf = np.vectorize(math.erf, otypes=[np.float64])
sqrt = np.sqrt


def power(base: Any, exponent: Any) -> Any:
    return base**exponent


def pi() -> float:
    return math.pi


def sign(values: Array) -> Any:
    return np.sign(values).astype(np.int64)


def stabilizer(values: Array) -> Any:
    """Softmax shift: subtracting the maximum keeps exp from overflowing."""
    return np.max(values)


def select(values: Array, positive: Array, zero: Array, negative: Array) -> Array:
    return select_by_sign(sys.modules[__name__], values, positive, zero, negative)
