"""The ribbon's other tracker actions: add a benefit line, bring the pay rates up to the year.

Like the refresh, each works through a :class:`~productive_xl.tracker.book.Book`, so the ribbon
in Excel and a script on a server do the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from productive_xl.core.errors import NotFound
from productive_xl.core.reference import ReferenceValues, default_reference_values
from productive_xl.core.staff_cost import band_name, pay_point
from productive_xl.tracker.book import Book, Value, require_columns
from productive_xl.tracker.layout import PAY_POINT_COLUMNS, RatesColumn, Table
from productive_xl.tracker.refresh import financial_year, read_register
from productive_xl.tracker.register import BenefitLine, Column

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
    """Add a line at the bottom of the register with the next free ID, ready to fill in."""
    lines = read_register(book)
    new_id = next_line_id(lines, programme)
    values: dict[str, Value] = {Column.ID: new_id}
    chosen = programme or (lines[-1].programme if lines else "")
    if chosen:
        values[Column.PROGRAMME] = chosen
    return NewLine(book.append_row(Table.BENEFITS, values), new_id)


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
    return RatesUpdate(
        True, f"tblRates now holds the {year} pay points of {len(rows)} bands ({scale.source})."
    )
