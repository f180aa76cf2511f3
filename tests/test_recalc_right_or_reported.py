"""Right or reported (issue 9, point 4): a circle through PRODUCTIVE_* calls is reported like any
other, recalc's scratch sheet never meets a user's sheet or name, and a PRODUCTIVE_* result too
large for a number is #NUM!.

Each expected value is worked out by hand beside it.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from productive_xl.cli.main import EXIT_PARTLY_RECALCULATED, main
from productive_xl.functions import productive_npv
from productive_xl.headless.recalc import recalc


def _workbook(path: Path, cells: dict[str, object], sheets: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Lines"
    for name in sheets:
        book.create_sheet(name)["A1"] = 7
    for cell, value in cells.items():
        sheet[cell] = value
    book.save(path)
    return path


def _new_value(report_changes: list[dict[str, object]], cell: str) -> object:
    return next(change["new"] for change in report_changes if change["cell"] == cell)


@pytest.mark.parametrize(
    "formula",
    [
        "=PRODUCTIVE_SAVING(B1,0,1)+1",  # settles at once on an error feeding itself
        "=PRODUCTIVE_SAVING(B1,0,0)+1",  # settles at once on 1: (B1-0)*0 + 1
        "=PRODUCTIVE_SAVING(C1,0,1)",  # through another cell: C1 = B1*2
    ],
)
def test_a_circle_through_a_productive_call_is_reported(tmp_path: Path, formula: str) -> None:
    source = _workbook(tmp_path / "circle.xlsx", {"B1": formula, "C1": "=B1*2", "D1": "=5*2"})
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(source), "-o", str(out)]) == EXIT_PARTLY_RECALCULATED
    report = recalc(source, out)
    reasons = {entry["cell"]: entry["reason"] for entry in report.not_recalculated}
    assert "circular" in reasons["Lines!B1"]
    assert "Lines!D1" not in reasons  # 10, outside the circle
    assert not report.complete


def test_a_chain_of_calls_is_no_circle(tmp_path: Path) -> None:
    # B1 = (10-4)*1 = 6; C1 = (B1-1)*2 = 10; D1 = (C1-0)*3 = 30
    source = _workbook(
        tmp_path / "chain.xlsx",
        {
            "B1": "=PRODUCTIVE_SAVING(10,4,1)",
            "C1": "=PRODUCTIVE_SAVING(B1,1,2)",
            "D1": "=PRODUCTIVE_SAVING(C1,0,3)",
        },
    )
    report = recalc(source, tmp_path / "out.xlsx")
    assert report.complete
    changes = report.changed
    assert [_new_value(changes, f"Lines!{c}1") for c in "BCD"] == [6, 10, 30]


@pytest.mark.parametrize("taken", ["sheet", "sheet in capitals", "defined name"])
def test_a_users_scratch_named_sheet_or_name_changes_nothing(tmp_path: Path, taken: str) -> None:
    name = "_PRODUCTIVE_XL" if taken == "sheet in capitals" else "_productive_xl"
    cells = {"A1": "=PRODUCTIVE_SAVING(10,5,2)", "A2": f"='{name}'!A1+1"}
    path = tmp_path / "taken.xlsx"
    if taken == "defined name":
        _workbook(path, {"A1": cells["A1"], "B9": 40, "A2": "=_productive_xl+1"})
        book = openpyxl.load_workbook(path)
        book.defined_names["_productive_xl"] = DefinedName("_productive_xl", attr_text="Lines!$B$9")
        book.save(path)
    else:
        _workbook(path, cells, sheets=(name,))
    report = recalc(path, tmp_path / "out.xlsx")
    changes = report.changed
    assert _new_value(changes, "Lines!A1") == 10  # (10 - 5) x 2
    # the user's own cell A1 of their sheet holds 7; the name points at B9, which holds 40
    assert _new_value(changes, "Lines!A2") == (41 if taken == "defined name" else 8)


def test_a_net_present_value_over_a_long_series_is_its_sum() -> None:
    # 20,700 ones at 3.5%: the sum of 1/1.035^t for t from 0 is 1/(1 - 1/1.035) = 1.035/0.035,
    # the terms past year 20,600 or so being smaller than any float
    assert productive_npv([1.0] * 20_700) == pytest.approx(1.035 / 0.035, rel=1e-12)


@pytest.mark.parametrize(
    "formula",
    [
        "=PRODUCTIVE_SAVING(1E+200,0,1E+200)",  # 1E+400, past the largest float
        "=PRODUCTIVE_NPV(B2:B3,0)*1",  # B2 + B3 = 2 x 1.5E+308
        "=PRODUCTIVE_STOCK_RECURRENT(1.7E+308,-1.7E+308)",
    ],
)
def test_a_result_too_large_for_a_number_is_num(tmp_path: Path, formula: str) -> None:
    source = _workbook(tmp_path / "big.xlsx", {"A1": formula, "B2": 1.5e308, "B3": 1.5e308})
    report = recalc(source, tmp_path / "out.xlsx")
    assert report.kept is None
    errors = {entry["cell"]: entry["error"] for entry in report.errors}
    assert errors == {"Lines!A1": "#NUM!"}
