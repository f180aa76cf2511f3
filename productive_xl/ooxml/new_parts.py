"""The XML of worksheets and tables that productive_xl adds to a workbook.

A new sheet holds its text as inline strings and uses only the workbook's default style, so that
adding it changes neither sharedStrings.xml nor styles.xml. A sheet is described as blocks of
rows, each optionally an Excel table whose first row is its header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from productive_xl.ooxml.cell_values import cell_reference, column_letters, format_number
from productive_xl.ooxml.escaping import escape, quoteattr
from productive_xl.ooxml.parts import RELATIONSHIPS_NAMESPACE

MAIN_NAMESPACE: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Formula:
    """A formula (without its "=") and the value it gives until the workbook is recalculated."""

    text: str
    cached: float | str


Cell = str | bool | float | Formula | None


@dataclass(frozen=True)
class Block:
    """Rows written from ``top`` down in column A on; a table when ``table`` is given."""

    top: int
    rows: Sequence[Sequence[Cell]]
    table: str | None = None  # the table's name; its header is rows[0]

    @property
    def ref(self) -> str:
        width = max(len(row) for row in self.rows)
        return f"A{self.top}:{cell_reference(self.top + len(self.rows) - 1, width)}"


@dataclass(frozen=True)
class NewSheet:
    """A worksheet to add: its name, its blocks of rows and its column widths (characters)."""

    name: str
    blocks: Sequence[Block]
    widths: Sequence[float] = field(default_factory=tuple)

    @property
    def tables(self) -> list[Block]:
        return [block for block in self.blocks if block.table is not None]


def _cell(row: int, column: int, value: Cell) -> str:
    where = cell_reference(row, column)
    if value is None:
        return ""
    if isinstance(value, Formula):
        cached = value.cached
        if isinstance(cached, str):
            return f'<c r="{where}" t="str"><f>{escape(value.text)}</f><v>{escape(cached)}</v></c>'
        return f'<c r="{where}"><f>{escape(value.text)}</f><v>{format_number(cached)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{where}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, str):
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{where}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'
    return f'<c r="{where}"><v>{format_number(float(value))}</v></c>'


def worksheet_xml(sheet: NewSheet, table_relationship_ids: Sequence[str]) -> bytes:
    """The worksheet part; its tables are reached through ``table_relationship_ids``, in order."""
    rows: dict[int, list[str]] = {}
    last_row, last_column = 1, 1
    for block in sheet.blocks:
        for offset, values in enumerate(block.rows):
            row = block.top + offset
            cells = [_cell(row, column, v) for column, v in enumerate(values, start=1)]
            rows.setdefault(row, []).extend(c for c in cells if c)
            last_row = max(last_row, row)
            last_column = max(last_column, len(values))
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
        for i, width in enumerate(sheet.widths, start=1)
    )
    data = "".join(
        f'<row r="{row}">{"".join(cells)}</row>' if cells else f'<row r="{row}"/>'
        for row, cells in sorted(rows.items())
    )
    parts = "".join(f'<tablePart r:id="{rid}"/>' for rid in table_relationship_ids)
    return (
        f'{_DECLARATION}<worksheet xmlns="{MAIN_NAMESPACE}" xmlns:r="{RELATIONSHIPS_NAMESPACE}">'
        f'<dimension ref="A1:{cell_reference(last_row, last_column)}"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + f"<sheetData>{data}</sheetData>"
        + (
            f'<tableParts count="{len(table_relationship_ids)}">{parts}</tableParts>'
            if parts
            else ""
        )
        + "</worksheet>"
    ).encode("utf-8")


def table_xml(block: Block, table_id: int) -> bytes:
    """The table part of a block: its header row names the columns."""
    assert block.table is not None
    header = block.rows[0]
    columns = "".join(
        f'<tableColumn id="{i}" name={quoteattr(str(name))}/>' for i, name in enumerate(header, 1)
    )
    ref = block.ref
    return (
        f'{_DECLARATION}<table xmlns="{MAIN_NAMESPACE}" id="{table_id}" '
        f'name="{block.table}" displayName="{block.table}" ref="{ref}" totalsRowShown="0">'
        f'<autoFilter ref="{ref}"/><tableColumns count="{len(header)}">{columns}</tableColumns>'
        '<tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" '
        'showRowStripes="1" showColumnStripes="0"/></table>'
    ).encode()


def absolute_reference(sheet: str, row: int, column: int) -> str:
    """A defined name's formula for one cell: ``'Checks'!$B$1``."""
    quoted = "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!${column_letters(column)}${row}"
