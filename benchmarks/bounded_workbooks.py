"""Workbooks whose cost must follow the cells used, not a column's million rows.

* ``whole_column_lookups``: a 5,000-row table in A:B and 300 ``VLOOKUP(x,A:B,2,0)`` beside it;
* ``structured_lookups``: tables of a few thousand rows and 7,000 formulas reading them through
  structured references and ``INDEX/MATCH``.

Written cell by cell by xlsxwriter, no shared formulas, no cached values (0 written).
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter  # type: ignore[import-untyped]


def whole_column_lookups(path: Path, rows: int = 5000, lookups: int = 300) -> None:
    """``rows`` keys and values in A:B of Data, ``lookups`` VLOOKUPs over A:B in Data's D:E."""
    book = xlsxwriter.Workbook(str(path))
    data = book.add_worksheet("Data")
    data.write_row(0, 0, ["Key", "Value", None, "Wanted", "Found"])
    for i in range(rows):
        data.write_row(i + 1, 0, [f"K{i:05d}", i * 1.5])
    for i in range(lookups):
        r = i + 2
        data.write_string(i + 1, 3, f"K{(i * 17) % rows:05d}")
        data.write_formula(i + 1, 4, f"=VLOOKUP(D{r},A:B,2,0)", None, 0)
    data.write_formula(0, 6, "=SUM(E:E)", None, 0)
    data.write_formula(1, 6, "=COUNTA(A:A)", None, 0)
    book.close()


def structured_lookups(path: Path, rows: int = 3000, formulas: int = 7000) -> None:
    """A table ``tblItems`` of ``rows`` rows, and a table ``tblOrders`` whose computed columns
    read it through structured references and INDEX/MATCH: ``formulas`` formulas in all."""
    book = xlsxwriter.Workbook(str(path))
    items = book.add_worksheet("Items")
    items_data = [[f"I{i:05d}", f"Group {i % 12}", 1 + (i * 7) % 100] for i in range(rows)]
    items.add_table(
        0,
        0,
        rows,
        2,
        {
            "name": "tblItems",
            "data": items_data,
            "columns": [{"header": "Item"}, {"header": "Group"}, {"header": "Price"}],
        },
    )
    orders = book.add_worksheet("Orders")
    count = formulas // 2
    orders_data = [[f"I{(i * 13) % rows:05d}", 1 + i % 9] for i in range(count)]
    orders.add_table(
        0,
        0,
        count,
        3,
        {
            "name": "tblOrders",
            "data": orders_data,
            "columns": [
                {"header": "Item"},
                {"header": "Qty"},
                {
                    "header": "Price",
                    "formula": "=INDEX(tblItems[Price],"
                    "MATCH(tblOrders[[#This Row],[Item]],tblItems[Item],0))",
                },
                {
                    "header": "Total",
                    "formula": "=tblOrders[[#This Row],[Qty]]*tblOrders[[#This Row],[Price]]",
                },
            ],
        },
    )
    book.close()
