"""The tracker's interface: the names of its sheets, tables, columns and cells.

The template is built from these names, the refresh (in Excel through xlwings, on the server
through the file) finds everything by them, and ``productive-xl attach`` adds the sheets that a
team's own workbook lacks under them. Nothing outside the template addresses a cell by its
position: a team may move a table, insert a column or add rows, and the tracker still works.

The register's own columns are :class:`productive_xl.tracker.register.Column`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Sheet(StrEnum):
    """The tracker's sheets, in the order they stand in the workbook."""

    ABOUT = "About"
    INPUTS = "Inputs"
    REGISTER = "Register"
    RELEASED_TIME = "Released Time"
    STOCK = "Stock"
    PHASING = "Phasing"
    ROLLUP = "Rollup"
    DASHBOARD = "Dashboard"
    CHECKS = "Checks"
    XLWINGS_CONF = "xlwings.conf"  # xlwings reads its settings from a sheet of this name


class Table(StrEnum):
    """The Excel tables (ListObjects) whose headers Python reads and writes."""

    ASSUMPTIONS = "tblAssumptions"  # Inputs: one reference value a row
    RATES = "tblRates"  # Inputs: Agenda for Change pay points and hourly costs
    STATUS_WEIGHTS = "tblStatusWeights"  # Inputs: the risk weight of each status
    BENEFITS = "tblBenefits"  # Register: one benefit line a row
    TASK_TIMES = "tblTaskTimes"  # Released Time: task timings behind released-time lines
    STOCK = "tblStock"  # Stock: stock counts behind stock lines
    PHASING = "tblPhasing"  # Phasing: each line's plan, forecast and actual by month
    ROLLUP = "tblRollup"  # Rollup: totals by programme, ward or team, and year
    CHECKS = "tblChecks"  # Checks: one check a row, 0 when all is well
    FINDINGS = "tblFindings"  # Checks: one finding a row, written by the refresh


class AssumptionsColumn(StrEnum):
    """tblAssumptions: every input with its unit, source and comment (FAST / ICAEW)."""

    ITEM = "Item"
    VALUE = "Value"
    UNIT = "Unit"
    SOURCE = "Source"
    COMMENT = "Comment"


class StatusWeightsColumn(StrEnum):
    STATUS = "Status"
    WEIGHT = "Weight"
    MEANING = "Meaning"


class ChecksColumn(StrEnum):
    """tblChecks: each check's name and how many lines break it (0 when all is well)."""

    CHECK = "Check"
    COUNT = "Count"


class FindingsColumn(StrEnum):
    """tblFindings: one finding a row, pointing at the register line and column to fix."""

    CHECK = "Check"
    LINE = "Line ID"
    ROW = "Register row"
    COLUMN = "Column"
    FINDING = "Finding"


class RollupColumn(StrEnum):
    """tblRollup: one row for each programme, ward or team and year found in the register."""

    PROGRAMME = "Programme"
    WARD = "Ward or team"
    YEAR = "Financial year"
    FULL_YEAR_EFFECT = "Full-year effect"
    IN_YEAR_EFFECT = "In-year effect"
    RISK_ADJUSTED = "Risk-adjusted in-year"
    CASH_RELEASING = "Cash-releasing in-year"


class Name(StrEnum):
    """Workbook-level defined names, each a single cell."""

    FINANCIAL_YEAR = "FinancialYear"  # Inputs: the year the tracker reports, e.g. "2025/26"
    MASTER_CHECK = "MasterCheck"  # Checks: the sum of every check; shown on every sheet
    REFRESHED_AT = "RefreshedAt"  # About: when the tracker was last refreshed
    REFRESHED_BY = "RefreshedBy"  # About: who refreshed it (user name, or the server's)


# The Python module that the ribbon's VBA callbacks call through xlwings RunPython.
RIBBON_MODULE: Final = "productive_xl.excel.ribbon"


class RatesColumn(StrEnum):
    """tblRates: the Agenda for Change pay points of each band for the tracker's year.

    The columns the refresh writes; the template may add calculated ones (hourly costs) beside.
    """

    BAND = "Band"
    ENTRY = "Entry"
    MID = "Mid"
    TOP = "Top"
