"""The small interface the refresh works through: a tracker's tables and single-cell names.

The same refresh runs in Excel (through xlwings, on the open workbook) and on a server (on the
file): each gives a :class:`Book`, and the refresh never learns which. Everything is found by
table, column and defined name, never by cell address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Protocol

from productive_xl.tracker.layout import Sheet, Table

# What a cell holds as the refresh sees it: text, a number, a yes/no, a date, or nothing.
# An error shown by a formula reads as its text ("#N/A").
Value = str | float | bool | date | datetime | None


class NotATracker(Exception):
    """The workbook lacks a table, column or name the refresh needs; the message says which."""


# The sheet of the tracker template each table stands on, to say where a missing one comes from.
_HOME: Final = {
    Table.BENEFITS: Sheet.REGISTER,
    Table.TASK_TIMES: Sheet.RELEASED_TIME,
    Table.STOCK: Sheet.STOCK,
    Table.INCOME: Sheet.SECOND_ORDER,
    Table.REVENUE: Sheet.SECOND_ORDER,
    Table.ASSETS: Sheet.SECOND_ORDER,
    Table.COSTS: Sheet.COSTS,
    Table.PHASING: Sheet.PHASING,
    Table.ROLLUP: Sheet.ROLLUP,
}
_MISSING_TABLE: Final = re.compile(r"\b(?:has no table|table) (tbl\w+)")


def what_it_lacks(error: NotATracker) -> str:
    """One line: what the workbook lacks for a ribbon action, and how to add it."""
    found = _MISSING_TABLE.search(str(error))
    table = found.group(1) if found else ""
    if table in _HOME:
        sheet = _HOME[Table(table)]
        how = (
            f"copy the {sheet} sheet from a tracker made by `productive-xl new-tracker` into this "
            f"workbook, or name a table of your own {table} with that sheet's column headers"
        )
    else:
        how = (
            "add the tracker's Inputs and Checks sheets with `productive-xl attach` (it adds "
            "them where the workbook has no sheet of that name: rename an older one first)"
        )
    what = str(error)
    return f"This workbook {what if what.startswith('has ') else 'has a ' + what}: {how}."


@dataclass(frozen=True)
class TableRow:
    """One body row of a table: the worksheet row it stands on and its values by header."""

    row: int
    values: Mapping[str, Value]


class Book(Protocol):
    """A tracker workbook, as the refresh reads and writes it."""

    def rows(self, table: str) -> list[TableRow]:
        """The body rows of ``table``, top to bottom, dates as dates. A row whose cells are all
        empty (the placeholder an Excel table keeps when it has no data) is left out."""
        ...

    def columns(self, table: str) -> tuple[str, ...]:
        """The column headers of ``table``, left to right."""
        ...

    def cell_address(self, table: str, column: str, row: int) -> str:
        """Where the cell of ``column`` on worksheet row ``row`` of ``table`` is, as "Inputs!C5"."""
        ...

    def name_value(self, name: str) -> Value:
        """The value of the single cell the defined name ``name`` refers to."""
        ...

    def set_name_value(self, name: str, value: Value) -> None:
        """Write ``value`` into the single cell the defined name ``name`` refers to."""
        ...

    def replace_rows(self, table: str, rows: Sequence[Mapping[str, Value]]) -> None:
        """Make ``rows`` the body of ``table``, growing or shrinking it.

        Values go into the columns a row names; a calculated column (one holding a formula)
        keeps its formula, filled down to any new row; a column a row does not name is left
        empty. With no rows, the table keeps one empty row, as Excel does.
        """
        ...

    def append_row(self, table: str, values: Mapping[str, Value]) -> int:
        """Add one row at the bottom of ``table``; return the worksheet row it stands on."""
        ...


def require_columns(book: Book, table: str, needed: Sequence[str]) -> None:
    """Raise :class:`NotATracker` unless ``table`` has every column in ``needed``."""
    missing = [column for column in needed if column not in book.columns(table)]
    if missing:
        raise NotATracker(f"table {table} has no column {', '.join(repr(str(m)) for m in missing)}")
