"""Range checks shared by the formulas: each names the argument it rejects."""

from __future__ import annotations

import math

from productive_xl.core.errors import DivideByZero, OutOfRange


def _shown(value: float) -> str:
    return f"{value:g}"


def finite(value: float, name: str) -> float:
    """``value`` unless it is infinite or not a number."""
    if not math.isfinite(value):
        raise OutOfRange(f"{name} must be a finite number, not {_shown(value)}")
    return value


def non_negative(value: float, name: str) -> float:
    """``value`` when it is zero or more (minutes, stock values, counts)."""
    if finite(value, name) < 0:
        raise OutOfRange(f"{name} must not be negative, but is {_shown(value)}")
    return value


def fraction(value: float, name: str) -> float:
    """``value`` when it lies in 0..1, as rates and confidences do (0.035, not 3.5)."""
    if not 0 <= finite(value, name) <= 1:
        raise OutOfRange(
            f"{name} must lie between 0 and 1, but is {_shown(value)} "
            "(rates and confidences are fractions: 0.035 for 3.5%)"
        )
    return value


def divisor(value: float, name: str) -> float:
    """``value`` when it can be divided by."""
    if finite(value, name) == 0:
        raise DivideByZero(f"{name} is zero, and it is divided by")
    return value
