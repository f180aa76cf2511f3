"""Readable, printable, protected (issue 10, points 5 and 7): what the built trackers hold, and
what LibreOffice prints from them.

The workbook parts are read directly (openpyxl reads a print area of whole columns only as a
warning), and LibreOffice headless prints each sheet to PDF (``tools/render.py``), whose pages
poppler counts: the Dashboard on one page, the register on a few.
"""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest
from built_trackers import BOTH, BuiltTrackers
from lxml import etree

from productive_xl.tracker.layout import Sheet

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PROTECTED = {Sheet.ABOUT, Sheet.ROLLUP, Sheet.DASHBOARD, Sheet.CHECKS}


def _render_tool() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "tools" / "render.py"
    spec = importlib.util.spec_from_file_location("render", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["render"] = module
    spec.loader.exec_module(module)
    return module


render = _render_tool()


def _workbook_xml(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read("xl/workbook.xml"))


@pytest.mark.parametrize("tracker", BOTH)
def test_no_internal_name_is_shown(built_trackers: BuiltTrackers, tracker: str) -> None:
    """No typed text a user reads (units, labels, notes, headings) names a table: tblX is the
    formulas' business."""
    book = openpyxl.load_workbook(built_trackers[tracker])
    shown = [
        (sheet.title, cell.coordinate, cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and not cell.value.startswith("=") and "tbl" in cell.value
    ]
    assert shown == []


@pytest.mark.parametrize("tracker", BOTH)
def test_headers_wrap_and_text_fits_or_wraps(built_trackers: BuiltTrackers, tracker: str) -> None:
    """Every table header wraps in a column at least as wide as its longest word; every other
    text either fits its column or wraps in a row made taller for it."""
    book = openpyxl.load_workbook(built_trackers[tracker])
    for sheet in book.worksheets[:-1]:  # xlwings.conf is hidden, xlwings' own
        headers = {sheet[table.ref.split(":")[0]].row for table in sheet.tables.values()}
        merged = {cell for span in sheet.merged_cells.ranges for cell in span.cells}
        for row in sheet.iter_rows(min_row=4):
            for cell in row:
                text = cell.value
                if (
                    not isinstance(text, str)
                    or text.startswith("=")
                    or (cell.row, cell.column) in merged
                ):
                    continue
                if cell.style in ("Title", "Headline 2", "Explanatory Text"):
                    continue  # headings and notes run on over the empty cells beside them
                width = sheet.column_dimensions[cell.column_letter].width
                where = f"{sheet.title}!{cell.coordinate}"
                if cell.row in headers:
                    assert cell.alignment.wrap_text, where
                    assert width >= max(len(word) for word in text.split()), where
                elif len(text) > width:
                    assert cell.alignment.wrap_text, where
                    assert sheet.row_dimensions[cell.row].height > 15, where
    # the header the issue found cut off, and the register's longest text
    rollup = book[Sheet.ROLLUP]
    header = next(c for c in rollup[7] if c.value == "Risk-adjusted in-year")
    assert header.alignment.wrap_text
    assert rollup.column_dimensions[header.column_letter].width >= len("Risk-adjusted")


@pytest.mark.parametrize("tracker", BOTH)
def test_inputs_are_open_and_everything_else_locked(
    built_trackers: BuiltTrackers, tracker: str
) -> None:
    book = openpyxl.load_workbook(built_trackers[tracker])
    formulas = inputs = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                where = f"{sheet.title}!{cell.coordinate}"
                if cell.data_type == "f":
                    formulas += 1
                    assert cell.protection.locked, where
                    assert cell.style != "Input", where
                elif cell.style == "Input":
                    inputs += 1
                    assert not cell.protection.locked, where
    assert formulas > 250
    assert inputs > 20
    protected = {sheet.title for sheet in book.worksheets if sheet.protection.sheet}
    assert protected == PROTECTED
    for title in protected:
        protection = book[title].protection
        assert protection.password is None, title
        assert protection.hashValue is None, title


@pytest.mark.parametrize("tracker", BOTH)
def test_every_sheet_has_a_print_setup(built_trackers: BuiltTrackers, tracker: str) -> None:
    book = openpyxl.load_workbook(built_trackers[tracker])
    names = {
        (int(name.get("localSheetId", "-1")), name.get("name")): name.text
        for name in _workbook_xml(built_trackers[tracker]).iter(f"{MAIN}definedName")
    }
    assert {Sheet.SECOND_ORDER, Sheet.COSTS} <= set(book.sheetnames[:-1])  # the year's sheets
    for index, sheet in enumerate(book.worksheets[:-1]):
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert names.get((index, "_xlnm.Print_Area")), sheet.title
        assert names.get((index, "_xlnm.Print_Titles")) or sheet.title == Sheet.DASHBOARD
        if sheet.title == Sheet.PHASING:  # a page for the plan, the forecast and the actual
            assert len(sheet.col_breaks.brk) == 2
            assert sheet.print_title_cols == "$A:$A"
        else:
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
            assert sheet.page_setup.fitToWidth == 1, sheet.title
    dashboard = book[Sheet.DASHBOARD]
    assert dashboard.page_setup.fitToHeight == 1
    register = names[(book.sheetnames.index(Sheet.REGISTER), "_xlnm.Print_Area")]
    assert register.endswith("!$A:$AB")  # whole columns: the area grows with the register


@pytest.mark.parametrize("tracker", BOTH)
def test_the_xlwings_settings_sheet_is_hidden(built_trackers: BuiltTrackers, tracker: str) -> None:
    sheets = {
        sheet.get("name"): sheet.get("state", "visible")
        for sheet in _workbook_xml(built_trackers[tracker]).iter(f"{MAIN}sheet")
    }
    assert sheets.pop(Sheet.XLWINGS_CONF) == "hidden"
    assert set(sheets.values()) == {"visible"}


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_prints_the_dashboard_on_one_page(
    built_trackers: BuiltTrackers, tmp_path: Path
) -> None:
    """Shown, not claimed: LibreOffice prints every sheet of the example; poppler counts the
    pages and turns each into a PNG."""
    why = render.missing_tools()
    if why is not None:
        pytest.skip(why)
    printed = {
        sheet.sheet: sheet for sheet in render.render([built_trackers.example], tmp_path, dpi=30)
    }
    assert set(printed) == {str(sheet) for sheet in Sheet} - {Sheet.XLWINGS_CONF}
    pages = {title: sheet.pages for title, sheet in printed.items()}
    assert pages[Sheet.DASHBOARD] == 1
    assert 1 <= pages[Sheet.REGISTER] <= 3
    assert pages[Sheet.PHASING] == 3  # plan, forecast, actual
    assert all(count <= 2 for title, count in pages.items() if title != Sheet.PHASING), pages
    assert sum(pages.values()) <= 15  # 48 portrait pages before (Second Order, Costs: 1 each)
    for sheet in printed.values():
        assert len(sheet.images) == sheet.pages
        assert all(image.stat().st_size > 1000 for image in sheet.images)
