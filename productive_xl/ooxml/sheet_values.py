"""Find the formula cells of a worksheet part and rewrite their cached values, byte for byte.

The part is never parsed and serialised again: that would change quoting, namespace prefixes
and empty-element forms that Excel and other tools rely on. Cells are found with a scanner over
the raw bytes, and only the ``t`` attribute and the ``<v>`` element of the cells whose value
changes are rewritten; every other byte of the part stays where it was.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from operator import itemgetter
from typing import NamedTuple

from productive_xl.ooxml.cell_values import (
    CellValue,
    cell_position,
    encoded_value,
    format_number,
    same_value,
    stored_value,
    xml_escape,
    xml_unescape,
)

# Every pattern here stays within the tags and the element it is after, whatever the part
# holds, so that a scan takes time in proportion to the part: a start tag's attributes are
# [^<>] (no "<" stands in a start tag: a match cannot run on past the next tag, as [^>] would
# from each of thousands of "<c " in a comment to the comment's end), and an element's body
# runs to its end tag but never over the start of another element of its name.


def _body(name: bytes) -> bytes:
    """What an element ``name`` may hold: anything but its own start or end tag."""
    return rb"[^<]*(?:<(?!/?(?:[\w.-]+:)?" + name + rb"[\s>/])[^<]*)*"


# A cell element, self-closing or with a body, in any namespace prefix; or a row's start tag,
# which tells the row of cells written without an r attribute.
_ELEMENT = re.compile(
    rb"<(?:(?P<rp>[A-Za-z_][\w.-]*:)?row(?=[\s>/])(?P<rattrs>[^<>]*)>)"
    rb"|<(?P<p>[A-Za-z_][\w.-]*:)?c(?=[\s>/])(?P<attrs>[^<>]*?)"
    rb"(?:/>|>(?P<body>" + _body(rb"c") + rb")</(?P=p)?c>)",
)
# A cell as Excel writes it, r attribute first, whose body opens with its formula (the schema
# puts <f> first): the fast path's way to the formula cells.
_EXCEL_FORMULA_CELL = re.compile(
    rb'<c r="([A-Za-z]{1,3})(\d+)"([^<>]*)(?<!/)>(<f[\s>/]' + _body(rb"c") + rb")</c>"
)
_R = re.compile(rb"""\sr\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d+)["']""")
_T = re.compile(rb"""\st\s*=\s*["']([^"']*)["']""")
_ROW_R = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_ATTRIBUTE = re.compile(rb"""\s([\w:.-]+)\s*=\s*("[^"]*"|'[^']*')""")
_FORMULA = re.compile(
    rb"<(?:[\w.-]+:)?f(?=[\s>/])(?P<attrs>[^<>]*?)"
    rb"(?:/>|>(?P<text>" + _body(rb"f") + rb")</(?:[\w.-]+:)?f>)"
)
_VALUE = re.compile(
    rb"<(?P<p>[\w.-]+:)?v(?:\s*/>|>(?P<text>" + _body(rb"v") + rb")</(?:[\w.-]+:)?v>)"
)


def _attributes(raw: bytes) -> dict[str, str]:
    return {m.group(1).decode(): m.group(2)[1:-1].decode() for m in _ATTRIBUTE.finditer(raw)}


class _Span(NamedTuple):
    """Where a cell element stands in the part's bytes (a tuple: a large sheet has many)."""

    start: int
    end: int
    row: int
    column: int
    attrs: bytes
    body: bytes | None
    body_start: int
    prefix: bytes


class FormulaCell:
    """A cell whose value a formula gives: its own formula, or a place in an array's range.

    Only its position is read when the part is scanned; the rest is read from its bytes when
    asked for, since most formula cells of a large sheet never are.
    """

    __slots__ = ("__dict__", "column", "has_formula", "row", "span")

    def __init__(self, span: _Span, has_formula: bool):
        self.row = span.row
        self.column = span.column
        self.has_formula = has_formula  # False for a cell that an array formula's result fills
        self.span = span

    @cached_property
    def _formula(self) -> tuple[str | None, dict[str, str]]:
        body = self.span.body or b""
        if body.startswith(b"<f>"):  # a plain formula, as most are: no attributes to read
            end = body.find(b"</f>")
            if end > 0 and b"<" not in body[3:end]:
                return xml_unescape(body[3:end].decode()), {}
        formula = _FORMULA.search(body) if self.has_formula else None
        if formula is None:
            return None, {}
        text = formula.group("text")
        return (
            xml_unescape(text.decode()) if text is not None else None,
            _attributes(formula.group("attrs")),
        )

    @property
    def formula(self) -> str | None:
        """The text of <f>; None where a shared formula's first cell holds it, or none is."""
        return self._formula[0]

    @property
    def formula_type(self) -> str | None:
        """None (a normal formula), "shared" or "array" (legacy or dynamic)."""
        return self._formula[1].get("t")

    @property
    def array_range(self) -> str | None:
        """The range an array formula fills, on its top-left cell."""
        return self._formula[1].get("ref") if self.formula_type == "array" else None

    @property
    def shared_index(self) -> str | None:
        return self._formula[1].get("si")

    @cached_property
    def cached(self) -> CellValue | None:
        """The value stored for the cell."""
        return _cached(self.span)


def _cached(span: _Span) -> CellValue | None:
    value = _VALUE.search(span.body or b"")
    if value is None:
        return None
    text = value.group("text")
    cell_type = _T.search(span.attrs)
    return stored_value(
        cell_type.group(1).decode() if cell_type else None,
        text.decode() if text is not None else "",
    )


def _array_cells(reference: str) -> tuple[int, int, int, int]:
    first, _, last = reference.partition(":")
    top, left = cell_position(first)
    bottom, right = cell_position(last or first)
    return top, left, bottom, right


def _span(match: re.Match[bytes], row: int, column: int) -> _Span:
    body = match.group("body")
    return _Span(
        match.start(),
        match.end(),
        row,
        column,
        match.group("attrs"),
        body,
        match.start("body"),
        match.group("p") or b"",
    )


_COLUMN_NUMBERS: dict[bytes, int] = {}


def _column_number(letters: bytes) -> int:
    known = _COLUMN_NUMBERS.get(letters)
    if known is not None:  # a sheet has few columns and many rows: each is worked out once
        return known
    column = 0
    for letter in letters.upper():
        column = column * 26 + letter - 64
    _COLUMN_NUMBERS[letters] = column
    return column


def _position(reference: re.Match[bytes]) -> tuple[int, int]:
    return int(reference.group(2)), _column_number(reference.group(1))


def _formula_spans(xml: bytes) -> Iterator[_Span] | None:
    """The cells holding formulas, found from their <f> elements; None when that is not safe.

    Excel writes every cell with its r attribute first, and most of a large sheet is values: one
    pattern that only a cell opening with <f> matches skips them inside the regular expression
    engine. Parts written otherwise are scanned whole.
    """
    cells = xml.count(b"<c ") + xml.count(b"<c>")
    if cells == 0 or xml.count(b'<c r="') != cells:
        return None
    data_start = max(xml.find(b"<sheetData"), 0)
    data_end = xml.find(b"</sheetData>")
    found = _EXCEL_FORMULA_CELL.finditer(xml, data_start, data_end if data_end >= 0 else len(xml))
    return (_excel_formula_span(xml, match) for match in found)


def _excel_formula_span(xml: bytes, match: re.Match[bytes]) -> _Span:
    """The span of a cell :data:`_EXCEL_FORMULA_CELL` matched.

    Called for every formula cell of a sheet, so it asks the match for its groups at once and
    builds the tuple without the keyword handling of a named tuple's constructor.
    """
    start, end = match.span()
    letters, row, _, body = match.groups()
    fields = (start, end, int(row), _column_number(letters), xml[start + 2 : match.end(3)])
    return _new_span(_Span, (*fields, body, match.start(4), b""))


_new_span = tuple.__new__


def _spans(xml: bytes) -> Iterator[tuple[_Span, bool]]:
    """Every cell of the part with its position, and whether it holds a formula."""
    row = 0
    column = 0
    for match in _ELEMENT.finditer(xml):
        row_attrs = match.group("rattrs")
        if row_attrs is not None:
            given = _ROW_R.search(row_attrs)
            row = int(given.group(1)) if given else row + 1
            column = 0
            continue
        reference = _R.search(match.group("attrs"))
        if reference:
            row, column = _position(reference)
        else:
            column += 1
        body = match.group("body")
        yield _span(match, row, column), body is not None and _FORMULA.search(body) is not None


def formula_cells(xml: bytes) -> dict[tuple[int, int], FormulaCell]:
    """The cells of a worksheet part whose values formulas give, by (row, column)."""
    cells: dict[tuple[int, int], FormulaCell] = {}
    has_arrays = b'"array"' in xml
    arrays: list[tuple[int, int, int, int]] | None = [] if has_arrays else None
    fast = _formula_spans(xml) if not has_arrays else None
    if fast is not None:
        for span in fast:
            cells[(span.row, span.column)] = FormulaCell(span, True)
        return cells
    for span, has_formula in _spans(xml):
        if has_formula:
            cell = FormulaCell(span, True)
            cells[(span.row, span.column)] = cell
            if arrays is not None and cell.array_range:
                arrays.append(_array_cells(cell.array_range))
        elif arrays and any(
            top <= span.row <= bottom and left <= span.column <= right
            for top, left, bottom, right in arrays
        ):
            cells[(span.row, span.column)] = FormulaCell(span, False)
    return cells


def _with_type(attrs: bytes, existing: re.Match[bytes] | None, cell_type: str | None) -> bytes:
    """The start tag's attributes with ``t`` set for ``cell_type`` (absent for a number)."""
    if cell_type is None:
        if existing is None or existing.group(1) == b"n":
            return attrs
        return attrs[: existing.start()] + attrs[existing.end() :]
    new = f' t="{cell_type}"'.encode()
    if existing is None:
        return attrs + new
    return attrs[: existing.start()] + new + attrs[existing.end() :]


def _with_value_element(span: _Span, text: bytes) -> bytes:
    """The cell's body with its <v> element replaced, or added after the formula."""
    v = span.prefix + b"v"
    element = b"<" + v + b">" + text + b"</" + v + b">"
    body = span.body or b""
    if body.endswith(b"</" + span.prefix + b"f>") and b"<" + span.prefix + b"v" not in body:
        return body + element  # a formula and nothing after it: the value goes at the end
    existing = _VALUE.search(body)
    if existing:
        return body[: existing.start()] + element + body[existing.end() :]
    formula = _FORMULA.search(body)
    at = formula.end() if formula else 0
    return body[:at] + element + body[at:]


def _patched(span: _Span, new: CellValue) -> tuple[int, int, bytes, CellValue | None] | None:
    """Where in the part the cell's bytes change (start, end), what goes there, and the cell's
    old value; None when it already holds ``new``.

    Written for the cells Excel writes (``<c r=".." t=".."><f>..</f><v>..</v></c>``): the stored
    value is found by plain search there, and by the general pattern elsewhere. When the type
    stays, only the text of <v> is replaced; otherwise the whole cell element is.
    """
    if type(new) is float and math.isfinite(new):  # a number, as most values are
        cell_type: str | None = None
        encoded = format_number(new).encode()
    else:
        cell_type, text = encoded_value(new)
        encoded = text.encode()
    # only a start tag with a "t" in it can have a t attribute: most are r="B2" and s="1"
    type_match = _T.search(span.attrs) if b"t" in span.attrs else None
    stored_type = type_match.group(1) if type_match else None
    body = span.body or b""
    at = body.find(b"<v>") if not span.prefix else -1
    end = body.find(b"</v>", at) if at >= 0 else -1
    if at >= 0 and end >= 0:
        stored_text: bytes | None = body[at + 3 : end]
    elif b"<" + span.prefix + b"v" not in body:  # no value stored (a library's formula cell)
        stored_text = None
    else:
        found = _VALUE.search(body)
        stored_text = (found.group("text") or b"") if found else None
    wanted_type = cell_type.encode() if cell_type else None
    same_type = stored_type == wanted_type or (wanted_type is None and stored_type == b"n")
    if stored_text == encoded and same_type:
        return None
    old = stored_value(
        stored_type.decode() if stored_type is not None else None,
        stored_text.decode() if stored_text is not None else None,
    )
    if same_value(old, new):
        return None
    if at >= 0 and end >= 0:
        if same_type:
            return span.body_start + at + 3, span.body_start + end, encoded, old
        new_body = body[: at + 3] + encoded + body[end:]
    else:
        new_body = _with_value_element(span, encoded)
    c = span.prefix + b"c"
    attrs = _with_type(span.attrs, type_match, cell_type)
    return span.start, span.end, b"<" + c + attrs + b">" + new_body + b"</" + c + b">", old


def patch_values(
    xml: bytes,
    values: Mapping[tuple[int, int], CellValue],
    cells: Mapping[tuple[int, int], FormulaCell] | None = None,
) -> tuple[bytes, dict[tuple[int, int], tuple[CellValue | None, CellValue]]]:
    """Write ``values`` (by row and column) into the cached values of their cells.

    ``cells``, from :func:`formula_cells` of this same ``xml``, saves scanning the part again.
    Returns the new part and, for each cell whose value changed, (old value, new value). A cell
    that already stores its new value keeps its bytes, so a second run changes nothing.
    """
    if cells is None:
        cells = formula_cells(xml)
    spans = sorted(
        (cell.span for position, cell in cells.items() if position in values and cell.span),
        key=itemgetter(0),  # where each starts
    )
    pieces: list[bytes] = []
    changed: dict[tuple[int, int], tuple[CellValue | None, CellValue]] = {}
    done = 0
    for span in spans:
        new = values[(span.row, span.column)]
        patched = _patched(span, new)
        if patched is None:
            continue
        start, end, replacement, old = patched
        pieces += [xml[done:start], replacement]
        done = end
        changed[(span.row, span.column)] = (old, new)
    pieces.append(xml[done:])
    return b"".join(pieces), changed


def rewrite_formulas(xml: bytes, rewrite: Callable[[int, int, str], str]) -> bytes:
    """The part with the text of each formula replaced by ``rewrite(row, column, text)``."""
    pieces: list[bytes] = []
    done = 0
    for span, has_formula in _spans(xml):
        if not has_formula or span.body is None:
            continue
        formula = _FORMULA.search(span.body)
        assert formula is not None
        text = formula.group("text")
        if text is None:
            continue
        old = xml_unescape(text.decode())
        new = rewrite(span.row, span.column, old)
        if new == old:
            continue
        pieces += [
            xml[done : span.body_start + formula.start("text")],
            xml_escape(new).encode(),
        ]
        done = span.body_start + formula.end("text")
    pieces.append(xml[done:])
    return b"".join(pieces)
