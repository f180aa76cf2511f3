"""The PRODUCTIVE_* cell functions as Excel calls them: the catalogue's contract, Excel's ways
of passing values (blanks, serial dates, ranges, error values) and its error rules."""

from __future__ import annotations

import inspect
from datetime import date, datetime

import pytest

import productive_xl
from productive_xl import functions as f
from productive_xl.arguments import date_from_serial, serial_from_date
from productive_xl.catalogue import WIZARD_TEXT_LIMIT, CellFunction
from productive_xl.core import FinancialYear, default_reference_values
from productive_xl.core.errors import ExcelError
from productive_xl.functions import CATALOGUE
from productive_xl.workbook_context import calculating_workbook

# DESIGN.md's catalogue: names, argument order and defaults are the contract.
DESIGN_CATALOGUE = {
    "PRODUCTIVE_SAVING": "baseline, current, unit_value, [periods=1], [confidence=1]",
    "PRODUCTIVE_HOURLY_COST": 'band, [financial_year], [point="mid"], [basis="productive"]',
    "PRODUCTIVE_COST_PER_HOUR": (
        "salary, [ni_rate=0.15], [ni_threshold=5000], [pension_rate=0.1438], [levy_rate=0], "
        "[hours=1553]"
    ),
    "PRODUCTIVE_RELEASED_HOURS": (
        "minutes_before, minutes_after, times_per_day, [days_per_year=365]"
    ),
    "PRODUCTIVE_RELEASED_TIME_VALUE": 'hours, band_or_hourly_cost, [financial_year], [point="mid"]',
    "PRODUCTIVE_WTE": "hours, [productive_hours=1553]",
    "PRODUCTIVE_STOCK_RELEASE": "stock_before, stock_after",
    "PRODUCTIVE_STOCK_RECURRENT": (
        "usage_before, usage_after, [expired_before=0], [expired_after=0]"
    ),
    "PRODUCTIVE_STOCK_DAYS": "stock_value, annual_usage",
    "PRODUCTIVE_INCOME": "extra_cases, tariff, [variable_cost=0]",
    "PRODUCTIVE_ASSET_SAVING": (
        "asset_value_reduction, [depreciation_reduction=0], [pdc_rate=0.035]"
    ),
    "PRODUCTIVE_FY": "date",
    "PRODUCTIVE_IN_YEAR": "full_year_effect, start_date, financial_year, [ramp_months=0]",
    "PRODUCTIVE_NPV": "values, [rate=0.035]",
    "PRODUCTIVE_ROI": "benefits, costs",
    "PRODUCTIVE_RISK_ADJUST": "value, status_or_confidence",
    # DESIGN.md leaves the rest of its signature to be defined: "values, groups, ..."
    "PRODUCTIVE_ROLLUP": "values, groups, [groups2], [sort=1]",
}

BAND_5_ENTRY_HOUR = 39421.1962 / 1553  # DOMAIN.md F1 worked example
BAND_5_MID_HOUR = (33487 + (33487 - 5000) * 0.15 + 33487 * 0.1438) / 1553


def test_the_catalogue_is_served_with_its_exact_names_order_and_defaults() -> None:
    served = {name: fn.signature for name, fn in CATALOGUE.items()}
    assert served == {name: f"{name}({args})" for name, args in DESIGN_CATALOGUE.items()}


@pytest.mark.parametrize("excel_name", list(DESIGN_CATALOGUE))
def test_each_function_is_importable_under_its_snake_case_name(excel_name: str) -> None:
    python = getattr(f, excel_name.lower())
    assert callable(python)
    names = [p.name for p in inspect.signature(python).parameters.values()]
    assert names == [a.name for a in CATALOGUE[excel_name].arguments]


@pytest.mark.parametrize("function", list(CATALOGUE.values()), ids=lambda c: c.excel_name)
def test_function_wizard_texts_fit_and_read_as_sentences(function: object) -> None:
    assert isinstance(function, CellFunction)
    texts = [function.description] + [a.help for a in function.arguments]
    for text in texts:
        assert 10 < len(text) <= WIZARD_TEXT_LIMIT
        assert text[0].isupper() or text[0] in "'\"", text
        assert text.endswith((".", ")")), text
        text.encode("cp1252")  # the VBA module that carries them is Windows-1252


def test_the_worked_examples_through_the_cell_functions(workbook_2025_26: None) -> None:
    assert f.productive_saving(40, 28, 250, 12, 0.9) == pytest.approx(32400)
    assert f.productive_hourly_cost("Band 5", "2025/26", "entry") == pytest.approx(
        BAND_5_ENTRY_HOUR
    )
    assert f.productive_hourly_cost("Band 5", "2025/26", "entry", "paid") == pytest.approx(
        39421.1962 / 1950
    )
    assert f.productive_released_hours(45, 30, 3) == 273.75
    assert f.productive_released_time_value(273.75, "Band 5") == pytest.approx(
        273.75 * BAND_5_MID_HOUR
    )
    assert f.productive_released_time_value(273.75, 25) == 6843.75
    assert f.productive_wte(1553 / 2) == 0.5
    assert f.productive_wte(800, 1600) == 0.5
    assert f.productive_stock_release(180000, 46000) == 134000
    assert f.productive_stock_recurrent(560000, 530000) == 30000
    assert f.productive_stock_days(46000, 560000) == pytest.approx(46000 / (560000 / 365))
    assert f.productive_income(120, 3100, 1250) == 222000
    assert f.productive_income(120, 3100) == 372000
    assert f.productive_asset_saving(1_000_000) == pytest.approx(35000)
    assert f.productive_asset_saving(1_000_000, 20000, 0.03) == pytest.approx(50000)
    assert f.productive_fy(datetime(2025, 10, 15, 9, 30)) == "2025/26"
    assert f.productive_in_year(120000, date(2025, 10, 15), "2025/26") == pytest.approx(60000)
    assert f.productive_in_year(120000, date(2025, 10, 15), "2025/26", 3) == pytest.approx(50000)
    assert f.productive_npv([[100], [110]], 0.1) == pytest.approx(200)
    assert f.productive_roi([[150000, 50000]], [[80000], [20000]]) == pytest.approx(1.0)
    assert f.productive_risk_adjust(32400, "Amber") == pytest.approx(16200)
    assert f.productive_risk_adjust(32400, 0.25) == pytest.approx(8100)


def test_python_callers_may_name_their_arguments(workbook_2025_26: None) -> None:
    # (40 - 28) x 250 x 12 months x the default confidence of 1
    assert f.productive_saving(40, 28, 250, periods=12) == 36000
    # (40 - 28) x 250 x the default 1 period x 0.5
    assert f.productive_saving(baseline=40, current=28, unit_value=250, confidence=0.5) == 1500
    assert f.productive_income(120, variable_cost=1250, tariff=3100) == 222000
    assert f.productive_hourly_cost("Band 5", point="entry") == pytest.approx(BAND_5_ENTRY_HOUR)


def test_a_python_callers_wrong_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="months"):
        f.productive_saving(40, 28, 250, months=12)
    with pytest.raises(TypeError, match="periods"):
        f.productive_saving(40, 28, 250, 12, periods=12)


def test_a_required_argument_named_blank_is_still_a_value_error() -> None:
    with pytest.raises(ExcelError, match=r"#VALUE!.*unit_value is blank"):
        f.productive_saving(40, 28, unit_value=None)


def test_blank_optional_arguments_take_their_defaults(workbook_2025_26: None) -> None:
    # Excel passes a blank cell as None: periods and confidence then default to 1
    assert f.productive_saving(40, 28, 250, None, None) == 3000
    assert f.productive_saving(40, 28, 250, "", None) == 3000
    assert f.productive_hourly_cost("Band 5", None, None, None) == pytest.approx(BAND_5_MID_HOUR)
    assert f.productive_released_hours(45, 30, 3, None) == 273.75
    assert f.productive_npv([100, 110], None) == pytest.approx(100 + 110 / 1.035)


def test_a_blank_financial_year_is_the_workbooks_inputs_year() -> None:
    with calculating_workbook(financial_year=FinancialYear(2025)):
        assert f.productive_hourly_cost("Band 5") == pytest.approx(BAND_5_MID_HOUR)
    with calculating_workbook(financial_year=FinancialYear(2019)):
        with pytest.raises(productive_xl.ExcelError, match="2019/20") as raised:
            f.productive_hourly_cost("Band 5")
        assert raised.value.code == "#N/A"


def test_outside_a_workbook_a_blank_financial_year_is_the_current_nhs_year() -> None:
    today = date.today()
    start = today.year if today.month >= 4 else today.year - 1
    current = f"{start}/{(start + 1) % 100:02d}"
    if current == "2025/26":  # the only year whose pay rates ship
        assert f.productive_hourly_cost("Band 5") == pytest.approx(BAND_5_MID_HOUR)
    else:
        with pytest.raises(productive_xl.ExcelError, match=current) as raised:
            f.productive_hourly_cost("Band 5")
        assert raised.value.code == "#N/A"


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: f.productive_saving(None, 28, 250), "baseline"),
        (lambda: f.productive_saving(40, "", 250), "current"),
        (lambda: f.productive_hourly_cost(None), "band"),
        (lambda: f.productive_in_year(120000, None, "2025/26"), "start_date"),
        (lambda: f.productive_in_year(120000, date(2025, 10, 1), None), "financial_year"),
        (lambda: f.productive_fy(None), "date"),
        (lambda: f.productive_npv(None), "values"),
    ],
)
def test_a_blank_required_argument_is_a_value_error_not_zero(call: object, argument: str) -> None:
    assert callable(call)
    with pytest.raises(productive_xl.ExcelError, match=rf"\b{argument} is blank") as raised:
        call()
    assert raised.value.code == "#VALUE!"


@pytest.mark.parametrize(
    ("call", "code", "named"),
    [
        (lambda: f.productive_saving("forty", 28, 250), "#VALUE!", "baseline is the text 'forty'"),
        (
            lambda: f.productive_saving(40, 28, True),
            "#VALUE!",
            "unit_value is the logical value TRUE",
        ),
        (lambda: f.productive_saving(40, 28, 250, 12, 1.5), "#NUM!", "confidence must lie between"),
        (lambda: f.productive_hourly_cost("Band 10", "2025/26"), "#N/A", "band 'Band 10'"),
        (lambda: f.productive_hourly_cost("Band 5", "2031/32"), "#N/A", "2031/32"),
        (lambda: f.productive_hourly_cost("Band 5", "2025/26", "highest"), "#VALUE!", "'highest'"),
        (lambda: f.productive_released_hours(-5, 3, 2), "#NUM!", "minutes_before"),
        (lambda: f.productive_cost_per_hour(0), "#NUM!", "salary must be above 0"),
        (lambda: f.productive_cost_per_hour(33487, 15), "#NUM!", "ni_rate must lie between"),
        (lambda: f.productive_cost_per_hour(33487, hours=0), "#NUM!", "hours must be above 0"),
        (lambda: f.productive_cost_per_hour("Band 5"), "#VALUE!", "salary is the text"),
        (lambda: f.productive_wte(100, 0), "#DIV/0!", "productive_hours is zero"),
        (lambda: f.productive_stock_days(1000, 0), "#DIV/0!", "annual_usage is zero"),
        (lambda: f.productive_risk_adjust(1000, "Purple"), "#N/A", "status 'Purple'"),
        (lambda: f.productive_risk_adjust(1000, 1.5), "#NUM!", "status_or_confidence"),
        (
            lambda: f.productive_in_year(1000, "15/10/2025", "2025/26"),
            "#VALUE!",
            "start_date is the text",
        ),
        (lambda: f.productive_in_year(1000, 45945, "2025/27"), "#VALUE!", "'2025/27'"),
        (lambda: f.productive_npv([[100, "n/a"]]), "#VALUE!", "values (cell 2 of the range)"),
        (lambda: f.productive_npv([100, 110], 3.5), "#NUM!", "rate must lie between 0 and 1"),
        (lambda: f.productive_roi([100], [0]), "#DIV/0!", "costs"),
    ],
)
def test_errors_have_the_excel_code_and_name_the_argument_and_value(
    call: object, code: str, named: str
) -> None:
    assert callable(call)
    with pytest.raises(productive_xl.ExcelError) as raised:
        call()
    assert raised.value.code == code
    message = str(raised.value)
    assert message.startswith(f"[{code}] PRODUCTIVE_")
    assert named in message


def test_financial_year_number_is_named_with_its_value() -> None:
    with pytest.raises(productive_xl.ExcelError, match=r'financial_year is 2025.*like "2025/26"'):
        f.productive_hourly_cost("Band 5", 2025)


@pytest.mark.parametrize("code", ["#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NUM!", "#NAME?"])
def test_an_error_in_a_precedent_cell_passes_through_with_its_code(code: str) -> None:
    with pytest.raises(productive_xl.ExcelError) as raised:
        f.productive_saving(40, code, 250)
    assert raised.value.code == code
    assert "current is the error" in str(raised.value)
    with pytest.raises(productive_xl.ExcelError) as in_range:
        f.productive_npv([[100, code, 120]])
    assert in_range.value.code == code


def test_dates_arrive_as_datetimes_dates_or_serial_numbers() -> None:
    # 15 October 2025 is serial 45945 in the 1900 date system (45,658 is 1 January 2025,
    # and 1 Jan -> 15 Oct is 287 days) and 44483 in the 1904 system (1,462 fewer).
    for value in (45945, 45945.75, date(2025, 10, 15), datetime(2025, 10, 15, 23, 59)):
        assert f.productive_in_year(120000, value, "2025/26", 3) == pytest.approx(50000)
    assert f.productive_fy(45747) == "2024/25"  # 31 March 2025
    assert f.productive_fy(45748) == "2025/26"  # 1 April 2025
    with calculating_workbook(date_1904=True):
        assert f.productive_fy(44483) == "2025/26"
        assert f.productive_in_year(120000, 44483, "2025/26") == pytest.approx(60000)


def test_excel_1900_serials_around_the_leap_day_that_never_was() -> None:
    assert date_from_serial(1, "d") == date(1900, 1, 1)
    assert date_from_serial(59, "d") == date(1900, 2, 28)
    assert date_from_serial(61, "d") == date(1900, 3, 1)
    assert serial_from_date(date(1900, 3, 1)) == 61
    assert serial_from_date(date(2025, 10, 15)) == 45945
    assert serial_from_date(date(2025, 10, 15), date_1904=True) == 44483
    for bad in (0, 60, -3):
        with pytest.raises(productive_xl.ExcelError) as raised:
            date_from_serial(bad, "start_date")
        assert raised.value.code == "#NUM!"


def test_ranges_arrive_as_rows_and_blanks_inside_them_count_as_zero() -> None:
    # values 100, (blank), 121 at 10%: 100 + 0 + 121 / 1.21 = 200: the blank keeps year 1 in place
    assert f.productive_npv([[100], [None], [121]], 0.1) == pytest.approx(200)
    assert f.productive_npv(100, 0.1) == 100


def test_too_many_arguments() -> None:
    with pytest.raises(productive_xl.ExcelError, match="at most 2 arguments") as raised:
        f.productive_stock_days(1, 2, 3)
    assert raised.value.code == "#VALUE!"


def test_excel_error_is_importable_from_the_package_root() -> None:
    assert productive_xl.ExcelError is ExcelError
    error = productive_xl.ExcelError("something", code="#NUM!")
    assert error.code == "#NUM!"
    with pytest.raises(ValueError, match="not an Excel error"):
        productive_xl.ExcelError("x", code="#WRONG")


def test_a_workbook_can_give_its_own_status_weights() -> None:
    # a trust that weights Amber at 0.6: 10,000 x 0.6
    reference = default_reference_values().with_status_weights(
        {"Blue": 1.0, "Green": 0.8, "Amber": 0.6, "Red": 0.0}
    )
    with calculating_workbook(reference=reference):
        assert f.productive_risk_adjust(10000, "Amber") == pytest.approx(6000)
        with pytest.raises(ExcelError, match="Delivered"):
            f.productive_risk_adjust(10000, "Delivered")  # not among this trust's statuses
    assert f.productive_risk_adjust(10000, "Amber") == pytest.approx(5000)
