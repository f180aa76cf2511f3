"""The sheets ``productive-xl attach`` gives a workbook that lacks them.

- **Inputs**: the financial year the tracker reports (the name FinancialYear) and tblAssumptions,
  every reference value productive_xl ships, with its unit and source, for the team to change;
- **Checks**: tblChecks (each check of the register and how many lines break it, 0 when all is
  well), the master check (the name MasterCheck, their sum) and tblFindings, which the refresh
  fills with one row per finding;
- **xlwings.conf**: the settings xlwings' VBA reads from the workbook itself, so that the
  workbook works with only Python and xlwings installed, without the xlwings add-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from productive_xl.core.reference import Sourced, default_reference_values
from productive_xl.ooxml.new_parts import Block, Cell, Formula, NewSheet, absolute_reference
from productive_xl.tracker.checks import Check
from productive_xl.tracker.layout import (
    AssumptionsColumn,
    ChecksColumn,
    FindingsColumn,
    Name,
    Sheet,
    Table,
)

# xlwings.conf: column A the setting, column B its value, as in the sheet of xlwings' own
# standalone workbook (xlwings quickstart --standalone), which works without the add-in too.
# xlwings reads down column A until the first empty cell and looks keys up in upper case
# (GetConfigFromSheet in xlwings.bas).
XLWINGS_SETTINGS: Final[tuple[tuple[str, str | bool], ...]] = (
    # Empty: xlwings runs the "python" on the PATH; a team with several Pythons puts the full
    # path of the one that has productive_xl here.
    ("Interpreter_Win", ""),
    ("Interpreter_Mac", ""),
    ("PYTHONPATH", ""),
    ("Conda Path", ""),
    ("Conda Env", ""),
    # The Python module whose functions the PRODUCTIVE_* wrappers call (read by "Import
    # Functions" too, should a user run it).
    ("UDF Modules", "productive_xl.functions"),
    ("Debug UDFs", False),
    # False: each ribbon button starts Python afresh (RunPython), rather than running in the
    # Python that serves the functions; a failed refresh cannot leave that one in a bad state.
    ("Use UDF Server", False),
    ("Show Console", False),
)


@dataclass(frozen=True)
class SheetWithNames:
    """A sheet to add and the workbook-level defined names that point into it."""

    sheet: NewSheet
    names: dict[str, str]  # name -> formula
    hidden: bool = False  # xlwings' settings: read by xlwings, not by the user


def _assumption_rows(items: list[Sourced]) -> list[list[Cell]]:
    return [[item.name, item.value, item.unit, item.source, f"for {item.year}"] for item in items]


def inputs_sheet() -> SheetWithNames:
    """Inputs: the financial year and tblAssumptions with the shipped reference values."""
    values = default_reference_values()
    # The latest year whose pay scales productive_xl holds, so that every function works at once.
    year = max(values.pay_scales)
    scale = values.pay_scales[year]
    items = [*scale.sources, *values.sources]
    header: list[Cell] = [str(c) for c in AssumptionsColumn]
    blocks = [
        Block(1, [["Financial year", year, "The NHS financial year this tracker reports"]]),
        Block(3, [header, *_assumption_rows(items)], Table.ASSUMPTIONS),
    ]
    sheet = NewSheet(str(Sheet.INPUTS), blocks, widths=(28, 12, 36, 60, 16))
    return SheetWithNames(sheet, {str(Name.FINANCIAL_YEAR): absolute_reference(sheet.name, 1, 2)})


def checks_sheet() -> SheetWithNames:
    """Checks: the master check, tblChecks (all 0 until the first refresh) and tblFindings."""
    checks_top = 3
    checks: list[list[Cell]] = [[str(c) for c in ChecksColumn]]
    checks += [[str(check), 0] for check in Check]
    findings_top = checks_top + len(checks) + 2
    findings_header: list[Cell] = [str(c) for c in FindingsColumn]
    master = Formula(f"SUM({Table.CHECKS}[{ChecksColumn.COUNT}])", 0)
    blocks = [
        Block(1, [["Master check (0 when all is well)", master]]),
        Block(checks_top, checks, Table.CHECKS),
        # A table needs a row under its header; the refresh writes the findings into it.
        Block(findings_top, [findings_header, [None] * len(findings_header)], Table.FINDINGS),
    ]
    sheet = NewSheet(str(Sheet.CHECKS), blocks, widths=(48, 12, 14, 20, 60))
    return SheetWithNames(sheet, {str(Name.MASTER_CHECK): absolute_reference(sheet.name, 1, 2)})


def xlwings_conf_sheet() -> SheetWithNames:
    """xlwings.conf: the settings xlwings reads from the workbook."""
    rows: list[list[Cell]] = [
        [key, None if value == "" else value] for key, value in XLWINGS_SETTINGS
    ]
    return SheetWithNames(
        NewSheet(str(Sheet.XLWINGS_CONF), [Block(1, rows)], (20, 40)), {}, hidden=True
    )
