"""Find the formula cells of a worksheet part and rewrite their cached values, byte for byte.

The part is never parsed and serialised again: that would change quoting, namespace prefixes
and empty-element forms that Excel and other tools rely on. Cells are found with a scanner over
the raw bytes, and only the ``t`` attribute and the ``<v>`` element of the cells whose value
changes are rewritten; every other byte of the part stays where it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

from productive_xl.ooxml.cell_values import (
    CellValue,
    cell_position,
    encoded_value,
    same_value,
    stored_value,
    xml_unescape,
)

# A cell element, self-closing or with a body, in any namespace prefix; or a row's start tag,
# which tells the row of cells written without an r attribute.
_ELEMENT = re.compile(
    rb"<(?:(?P<rp>[A-Za-z_][\w.-]*:)?row(?=[\s>/])(?P<rattrs>[^>]*)>)"
    rb"|<(?P<p>[A-Za-z_][\w.-]*:)?c(?=[\s>/])(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</(?P=p)?c>)",
    re.S,
)
_ATTRIBUTE = re.compile(rb"""\s([\w:.-]+)\s*=\s*("[^"]*"|'[^']*')""")
_FORMULA = re.compile(
    rb"<(?:[\w.-]+:)?f(?=[\s>/])(?P<attrs>[^>]*?)(?:/>|>(?P<text>.*?)</(?:[\w.-]+:)?f>)", re.S
)
_VALUE = re.compile(rb"<(?P<p>[\w.-]+:)?v(?:\s*/>|>(?P<text>.*?)</(?:[\w.-]+:)?v>)", re.S)


def _attributes(raw: bytes) -> dict[str, str]:
    return {m.group(1).decode(): m.group(2)[1:-1].decode() for m in _ATTRIBUTE.finditer(raw)}


@dataclass(frozen=True)
class FormulaCell:
    """A cell whose value a formula gives: its own formula, or a place in an array's range."""

    row: int
    column: int
    has_formula: bool  # False for a cell that an array formula's result fills
    formula: str | None  # the text of <f>; None where a shared formula's first cell holds it
    formula_type: str | None  # None (normal), "shared", "array" (legacy or dynamic)
    array_range: str | None  # the ref of an array formula, on its top-left cell
    shared_index: str | None
    cached: CellValue | None

    @property
    def position(self) -> tuple[int, int]:
        return self.row, self.column


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    row: int
    column: int
    attrs: bytes
    body: bytes | None
    body_start: int
    prefix: bytes


def _cached(span: _Span) -> CellValue | None:
    value = _VALUE.search(span.body or b"")
    if value is None:
        return None
    text = value.group("text")
    return stored_value(_attributes(span.attrs).get("t"), text.decode() if text is not None else "")


def _array_cells(reference: str) -> tuple[int, int, int, int]:
    first, _, last = reference.partition(":")
    top, left = cell_position(first)
    bottom, right = cell_position(last or first)
    return top, left, bottom, right


def _spans(xml: bytes) -> Iterator[tuple[_Span, bool]]:
    """Every cell of the part with its position, and whether it holds a formula."""
    row = 0
    column = 0
    for match in _ELEMENT.finditer(xml):
        if match.group("rattrs") is not None:
            given = _attributes(match.group("rattrs")).get("r")
            row = int(given) if given else row + 1
            column = 0
            continue
        attrs = match.group("attrs")
        reference = _attributes(attrs).get("r")
        if reference:
            row, column = cell_position(reference)
        else:
            column += 1
        body = match.group("body")
        span = _Span(
            match.start(),
            match.end(),
            row,
            column,
            attrs,
            body,
            match.start("body"),
            match.group("p") or b"",
        )
        yield span, body is not None and _FORMULA.search(body) is not None


def formula_cells(xml: bytes) -> dict[tuple[int, int], FormulaCell]:
    """The cells of a worksheet part whose values formulas give, by (row, column)."""
    cells: dict[tuple[int, int], FormulaCell] = {}
    arrays: list[tuple[int, int, int, int]] = []
    for span, has_formula in _spans(xml):
        if has_formula:
            formula = _FORMULA.search(span.body or b"")
            assert formula is not None
            fattrs = _attributes(formula.group("attrs"))
            kind = fattrs.get("t")
            text = formula.group("text")
            array_range = fattrs.get("ref") if kind == "array" else None
            if array_range:
                arrays.append(_array_cells(array_range))
            cells[(span.row, span.column)] = FormulaCell(
                span.row,
                span.column,
                True,
                xml_unescape(text.decode()) if text is not None else None,
                kind,
                array_range,
                fattrs.get("si"),
                _cached(span),
            )
        elif arrays and any(
            top <= span.row <= bottom and left <= span.column <= right
            for top, left, bottom, right in arrays
        ):
            cells[(span.row, span.column)] = FormulaCell(
                span.row, span.column, False, None, None, None, None, _cached(span)
            )
    return cells


def _with_type(attrs: bytes, cell_type: str | None) -> bytes:
    existing = re.search(rb"""\st\s*=\s*("[^"]*"|'[^']*')""", attrs)
    if cell_type is None:
        if existing is None or existing.group(1)[1:-1] == b"n":
            return attrs
        return attrs[: existing.start()] + attrs[existing.end() :]
    new = f' t="{cell_type}"'.encode()
    if existing is None:
        # keep a trailing "/" of a self-closing tag out of the way
        return attrs.rstrip(b"/") + new
    return attrs[: existing.start()] + new + attrs[existing.end() :]


def _with_value(span: _Span, text: str) -> bytes:
    v = span.prefix + b"v"
    element = b"<" + v + b">" + text.encode() + b"</" + v + b">"
    body = span.body or b""
    existing = _VALUE.search(body)
    if existing:
        return body[: existing.start()] + element + body[existing.end() :]
    formula = _FORMULA.search(body)
    at = formula.end() if formula else 0
    return body[:at] + element + body[at:]


def patch_values(
    xml: bytes, values: Mapping[tuple[int, int], CellValue]
) -> tuple[bytes, dict[tuple[int, int], tuple[CellValue | None, CellValue]]]:
    """Write ``values`` (by row and column) into the cached values of their cells.

    Returns the new part and, for each cell whose value changed, (old value, new value). A cell
    that already stores its new value keeps its bytes, so a second run changes nothing.
    """
    pieces: list[bytes] = []
    changed: dict[tuple[int, int], tuple[CellValue | None, CellValue]] = {}
    done = 0
    for span, _ in _spans(xml):
        new = values.get((span.row, span.column))
        if new is None:
            continue
        old = _cached(span)
        if same_value(old, new):
            continue
        cell_type, text = encoded_value(new)
        attrs = _with_type(span.attrs, cell_type)
        c = span.prefix + b"c"
        pieces += [
            xml[done : span.start],
            b"<" + c + attrs + b">",
            _with_value(span, text),
            b"</" + c + b">",
        ]
        done = span.end
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
        pieces += [xml[done : span.body_start + formula.start("text")], escape(new).encode()]
        done = span.body_start + formula.end("text")
    pieces.append(xml[done:])
    return b"".join(pieces)
