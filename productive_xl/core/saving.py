"""F5: the generic saving, the workhorse of a benefits tracker."""

from __future__ import annotations

from productive_xl.core.checks import finite, fraction, non_negative


def saving(
    baseline: float, current: float, unit_value: float, periods: float, confidence: float
) -> float:
    """(baseline - current) x unit value x periods x confidence.

    Bank shifts 40 -> 28 a month at £250 for 12 months with confidence 0.9 save £32,400.
    """
    finite(baseline, "baseline")
    finite(current, "current")
    finite(unit_value, "unit_value")
    non_negative(periods, "periods")
    fraction(confidence, "confidence")
    return (baseline - current) * unit_value * periods * confidence
