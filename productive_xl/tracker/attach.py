"""``productive-xl attach``: give a team's own workbook the Productive ribbon and its VBA.

``attach(source, out)`` writes ``out`` (an .xlsm): ``source`` with

- ``xl/vbaProject.bin``: xlwings' module and productive_xl's (the PRODUCTIVE_* wrappers, the
  error-message store, the ribbon's callbacks); a workbook that has VBA keeps its own modules
  and references beside ours, and attaching again replaces our modules rather than adding them
  twice;
- ``customUI/customUI14.xml``: the Productive ribbon tab;
- the sheets Inputs, Checks and xlwings.conf, each only where the workbook lacks it.

Every existing part is copied byte for byte, except the parts that must declare the new ones:
``[Content_Types].xml`` (the new parts' types, and the workbook's becomes macro-enabled),
``_rels/.rels`` (the ribbon), the workbook part (the new sheets and names) and its relationships.
Into those the declarations are inserted (by :mod:`productive_xl.ooxml.parts`, which also reads
them in whatever quotes and prefixes they were written); nothing in them is rewritten. One thing
is removed: a VBA project's digital signature, which no longer matches once the project changes
(Excel drops it too when a signed project is edited).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Final

from productive_xl.headless.unusable_input import as_unusable
from productive_xl.ooxml.file_guard import FileGuard, guarded
from productive_xl.ooxml.new_parts import table_xml, worksheet_xml
from productive_xl.ooxml.package import (
    UnusableWorkbook,
    WorkbookPackage,
    open_package,
    relationships_part,
)
from productive_xl.ooxml.parts import TABLE_RELATIONSHIP, TABLE_TYPE, PackageEdit, UneditablePart
from productive_xl.ooxml.workbook import WorkbookInfo, parse_part, read_workbook, relationships
from productive_xl.ooxml.writer import WriteTogether, write_package
from productive_xl.tracker.attach_sheets import (
    SheetWithNames,
    checks_sheet,
    inputs_sheet,
    xlwings_conf_sheet,
)
from productive_xl.tracker.vba_sources import custom_ui_part, tracker_modules
from productive_xl.vbaproject.project import (
    OFFICE_GUID,
    OFFICE_LIBID,
    STDOLE_GUID,
    STDOLE_LIBID,
    Module,
    registered_reference,
    vba_project,
)
from productive_xl.vbaproject.reading import UnreadableVbaProject, read_vba_project

MACRO_ENABLED_WORKBOOK: Final = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA_PROJECT_TYPE: Final = "application/vnd.ms-office.vbaProject"
VBA_PROJECT_RELATIONSHIP: Final = (
    "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
)
RIBBON_RELATIONSHIP: Final = (
    "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
)
CUSTOM_UI_PART: Final = "customUI/customUI14.xml"
_STRICT_MAIN: Final = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
# A marker of our own ribbon part, so that attaching again replaces it.
_OUR_RIBBON: Final = b'id="productiveTab"'


@dataclass
class AttachResult:
    """What attaching did, for the command line to report."""

    out: Path
    sheets_added: list[str] = field(default_factory=list)
    modules_kept: list[str] = field(default_factory=list)
    modules_added: list[str] = field(default_factory=list)
    parts_removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"wrote {self.out}: the Productive ribbon and its VBA project"]
        lines.append(f"  VBA modules added: {', '.join(self.modules_added)}")
        if self.modules_kept:
            lines.append(f"  the workbook's own VBA modules kept: {', '.join(self.modules_kept)}")
        sheets = ", ".join(self.sheets_added) or "none (the workbook has them)"
        lines.append(f"  sheets added: {sheets}")
        if self.parts_removed:
            lines.append(
                "  removed, as it no longer matches the VBA project: "
                + ", ".join(self.parts_removed)
            )
        return "\n".join(lines)


class _Edit(PackageEdit):
    """The parts of the package being changed, with the package and what it holds."""

    def __init__(self, package: WorkbookPackage, info: WorkbookInfo):
        super().__init__(package.contents)
        self.package = package
        self.info = info


def attach(source: Path, out: Path) -> AttachResult:
    """Write ``out``: ``source`` with the Productive ribbon, VBA project and missing sheets.

    Raises UnusableWorkbook (naming the file and the problem) for a file that is not a workbook
    that can be attached to, and ValueError for an ``out`` that is not an .xlsm. ``out`` may be
    ``source``; it is written atomically, so a failure leaves it as it was. Both files are
    locked meanwhile, and nothing is written if ``source`` changed
    (:mod:`~productive_xl.ooxml.file_guard`).
    """
    if out.suffix.lower() != ".xlsm":
        raise ValueError(f"{out}: a workbook with macros must be saved as .xlsm")
    with guarded(source, out) as guard:
        try:
            return _attach(source, out, guard)
        except Exception as error:
            unusable = as_unusable(source, error)
            if unusable is None:
                raise
            raise unusable from None


def _attach(source: Path, out: Path, guard: FileGuard) -> AttachResult:
    package = open_package(source)
    info = read_workbook(package)
    if _STRICT_MAIN in package.read(info.workbook_part):
        # Our parts are Transitional; mixing the two in one package is not valid.
        raise UnusableWorkbook(
            source, "is saved as Strict Open XML; save it as an ordinary Excel workbook first"
        )
    edit = _Edit(package, info)
    result = AttachResult(out)
    try:
        _attach_vba(edit, result)
        _attach_ribbon(edit)
        _add_sheets(edit, result)
    except UneditablePart as error:
        raise UnusableWorkbook(source, str(error)) from None
    with WriteTogether(before_moving=guard.check_unchanged) as together:
        write_package(package, edit.changed, out, edit.added, edit.removed, together=together)
        together.commit()
    return result


def _attach_vba(edit: _Edit, result: AttachResult) -> None:
    workbook = edit.info.workbook_part
    ours = tracker_modules()
    result.modules_added = [m.name for m in ours]
    existing = [
        r for r in relationships(edit.package, workbook) if r.type == VBA_PROJECT_RELATIONSHIP
    ]
    if existing and edit.package.has(existing[0].target):
        part = existing[0].target
        try:
            project = read_vba_project(edit.package.read(part))
        except UnreadableVbaProject as error:
            raise UnusableWorkbook(
                edit.package.path, f"its VBA project ({part}): {error}"
            ) from None
        our_names = {m.name.casefold() for m in ours}
        kept = [m for m in project.modules if m.name.casefold() not in our_names]
        result.modules_kept = [m.name for m in kept]
        modules: list[Module] = [*kept, *ours]
        references = project.references + _missing(project.references)
        try:
            rebuilt = vba_project(modules, project.name, project.code_page, references)
        except ValueError as error:
            raise UnusableWorkbook(
                edit.package.path, f"its VBA project ({part}) cannot be rebuilt: {error}"
            ) from None
        edit.add_part(part, rebuilt, VBA_PROJECT_TYPE)
        _drop_signature(edit, part, result)
    else:
        part = str(PurePosixPath(workbook).parent / "vbaProject.bin")
        edit.add_part(part, vba_project(ours), VBA_PROJECT_TYPE)
        edit.relate(workbook, VBA_PROJECT_RELATIONSHIP, part)
    edit.declare(workbook, MACRO_ENABLED_WORKBOOK)


def _missing(references: bytes) -> bytes:
    """Our references (stdole and the Office library) that ``references`` lacks."""
    missing = b""
    held = references.upper()
    for name, guid, libid in (
        ("stdole", STDOLE_GUID, STDOLE_LIBID),
        ("Office", OFFICE_GUID, OFFICE_LIBID),
    ):
        if guid.encode() not in held:
            missing += registered_reference(name, libid)
    return missing


def _drop_signature(edit: _Edit, part: str, result: AttachResult) -> None:
    for relationship in relationships(edit.package, part):
        if not relationship.external and edit.package.has(relationship.target):
            edit.remove_part(relationship.target)
            result.parts_removed.append(relationship.target)
    rels = relationships_part(part)
    if edit.has(rels):  # its relationships were the old project's
        edit.remove_part(rels)


def _attach_ribbon(edit: _Edit) -> None:
    ribbon = custom_ui_part()
    for relationship in relationships(edit.package, ""):
        if relationship.type != RIBBON_RELATIONSHIP:
            continue
        target = relationship.target
        if edit.package.has(target) and _OUR_RIBBON not in edit.package.read(target):
            raise UnusableWorkbook(
                edit.package.path,
                f"has a ribbon customisation of its own ({target}); attach would replace it",
            )
        edit.write(target, ribbon)
        return
    edit.add_part(CUSTOM_UI_PART, ribbon, "application/xml")
    edit.relate("", RIBBON_RELATIONSHIP, CUSTOM_UI_PART)


def _add_sheets(edit: _Edit, result: AttachResult) -> None:
    present = {s.name.casefold() for s in edit.info.sheets}
    wanted = [inputs_sheet(), checks_sheet(), xlwings_conf_sheet()]
    to_add = [w for w in wanted if w.sheet.name.casefold() not in present]
    if not to_add:
        return
    _check_names_free(edit, to_add)
    workbook = edit.info.workbook_part
    next_table_id = _max_table_id(edit) + 1
    names: dict[str, str] = {}
    for wanted_sheet in to_add:
        sheet = wanted_sheet.sheet
        part = edit.unused_part("xl/worksheets", "sheet", ".xml")
        table_ids = []
        for block in sheet.tables:
            table_part = edit.unused_part("xl/tables", "table", ".xml")
            edit.add_part(table_part, table_xml(block, next_table_id), TABLE_TYPE)
            next_table_id += 1
            table_ids.append(edit.relate(part, TABLE_RELATIONSHIP, table_part))
        edit.add_sheet(
            workbook, sheet.name, part, worksheet_xml(sheet, table_ids), hidden=wanted_sheet.hidden
        )
        names.update(wanted_sheet.names)
        result.sheets_added.append(sheet.name)
    edit.add_defined_names(workbook, names)


def _check_names_free(edit: _Edit, to_add: list[SheetWithNames]) -> None:
    """Refuse to add a table whose name the workbook already uses for a table or a name."""
    used = {t.name.casefold() for t in edit.info.tables}
    used |= {n.name.casefold() for n in edit.info.defined_names}
    for wanted in to_add:
        for block in wanted.sheet.tables:
            assert block.table is not None
            if block.table.casefold() in used:
                raise UnusableWorkbook(
                    edit.package.path,
                    f"already uses the name {block.table}, which the {wanted.sheet.name} sheet "
                    "that attach adds needs for its table; rename it first",
                )


def _max_table_id(edit: _Edit) -> int:
    """The highest id of the workbook's tables, which must be unique in the workbook."""
    highest = 0
    for name in edit.package.contents:
        if name.startswith("xl/tables/") and name.endswith(".xml"):
            found = parse_part(edit.package, name).get("id", "")
            if found.strip().isdigit():
                highest = max(highest, int(found))
    return highest


__all__ = ["MACRO_ENABLED_WORKBOOK", "AttachResult", "attach"]
