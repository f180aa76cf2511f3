"""Dynamic arrays as Excel stores them: a formula that spills, its spilled values, and the
cell metadata that tells Excel 365 the formula is a dynamic array rather than a legacy
(Ctrl+Shift+Enter) array formula.

Excel writes a spilling formula on its anchor cell as an array formula over the range it spilled
into, with a cell metadata index: ``<c r="E2" cm="1"><f t="array" ref="E2:F4">...</f><v>..</v>
</c>``; the cells it spilled into hold plain values. ``cm`` points (1-based) at a ``<bk>`` of
``<cellMetadata>`` in the workbook's metadata part (``xl/metadata.xml``, related to the workbook
as ``sheetMetadata``), whose record names the metadata type ``XLDAPR`` and a ``<futureMetadata>``
block holding ``<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/>``. Without it, Excel
shows the formula as a legacy array formula, ``{=...}``, fixed to its range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from lxml import etree

from productive_xl.ooxml.cell_values import CellValue, ErrorValue, cell_position, cell_reference
from productive_xl.ooxml.cell_values import format_number as _number_text
from productive_xl.ooxml.package import WorkbookPackage, relationships_part
from productive_xl.ooxml.parts import CONTENT_TYPES, PackageEdit
from productive_xl.ooxml.sheet_cells import parse_keeping_prolog, serialise
from productive_xl.ooxml.workbook import workbook_part_of

METADATA_RELATIONSHIP: Final = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
)
METADATA_TYPE: Final = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
)
_MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XDA: Final = "http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray"
DYNAMIC_ARRAY_TYPE: Final = "XLDAPR"

# The metadata part Excel writes for a workbook whose only cell metadata is the dynamic-array
# flag: one type (XLDAPR, with the behaviours Excel lists for it), one future-metadata block
# saying "dynamic, not collapsed", and one cell-metadata record pointing at both.
METADATA_PART: Final = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<metadata xmlns="' + _MAIN.encode() + b'" xmlns:xda="' + _XDA.encode() + b'">'
    b'<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" '
    b'copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" '
    b'clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>'
    b'<futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    b'<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    b'<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk>'
    b"</futureMetadata>"
    b'<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>'
)


class NoDynamicArrayMetadata(Exception):
    """The workbook's metadata part holds no dynamic-array record to point a cell at."""


@dataclass
class MetadataChange:
    """The cell metadata index of a dynamic array, and the parts to add or replace for it."""

    index: str  # the cm attribute's value
    added: dict[str, bytes]
    replaced: dict[str, bytes]


def _dynamic_array_index(metadata: bytes) -> str | None:
    """The 1-based cellMetadata index of the dynamic-array record in ``metadata``; None if
    there is none."""
    root = etree.fromstring(metadata, etree.XMLParser(resolve_entities=False, no_network=True))
    main = f"{{{_MAIN}}}"
    types = root.findall(f"{main}metadataTypes/{main}metadataType")
    type_index = next(
        (i for i, t in enumerate(types, start=1) if t.get("name") == DYNAMIC_ARRAY_TYPE), None
    )
    future = next(
        (f for f in root.findall(f"{main}futureMetadata") if f.get("name") == DYNAMIC_ARRAY_TYPE),
        None,
    )
    if type_index is None or future is None:
        return None
    dynamic = [
        index
        for index, block in enumerate(future.findall(f"{main}bk"))
        if any(
            p.get("fDynamic") in ("1", "true") and p.get("fCollapsed", "0") in ("0", "false")
            for p in block.iter(f"{{{_XDA}}}dynamicArrayProperties")
        )
    ]
    for position, block in enumerate(root.findall(f"{main}cellMetadata/{main}bk"), start=1):
        for record in block.findall(f"{main}rc"):
            if record.get("t") == str(type_index) and int(record.get("v", "-1")) in dynamic:
                return str(position)
    return None


def dynamic_array_metadata(package: WorkbookPackage, workbook_part: str) -> MetadataChange:
    """The cm index that marks a cell as a dynamic array's anchor, adding the metadata part
    (with its content type and relationship) where the workbook has none.

    Raises :class:`NoDynamicArrayMetadata` when the workbook has a metadata part without such a
    record (one for other cell metadata only): adding one to it is not done here.
    """
    existing = workbook_part_of(package, METADATA_RELATIONSHIP)
    if existing is not None and package.has(existing):
        index = _dynamic_array_index(package.read(existing))
        if index is None:
            raise NoDynamicArrayMetadata(f"{existing} has no dynamic-array cell metadata")
        return MetadataChange(index, {}, {})
    rels = relationships_part(workbook_part)
    edit = PackageEdit({CONTENT_TYPES: package.read(CONTENT_TYPES), rels: package.read(rels)})
    part = (
        "xl/metadata.xml"
        if not package.has("xl/metadata.xml")
        else edit.unused_part("xl", "metadata", ".xml")
    )
    edit.add_part(part, METADATA_PART, METADATA_TYPE)
    edit.relate(workbook_part, METADATA_RELATIONSHIP, part)
    return MetadataChange("1", dict(edit.added), dict(edit.changed))


@dataclass
class Spill:
    """A dynamic array's anchor cell, the table it spills (None when it shows an error and
    spills nothing) and the range it spilled into before, as the file stores it."""

    anchor: tuple[int, int]
    table: Sequence[Sequence[CellValue]] | None
    stored_range: str | None

    @property
    def range(self) -> str:
        row, column = self.anchor
        height = len(self.table) if self.table else 1
        width = len(self.table[0]) if self.table else 1
        last = cell_reference(row + height - 1, column + width - 1)
        first = cell_reference(row, column)
        return first if last == first else f"{first}:{last}"

    def cells(self) -> dict[tuple[int, int], CellValue]:
        """The values of the cells it spills into, the anchor's own left out."""
        row, column = self.anchor
        return {
            (row + i, column + j): value
            for i, line in enumerate(self.table or ())
            for j, value in enumerate(line)
            if i or j
        }

    def stored_cells(self) -> set[tuple[int, int]]:
        """The cells of the range it spilled into before, the anchor's own left out."""
        if not self.stored_range:
            return set()
        first, _, last = self.stored_range.partition(":")
        top, left = cell_position(first)
        bottom, right = cell_position(last or first)
        return {
            (r, c)
            for r in range(top, bottom + 1)
            for c in range(left, right + 1)
            if (r, c) != self.anchor
        }


def _set_value(cell: etree._Element, main: str, value: CellValue | None) -> None:
    """Give a cell without a formula ``value`` (None: empty), its style kept."""
    for child in list(cell):
        if etree.QName(child).localname in ("v", "is"):
            cell.remove(child)
    if "t" in cell.attrib:
        del cell.attrib["t"]
    if value is None or value == "":
        return
    if isinstance(value, ErrorValue):
        cell.set("t", "e")
        etree.SubElement(cell, f"{main}v").text = value.code
    elif isinstance(value, bool):
        cell.set("t", "b")
        etree.SubElement(cell, f"{main}v").text = "1" if value else "0"
    elif isinstance(value, str):
        cell.set("t", "inlineStr")  # sharedStrings.xml, which every sheet shares, is left alone
        text = etree.SubElement(etree.SubElement(cell, f"{main}is"), f"{main}t")
        text.text = value
        if value != value.strip():
            text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    else:
        etree.SubElement(cell, f"{main}v").text = _number_text(float(value))


class _Sheet:
    """A worksheet part's rows and cells by position, to change and add cells in order."""

    def __init__(self, xml: bytes):
        self.prolog, self.root = parse_keeping_prolog(xml)
        self.main = f"{{{etree.QName(self.root).namespace or ''}}}"
        data = self.root.find(f"{self.main}sheetData")
        if data is None:
            raise ValueError("the worksheet has no sheetData")
        self.data = data
        self.rows: dict[int, etree._Element] = {}
        self.cells: dict[tuple[int, int], etree._Element] = {}
        for row in data.findall(f"{self.main}row"):
            number = int(row.get("r", "0"))
            self.rows[number] = row
            for cell in row.findall(f"{self.main}c"):
                reference = cell.get("r")
                if reference is None or not number:
                    raise ValueError("a row or cell is written without its position")
                self.cells[cell_position(reference)] = cell

    def cell(self, row: int, column: int) -> etree._Element:
        """The cell at (row, column), added in its place when the part has none."""
        found = self.cells.get((row, column))
        if found is not None:
            return found
        line = self.rows.get(row)
        if line is None:
            line = etree.Element(f"{self.main}row", r=str(row))
            after = [r for r in self.rows if r < row]
            if after:
                self.rows[max(after)].addnext(line)
            else:
                self.data.insert(0, line)
            self.rows[row] = line
        cell = etree.Element(f"{self.main}c", r=cell_reference(row, column))
        before = [c for (r, c) in self.cells if r == row and c < column]
        if before:
            self.cells[(row, max(before))].addnext(cell)
        else:
            line.insert(0, cell)
        self.cells[(row, column)] = cell
        spans = line.get("spans")
        if spans and ":" in spans:
            low, high = (int(x) for x in spans.split(":"))
            line.set("spans", f"{min(low, column)}:{max(high, column)}")
        return cell

    def widen_dimension(self) -> None:
        dimension = self.root.find(f"{self.main}dimension")
        if dimension is None or not self.cells:
            return
        rows = [r for r, _ in self.cells]
        columns = [c for _, c in self.cells]
        first = cell_reference(min(rows), min(columns))
        last = cell_reference(max(rows), max(columns))
        dimension.set("ref", first if first == last else f"{first}:{last}")

    def to_bytes(self) -> bytes:
        return serialise(self.prolog, self.root)


def write_spills(
    xml: bytes,
    spills: Sequence[Spill],
    metadata_index: str,
    strings: Sequence[str] = (),
) -> tuple[bytes, dict[tuple[int, int], tuple[CellValue | None, CellValue | None]]]:
    """The worksheet part with each spill written: its anchor marked as a dynamic array over
    the range it now spills into (``cm`` = ``metadata_index``), the values of that range, and
    the cells of the range it spilled into before emptied where it no longer reaches.
    ``strings`` are the workbook's shared strings, to tell the old value of a cell holding one.

    The anchor's own value is not written here (recalc patches it as any formula cell's). Returns
    the new part and each changed cell's (old, new) value. Raises ValueError for a part whose
    rows or cells do not say where they stand.
    """
    sheet = _Sheet(xml)
    changed: dict[tuple[int, int], tuple[CellValue | None, CellValue | None]] = {}
    for spill in spills:
        anchor = sheet.cells.get(spill.anchor)
        formula = anchor.find(f"{sheet.main}f") if anchor is not None else None
        if anchor is None or formula is None:
            continue
        anchor.set("cm", metadata_index)
        formula.set("t", "array")
        formula.set("ref", spill.range)
        for attribute in ("si", "aca", "ca"):
            if attribute in formula.attrib:
                del formula.attrib[attribute]
        new = spill.cells()
        for position in sorted(spill.stored_cells() - set(new)):
            cell = sheet.cells.get(position)
            if cell is not None and cell.find(f"{sheet.main}f") is None:
                old = _stored(cell, sheet.main, strings)
                _set_value(cell, sheet.main, None)
                if old is not None:
                    changed[position] = (old, None)
        for position, value in sorted(new.items()):
            cell = sheet.cell(*position)
            old = _stored(cell, sheet.main, strings)
            if old != value:
                _set_value(cell, sheet.main, value)
                changed[position] = (old, value)
    sheet.widen_dimension()
    return sheet.to_bytes(), changed


def _stored(cell: etree._Element, main: str, strings: Sequence[str]) -> CellValue | None:
    """A plain cell's value as stored."""
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(str(text) for text in cell.itertext())
    value = cell.find(f"{main}v")
    if value is None or value.text is None:
        return None
    if kind == "e":
        return ErrorValue(value.text)
    if kind == "b":
        return value.text == "1"
    if kind == "s":
        index = int(value.text)
        return strings[index] if 0 <= index < len(strings) else None
    if kind == "str":
        return value.text
    return float(value.text)
