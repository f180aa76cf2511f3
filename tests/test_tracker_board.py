"""Reporting to the board (issue 10, point 2): months closed, plan, actual and variance to
date, forecast outturn, full-year variance, splits, carry-forward, pounds at each status, the
monthly chart's gaps and the status colours.

Every figure is worked out by hand in ``example_figures`` from the example's register and
phasing data (its typed actuals and forecasts) and DOMAIN.md, then compared with what
productive-xl recalc computes; LibreOffice recalculates the same workbook and agrees on every
reporting cell it can compute (it has no PRODUCTIVE_* functions).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from built_trackers import BuiltTrackers
from example_figures import (
    ACTUAL_BY_MONTH,
    CASH_RELEASING,
    FORECAST_BY_MONTH,
    IN_YEAR,
    MONTHS_CLOSED,
    ONE_OFF,
    PLAN_BY_MONTH,
    RT_01,
    RT_02,
    RT_03,
    RT_04,
    RT_05,
    STATUS,
    STATUS_NAME,
    chart_gaps,
    pence,
)
from libreoffice import formula_values, recalculated_values
from workbook_reading import named_value, table_rows

from productive_xl import recalc
from productive_xl.headless.report import ON_PURPOSE
from productive_xl.tracker.layout import MONTHS, Name, Sheet, Table
from productive_xl.tracker.layout import PhasingColumn as P
from productive_xl.tracker.refresh_file import refresh_file
from productive_xl.tracker.template.build import build_workbook
from productive_xl.tracker.template.dashboard import (
    BY_MONTH_ROW,
    OUTPUT_FILL,
    SPLIT_ROW,
    STATUS_ROW,
)

FULL_YEAR = {
    "PW-01": pence(RT_01),
    "PW-02": pence(RT_02),
    "PW-03": pence(RT_03),
    "PW-04": 36_000,
    "PMH-01": pence(RT_04),
    "PCS-01": 134_000,
    "PCS-02": pence(RT_05),
    "PW-05": 11_500,
    "POT-01": 2_000_000,
    "POT-02": 172_800,
    "POT-03": 35_250,  # assets employed down £150,000 at 3.5% PDC, plus £30,000 depreciation
}


def _ytd_plan(line: str) -> float:
    return sum(PLAN_BY_MONTH[line][:MONTHS_CLOSED])


def _ytd_actual(line: str) -> float:
    return sum(ACTUAL_BY_MONTH[line])


def _outturn(line: str) -> float:
    return _ytd_actual(line) + sum(FORECAST_BY_MONTH[line])


def _build(
    path: Path, months_closed: int | None = None, typed: dict[str, dict[str, Any]] | None = None
) -> openpyxl.Workbook:
    """The example, with ``MonthsClosed`` changed and phasing cells typed (line -> {column:
    value}), recalculated; its values."""
    build_workbook(path, example=True)
    if months_closed is not None or typed:
        book = openpyxl.load_workbook(path)
        if months_closed is not None:
            ((title, cell),) = book.defined_names[Name.MONTHS_CLOSED].destinations
            book[title][cell.replace("$", "")].value = months_closed
        sheet = book[Sheet.PHASING]
        table = sheet.tables[Table.PHASING]
        top = sheet[table.ref.split(":")[0]]
        headers = [column.name for column in table.tableColumns]
        for row in sheet.iter_rows(min_row=top.row + 1):
            for column, value in (typed or {}).get(str(row[0].value), {}).items():
                row[top.column - 1 + headers.index(column)].value = value
        book.save(path)
    report = recalc(path)
    assert report.complete, report.not_recalculated
    closed = MONTHS_CLOSED if months_closed is None else months_closed
    assert sorted(error["cell"] for error in report.errors) == sorted(chart_gaps(closed))
    assert {error["message"] for error in report.errors} == {ON_PURPOSE}  # told apart, no alarm
    return openpyxl.load_workbook(path, data_only=True)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[openpyxl.Workbook]:
    book = _build(tmp_path_factory.mktemp("board") / "example.xlsx")
    yield book
    book.close()


def _dashboard(book: openpyxl.Workbook) -> dict[str, Any]:
    return {
        row[0]: row[1]
        for row in book[Sheet.DASHBOARD].iter_rows(min_row=6, max_row=17, values_only=True)
    }


def _table(book: openpyxl.Workbook, header_row: int, rows: int) -> dict[str, dict[str, Any]]:
    sheet = book[Sheet.DASHBOARD]
    headers = [cell.value for cell in sheet[header_row]]
    found = {}
    for row in sheet.iter_rows(min_row=header_row + 1, max_row=header_row + rows):
        found[row[0].value] = {h: c.value for h, c in zip(headers, row, strict=False) if h}
    return found


def test_the_hand_worked_plan_is_the_in_year_effect() -> None:
    """The monthly plan by hand adds up to the in-year effect by hand (two ways, one answer)."""
    for line, plan in PLAN_BY_MONTH.items():
        assert sum(plan) == pytest.approx(IN_YEAR[line], abs=0.005), line


def test_each_line_against_its_plan(example: openpyxl.Workbook) -> None:
    rows = {row[P.LINE]: row for row in table_rows(example, Table.PHASING)}
    assert set(rows) == set(PLAN_BY_MONTH)
    for line, row in rows.items():
        assert row[P.YTD_PLAN] == pytest.approx(_ytd_plan(line), abs=0.005), line
        assert row[P.YTD_ACTUAL] == _ytd_actual(line), line
        assert row[P.YTD_VARIANCE] == pytest.approx(_ytd_actual(line) - _ytd_plan(line)), line
        assert row[P.FORECAST_TOTAL] == sum(FORECAST_BY_MONTH[line]), line
        assert row[P.OUTTURN] == _outturn(line), line
        assert row[P.OUTTURN_VARIANCE] == pytest.approx(_outturn(line) - IN_YEAR[line], abs=0.01)
        assert row[P.CARRY_FORWARD] == pytest.approx(FULL_YEAR[line] - IN_YEAR[line], abs=0.01)
        assert row[P.STATUS] == STATUS_NAME[line]
        assert row[P.CASH] == (1 if line in CASH_RELEASING else 0)
    # by eye: the theatre line (Amber) from October, ramp 3: nothing to date; forecast at 80%
    theatre = rows["POT-01"]
    assert theatre[P.YTD_PLAN] == 0
    assert theatre[P.YTD_ACTUAL] == 0
    monthly = 2_000_000 / 12
    assert theatre[P.OUTTURN] == sum(
        round(0.8 * monthly * share) for share in (1 / 3, 2 / 3, 1, 1, 1, 1)
    )
    # the one-off stock release, delivered in June, Blue: actual 134,000, nothing to carry
    assert rows["PCS-01"][P.YTD_ACTUAL] == 134_000
    assert rows["PCS-01"][P.CARRY_FORWARD] == 0


def test_the_year_at_a_glance(example: openpyxl.Workbook) -> None:
    glance = _dashboard(example)
    lines = list(PLAN_BY_MONTH)
    plan_to_date = sum(map(_ytd_plan, lines))
    actual_to_date = sum(map(_ytd_actual, lines))
    outturn = sum(map(_outturn, lines))
    in_year = sum(IN_YEAR.values())
    assert glance["Months closed (actuals in)"] == 6
    assert glance["Full-year effect (£)"] == pytest.approx(sum(FULL_YEAR.values()))
    assert glance["In-year effect: the plan for the year (£)"] == pytest.approx(in_year, abs=0.01)
    assert glance["Plan to date (£)"] == pytest.approx(plan_to_date, abs=0.01)
    assert glance["Actual to date (£)"] == actual_to_date
    assert glance["Variance to date: actual less plan (£)"] == pytest.approx(
        actual_to_date - plan_to_date, abs=0.01
    )
    assert glance["Forecast outturn: actual plus forecast (£)"] == outturn
    assert glance["Full-year variance: outturn less plan (£)"] == pytest.approx(
        outturn - in_year, abs=0.01
    )
    assert glance["Carry-forward into next year (£)"] == pytest.approx(
        sum(FULL_YEAR.values()) - in_year, abs=0.01
    )
    # by eye, from the sums above: plan to date 146,619.70, actual 145,880, outturn 871,801
    # (POT-03, Green from January, adds nothing to date and 3 x round(35,250 / 12) = 8,814)
    assert (round(plan_to_date, 2), actual_to_date, outturn) == (146_619.70, 145_880, 871_801)


def test_the_splits(example: openpyxl.Workbook) -> None:
    splits = _table(example, SPLIT_ROW, 5)

    def total(lines: list[str], figure: Any) -> float:
        return float(sum(figure(line) for line in lines))

    recurrent = [line for line in PLAN_BY_MONTH if line not in ONE_OFF]
    cash = list(CASH_RELEASING)
    non_cash = [line for line in PLAN_BY_MONTH if line not in CASH_RELEASING]
    for label, lines in (
        ("Recurrent", recurrent),
        ("Non-recurrent (one-off)", list(ONE_OFF)),
        ("Cash-releasing", cash),
        ("Non-cash", non_cash),
        ("All lines", list(PLAN_BY_MONTH)),
    ):
        row = splits[label]
        assert row["Full-year effect"] == pytest.approx(total(lines, FULL_YEAR.get)), label
        assert row["In-year plan"] == pytest.approx(total(lines, IN_YEAR.get), abs=0.01)
        assert row["Plan to date"] == pytest.approx(total(lines, _ytd_plan), abs=0.01)
        assert row["Actual to date"] == total(lines, _ytd_actual)
        assert row["Forecast outturn"] == total(lines, _outturn)
        assert row["Carry-forward"] == pytest.approx(
            total(lines, lambda line: FULL_YEAR[line] - IN_YEAR[line]), abs=0.01
        )


def test_pounds_at_each_status(example: openpyxl.Workbook) -> None:
    by_status = _table(example, STATUS_ROW, 5)
    for status in ("Blue", "Green", "Amber", "Red"):
        lines = [line for line, name in STATUS_NAME.items() if name == status]
        row = by_status[status]
        assert row["Lines"] == len(lines)
        assert row["Full-year effect"] == pytest.approx(sum(FULL_YEAR[x] for x in lines))
        assert row["In-year effect"] == pytest.approx(sum(IN_YEAR[x] for x in lines), abs=0.01)
        assert row["Risk-adjusted"] == pytest.approx(
            sum(IN_YEAR[x] * STATUS[x] for x in lines), abs=0.01
        )
        assert row["Actual to date"] == sum(_ytd_actual(x) for x in lines)
        assert row["Forecast outturn"] == sum(_outturn(x) for x in lines)
    assert by_status["All lines"]["Lines"] == 11
    assert by_status["Blue"]["Actual to date"] == pytest.approx(
        round(pence(RT_01) / 12) * 5 + 134_000
    )


def test_the_months_closed_have_actuals_and_the_rest_arechart_gaps(
    example: openpyxl.Workbook,
) -> None:
    months = _table(example, BY_MONTH_ROW, 12)
    plans = [sum(plan[m] for plan in PLAN_BY_MONTH.values()) for m in range(12)]
    actuals = [sum(actual[m] for actual in ACTUAL_BY_MONTH.values()) for m in range(6)]
    forecasts = [sum(forecast[m] for forecast in FORECAST_BY_MONTH.values()) for m in range(6)]
    rows = list(months.values())
    assert [row["Plan"] for row in rows] == pytest.approx(plans)
    assert [row["Actual"] for row in rows] == [*actuals, *["#N/A"] * 6]
    assert [row["Forecast outturn"] for row in rows] == [*actuals, *forecasts]


def test_a_forecast_typed_for_a_closed_month_is_not_counted(tmp_path: Path) -> None:
    """The forecast of a closed month is never counted: its actual stands in its place. Closing
    October then moves October's plan into the figures to date, and its forecast out of the
    outturn (no actual typed for it yet)."""
    values = _build(tmp_path / "typed.xlsx", typed={"PW-05": {"Forecast Apr": 999_999}})
    assert _dashboard(values)["Forecast outturn: actual plus forecast (£)"] == 871_801
    values = _build(tmp_path / "october.xlsx", months_closed=7)
    october = sum(plan[6] for plan in PLAN_BY_MONTH.values())
    october_forecast = sum(forecast[0] for forecast in FORECAST_BY_MONTH.values())
    glance = _dashboard(values)
    assert glance["Plan to date (£)"] == pytest.approx(146_619.70 + october, abs=0.01)
    assert glance["Actual to date (£)"] == 145_880
    assert glance["Forecast outturn: actual plus forecast (£)"] == 871_801 - october_forecast
    assert named_value(values, Name.MASTER_CHECK) == 0


def test_status_cells_are_coloured_by_status(tmp_path: Path) -> None:
    """Conditional formatting colours a status cell by its value, Blue included, on the
    Register, on Phasing and on the Dashboard, down the rows a table grows into."""
    path = tmp_path / "example.xlsx"
    build_workbook(path, example=True)
    book = openpyxl.load_workbook(path)
    for title in (Sheet.REGISTER, Sheet.PHASING, Sheet.DASHBOARD):
        coloured: dict[str, str] = {}
        for rules in book[title].conditional_formatting:
            for rule in rules.rules:
                if rule.operator == "equal" and rule.formula[0].strip('"') in STATUS_COLOURS:
                    fill = rule.dxf.fill.fgColor.rgb or rule.dxf.fill.bgColor.rgb
                    coloured[rule.formula[0].strip('"')] = str(fill)
                    assert rules.sqref, title
        assert coloured == STATUS_COLOURS, title
    # a forecast of a month closed is greyed: its actual stands in its place
    greyed = [
        rule.formula[0]
        for rules in book[Sheet.PHASING].conditional_formatting
        for rule in rules.rules
        if rule.type == "expression"
    ]
    assert greyed == ["Y$5<=MonthsClosed"]  # above Forecast Apr: the month's number
    assert book[Sheet.PHASING]["Y8"].value == "Forecast Apr"


def test_the_chart_gaps_are_shown_blank(tmp_path: Path) -> None:
    """The #N/A that makes a gap in the monthly chart stays in its cell (Excel's way to leave a
    point out), written in the colour of the cell's fill, so the board sees a blank."""
    path = tmp_path / "example.xlsx"
    build_workbook(path, example=True)
    sheet = openpyxl.load_workbook(path)[Sheet.DASHBOARD]
    first, last = BY_MONTH_ROW + 1, BY_MONTH_ROW + len(MONTHS)
    (rule,) = [
        rule
        for rules in sheet.conditional_formatting
        if str(rules.sqref) == f"D{first}:D{last}"
        for rule in rules.rules
    ]
    assert rule.formula == [f"ISNA(D{first})"]
    assert rule.dxf.font.color.rgb == OUTPUT_FILL
    assert all(sheet[f"D{row}"].fill.fgColor.rgb == OUTPUT_FILL for row in range(first, last + 1))


def test_recalc_tells_an_na_by_choice_from_an_error(tmp_path: Path) -> None:
    """Only an #N/A in a formula that calls NA() itself is told apart; a failed lookup's #N/A
    and any other error are errors, and the summary counts the first kind apart."""
    path = tmp_path / "errors.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["B1"], sheet["B2"] = 1, 2
    sheet["A1"] = "=NA()"
    sheet["A2"] = "=IF(1>2,1,NA())"
    sheet["A3"] = "=VLOOKUP(9,B1:B2,1,FALSE)"
    sheet["A4"] = "=1/0"
    book.save(path)
    report = recalc(path)
    messages = {error["cell"].split("!")[1]: error["message"] for error in report.errors}
    assert [cell for cell, message in sorted(messages.items()) if message == ON_PURPOSE] == [
        "A1",
        "A2",
    ]
    assert set(messages) == {"A1", "A2", "A3", "A4"}
    assert "4 show errors (2 of them #N/A from NA(), e.g. a chart's gap)" in report.summary()


STATUS_COLOURS = {
    "Blue": "FFBDD7EE",
    "Green": "FFC6EFCE",  # Excel's Good
    "Amber": "FFFFEB9C",  # Excel's Neutral
    "Red": "FFFFC7CE",  # Excel's Bad
}


@pytest.mark.libreoffice
def test_libreoffice_agrees_on_the_reporting(tmp_path: Path) -> None:
    """LibreOffice recalculates the example: every reporting cell it can compute (those not
    resting on a PRODUCTIVE_* function) agrees, the plan, actual and forecast to date among
    them, and the Dashboard's gaps are #N/A there too."""
    path = tmp_path / "example.xlsx"
    _build(path)
    ours = formula_values(path)
    theirs = recalculated_values(path)
    compared = set()
    for cell, value in ours.items():
        if theirs[cell] == "#NAME?":
            continue
        if isinstance(value, float | int) and not isinstance(value, bool):
            assert theirs[cell] == pytest.approx(value, abs=1e-6), cell
        else:
            assert theirs[cell] == value, cell
        compared.add(cell)
    dashboard = {cell for sheet, cell in compared if sheet == Sheet.DASHBOARD}
    gaps = {gap.split("!")[1] for gap in chart_gaps(MONTHS_CLOSED)}
    assert gaps <= dashboard
    months = {f"{column}{BY_MONTH_ROW + 1 + m}" for column in "BCD" for m in range(len(MONTHS))}
    assert months <= dashboard  # the whole monthly table, plan, outturn and actual


def test_refresh_of_the_example_gives_the_hand_worked_totals(
    built_trackers: BuiltTrackers, tmp_path: Path
) -> None:
    """`productive-xl refresh` of the example as new-tracker builds it: no finding, the master
    check 0, and the board's figures those worked out by hand."""
    out = tmp_path / "refreshed.xlsm"
    result, report = refresh_file(built_trackers.example, out, user="Finance team")
    assert result.findings == []
    assert [error["cell"] for error in report.errors] == chart_gaps(MONTHS_CLOSED)
    values = openpyxl.load_workbook(out, data_only=True)
    assert named_value(values, Name.MASTER_CHECK) == 0
    glance = _dashboard(values)
    assert glance["Plan to date (£)"] == pytest.approx(sum(map(_ytd_plan, PLAN_BY_MONTH)))
    assert glance["Actual to date (£)"] == sum(map(_ytd_actual, PLAN_BY_MONTH))
    assert glance["Forecast outturn: actual plus forecast (£)"] == sum(map(_outturn, PLAN_BY_MONTH))
    assert glance["Full-year effect (£)"] == pytest.approx(sum(FULL_YEAR.values()))
