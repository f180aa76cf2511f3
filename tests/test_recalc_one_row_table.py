"""A column of a table with a single body row, counted and summed by criteria.

IronCalc 0.9.1 gives #VALUE! for COUNTIF, COUNTIFS and SUMIFS over such a column, where Excel
and LibreOffice use the one cell; a tracker whose Checks count an empty findings table (one
blank row) would show #VALUE! in every check. The engine's copy spells the column out as its
range, and the results are checked by hand and against LibreOffice.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from libreoffice import recalculated_values
from openpyxl.worksheet.table import Table

from productive_xl.headless.recalc import recalc

FORMULAS = {
    "C1": '=COUNTIFS(tblOne[Check],"x")',  # the one cell holds "x": 1
    "C2": '=COUNTIF(tblOne[[Check]],"x")',  # the same, the column in brackets: 1
    "C3": '=SUMIFS(tblOne[Amount],tblOne[Check],"x")',  # its amount, 250
    "C4": '=COUNTIFS(tblOne[Check],"y")',  # no "y": 0
    "C5": "=SUM(tblTwo[Amount])",  # a two-row table, as before: 100 + 20
    "C6": '=SUMIFS(tblTwo[Amount],tblTwo[Check],"x")',  # only the first row: 100
}
EXPECTED = {"C1": 1, "C2": 1, "C3": 250, "C4": 0, "C5": 120, "C6": 100}


def _build(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Counts and sums"  # a name that must be quoted
    for cell, value in {"A1": "Check", "B1": "Amount", "A2": "x", "B2": 250}.items():
        sheet[cell] = value
    sheet.add_table(Table(displayName="tblOne", ref="A1:B2"))
    for cell, value in {"E1": "Check", "F1": "Amount", "E2": "x", "F2": 100, "E3": "z"}.items():
        sheet[cell] = value
    sheet["F3"] = 20
    sheet.add_table(Table(displayName="tblTwo", ref="E1:F3"))
    for cell, formula in FORMULAS.items():
        sheet[cell] = formula
    book.save(path)


def test_one_row_table_columns_count_and_sum(tmp_path: Path) -> None:
    source = tmp_path / "one-row.xlsx"
    _build(source)
    out = tmp_path / "out.xlsx"
    report = recalc(source, out)
    assert report.errors == []
    values = openpyxl.load_workbook(out, data_only=True)["Counts and sums"]
    assert {cell: values[cell].value for cell in FORMULAS} == EXPECTED
    formulas = openpyxl.load_workbook(out)["Counts and sums"]
    assert formulas["C1"].value == FORMULAS["C1"]  # the file keeps its structured reference


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_agrees_on_one_row_tables(tmp_path: Path) -> None:
    source = tmp_path / "one-row.xlsx"
    _build(source)
    values = recalculated_values(source)
    assert {cell: values["Counts and sums", cell] for cell in FORMULAS} == EXPECTED
