"""Formulas filled down a column, written for the engine as Excel writes them: shared.

IronCalc parses every formula it loads, and parsing is most of what loading costs; a shared
formula (``<f t="shared" ref="I2:I2001" si="0">``) is parsed once for the whole range. Excel
shares the formulas it fills down, but files written by code (openpyxl, xlsxwriter) write
each one out, so the engine's copy shares them in their place: loading a tracker of 2,000
lines then takes a third of the time.

A formula joins the run above it only when it is exactly what the engine makes of the run's
first formula moved down to its row: every relative row number moved by as many rows, nothing
else (``D2*F2+$B$1`` in row 2 gives ``D3*F3+$B$1`` in row 3). Text in quotes and quoted sheet
names do not move, so "A2" in a string is left alone. A formula with anything whose moving is
less plain is left as it is, which only costs the engine a parse: a structured or external
reference, a whole row (``2:2``), a 3-D reference (``Q1:Q4!B2``). The formula's tokens
(:mod:`formula_text`) tell which numbers are rows of references.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from productive_xl.headless.formula_text import (
    OTHER,
    REFERENCE,
    SHEET,
    STRING,
    STRUCTURED,
    is_rows,
    relative_rows,
    scan,
)

# A cell as Excel and most writers put it, r attribute first, holding a formula with no
# attributes (not already shared, not an array).
_PLAIN_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^<>]*(?<!/)><f>([^<]*)</f>')
# The characters a formula's text in the part may write as entities: each counts as one
# character of the formula. A quote so written (or a character by number) is left alone.
_ENTITY = re.compile(r"&(?:amp|lt|gt);")
_OTHER_ENTITY = re.compile(rb"&(?:quot|apos|#)")
_DIGITS = re.compile(rb"\d+")


def _unescaped(written: str) -> tuple[str, list[int], list[int]]:
    """The formula a part's text stands for, and where its entities are: their places in the
    formula, and how many more characters the part's text has up to and with each."""
    places: list[int] = []
    extra: list[int] = []
    pieces: list[str] = []
    done = 0
    for entity in _ENTITY.finditer(written):
        pieces.append(written[done : entity.start()])
        places.append(entity.start() - (extra[-1] if extra else 0))
        extra.append((extra[-1] if extra else 0) + len(entity.group()) - 1)
        pieces.append({"&amp;": "&", "&lt;": "<", "&gt;": ">"}[entity.group()])
        done = entity.end()
    pieces.append(written[done:])
    return "".join(pieces), places, extra


@lru_cache(maxsize=1024)
def _moving_runs(shape: bytes) -> tuple[bool, ...] | None:
    """For a formula's text in the part with each run of digits written "0" (its shape, which
    all the formulas filled down a column share), whether each run is the row of a reference
    that moves as the formula is filled down; None when the formula is not one to share."""
    if b"&" in shape and _OTHER_ENTITY.search(shape):
        return None  # a quote written as an entity
    try:
        written = shape.decode()
    except UnicodeDecodeError:
        return None
    text, places, extra = _unescaped(written) if "&" in written else (written, [], [])
    rows: set[int] = set()
    for token in scan(text):
        kind = token.kind
        if kind == REFERENCE:
            if is_rows(token):
                return None  # a whole row: the engine may move it otherwise
            for start, _ in relative_rows(token):  # where the row stands in the part's text
                entities = bisect_right(places, start)
                rows.add(start + extra[entities - 1] if entities else start)
        elif (
            kind in (STRUCTURED, OTHER)
            or (kind == SHEET and (":" in token.text or token.text.startswith(("[", "'["))))
            or (kind == STRING and (len(token.text) == 1 or token.text[-1] != '"'))
        ):
            # a structured, 3-D or external reference, a quote left open, what is no formula
            return None
    return tuple(at in rows for at, character in enumerate(written) if character == "0")


def _template(formula: bytes, row: int) -> tuple[bytes, tuple[int, ...]] | None:
    """The formula as a template for the formulas below it, with a ``%d`` for each relative row,
    and each such row's distance from ``row``; None when the formula is not one to share."""
    if b"[" in formula and b'"' not in formula and b"'" not in formula:
        return None  # a structured or external reference, at a glance
    digits = _DIGITS.findall(formula)
    shape = _DIGITS.sub(b"0", formula) if digits else formula
    moving = _moving_runs(shape)
    if moving is None:
        return None
    pieces = shape.replace(b"%", b"%%").split(b"0")
    template = [pieces[0]]
    offsets: list[int] = []
    for digit, moves, piece in zip(digits, moving, pieces[1:], strict=True):
        if moves:
            template.append(b"%d")
            offsets.append(int(digit) - row)
        else:
            template.append(digit)
        template.append(piece)
    return b"".join(template), tuple(offsets)


class _Run:
    """Formulas in consecutive rows of a column, each the first moved down."""

    __slots__ = ("cells", "last", "level", "offsets", "template")

    def __init__(self, template: bytes, offsets: tuple[int, ...], row: int, cell: int):
        self.template = template
        self.offsets = offsets
        # the number of rows when every one is the formula's own (A2*B2 in row 2), else 0
        self.level = len(offsets) if not any(offsets) else 0
        self.last = row
        self.cells = [cell]


def share_filled_formulas(xml: bytes) -> bytes:
    """The worksheet part with each run of formulas filled down a column made one shared
    formula; the part as it is when it already has shared formulas or is written otherwise."""
    if b"shared" in xml or xml.count(b"<c ") != xml.count(b'<c r="'):
        return xml
    matches = list(_PLAIN_FORMULA_CELL.finditer(xml))
    open_runs: dict[bytes, _Run] = {}
    runs: list[tuple[bytes, _Run]] = []
    for index, (column, row_text, formula) in enumerate(m.groups() for m in matches):
        row = int(row_text)
        run = open_runs.get(column)
        if run is not None:
            # the formula the engine would give this cell, moving the run's first one down
            if row == run.last + 1 and formula == run.template % (
                (row,) * run.level if run.level else tuple(row + k for k in run.offsets)
            ):
                run.last = row
                run.cells.append(index)
                continue
            runs.append((column, run))
            del open_runs[column]
        template = _template(formula, row)
        if template is not None:
            open_runs[column] = _Run(*template, row, index)
    runs += open_runs.items()

    elements: dict[int, bytes] = {}  # index of a cell in matches -> its new <f> element
    for number, (column, cells) in enumerate(
        (column, run.cells) for column, run in runs if len(run.cells) > 1
    ):
        anchor = matches[cells[0]]
        last = matches[cells[-1]].group(2)
        elements[cells[0]] = b'<f t="shared" ref="%s%s:%s%s" si="%d">%s</f>' % (
            column,
            anchor.group(2),
            column,
            last,
            number,
            anchor.group(3),
        )
        child = b'<f t="shared" si="%d"/>' % number
        for index in cells[1:]:
            elements[index] = child
    if not elements:
        return xml
    pieces: list[bytes] = []
    done = 0
    for index in sorted(elements):
        match = matches[index]
        formula_start = match.start(3) - len(b"<f>")
        pieces += [xml[done:formula_start], elements[index]]
        done = match.end()
    pieces.append(xml[done:])
    return b"".join(pieces)
