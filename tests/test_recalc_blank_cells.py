"""An empty cell is blank however it is written: openpyxl writes a styled empty cell with a
number type and no value (``<c r="A1" s="1" t="n"></c>``), which IronCalc 0.9.1 alone would read
as 0."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from libreoffice import recalculated_values
from openpyxl.styles import Font

from productive_xl import recalc

# Each formula with what Excel gives when A1 and A2 are empty and A3 holds 0.
FORMULAS = {
    "B1": ('=A1=""', True),  # an empty cell equals the empty text
    "B2": ("=ISBLANK(A1)", True),
    "B3": ("=COUNTBLANK(A1:A3)", 2),  # A1 and A2; A3 holds a number
    "B4": ("=A1+1", 1),  # and counts as 0 in arithmetic
    "B5": ("=LEN(A2)", 0),
    "B6": ('=A3=""', False),  # a real 0 is not blank
    "B7": ('=IF(A2="","blank","filled")', "blank"),
}


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"].font = Font(bold=True)  # styled, nothing typed
    sheet["A2"].number_format = "0.00"
    sheet["A3"] = 0
    for cell, (formula, _) in FORMULAS.items():
        sheet[cell] = formula
    path = tmp_path / "blanks.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as package:
        xml = package.read("xl/worksheets/sheet1.xml")
    assert b'<c r="A1" s="1" t="n"></c>' in xml  # the form this test is about
    return path


def test_empty_cells_are_blank_in_every_formula(workbook: Path) -> None:
    before = workbook.read_bytes()
    out = workbook.with_name("out.xlsx")
    report = recalc(workbook, out)
    assert report.complete
    assert workbook.read_bytes() == before  # the fix is made in the engine's copy only
    values = openpyxl.load_workbook(out, data_only=True).active
    assert values is not None
    for cell, (_, expected) in FORMULAS.items():
        assert values[cell].value == expected, cell
    with zipfile.ZipFile(out) as package:  # the empty cells are written as they were
        assert b'<c r="A1" s="1" t="n"></c>' in package.read("xl/worksheets/sheet1.xml")


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_agrees(workbook: Path) -> None:
    theirs = recalculated_values(workbook)
    for cell, (_, expected) in FORMULAS.items():
        assert theirs[("Sheet", cell)] == expected, cell
