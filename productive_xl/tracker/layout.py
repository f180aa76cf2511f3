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
    SECOND_ORDER = "Second Order"
    COSTS = "Costs"
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
    BENEFIT_TYPES = "tblBenefitTypes"  # Inputs: each benefit type and its order (first, second)
    FINDINGS = "tblFindings"  # Checks: one finding a row, written by the refresh
    INCOME = "tblIncome"  # Second Order: extra cases and the income they bring
    REVENUE = "tblRevenue"  # Second Order: revenue spend avoided (bank shifts, theatre lists)
    ASSETS = "tblAssets"  # Second Order: assets no longer employed
    COSTS = "tblCosts"  # Costs: the programme's costs and benefits by year, for NPV and ROI


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


class BenefitTypesColumn(StrEnum):
    """tblBenefitTypes: each benefit type of the register, the order of benefit it is, and why."""

    BENEFIT_TYPE = "Benefit type"
    ORDER = "Order"
    MEANING = "Meaning"


class RatesColumn(StrEnum):
    """tblRates: each Agenda for Change band's pay points for the tracker's year, and the cost
    of one of its hours, worked out once for every line that uses the band.

    Entry, Mid and Top are what "Update rates for year" writes; Hourly cost is a formula.
    """

    BAND = "Band"
    ENTRY = "Entry"
    MID = "Mid"
    TOP = "Top"
    HOURLY_COST = "Hourly cost"


PAY_POINT_COLUMNS: Final = (RatesColumn.BAND, RatesColumn.ENTRY, RatesColumn.MID, RatesColumn.TOP)
"""tblRates' typed-in columns: what "Update rates for year" writes and "Check inputs" checks."""


class TaskTimesColumn(StrEnum):
    """tblTaskTimes: a task timed before and after the change, and the time that releases."""

    LINE = "Line"
    WARD = "Ward or team"
    TASK = "Task"
    BAND = "Band"
    MINUTES_BEFORE = "Minutes before"
    MINUTES_AFTER = "Minutes after"
    TIMES_A_DAY = "Times a day"
    DAYS_A_YEAR = "Days a year"
    HOURS_RELEASED = "Hours released a year"
    HOURLY_COST = "Hourly cost"
    VALUE = "Value a year"
    WTE = "WTE released"


class StockColumn(StrEnum):
    """tblStock: stock counted before and after the change, and the saving it gives."""

    LINE = "Line"
    WARD = "Ward or team"
    STOCK = "Stock"
    STOCK_BEFORE = "Stock before"
    STOCK_AFTER = "Stock after"
    USAGE_BEFORE = "Usage a year before"
    USAGE_AFTER = "Usage a year after"
    EXPIRED_BEFORE = "Expired a year before"
    EXPIRED_AFTER = "Expired a year after"
    ONE_OFF_RELEASE = "One-off release"
    RECURRENT = "Recurrent a year"
    DAYS_BEFORE = "Days of stock before"
    DAYS_AFTER = "Days of stock after"


class IncomeColumn(StrEnum):
    """tblIncome: extra cases a year and what each brings in, less its variable cost."""

    LINE = "Line"
    WARD = "Ward or team"
    WHAT = "Cases"
    EXTRA_CASES = "Extra cases a year"
    TARIFF = "Tariff"
    VARIABLE_COST = "Variable cost a case"
    INCOME = "Income a year"


class RevenueColumn(StrEnum):
    """tblRevenue: a unit of revenue spend (a bank shift, a theatre list) used less each month."""

    LINE = "Line"
    WARD = "Ward or team"
    WHAT = "Spend avoided"
    BASELINE = "A month before"
    CURRENT = "A month after"
    UNIT_COST = "Cost of one"
    SAVING = "Saving a year"


class AssetsColumn(StrEnum):
    """tblAssets: assets no longer employed, and the PDC dividend and depreciation avoided."""

    LINE = "Line"
    WARD = "Ward or team"
    ASSET = "Asset"
    VALUE_REDUCTION = "Assets employed down by"
    DEPRECIATION = "Depreciation avoided a year"
    SAVING = "Saving a year"


SOURCE_TABLES: Final = (
    ("tblTaskTimes", "Line", ("Value a year",)),
    ("tblStock", "Line", ("One-off release", "Recurrent a year")),
    ("tblIncome", "Line", ("Income a year",)),
    ("tblRevenue", "Line", ("Saving a year",)),
    ("tblAssets", "Line", ("Saving a year",)),
)
"""Each source sheet's table, the column naming the code a register line rests on, and the
columns whose sum is that line's full-year effect."""


class CostsColumn(StrEnum):
    """tblCosts: the programme's costs by year of the programme (0 = the tracker's year), and the
    benefits the register shows for each, for the programme's NPV and ROI."""

    YEAR = "Year"
    ONE_OFF = "One-off costs"
    RECURRENT = "Recurrent costs"
    TOTAL = "Total costs"
    BENEFITS = "Benefits"
    NET = "Net benefit"


MONTHS: Final = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")
"""The months of the NHS financial year, in order; tblPhasing has a Plan, Forecast and Actual
column for each, headed e.g. "Plan Apr"."""


class PhasingColumn(StrEnum):
    """tblPhasing: each register line phased by month (the month columns: :func:`month_column`)."""

    LINE = "Line ID"
    FULL_YEAR_EFFECT = "Full-year effect"
    START_DATE = "Start date"
    RAMP_MONTHS = "Ramp months"
    NON_RECURRENT = "Non-recurrent"
    CASH = "Cash"
    STATUS = "Status"
    IN_YEAR_EFFECT = "In-year effect"
    MONTHS_BEFORE_START = "Months before start"
    RUN_RATE = "Monthly run rate"
    PLAN_TOTAL = "Plan total"
    PLAN_DISAGREES = "Plan disagrees"
    FORECAST_TOTAL = "Forecast to come"  # the forecast of the months not yet closed
    ACTUAL_TOTAL = "Actual total"
    # reporting against plan: MonthsClosed on Inputs says which months have their actuals
    YTD_PLAN = "Plan to date"
    YTD_ACTUAL = "Actual to date"
    YTD_VARIANCE = "Variance to date"
    OUTTURN = "Forecast outturn"  # actual to date plus the forecast of the months to come
    OUTTURN_VARIANCE = "Full-year variance"  # forecast outturn less the plan for the year
    CARRY_FORWARD = "Carry-forward"  # full-year effect less in-year effect: next year's extra


class Measure(StrEnum):
    """The three monthly measures of tblPhasing."""

    PLAN = "Plan"
    FORECAST = "Forecast"
    ACTUAL = "Actual"


def month_column(measure: Measure, month: str) -> str:
    """The header of one month of one measure in tblPhasing, e.g. "Plan Apr"."""
    return f"{measure} {month}"


class ChecksColumn(StrEnum):
    """tblChecks: each check's name and how many lines break it (0 when all is well)."""

    CHECK = "Check"
    COUNT = "Count"


class FindingsColumn(StrEnum):
    """tblFindings: one finding a row, pointing at the register line and column to fix."""

    CHECK = "Check"
    LINE = "Line ID"
    ROW = "Row"  # the worksheet row: the register's, or that of the sheet the finding names
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
    # the directorate of the row's ward or team (its first register line's), to filter or
    # pivot the rollup by directorate as well as by ward or team
    DIRECTORATE = "Directorate"


class Name(StrEnum):
    """Workbook-level defined names, each a single cell."""

    FINANCIAL_YEAR = "FinancialYear"  # Inputs: the year the tracker reports, e.g. "2025/26"
    MASTER_CHECK = "MasterCheck"  # Checks: the sum of every check; shown on every sheet
    REFRESHED_AT = "RefreshedAt"  # About: when the tracker was last refreshed
    REFRESHED_BY = "RefreshedBy"  # About: who refreshed it (user name, or the server's)
    # Inputs: tblAssumptions' Value cells that formulas use by name (no number inside a formula)
    YEAR_START = "YearStart"  # the first day of FinancialYear
    PAY_POINT = "PayPoint"  # the pay point hourly costs are worked out at: entry, mid or top
    COST_BASIS = "CostBasis"  # the hours an annual cost is spread over: productive or paid
    PRODUCTIVE_HOURS = "ProductiveHours"  # productive hours a year of one whole-time post
    MONTHS_IN_YEAR = "MonthsInYear"
    MONTHS_CLOSED = "MonthsClosed"  # months of the year whose actuals are in (0 to 12)
    AGREEMENT_TOLERANCE = "AgreementTolerance"  # pounds two figures may differ by and agree
    # Inputs: who the tracker is for (read by consolidation across trusts)
    ORGANISATION = "Organisation"  # the organisation's name
    ORGANISATION_CODE = "OrganisationCode"  # its NHS Organisation Data Service (ODS) code
    # Inputs: the rates every hourly cost is worked out from (tblRates' Hourly cost)
    RATES_YEAR = "RatesYear"  # the financial year the pay points and on-costs are for
    EMPLOYER_NI_RATE = "EmployerNIRate"  # a fraction of pay above the threshold
    EMPLOYER_NI_THRESHOLD = "EmployerNIThreshold"  # pounds a year
    EMPLOYER_PENSION_RATE = "EmployerPensionRate"  # a fraction of pay, the local share
    APPRENTICESHIP_LEVY_RATE = "ApprenticeshipLevyRate"  # a fraction of pay
    PAID_HOURS = "PaidHours"  # paid hours a year of one whole-time post
    PDC_RATE = "PDCRate"  # public dividend capital rate (assets employed)
    DISCOUNT_RATE = "DiscountRate"  # the Green Book discount rate (NPV of the programme)
    # Sources: the programme's appraisal, over the Costs table
    PROGRAMME_NPV = "ProgrammeNPV"
    PROGRAMME_ROI = "ProgrammeROI"


# The Python module that the ribbon's VBA callbacks call through xlwings RunPython.
RIBBON_MODULE: Final = "productive_xl.excel.ribbon"
