"""What a workbook package holds: its sheets and their parts, defined names, tables, date system."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from productive_xl.ooxml.cell_values import cell_position
from productive_xl.ooxml.package import (
    UnusableWorkbook,
    WorkbookPackage,
    relationships_part,
    resolved_target,
)
from productive_xl.ooxml.workbook_limits import check_workbook_limits

OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
STRICT_OFFICE_DOCUMENT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
WORKSHEET = "/worksheet"
TABLE = "/table"
EXTERNAL_LINK = "/externalLink"

# Parts are checked for DTDs before they get here; this parser also refuses to fetch or expand.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_comments=True
)


def parse_part(package: WorkbookPackage, name: str) -> etree._Element:
    """The root element of an XML part of the package."""
    try:
        return etree.fromstring(package.read(name), _PARSER)
    except etree.XMLSyntaxError as error:
        raise UnusableWorkbook(package.path, f"{name} is not well-formed XML ({error})") from None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # the part name, resolved against the source part; or the external target
    external: bool


def relationships(package: WorkbookPackage, part: str) -> list[Relationship]:
    """The relationships of ``part``, with internal targets resolved to part names."""
    rels_name = relationships_part(part)
    if not package.has(rels_name):
        return []
    found = []
    for element in parse_part(package, rels_name):
        if _local(element.tag) != "Relationship":
            continue
        target = element.get("Target", "")
        external = element.get("TargetMode") == "External"
        if not external:
            target = resolved_target(part, target)
        found.append(Relationship(element.get("Id", ""), element.get("Type", ""), target, external))
    return found


@dataclass(frozen=True)
class Table:
    """An Excel table (ListObject): its name, where it stands and its column names."""

    name: str
    sheet: str
    ref: str
    columns: tuple[str, ...]
    header_rows: int
    totals_rows: int
    part: str = ""  # the table part, e.g. "xl/tables/table1.xml"
    calculated: tuple[tuple[str, str], ...] = ()  # (column, calculatedColumnFormula) pairs

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        first, _, last = self.ref.partition(":")
        top, left = cell_position(first)
        bottom, right = cell_position(last or first)
        return top, left, bottom, right

    def holds(self, row: int, column: int) -> bool:
        top, left, bottom, right = self.bounds
        return top <= row <= bottom and left <= column <= right


@dataclass(frozen=True)
class DefinedName:
    name: str
    formula: str
    sheet: str | None  # the sheet it is local to, None for the whole workbook
    hidden: bool


@dataclass(frozen=True)
class Sheet:
    name: str
    part: str | None  # None for a chartsheet or dialog sheet, which holds no cells
    state: str  # visible, hidden, veryHidden


@dataclass
class WorkbookInfo:
    """The structure of the workbook that recalculation needs."""

    workbook_part: str
    sheets: list[Sheet]
    defined_names: list[DefinedName]
    tables: list[Table] = field(default_factory=list)
    date_1904: bool = False
    external_links: int = 0

    def sheet(self, name: str) -> Sheet:
        folded = name.casefold()
        return next(s for s in self.sheets if s.name.casefold() == folded)

    def worksheets(self) -> list[Sheet]:
        return [s for s in self.sheets if s.part is not None]


def _workbook_part(package: WorkbookPackage) -> str:
    for relationship in relationships(package, ""):
        if relationship.type in (OFFICE_DOCUMENT, STRICT_OFFICE_DOCUMENT):
            return relationship.target
    return "xl/workbook.xml"


def _tables(package: WorkbookPackage, sheet: Sheet) -> list[Table]:
    assert sheet.part is not None
    tables = []
    for relationship in relationships(package, sheet.part):
        if not relationship.type.endswith(TABLE) or not package.has(relationship.target):
            continue
        root = parse_part(package, relationship.target)
        column_elements = [c for c in root.iter() if _local(c.tag) == "tableColumn"]
        columns = tuple(c.get("name", "") for c in column_elements)
        calculated = tuple(
            (column.get("name", ""), formula.text or "")
            for column in column_elements
            for formula in column
            if _local(formula.tag) == "calculatedColumnFormula" and formula.get("array") != "1"
        )
        tables.append(
            Table(
                name=root.get("displayName") or root.get("name") or "",
                sheet=sheet.name,
                ref=root.get("ref", ""),
                columns=columns,
                header_rows=int(root.get("headerRowCount", "1")),
                totals_rows=int(root.get("totalsRowCount", "0")),
                part=relationship.target,
                calculated=calculated,
            )
        )
    return tables


def read_workbook(package: WorkbookPackage) -> WorkbookInfo:
    """Sheets, names, tables and date system of the workbook in ``package``."""
    part = _workbook_part(package)
    if not package.has(part):
        raise UnusableWorkbook(package.path, f"has no {part}: it is not an Excel workbook package")
    root = parse_part(package, part)
    targets = {r.id: r for r in relationships(package, part)}
    sheets: list[Sheet] = []
    names: list[DefinedName] = []
    date_1904 = False
    # Only the workbook element's own children count: Excel 2013 and later also write an
    # <x15:workbookPr> (without date1904) inside extLst, which must not reset the date system.
    children = {_local(child.tag): child for child in root}
    if "workbookPr" in children:
        date_1904 = children["workbookPr"].get("date1904", "0").lower() in ("1", "true")
    for element in children.get("sheets", ()):
        if _local(element.tag) != "sheet":
            continue
        rid = next((str(v) for k, v in element.attrib.items() if _local(k) == "id"), "")
        target = targets.get(rid)
        is_worksheet = target is not None and target.type.endswith(WORKSHEET)
        sheets.append(
            Sheet(
                element.get("name", ""),
                target.target if target is not None and is_worksheet else None,
                element.get("state", "visible"),
            )
        )
    for element in children.get("definedNames", ()):
        if _local(element.tag) == "definedName":
            local = element.get("localSheetId")
            names.append(
                DefinedName(
                    element.get("name", ""),
                    element.text or "",
                    sheets[int(local)].name
                    if local is not None and int(local) < len(sheets)
                    else None,
                    element.get("hidden", "0") in ("1", "true"),
                )
            )
    info = WorkbookInfo(part, sheets, names, date_1904=date_1904)
    info.external_links = sum(1 for r in targets.values() if r.type.endswith(EXTERNAL_LINK))
    for sheet in info.worksheets():
        info.tables += _tables(package, sheet)
    check_workbook_limits(package, info)
    return info


STYLES = "/styles"
SHARED_STRINGS = "/sharedStrings"
CALC_CHAIN = "/calcChain"


def workbook_part_of(package: WorkbookPackage, relationship_type: str) -> str | None:
    """The part the workbook part relates to with ``relationship_type`` (by its ending)."""
    for relationship in relationships(package, _workbook_part(package)):
        if relationship.type.endswith(relationship_type) and package.has(relationship.target):
            return relationship.target
    return None


def date_styles(package: WorkbookPackage) -> frozenset[int]:
    """The cell style indexes (``s=``) whose number format shows a date or a time."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format  # noqa: PLC0415

    part = workbook_part_of(package, STYLES)
    if part is None:
        return frozenset()
    root = parse_part(package, part)
    custom = {
        int(element.get("numFmtId", "0")): element.get("formatCode", "")
        for element in root.iter()
        if _local(element.tag) == "numFmt"
    }
    cell_formats = next((e for e in root if _local(e.tag) == "cellXfs"), None)
    found = set()
    for index, xf in enumerate(() if cell_formats is None else cell_formats):
        number_format = int(xf.get("numFmtId", "0"))
        code = custom.get(number_format, BUILTIN_FORMATS.get(number_format, ""))
        if is_date_format(code):
            found.add(index)
    return frozenset(found)
