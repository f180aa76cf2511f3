"""The Rollup sheet: tblRollup, the register's totals by programme, ward or team, and year.

A row is keyed by its first three columns; every other column is a formula of that row's keys,
so the refresh adds a row for a new (programme, ward or team, year) by typing its keys alone.
"""

from __future__ import annotations

from typing import Final

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.tracker.layout import RollupColumn, Sheet, Table
from productive_xl.tracker.register import Column
from productive_xl.tracker.template.example import EXAMPLE_LINES
from productive_xl.tracker.template.inputs import EXAMPLE_YEAR
from productive_xl.tracker.template.tables import (
    FIRST_TABLE_ROW,
    MONEY,
    TEXT,
    Col,
    once_started,
    sheet_heading,
    sum_where,
    this_row,
    whole,
    write_table,
)


def _total(value: Column) -> str:
    def key(register: Column, rollup: RollupColumn) -> tuple[str, str]:
        return whole(Table.BENEFITS, register), this_row(Table.ROLLUP, rollup)

    # blank on the empty row the table keeps until the refresh adds the first key
    return once_started(
        this_row(Table.ROLLUP, RollupColumn.PROGRAMME),
        sum_where(
            whole(Table.BENEFITS, value),
            key(Column.PROGRAMME, RollupColumn.PROGRAMME),
            key(Column.WARD, RollupColumn.WARD),
            key(Column.YEAR, RollupColumn.YEAR),
        ),
    )


ROLLUP_COLUMNS: Final = (
    Col(RollupColumn.PROGRAMME, "Productive Series", width=32, typed=False),
    Col(RollupColumn.WARD, "", width=26, typed=False),
    Col(RollupColumn.YEAR, "financial year", TEXT, width=10, typed=False),
    Col(RollupColumn.FULL_YEAR_EFFECT, "£ a year", MONEY, _total(Column.FULL_YEAR_EFFECT)),
    Col(RollupColumn.IN_YEAR_EFFECT, "£ in the year", MONEY, _total(Column.IN_YEAR_EFFECT)),
    Col(RollupColumn.RISK_ADJUSTED, "£ in the year", MONEY, _total(Column.RISK_ADJUSTED)),
    Col(RollupColumn.CASH_RELEASING, "£ in the year", MONEY, _total(Column.CASH_IN_YEAR)),
    Col(
        RollupColumn.DIRECTORATE,
        "of the ward or team (Register)",
        TEXT,
        # a ward or team belongs to one directorate: its first register line's; blank for a
        # row no register line matches any longer
        once_started(
            this_row(Table.ROLLUP, RollupColumn.PROGRAMME),
            f"IFNA(INDEX({whole(Table.BENEFITS, Column.DIRECTORATE)},"
            f"MATCH({this_row(Table.ROLLUP, RollupColumn.WARD)},"
            f'{whole(Table.BENEFITS, Column.WARD)},0))&"","")',
        ),
        width=18,
    ),
)


def example_keys() -> list[tuple[str, str, str]]:
    """The (programme, ward or team, year) of the example's register, in order of first use."""
    keys: dict[tuple[str, str, str], None] = {}
    for line in EXAMPLE_LINES:
        keys[line.programme, line.ward, EXAMPLE_YEAR.label] = None
    return list(keys)


def build_rollup(book: Workbook, *, example: bool) -> Worksheet:
    """The Rollup sheet; Refresh adds a row for each new programme, ward or team, and year."""
    sheet = book.create_sheet(Sheet.ROLLUP)
    sheet_heading(
        sheet,
        "Rollup",
        "The register's totals by programme, ward or team, and financial year, with each ward's "
        "directorate (filter on it to read the rollup by directorate). Refresh adds a row for "
        "each new combination; every figure is a formula of the row's three keys.",
    )
    rows = example_keys() if example else []
    write_table(sheet, Table.ROLLUP, ROLLUP_COLUMNS, rows, top=FIRST_TABLE_ROW)
    return sheet
