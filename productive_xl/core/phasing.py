"""F6: how a full-year effect falls into the months of a financial year."""

from __future__ import annotations

from datetime import date

from productive_xl.core.checks import finite, non_negative
from productive_xl.core.financial_year import FinancialYear

MONTHS_A_YEAR = 12


def _month_number(year: int, month: int) -> int:
    return year * MONTHS_A_YEAR + month - 1


def delivery_factors(start: date, year: FinancialYear, ramp_months: float) -> tuple[float, ...]:
    """The share of the monthly run rate delivered in each month of ``year``, April first.

    The first benefit month is the calendar month containing ``start``, counted in full. With a
    ramp of r months the n-th benefit month delivers min(1, n / r); with no ramp, all of it.
    """
    non_negative(ramp_months, "ramp_months")
    first = _month_number(start.year, start.month)
    factors = []
    for calendar_year, month in year.months():
        n = _month_number(calendar_year, month) - first + 1
        if n < 1:
            factors.append(0.0)
        elif ramp_months == 0:
            factors.append(1.0)
        else:
            factors.append(min(1.0, n / ramp_months))
    return tuple(factors)


def monthly_phasing(
    full_year_effect: float, start: date, year: FinancialYear, ramp_months: float = 0
) -> tuple[float, ...]:
    """The benefit of each month of ``year``, April first, for a line starting on ``start``."""
    finite(full_year_effect, "full_year_effect")
    run_rate = full_year_effect / MONTHS_A_YEAR
    return tuple(run_rate * f for f in delivery_factors(start, year, ramp_months))


def in_year_effect(
    full_year_effect: float, start: date, year: FinancialYear, ramp_months: float = 0
) -> float:
    """The part of a full-year effect that falls in ``year`` (the in-year, or part-year, effect)."""
    finite(full_year_effect, "full_year_effect")
    return full_year_effect / MONTHS_A_YEAR * sum(delivery_factors(start, year, ramp_months))
