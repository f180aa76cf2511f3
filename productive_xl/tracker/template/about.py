"""The About sheet: what the tracker is, how to use it, where things are, what the colours mean."""

from __future__ import annotations

from typing import Final

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.tracker.layout import Name, Sheet
from productive_xl.tracker.template.finish import wrap_across
from productive_xl.tracker.template.tables import (
    CALCULATION,
    CHECK,
    HEADING,
    INPUT,
    NOTE,
    OUTPUT,
    sheet_heading,
    value_cell,
)

PURPOSE: Final = (
    "This workbook tracks the financial benefits of The Productive Series (Productive Ward, "
    "Productive Mental Health Ward, Productive Operating Theatre, Productive Community "
    "Services, Productive General Practice): released time, stock, second-order savings and "
    "income, by line, ward or team, programme and financial year, with plan, forecast and "
    "actual by month and risk-adjusted totals."
)

HOW_TO: Final = (
    "1. Inputs: set the financial year and check the reference values, each with its source.",
    "2. Released Time and Stock: record task timings and stock counts; each row has a code.",
    "3. Register: one line per benefit, with its owner, measure, evidence and status. A line "
    "that rests on a timing or stock count names its code as Source line.",
    "4. Phasing: one row per register line; type forecasts and, as months close, actuals.",
    "5. Productive tab > Refresh: checks the register, lists findings on Checks and adds "
    "Rollup rows for new programmes, wards or teams.",
    "6. Checks: the master check, shown at the top of every sheet, is 0 when all is well.",
)

SHEETS: Final = (
    (Sheet.ABOUT, "This page."),
    (Sheet.INPUTS, "Inputs: reference values, cost of an hour by band, status weights."),
    (Sheet.REGISTER, "Inputs and calculations: the benefits register."),
    (Sheet.RELEASED_TIME, "Inputs and calculations: task timings valued."),
    (Sheet.STOCK, "Inputs and calculations: stock counts valued."),
    (Sheet.PHASING, "Calculations and inputs: plan, forecast and actual by month."),
    (Sheet.ROLLUP, "Outputs: totals by programme, ward or team, and year."),
    (Sheet.DASHBOARD, "Outputs: headline totals and charts for the board."),
    (Sheet.CHECKS, "Checks: every check, the master check and the findings."),
    (Sheet.XLWINGS_CONF, "Settings for xlwings, which runs the PRODUCTIVE_* functions."),
)

STYLES: Final = (
    (INPUT, "Input: typed in by you. Change these."),
    (CALCULATION, "Calculation: a formula. Do not type over it."),
    (OUTPUT, "Output: a result for reporting."),
    (CHECK, "Check: 0 when all is well."),
)

NOTES: Final = (
    "Cost of an hour: the pay rates on Inputs work out each band's cost once, with "
    "PRODUCTIVE_HOURLY_COST at the Inputs year, pay point and hours basis, from productive_xl's "
    "Agenda for Change 2025/26 pay scale, employer NI (15% above £5,000), employer pension "
    "(14.38%) and levy; released time looks its band up there. The scale ships with "
    "productive_xl; a year it does not hold gives #N/A rather than another year's rates.",
    "The PRODUCTIVE_* functions run in Python (xlwings in Excel, productive-xl recalc on a "
    "server); the functions are described in the Insert Function dialog, category Productive.",
    "No number is typed inside a formula: every constant is a named input on Inputs.",
    "A new tracker's tables each have one empty row: its grey cells show errors (a PRODUCTIVE_* "
    "function given no input is an error, never a silent zero) until you type your first line "
    "into it.",
)


ABOUT_LABEL_WIDTH: Final = 22
ABOUT_TEXT_WIDTH: Final = 90
ABOUT_NOTE_WIDTH: Final = 30


def _block(sheet: Worksheet, row: int, heading: str) -> int:
    sheet.cell(row, 1, heading).style = HEADING
    return row + 1


def build_about(book: Workbook) -> Worksheet:
    """The About sheet, with the cells the refresh stamps (RefreshedAt, RefreshedBy)."""
    sheet = book.active
    assert sheet is not None  # a new openpyxl Workbook has one sheet
    sheet.title = Sheet.ABOUT
    sheet_heading(
        sheet,
        "Productive Series benefits tracker",
        "Read this first: what the tracker is, how to use it and where everything is.",
    )
    sheet.column_dimensions["A"].width = ABOUT_LABEL_WIDTH
    sheet.column_dimensions["B"].width = ABOUT_TEXT_WIDTH
    sheet.column_dimensions["D"].width = ABOUT_NOTE_WIDTH  # the master check's note, in D2

    sheet["A4"] = PURPOSE
    wrap_across(sheet, 4, 1, 2)

    row = _block(sheet, 6, "Last refreshed")
    for label, name in (("Refreshed at", Name.REFRESHED_AT), ("Refreshed by", Name.REFRESHED_BY)):
        sheet.cell(row, 1, label)
        sheet.cell(row, 2).style = OUTPUT
        book.defined_names[name] = DefinedName(name, attr_text=value_cell(sheet, row, 2))
        row += 1
    sheet.cell(row - 2, 2).number_format = "dd/mm/yyyy hh:mm"

    row = _block(sheet, row + 1, "How to use it")
    for step in HOW_TO:
        number, _, text = step.partition(". ")
        sheet.cell(row, 1, f"Step {number}")
        sheet.cell(row, 2, text)
        wrap_across(sheet, row, 2, 2)
        row += 1

    row = _block(sheet, row + 1, "Sheets")
    for sheet_name, purpose in SHEETS:
        sheet.cell(row, 1, str(sheet_name))
        sheet.cell(row, 2, purpose)
        row += 1

    row = _block(sheet, row + 1, "Colours (Excel's named cell styles)")
    for style, meaning in STYLES:
        sheet.cell(row, 1, style).style = style
        sheet.cell(row, 2, meaning)
        row += 1

    row = _block(sheet, row + 1, "Notes")
    for note in NOTES:
        sheet.cell(row, 2, note).style = NOTE
        wrap_across(sheet, row, 2, 2)
        row += 1
    return sheet
