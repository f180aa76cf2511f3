"""A tracker for any financial year, driven by its own Inputs (issue 10, points 1, 3, 4, 6).

Every rate the results use is an input on Inputs: each test here changes one, recalculates
the workbook with productive-xl recalc, and compares what moved with the effect worked out by
hand from DOMAIN.md's formulas. The shipped reference values only seed a new tracker.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from example_figures import FULL_YEAR, IN_YEAR, MONTHS_CLOSED, ONE_OFF, chart_gaps
from libreoffice import formula_values, recalculated_values
from workbook_reading import named_value, table_rows

from productive_xl import recalc
from productive_xl.cli.main import main
from productive_xl.core import FinancialYear
from productive_xl.tracker.actions import add_benefit_line, update_rates_for_year
from productive_xl.tracker.checks import Check
from productive_xl.tracker.file_book import FileBook
from productive_xl.tracker.input_checks import check_inputs
from productive_xl.tracker.layout import (
    AssetsColumn,
    Name,
    PhasingColumn,
    RatesColumn,
    RollupColumn,
    Sheet,
    Table,
    TaskTimesColumn,
)
from productive_xl.tracker.refresh_file import refresh_file
from productive_xl.tracker.register import Column
from productive_xl.tracker.template.build import build_tracker, build_workbook
from productive_xl.tracker.template.dashboard import APPRAISAL_ROW

BAND_5_MID = 33_487
RT_01_HOURS = (45 - 30) * 3 * 365 / 60  # the example's drug round: 273.75 hours a year
RELEASED_TIME_LINES = 5  # PW-01, PW-02, PW-03, PMH-01, PCS-02 rest on task timings


def _hour(  # noqa: PLR0917 (F1's six inputs, in its order)
    salary: float = BAND_5_MID,
    ni: float = 0.15,
    threshold: float = 5_000,
    pension: float = 0.1438,
    levy: float = 0.0,
    hours: float = 1_553,
) -> float:
    """DOMAIN.md F1 by hand."""
    return (salary + max(0, salary - threshold) * ni + salary * pension + salary * levy) / hours


@pytest.fixture(scope="module")
def as_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example as built, before recalculation: what each test changes an input of."""
    path = tmp_path_factory.mktemp("year") / "example.xlsx"
    build_workbook(path, example=True)
    return path


def _with(as_built: Path, tmp_path: Path, **inputs: Any) -> openpyxl.Workbook:
    """The example with the named Inputs cells (or "Band 5 Mid") changed, recalculated."""
    book = openpyxl.load_workbook(as_built)
    for name, value in inputs.items():
        if name == "band_5_mid":
            rates = book[Sheet.INPUTS]
            (cell,) = [
                row[2] for row in rates[rates.tables[Table.RATES].ref] if row[0].value == "Band 5"
            ]
            cell.value = value
            continue
        ((sheet, address),) = book.defined_names[name].destinations
        book[sheet][address.replace("$", "")].value = value
    path = tmp_path / "changed.xlsx"
    book.save(path)
    report = recalc(path)
    assert report.complete, report.not_recalculated
    return openpyxl.load_workbook(path, data_only=True)


def _band_5(values: openpyxl.Workbook) -> float:
    (row,) = [r for r in table_rows(values, Table.RATES) if r[RatesColumn.BAND] == "Band 5"]
    return float(row[RatesColumn.HOURLY_COST])


def _rt_01(values: openpyxl.Workbook) -> dict[str, Any]:
    (row,) = [r for r in table_rows(values, Table.TASK_TIMES) if r[TaskTimesColumn.LINE] == "RT-01"]
    return row


def test_the_example_as_built_costs_band_5_at_the_domain_figure(
    as_built: Path, tmp_path: Path
) -> None:
    values = _with(as_built, tmp_path)
    assert round(_band_5(values), 2) == 27.41  # DOMAIN.md: Band 5 mid, 2025/26
    assert _band_5(values) == pytest.approx(_hour())
    assert named_value(values, Name.MASTER_CHECK) == 0
    assert values[Sheet.INPUTS]["A4"].value is None  # no note: the rates are the year's


# Each input, a new value, the hourly cost of Band 5 worked out by hand, and how many register
# lines then disagree with their source sheet (their typed figure was worked at the old rates).
CHANGES = [
    ("band_5_mid", 40_000, _hour(salary=40_000), 1),  # PW-01 alone is costed at Band 5
    (Name.EMPLOYER_NI_RATE, 0.138, _hour(ni=0.138), RELEASED_TIME_LINES),
    (Name.EMPLOYER_NI_THRESHOLD, 9_100, _hour(threshold=9_100), RELEASED_TIME_LINES),
    (Name.EMPLOYER_PENSION_RATE, 0.2, _hour(pension=0.2), RELEASED_TIME_LINES),
    (Name.APPRENTICESHIP_LEVY_RATE, 0.005, _hour(levy=0.005), RELEASED_TIME_LINES),
    (Name.PRODUCTIVE_HOURS, 1_600, _hour(hours=1_600), RELEASED_TIME_LINES),
    # Band 2 has one pay point, its top as well as its mid: PW-03 (RT-03, Band 2) still agrees
    (Name.PAY_POINT, "top", _hour(salary=37_796), RELEASED_TIME_LINES - 1),
]


@pytest.mark.parametrize(("name", "value", "hour", "disagreeing"), CHANGES, ids=str)
def test_each_rate_on_inputs_drives_every_hourly_cost(  # noqa: PLR0917 (pytest's arguments)
    as_built: Path, tmp_path: Path, name: str, value: object, hour: float, disagreeing: int
) -> None:
    values = _with(as_built, tmp_path, **{name: value})
    assert _band_5(values) == pytest.approx(hour)
    timing = _rt_01(values)
    assert timing[TaskTimesColumn.HOURLY_COST] == pytest.approx(hour)
    assert timing[TaskTimesColumn.VALUE] == pytest.approx(RT_01_HOURS * hour)
    # the register's typed figures no longer agree with their workings: the checks say so
    assert named_value(values, Name.MASTER_CHECK) == disagreeing


def test_paid_hours_drive_the_cost_when_the_basis_is_paid(as_built: Path, tmp_path: Path) -> None:
    paid = _with(as_built, tmp_path, **{Name.COST_BASIS: "paid"})
    assert _band_5(paid) == pytest.approx(_hour(hours=1_950))
    fewer = _with(as_built, tmp_path, **{Name.COST_BASIS: "paid", Name.PAID_HOURS: 1_900})
    assert _band_5(fewer) == pytest.approx(_hour(hours=1_900))


def test_productive_hours_also_turn_hours_into_wte(as_built: Path, tmp_path: Path) -> None:
    values = _with(as_built, tmp_path, **{Name.PRODUCTIVE_HOURS: 1_600})
    assert _rt_01(values)[TaskTimesColumn.WTE] == pytest.approx(RT_01_HOURS / 1_600)


def test_the_pdc_rate_drives_the_asset_saving(as_built: Path, tmp_path: Path) -> None:
    values = _with(as_built, tmp_path, **{Name.PDC_RATE: 0.05})
    (assets,) = table_rows(values, Table.ASSETS)
    assert assets[AssetsColumn.SAVING] == pytest.approx(150_000 * 0.05 + 30_000)  # 37,500
    assert named_value(values, Name.MASTER_CHECK) == 1  # POT-03 typed 35,250


def _npv(rate: float) -> float:
    """The example programme by hand: year 0 its in-year effect less £180,000 + £60,000; years
    1 to 4 the recurrent lines' full-year effect less £60,000; Green Book, year 0 undiscounted."""
    recurrent = sum(value for line, value in FULL_YEAR.items() if line not in ONE_OFF)
    net = [sum(IN_YEAR.values()) - 240_000] + [recurrent - 60_000] * 4
    return sum(value / (1 + rate) ** year for year, value in enumerate(net))


def test_the_programme_npv_and_roi_are_worked_out_by_hand(as_built: Path, tmp_path: Path) -> None:
    values = _with(as_built, tmp_path)
    assert named_value(values, Name.PROGRAMME_NPV) == pytest.approx(_npv(0.035), abs=0.01)
    recurrent = sum(value for line, value in FULL_YEAR.items() if line not in ONE_OFF)
    benefits = sum(IN_YEAR.values()) + 4 * recurrent
    costs = 180_000 + 5 * 60_000
    assert named_value(values, Name.PROGRAMME_ROI) == pytest.approx((benefits - costs) / costs)
    # the board sees them on the Dashboard, under "Return on the programme"
    dashboard = values[Sheet.DASHBOARD]
    assert dashboard.cell(APPRAISAL_ROW - 1, 1).value == "Return on the programme"
    assert dashboard.cell(APPRAISAL_ROW, 2).value == pytest.approx(_npv(0.035), abs=0.01)
    assert dashboard.cell(APPRAISAL_ROW + 1, 2).value == pytest.approx((benefits - costs) / costs)
    higher = _with(as_built, tmp_path, **{Name.DISCOUNT_RATE: 0.05})
    assert named_value(higher, Name.PROGRAMME_NPV) == pytest.approx(_npv(0.05), abs=0.01)


def test_the_example_second_order_workings_agree_with_their_text(as_built: Path) -> None:
    """The measure's text and the figure agree: 800 cases at £3,400 less £900 is £2,000,000."""
    values = _with(as_built, as_built.parent)
    (income,) = table_rows(values, Table.INCOME)
    assert income["Income a year"] == 800 * (3_400 - 900) == 2_000_000
    revenue = {row["Line"]: row["Saving a year"] for row in table_rows(values, Table.REVENUE)}
    assert revenue == {"BANK-W7": (40 - 28) * 250 * 12, "TH-02": (8 - 2) * 2_400 * 12}
    lines = {row[Column.ID]: row for row in table_rows(values, Table.BENEFITS)}
    for line in lines.values():
        assert line[Column.SOURCE_ROWS] == 1, line[Column.ID]
        assert line[Column.DISAGREES_WITH_SOURCE] is False, line[Column.ID]
    assert "800 more elective cases a year at £3,400 tariff less £900" in str(
        lines["POT-01"][Column.MEASURE]
    )


def test_the_rollup_reads_by_directorate(as_built: Path) -> None:
    values = _with(as_built, as_built.parent)
    by_directorate: dict[str, float] = {}
    for row in table_rows(values, Table.ROLLUP):
        directorate = row[RollupColumn.DIRECTORATE]
        by_directorate[directorate] = (
            by_directorate.get(directorate, 0) + row[RollupColumn.IN_YEAR_EFFECT]
        )
    assert by_directorate == pytest.approx(
        {
            "Medicine": IN_YEAR["PW-01"] + IN_YEAR["PW-03"] + IN_YEAR["PW-04"],
            "Surgery": sum(IN_YEAR[k] for k in ("PW-02", "PW-05", "POT-01", "POT-02", "POT-03")),
            "Mental Health": IN_YEAR["PMH-01"],
            "Community": IN_YEAR["PCS-01"] + IN_YEAR["PCS-02"],
        }
    )
    assert named_value(values, Name.ORGANISATION) == "Example Acute and Community NHS Trust"
    assert named_value(values, Name.ORGANISATION_CODE) == "RZZ"


# --- a year productive_xl ships no scale for ----------------------------------------------------


@pytest.fixture(scope="module")
def tracker_2026(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("2026") / "tracker-2026-27.xlsm"
    assert main(["new-tracker", "--year", "2026/27", str(path)]) == 0
    return path


def test_a_2026_27_tracker_opens_with_no_error_and_a_note_on_inputs(tracker_2026: Path) -> None:
    copy = tracker_2026.with_name("copy.xlsm")
    copy.write_bytes(tracker_2026.read_bytes())
    report = recalc(copy)
    assert report.complete
    assert [e["cell"] for e in report.errors] == chart_gaps(0)  # the chart's gaps only
    assert report.changed_count == 0  # built with these values
    values = openpyxl.load_workbook(copy, data_only=True)
    assert named_value(values, Name.FINANCIAL_YEAR) == "2026/27"
    assert named_value(values, Name.RATES_YEAR) == "2025/26"  # seeded from the latest shipped
    assert named_value(values, Name.MASTER_CHECK) == 0
    note = values[Sheet.INPUTS]["A4"].value
    assert "2025/26" in note
    assert "2026/27" in note
    assert _band_5(values) == pytest.approx(_hour())  # the seeded rates, costed
    found = [str(finding) for finding in check_inputs(FileBook(copy))]
    assert found[0].startswith("RatesYear: the pay points (tblRates) and on-costs are 2025/26's")
    assert "Inputs!" in found[1]
    assert "Organisation: is blank" in found[1]


def test_new_tracker_defaults_to_the_current_financial_year(tmp_path: Path) -> None:
    out = tmp_path / "tracker.xlsm"
    assert main(["new-tracker", str(out)]) == 0
    values = openpyxl.load_workbook(out, data_only=True)
    assert named_value(values, Name.FINANCIAL_YEAR) == FinancialYear.containing(date.today()).label
    assert named_value(values, Name.MASTER_CHECK) == 0


def test_new_tracker_refuses_another_year_for_the_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "example.xlsm"
    assert main(["new-tracker", "--example", "--year", "2026/27", str(out)]) == 2
    assert "the example trust's tracker is for 2025/26" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(SystemExit) as raised:
        main(["new-tracker", "--year", "2026", str(out)])
    assert raised.value.code == 2


def test_update_rates_sets_the_on_costs_and_their_year(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsm"
    build_tracker(path, example=False, year=FinancialYear(2025))
    book = FileBook(path)
    book.set_name_value(Name.EMPLOYER_NI_RATE, 0.2)
    book.set_name_value(Name.RATES_YEAR, "2024/25")
    update = update_rates_for_year(book)
    assert update.updated
    assert book.name_value(Name.EMPLOYER_NI_RATE) == 0.15
    assert book.name_value(Name.RATES_YEAR) == "2025/26"
    assert "RatesYear to 2025/26" in update.message


# --- flows that leave no error ------------------------------------------------------------------


@pytest.mark.parametrize("example", [False, True], ids=["template", "example"])
def test_add_benefit_line_leaves_no_error_cell(example: bool, tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsm"
    build_tracker(path, example=example, year=FinancialYear(2025))
    book = FileBook(path)
    line = add_benefit_line(book, "Productive Ward")
    out = tmp_path / "added.xlsm"
    book.save(out)
    report = recalc(out)
    assert [e["cell"] for e in report.errors] == chart_gaps(MONTHS_CLOSED if example else 0)
    values = openpyxl.load_workbook(out, data_only=True)
    (new,) = [r for r in table_rows(values, Table.BENEFITS) if r[Column.ID] == line.id]
    assert new[Column.IN_YEAR_EFFECT] == 0
    assert new[Column.PHASING_ROWS] == 1  # its phasing row was added with it
    phased = [r[PhasingColumn.LINE] for r in table_rows(values, Table.PHASING)]
    assert phased.count(line.id) == 1
    # what is left to fill in shows as checks: no source yet (and, once refreshed, no owner)
    assert named_value(values, Name.MASTER_CHECK) == 1


def test_a_source_row_no_line_names_is_a_finding_with_its_row(tmp_path: Path) -> None:
    """A stock count typed on Stock with a code no register line names: the refresh lists it
    with its sheet and row; it changes no total and no cell shows an error."""
    path = tmp_path / "example.xlsm"
    build_tracker(path, example=True)
    book = FileBook(path)
    row = book.append_row(
        Table.STOCK,
        {"Line": "ST-99", "Ward or team": "Ward 7 (Medicine)", "Stock": "Linen",
         "Stock before": 5_000, "Stock after": 4_000, "Usage a year before": 20_000,
         "Usage a year after": 20_000, "Expired a year before": 0, "Expired a year after": 0},
    )  # fmt: skip
    book.save(path)
    result, report = refresh_file(path, path, user="Finance team")
    assert [e["cell"] for e in report.errors] == chart_gaps(MONTHS_CLOSED)
    assert [(f.check, f.line_id, f.row, f.column) for f in result.findings] == [
        (Check.ROWS_NAME_A_LINE, "ST-99", row, "Line")
    ]
    assert result.findings[0].message.startswith(f"Stock row {row} (tblStock) has code ST-99")
    values = openpyxl.load_workbook(path, data_only=True)
    assert named_value(values, Name.MASTER_CHECK) == 1


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_agrees_on_the_ordinary_formulas_of_a_2026_27_tracker(
    tmp_path: Path,
) -> None:
    """A 2026/27 tracker as built and recalculated (before the VBA project, as the template's own
    LibreOffice test does): every formula LibreOffice can work out (it has no PRODUCTIVE_*
    functions) agrees with productive-xl recalc, the note on Inputs among them."""
    path = tmp_path / "tracker-2026-27.xlsx"
    build_workbook(path, example=False, year=FinancialYear(2026))
    assert recalc(path).complete
    ours = formula_values(path)
    theirs = recalculated_values(path)
    assert set(theirs) == set(ours)
    compared = 0
    for cell, value in ours.items():
        if theirs[cell] == "#NAME?":
            continue
        if isinstance(value, float | int) and not isinstance(value, bool):
            assert theirs[cell] == pytest.approx(value, abs=1e-6), cell
        else:
            assert theirs[cell] == value, cell
        compared += 1
    assert compared > 100
    note = theirs[Sheet.INPUTS, "A4"]
    assert isinstance(note, str)
    assert note.startswith("Note: the pay points and on-costs below are 2025/26's")


def test_a_pay_point_not_entry_mid_or_top_is_an_input_finding_and_no_silent_zero(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tracker.xlsm"
    build_tracker(path, example=False, year=FinancialYear(2025))
    book = FileBook(path)
    book.set_name_value(Name.PAY_POINT, "middle")
    book.save(path)
    assert "PayPoint: 'middle' is not one of entry, mid, top" in [
        str(finding) for finding in check_inputs(FileBook(path))
    ]
    recalc(path)
    values = openpyxl.load_workbook(path, data_only=True)
    assert _band_5_shown(values) == "#NUM!"  # a salary of 0 is refused, never costed at 0


def _band_5_shown(values: openpyxl.Workbook) -> object:
    (row,) = [r for r in table_rows(values, Table.RATES) if r[RatesColumn.BAND] == "Band 5"]
    return row[RatesColumn.HOURLY_COST]
