"""Small workbook packages written byte by byte, for the tests of hostile input (issue 9).

Each is the least a workbook needs (content types, the workbook and its relationships, one
worksheet), so that a test can put one hostile thing into it and nothing else.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def sheet_xml(rows: str, before_data: str = "") -> bytes:
    """A worksheet part holding ``rows`` (the XML of its <row> elements)."""
    return (
        f'{_DECLARATION}<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">{before_data}'
        f"<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


def workbook_xml(sheets: int = 1, defined_names: str = "") -> bytes:
    """A workbook part of ``sheets`` sheets (Sheet1, Sheet2, ...) and the given <definedName>s."""
    listed = "".join(
        f'<sheet name="Sheet{n}" sheetId="{n}" r:id="rId{n}"/>' for n in range(1, sheets + 1)
    )
    names = f"<definedNames>{defined_names}</definedNames>" if defined_names else ""
    return (
        f'{_DECLARATION}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        f"<sheets>{listed}</sheets>{names}</workbook>"
    ).encode()


def _workbook_relationships(sheets: int) -> bytes:
    worksheet = f"{RELATIONSHIPS}/worksheet"
    listed = "".join(
        f'<Relationship Id="rId{n}" Type="{worksheet}" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    styles = (
        f'<Relationship Id="rId{sheets + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
    )
    return (
        f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">{listed}{styles}'
        "</Relationships>"
    ).encode()


_STYLES = (
    f'{_DECLARATION}<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/>'
    '<name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
).encode()


def workbook_members(
    sheet: bytes | None = None, *, sheets: int = 1, defined_names: str = ""
) -> dict[str, bytes]:
    """The members of a minimal workbook: ``sheet`` as every worksheet (a formula =1+1 in A1 when
    None), ``sheets`` of them, and ``defined_names``."""
    sheet = sheet or sheet_xml('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>')
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        f'ContentType="{_SPREADSHEET}.worksheet+xml"/>'
        for n in range(1, sheets + 1)
    )
    types = (
        f'{_DECLARATION}<Types xmlns="{_TYPES}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_SPREADSHEET}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_SPREADSHEET}.styles+xml"/>'
        f"{overrides}</Types>"
    ).encode()
    package_relationships = (
        f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ).encode()
    members = {
        "[Content_Types].xml": types,
        "_rels/.rels": package_relationships,
        "xl/workbook.xml": workbook_xml(sheets, defined_names),
        "xl/_rels/workbook.xml.rels": _workbook_relationships(sheets),
        "xl/styles.xml": _STYLES,
    }
    for n in range(1, sheets + 1):
        members[f"xl/worksheets/sheet{n}.xml"] = sheet
    return members


def write_package(
    path: Path,
    members: Mapping[str, bytes],
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """Write ``members`` as a zip at ``path``, in their order."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def write_workbook(path: Path, sheet: bytes | None = None, **options: object) -> Path:
    """:func:`workbook_members` written at ``path``."""
    return write_package(path, workbook_members(sheet, **options))  # type: ignore[arg-type]
