"""The consolidated workbook: the totals a programme office reports, each a live formula over the
lines it rests on, and each line naming the file, sheet and row it was read from.

Sheets: Summary (totals by programme, the exceptions counted, a chart), Totals (by each way of
cutting them: programme, organisation, directorate, order of benefit, cash-releasing or not,
recurrent or not, financial year), Exceptions (with a chart by kind), Trackers (one row per file,
with its hash), Lines (one row per register line), Phasing (one row per phasing row) and Checks.

Every total is a SUMIFS over the Lines sheet, and a line's plan, forecast and actual a SUMIFS
over the Phasing sheet, written with the value it gives (worked out as Excel works it out, see
:mod:`productive_xl.consolidation.rollup`), so the workbook opens showing its figures and any of
them can be followed back by its precedents. Written with XlsxWriter, which stores a formula's
value beside it (openpyxl cannot).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from productive_xl.consolidation.reading import ROW, SHEET, SOURCE_FILE
from productive_xl.consolidation.rollup import (
    DIMENSIONS,
    EXCEPTION,
    EXCEPTION_KINDS,
    LINE_COLUMNS,
    MEASURES,
    PHASING_TOTALS,
    Consolidation,
    excel_sum,
)
from productive_xl.ooxml.writer import replace_atomically
from productive_xl.tracker.layout import PhasingColumn
from productive_xl.tracker.register import Column

SUMMARY, TOTALS, EXCEPTIONS, TRACKERS, LINES, PHASING, CHECKS = (
    "Summary",
    "Totals",
    "Exceptions",
    "Trackers",
    "Lines",
    "Phasing",
    "Checks",
)
TOTAL = "Total"
MAX_LINKS = 65_530  # Excel keeps at most this many hyperlinks on a sheet
BLANK_GROUP = "(blank)"
FIRST_DATA_ROW = 1  # zero-based: row 2 of each data sheet, under its header
SUMMARY_HEADER_ROW = 4  # zero-based: the programme table's header on Summary (row 5)


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook):
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.note = book.add_format({"italic": True, "font_color": "#595959"})
        self.header = book.add_format(
            {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        self.money = book.add_format({"num_format": "#,##0.00"})
        self.total_label = book.add_format({"bold": True, "top": 1})
        self.total = book.add_format({"bold": True, "top": 1, "num_format": "#,##0.00"})
        self.moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.day = book.add_format({"num_format": "yyyy-mm-dd"})


def _column_range(sheet: str, column: int, rows: int) -> str:
    """``'Lines'!$N$2:$N$k`` over the data rows (at least one row, so a formula stays valid)."""
    letter = xl_col_to_name(column)
    last = FIRST_DATA_ROW + max(rows, 1)
    return f"'{sheet}'!${letter}${FIRST_DATA_ROW + 1}:${letter}${last}"


def _criterion(label_cell: str, group: str) -> str:
    """SUMIFS' criterion for ``group``: equal to the label's text (an "=" first, so text that
    starts with ">" or "<" is matched as written); empty cells for a blank group."""
    return '"="' if group == "" else f'"="&{label_cell}'


def _write_value(
    sheet: Worksheet, cell: tuple[int, int], value: Any, formats: _Formats, *, money: bool
) -> None:
    row, column = cell
    if (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    ):
        sheet.write_blank(row, column, None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, datetime | date):
        sheet.write_datetime(
            row, column, value, formats.moment if isinstance(value, datetime) else formats.day
        )
    elif isinstance(value, int | float):
        sheet.write_number(row, column, float(value), formats.money if money else None)
    else:
        sheet.write_string(row, column, str(value))


def _write_frame(
    sheet: Worksheet,
    frame: pd.DataFrame,
    formats: _Formats,
    money: Sequence[str] = (),
    widths: dict[str, float] | None = None,
) -> None:
    """``frame`` as a header row and data rows, with an autofilter; figures as money."""
    columns = list(frame.columns)
    for index, header in enumerate(columns):
        sheet.write_string(0, index, str(header), formats.header)
        sheet.set_column(index, index, (widths or {}).get(str(header), 16))
    for offset, values in enumerate(frame.itertuples(index=False, name=None)):
        for index, value in enumerate(values):
            plain = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
            _write_value(
                sheet,
                (FIRST_DATA_ROW + offset, index),
                plain,
                formats,
                money=columns[index] in money,
            )
    sheet.autofilter(0, 0, max(len(frame), 1), len(columns) - 1)
    sheet.freeze_panes(1, 0)


def _source_links(sheet: Worksheet, result: Consolidation, folder: Path) -> None:
    """A last column linking each line to its row in its tracker (a path relative to the
    consolidated workbook's folder, as Excel resolves it), within Excel's hyperlinks a sheet."""
    if not 0 < len(result.lines) <= MAX_LINKS:
        return
    column = len(LINE_COLUMNS)
    sheet.write_string(0, column, "Open the source row")
    sheet.set_column(column, column, 22)
    places = zip(result.lines[SOURCE_FILE], result.lines[SHEET], result.lines[ROW], strict=True)
    for offset, (source, sheet_name, row) in enumerate(places):
        relative = os.path.relpath(Path(source).resolve(), folder.resolve())
        location = "'" + str(sheet_name).replace("'", "''") + f"'!{row}:{row}"
        sheet.write_url(
            FIRST_DATA_ROW + offset,
            column,
            f"external:{relative}#{location}",
            string=f"{sheet_name} row {row}",
        )


def _write_lines(
    book: xlsxwriter.Workbook, result: Consolidation, formats: _Formats, folder: Path
) -> None:
    """The Lines sheet: each line with where it came from (and a link to it); plan, forecast and
    actual are SUMIFS over the Phasing sheet by source file and line ID."""
    sheet = book.add_worksheet(LINES)
    _source_links(sheet, result, folder)
    values = result.lines.drop(columns=list(PHASING_TOTALS))
    _write_frame(
        sheet,
        values.assign(**{m: float("nan") for m in PHASING_TOTALS})[list(LINE_COLUMNS)],
        formats,
        MEASURES,
        {Column.ID: 12},
    )
    columns = list(LINE_COLUMNS)
    phasing = list(result.phasing.columns)
    rows = len(result.phasing)
    file_cells = _column_range(PHASING, phasing.index(SOURCE_FILE), rows)
    line_cells = _column_range(PHASING, phasing.index(PhasingColumn.LINE), rows)
    for measure, total in PHASING_TOTALS.items():
        column = columns.index(measure)
        totals = _column_range(PHASING, phasing.index(total), rows)
        for offset, value in enumerate(result.lines[measure]):
            row = FIRST_DATA_ROW + offset
            file_cell = xl_rowcol_to_cell(row, columns.index(SOURCE_FILE))
            line_cell = xl_rowcol_to_cell(row, columns.index(Column.ID))
            sheet.write_formula(
                row,
                column,
                f'=SUMIFS({totals},{file_cells},"="&{file_cell},{line_cells},"="&{line_cell})',
                formats.money,
                float(value),
            )


def _totals_table(
    sheet: Worksheet,
    result: Consolidation,
    formats: _Formats,
    top: int,
    dimension: tuple[str, str],
) -> tuple[int, int]:
    """A table of every measure by the groups of ``column`` at row ``top``, with a total row.

    Returns the first and last rows of its groups.
    """
    title, column = dimension
    sheet.write_string(top, 0, title, formats.header)
    for index, measure in enumerate(MEASURES, start=1):
        sheet.write_string(top, index, measure, formats.header)
    lines = len(result.lines)
    by = _column_range(LINES, LINE_COLUMNS.index(column), lines)
    groups = result.groups(column)
    first = top + 1
    for offset, group in enumerate(groups):
        row = first + offset
        sheet.write_string(row, 0, group or BLANK_GROUP)
        label = xl_rowcol_to_cell(row, 0, col_abs=True)
        for index, measure in enumerate(MEASURES, start=1):
            figures = _column_range(LINES, LINE_COLUMNS.index(measure), lines)
            sheet.write_formula(
                row,
                index,
                f"=SUMIFS({figures},{by},{_criterion(label, group)})",
                formats.money,
                result.total(measure, column, group),
            )
    last = first + len(groups) - 1
    total_row = last + 1
    sheet.write_string(total_row, 0, TOTAL, formats.total_label)
    for index, measure in enumerate(MEASURES, start=1):
        if not groups:  # no line: nothing above to add up (a SUM there would read itself)
            sheet.write_number(total_row, index, 0, formats.total)
            continue
        above = [result.total(measure, column, group) for group in groups]
        cells = f"{xl_rowcol_to_cell(first, index)}:{xl_rowcol_to_cell(last, index)}"
        sheet.write_formula(total_row, index, f"=SUM({cells})", formats.total, excel_sum(above))
    return first, last


def _chart(book: xlsxwriter.Workbook, sheet_name: str, rows: tuple[int, int], title: str) -> Any:
    """A bar chart of the first measure (full-year effect) of a totals table's rows."""
    first, last = rows
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": title,
            "categories": [sheet_name, first, 0, last, 0],
            "values": [sheet_name, first, 1, last, 1],
        }
    )
    chart.set_title({"name": title})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_format": "#,##0"})
    chart.set_size({"width": 720, "height": 320})
    return chart


def _write_summary(book: xlsxwriter.Workbook, result: Consolidation, formats: _Formats) -> None:
    sheet = book.add_worksheet(SUMMARY)
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, len(MEASURES), 18)
    sheet.write_string(0, 0, "Productive Series benefits: consolidated", formats.title)
    sheet.write_string(
        1,
        0,
        f"{len(result.trackers)} trackers, {len(result.lines)} lines, consolidated "
        f"{result.as_of:%d %B %Y %H:%M}. Every figure is a formula over the Lines sheet; each line "
        "names the file, sheet and row it was read from.",
        formats.note,
    )
    sheet.write_string(2, 0, "Exceptions to look at")
    kinds = _column_range(EXCEPTIONS, 0, len(result.exceptions))
    sheet.write_formula(2, 1, f'=COUNTIF({kinds},"?*")', None, len(result.exceptions))
    first, last = _totals_table(
        sheet, result, formats, SUMMARY_HEADER_ROW, ("Programme", Column.PROGRAMME)
    )
    if last >= first:
        chart = _chart(book, SUMMARY, (first, last), "Full-year effect by programme (£)")
        sheet.insert_chart(last + 3, 0, chart)


def _write_totals(book: xlsxwriter.Workbook, result: Consolidation, formats: _Formats) -> None:
    sheet = book.add_worksheet(TOTALS)
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, len(MEASURES), 18)
    top = 0
    by_organisation: tuple[int, int] | None = None
    for title, column in DIMENSIONS:
        first, last = _totals_table(sheet, result, formats, top, (title, column))
        if title == "Organisation":
            by_organisation = (first, last)
        top = last + 3
    if by_organisation and by_organisation[1] >= by_organisation[0]:
        chart = _chart(book, TOTALS, by_organisation, "Full-year effect by organisation (£)")
        sheet.insert_chart(0, len(MEASURES) + 2, chart)


def _write_exceptions(book: xlsxwriter.Workbook, result: Consolidation, formats: _Formats) -> None:
    sheet = book.add_worksheet(EXCEPTIONS)
    _write_frame(sheet, result.exceptions, formats, widths={"Detail": 60, EXCEPTION: 34})
    # the count of each kind, beside the list, and its chart
    left = len(result.exceptions.columns) + 1
    sheet.set_column(left, left, 36)
    sheet.write_string(0, left, "Kind of exception", formats.header)
    sheet.write_string(0, left + 1, "Count", formats.header)
    kinds = _column_range(EXCEPTIONS, 0, len(result.exceptions))
    counts = result.exceptions[EXCEPTION].value_counts()
    for offset, kind in enumerate(EXCEPTION_KINDS, start=1):
        sheet.write_string(offset, left, kind)
        label = xl_rowcol_to_cell(offset, left, col_abs=True)
        sheet.write_formula(
            offset, left + 1, f"=COUNTIF({kinds},{label})", None, int(counts.get(kind, 0))
        )
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": "Exceptions",
            "categories": [EXCEPTIONS, 1, left, len(EXCEPTION_KINDS), left],
            "values": [EXCEPTIONS, 1, left + 1, len(EXCEPTION_KINDS), left + 1],
        }
    )
    chart.set_title({"name": "Exceptions by kind"})
    chart.set_legend({"none": True})
    sheet.insert_chart(len(EXCEPTION_KINDS) + 2, left, chart)


def _write_trackers(book: xlsxwriter.Workbook, result: Consolidation, formats: _Formats) -> None:
    sheet = book.add_worksheet(TRACKERS)
    table = result.tracker_table()
    _write_frame(sheet, table, formats, widths={"File SHA-256": 66, "Source file": 40})
    column = len(table.columns)
    sheet.write_string(0, column, Column.FULL_YEAR_EFFECT, formats.header)
    sheet.set_column(column, column, 18)
    figures = _column_range(LINES, LINE_COLUMNS.index(Column.FULL_YEAR_EFFECT), len(result.lines))
    files = _column_range(LINES, LINE_COLUMNS.index(SOURCE_FILE), len(result.lines))
    for offset, name in enumerate(table[SOURCE_FILE]):
        row = FIRST_DATA_ROW + offset
        cell = xl_rowcol_to_cell(row, list(table.columns).index(SOURCE_FILE))
        sheet.write_formula(
            row,
            column,
            f'=SUMIFS({figures},{files},"="&{cell})',
            formats.money,
            result.total(Column.FULL_YEAR_EFFECT, SOURCE_FILE, name),
        )


def write_consolidated_workbook(result: Consolidation, path: Path | str) -> None:
    """Write the consolidated workbook to ``path`` (.xlsx), atomically: ``path`` is replaced
    only once the whole workbook is written."""

    def write(temporary: Path) -> None:
        book = xlsxwriter.Workbook(
            str(temporary), {"strings_to_formulas": False, "strings_to_urls": False}
        )
        book.set_properties(
            {"title": "Productive Series benefits: consolidated", "creator": "productive_xl"}
        )
        formats = _Formats(book)
        _write_summary(book, result, formats)
        _write_totals(book, result, formats)
        _write_exceptions(book, result, formats)
        _write_trackers(book, result, formats)
        _write_lines(book, result, formats, Path(path).parent)
        phasing = book.add_worksheet(PHASING)
        _write_frame(phasing, result.phasing, formats, list(PHASING_TOTALS.values()))
        checks = book.add_worksheet(CHECKS)
        _write_frame(checks, result.checks, formats, widths={"Check": 50})
        book.close()

    replace_atomically(Path(path), write)
