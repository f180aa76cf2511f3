"""The national example: trackers for the four programmes across several example organisations.

``productive-xl example --national DIR`` writes one tracker per organisation into DIR. Consolidated
(``productive-xl consolidate``) after recalculation, their full-year effects add up to the NHS
Institute's national estimate for each programme and to its total, £1,380,018,300, to the penny
(DOMAIN.md).

**The drivers are illustrative.** The NHS Institute published the estimate, not the method behind
it. The drivers below (how many wards, theatres and community teams, the hours each releases, the
value of an hour and of a theatre session) are chosen to be plausible and to multiply out to the
published figures exactly; they are not the Institute's method and must not be quoted as such.

Each organisation's line for a programme is worked from its share of the national drivers:
its number of wards (theatres, teams) times what one releases a year times its value. The shares
are whole numbers that add up to the national count, so the lines add up to the national figure.

Each line rests on its working on a source sheet, named as its Source line, so that the check
"Each line's figure rests on a row of a source sheet" holds and every tracker's master check is
0: released time on Released Time (an hour saved so many times a day in each unit), valued at the
illustrative cost of an hour typed as the band (no Agenda for Change band's cost gives the
figures to the penny); theatre sessions on Second Order's income table, as cases at the value of
a session with no variable cost.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final

from productive_xl.core.phasing import monthly_phasing
from productive_xl.headless.report import RecalcReport
from productive_xl.tracker.book import Value
from productive_xl.tracker.file_book import FileBook
from productive_xl.tracker.layout import (
    MONTHS,
    IncomeColumn,
    Measure,
    Name,
    PhasingColumn,
    Table,
    TaskTimesColumn,
    month_column,
)
from productive_xl.tracker.refresh_file import refresh_file
from productive_xl.tracker.register import BenefitType, Column, Recurrence
from productive_xl.tracker.template.build import build_tracker
from productive_xl.tracker.template.inputs import EXAMPLE_YEAR

WARD = "Productive Ward"
MENTAL_HEALTH = "Productive Mental Health Ward"
THEATRE = "Productive Operating Theatre"
COMMUNITY = "Productive Community Services"

NATIONAL_ESTIMATE: Final = {
    WARD: Decimal("259188550"),
    MENTAL_HEALTH: Decimal("72438750"),
    THEATRE: Decimal("601391000"),
    COMMUNITY: Decimal("447000000"),
}
"""The NHS Institute's national estimate by programme ("The Productive Series and finance
teams"), in pounds; together £1,380,018,300."""

ILLUSTRATIVE: Final = (
    "Illustrative drivers, chosen to multiply out to the NHS Institute's national estimate; "
    "not the Institute's method, which is not published."
)

START: Final = date(2025, 4, 1)  # a full year in 2025/26: the in-year effect is the full-year one
ACTUAL_MONTHS: Final = 6  # actuals typed for April to September, as in the example trust


@dataclass(frozen=True)
class Driver:
    """What one programme releases nationally: ``units`` (wards, theatres, teams), each
    releasing ``quantity`` (hours, sessions) a year valued at ``unit_value`` pounds each."""

    programme: str
    prefix: str  # of the line IDs
    units: int
    unit: str  # "ward"
    quantity: Decimal
    quantity_unit: str  # "hours released"
    unit_value: Decimal
    value_unit: str  # "an hour"
    benefit_type: BenefitType
    cash_releasing: str
    scheme: str
    evidence: str
    directorates: tuple[str, ...]  # an organisation's units of the programme are split among them
    # How a unit's quantity is worked on the source sheet: on Released Time, an hour released
    # ``times_a_day`` times a day on ``days_a_year`` days (their product is ``quantity``); on
    # Second Order's income table (times_a_day 0), ``quantity`` extra sessions at ``unit_value``.
    times_a_day: int
    days_a_year: int

    @property
    def value_per_unit(self) -> Decimal:
        return self.quantity * self.unit_value

    @property
    def national_value(self) -> Decimal:
        return self.units * self.value_per_unit

    @property
    def on_released_time(self) -> bool:
        """Whether the lines rest on Released Time (hours), else on Second Order's income."""
        return self.times_a_day > 0

    def measure(self, units: int) -> str:
        """The line's Measure: its drivers, written out."""
        return (
            f"{units:,} {self.unit}s x {self.quantity:,} {self.quantity_unit} a {self.unit} "
            f"a year x £{self.unit_value:,.2f} {self.value_unit} (illustrative drivers)"
        )


DRIVERS: Final = (
    Driver(
        WARD, "PW", 2_491, "ward", Decimal(2_500), "hours released", Decimal("41.62"),
        "an hour", BenefitType.RELEASED_TIME, "No", "Releasing Time to Care modules",
        "Activity follows before and after, by ward", ("Medicine", "Surgery"), 10, 250,
    ),
    Driver(
        MENTAL_HEALTH, "PMH", 685, "ward", Decimal(2_820), "hours released", Decimal("37.50"),
        "an hour", BenefitType.RELEASED_TIME, "No", "Productive Mental Health Ward modules",
        "Ward round and handover audits, by ward", ("Adult Mental Health", "Older Adults"), 12, 235,
    ),
    Driver(
        THEATRE, "POT", 3_242, "theatre", Decimal(53), "more sessions", Decimal(3_500),
        "a session", BenefitType.INCOME, "Yes", "Theatre scheduling and start times",
        "Theatre system: sessions and cases by month", ("Surgery",), 0, 0,
    ),
    Driver(
        COMMUNITY, "PCS", 2_980, "community team", Decimal(3_750), "hours released",
        Decimal("40.00"), "an hour", BenefitType.RELEASED_TIME, "No",
        "Productive Community Services modules", "Caseload tool timings, by team",
        ("Community North", "Community South"), 15, 250,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Organisation:
    """An example organisation: its name (the tracker's file name), a made-up ODS-like code
    and the programmes it runs."""

    name: str
    code: str
    programmes: tuple[str, ...]


ORGANISATIONS: Final = (
    Organisation("Northgate Teaching Hospitals NHS Foundation Trust", "ZZA", (WARD, THEATRE)),
    Organisation("Riverside Health and Care NHS Trust", "ZZB", (WARD, MENTAL_HEALTH, COMMUNITY)),
    Organisation("Westmoor Mental Health NHS Foundation Trust", "ZZC", (MENTAL_HEALTH,)),
    Organisation("Eastdale Community Health NHS Trust", "ZZD", (COMMUNITY,)),
    Organisation("Southbridge Hospitals NHS Trust", "ZZE", (WARD, THEATRE)),
    Organisation(
        "Hillcrest University Hospitals NHS Foundation Trust", "ZZF", (WARD, THEATRE, COMMUNITY)
    ),
)
"""The example organisations, in the order they are taken: the first two run all four
programmes between them, so any two or more give the national figures."""

MIN_ORGANISATIONS: Final = 2


def shares(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` whole numbers as equal as can be, adding up to it."""
    base, left_over = divmod(total, parts)
    return [base + (1 if index < left_over else 0) for index in range(parts)]


@dataclass(frozen=True)
class NationalLine:
    """One register line of the national example, with its drivers."""

    organisation: Organisation
    id: str
    driver: Driver
    directorate: str
    units: int
    also_reported_in: str = ""

    @property
    def full_year_effect(self) -> float:
        return float(self.units * self.driver.value_per_unit)  # whole pounds: exact as a float

    @property
    def source_line(self) -> str:
        """The code of the line's working on its source sheet: RT-PW-01, TH-POT-01..."""
        sheet = "RT" if self.driver.on_released_time else "TH"
        return f"{sheet}-{self.id.split('-', 1)[1]}"

    def source_row(self) -> dict[str, Value]:
        """The line's working: on Released Time an hour saved ``times_a_day`` times a day in
        each unit on ``days_a_year`` days, valued at the illustrative cost of an hour (typed as
        the band: it is no Agenda for Change band's cost); on Second Order, the extra sessions
        as cases at the value of a session, with no variable cost taken off."""
        driver = self.driver
        where = f"{self.directorate}: {self.units:,} {driver.unit}s"
        if driver.on_released_time:
            return {
                TaskTimesColumn.LINE: self.source_line,
                TaskTimesColumn.WARD: where,
                TaskTimesColumn.TASK: f"{driver.scheme} (illustrative drivers)",
                TaskTimesColumn.BAND: float(driver.unit_value),
                TaskTimesColumn.MINUTES_BEFORE: 60.0,
                TaskTimesColumn.MINUTES_AFTER: 0.0,
                TaskTimesColumn.TIMES_A_DAY: float(driver.times_a_day * self.units),
                TaskTimesColumn.DAYS_A_YEAR: float(driver.days_a_year),
            }
        return {
            IncomeColumn.LINE: self.source_line,
            IncomeColumn.WARD: where,
            IncomeColumn.WHAT: "Extra theatre sessions, each counted as a case at its value "
            "(illustrative drivers)",
            IncomeColumn.EXTRA_CASES: float(self.units * driver.quantity),
            IncomeColumn.TARIFF: float(driver.unit_value),
            IncomeColumn.VARIABLE_COST: 0.0,
        }

    def register_row(self) -> dict[str, Value]:
        driver = self.driver
        return {
            Column.ID: self.id,
            Column.PROGRAMME: driver.programme,
            Column.SCHEME: driver.scheme,
            Column.WARD: f"{self.directorate}: {self.units:,} {driver.unit}s",
            Column.DIRECTORATE: self.directorate,
            Column.OWNER: f"{self.directorate} benefits lead",
            Column.BENEFIT_TYPE: str(driver.benefit_type),
            Column.CASH_RELEASING: driver.cash_releasing,
            Column.RECURRENCE: str(Recurrence.RECURRENT),
            Column.SOURCE_LINE: self.source_line,
            Column.MEASURE: driver.measure(self.units),
            Column.FULL_YEAR_EFFECT: self.full_year_effect,
            Column.START_DATE: START,
            Column.RAMP_MONTHS: 0.0,
            Column.STATUS: "Green",
            Column.EVIDENCE: driver.evidence,
            Column.ALSO_REPORTED_IN: self.also_reported_in,
        }

    def phasing_row(self) -> dict[str, Value]:
        """The line's phasing: forecast at plan, actuals at plan for April to September."""
        plan = monthly_phasing(self.full_year_effect, START, EXAMPLE_YEAR, 0)
        row: dict[str, Value] = {PhasingColumn.LINE: self.id}
        for index, (month, value) in enumerate(zip(MONTHS, plan, strict=True)):
            row[month_column(Measure.FORECAST, month)] = round(value, 2)
            if index < ACTUAL_MONTHS:
                row[month_column(Measure.ACTUAL, month)] = round(value, 2)
        return row


def national_lines(organisations: Sequence[Organisation]) -> list[NationalLine]:
    """The register lines of every organisation: each programme's national units shared among
    the organisations running it, and each organisation's share among its directorates."""
    lines: list[NationalLine] = []
    for driver in DRIVERS:
        running = [o for o in organisations if driver.programme in o.programmes]
        if not running:
            raise ValueError(f"no organisation of the {len(organisations)} runs {driver.programme}")
        for organisation, units in zip(running, shares(driver.units, len(running)), strict=True):
            parts = shares(units, len(driver.directorates))
            for number, (directorate, part) in enumerate(
                zip(driver.directorates, parts, strict=True), start=1
            ):
                lines.append(
                    NationalLine(
                        organisation,
                        f"{organisation.code}-{driver.prefix}-{number:02d}",
                        driver,
                        directorate,
                        part,
                    )
                )
    return lines


@dataclass
class NationalTracker:
    """One tracker written: where, for whom, and its recalculation's report."""

    path: Path
    organisation: Organisation
    lines: int
    report: RecalcReport


def _fill(
    template: Path, target: Path, organisation: Organisation, lines: list[NationalLine]
) -> None:
    book = FileBook(template)
    book.replace_rows(Table.BENEFITS, [line.register_row() for line in lines])
    book.replace_rows(Table.PHASING, [line.phasing_row() for line in lines])
    for table, on_released_time in ((Table.TASK_TIMES, True), (Table.INCOME, False)):
        rows = [
            line.source_row() for line in lines if line.driver.on_released_time is on_released_time
        ]
        if rows:
            book.replace_rows(table, rows)
    for name, value in (
        (Name.ORGANISATION, organisation.name),
        (Name.ORGANISATION_CODE, organisation.code),
        (Name.MONTHS_CLOSED, ACTUAL_MONTHS),  # the months whose actuals are typed
    ):
        book.set_name_value(name, value)
    book.save(target)


def write_national_example(
    folder: Path | str,
    organisations: int = len(ORGANISATIONS),
    progress: Callable[[str], None] | None = None,
    refreshed_at: datetime | None = None,
) -> list[NationalTracker]:
    """Write the national example's trackers into ``folder``, one per organisation (the first
    ``organisations`` of :data:`ORGANISATIONS`, at least two), each refreshed and recalculated.

    The tracker of an organisation is named after it (``<name>.xlsm``): where the template has no
    ``Organisation`` name, the file's name is what the consolidation reads as the organisation.
    Each is stamped as refreshed at ``refreshed_at`` (default: now).
    """
    if not MIN_ORGANISATIONS <= organisations <= len(ORGANISATIONS):
        raise ValueError(
            f"organisations must be {MIN_ORGANISATIONS} to {len(ORGANISATIONS)}, "
            f"not {organisations}"
        )
    chosen = ORGANISATIONS[:organisations]
    lines = national_lines(chosen)
    # one line this programme office should see in the exceptions: a saving also in a CIP
    lines[0] = dataclasses.replace(lines[0], also_reported_in="CIP 2025/26")
    stamp = refreshed_at or datetime.now().replace(microsecond=0)
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="productive_xl-national-") as scratch:
        template = Path(scratch) / "template.xlsm"
        build_tracker(template, example=False, year=EXAMPLE_YEAR)
        for organisation in chosen:
            mine = [line for line in lines if line.organisation == organisation]
            if progress:
                progress(f"{organisation.name}: {len(mine)} lines")
            filled = Path(scratch) / f"{organisation.code}.xlsm"
            _fill(template, filled, organisation, mine)
            path = target / f"{organisation.name}.xlsm"
            # written once, atomically, refreshed and recalculated
            _, report = refresh_file(filled, path, "productive-xl example --national", stamp)
            report.workbook = str(path)
            written.append(NationalTracker(path, organisation, len(mine), report))
    return written
