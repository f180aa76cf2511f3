"""The sheets ``productive-xl attach`` gives a workbook that lacks them.

- **Inputs**: the tracker template's own (one definition, :func:`inputs_sections`): every value
  its formulas use, each with its name, unit and source, the pay points and hourly cost of each
  band, the status weights and the benefit types, at the same cells, for the team to change;
- **Checks**: the template's tblChecks (each check of the register and how many lines break it,
  0 when all is well), the master check (the name MasterCheck, their sum) and tblFindings, which
  the refresh fills with one row per finding;
- **xlwings.conf**: the settings xlwings' VBA reads from the workbook itself, so that the
  workbook works with only Python and xlwings installed, without the xlwings add-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, cast

from productive_xl import core
from productive_xl.core.financial_year import FinancialYear
from productive_xl.core.reference import default_reference_values
from productive_xl.ooxml.new_parts import Block, Cell, Formula, NewSheet, absolute_reference
from productive_xl.tracker.checks import Check
from productive_xl.tracker.layout import ChecksColumn, Name, Sheet, Table
from productive_xl.tracker.template.checks import CHECK_COLUMNS, FINDING_COLUMNS
from productive_xl.tracker.template.inputs import (
    ASSUMPTION_COLUMNS,
    INPUTS_PURPOSE,
    NOTE_CELL,
    RATES_NOTE,
    assumptions,
    inputs_sections,
)
from productive_xl.tracker.template.tables import FIRST_TABLE_ROW

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


_EXCEL_EPOCH: Final = date(1899, 12, 30)  # serial number 0 of the 1900 date system


def _cell(value: object) -> Cell:
    """A typed-in value as a new sheet holds it: a date as its serial number (1900 system)."""
    if isinstance(value, date):
        return float((value - _EXCEL_EPOCH).days)
    assert value is None or isinstance(value, str | bool | int | float)
    return value


def _hourly_costs(rows: Sequence[Sequence[object]], year: FinancialYear) -> list[float]:
    """What tblRates' Hourly cost formula gives for each band at the seeded pay point and
    on-costs, as the cell's value until the workbook is calculated."""
    scale = default_reference_values().seed_scale(year.label)
    hours = default_reference_values().productive_hours
    return [core.cost_per_hour(float(cast(float, row[2])), scale.on_costs, hours) for row in rows]


def _note(year: FinancialYear) -> str:
    """The note's value until the workbook is calculated, as RATES_NOTE gives it."""
    seeded = default_reference_values().seed_scale(year.label).financial_year
    if seeded == year.label:
        return ""
    return (
        f"Note: the pay points and on-costs below are {seeded}'s, and this tracker reports "
        f"{year}. Type in {year}'s (or press Update rates for year) and set their year to it."
    )


def inputs_sheet(year: FinancialYear | None = None) -> SheetWithNames:
    """Inputs as the tracker template has it (:func:`inputs_sections`: tblAssumptions with a
    name for every value, tblRates, tblStatusWeights, tblBenefitTypes, at the same cells), for
    ``year`` (default: the current NHS financial year), in the workbook's default style."""
    year = year or FinancialYear.containing(date.today())
    blocks = [
        Block(1, [["Inputs"]]),
        Block(3, [[INPUTS_PURPOSE]]),
        Block(NOTE_CELL[0], [[Formula(RATES_NOTE, _note(year))]]),
    ]
    names: dict[str, str] = {}
    top = FIRST_TABLE_ROW
    for section in inputs_sections(year):
        if section.title:
            blocks.append(Block(top - 1, [[section.title]]))
        blocks.append(Block(top, [[column.unit or None for column in section.columns]]))
        calculated = {
            index: column.formula
            for index, column in enumerate(section.columns)
            if column.formula is not None
        }
        costs = _hourly_costs(section.rows, year) if section.table == Table.RATES else []
        body: list[list[Cell]] = []
        for number, values in enumerate(section.rows):
            given = iter(values)
            body.append(
                [
                    Formula(calculated[index], costs[number])
                    if index in calculated
                    else _cell(next(given))
                    for index in range(len(section.columns))
                ]
            )
        header: list[Cell] = [column.header for column in section.columns]
        blocks.append(Block(top + 1, [header, *body], section.table))
        if section.table == Table.ASSUMPTIONS:
            for row, assumption in enumerate(assumptions(year), start=top + 2):
                names[str(assumption.name)] = absolute_reference(str(Sheet.INPUTS), row, 2)
        top = top + 1 + len(section.rows) + 3
    widths = tuple(column.width for column in ASSUMPTION_COLUMNS)
    return SheetWithNames(NewSheet(str(Sheet.INPUTS), blocks, widths), names)


def checks_sheet() -> SheetWithNames:
    """Checks as the tracker template has it for the register's rules: the master check in C2,
    tblChecks (each count the template's formula over tblFindings) and tblFindings. The
    template's checks made by formulas over its other sheets (Register, Phasing, Rollup) are
    not added: a team's workbook has none of those sheets."""
    checks_top = FIRST_TABLE_ROW
    units: list[Cell] = [column.unit or None for column in CHECK_COLUMNS]
    header: list[Cell] = [column.header for column in CHECK_COLUMNS]
    count = CHECK_COLUMNS[1].formula
    assert count is not None
    rows: list[list[Cell]] = [[str(check), Formula(count, 0)] for check in Check]
    findings_top = checks_top + 1 + len(rows) + 3
    master = Formula(f"SUM({Table.CHECKS}[{ChecksColumn.COUNT}])", 0)
    blocks = [
        Block(1, [["Checks"]]),
        Block(2, [["Master check (0 when all is well)", None, master]]),
        Block(
            3,
            [
                [
                    "Every check is 0 when all is well. Refresh (Productive tab) lists each "
                    "finding below with the line and column to fix."
                ]
            ],
        ),
        Block(checks_top - 1, [["The register's rules (found by Refresh)"]]),
        Block(checks_top, [units]),
        Block(checks_top + 1, [header, *rows], Table.CHECKS),
        Block(findings_top - 1, [["Findings (written by Refresh; empty when all is well)"]]),
        Block(findings_top, [[column.unit or None for column in FINDING_COLUMNS]]),
        # A table needs a row under its header; the refresh writes the findings into it.
        Block(
            findings_top + 1,
            [[c.header for c in FINDING_COLUMNS], [None] * len(FINDING_COLUMNS)],
            Table.FINDINGS,
        ),
    ]
    widths = tuple(column.width for column in FINDING_COLUMNS)
    sheet = NewSheet(str(Sheet.CHECKS), blocks, widths)
    return SheetWithNames(
        sheet,
        {
            str(Name.MASTER_CHECK): absolute_reference(sheet.name, 2, 3),
            str(Name.REFRESHED_AT): absolute_reference(sheet.name, STAMP_ROW, 3),
            str(Name.REFRESHED_BY): absolute_reference(sheet.name, STAMP_ROW, 5),
        },
    )


STAMP_ROW: Final = 4
"""The row of Checks holding RefreshedAt (C) and RefreshedBy (E) in an attached workbook."""


def xlwings_conf_sheet() -> SheetWithNames:
    """xlwings.conf: the settings xlwings reads from the workbook."""
    rows: list[list[Cell]] = [
        [key, None if value == "" else value] for key, value in XLWINGS_SETTINGS
    ]
    return SheetWithNames(
        NewSheet(str(Sheet.XLWINGS_CONF), [Block(1, rows)], (20, 40)), {}, hidden=True
    )
