"""The ribbon's other tracker actions: add a benefit line, bring the pay rates up to the year.

Like the refresh, each works through a :class:`~productive_xl.tracker.book.Book`, so the ribbon
in Excel and a script on a server do the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from productive_xl.core.errors import NotFound
from productive_xl.core.reference import PayScale, ReferenceValues, default_reference_values
from productive_xl.core.staff_cost import band_name, pay_point
from productive_xl.tracker.book import Book, NotATracker, Value, require_columns
from productive_xl.tracker.layout import PAY_POINT_COLUMNS, Name, PhasingColumn, RatesColumn, Table
from productive_xl.tracker.refresh import financial_year, read_register
from productive_xl.tracker.register import BenefitLine, BenefitType, Column, Recurrence

_NUMBERED = re.compile(r"^(?P<prefix>.*?)(?P<number>\d+)$")


def next_line_id(lines: Sequence[BenefitLine], programme: str | None = None) -> str:
    """The next free ID in the style of the programme's lines ("PW-007" after "PW-006").

    The model is the last line of ``programme`` (the register's last line when none is given);
    its prefix is kept, with the number after the highest one that prefix has, padded alike.
    A register with no numbered line starts at "1".
    """
    models = [line for line in lines if programme is None or line.programme == programme]
    numbered = [m for line in models if (m := _NUMBERED.match(line.id))]
    if not numbered:
        numbered = [m for line in lines if (m := _NUMBERED.match(line.id))]
    if not numbered:
        return str(len(lines) + 1)
    model = numbered[-1]
    prefix = model.group("prefix")
    taken = [
        int(m.group("number"))
        for line in lines
        if (m := _NUMBERED.match(line.id)) and m.group("prefix") == prefix
    ]
    return f"{prefix}{max(taken) + 1:0{len(model.group('number'))}d}"


@dataclass(frozen=True)
class NewLine:
    row: int
    id: str


def add_benefit_line(book: Book, programme: str | None = None) -> NewLine:
    """Add a line at the bottom of the register with the next free ID, ready to fill in, and
    its phasing row.

    So that no cell of the new line shows an error, it starts from the programme's last line
    (ward or team, directorate, benefit type, cash releasing, recurrence), a full-year effect
    of 0 from the first day of the tracker's year, no ramp; owner, evidence, source line and
    status are left for the user, and the refresh's findings say so until they are filled.
    """
    lines = read_register(book)
    new_id = next_line_id(lines, programme)
    chosen = programme or (lines[-1].programme if lines else "")
    models = [line for line in lines if line.programme == chosen] or lines
    model = models[-1] if models else None
    values: dict[str, Value] = {
        Column.ID: new_id,
        Column.BENEFIT_TYPE: model.benefit_type if model else BenefitType.RELEASED_TIME.value,
        Column.CASH_RELEASING: ("Yes" if model.cash_releasing else "No") if model else "No",
        Column.RECURRENCE: model.recurrence if model else Recurrence.RECURRENT.value,
        Column.FULL_YEAR_EFFECT: 0,
        Column.START_DATE: financial_year(book).first_day,
        Column.RAMP_MONTHS: 0,
    }
    if chosen:
        values[Column.PROGRAMME] = chosen
    if model:
        values[Column.WARD] = model.ward
        values[Column.DIRECTORATE] = model.directorate
    columns = book.columns(Table.BENEFITS)
    row = book.append_row(Table.BENEFITS, {k: v for k, v in values.items() if k in columns})
    try:
        if PhasingColumn.LINE in book.columns(Table.PHASING):
            book.append_row(Table.PHASING, {PhasingColumn.LINE: new_id})
    except NotATracker:  # a workbook with no Phasing sheet: nothing to phase the line on
        pass
    return NewLine(row, new_id)


@dataclass(frozen=True)
class RatesUpdate:
    updated: bool
    message: str


def update_rates_for_year(book: Book, reference: ReferenceValues | None = None) -> RatesUpdate:
    """Write each band's entry, mid and top pay points for the tracker's year into tblRates.

    Bands the reference values hold are written in their order; a band the table lists that
    they do not (a local spot rate) keeps its row, after them. A year with no rates held leaves
    the table as it was and says so.
    """
    reference = reference or default_reference_values()
    year = financial_year(book)
    scale = reference.pay_scales.get(year.label)
    if scale is None:
        held = ", ".join(sorted(reference.pay_scales)) or "none"
        return RatesUpdate(
            False,
            f"No Agenda for Change pay rates are held for {year} (held: {held}); tblRates is "
            "left as it was: type that year's pay points into it.",
        )
    require_columns(book, Table.RATES, PAY_POINT_COLUMNS)
    existing: dict[str, dict[str, Value]] = {}
    others: list[dict[str, Value]] = []
    for row in book.rows(Table.RATES):
        try:
            band = band_name(str(row.values.get(RatesColumn.BAND) or ""), scale)
        except NotFound:
            others.append(dict(row.values))
            continue
        existing[band] = dict(row.values)
    rows = []
    for band, points in scale.points.items():
        values = existing.get(band, {})
        values.update(
            {
                RatesColumn.BAND: band,
                RatesColumn.ENTRY: points[0],
                RatesColumn.MID: pay_point(points, "mid"),
                RatesColumn.TOP: points[-1],
            }
        )
        rows.append(values)
    book.replace_rows(Table.RATES, [*rows, *others])
    on_costs = _write_on_costs(book, scale)
    return RatesUpdate(
        True,
        f"tblRates now holds the {year} pay points of {len(rows)} bands ({scale.source})"
        + (f"; {on_costs} set to that year's, and RatesYear to {year}." if on_costs else "."),
    )


def _write_on_costs(book: Book, scale: PayScale) -> str:
    """Set the on-costs on Inputs to ``scale``'s and RatesYear to its year; what was set, or ""
    for a workbook whose Inputs name none of them (one made before they were inputs)."""
    values = {
        Name.EMPLOYER_NI_RATE: scale.on_costs.employer_ni_rate,
        Name.EMPLOYER_NI_THRESHOLD: scale.on_costs.employer_ni_threshold,
        Name.EMPLOYER_PENSION_RATE: scale.on_costs.employer_pension_rate,
        Name.APPRENTICESHIP_LEVY_RATE: scale.on_costs.apprenticeship_levy_rate,
    }
    try:
        book.name_value(Name.RATES_YEAR)
    except NotATracker:
        return ""
    for name, value in values.items():
        book.set_name_value(name, value)
    book.set_name_value(Name.RATES_YEAR, scale.financial_year)
    return "employer NI, its threshold, pension and levy"
