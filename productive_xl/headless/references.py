"""Which cells a formula reads, and so which cells depend on a cell that could not be computed.

The references are found among the formula's tokens (:mod:`formula_text`) as the engine shows
it (structured references already turned into ranges). The reading errs on the side of seeing a
reference where there is none: a cell wrongly thought to depend on an uncomputable one only
keeps its old value, which is never wrong in the way a silently changed value would be.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

from productive_xl.headless.formula_text import (
    NAME,
    REFERENCE,
    SHEET,
    is_external,
    scan,
    sheet_name,
)
from productive_xl.ooxml.cell_values import cell_position

MAX_ROW = 1_048_576
MAX_COLUMN = 16_384

CellKey = tuple[str, int, int]  # sheet name (case-folded), row, column

_COLUMNS = re.compile(r"\$?([A-Za-z]{1,3}):\$?([A-Za-z]{1,3})$")
_ROWS = re.compile(r"\$?(\d+):\$?(\d+)$")


class Area(NamedTuple):
    """A rectangle of cells on one sheet (sheet name case-folded).

    A tuple, since a large workbook makes one for every reference of every formula read.
    """

    sheet: str
    top: int
    left: int
    bottom: int
    right: int

    def holds(self, row: int, column: int) -> bool:
        return self.top <= row <= self.bottom and self.left <= column <= self.right


@lru_cache(maxsize=4096)  # a sheet has few columns and many rows: each is worked out once
def _column_number(letters: str) -> int:
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return column


_ONE_CELL = re.compile(r"^(?:'((?:[^']|'')+)'!|([A-Za-z_][\w.]*)!)?\$?([A-Za-z]{1,3})\$?(\d+)$")


@lru_cache(maxsize=256)
def _folded(sheet: str) -> str:
    return sheet.casefold()


def parse_area(reference: str, sheet: str) -> Area | None:
    """The area a plain reference (``A1``, ``'My sheet'!$B$2:C9``, ``A:A``, ``3:5``) covers."""
    one = _ONE_CELL.match(reference)
    if one:  # the common case, read at once
        quoted, plain, letters, digits = one.groups()
        named = quoted.replace("''", "'") if quoted else plain or sheet
        column = _column_number(letters)
        row = int(digits)
        return Area(_folded(named), row, column, row, column)
    sheet_part, bang, address = reference.rpartition("!")
    if bang:
        sheet = sheet_part[1:-1].replace("''", "'") if sheet_part.startswith("'") else sheet_part
    address = address.rstrip("#")
    sheet = sheet.casefold()
    columns = _COLUMNS.match(address)
    if columns:
        left, right = sorted((_column_number(columns.group(1)), _column_number(columns.group(2))))
        return Area(sheet, 1, left, MAX_ROW, right)
    rows = _ROWS.match(address)
    if rows:
        top, bottom = sorted((int(rows.group(1)), int(rows.group(2))))
        return Area(sheet, top, 1, bottom, MAX_COLUMN)
    first, _, last = address.partition(":")
    try:
        top, left = cell_position(first)
        bottom, right = cell_position(last or first)
    except ValueError:
        return None
    return Area(sheet, min(top, bottom), min(left, right), max(top, bottom), max(left, right))


def formula_areas(formula: str, sheet: str, names: Mapping[str, list[Area]]) -> list[Area]:
    """The areas ``formula`` on ``sheet`` reads; ``names`` gives the areas of defined names, by
    lower-case name, the sheet's own names first.

    A 3-D reference (``Sheet1:Sheet3!A1``) counts as reading the cell on its first and last
    sheets (the sheets between are not known here); a reference to another workbook reads none.
    """
    areas: list[Area] = []
    sheets: tuple[str, ...] = (sheet,)  # the sheets the reference being read is on
    for token in scan(formula):
        kind = token.kind
        if kind == REFERENCE:
            for on in sheets:
                area = parse_area(token.text, on)
                if area:
                    areas.append(area)
        elif kind == NAME:
            areas += names.get(token.text.lower(), [])
        if kind == SHEET:
            named = sheet_name(token)
            sheets = () if is_external(token) else tuple(dict.fromkeys(named.split(":")))
        else:
            sheets = (sheet,)
    return areas


def dependents(
    sources: Iterable[CellKey], precedents: Mapping[CellKey, list[Area]]
) -> dict[CellKey, CellKey]:
    """Every cell that reads, directly or through others, one of ``sources``, with the source it
    was reached from (a source is among them when it reads another source)."""
    reached: dict[CellKey, CellKey] = {}
    frontier = {source: source for source in sources}
    # sources stay in play: one source may read another, and then it is reached through it
    remaining = dict(precedents)
    while frontier and remaining:
        by_sheet: dict[str, list[tuple[int, int, CellKey]]] = defaultdict(list)
        for (sheet, row, column), source in frontier.items():
            by_sheet[sheet].append((row, column, source))
        frontier = {}
        for cell, areas in list(remaining.items()):
            origin: CellKey | None = next(
                (
                    found
                    for area in areas
                    for row, column, found in by_sheet.get(area.sheet, ())
                    if area.holds(row, column)
                ),
                None,
            )
            if origin is not None and origin != cell:
                frontier[cell] = origin
                del remaining[cell]
        reached.update(frontier)
    return reached


def reaches_itself(cell: CellKey, precedents: Mapping[CellKey, list[Area]]) -> bool:
    """Whether ``cell`` depends on itself through the cells that depend on it: a circle."""
    seen: set[CellKey] = set()
    frontier = {cell}
    while frontier:
        by_sheet: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for sheet, row, column in frontier:
            by_sheet[sheet].append((row, column))
        reached = {
            other
            for other, areas in precedents.items()
            if other not in seen
            and any(area.holds(r, c) for area in areas for r, c in by_sheet.get(area.sheet, ()))
        }
        if cell in reached:
            return True
        seen |= reached
        frontier = reached
    return False
