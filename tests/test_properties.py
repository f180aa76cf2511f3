"""Properties that hold for every input, checked with hypothesis."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from productive_xl import functions as f
from productive_xl.arguments import date_from_serial, serial_from_date
from productive_xl.core import (
    FinancialYear,
    in_year_effect,
    monthly_phasing,
    net_present_value,
    saving,
    stock_days,
)

money = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_subnormal=False)
PENNY_FRACTION = 1e-9  # rounding allowance, far below anything shown in pounds
positive_money = st.floats(min_value=0.01, max_value=1e9)
fractions = st.floats(min_value=0, max_value=1)
ramps = st.one_of(st.just(0.0), st.floats(min_value=0.5, max_value=36))
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))
years = st.integers(min_value=1990, max_value=2060).map(FinancialYear)


@given(fye=money, start=days, year=years, ramp=ramps)
def test_in_year_effect_never_exceeds_the_full_year_effect(
    fye: float, start: date, year: FinancialYear, ramp: float
) -> None:
    effect = in_year_effect(fye, start, year, ramp)
    assert abs(effect) <= abs(fye) * (1 + 1e-12) + PENNY_FRACTION
    assert effect * fye >= 0  # same sign as the full-year effect


@given(fye=positive_money, start=days, ramp=ramps)
def test_consecutive_years_add_up_and_reach_the_full_rate(
    fye: float, start: date, ramp: float
) -> None:
    first = FinancialYear.containing(start)
    effects = [
        in_year_effect(fye, start, FinancialYear(first.start_year + k), ramp) for k in range(5)
    ]
    assert all(e <= fye * (1 + 1e-12) for e in effects)
    assert effects == sorted(effects)  # a line only grows into its run rate
    # three years later any ramp of up to 36 months is over: the full year is delivered
    assert effects[4] == pytest.approx(fye)


@given(fye=positive_money, start=days)
def test_with_no_ramp_the_first_year_holds_the_months_from_the_start_to_march(
    fye: float, start: date
) -> None:
    months_left = 12 - (start.month - 4) % 12  # April 12, May 11, ..., March 1
    effect = in_year_effect(fye, start, FinancialYear.containing(start), 0)
    assert effect == pytest.approx(fye * months_left / 12)


@given(fye=money, start=days, year=years, ramp=ramps)
def test_monthly_phasing_sums_to_the_in_year_effect(
    fye: float, start: date, year: FinancialYear, ramp: float
) -> None:
    months = monthly_phasing(fye, start, year, ramp)
    assert len(months) == 12
    assert sum(months) == pytest.approx(in_year_effect(fye, start, year, ramp), abs=1e-6)


@given(baseline=money, current=money, unit=money, periods=st.floats(0, 120), confidence=fractions)
def test_a_saving_changes_sign_when_baseline_and_current_swap(
    baseline: float, current: float, unit: float, periods: float, confidence: float
) -> None:
    forward = saving(baseline, current, unit, periods, confidence)
    backward = saving(current, baseline, unit, periods, confidence)
    assert forward == pytest.approx(-backward)


@given(values=st.lists(money, min_size=1, max_size=30))
def test_npv_at_zero_is_the_sum(values: list[float]) -> None:
    assert net_present_value(values, 0) == pytest.approx(sum(values), abs=1e-3)


@given(values=st.lists(st.floats(min_value=0, max_value=1e9), min_size=1, max_size=30))
def test_discounting_values_of_no_loss_never_adds_nor_takes_year_0(values: list[float]) -> None:
    assert net_present_value(values, 0.035) <= sum(values) + 1e-6
    assert net_present_value(values, 0.035) >= values[0] - 1e-6


@given(stock=positive_money, usage=positive_money)
def test_stock_days_times_daily_usage_is_the_stock(stock: float, usage: float) -> None:
    assert stock_days(stock, usage) * usage / 365 == pytest.approx(stock)


@given(day=st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)), d1904=st.booleans())
def test_serial_dates_round_trip(day: date, d1904: bool) -> None:
    assume(not (d1904 and day < date(1904, 1, 1)))  # the 1904 system starts in 1904
    serial = serial_from_date(day, date_1904=d1904)
    assert date_from_serial(serial, "d", date_1904=d1904) == day
    assert date_from_serial(serial + 0.99, "d", date_1904=d1904) == day
    if not d1904 and day >= date(1904, 1, 1):
        assert serial - serial_from_date(day, date_1904=True) == 1462


@given(day=days)
def test_the_financial_year_of_a_date_contains_it(day: date) -> None:
    label = f.productive_fy(day)
    year = FinancialYear.parse(label)
    assert year.first_day <= day <= year.last_day
    assert (
        FinancialYear.containing(year.last_day + timedelta(days=1)).start_year
        == year.start_year + 1
    )
