"""Recalculation of PRODUCTIVE_* calls wherever they stand in a formula (issue 3, point 2).

Every expected value is worked out by hand from DOMAIN.md, with the arithmetic beside it.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import built_and_recalculated
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo

from productive_xl.headless.report import RecalcReport

BAND_5_MID_HOUR = (33487 + (33487 - 5000) * 0.15 + 33487 * 0.1438) / 1553


def _build(path: Path) -> None:
    book = openpyxl.Workbook()
    inputs = book.active
    assert inputs is not None
    inputs.title = "Inputs"
    inputs["A3"], inputs["B3"] = "Bank shift cost", 250
    inputs["A4"], inputs["B4"] = "Financial year", "2025/26"
    book.defined_names["UnitCost"] = DefinedName("UnitCost", attr_text="Inputs!$B$3")
    book.defined_names["FinancialYear"] = DefinedName("FinancialYear", attr_text="Inputs!$B$4")

    lines = book.create_sheet("Released Time")
    lines["A2"], lines["B2"], lines["C2"], lines["D2"] = 40, 28, 12, 0.9
    cells = {
        "E2": "=PRODUCTIVE_SAVING(A2,B2,Inputs!$B$3,C2,D2)",
        "F2": "=ROUND(PRODUCTIVE_SAVING(A2,B2,UnitCost)*D2,0)",
        "G2": "=PRODUCTIVE_SAVING(A2*2,B2,Inputs!$B$3)",
        "H2": '=PRODUCTIVE_RISK_ADJUST(E2,"Amber")',
        "I2": "=E2/1000",
        "J2": "=PRODUCTIVE_WTE(I2*1553)",
        "K2": '=PRODUCTIVE_HOURLY_COST("Band 5")',
        "L2": '=PRODUCTIVE_HOURLY_COST("Band 10","2025/26")',
        "M2": "=IFERROR(L2,0)",
        "N2": "=L2*2",
        "O2": "=PRODUCTIVE_SAVING(A2,B2,250,,0.5)",
        "P2": '=PRODUCTIVE_IN_YEAR(120000,DATE(2025,10,15),"2025/26",3)',
        "Q2": "=PRODUCTIVE_FY(DATE(2025,10,15))",
        "R2": "=productive_saving(a2,b2,1)",
        "S2": "=PRODUCTIVE_SAVING(A2,B2,250,12,1.5)",
        "A10": 100,
        "A11": 110,
        "A12": 121,
        "B10": "=PRODUCTIVE_NPV(A10:A12,0.1)",
        "B11": "=PRODUCTIVE_NPV({100,110,121},0.1)",
        "B12": "=PRODUCTIVE_NPV(A10:A12*2,0.1)",
        "B13": "=PRODUCTIVE_NPV(PRODUCTIVE_SAVING(A2,B2,250),0)",
        "B14": "=PRODUCTIVE_ROI(A10:A12,A10)",
        "B15": "=SUM(E2,H2)",
    }
    for cell, value in cells.items():
        lines[cell] = value

    stock = book.create_sheet("Stock")
    stock.append(["Item", "Before", "After", "Release"])
    stock.append(
        [
            "Dressings",
            180000,
            46000,
            "=PRODUCTIVE_STOCK_RELEASE(tblStock[@Before],tblStock[@After])",
        ]
    )
    stock.append(
        [
            "Gloves",
            5000,
            4000,
            "=PRODUCTIVE_STOCK_RELEASE("
            "tblStock[[#This Row],[Before]],tblStock[[#This Row],[After]])",
        ]
    )
    stock.append(["Total", None, None, "=SUBTOTAL(109,tblStock[Release])"])
    table = Table(displayName="tblStock", ref="A1:D4", totalsRowCount=1)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    stock.add_table(table)
    stock["F1"] = "=PRODUCTIVE_STOCK_DAYS(D2,'Released Time'!A10*4000)"

    circle = book.create_sheet("Circle")
    circle["A1"] = "=PRODUCTIVE_SAVING(B1,0,1)"
    circle["B1"] = "=A1+1"
    circle["C1"] = "=A1*2"
    book.save(path)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RecalcReport]:
    _, out, report = built_and_recalculated(
        tmp_path_factory.mktemp("productive"), "tracker.xlsx", _build
    )
    return out, report


def _values(path: Path) -> dict[str, dict[str, object]]:
    book = openpyxl.load_workbook(path, data_only=True)
    return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row} for ws in book}


def test_productive_calls_in_every_position(recalculated: tuple[Path, RecalcReport]) -> None:
    out, _ = recalculated
    lines = _values(out)["Released Time"]
    assert lines["E2"] == pytest.approx(32400)  # (40 - 28) x 250 x 12 x 0.9
    assert lines["F2"] == 2700  # ROUND((40 - 28) x 250 x 0.9, 0), the unit cost by name
    assert lines["G2"] == pytest.approx(13000)  # (40 x 2 - 28) x 250
    assert lines["H2"] == pytest.approx(16200)  # 32,400 at Amber (0.5): one result feeds another
    assert lines["I2"] == pytest.approx(32.4)
    assert lines["J2"] == pytest.approx(32.4)  # 32.4 x 1,553 / 1,553, through an ordinary formula
    assert lines["K2"] == pytest.approx(BAND_5_MID_HOUR)  # the year from the name FinancialYear
    assert lines["O2"] == pytest.approx(1500)  # (40 - 28) x 250 x 1 (blank periods) x 0.5
    assert lines["P2"] == pytest.approx(50000)  # DOMAIN.md F6 worked example, 3-month ramp
    assert lines["Q2"] == "2025/26"
    assert lines["R2"] == pytest.approx(12)  # typed in lower case, as Excel would accept it
    assert lines["B10"] == pytest.approx(300)  # 100 + 110 / 1.1 + 121 / 1.21
    assert lines["B11"] == pytest.approx(300)  # the same from an array constant
    assert lines["B12"] == pytest.approx(600)  # and from an array expression, doubled
    assert lines["B13"] == pytest.approx(3000)  # nested: NPV of one year 0 value of 3,000
    assert lines["B14"] == pytest.approx((331 - 100) / 100)  # ROI: (100 + 110 + 121 - 100) / 100
    assert lines["B15"] == pytest.approx(32400 + 16200)


def test_structured_references_and_tables(recalculated: tuple[Path, RecalcReport]) -> None:
    out, report = recalculated
    stock = _values(out)["Stock"]
    assert stock["D2"] == 134000  # 180,000 - 46,000, the @ shorthand
    assert stock["D3"] == 1000  # 5,000 - 4,000, the [#This Row] form
    # the totals row's SUBTOTAL (135,000 by hand) keeps its stored value (none here): SUBTOTAL
    # disagreed with Excel over rows a filter hides (issue 8), so it is not trusted
    reasons = {item["cell"]: item["reason"] for item in report.not_recalculated}
    assert stock["D4"] is None
    assert "SUBTOTAL" in reasons["Stock!D4"]
    assert stock["F1"] == pytest.approx(134000 / (400000 / 365))  # stock days, cross-sheet


def test_productive_errors_are_real_errors_that_propagate(
    recalculated: tuple[Path, RecalcReport],
) -> None:
    out, report = recalculated
    lines = _values(out)["Released Time"]
    assert lines["L2"] == "#N/A"
    assert lines["M2"] == 0  # IFERROR sees a real error
    assert lines["N2"] == "#N/A"
    assert lines["S2"] == "#NUM!"
    errors = {e["cell"]: e for e in report.errors}
    assert errors["'Released Time'!L2"]["error"] == "#N/A"
    assert "band 'Band 10'" in errors["'Released Time'!L2"]["message"]
    assert "confidence must lie between 0 and 1" in errors["'Released Time'!S2"]["message"]
    assert errors["'Released Time'!N2"]["error"] == "#N/A"
    # the written cell is an error value, not text that reads "#N/A"
    raw = openpyxl.load_workbook(out, data_only=True)["Released Time"]["L2"]
    assert raw.data_type == "e"


def test_a_circle_through_productive_functions_is_reported_not_looped(
    recalculated: tuple[Path, RecalcReport],
) -> None:
    _, report = recalculated
    reasons = {item["cell"]: item["reason"] for item in report.not_recalculated}
    assert "circular" in reasons["Circle!A1"]
    assert {"Circle!B1", "Circle!C1"} <= set(reasons)
    assert not report.complete
    assert all(
        not key.startswith(("'Released", "Stock", "Inputs")) or "SUBTOTAL" in reason
        for key, reason in reasons.items()
    )


def test_recalc_is_at_the_package_root(tmp_path: Path) -> None:
    import productive_xl

    source = tmp_path / "small.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "=PRODUCTIVE_SAVING(40,28,250,12,0.9)"
    book.save(source)
    report = productive_xl.recalc(source)
    assert report.complete
    assert openpyxl.load_workbook(source, data_only=True).active["A1"].value == pytest.approx(32400)  # type: ignore[index]
