"""F1: staff cost per hour, checked against DOMAIN.md's worked example and hand arithmetic."""

from __future__ import annotations

from dataclasses import replace

import pytest

from productive_xl.core import (
    InvalidValue,
    NotFound,
    annual_employment_cost,
    default_reference_values,
    staff_cost_per_hour,
)

REFERENCE = default_reference_values()


def test_band_5_entry_worked_example_from_domain() -> None:
    # DOMAIN.md: Band 5, 2025/26, entry 31,049: NI 3,907.35, pension 4,464.85,
    # annual cost 39,421.20, per productive hour 25.3839, per paid hour 20.2160.
    salary = 31049
    ni = (salary - 5000) * 0.15
    pension = salary * 0.1438
    assert ni == pytest.approx(3907.35)
    assert pension == pytest.approx(4464.8462)
    on_costs = REFERENCE.pay_scale("2025/26").on_costs
    assert annual_employment_cost(salary, on_costs) == pytest.approx(39421.1962)
    productive = staff_cost_per_hour("Band 5", "2025/26", REFERENCE, point="entry")
    paid = staff_cost_per_hour("Band 5", "2025/26", REFERENCE, point="entry", basis="paid")
    assert round(productive, 4) == 25.3839
    assert round(paid, 4) == 20.2160


def test_mid_point_of_a_three_point_band_is_the_intermediate_point() -> None:
    # Band 6 intermediate 40,823: NI (40,823 - 5,000) x 0.15 = 5,373.45;
    # pension 40,823 x 0.1438 = 5,870.3474; annual 52,066.7974; / 1,553 = 33.52659...
    expected = (40823 + 5373.45 + 5870.3474) / 1553
    assert staff_cost_per_hour("Band 6", "2025/26", REFERENCE) == pytest.approx(expected)
    assert expected == pytest.approx(33.526592, abs=1e-6)


def test_mid_point_of_a_two_point_band_is_the_mean_of_entry_and_top() -> None:
    # Band 4: (27,485 + 30,162) / 2 = 28,823.5; NI 23,823.5 x 0.15 = 3,573.525;
    # pension 28,823.5 x 0.1438 = 4,144.8193; annual 36,541.8443
    expected = 36541.8443 / 1553
    assert staff_cost_per_hour("Band 4", "2025/26", REFERENCE, "mid") == pytest.approx(expected)


def test_a_one_point_band_has_the_same_cost_at_every_point() -> None:
    # Band 2 24,465: NI 19,465 x 0.15 = 2,919.75; pension 3,518.067; annual 30,902.817
    expected = 30902.817 / 1950
    for point in ("entry", "mid", "top"):
        cost = staff_cost_per_hour("Band 2", "2025/26", REFERENCE, point, basis="paid")
        assert cost == pytest.approx(expected)


def test_top_of_band_8a() -> None:
    # 62,682: NI 57,682 x 0.15 = 8,652.30; pension 62,682 x 0.1438 = 9,013.6716
    expected = (62682 + 8652.30 + 9013.6716) / 1553
    assert staff_cost_per_hour("Band 8a", "2025/26", REFERENCE, "top") == pytest.approx(expected)


@pytest.mark.parametrize(
    "spelling", ["Band 5", "band 5", "BAND 5", "B5", "b 5", "5", 5.0, " Band5 "]
)
def test_bands_are_recognised_however_trackers_write_them(spelling: str | float) -> None:
    expected = staff_cost_per_hour("Band 5", "2025/26", REFERENCE, "entry")
    assert staff_cost_per_hour(spelling, "2025/26", REFERENCE, "entry") == expected


@pytest.mark.parametrize("spelling", ["Band 8A", "8a", "B8a", "band 8a"])
def test_band_8_subdivisions_are_recognised(spelling: str) -> None:
    assert staff_cost_per_hour(spelling, "2025/26", REFERENCE, "entry") == pytest.approx(
        (55690 + 50690 * 0.15 + 55690 * 0.1438) / 1553
    )


@pytest.mark.parametrize("band", ["Band 10", "Band 1", "Band 8e", "nurse", 5.5])
def test_an_unknown_band_is_not_available(band: str | float) -> None:
    with pytest.raises(NotFound) as raised:
        staff_cost_per_hour(band, "2025/26", REFERENCE)
    assert raised.value.code == "#N/A"
    assert repr(band) in str(raised.value)


def test_a_year_without_pay_rates_is_not_available() -> None:
    with pytest.raises(NotFound, match=r"2019/20.*held: 2025/26"):
        staff_cost_per_hour("Band 5", "2019/20", REFERENCE)


@pytest.mark.parametrize(("point", "basis"), [("middle", "productive"), ("mid", "contracted")])
def test_an_unknown_point_or_basis_is_a_value_error(point: str, basis: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        staff_cost_per_hour("Band 5", "2025/26", REFERENCE, point, basis)
    assert raised.value.code == "#VALUE!"


def test_every_reference_value_can_be_overridden() -> None:
    # A trust that counts the 0.5% apprenticeship levy and uses 1,600 productive hours:
    # Band 5 entry: 39,421.1962 + 31,049 x 0.005 = 39,576.4412; / 1,600 = 24.73527575
    scale = REFERENCE.pay_scale("2025/26")
    with_levy = replace(scale, on_costs=replace(scale.on_costs, apprenticeship_levy_rate=0.005))
    reference = replace(REFERENCE.with_pay_scale(with_levy), productive_hours=1600)
    cost = staff_cost_per_hour("Band 5", "2025/26", reference, "entry")
    assert cost == pytest.approx(39576.4412 / 1600)
    # and the defaults themselves are untouched
    assert staff_cost_per_hour("Band 5", "2025/26", REFERENCE, "entry") == pytest.approx(
        39421.1962 / 1553
    )


def test_the_shipped_defaults_carry_their_sources() -> None:
    assert REFERENCE.productive_hours == 1553
    assert REFERENCE.paid_hours == 1950
    assert REFERENCE.pdc_rate == 0.035
    assert REFERENCE.discount_rate == 0.035
    assert REFERENCE.theatre_cost_per_minute == 14
    assert dict(REFERENCE.status_weights) == {
        "Blue": 1.0,
        "Delivered": 1.0,
        "Green": 0.9,
        "Amber": 0.5,
        "Red": 0.1,
    }
    assert {item.name for item in REFERENCE.sources} == {
        "paid_hours",
        "productive_hours",
        "pdc_rate",
        "discount_rate",
        "theatre_cost_per_minute",
    }
    assert all(item.source and item.unit and item.year for item in REFERENCE.sources)
    scale = REFERENCE.pay_scale("2025/26")
    assert "2025/26" in scale.source
    assert scale.points["Band 5"] == (31049, 33487, 37796)
    assert scale.points["Band 9"] == (109179, 115763, 125637)
    assert all(item.source and item.year for item in scale.sources)


def test_cost_per_hour_from_a_salary_given_in_the_cell() -> None:
    """DOMAIN.md's Band 5 mid 2025/26 by hand: 33,487 + NI (33,487 - 5,000) x 0.15 = 4,273.05
    + pension 33,487 x 0.1438 = 4,815.4306 = 42,575.4806 a year; / 1,553 = 27.4150 an hour."""
    from productive_xl.functions import productive_cost_per_hour

    assert pytest.approx(4273.05) == (33487 - 5000) * 0.15
    assert pytest.approx(4815.4306) == 33487 * 0.1438
    assert round(productive_cost_per_hour(33487), 2) == 27.41
    assert productive_cost_per_hour(33487) == pytest.approx(42575.4806 / 1553)
    # every on-cost given in the cell: NI 13.8% above 9,100, pension 20%, levy 0.5%, paid hours
    by_hand = (33487 + (33487 - 9100) * 0.138 + 33487 * 0.2 + 33487 * 0.005) / 1950
    assert productive_cost_per_hour(33487, 0.138, 9100, 0.2, 0.005, 1950) == pytest.approx(by_hand)
    # a salary under the threshold pays no employer NI
    assert productive_cost_per_hour(4000, hours=1000) == pytest.approx(4000 * 1.1438 / 1000)
