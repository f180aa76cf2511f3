"""The Checks sheet: every check (0 when all is well) and the master check shown on every sheet.

Two kinds of check. The register's rules (:mod:`productive_xl.tracker.checks`) are found by the
refresh, which writes one row of tblFindings per finding; tblChecks counts the findings of each.
Checks that formulas can make are worked out here, each from a column of TRUE/FALSE findings or
a comparison of totals. MasterCheck adds them all up.

The counts use SUMPRODUCT rather than COUNTIF (see
:func:`~productive_xl.tracker.template.tables.sum_where`): tblFindings often has a single row.
"""

from __future__ import annotations

from typing import Final

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.tracker.checks import Check
from productive_xl.tracker.layout import (
    ChecksColumn,
    FindingsColumn,
    Name,
    PhasingColumn,
    RollupColumn,
    Sheet,
    Table,
)
from productive_xl.tracker.register import Column
from productive_xl.tracker.template.tables import (
    CHECK,
    COUNT,
    FIRST_TABLE_ROW,
    HEADING,
    Col,
    sheet_heading,
    this_row,
    value_cell,
    whole,
    write_table,
)

FORMULA_CHECKS: Final = (
    (
        "Each line's full-year effect agrees with its source sheet",
        f"SUMPRODUCT(--({whole(Table.BENEFITS, Column.DISAGREES_WITH_SOURCE)}=TRUE))",
    ),
    (
        "Each line's figure rests on a row of a source sheet",
        f'SUMPRODUCT(--({whole(Table.BENEFITS, Column.ID)}<>""),'
        f"--({whole(Table.BENEFITS, Column.SOURCE_ROWS)}=0))",
    ),
    (
        "Each line's twelve plan months add up to its in-year effect",
        f"SUMPRODUCT(--({whole(Table.PHASING, PhasingColumn.PLAN_DISAGREES)}=TRUE))",
    ),
    (
        "Each register line has one phasing row",
        f'SUMPRODUCT(--({whole(Table.BENEFITS, Column.ID)}<>""),'
        f"--({whole(Table.BENEFITS, Column.PHASING_ROWS)}<>1))",
    ),
    (
        "The rollup holds every register line",
        f"--(ABS(SUM({whole(Table.ROLLUP, RollupColumn.FULL_YEAR_EFFECT)})"
        f"-SUM({whole(Table.BENEFITS, Column.FULL_YEAR_EFFECT)}))>{Name.AGREEMENT_TOLERANCE})",
    ),
    (
        "The first day of the year falls in the financial year",
        f"--(PRODUCTIVE_FY({Name.YEAR_START})<>{Name.FINANCIAL_YEAR})",
    ),
)
"""The checks formulas make: (what is checked, the formula counting what breaks it)."""

CHECK_COLUMNS: Final = (
    Col(ChecksColumn.CHECK, "", width=58, typed=False),
    Col(
        ChecksColumn.COUNT,
        "findings",
        COUNT,
        f"SUMPRODUCT(--({whole(Table.FINDINGS, FindingsColumn.CHECK)}"
        f"={this_row(Table.CHECKS, ChecksColumn.CHECK)}))",
    ),
)

FINDING_COLUMNS: Final = (
    Col(FindingsColumn.CHECK, "the check above", width=58, typed=False),
    Col(FindingsColumn.LINE, "register ID", width=10, typed=False),
    Col(FindingsColumn.ROW, "worksheet row", width=10, typed=False),
    Col(FindingsColumn.COLUMN, "register column", width=20, typed=False),
    Col(FindingsColumn.FINDING, "", width=70, typed=False),
)


def build_checks(book: Workbook) -> Worksheet:
    """The Checks sheet: tblChecks, the formula checks, MasterCheck and tblFindings."""
    sheet = book.create_sheet(Sheet.CHECKS)
    sheet_heading(
        sheet,
        "Checks",
        "Every check is 0 when all is well. The register's rules are checked by Refresh "
        "(Productive tab), which lists each finding below with the line and column to fix.",
    )
    sheet.cell(FIRST_TABLE_ROW - 1, 1, "The register's rules (found by Refresh)").style = HEADING
    last = write_table(
        sheet,
        Table.CHECKS,
        CHECK_COLUMNS,
        [(str(check),) for check in Check],
        top=FIRST_TABLE_ROW,
    )

    top = last + 3
    sheet.cell(top - 1, 1, "Checks made by formulas").style = HEADING
    first = top
    for row, (label, formula) in enumerate(FORMULA_CHECKS, start=top):
        sheet.cell(row, 1, label)
        cell = sheet.cell(row, 2, f"={formula}")
        cell.style = CHECK
        cell.number_format = COUNT
    last = top + len(FORMULA_CHECKS) - 1

    total = last + 2
    sheet.cell(total, 1, "Master check: every check above").style = HEADING
    master = sheet.cell(
        total,
        2,
        f"=SUM({whole(Table.CHECKS, ChecksColumn.COUNT)})+SUM(B{first}:B{last})",
    )
    master.style = CHECK
    master.number_format = COUNT
    book.defined_names[Name.MASTER_CHECK] = DefinedName(
        Name.MASTER_CHECK, attr_text=value_cell(sheet, total, 2)
    )

    top = total + 3
    sheet.cell(top - 1, 1, "Findings (written by Refresh; empty when all is well)").style = HEADING
    write_table(sheet, Table.FINDINGS, FINDING_COLUMNS, [], top=top)
    return sheet
