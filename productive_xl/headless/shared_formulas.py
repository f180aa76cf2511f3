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
reference, a whole row (``2:2``), a 3-D reference (``Q1:Q4!B2``).
"""

from __future__ import annotations

import re

# A cell as Excel and most writers put it, r attribute first, holding a formula with no
# attributes (not already shared, not an array).
_PLAIN_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*(?<!/)><f>([^<]*)</f>')
# A reference whose row moves with the formula: A2, $A2, A2 in A2:B7 or A2#. A token like it
# that is a function name (LOG10), a sheet name (Q1!) or part of a name (A1B) is not one.
_RELATIVE_ROW = re.compile(rb"(?<![\w.$\x80-\xff])(\$?[A-Za-z]{1,3})(\d+)(?![\w.(!\x80-\xff])")
# Text in double quotes, a sheet name in single quotes: kept as they are.
_QUOTED = re.compile(rb""""(?:[^"]|"")*"|'(?:[^']|'')*'""")
_ESCAPED_QUOTE = re.compile(rb"&(?:quot|apos|#)")
# What makes a formula with a colon unsafe to share: a whole-row reference, a 3-D reference.
_UNSAFE_RANGE = re.compile(rb"(?<![A-Za-z$\d])\$?\d+\s*:|[\w.]+:[\w.]+!")


def _literal(text: bytes) -> bytes:
    return text.replace(b"%", b"%%")


def _template(formula: bytes, row: int) -> tuple[bytes, tuple[int, ...]] | None:
    """The formula as a template for the formulas below it, with a ``%d`` for each relative row,
    and each such row's distance from ``row``; None when the formula is not one to share."""
    if b"[" in formula or (b"&" in formula and _ESCAPED_QUOTE.search(formula)):
        return None  # a structured or external reference; a quote written as an entity
    if b":" in formula and _UNSAFE_RANGE.search(formula):
        return None
    pieces: list[bytes] = []
    offsets: list[int] = []
    done = 0
    quotes = _QUOTED.finditer(formula) if b'"' in formula or b"'" in formula else iter(())
    for quoted in [*quotes, None]:
        outside = formula[done : quoted.start() if quoted else len(formula)]
        if b'"' in outside or b"'" in outside:  # a quote left open
            return None
        split = _RELATIVE_ROW.split(outside)
        for at in range(0, len(split) - 1, 3):
            pieces += [_literal(split[at]), split[at + 1], b"%d"]
            offsets.append(int(split[at + 2]) - row)
        pieces.append(_literal(split[-1]))
        if quoted:
            pieces.append(_literal(quoted.group(0)))
            done = quoted.end()
    return b"".join(pieces), tuple(offsets)


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
