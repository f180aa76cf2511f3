"""The tracker :class:`~productive_xl.tracker.book.Book` over a workbook open in Excel (xlwings).

The ribbon's refresh works on the open workbook through this, and Excel does what it does for
a user typing: a new table row gets the table's calculated columns filled in and its style,
and Excel recalculates. Tables are ListObjects, reached through xlwings' ``sheet.tables``;
only deleting a row needs the COM object (``.api``). It cannot run without Excel, so it is
kept thin, and checked by the steps in the README's "Checked in Excel" section.

Every write goes through :func:`unprotected`: a protected sheet (the tracker protects its
outputs, without a password) is unprotected for the write and protected again as it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

from productive_xl.ooxml.cell_values import column_letters
from productive_xl.tracker.book import NotATracker, TableRow, Value


def _value(value: Any) -> Value:
    """A cell value as the refresh reads it: a date without a time of day as a date."""
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date()
    if isinstance(value, str | float | bool | date) or value is None:
        return value
    if isinstance(value, int):
        return float(value)
    return str(value)


@contextmanager
def unprotected(sheet: Any) -> Iterator[None]:
    """Let Python write to ``sheet`` (an xlwings sheet) while in the block, and protect it again
    after, as it was, if it was protected: the tracker's output sheets are protected without a
    password, and Excel refuses to write a locked cell or grow a table on a protected sheet."""
    api = sheet.api
    try:
        protected = bool(api.ProtectContents)
    except Exception:  # not Excel's COM object model (Excel for Mac through appscript): as before
        protected = False
    if not protected:
        yield
        return
    protection = api.Protection
    allowed = {
        "AllowFiltering": protection.AllowFiltering,
        "AllowSorting": protection.AllowSorting,
        "AllowFormattingCells": protection.AllowFormattingCells,
        "AllowFormattingColumns": protection.AllowFormattingColumns,
        "AllowFormattingRows": protection.AllowFormattingRows,
    }
    drawing, scenarios = api.ProtectDrawingObjects, api.ProtectScenarios
    api.Unprotect()
    try:
        yield
    finally:
        api.Protect(DrawingObjects=drawing, Contents=True, Scenarios=scenarios, **allowed)


def _grid(formulas: Any) -> list[list[Any]]:
    """Formulas as Excel gives them, as rows: a single cell's is text, a range's rows of text."""
    if isinstance(formulas, str):
        return [[formulas]]
    return [list(row) for row in formulas]


class LiveBook:
    """The tracker open in Excel, as the xlwings ``book`` gives it."""

    def __init__(self, book: Any):
        self.book = book

    def _table(self, name: str) -> Any:
        folded = name.casefold()
        for sheet in self.book.sheets:
            for table in sheet.tables:
                if str(table.name).casefold() == folded:
                    return table
        raise NotATracker(f"has no table {name}")

    def columns(self, table: str) -> tuple[str, ...]:
        header = self._table(table).header_row_range
        return tuple(str(v) for v in header.options(ndim=1).value)

    def _formulas(self, body: Any) -> list[list[Any]]:
        return _grid(body.formula)

    def rows(self, table: str) -> list[TableRow]:
        headers = self.columns(table)
        body = self._table(table).data_body_range
        if body is None:
            return []
        values = body.options(ndim=2).value
        formulas = self._formulas(body)
        found = []
        for offset, row in enumerate(values):
            typed = [
                v for v, f in zip(row, formulas[offset], strict=True) if not str(f).startswith("=")
            ]
            if any(v not in (None, "") for v in typed):
                mapping = {h: _value(v) for h, v in zip(headers, row, strict=True)}
                found.append(TableRow(body.row + offset, mapping))
        return found

    def _name_range(self, name: str) -> Any:
        try:
            return self.book.names[name].refers_to_range
        except Exception as error:  # xlwings raises what COM raises: no one type to catch
            raise NotATracker(f"has no defined name {name} referring to a cell") from error

    def name_value(self, name: str) -> Value:
        return _value(self._name_range(name).value)

    def set_name_value(self, name: str, value: Value) -> None:
        cell = self._name_range(name)
        with unprotected(cell.sheet):
            cell.value = value

    def cell_address(self, table: str, column: str, row: int) -> str:
        found = self._table(table)
        index = self.columns(table).index(column)
        letters = column_letters(found.header_row_range.column + index)
        return f"{found.parent.name}!{letters}{row}"

    def _calculated(self, table: Any) -> list[bool]:
        body = table.data_body_range
        if body is None:
            return [False] * table.header_row_range.columns.count
        return [str(f).startswith("=") for f in self._formulas(body)[0]]

    def replace_rows(self, table: str, rows: Sequence[Mapping[str, Value]]) -> None:
        with unprotected(self._table(table).parent):
            self._replace_rows(table, rows)

    def _replace_rows(self, table: str, rows: Sequence[Mapping[str, Value]]) -> None:
        found = self._table(table)
        headers = self.columns(table)
        unknown = sorted({key for row in rows for key in row} - set(headers))
        if unknown:
            raise NotATracker(f"table {table} has no column {', '.join(unknown)}")
        calculated = self._calculated(found)
        wanted = max(1, len(rows))
        while found.api.ListRows.Count < wanted:
            found.rows.add()  # Excel fills the calculated columns of the new row
        while found.api.ListRows.Count > wanted:
            found.api.ListRows(found.api.ListRows.Count).Delete()
        body = found.data_body_range
        for index, header in enumerate(headers):
            if calculated[index]:
                continue
            column = [row.get(header) for row in rows] or [None]
            body.columns[index].options(transpose=True).value = column

    def append_row(self, table: str, values: Mapping[str, Value]) -> int:
        with unprotected(self._table(table).parent):
            return self._append_row(table, values)

    def _append_row(self, table: str, values: Mapping[str, Value]) -> int:
        found = self._table(table)
        headers = self.columns(table)
        calculated = self._calculated(found)
        body = found.data_body_range
        only = body is not None and body.rows.count == 1
        # the empty row a table keeps when it has no data takes the first line
        new = body if only and not self.rows(table) else found.rows.add().range
        for index, header in enumerate(headers):
            if header in values and not calculated[index]:
                new[0, index].value = values[header]
        return int(new.row)
