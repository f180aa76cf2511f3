"""F3: stock, the first-order benefit almost every team achieves."""

from __future__ import annotations

from productive_xl.core.checks import divisor, non_negative

DAYS_A_YEAR = 365


def stock_release(stock_before: float, stock_after: float) -> float:
    """One-off cash released by holding less stock: counted once, in the month it happens."""
    non_negative(stock_before, "stock_before")
    non_negative(stock_after, "stock_after")
    return stock_before - stock_after


def stock_recurrent(
    usage_before: float, usage_after: float, expired_before: float, expired_after: float
) -> float:
    """Recurrent saving a year from using less stock and letting less of it expire."""
    for value, name in (
        (usage_before, "usage_before"),
        (usage_after, "usage_after"),
        (expired_before, "expired_before"),
        (expired_after, "expired_after"),
    ):
        non_negative(value, name)
    return (usage_before - usage_after) + (expired_before - expired_after)


def stock_days(stock_value: float, annual_usage: float) -> float:
    """Days of usage that the stock held would cover."""
    non_negative(stock_value, "stock_value")
    non_negative(annual_usage, "annual_usage")
    return stock_value / (divisor(annual_usage, "annual_usage") / DAYS_A_YEAR)
