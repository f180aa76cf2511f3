"""The last pass over each built sheet: readable, printable, protected.

- **Readable**: every column is as wide as its widest content (worked out from the text, or
  from the number format of a formula's result), table headers and unit rows wrap, and long
  text wraps in a column of at most :data:`WIDEST` characters with its row made tall enough;
  the line under each sheet's title wraps across the sheet.
- **Printable**: landscape, fitted to one page wide, the table's header rows repeated on every
  page, a print area of the sheet's columns (whole columns, so that it grows with a table); the
  Dashboard fits one page.
- **Protected**: a cell in the Input style is unlocked, every other cell locked (Excel's
  default), so that protecting a sheet leaves only the inputs open. The sheets no user grows a
  table on (About, Rollup, Dashboard, Checks: outputs and checks) are protected, without a
  password; the ribbon's actions unprotect them while they write
  (:class:`~productive_xl.excel.live_book.LiveBook`). Sheets with tables a user adds rows to
  stay unprotected: Excel does not let a table grow on a protected sheet.

Widths are estimated in Excel's unit (the width of a "0" in the default font): a character of
text is one unit, a bold header a little more. Excel does not fit row heights to wrapped text
that a file gives without a height, so the heights are written.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Final

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.tracker.layout import Sheet
from productive_xl.tracker.template.tables import (
    DATE,
    FRACTION,
    HEADING,
    HOURS,
    INPUT,
    MONEY,
    MONTH,
    NOTE,
    PENCE,
    PERCENT,
    TEXT,
    TITLE,
    WTE_FORMAT,
)

WIDEST: Final = 60
"""The widest a column of long text grows; longer text wraps within it."""

NARROWEST: Final = 6
_MOST_HEADER_LINES: Final = 3
_PADDING: Final = 2
_BOLD: Final = 1.1  # a bold header's characters are a little wider than the body's
_LINE_HEIGHT: Final = 15  # points: one line of 11-point Calibri

# What a formula shows, by its number format, at the widths the tracker's figures reach
# (-2,000,000 a line; 1,070,346.28 in total).
_SHOWN_WIDTH: Final = {
    MONEY: 11,
    PENCE: 12,
    HOURS: 8,
    WTE_FORMAT: 6,
    PERCENT: 5,
    FRACTION: 6,
    DATE: 10,
    MONTH: 7,
    TEXT: 8,
}
_GENERAL_WIDTH: Final = 6  # a flag, a count, TRUE or FALSE

PROTECTED: Final = (Sheet.ABOUT, Sheet.ROLLUP, Sheet.DASHBOARD, Sheet.CHECKS)
"""The sheets protected without a password: no user adds a row to a table there."""

A3_PAPER: Final = 8
A4_PAPER: Final = 9
_WIDE: Final = (Sheet.REGISTER,)
"""Sheets printed on A3: a line of the register is too wide for A4."""


def _header_rows(sheet: Worksheet) -> set[int]:
    """The header row of each table on ``sheet`` and the unit row above it."""
    rows = set()
    for table in sheet.tables.values():
        top = sheet[table.ref.split(":")[0]].row
        rows |= {top - 1, top}
    return rows


def _text(cell: Cell) -> str | None:
    if cell.value is None:
        return None
    if isinstance(cell.value, str) and not cell.value.startswith("="):
        return cell.value
    return None


def _width_of(cell: Cell) -> float:
    """How many characters wide ``cell`` shows (its text, or its number as formatted)."""
    value = cell.value
    if value is None:
        return 0
    if isinstance(value, str) and value.startswith("="):
        return _SHOWN_WIDTH.get(cell.number_format, _GENERAL_WIDTH)
    if isinstance(value, bool):
        return 5
    if isinstance(value, int | float):
        if cell.number_format in (MONEY, PENCE):
            decimals = ".00" if cell.number_format == PENCE else ""
            return len(f"{value:,.0f}{decimals}")
        if cell.number_format in (PERCENT, FRACTION):
            return 6
        return len(f"{value:,}")
    if cell.number_format in (DATE, MONTH) or not isinstance(value, str):
        return 10
    return len(value)


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` takes wrapped by words in a column ``width`` characters wide."""
    room = max(1.0, width - 1)
    lines, used = 1, 0.0
    for word in text.split():
        needed = len(word) if used == 0 else used + 1 + len(word)
        if needed <= room:
            used = needed
        else:
            lines += 1 + int(len(word) // room)
            used = len(word) % room
    return lines


def _is_free(cell: Cell) -> bool:
    """A heading or note that may run on over the empty cells to its right, not widening its
    column: a sheet's title, a section heading, a note (the units above a table's header are
    notes too, but those are fitted as headers)."""
    return cell.style in (TITLE, HEADING, NOTE)


def fit_columns(sheet: Worksheet, skip_rows: Iterable[int] = ()) -> None:
    """Make each column of ``sheet`` wide enough for its content, wrap the headers and long
    text, and make the rows that wrap tall enough. ``skip_rows`` are left to the caller."""
    headers = _header_rows(sheet)
    skipped = set(skip_rows)
    widths: dict[int, float] = {}
    header_words: dict[int, float] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.row in skipped or cell.value is None:
                continue
            column = cell.column
            text = _text(cell)
            if cell.row in headers and text is not None:
                # as wide as its longest word, and its text in at most three lines
                longest = max((len(word) for word in text.split()), default=0)
                wanted = max(longest, len(text) / _MOST_HEADER_LINES) * _BOLD
                header_words[column] = max(header_words.get(column, 0), wanted)
            elif not _is_free(cell):
                widths[column] = max(widths.get(column, 0), min(_width_of(cell), WIDEST))
    for column in set(widths) | set(header_words):
        width = max(widths.get(column, 0), header_words.get(column, 0)) + _PADDING
        # never narrower than its builder made it: room for what Refresh or a user writes
        dimension = sheet.column_dimensions[get_column_letter(column)]
        dimension.width = max(NARROWEST, width, dimension.width or 0)
    _wrap_rows(sheet, headers, skipped)


def _wrap_rows(sheet: Worksheet, headers: set[int], skipped: set[int]) -> None:
    bold = {sheet[table.ref.split(":")[0]].row for table in sheet.tables.values()}
    for row in sheet.iter_rows():
        tallest = 1
        for cell in row:
            text = _text(cell)
            in_header = cell.row in headers
            if cell.row in skipped or text is None or (_is_free(cell) and not in_header):
                continue
            width = sheet.column_dimensions[get_column_letter(cell.column)].width or 8.43
            if not in_header and len(text) <= width - _PADDING:
                continue
            # bottom, as Excel aligns every other cell, so that a row reads along one line
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
            scale = _BOLD if cell.row in bold else 1.0  # the header row; the units are italic
            tallest = max(tallest, _lines(text, width / scale))
        if tallest > 1:
            sheet.row_dimensions[row[0].row].height = tallest * _LINE_HEIGHT


def wrap_across(sheet: Worksheet, row: int, first: int, last: int) -> None:
    """Let the text in (``row``, ``first``) wrap across columns ``first`` to ``last`` (merged),
    and make the row tall enough for it."""
    cell = sheet.cell(row, first)
    text = _text(cell) or ""
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    width = sum(
        sheet.column_dimensions[get_column_letter(column)].width or 8.43
        for column in range(first, last + 1)
    )
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    lines = _lines(text, width)
    if lines > 1:
        sheet.row_dimensions[row].height = lines * _LINE_HEIGHT


def lock_all_but_inputs(sheet: Worksheet) -> None:
    """Unlock the cells in the Input style, so a protected sheet leaves them open to typing;
    every other cell keeps Excel's default, locked."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.style == INPUT:
                cell.protection = Protection(locked=False)


def protect(sheet: Worksheet) -> None:
    """Protect ``sheet`` without a password: the inputs (unlocked) stay open; filters may be
    used, as a reader of the outputs will."""
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False  # False: the filter buttons still work
    sheet.protection.selectLockedCells = False
    sheet.protection.selectUnlockedCells = False


def _last_column(sheet: Worksheet) -> int:
    last = sheet.max_column
    for table in sheet.tables.values():
        last = max(last, int(sheet[table.ref.split(":")[1]].column))
    return int(last)


def print_setup(
    sheet: Worksheet,
    *,
    title_rows: str | None,
    area: str | None = None,
    one_page: bool = False,
    breaks: tuple[int, ...] = (),
) -> None:
    """Landscape, fitted to one page wide (and one tall with ``one_page``), ``title_rows``
    repeated on every page (e.g. "6:7"), and a print area: ``area`` (e.g. "A1:R62"), or by
    default the sheet's columns, whole, so that a growing table stays inside it.

    A sheet too wide to read on one page (Phasing: 12 months of plan, forecast and actual) is
    instead printed a page wide for each block of columns that ``breaks`` starts, its first
    column repeated on each."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = A3_PAPER if sheet.title in _WIDE else A4_PAPER
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1 if one_page else 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if breaks:
        _in_blocks(sheet, breaks)
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.print_options.gridLines = False
    sheet.oddFooter.left.text = "&A"  # the sheet's name
    sheet.oddFooter.right.text = "Page &P of &N"
    if title_rows:
        sheet.print_title_rows = title_rows
    if area is not None:
        sheet.print_area = area
        return
    # openpyxl takes only cell ranges as a print area: whole columns are written as the name
    last = get_column_letter(_last_column(sheet))
    quoted = "'" + sheet.title.replace("'", "''") + "'"
    sheet.defined_names["_xlnm.Print_Area"] = DefinedName(
        "_xlnm.Print_Area", attr_text=f"{quoted}!$A:${last}"
    )


_INCHES_A_UNIT: Final = 0.1  # one unit of column width (a "0" and its padding), printed
_PRINTABLE_INCHES: Final = 11.69 - 0.8 - 0.2  # A4 landscape less the margins, with some room


def _in_blocks(sheet: Worksheet, breaks: tuple[int, ...]) -> None:
    """Print ``sheet`` a page wide for each block of columns, column A repeated on each: a
    manual break before each of ``breaks``, and a scale at which the widest block fits."""

    def width(first: int, last: int) -> float:
        return sum(
            sheet.column_dimensions[get_column_letter(column)].width or 8.43
            for column in range(first, last + 1)
        )

    edges = [2, *breaks, _last_column(sheet) + 1]
    widest = max(width(a, b - 1) for a, b in itertools.pairwise(edges)) + width(1, 1)
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
    sheet.page_setup.scale = min(100, int(100 * _PRINTABLE_INCHES / (widest * _INCHES_A_UNIT)))
    for column in breaks:
        sheet.col_breaks.append(Break(id=column - 1))  # a break after the column before
    sheet.print_title_cols = "A:A"


def table_title_rows(sheet: Worksheet) -> str | None:
    """The unit and header rows of the sheet's first table, e.g. "6:7", to repeat on each page."""
    tops = sorted(sheet[table.ref.split(":")[0]].row for table in sheet.tables.values())
    if not tops:
        return None
    return f"{tops[0] - 1}:{tops[0]}"
