"""F4 second-order benefits, F5 the generic saving and F7 appraisal, against hand arithmetic."""

from __future__ import annotations

import pytest

from productive_xl.core import (
    DivideByZero,
    NotFound,
    OutOfRange,
    asset_saving,
    default_reference_values,
    income,
    net_present_value,
    return_on_investment,
    revenue_reduction,
    risk_adjusted,
    saving,
    status_weight,
)

WEIGHTS = default_reference_values().status_weights


def test_generic_saving_worked_example_from_domain() -> None:
    # DOMAIN.md F5: bank shifts 40 -> 28 a month at £250, 12 months, confidence 0.9: 32,400
    assert saving(40, 28, 250, 12, 0.9) == pytest.approx(32400)
    assert saving(40, 28, 250, 1, 1) == 3000


@pytest.mark.parametrize("confidence", [-0.1, 1.5, 90])
def test_confidence_outside_0_to_1_is_out_of_range(confidence: float) -> None:
    with pytest.raises(OutOfRange, match="confidence") as raised:
        saving(40, 28, 250, 12, confidence)
    assert raised.value.code == "#NUM!"


def test_revenue_reduction_and_income() -> None:
    # 6 waiting-list sessions a month avoided for a year at £1,800 each: 72 x 1,800
    assert revenue_reduction(72, 1800) == 129600
    # 120 extra cases at a £3,100 tariff with £1,250 variable cost: 120 x 1,850 = 222,000
    assert income(120, 3100, 1250) == 222000


def test_asset_saving_is_pdc_avoided_plus_depreciation_avoided() -> None:
    # £1,000,000 fewer assets at 3.5% PDC plus £20,000 depreciation: 35,000 + 20,000
    assert asset_saving(1_000_000, 20000, 0.035) == pytest.approx(55000)


def test_a_pdc_rate_written_as_a_percentage_is_out_of_range() -> None:
    with pytest.raises(OutOfRange, match=r"pdc_rate.*3\.5.*0\.035"):
        asset_saving(1_000_000, 0, 3.5)


def test_npv_leaves_year_0_undiscounted() -> None:
    # 100 now and 110 in a year at 10%: 100 + 110 / 1.1 = 200
    assert net_present_value([100, 110], 0.10) == pytest.approx(200)
    # 32,400 a year for 5 years at 3.5%:
    # 32,400 x (1 + 1/1.035 + 1/1.035^2 + 1/1.035^3 + 1/1.035^4)
    factors = 1 + 0.966183575 + 0.933510700 + 0.901942706 + 0.871442228
    assert net_present_value([32400] * 5, 0.035) == pytest.approx(32400 * factors)


def test_roi() -> None:
    # benefits 150,000 + 50,000 against costs 80,000 + 20,000: (200,000 - 100,000) / 100,000
    assert return_on_investment([150000, 50000], [80000, 20000]) == pytest.approx(1.0)
    with pytest.raises(DivideByZero):
        return_on_investment([1000], [0, 0])
    with pytest.raises(OutOfRange):
        return_on_investment([1000], [-10])


@pytest.mark.parametrize(
    ("status", "weight"),
    [("Blue", 1.0), ("delivered", 1.0), ("GREEN", 0.9), (" Amber ", 0.5), ("red", 0.1)],
)
def test_status_weights(status: str, weight: float) -> None:
    assert status_weight(status, WEIGHTS) == weight
    assert risk_adjusted(10000, status_weight(status, WEIGHTS)) == pytest.approx(10000 * weight)


def test_an_unknown_status_is_not_available() -> None:
    with pytest.raises(NotFound, match="Purple") as raised:
        status_weight("Purple", WEIGHTS)
    assert raised.value.code == "#N/A"
