"""The file-backed Book on workbooks that Excel itself saved: tables grown and shrunk in place.

Excel's files hold what openpyxl's do not: shared strings, a calculation chain, a table column
with its calculatedColumnFormula, row spans. The expected cells are read from each fixture's
own XML by hand (see the comments), and the results read back with openpyxl and LibreOffice.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from excel_made import excel_made_workbooks
from libreoffice import recalculate_with_libreoffice
from lxml import etree
from packages import members

from productive_xl.headless.recalc import recalc
from productive_xl.ooxml.package import open_package
from productive_xl.ooxml.workbook import read_workbook
from productive_xl.tracker.book import NotATracker
from productive_xl.tracker.file_book import FileBook

pytestmark = pytest.mark.excel_made
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture
def table34(excel_made: Path) -> Path:
    """Table1 at C2:F6 on Sheet1: Column1 text, Column2 and Column3 numbers, Column4 calculated
    (calculatedColumnFormula Table1[[#This Row],[Column3]], style s="1"); calcChain lists F3:F6."""
    return excel_made / "table34.xlsx"


def _rows(count: int) -> list[dict[str, object]]:
    return [
        {"Column1": f"Item {n}", "Column2": 1000 + n, "Column3": 10 * n}
        for n in range(1, count + 1)
    ]


def test_a_table_grows_with_its_calculated_column_and_style(table34: Path, tmp_path: Path) -> None:
    book = FileBook(table34)
    book.replace_rows("Table1", _rows(6))
    out = tmp_path / "grown.xlsx"
    changed = book.save(out)
    assert changed == ["xl/tables/table1.xml", "xl/worksheets/sheet1.xml"]
    before, after = members(table34), members(out)
    assert list(before) == list(after)
    assert {n for n in before if before[n] != after[n]} == set(changed)  # calcChain kept

    sheet = etree.fromstring(after["xl/worksheets/sheet1.xml"])
    new_cell = sheet.find(f".//{MAIN}c[@r='F8']")
    assert new_cell is not None
    assert new_cell.get("s") == "1"  # the style of F3, the first body row's cell
    assert new_cell.findtext(f"{MAIN}f") == "Table1[[#This Row],[Column3]]"
    assert sheet.find(f"{MAIN}dimension").get("ref") == "C2:F8"
    table = etree.fromstring(after["xl/tables/table1.xml"])
    assert table.get("ref") == table.find(f"{MAIN}autoFilter").get("ref") == "C2:F8"

    recalculated = tmp_path / "recalculated.xlsx"
    assert recalc(out, recalculated).complete
    values = openpyxl.load_workbook(recalculated, data_only=True)["Sheet1"]
    assert [values.cell(row, 3).value for row in range(3, 9)] == [f"Item {n}" for n in range(1, 7)]
    assert [values.cell(row, 6).value for row in range(3, 9)] == [10, 20, 30, 40, 50, 60]


def test_a_shrunk_table_drops_the_calculation_chain_that_names_removed_cells(
    table34: Path, tmp_path: Path
) -> None:
    book = FileBook(table34)
    book.replace_rows("Table1", _rows(2))
    out = tmp_path / "shrunk.xlsx"
    changed = book.save(out)
    # F5 and F6 held formulas: a chain naming them would make Excel repair the file
    assert changed == [
        "[Content_Types].xml",
        "xl/_rels/workbook.xml.rels",
        "xl/calcChain.xml",
        "xl/tables/table1.xml",
        "xl/worksheets/sheet1.xml",
    ]
    after = members(out)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["[Content_Types].xml"]
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    before = members(table34)
    assert {n for n in after if before[n] != after[n]} == set(changed) - {"xl/calcChain.xml"}
    worksheet = openpyxl.load_workbook(out)["Sheet1"]
    assert worksheet.tables["Table1"].ref == "C2:F4"
    assert [c.value for row in worksheet["C5:F6"] for c in row] == [None] * 8


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_reads_the_grown_and_shrunk_tables(table34: Path, tmp_path: Path) -> None:
    for count in (2, 6):
        book = FileBook(table34)
        book.replace_rows("Table1", _rows(count))
        out = tmp_path / f"table-{count}.xlsx"
        book.save(out)
        saved = tmp_path / f"by-libreoffice-{count}.xlsx"
        recalculate_with_libreoffice(out, saved)
        sheet = openpyxl.load_workbook(saved, data_only=True)["Sheet1"]
        # LibreOffice works out Column4 itself: Column3 of the same row
        assert [sheet.cell(row, 6).value for row in range(3, 3 + count)] == [
            10 * n for n in range(1, count + 1)
        ]
        assert sheet.cell(3 + count, 3).value is None


def _has_tables(path: Path) -> bool:
    return bool(read_workbook(open_package(path)).tables)


@pytest.mark.parametrize("path", excel_made_workbooks(_has_tables))
def test_every_excel_table_grows_by_a_row_or_says_why_not(path: Path, tmp_path: Path) -> None:
    info = read_workbook(open_package(path))
    table = info.tables[0]
    book = FileBook(path)
    rows = [dict(row.values) for row in book.rows(table.name)]
    grown = [*rows, dict.fromkeys(table.columns[:1], "added by the test")]
    if table.totals_rows:
        with pytest.raises(NotATracker, match="has a totals row"):
            book.replace_rows(table.name, grown)
        assert book.changed_parts() == {}  # refused before anything was changed
        return
    book.replace_rows(table.name, grown)
    out = tmp_path / path.name
    changed = book.save(out)
    before, after = members(path), members(out)
    assert {n for n in before if before.get(n) != after.get(n)} == set(changed)
    reopened = openpyxl.load_workbook(out)[table.sheet]
    top, left, _, right = table.bounds
    # the rows that hold something, then the new one: empty rows Excel kept are let go
    first = top + table.header_rows  # table07's table has no header row
    last = first + len(grown) - 1
    assert reopened.tables[table.name].ref == (
        f"{openpyxl.utils.get_column_letter(left)}{top}:"
        f"{openpyxl.utils.get_column_letter(right)}{last}"
    )
    assert reopened.cell(last, left).value == "added by the test"
    for offset, row in enumerate(rows):
        for index, header in enumerate(table.columns):
            written = reopened.cell(first + offset, left + index).value
            if isinstance(written, str) and written.startswith("="):
                continue  # a calculated column keeps its formula
            assert written == row[header], (offset, header)


def test_a_sort_state_follows_the_table(table34: Path, tmp_path: Path) -> None:
    # table34 as Excel writes a table sorted on Column2: the sort covers the body rows 3 to 6
    parts = members(table34)
    parts["xl/tables/table1.xml"] = parts["xl/tables/table1.xml"].replace(
        b'<autoFilter ref="C2:F6"/>',
        b'<autoFilter ref="C2:F6"/><sortState ref="C3:F6"><sortCondition ref="D3:D6"/></sortState>',
    )
    sorted_table = tmp_path / "sorted.xlsx"
    with zipfile.ZipFile(sorted_table, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    book = FileBook(sorted_table)
    book.replace_rows("Table1", _rows(2))
    table = etree.fromstring(book.changed_parts()["xl/tables/table1.xml"])
    assert table.find(f"{MAIN}sortState").get("ref") == "C3:F4"  # body rows 3 and 4
    assert table.find(f"{MAIN}sortState/{MAIN}sortCondition").get("ref") == "D3:D4"
