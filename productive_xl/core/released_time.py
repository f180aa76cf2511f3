"""F2: staff time released from indirect work to direct care, in hours, pounds and WTE."""

from __future__ import annotations

from productive_xl.core.checks import divisor, finite, non_negative

MINUTES_AN_HOUR = 60


def released_hours(
    minutes_before: float, minutes_after: float, times_per_day: float, days_per_year: float
) -> float:
    """Hours a year released by a task that now takes fewer minutes (task timing method).

    Negative when the task now takes longer.
    """
    non_negative(minutes_before, "minutes_before")
    non_negative(minutes_after, "minutes_after")
    non_negative(times_per_day, "times_per_day")
    non_negative(days_per_year, "days_per_year")
    return (minutes_before - minutes_after) * times_per_day * days_per_year / MINUTES_AN_HOUR


def released_hours_from_direct_care(
    direct_care_before: float, direct_care_after: float, wte: float, productive_hours: float
) -> float:
    """Hours a year moved to direct care when its share of time rises (direct-care-time method).

    The shares are fractions of productive time (0.4 for 40%).
    """
    finite(direct_care_before, "direct_care_before")
    finite(direct_care_after, "direct_care_after")
    non_negative(wte, "wte")
    non_negative(productive_hours, "productive_hours")
    return (direct_care_after - direct_care_before) * wte * productive_hours


def released_time_value(hours: float, cost_per_hour: float) -> float:
    """The value of released hours at a cost per hour.

    Non-cash-releasing unless a budget is actually cut.
    """
    finite(hours, "hours")
    non_negative(cost_per_hour, "band_or_hourly_cost")
    return hours * cost_per_hour


def whole_time_equivalent(hours: float, productive_hours: float) -> float:
    """Released hours as whole-time equivalent staff."""
    finite(hours, "hours")
    non_negative(productive_hours, "productive_hours")
    return hours / divisor(productive_hours, "productive_hours")
