"""Trust by evidence (issue 8): the engine's value is written only for formulas whose every
function and construct the agreement table shows agreeing with Excel, or a test of ours proves;
anything else keeps Excel's value and is reported, naming what it uses.

Each workbook of issue 8's examples holds, as its cached value, Excel's value worked out by hand:
whatever recalc does, that value must come out, and a kept cell must be reported."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter  # type: ignore[import-untyped]

from productive_xl.headless import trust_list
from productive_xl.headless.formula_features import (
    ARRAY_FORMULA,
    COERCION,
    IMPLICIT_INTERSECTION,
    THREE_D,
    features,
)
from productive_xl.headless.recalc import recalc
from productive_xl.headless.report import RecalcReport

TABLE = Path(trust_list.__file__).with_name("agreement.json")


def _recalculated(tmp_path: Path, build: Any) -> tuple[RecalcReport, Any]:
    source = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(source))
    build(book)
    book.close()
    out = tmp_path / "out.xlsx"
    report = recalc(source, out)
    return report, openpyxl.load_workbook(out, data_only=True)


def _reason(report: RecalcReport, cell: str) -> str | None:
    return next((k["reason"] for k in report.not_recalculated if k["cell"] == cell), None)


def _gives_excels_value_or_is_kept(
    report: RecalcReport, values: Any, cell: str, excel: object, named: str | None = None
) -> None:
    sheet, _, address = cell.partition("!")
    got = values[sheet][address].value
    if isinstance(excel, float):
        assert got == pytest.approx(excel, rel=1e-12)
    else:
        assert got == excel
    reason = _reason(report, cell)
    if reason is not None and named is not None:
        assert named in reason


# --- the table and the list -------------------------------------------------------------------


def test_the_list_trusts_nothing_the_committed_table_shows_disagreeing() -> None:
    table = json.loads(TABLE.read_text(encoding="utf-8"))["features"]
    trusted = trust_list.trusted()
    for feature in trusted - set(trust_list.PROVEN):
        entry = table[feature]
        assert entry["disagree"] == 0, feature
        assert entry["agree"] >= trust_list.MIN_CELLS, feature
        assert entry["workbooks"] >= trust_list.MIN_WORKBOOKS, feature
    assert not trusted & set(trust_list.NEVER_TRUSTED)
    for feature in trust_list.PROVEN:
        assert table.get(feature, {}).get("disagree", 0) == 0, feature


def test_each_proven_feature_names_a_test_here_that_exists() -> None:
    for test in trust_list.PROVEN.values():
        path, _, name = test.partition("::")
        assert Path(path).name == Path(__file__).name
        assert name in globals(), test


def test_the_trackers_own_functions_are_trusted() -> None:
    trusted = trust_list.trusted()
    for feature in ("INDEX", "MATCH (exact)", "SUMIFS", "COUNTIFS", "IFERROR", "AND", "ROUND"):
        assert feature in trusted, feature


# --- issue 8's examples ----------------------------------------------------------------------


def test_an_array_formula_of_ceiling_over_ranges(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Sheet1")
        sheet.write_column("A1", [1.5, 2.5])
        sheet.write_column("B1", [1, 1])
        # one cell of an array formula shows the first element: CEILING(1.5, 1) = 2
        sheet.write_array_formula("C1:C1", "{=CEILING(A1:A2,B1:B2)}", None, 2)

    assert ARRAY_FORMULA in features("CEILING(A1:A2,B1:B2)", array=True)
    report, values = _recalculated(tmp_path, build)
    _gives_excels_value_or_is_kept(report, values, "Sheet1!C1", 2)


def test_a_name_for_a_column_used_where_one_value_belongs(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Sheet1")
        sheet.write_column("A1", [10, 20, 30])
        book.define_name("Liste2", "=Sheet1!$A$1:$A$3")
        sheet.write_formula("C2", "=Liste2", None, 20)  # row 2 of the column: 20
        sheet.write_formula("C3", "=C2+1", None, 21)

    report, values = _recalculated(tmp_path, build)
    _gives_excels_value_or_is_kept(report, values, "Sheet1!C2", 20, "implicit intersection")
    _gives_excels_value_or_is_kept(report, values, "Sheet1!C3", 21)
    assert _reason(report, "Sheet1!C2") is not None
    assert "depends on Sheet1!C2" in (_reason(report, "Sheet1!C3") or "")


def test_a_3d_reference_keeps_its_value_and_is_reported(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        for number in (1, 2, 3):
            book.add_worksheet(f"Sheet{number}").write("A1", number)
        book.worksheets()[0].write_formula("B1", "=SUM(Sheet1:Sheet3!A1)", None, 6)

    report, values = _recalculated(tmp_path, build)
    _gives_excels_value_or_is_kept(report, values, "Sheet1!B1", 6)
    assert "3-D reference" in (_reason(report, "Sheet1!B1") or "")
    assert THREE_D in features("SUM(Sheet1:Sheet3!A1)")


def test_text_numbers_typed_as_arguments(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Sheet1")
        sheet.write_formula("A1", '=SUMSQ("2","3",4)', None, 29)  # 4 + 9 + 16

    report, values = _recalculated(tmp_path, build)
    _gives_excels_value_or_is_kept(report, values, "Sheet1!A1", 29)
    assert COERCION in features('SUMSQ("2","3",4)')


def test_an_approximate_match_on_data_not_in_its_order_keeps_excels_value(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Sheet1")
        # Excel's binary search for "the smallest value at least 0.5" in ascending data: the
        # value Excel stored is kept, not worked out again
        sheet.write_formula("A1", "=MATCH(0.5,{0,1,2,3,4},-1)", None, "#N/A")

    report, values = _recalculated(tmp_path, build)
    _gives_excels_value_or_is_kept(report, values, "Sheet1!A1", "#N/A")
    assert _reason(report, "Sheet1!A1") is not None


def test_yearfrac_with_the_start_after_the_end(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Sheet1")
        # Excel swaps the dates: 1 Jan to 31 Dec 2023, actual/actual, is 364 of 365 days
        sheet.write_formula("A1", "=YEARFRAC(DATE(2023,12,31),DATE(2023,1,1),1)", None, 364 / 365)

    report, values = _recalculated(tmp_path, build)
    _gives_excels_value_or_is_kept(report, values, "Sheet1!A1", 364 / 365)


def test_text_of_a_time_rounds_its_seconds(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Sheet1")
        sheet.write("A1", (11 * 3600 + 29 * 60 + 59.6) / 86400)  # 11:29:59.6
        sheet.write_formula("B1", '=TEXT(A1,"hh:mm:ss")', None, "11:30:00")

    report, values = _recalculated(tmp_path, build)
    _gives_excels_value_or_is_kept(report, values, "Sheet1!B1", "11:30:00")


def test_convert_of_zero_kelvin(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        book.add_worksheet("Sheet1").write_formula("A1", '=CONVERT(0,"K","C")', None, -273.15)

    report, values = _recalculated(tmp_path, build)
    _gives_excels_value_or_is_kept(report, values, "Sheet1!A1", -273.15)


def test_subtotal_leaves_out_rows_a_filter_hides(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Sheet1")
        sheet.write_column("A1", ["Amount", 1, 2, 3])
        sheet.autofilter("A1:A4")
        sheet.filter_column(0, "x > 1")
        sheet.set_row(1, None, None, {"hidden": True})  # the row of 1, filtered out
        sheet.write_formula("C1", "=SUBTOTAL(9,A2:A4)", None, 5)

    report, values = _recalculated(tmp_path, build)
    _gives_excels_value_or_is_kept(report, values, "Sheet1!C1", 5)


def test_switch_with_no_match(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Sheet1")
        sheet.write_formula("A1", '=_xlfn.SWITCH(3,1,"a",2,"b")', None, "#N/A")

    report, values = _recalculated(tmp_path, build)
    _gives_excels_value_or_is_kept(report, values, "Sheet1!A1", "#N/A")


def test_sheets_does_not_count_recalcs_scratch_sheet(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Sheet1")
        sheet.write_formula("A1", "=_xlfn.SHEETS()", None, 1)
        sheet.write_formula("A2", "=_xlfn.SHEET()", None, 1)

    report, values = _recalculated(tmp_path, build)
    _gives_excels_value_or_is_kept(report, values, "Sheet1!A1", 1, "scratch sheet")
    _gives_excels_value_or_is_kept(report, values, "Sheet1!A2", 1, "scratch sheet")
    assert _reason(report, "Sheet1!A1") is not None


def test_implicit_intersection_is_never_trusted() -> None:
    assert IMPLICIT_INTERSECTION not in trust_list.trusted()
    assert IMPLICIT_INTERSECTION in features("A1:A3*2")
    assert IMPLICIT_INTERSECTION not in features("SUMPRODUCT(A1:A3*2)")


# --- what is proven here, not by the table ----------------------------------------------------


def test_today_and_now_are_the_moment_of_recalculation(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Sheet1")
        sheet.write_formula("A1", "=TODAY()", None, 0)
        sheet.write_formula("A2", "=NOW()", None, 0)

    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    report, values = _recalculated(tmp_path, build)
    after = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert report.complete
    day_zero = datetime.datetime(1899, 12, 30)
    today = values["Sheet1"]["A1"].value
    now = values["Sheet1"]["A2"].value
    # openpyxl reads numbers; the serials of the moment: whole days, and a day and its fraction
    assert today in {(before - day_zero).days, (after - day_zero).days}
    seconds = now * 86400
    assert (before - day_zero).total_seconds() - 2 <= seconds
    assert seconds <= (after - day_zero).total_seconds() + 2


def test_rand_and_randbetween_fall_in_their_range(tmp_path: Path) -> None:
    def build(book: Any) -> None:
        sheet = book.add_worksheet("Sheet1")
        for row in range(20):
            sheet.write_formula(row, 0, "=RAND()", None, 0)
            sheet.write_formula(row, 1, "=RANDBETWEEN(3,5)", None, 0)

    report, values = _recalculated(tmp_path, build)
    assert report.complete
    rands = [values["Sheet1"].cell(row, 1).value for row in range(1, 21)]
    between = [values["Sheet1"].cell(row, 2).value for row in range(1, 21)]
    assert all(0 <= r < 1 for r in rands)
    assert len(set(rands)) > 1
    assert all(b in (3, 4, 5) for b in between)


def test_char_of_codes_below_128(tmp_path: Path) -> None:
    # the codes below 128 are ASCII in every code page Excel uses: worked out from the table
    codes = {"A1": (65, "A"), "A2": (97, "a"), "A3": (48, "0"), "A4": (32, " "), "A5": (126, "~")}

    def build(book: Any) -> None:
        sheet = book.add_worksheet("Sheet1")
        for cell, (code, _) in codes.items():
            sheet.write_formula(cell, f"=CHAR({code})", None, "")
        sheet.write_formula("B1", '="top"&CHAR(13)&CHAR(10)&"bottom"', None, "")

    report, values = _recalculated(tmp_path, build)
    assert report.complete
    assert {cell: values["Sheet1"][cell].value for cell in codes} == {
        cell: char for cell, (_, char) in codes.items()
    }
    # openpyxl leaves Excel's escape of the carriage return in a formula's result
    assert values["Sheet1"]["B1"].value == "top_x000D_\nbottom"


def test_a_formula_filled_down_is_judged_once_and_only_its_copies_share_the_judgement() -> None:
    from productive_xl.headless.trust import _layout

    # the same formula filled from row 5 to row 6: one layout
    assert _layout("=SUM(A1:B2)*$C$3+Q5", 5) == _layout("=SUM(A2:B3)*$C$3+Q6", 6)
    # a one-cell range and a range of two cells never share one, nor do anchored rows that differ
    assert _layout("=SUM(A5:A5)", 5) != _layout("=SUM(A5:A6)", 5)
    assert _layout("=A$1", 5) != _layout("=A$2", 6)
    # rows written alone (1:1) and numbers are not cell references: they stay as written
    assert _layout("=SUM(1:1)+CHAR(10)", 1) != _layout("=SUM(2:2)+CHAR(10)", 2)
