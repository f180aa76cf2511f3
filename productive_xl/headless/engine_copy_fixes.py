"""What the engine's copy changes so that IronCalc 0.9.1 loads a valid workbook it would refuse.

Each change is made to the copy only; the user's file keeps its bytes, and every cell whose
value the change could alter is reported rather than given the engine's value:

* **Strict Open XML** (namespaces ``http://purl.oclc.org/ooxml/...``): the engine knows the
  Transitional namespaces only (it stops at ``Missing "r:id" XML attribute``). Strict and
  Transitional SpreadsheetML describe cells, formulas and styles with the same elements, so the
  copy has every Strict namespace and relationship type written as its Transitional twin, and
  every date Strict writes as ISO 8601 text (``t="d"``, ``1990-01-01``) as the serial number
  Transitional writes (in the workbook's date system). A Strict URI with no known twin, or a
  date that is not plain ISO 8601, makes the translation unsound: :class:`UntranslatableStrict`
  is raised and the workbook keeps every value.
* **Data tables** (``<f t="dataTable" ...>``, shown in Excel as ``{=TABLE(...)}``): the engine
  refuses them ("data table formulas"); the copy keeps the values Excel stored in their cells
  as constants, and recalc reports those cells and every cell depending on them.
* **A sheet without a part** (``<sheet r:id=""/>``, as LibreOffice leaves a macro sheet it did
  not keep): the engine panics; the copy gives it an empty part, and recalc reports every
  formula reading it.
* **A style sheet without ``<cellStyles>``**: the engine panics; the copy has the one every
  workbook has, Normal.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from datetime import date

from productive_xl.ooxml.cell_values import xml_unescape
from productive_xl.ooxml.parts import WORKSHEET_RELATIONSHIP, WORKSHEET_TYPE, PackageEdit

STRICT_MARK = b"http://purl.oclc.org/ooxml/"
_TRANSITIONAL = "http://schemas.openxmlformats.org/"

# Strict URI (after http://purl.oclc.org/ooxml/) -> Transitional URI (after
# http://schemas.openxmlformats.org/), per ECMA-376 Part 1 (Strict) and Part 4 (Transitional).
_STRICT_URIS = {
    "spreadsheetml/main": "spreadsheetml/2006/main",
    "officeDocument/relationships": "officeDocument/2006/relationships",
    "officeDocument/extendedProperties": "officeDocument/2006/extended-properties",
    "officeDocument/customProperties": "officeDocument/2006/custom-properties",
    "officeDocument/docPropsVTypes": "officeDocument/2006/docPropsVTypes",
    "officeDocument/sharedTypes": "officeDocument/2006/sharedTypes",
    "officeDocument/math": "officeDocument/2006/math",
    "officeDocument/bibliography": "officeDocument/2006/bibliography",
    "officeDocument/customXml": "officeDocument/2006/customXml",
    "drawingml/main": "drawingml/2006/main",
    "drawingml/spreadsheetDrawing": "drawingml/2006/spreadsheetDrawing",
    "drawingml/chart": "drawingml/2006/chart",
    "drawingml/chartDrawing": "drawingml/2006/chartDrawing",
    "drawingml/picture": "drawingml/2006/picture",
    "drawingml/diagram": "drawingml/2006/diagram",
    "drawingml/lockedCanvas": "drawingml/2006/lockedCanvas",
    "drawingml/compatibility": "drawingml/2006/compatibility",
}
# Relationship types (after .../officeDocument/relationships/) whose names differ.
_STRICT_RELATIONSHIP_TYPES = {
    "extendedProperties": "extended-properties",
    "customProperties": "custom-properties",
}
_STRICT_URI = re.compile(rb"http://purl\.oclc\.org/ooxml/([A-Za-z]+/[A-Za-z]+)(/[A-Za-z-]+)?")
# Start tags are matched with [^<>], never [^>]: no "<" stands in one, so a match cannot run
# on past the next tag (from each of thousands of "<c " in a comment, to its end).
_ISO_DATE_CELL = re.compile(rb"""<(?:[\w.-]+:)?c\b[^<>]*\st\s*=\s*["']d["']""")
# A cell typed t="d" and its value: the start tag (split around t), then the body up to </c>.
_DATE_CELL = re.compile(
    rb"""(<(?:[\w.-]+:)?c\b[^<>]*?)\st\s*=\s*["']d["']([^<>]*>)"""
    # the body: anything up to the cell's end tag, but never another cell's start
    rb"([^<]*(?:<(?!(?:[\w.-]+:)?c[\s>/]|/(?:[\w.-]+:)?c\s*>)[^<]*)*)"
    rb"(</(?:[\w.-]+:)?c\s*>)",
)
_DATE_VALUE = re.compile(rb"(<(?:[\w.-]+:)?v\s*>)([^<]*)(<)")
_ISO = re.compile(r"(?:(\d{4})-(\d{2})-(\d{2}))?(?:T?(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?Z?")


def _serial(text: str, date_1904: bool) -> str:
    """The serial number Excel gives the ISO 8601 date or time ``text`` in its date system.

    A time alone is a fraction of a day; Excel writes the serial 0 (a time alone, in the 1900
    system) as 1899-12-30. The days Excel counts before 1 March 1900 (one of them a 29 February
    that never was) are not translated.
    """
    found = _ISO.fullmatch(text.strip())
    if found is None or not text.strip():
        raise UntranslatableStrict(f"a date not in plain ISO 8601: {text!r}")
    hour, minute, second = (int(found.group(i) or 0) for i in (4, 5, 6))
    fraction = float(found.group(7)) if found.group(7) else 0.0
    days = 0
    if found.group(1):
        year, month, day = (int(found.group(i)) for i in (1, 2, 3))
        try:
            first = date(1904, 1, 1) if date_1904 else date(1899, 12, 30)
            days = (date(year, month, day) - first).days
        except ValueError:
            raise UntranslatableStrict(f"a date not in plain ISO 8601: {text!r}") from None
        if days < 0 or (not date_1904 and 0 < days < 61):
            raise UntranslatableStrict(f"a date before March 1900: {text!r}")
    serial = days + (hour * 3600 + minute * 60 + second + fraction) / 86400
    return repr(serial) if serial != int(serial) else str(int(serial))


def _serial_dates(sheet: bytes, date_1904: bool) -> bytes:
    def cell(match: re.Match[bytes]) -> bytes:
        body = _DATE_VALUE.sub(
            lambda v: v.group(1) + _serial(v.group(2).decode(), date_1904).encode() + v.group(3),
            match.group(3),
        )
        return match.group(1) + match.group(2) + body + match.group(4)

    return _DATE_CELL.sub(cell, sheet)


class UntranslatableStrict(Exception):
    """A Strict Open XML workbook whose translation for the engine would not be sound."""


def _translated(match: re.Match[bytes]) -> bytes:
    stem = match.group(1).decode()
    tail = (match.group(2) or b"").decode()
    if stem not in _STRICT_URIS:
        raise UntranslatableStrict(f"a Strict Open XML namespace with no Transitional twin: {stem}")
    if stem == "officeDocument/relationships" and tail:
        kind = tail[1:]
        tail = "/" + _STRICT_RELATIONSHIP_TYPES.get(kind, kind)
    elif tail:  # a URI below one of the namespaces above: not one this translation knows
        raise UntranslatableStrict(f"a Strict Open XML URI not known here: {stem}{tail}")
    return (_TRANSITIONAL + _STRICT_URIS[stem] + tail).encode()


def is_strict(parts: dict[str, bytes], workbook_part: str) -> bool:
    return STRICT_MARK in parts.get(workbook_part, b"")


def strict_to_transitional(
    parts: dict[str, bytes], worksheets: set[str], date_1904: bool
) -> dict[str, bytes]:
    """Every XML part of ``parts`` with its Strict URIs written as their Transitional twins,
    and the ISO 8601 dates of the ``worksheets`` as serial numbers.

    Raises :class:`UntranslatableStrict` when a part holds a Strict URI this does not know, or a
    date this cannot read.
    """
    translated: dict[str, bytes] = {}
    for name, original in parts.items():
        data = original
        if name in worksheets and _ISO_DATE_CELL.search(data):
            data = _serial_dates(data, date_1904)
        translated[name] = _STRICT_URI.sub(_translated, data) if STRICT_MARK in data else data
    return translated


# The <f> of a data table's first cell, in any namespace prefix, empty or not.
_DATA_TABLE_FORMULA = re.compile(
    rb"""<((?:[\w.-]+:)?f)\b(?=[^<>]*\bt\s*=\s*["']dataTable["'])[^<>]*?(?:/>|>[^<]*</\1\s*>)"""
)
_REF = re.compile(rb"""\bref\s*=\s*["']([^"']*)["']""")


def data_table_ranges(sheet: bytes) -> Iterator[str]:
    """The ranges (``C4:C8``) that the data tables of a worksheet part fill."""
    if b"dataTable" not in sheet:
        return
    for match in _DATA_TABLE_FORMULA.finditer(sheet):
        ref = _REF.search(match.group(0))
        if ref:
            yield ref.group(1).decode()


def without_data_tables(sheet: bytes) -> bytes:
    """``sheet`` with the formulas of its data tables taken out: their cells keep their values."""
    if b"dataTable" not in sheet:
        return sheet
    return _DATA_TABLE_FORMULA.sub(b"", sheet)


_CELL_STYLES = re.compile(rb"<(?:[\w.-]+:)?cellStyle\b")
_STYLE_PLACES = (
    re.compile(rb"</(?:[\w.-]+:)?cellXfs\s*>"),
    re.compile(rb"<(?:[\w.-]+:)?cellXfs\b[^<>]*/>"),
)
_DEFAULT_CELL_STYLES = b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'


def with_cell_styles(styles: bytes) -> bytes:
    """``styles`` with the Normal cell style where it declares none (the engine needs one)."""
    if _CELL_STYLES.search(styles):
        return styles
    prefix = re.match(rb"\s*(?:<\?[^>]*\?>\s*)?<([\w.-]+:)?styleSheet\b", styles)
    element = _DEFAULT_CELL_STYLES + b"</cellStyles>"
    if prefix and prefix.group(1):
        p = prefix.group(1)
        element = element.replace(b"<cell", b"<" + p + b"cell").replace(
            b"</cell", b"</" + p + b"cell"
        )
    empty = re.search(
        rb"<(?:[\w.-]+:)?cellStyles\b[^>]*(?:/>|>\s*</(?:[\w.-]+:)?cellStyles\s*>)", styles
    )
    if empty:
        return styles[: empty.start()] + element + styles[empty.end() :]
    for place in _STYLE_PLACES:
        found = place.search(styles)
        if found:
            return styles[: found.end()] + element + styles[found.end() :]
    return styles


_SHEET_ELEMENT = re.compile(rb"<(?:[\w.-]+:)?sheet\b[^<>]*>")
_SHEET_RID = re.compile(rb"""(\s[\w.-]+:id\s*=\s*)(["'])([^"']*)\2""")
_SHEET_NAME = re.compile(rb"""\sname\s*=\s*(["'])([^"']*)\1""")
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\s[^<>]*>")
_ATTRIBUTE = r"""\s{}\s*=\s*(["'])([^"']*)\1"""
_EMPTY_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
    b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
)


def _internal_targets(rels: bytes, workbook_part: str) -> dict[str, str]:
    """Relationship Id -> the part it targets (internal relationships only)."""
    found: dict[str, str] = {}
    folder = posixpath.dirname(workbook_part)
    for element in _RELATIONSHIP.findall(rels):
        rid = re.search(_ATTRIBUTE.format("Id").encode(), element)
        target = re.search(_ATTRIBUTE.format("Target").encode(), element)
        if rid is None or target is None or b"External" in element:
            continue
        path = target.group(2).decode()
        part = path.lstrip("/") if path.startswith("/") else posixpath.join(folder, path)
        found[rid.group(2).decode()] = posixpath.normpath(part)
    return found


def with_sheet_parts(
    parts: dict[str, bytes], workbook_part: str
) -> tuple[dict[str, bytes], set[str]]:
    """The parts to change and add so that every sheet of the workbook has a part, and the
    names of the sheets that had none (their cells are unknown)."""
    workbook = parts.get(workbook_part)
    rels_name = posixpath.join(
        posixpath.dirname(workbook_part), "_rels", posixpath.basename(workbook_part) + ".rels"
    )
    if workbook is None or rels_name not in parts:
        return {}, set()
    targets = _internal_targets(parts[rels_name], workbook_part)
    missing: list[tuple[bytes, str]] = []
    for element in _SHEET_ELEMENT.findall(workbook):
        rid = _SHEET_RID.search(element)
        name = _SHEET_NAME.search(element)
        if rid is None or name is None:
            continue
        target = targets.get(rid.group(3).decode())
        if target is None or target not in parts:
            missing.append((element, xml_unescape(name.group(2).decode())))
    if not missing:
        return {}, set()
    edit = PackageEdit(parts)
    folder = posixpath.join(posixpath.dirname(workbook_part), "worksheets")
    for element, _ in missing:
        part = edit.unused_part(folder, "productive_xl_missing", ".xml")
        edit.add_part(part, _EMPTY_SHEET, WORKSHEET_TYPE)
        new_rid = edit.relate(workbook_part, WORKSHEET_RELATIONSHIP, part)
        rid = _SHEET_RID.search(element)
        assert rid is not None  # only elements with one are missing
        fixed = element[: rid.start(3)] + new_rid.encode() + element[rid.end(3) :]
        edit.write(workbook_part, edit.read(workbook_part).replace(element, fixed, 1))
    names = {name for _, name in missing}
    return {**edit.changed, **edit.added}, names
