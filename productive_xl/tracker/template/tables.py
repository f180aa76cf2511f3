"""How the tracker template lays out its sheets: named styles, sheet headings and Excel tables.

Every sheet opens the same way (title, the master check, what the sheet is for), and every table
is written the same way: a row of units above the header, input columns in the Input style and
calculated columns in the Calculation style, each calculated column one formula, the same text in
every row, stored as Excel stores it (``tblX[[#This Row],[Column]]``, never the ``[@Column]``
shorthand, which is only how Excel shows it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableFormula, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.tracker.layout import Name

# Excel's own built-in cell styles, so that they carry the same meaning (and are translated) in
# every copy of Excel: FAST and ICAEW ask that inputs, calculations, outputs and checks look apart.
INPUT: Final = "Input"
CALCULATION: Final = "Calculation"
OUTPUT: Final = "Output"
CHECK: Final = "Check Cell"
TITLE: Final = "Title"
HEADING: Final = "Headline 2"
NOTE: Final = "Explanatory Text"
LABEL: Final = "Normal"
"""A cell no one types into that is not a formula: a label, or what Refresh writes."""

MONEY: Final = "#,##0;[Red]-#,##0"
PENCE: Final = "#,##0.00;[Red]-#,##0.00"
HOURS: Final = "#,##0.0"
WTE_FORMAT: Final = "0.00"
COUNT: Final = "#,##0"
PERCENT: Final = "0%"
FRACTION: Final = "0.0%"
PERCENT_2DP: Final = "0.00%"
DATE: Final = "dd/mm/yyyy"
MONTH: Final = "mmm yy"
TEXT: Final = "@"
GENERAL: Final = "General"

# The master check is 0 when all is well: green then, red otherwise.
_GOOD: Final = PatternFill(start_color="FFC6EFCE", end_color="FFC6EFCE", fill_type="solid")
_BAD: Final = PatternFill(start_color="FFFFC7CE", end_color="FFFFC7CE", fill_type="solid")
_TABLE_STYLE: Final = "TableStyleLight1"
CLOSED: Final = PatternFill(start_color="FFD9D9D9", end_color="FFD9D9D9", fill_type="solid")
"""A cell that no longer counts (a forecast of a month closed): grey."""

GROWTH_ROWS: Final = 200
"""How many rows below a table's header its drop-downs and conditional formats cover, so that
rows added to the table have them too."""

FIRST_TABLE_ROW: Final = 6
"""The row of the first table's unit row on a sheet; above it, the sheet's heading."""


def this_row(table: str, column: str) -> str:
    """A reference to ``column`` in the current row of ``table``, as the file stores it."""
    return f"{table}[[#This Row],[{column}]]"


def whole(table: str, column: str) -> str:
    """A reference to the whole data body of ``column`` of ``table``."""
    return f"{table}[{column}]"


def _matching(conditions: Sequence[tuple[str, str]]) -> str:
    """1 for each row meeting every (column, value) condition, else 0, as one array."""
    tests = "*".join(f"({column}={value})" for column, value in conditions)
    return f"--{tests}" if len(conditions) == 1 else tests


def sum_where(values: str, *conditions: tuple[str, str]) -> str:
    """The sum of ``values`` over the rows where each (column, value) condition holds.

    Written with SUMPRODUCT rather than SUMIFS: IronCalc 0.9.1 (productive-xl recalc) gives
    #VALUE! for SUMIFS, COUNTIF and COUNTIFS over a single cell, which is what the column of a
    one-row table is, where Excel gives the sum; SUMPRODUCT is right in both. ``values`` is an
    argument of its own, not multiplied in, so that the blank ("") a row not yet started shows
    counts as nothing, as SUMIFS would count it, while an error in a row still shows.
    """
    return f"SUMPRODUCT({_matching(conditions)},{values})"


def count_where(*conditions: tuple[str, str]) -> str:
    """How many rows meet every (column, value) condition (SUMPRODUCT, as :func:`sum_where`)."""
    return f"SUMPRODUCT({_matching(conditions)})"


def once_started(key: str, formula: str) -> str:
    """``formula`` for a table row whose ``key`` cell (its ID, or the input the calculation
    rests on) is typed in; blank until then.

    A table keeps one empty row when it has no data, and a new row is empty until it is typed
    in: its calculations show blank rather than the error a PRODUCTIVE_* function gives for a
    missing input. Once the key is typed, a missing or wrong input shows its error as before.
    """
    return f'IF({key}="","",{formula})'


@dataclass(frozen=True)
class Col:
    """One column of a template table: an input when ``formula`` is None, else a calculation.

    ``formula`` is the formula without its ``=``, the same in every row. An input column that
    is not ``typed`` holds labels (an item's name, its unit) or what Refresh writes: it is not
    in the Input style, and stays locked.
    """

    header: str
    unit: str
    number_format: str = GENERAL
    formula: str | None = None
    width: float = 14
    typed: bool = True

    @property
    def is_input(self) -> bool:
        return self.formula is None


def sheet_heading(sheet: Worksheet, title: str, purpose: str) -> None:
    """The sheet's title, the master check (0 when all is well) and one line saying what the
    sheet is for."""
    sheet["A1"] = title
    sheet["A1"].style = TITLE
    # the label short enough for a narrow first column; what it means beside the check
    sheet["A2"] = "Master check"
    sheet["A2"].font = Font(bold=True)
    sheet["D2"] = "(0 when all is well: see Checks)"
    sheet["D2"].style = NOTE
    sheet["C2"] = f"={Name.MASTER_CHECK}"
    sheet["C2"].style = CHECK
    sheet["C2"].number_format = COUNT
    sheet.conditional_formatting.add(
        "C2", CellIsRule(operator="equal", formula=["0"], fill=_GOOD, font=Font(color="FF006100"))
    )
    sheet.conditional_formatting.add(
        "C2",
        CellIsRule(operator="notEqual", formula=["0"], fill=_BAD, font=Font(color="FF9C0006")),
    )
    sheet["A3"] = purpose
    sheet["A3"].style = NOTE
    sheet.column_dimensions["A"].width = 18


def write_table(
    sheet: Worksheet,
    name: str,
    columns: Sequence[Col],
    rows: Sequence[Sequence[object]],
    *,
    top: int,
    left: int = 1,
) -> int:
    """Write the table ``name`` with its unit row at row ``top`` and its header below it.

    ``rows`` give the input columns' values, in the order of the input columns; a table with no
    rows gets one empty row, as Excel needs, whose calculated cells hold their formulas. Returns
    the last row the table takes.
    """
    inputs = [column for column in columns if column.is_input]
    body = list(rows) or [[None] * len(inputs)]
    for values in body:
        if len(values) != len(inputs):
            raise ValueError(
                f"{name}: a row gives {len(values)} values for {len(inputs)} input columns"
            )
    header_row = top + 1
    for offset, column in enumerate(columns):
        at = left + offset
        unit = sheet.cell(top, at, column.unit)
        unit.style = NOTE
        sheet.cell(header_row, at, column.header)
        letter = get_column_letter(at)
        width = sheet.column_dimensions[letter].width or 0
        sheet.column_dimensions[letter].width = max(width, column.width)
    for number, values in enumerate(body, start=header_row + 1):
        given = iter(values)
        for offset, column in enumerate(columns):
            cell = sheet.cell(number, left + offset)
            if column.formula is None:
                cell.value = next(given)
                cell.style = INPUT if column.typed else LABEL
            else:
                cell.value = f"={column.formula}"
                cell.style = CALCULATION
            cell.number_format = column.number_format
    last = header_row + len(body)
    reference = (
        f"{get_column_letter(left)}{header_row}:{get_column_letter(left + len(columns) - 1)}{last}"
    )
    table = Table(displayName=name, ref=reference)
    table.tableStyleInfo = TableStyleInfo(name=_TABLE_STYLE, showRowStripes=True)
    table.autoFilter = AutoFilter(ref=reference)  # filter buttons on the header, as Excel adds
    # Each calculated column keeps its formula in the table's definition, so that Excel fills it
    # into a row the user adds.
    table.tableColumns = [
        TableColumn(
            id=index,
            name=column.header,
            calculatedColumnFormula=(
                None if column.formula is None else TableFormula(attr_text=column.formula)
            ),
        )
        for index, column in enumerate(columns, start=1)
    ]
    sheet.add_table(table)
    return last


def drop_down(
    sheet: Worksheet,
    table: str,
    header: str,
    source: str,
    prompt: str = "",
    *,
    rows: int = GROWTH_ROWS,
    warn_only: bool = False,
) -> None:
    """A drop-down list on one input column of ``table``, offering the values of ``source`` (a
    range, or a quoted comma-separated list), so that a line takes only values the tracker knows.
    ``prompt`` is the input message Excel shows on the cell (by default: choose from the list).
    It covers ``rows`` rows below the header, so that rows added to the table have it too.
    With ``warn_only`` a value not on the list is warned about, not refused."""
    rule = DataValidation(type="list", formula1=source, allow_blank=True)
    rule.error = "Choose a value from the list (see Inputs)."
    rule.errorTitle = "Not a value the tracker knows"
    if warn_only:
        rule.errorStyle = "warning"
        rule.error = "Not on the list (see Inputs): keep it only if it is what you mean."
    prompt = prompt or f"Choose the {header.lower()} from the list."
    validate(sheet, column_cells(sheet, table, header, rows=rows), rule, header, prompt)


def validate(sheet: Worksheet, cells: str, rule: DataValidation, title: str, prompt: str) -> None:
    """Put ``rule`` on ``cells``, with the input message ``title``: ``prompt``, which Excel shows
    when one of them is selected, and an error message when what is typed breaks it."""
    rule.promptTitle = title[:32]  # Excel's limits: 32 characters of title, 255 of message
    rule.prompt = prompt[:255]
    rule.showInputMessage = True
    rule.showErrorMessage = True
    if not rule.error:
        rule.errorTitle = f"Not a valid {title.lower()}"[:32]
        rule.error = prompt[:255]
    rule.add(cells)
    sheet.add_data_validation(rule)


RAG_COLOURS: Final = {
    "Blue": ("FFBDD7EE", "FF1F4E79", "2E75B6"),
    "Green": ("FFC6EFCE", "FF006100", "70AD47"),
    "Amber": ("FFFFEB9C", "FF9C5700", "FFC000"),
    "Red": ("FFFFC7CE", "FF9C0006", "C00000"),
}
"""Each status's cell fill, font colour and chart colour: Excel's Good / Neutral / Bad cell
colours for Green, Amber and Red, and a blue alike for Blue (delivered)."""


def colour_by_status(sheet: Worksheet, cells: str) -> None:
    """Colour each cell of ``cells`` holding a status (Blue, Green, Amber, Red) by that status,
    with conditional formatting, so a status typed or changed later takes its colour too."""
    for status, (fill, font, _) in RAG_COLOURS.items():
        sheet.conditional_formatting.add(
            cells,
            CellIsRule(
                operator="equal",
                formula=[f'"{status}"'],
                fill=PatternFill(start_color=fill, end_color=fill, fill_type="solid"),
                font=Font(color=font, bold=True),
            ),
        )


def column_cells(sheet: Worksheet, table: str, header: str, *, rows: int = GROWTH_ROWS) -> str:
    """The cells of one column of ``table`` from its first body row down ``rows`` rows (as
    :func:`drop_down` covers), e.g. "O8:O207"."""
    found = sheet.tables[table]
    first = sheet[found.ref.split(":")[0]]
    headers = [column.name for column in found.tableColumns]
    letter = get_column_letter(first.column + headers.index(header))
    return f"{letter}{first.row + 1}:{letter}{first.row + rows}"


def column_range(book: Workbook, table: str, header: str) -> str:
    """The absolute address of one column of a table's data body, for a drop-down's source."""
    for sheet in book.worksheets:
        if table in sheet.tables:
            found = sheet.tables[table]
            first, last = (sheet[corner] for corner in found.ref.split(":"))
            headers = [column.name for column in found.tableColumns]
            letter = get_column_letter(first.column + headers.index(header))
            quoted = "'" + sheet.title.replace("'", "''") + "'"
            return f"{quoted}!${letter}${first.row + 1}:${letter}${last.row}"
    raise KeyError(table)


def value_cell(sheet: Worksheet, row: int, column: int) -> str:
    """The absolute address of one cell, with its sheet, for a defined name."""
    quoted = "'" + sheet.title.replace("'", "''") + "'"
    return f"{quoted}!${get_column_letter(column)}${row}"
