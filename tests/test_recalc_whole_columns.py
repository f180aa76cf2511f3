"""Whole columns and rows are bounded by the cells in use in the engine's copy (issue 8, point
5), and bounding never changes a value: hand-worked values, the engine's own values for the
whole columns, and LibreOffice's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from productive_xl import recalc
from productive_xl.headless.engine_copy import engine_copy
from productive_xl.headless.ironcalc_model import load_model, read_value
from productive_xl.headless.productive_calls import SCRATCH_SHEET
from productive_xl.headless.whole_references import (
    Extent,
    bounded_formula,
    holds_whole_columns,
    holds_whole_rows,
    used_extent,
)
from productive_xl.ooxml.package import open_package
from productive_xl.ooxml.workbook import read_workbook

EXTENT = Extent(rows=8, columns=5)


@pytest.mark.parametrize(
    ("formula", "bounded"),
    [
        ("=SUM(B:B)", "=SUM(B$1:B$8)"),
        ("=SUM($B:$C)", "=SUM($B$1:$C$8)"),
        ("=COUNTA(Data!A:A)", "=COUNTA(Data!A$1:A$8)"),
        ("=VLOOKUP(D2,A:B,2,0)", "=VLOOKUP(D2,A$1:B$8,2,0)"),
        ("=VLOOKUP(D2,'My data'!$A:$B,2,FALSE)", "=VLOOKUP(D2,'My data'!$A$1:$B$8,2,FALSE)"),
        ("=MATCH(D2,A:A,0)", "=MATCH(D2,A$1:A$8,0)"),
        ("=INDEX(B:B,MATCH(D2,A:A,0))", "=INDEX(B$1:B$8,MATCH(D2,A$1:A$8,0))"),
        ("=XLOOKUP(D2,A:A,B:B)", "=XLOOKUP(D2,A$1:A$8,B$1:B$8)"),
        ('=SUMIFS(C:C,A:A,"<>x",B:B,D2)', '=SUMIFS(C$1:C$8,A$1:A$8,"<>x",B$1:B$8,D2)'),
        ('=SUMIF(A:A,"",C:C)', '=SUMIF(A$1:A$8,"",C$1:C$8)'),
        ('=COUNTIF(A:A,"d")', '=COUNTIF(A$1:A$8,"d")'),
        ('=COUNTIFS(A:A,">3",B:B,"<>")', '=COUNTIFS(A$1:A$8,">3",B$1:B$8,"<>")'),
        ("=COUNTIF(B:B,5)", "=COUNTIF(B$1:B$8,5)"),
        ("=SUM(2:2)", "=SUM($A2:$E2)"),
        ("=HLOOKUP(D2,1:2,2,FALSE)", "=HLOOKUP(D2,$A1:$E2,2,FALSE)"),
        # kept whole: the blank cells past the data would change the result
        ("=COUNTBLANK(A:A)", None),
        ('=COUNTIF(A:A,"")', None),
        ('=COUNTIF(A:A,"=")', None),
        ('=COUNTIF(A:A,"<>d")', None),
        ("=COUNTIF(A:A,D2)", None),  # D2 may be "" or "<>x"
        ('=AVERAGEIF(A:A,"",B:B)', None),
        ("=ROWS(A:A)", None),
        ("=COLUMNS(1:1)", None),
        ("=INDEX(A:A,1000)", None),
        ("=INDEX(B:B,MATCH(D2,A:A,1))", None),
        ("=MATCH(D2,A:A)", None),
        ("=MATCH(D2,A:A,1)", None),
        ("=VLOOKUP(D2,A:B,2)", None),
        ("=VLOOKUP(D2,A:B,2,TRUE)", None),
        ("=LOOKUP(D2,A:A,B:B)", None),
        ("=XLOOKUP(D2,A:A,B:B,,-1)", None),
        ("=XLOOKUP(D2,A:A,B:B,,0,-1)", None),
        ("=OFFSET(A:A,1,0)", None),
        ('=SUMPRODUCT((A:A="")*1)', None),
        ("=A:A", None),
        ("=SUM(A:A)+ROWS(B:B)", None),  # one kept whole keeps them all
        ("=SUM([1]Sheet1!A:A)", None),
    ],
)
def test_which_whole_columns_are_bounded(formula: str, bounded: str | None) -> None:
    assert bounded_formula(formula, EXTENT) == (bounded or formula)


def test_nothing_is_bounded_when_the_data_reaches_the_last_row() -> None:
    assert bounded_formula("=SUM(A:A)", Extent(1_048_576, 5)) == "=SUM(A:A)"


def test_the_extent_is_one_past_every_cell_and_array() -> None:
    part = (
        b'<sheetData><row r="2"><c r="C2"><v>1</v></c></row><row r="7">'
        b'<c r="A7"><f t="array" ref="A7:B30">X</f></c></row></sheetData>'
    )
    assert used_extent([part], rows_too=True) == Extent(31, 4)
    assert used_extent([part, b'<row r="90"><c r="A90"/></row>'], rows_too=False) == Extent(
        91, 16_384
    )
    assert used_extent([b"<row><c/></row>"], rows_too=False) is None  # rows not numbered


# Data!A1:B7 with a gap in A4; F1 holds "d", F2 is empty. Each formula with Excel's value.
KEYS = ["Key", "a", "b", None, "d", "e", "f"]
VALUES = ["Value", 1, 2, 3, 4, 5, 6]
FORMULAS = {
    "=SUM(B:B)": 21,
    "=COUNTA(A:A)": 6,
    "=COUNT(B:B)": 6,
    "=AVERAGE(B:B)": 3.5,
    "=MAX(B:B)": 6,
    "=MIN(B:B)": 1,
    "=VLOOKUP(F1,A:B,2,FALSE)": 4,
    '=VLOOKUP("f",$A:$B,2,0)': 6,
    '=MATCH("e",A:A,0)': 6,
    '=INDEX(B:B,MATCH("e",A:A,0))': 5,
    '=SUMIF(A:A,"<>a",B:B)': 20,
    '=SUMIFS(B:B,A:A,"d")': 4,
    '=COUNTIF(A:A,"d")': 1,
    '=COUNTIF(B:B,">3")': 3,
    "=SUMPRODUCT(B:B,B:B)": 91,
    '=SUMIF(A:A,"d",B1)': 4,  # adds up B1 down to the criteria range's size
    # kept whole, counting the blank cells down to row 1,048,576
    '=COUNTIF(A:A,"")': 1_048_570,
    "=COUNTBLANK(A:A)": 1_048_570,
    '=COUNTIF(A:A,"<>a")': 1_048_575,
    "=ROWS(A:A)": 1_048_576,
    "=INDEX(A:A,1000)": 0,
}


@pytest.fixture
def whole_columns(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Data"
    for row, (key, value) in enumerate(zip(KEYS, VALUES, strict=True), start=1):
        if key is not None:
            sheet.cell(row, 1, key)
        sheet.cell(row, 2, value)
    sheet["F1"] = "d"
    for row, formula in enumerate(FORMULAS, start=1):
        sheet.cell(row, 4, formula)
    sheet["G1"] = "=VLOOKUP(F2,A:B,2,FALSE)"  # a blank looked up: the engine's own answer
    sheet["G2"] = "=MATCH(F2,A:A,0)"
    path = tmp_path / "whole.xlsx"
    book.save(path)
    return path


def _engine_values(data: bytes | Path) -> dict[tuple[int, int], object]:
    import ironcalc

    model = ironcalc.load_from_xlsx(str(data)) if isinstance(data, Path) else load_model(data)
    model.evaluate()
    cells = [(row, column) for row in range(1, len(FORMULAS) + 1) for column in (4, 7)]
    return {cell: read_value(model, 0, *cell) for cell in cells}


def test_bounding_keeps_the_engines_values(whole_columns: Path) -> None:
    package = open_package(whole_columns)
    copy = engine_copy(package, read_workbook(package), SCRATCH_SHEET)
    assert copy.extent is not None
    assert copy.extent.rows == len(FORMULAS) + 1  # the formulas reach row 20
    assert len(copy.bounded["Data"]) == 18  # the 16 above the kept ones, and G1, G2
    bounded, whole = _engine_values(copy.data), _engine_values(whole_columns)
    # the copy also gives SUMIF's range to add up the criteria range's shape, as Excel reads it
    sumif = (list(FORMULAS).index('=SUMIF(A:A,"d",B1)') + 1, 4)
    assert bounded.pop(sumif) == 4
    whole.pop(sumif)
    assert bounded == whole


def test_whole_columns_give_excels_values(whole_columns: Path, tmp_path: Path) -> None:
    report = recalc(whole_columns, tmp_path / "out.xlsx")
    reasons = {entry["cell"]: entry["reason"] for entry in report.not_recalculated}
    held = set(reasons)
    # "<>a" over blank cells is held back by the engine-difference checks, bounded or not
    assert {"Data!D11", "Data!D19"} <= held
    # anything else held is held for a function the agreement table does not trust, named
    for row, formula in enumerate(FORMULAS, start=1):
        cell = f"Data!D{row}"
        if cell in held and "<>a" not in formula:
            function = formula[1:].split("(", 1)[0]
            assert f"uses {function}" in reasons[cell], (formula, reasons[cell])
    assert len(held) < len(FORMULAS) / 2
    values = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Data"]
    got = {
        formula: values.cell(row, 4).value
        for row, formula in enumerate(FORMULAS, start=1)
        if f"Data!D{row}" not in held
    }
    expected = {
        formula: value
        for row, (formula, value) in enumerate(FORMULAS.items(), start=1)
        if f"Data!D{row}" not in held
    }
    assert got == expected


@pytest.mark.libreoffice
@pytest.mark.slow
def test_the_hand_worked_values_are_libreoffices(whole_columns: Path) -> None:
    from libreoffice import recalculated_values

    theirs = recalculated_values(whole_columns)
    got = {formula: theirs[("Data", f"D{row}")] for row, formula in enumerate(FORMULAS, start=1)}
    assert got == FORMULAS


def test_a_cell_past_the_bound_keeps_the_bounded_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # IronCalc 0.9.1 spills no formula it loads; a cell it would fill past the rows in use
    # (as a spill would) is set once the copy is loaded
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Data"
    sheet["A1"] = 1
    sheet["B1"] = "=SUM(A:A)"
    sheet["C1"] = "=B1*2"
    sheet["D1"] = "=A1+1"
    path = tmp_path / "spill.xlsx"
    book.save(path)

    def load_and_fill(data: bytes) -> Any:
        model = load_model(data)
        model.update_cell_with_number(0, 40, 1, 7.0)
        return model

    monkeypatch.setattr("productive_xl.headless.evaluation.load_model", load_and_fill)
    report = recalc(path, tmp_path / "out.xlsx")
    held = {entry["cell"]: entry["reason"] for entry in report.not_recalculated}
    assert set(held) == {"Data!B1", "Data!C1"}  # and what depends on it; D1 reads no column
    assert "past them" in held["Data!B1"]


@pytest.mark.parametrize(
    ("part", "columns", "rows"),
    [
        (b"<f>SUM(A:B)</f>", True, False),
        (b"<f>VLOOKUP(x,Data!$A:$B,2,0)</f>", True, False),
        (b"<f>SUM(1:1)</f>", False, True),
        (b'<row r="1" spans="1:4"><f>SUM(A1:B2)</f>', False, False),
        (b"<f>A:B</f>", False, False),  # not an argument: never bounded, so not looked for
    ],
)
def test_parts_with_whole_columns_or_rows_are_told(part: bytes, columns: bool, rows: bool) -> None:
    assert holds_whole_columns(part) is columns
    assert holds_whole_rows(part) is rows
