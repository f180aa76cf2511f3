"""Build the tracker workbook (``productive-xl new-tracker``), empty or filled with the example.

The workbook is built with openpyxl: it writes Excel tables, named cell styles, defined names,
data validation, conditional formatting and charts, and it is already a runtime dependency
(XlsxWriter, which writes the same, would be a second one, and cannot read back what it wrote).
Its output is made the same on every build (fixed document properties, fixed zip member times),
so that the committed workbooks in ``workbooks/`` can be compared with what the code builds.
The example is then recalculated by productive-xl recalc, so that it opens with its values.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Final

from openpyxl import Workbook
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from productive_xl.core.financial_year import FinancialYear
from productive_xl.headless.recalc import recalc
from productive_xl.headless.report import RecalcReport
from productive_xl.tracker.attach import attach
from productive_xl.tracker.layout import (
    BenefitTypesColumn,
    Measure,
    Name,
    RatesColumn,
    Sheet,
    StatusWeightsColumn,
    Table,
)
from productive_xl.tracker.register import PROGRAMMES, Column, Recurrence
from productive_xl.tracker.template.about import build_about
from productive_xl.tracker.template.checks import build_checks
from productive_xl.tracker.template.costs import build_costs
from productive_xl.tracker.template.dashboard import (
    DASHBOARD_TABLE_COLUMNS,
    PRINT_AREA,
    build_dashboard,
)
from productive_xl.tracker.template.example import ACTUAL_MONTHS
from productive_xl.tracker.template.finish import (
    PROTECTED,
    fit_columns,
    lock_all_but_inputs,
    print_setup,
    protect,
    table_title_rows,
    wrap_across,
)
from productive_xl.tracker.template.inputs import EXAMPLE_YEAR, build_inputs
from productive_xl.tracker.template.phasing import FIRST_MONTH_COLUMN, build_phasing
from productive_xl.tracker.template.register import YES, build_register
from productive_xl.tracker.template.rollup import build_rollup
from productive_xl.tracker.template.second_order import build_second_order
from productive_xl.tracker.template.sources import build_released_time, build_stock
from productive_xl.tracker.template.tables import column_range
from productive_xl.tracker.template.validation import add_input_rules

BUILT_AT: Final = datetime(2025, 4, 1)
"""The creation and modification time written into every build, so that builds are identical."""

EXCEL_365_CALC_ID: Final = 191029

_ZIP_TIME: Final = (2025, 4, 1, 0, 0, 0)


def tracker_year(*, example: bool, year: FinancialYear | None = None) -> FinancialYear:
    """The year a new tracker reports: ``year`` when given, else the example's year for the
    example, else the current NHS financial year."""
    if year is not None:
        return year
    return EXAMPLE_YEAR if example else FinancialYear.containing(date.today())


def _workbook(*, example: bool, year: FinancialYear) -> Workbook:
    book = Workbook()
    build_about(book)
    build_inputs(book, year, example=example)
    lists: dict[str, str] = {
        Column.PROGRAMME: '"' + ",".join(PROGRAMMES) + '"',
        Column.BENEFIT_TYPE: column_range(
            book, Table.BENEFIT_TYPES, BenefitTypesColumn.BENEFIT_TYPE
        ),
        Column.CASH_RELEASING: f'"{YES},No"',
        Column.RECURRENCE: '"' + ",".join(Recurrence) + '"',
        Column.STATUS: column_range(book, Table.STATUS_WEIGHTS, StatusWeightsColumn.STATUS),
    }
    build_register(book, example=example, lists=lists)
    build_released_time(
        book, example=example, bands=column_range(book, Table.RATES, RatesColumn.BAND)
    )
    build_stock(book, example=example)
    build_second_order(book, example=example)
    build_costs(book, example=example)
    build_phasing(book, example=example)
    build_rollup(book, example=example)
    build_dashboard(book)
    build_checks(book)
    if example:
        _set_name(book, Name.MONTHS_CLOSED, ACTUAL_MONTHS)
    add_input_rules(book)
    for sheet in book.worksheets:
        _finish(sheet)
    book.properties.creator = "productive_xl"
    book.properties.lastModifiedBy = "productive_xl"
    book.properties.title = "Productive Series benefits tracker"
    book.properties.created = BUILT_AT
    book.properties.modified = BUILT_AT
    # Excel must not recalculate everything on opening: before the workbook's VBA wrappers are
    # enabled it would turn the PRODUCTIVE_* cells into #NAME? (DESIGN.md). Nor fullCalcOnLoad,
    # nor the calculation engine id of an older Excel (openpyxl's default, 124519), which makes
    # a newer Excel recalculate the whole workbook on opening: this is Excel 365's.
    book.calculation = CalcProperties(calcId=EXCEL_365_CALC_ID, fullCalcOnLoad=False)
    return book


_HEADING_ROWS: Final = (1, 2, 3)
"""A sheet's title, master check and purpose: fitted apart from the tables (see sheet_heading)."""
_MOST_PURPOSE_COLUMNS: Final = 10


def _finish(sheet: Worksheet) -> None:
    """Widths, wrapping, locks, print setup and protection of a built sheet."""
    lock_all_but_inputs(sheet)
    if sheet.title != Sheet.ABOUT:  # About lays its text out itself, in two columns
        fit_columns(sheet, skip_rows=_HEADING_ROWS)
    last = min(sheet.max_column, _MOST_PURPOSE_COLUMNS)
    if sheet.title == Sheet.DASHBOARD:
        last = DASHBOARD_TABLE_COLUMNS
    wrap_across(sheet, 3, 1, max(last, 2))
    if sheet.title == Sheet.DASHBOARD:
        print_setup(sheet, title_rows=None, area=PRINT_AREA, one_page=True)
    elif sheet.title == Sheet.PHASING:  # the plan, the forecast, the actual: a page each
        breaks = (FIRST_MONTH_COLUMN[Measure.FORECAST], FIRST_MONTH_COLUMN[Measure.ACTUAL])
        print_setup(sheet, title_rows=table_title_rows(sheet), breaks=breaks)
    else:
        print_setup(sheet, title_rows=table_title_rows(sheet) if sheet.tables else "1:2")
    if sheet.title in PROTECTED:
        protect(sheet)


def _set_name(book: Workbook, name: str, value: object) -> None:
    """Type ``value`` into the single cell the defined name ``name`` refers to."""
    ((title, cell),) = book.defined_names[name].destinations
    book[title][cell.replace("$", "")].value = value


def _write(book: Workbook, path: Path) -> None:
    """Save ``book`` as openpyxl does, then give every zip member the same fixed time."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as built, zipfile.ZipFile(path, "w") as archive:
        for info in built.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, built.read(info.filename))


def build_workbook(path: Path, *, example: bool, year: FinancialYear | None = None) -> None:
    """Write the tracker's workbook content to ``path`` as built, before any recalculation:
    its formula cells hold no values yet. ``year``: see :func:`tracker_year`."""
    _write(_workbook(example=example, year=tracker_year(example=example, year=year)), Path(path))


def finish(xlsx: Path, out: Path) -> None:
    """Turn the built workbook ``xlsx`` into the tracker at ``out`` (an .xlsm): add the VBA
    project, the Productive ribbon and the xlwings.conf sheet, as ``productive-xl attach`` adds
    them to a team's own workbook, so the two cannot drift apart."""
    attach(xlsx, out)


def build_tracker(path: Path, *, example: bool, year: FinancialYear | None = None) -> RecalcReport:
    """Build the tracker workbook at ``path``: the template for ``year`` (see
    :func:`tracker_year`), or with ``example`` the example trust's tracker, recalculated by
    productive-xl recalc so that it opens with its values.

    Returns recalc's report. ``path`` is replaced only once the whole workbook is built.
    """
    with tempfile.TemporaryDirectory(prefix="productive_xl-tracker-") as scratch:
        staging = Path(scratch) / "tracker.xlsx"
        build_workbook(staging, example=example, year=year)
        report = recalc(staging)
        finish(staging, Path(path))
    return report
