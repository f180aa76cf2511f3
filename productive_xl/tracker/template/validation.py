"""The input rules of the Inputs cells that formulas use by name, and of Phasing's line IDs.

The tables' own drop-downs are made with their tables (Register, Released Time); these rules
are on cells found through the workbook's defined names and tables, once every sheet is built.
Each has an input message saying what to type, and an error message when what is typed breaks
it.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from productive_xl.tracker.layout import BenefitTypesColumn, Name, PhasingColumn, Sheet, Table
from productive_xl.tracker.register import Column
from productive_xl.tracker.template.inputs import ORDERS
from productive_xl.tracker.template.tables import (
    GROWTH_ROWS,
    column_range,
    drop_down,
    validate,
)


def _named_cell(book: Workbook, name: str) -> tuple[str, str]:
    ((title, cell),) = book.defined_names[name].destinations
    return title, cell.replace("$", "")


def _on_name(book: Workbook, name: str, rule: DataValidation, title: str, prompt: str) -> None:
    sheet, cell = _named_cell(book, name)
    validate(book[sheet], cell, rule, title, prompt)


def add_input_rules(book: Workbook) -> None:
    """Drop-downs and limits on the Inputs cells named in the formulas, the benefit types'
    order and the Phasing sheet's line IDs."""
    year_cell = _named_cell(book, Name.FINANCIAL_YEAR)[1]
    # a year as "2025/26": four digits, a slash, the next year's last two
    year = DataValidation(
        type="custom",
        formula1=(
            f'AND(LEN({year_cell})=7,MID({year_cell},5,1)="/",'
            f"ISNUMBER(--LEFT({year_cell},4)),"
            f"--RIGHT({year_cell},2)=MOD(--LEFT({year_cell},4)+1,100))"
        ),
    )
    _on_name(
        book,
        Name.FINANCIAL_YEAR,
        year,
        "Financial year",
        'The NHS financial year this tracker reports, typed as "2025/26".',
    )
    closed = DataValidation(type="whole", operator="between", formula1="0", formula2="12")
    _on_name(
        book,
        Name.MONTHS_CLOSED,
        closed,
        "Months closed",
        "How many months of the year have their actuals in, 0 to 12: 6 at the end of September.",
    )
    _on_name(
        book,
        Name.PAY_POINT,
        DataValidation(type="list", formula1='"entry,mid,top"'),
        "Pay point",
        "entry, mid or top: the point of each band's pay scale its hour is costed at.",
    )
    _on_name(
        book,
        Name.COST_BASIS,
        DataValidation(type="list", formula1='"productive,paid"'),
        "Hours basis",
        "productive (time available to care) or paid hours: what an annual cost is spread over.",
    )
    inputs = book[Sheet.INPUTS]
    drop_down(
        inputs,
        Table.BENEFIT_TYPES,
        BenefitTypesColumn.ORDER,
        '"' + ",".join(ORDERS) + '"',
        "The order of benefit of this type: first order (cash), second order, or released time.",
        rows=len(ORDERS) * 3,
    )
    ids = column_range(book, Table.BENEFITS, Column.ID)
    sheet, cells = ids.split("!")
    first, last = cells.split(":")
    letter, end = last.split("$")[1], int(last.split("$")[2])
    growing = f"{sheet}!{first}:${letter}${end + GROWTH_ROWS}"  # the register's rows to come
    drop_down(
        book[Sheet.PHASING],
        Table.PHASING,
        PhasingColumn.LINE,
        growing,
        "The ID of the register line this row phases: one row per register line.",
    )
