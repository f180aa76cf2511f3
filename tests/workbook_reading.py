"""Reading a workbook back with openpyxl, by its tables' and names' names (as Python reads a
tracker), for the tests."""

from __future__ import annotations

from typing import Any

import openpyxl


def table_rows(book: openpyxl.Workbook, table: str) -> list[dict[str, Any]]:
    """The data rows of ``table`` as header -> value, found by the table's name alone."""
    for sheet in book.worksheets:
        if table in sheet.tables:
            cells = sheet[sheet.tables[table].ref]
            headers = [cell.value for cell in cells[0]]
            return [{h: c.value for h, c in zip(headers, row, strict=True)} for row in cells[1:]]
    raise AssertionError(f"no table {table}")


def named_value(book: openpyxl.Workbook, name: str) -> Any:
    """The value of the single cell a defined name points at."""
    ((sheet, address),) = book.defined_names[name].destinations
    return book[sheet][address.replace("$", "")].value
