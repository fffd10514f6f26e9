"""Exact backend: SymPy. Decimals become Rationals; exp and log stay symbolic; any digits on demand."""

from __future__ import annotations

import sys

from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from nncheck.network.backend import Array, matmul, outer, select_by_sign, elementwise

__all__ = ["NAME", "DTYPE", "constant", "exp", "log", "tanh", "erf", "sqrt", "power", "pi", "sign", "stabilizer", "select", "matmul", "outer"]

NAME = "exact"
DTYPE = object


def constant(value: Fraction) -> Any:
    return sympy.Rational(value.numerator, value.denominator)


exp = elementwise(sympy.exp)
log = elementwise(sympy.log)
tanh = elementwise(sympy.tanh)
erf = elementwise(sympy.erf)
sqrt = elementwise(sympy.sqrt)


def power(base: Any, exponent: Any) -> Any:
    return sympy.Pow(base, exponent)


def pi() -> Any:
    return sympy.pi


def sign(values: Array) -> Any:
    return np.vectorize(lambda v: int(sympy.sign(v)), otypes=[np.int64])(values)


def stabilizer(values: Array) -> Any:
    """No shift is needed in exact arithmetic."""
    return sympy.Integer(0)


def select(values: Array, positive: Array, zero: Array, negative: Array) -> Array:
    return select_by_sign(sys.modules[__name__], values, positive, zero, negative)
