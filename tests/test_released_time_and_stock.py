"""F2 released time and F3 stock, against hand arithmetic."""

from __future__ import annotations

import pytest

from productive_xl.core import (
    DivideByZero,
    OutOfRange,
    released_hours,
    released_hours_from_direct_care,
    released_time_value,
    stock_days,
    stock_recurrent,
    stock_release,
    whole_time_equivalent,
)


def test_released_hours_by_task_timing() -> None:
    # drug round 45 -> 30 minutes, 3 times a day, 365 days: 15 x 3 x 365 / 60 = 273.75 hours
    assert released_hours(45, 30, 3, 365) == 273.75
    # handover 60 -> 40 minutes, twice a day, 5 days a week (260 days): 20 x 2 x 260 / 60
    assert released_hours(60, 40, 2, 260) == pytest.approx(173.3333333)


def test_a_task_that_takes_longer_releases_negative_hours() -> None:
    assert released_hours(10, 12, 6, 365) == pytest.approx(-2 * 6 * 365 / 60)


@pytest.mark.parametrize(
    ("before", "after", "times", "days", "named"),
    [
        (-5, 3, 1, 365, "minutes_before"),
        (5, -3, 1, 365, "minutes_after"),
        (5, 3, -1, 365, "times_per_day"),
        (5, 3, 1, -365, "days_per_year"),
    ],
)
def test_negative_minutes_or_counts_are_out_of_range(
    before: float, after: float, times: float, days: float, named: str
) -> None:
    with pytest.raises(OutOfRange, match=named) as raised:
        released_hours(before, after, times, days)
    assert raised.value.code == "#NUM!"


def test_released_hours_by_direct_care_time() -> None:
    # direct care 40% -> 45% of the time of 10 WTE at 1,553 hours: 0.05 x 10 x 1,553 = 776.5
    assert released_hours_from_direct_care(0.40, 0.45, 10, 1553) == pytest.approx(776.5)


def test_value_and_wte_of_released_hours() -> None:
    # 273.75 hours at £25.3839 an hour = £6,948.84; / 1,553 = 0.17627 WTE
    assert released_time_value(273.75, 25.3839) == pytest.approx(6948.842625)
    assert whole_time_equivalent(273.75, 1553) == pytest.approx(0.176271732)
    with pytest.raises(DivideByZero):
        whole_time_equivalent(273.75, 0)


def test_stock_release_is_the_fall_in_stock_held() -> None:
    # Leicestershire-like: stock held £180,000 -> £46,000 releases £134,000 once
    assert stock_release(180000, 46000) == 134000


def test_recurrent_stock_saving_adds_usage_and_expiry() -> None:
    # usage £560,000 -> £530,000 and expired stock £12,000 -> £4,000: 30,000 + 8,000
    assert stock_recurrent(560000, 530000, 12000, 4000) == 38000
    assert stock_recurrent(560000, 530000, 0, 0) == 30000


def test_stock_days() -> None:
    # £46,000 held against £560,000 used a year: 46,000 / (560,000 / 365) = 29.982 days
    assert stock_days(46000, 560000) == pytest.approx(29.98214286)
    # a year's usage held is 365 days
    assert stock_days(560000, 560000) == pytest.approx(365)
    with pytest.raises(DivideByZero, match="annual_usage") as raised:
        stock_days(46000, 0)
    assert raised.value.code == "#DIV/0!"


def test_negative_stock_is_out_of_range() -> None:
    with pytest.raises(OutOfRange, match="stock_after"):
        stock_release(1000, -1)
