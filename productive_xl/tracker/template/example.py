"""The example trust that ``productive-xl new-tracker --example`` fills the tracker with.

A realistic, made-up acute and community trust in 2025/26: released time on wards across
bands, a one-off stock release modelled on Leicestershire County and Rutland Community Health
Services (over £134,000), recurrent stock savings, theatre income modelled on University
Hospitals Bristol (£2 million from extra cases instead of out-of-hours lists), bank shifts
avoided; cash-releasing and non-cash lines; statuses Red, Amber, Green and Blue.

Only inputs live here. A register line's full-year effect is typed in by its owner, as in any
register; where it comes from the Released Time or Stock sheet it is the value worked out there,
to the penny, and the check "Each line's full-year effect agrees with its source sheet" holds
the two together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from productive_xl.functions import (
    productive_asset_saving,
    productive_income,
    productive_released_hours,
    productive_released_time_value,
    productive_saving,
    productive_stock_recurrent,
    productive_stock_release,
)
from productive_xl.tracker.register import BenefitType, Recurrence
from productive_xl.tracker.template.inputs import EXAMPLE_YEAR


@dataclass(frozen=True)
class TaskTiming:
    """A row of tblTaskTimes: a task timed before and after the change."""

    line: str
    ward: str
    task: str
    band: str
    minutes_before: float
    minutes_after: float
    times_a_day: float
    days_a_year: float

    @property
    def value_a_year(self) -> float:
        hours = productive_released_hours(
            self.minutes_before, self.minutes_after, self.times_a_day, self.days_a_year
        )
        return float(productive_released_time_value(hours, self.band, EXAMPLE_YEAR.label))


@dataclass(frozen=True)
class StockCount:
    """A row of tblStock: a store's stock and usage before and after the change."""

    line: str
    ward: str
    stock: str
    stock_before: float
    stock_after: float
    usage_before: float
    usage_after: float
    expired_before: float
    expired_after: float

    @property
    def value(self) -> float:
        one_off = productive_stock_release(self.stock_before, self.stock_after)
        recurrent = productive_stock_recurrent(
            self.usage_before, self.usage_after, self.expired_before, self.expired_after
        )
        return float(one_off) + float(recurrent)


TASK_TIMINGS: Final = (
    TaskTiming("RT-01", "Ward 7 (Medicine)", "Morning drug round", "Band 5", 45, 30, 3, 365),
    TaskTiming("RT-02", "Ward 12 (Surgery)", "Shift handover", "Band 6", 40, 25, 3, 365),
    TaskTiming(
        "RT-03", "Ward 7 (Medicine)", "Finding equipment and supplies", "Band 2", 50, 20, 2, 365
    ),
    TaskTiming("RT-04", "Oak Ward (Mental Health)", "Ward round", "Band 3", 90, 60, 1, 260),
    TaskTiming(
        "RT-05", "District Nursing (North)", "Visit planning and notes", "Band 6", 60, 40, 2, 250
    ),
)

STOCK_COUNTS: Final = (
    # Leicestershire: over £134,000 released once by ordering and managing stock better
    StockCount(
        "ST-01",
        "Community stores",
        "Wound care and continence",
        212_000,
        78_000,
        640_000,
        640_000,
        0,
        0,
    ),
    StockCount(
        "ST-02",
        "Ward 12 (Surgery)",
        "Ward consumables",
        18_500,
        18_500,
        96_000,
        88_000,
        4_800,
        1_300,
    ),
)


@dataclass(frozen=True)
class IncomeDriver:
    """A row of tblIncome: extra cases a year at a tariff, less the variable cost of each."""

    line: str
    ward: str
    cases: str
    extra_cases: float
    tariff: float
    variable_cost: float

    @property
    def value(self) -> float:
        return float(productive_income(self.extra_cases, self.tariff, self.variable_cost))


@dataclass(frozen=True)
class RevenueDriver:
    """A row of tblRevenue: units of spend a month before and after, at the cost of one."""

    line: str
    ward: str
    spend: str
    baseline: float
    current: float
    unit_cost: float

    @property
    def value(self) -> float:
        return float(productive_saving(self.baseline, self.current, self.unit_cost, 12))


@dataclass(frozen=True)
class AssetDriver:
    """A row of tblAssets: assets employed down by a value, and depreciation avoided."""

    line: str
    ward: str
    asset: str
    value_reduction: float
    depreciation: float

    @property
    def value(self) -> float:
        return float(productive_asset_saving(self.value_reduction, self.depreciation))


INCOME_DRIVERS: Final = (
    # Bristol: £2 million from theatre lists used fully, valued as income (not also as cost)
    IncomeDriver("TH-01", "Main theatres", "Elective cases", 800, 3_400, 900),
)
REVENUE_DRIVERS: Final = (
    RevenueDriver("BANK-W7", "Ward 7 (Medicine)", "Bank shifts", 40, 28, 250),
    RevenueDriver("TH-02", "Main theatres", "Weekend waiting-list sessions", 8, 2, 2_400),
)
ASSET_DRIVERS: Final = (
    AssetDriver(
        "AS-01",
        "Main theatres",
        "Two surplus stack systems and a spare ultrasound",
        150_000,
        30_000,
    ),
)

PROGRAMME_COSTS: Final = (
    # year of the programme (0 = the tracker's year), one-off and recurrent costs
    (0, 180_000, 60_000),
    (1, 0, 60_000),
    (2, 0, 60_000),
    (3, 0, 60_000),
    (4, 0, 60_000),
)
"""The example programme's costs: facilitators, training and backfill in its first year, and a
programme lead every year."""


@dataclass(frozen=True)
class ExampleLine:
    """The inputs of one register line (tblBenefits), in the register's column order."""

    id: str
    programme: str
    scheme: str
    ward: str
    directorate: str
    owner: str
    benefit_type: BenefitType
    cash_releasing: str
    recurrence: Recurrence
    source_line: str
    measure: str
    full_year_effect: float
    start_date: date
    ramp_months: float
    status: str
    evidence: str
    also_reported_in: str

    def values(self) -> tuple[object, ...]:
        return (
            self.id,
            self.programme,
            self.scheme,
            self.ward,
            self.directorate,
            self.owner,
            str(self.benefit_type),
            self.cash_releasing,
            str(self.recurrence),
            self.source_line,
            self.measure,
            self.full_year_effect,
            self.start_date,
            self.ramp_months,
            self.status,
            self.evidence,
            self.also_reported_in,
        )


def _source_value(line: str) -> float:
    sources = {timing.line: timing.value_a_year for timing in TASK_TIMINGS}
    sources.update({count.line: count.value for count in STOCK_COUNTS})
    for drivers in (INCOME_DRIVERS, REVENUE_DRIVERS, ASSET_DRIVERS):
        sources.update({driver.line: driver.value for driver in drivers})
    # what the owner types: the source sheet's figure to the penny
    return round(sources[line], 2)


WARD = "Productive Ward"
MENTAL_HEALTH = "Productive Mental Health Ward"
THEATRE = "Productive Operating Theatre"
COMMUNITY = "Productive Community Services"
MEDICINE = "Medicine"
SURGERY = "Surgery"
MENTAL_HEALTH_DIRECTORATE = "Mental Health"
COMMUNITY_DIRECTORATE = "Community"

EXAMPLE_LINES: Final = (
    ExampleLine(
        "PW-01", WARD, "Medicines management", "Ward 7 (Medicine)", MEDICINE,
        "Sister A. Khan", BenefitType.RELEASED_TIME, "No", Recurrence.RECURRENT, "RT-01",
        "Drug round 45 -> 30 minutes, 3 a day", _source_value("RT-01"), date(2025, 5, 1), 0,
        "Blue", "Activity follow: timings March and June 2025", "",
    ),
    ExampleLine(
        "PW-02", WARD, "Shift handovers", "Ward 12 (Surgery)", SURGERY,
        "Charge Nurse B. Osei", BenefitType.RELEASED_TIME, "No", Recurrence.RECURRENT, "RT-02",
        "Handover 40 -> 25 minutes, 3 a day", _source_value("RT-02"), date(2025, 7, 1), 3,
        "Green", "Handover timings, 20 handovers observed", "",
    ),
    ExampleLine(
        "PW-03", WARD, "Well organised ward", "Ward 7 (Medicine)", MEDICINE,
        "Sister A. Khan", BenefitType.RELEASED_TIME, "No", Recurrence.RECURRENT, "RT-03",
        "Time spent finding equipment 50 -> 20 minutes, twice a day", _source_value("RT-03"),
        date(2025, 9, 1), 0, "Amber", "Spaghetti diagrams before and after 5S", "",
    ),
    ExampleLine(
        "PW-04", WARD, "Rostering", "Ward 7 (Medicine)", MEDICINE,
        # its cash is the Medicine CIP's: counted here as not cash-releasing, never in both
        "Matron C. Evans", BenefitType.REVENUE_REDUCTION, "No", Recurrence.RECURRENT, "BANK-W7",
        "Bank shifts 40 -> 28 a month at £250", _source_value("BANK-W7"), date(2025, 10, 1), 2,
        "Red", "Bank office shift reports", "CIP 2025/26 (Medicine)",
    ),
    ExampleLine(
        "PMH-01", MENTAL_HEALTH, "Ward round", "Oak Ward (Mental Health)",
        MENTAL_HEALTH_DIRECTORATE, "Ward Manager D. Price", BenefitType.RELEASED_TIME, "No",
        Recurrence.RECURRENT, "RT-04", "Ward round 90 -> 60 minutes, weekdays",
        _source_value("RT-04"), date(2025, 6, 1), 0, "Green", "Ward round audit", "",
    ),
    ExampleLine(
        "PCS-01", COMMUNITY, "Managing stock", "Community stores", COMMUNITY_DIRECTORATE,
        "Stores Manager E. Lowe", BenefitType.STOCK_RELEASE, "Yes", Recurrence.NON_RECURRENT,
        "ST-01", "Stock held £212,000 -> £78,000", _source_value("ST-01"), date(2025, 6, 1), 0,
        "Blue", "Stock-takes 31 March and 31 May 2025", "",
    ),
    ExampleLine(
        "PCS-02", COMMUNITY, "Planning and scheduling visits", "District Nursing (North)",
        COMMUNITY_DIRECTORATE, "Team Lead F. Hughes", BenefitType.RELEASED_TIME, "No",
        Recurrence.RECURRENT, "RT-05", "Visit planning 60 -> 40 minutes, twice a day",
        _source_value("RT-05"), date(2025, 8, 1), 2, "Amber", "Caseload tool timings", "",
    ),
    ExampleLine(
        "PW-05", WARD, "Well organised ward", "Ward 12 (Surgery)", SURGERY,
        "Charge Nurse B. Osei", BenefitType.STOCK_RECURRENT, "Yes", Recurrence.RECURRENT, "ST-02",
        "Consumables used £96,000 -> £88,000 a year, expired £4,800 -> £1,300",
        _source_value("ST-02"), date(2025, 4, 1), 0, "Green", "Ledger: ward cost centre", "",
    ),
    # Bristol: £2 million from theatre lists used fully, valued as income (not also as cost)
    ExampleLine(
        "POT-01", THEATRE, "Theatre scheduling and start times", "Main theatres", SURGERY,
        "Theatre Manager G. Ward", BenefitType.INCOME, "Yes", Recurrence.RECURRENT, "TH-01",
        "800 more elective cases a year at £3,400 tariff less £900 variable cost: £2,500 each",
        _source_value("TH-01"), date(2025, 10, 1), 3, "Amber",
        "Theatre system: sessions and cases by month", "Elective recovery plan",
    ),
    ExampleLine(
        "POT-02", THEATRE, "Out-of-hours lists avoided", "Main theatres", SURGERY,
        "Theatre Manager G. Ward", BenefitType.REVENUE_REDUCTION, "Yes", Recurrence.RECURRENT,
        "TH-02", "Weekend waiting-list sessions 8 -> 2 a month at £2,400", _source_value("TH-02"),
        date(2026, 1, 1), 0, "Red", "WLI payments ledger", "",
    ),
    ExampleLine(
        "POT-03", THEATRE, "Equipment", "Main theatres", SURGERY, "Theatre Manager G. Ward",
        BenefitType.ASSETS, "No", Recurrence.RECURRENT, "AS-01",
        "Surplus equipment sold: assets employed down £150,000, depreciation £30,000 a year",
        _source_value("AS-01"), date(2026, 1, 1), 0, "Green", "Fixed asset register disposals",
        "",
    ),
)  # fmt: skip

ACTUAL_MONTHS: Final = 6
"""Months of the year with actuals in the example: April to September 2025."""

FORECAST_FACTOR: Final = {"Blue": 1.0, "Green": 1.0, "Amber": 0.8, "Red": 0.5}
"""How the example's forecasts stand against plan, by status: the owner's view, typed in."""

ACTUAL_FACTOR: Final = {"Blue": 1.0, "Green": 0.95, "Amber": 0.75, "Red": 0.4}
"""How the example's actuals to date stand against plan, by status."""
