"""`productive-xl attach` on workbooks whose XML is written otherwise than Excel writes it.

openpyxl writes an empty ``<definedNames/>`` when a workbook has no names: attach fills that one
instead of adding a second (two make the file invalid). A workbook edited by hand, or by another
tool, may write its declarations in single quotes, with spaces around "=", under other prefixes,
and with relationship and sheet ids out of order: the new ids follow the highest ones there,
whatever their quotes. The ids expected are worked out by hand from the XML each test writes.
Each result is read back by lxml, by openpyxl and by LibreOffice.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from libreoffice import SOFFICE, recalculate_with_libreoffice
from lxml import etree
from packages import edited_copy, members

from productive_xl.core.financial_year import FinancialYear
from productive_xl.tracker.attach import attach
from productive_xl.tracker.template.inputs import assumptions

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKSHEET = f"{REL}/worksheet"
VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
RIBBON = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
MACRO_ENABLED = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
# The template's Inputs, cell for cell: tblAssumptions' unit row on row 6, its header on row 7,
# its first value (Organisation) in B8, one name a row; the master check in Checks!C2, and the
# refresh's stamp beside it on row 4.
OUR_NAMES = {
    str(a.name): f"'Inputs'!$B${8 + i}" for i, a in enumerate(assumptions(FinancialYear(2025)))
} | {
    "MasterCheck": "'Checks'!$C$2",
    "RefreshedAt": "'Checks'!$C$4",
    "RefreshedBy": "'Checks'!$E$4",
}
THIS_YEAR = FinancialYear.containing(date.today()).label


def _openpyxl_workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    register = book.active
    assert register is not None
    register.title = "Register"
    register["A1"] = "Line"
    book.create_sheet("Notes")["A1"] = "Kept as it was"
    book.save(path)


def _sheets(workbook: bytes) -> list[tuple[str, str, str]]:
    """(name, sheetId, relationship id) of each sheet, in order, read by lxml."""
    root = etree.fromstring(workbook)
    return [
        (s.get("name", ""), s.get("sheetId", ""), s.get(f"{{{REL}}}id", ""))
        for s in root.iter(f"{{{MAIN}}}sheet")
    ]


def _relationships(rels: bytes) -> dict[str, tuple[str, str]]:
    """Id -> (type, target) of each relationship; an Id used twice fails the test."""
    found: dict[str, tuple[str, str]] = {}
    for element in etree.fromstring(rels).iter(f"{{{PKG}}}Relationship"):
        rid = element.get("Id", "")
        assert rid not in found, f"{rid} used twice"
        found[rid] = (element.get("Type", ""), element.get("Target", ""))
    return found


def _defined_names(workbook: bytes) -> list[dict[str, str]]:
    """The names in each <definedNames> element of the workbook part (there must be one)."""
    root = etree.fromstring(workbook)
    return [
        {n.get("name", ""): n.text or "" for n in group}
        for group in root.iter(f"{{{MAIN}}}definedNames")
    ]


def _openpyxl_reads_it(out: Path) -> None:
    book = openpyxl.load_workbook(out, keep_vba=True)
    assert book.sheetnames == ["Register", "Notes", "Inputs", "Checks", "xlwings.conf"]
    assert {n: book.defined_names[n].attr_text for n in OUR_NAMES} == OUR_NAMES
    assert book["Notes"]["A1"].value == "Kept as it was"
    assert book["Inputs"]["B10"].value == THIS_YEAR  # FinancialYear


def _libreoffice_reads_it(out: Path, saved: Path) -> None:
    recalculate_with_libreoffice(out, saved)
    book = openpyxl.load_workbook(saved, data_only=True)
    assert book.sheetnames == ["Register", "Notes", "Inputs", "Checks", "xlwings.conf"]
    assert book["Checks"]["C2"].value == 0  # the master check, SUM over tblChecks
    assert book["Notes"]["A1"].value == "Kept as it was"
    assert set(OUR_NAMES) <= set(book.defined_names)


def test_openpyxls_empty_definednames_is_filled_not_doubled(tmp_path: Path) -> None:
    source, out = tmp_path / "team.xlsx", tmp_path / "team.xlsm"
    _openpyxl_workbook(source)
    assert b"<definedNames/>" in members(source)["xl/workbook.xml"]  # what openpyxl writes
    attach(source, out)
    new = members(out)
    assert _defined_names(new["xl/workbook.xml"]) == [OUR_NAMES]
    # openpyxl's workbook.xml.rels: rId1 and rId2 the sheets, rId3 styles, rId4 the theme;
    # attach relates the VBA project (rId5), then Inputs, Checks and xlwings.conf.
    assert _sheets(new["xl/workbook.xml"]) == [
        ("Register", "1", "rId1"),
        ("Notes", "2", "rId2"),
        ("Inputs", "3", "rId6"),
        ("Checks", "4", "rId7"),
        ("xlwings.conf", "5", "rId8"),
    ]
    related = _relationships(new["xl/_rels/workbook.xml.rels"])
    assert related["rId5"] == (VBA, "vbaProject.bin")
    assert [related[f"rId{n}"] for n in (6, 7, 8)] == [
        (WORKSHEET, "worksheets/sheet3.xml"),
        (WORKSHEET, "worksheets/sheet4.xml"),
        (WORKSHEET, "worksheets/sheet5.xml"),
    ]
    # _rels/.rels: rId1 to rId3 are openpyxl's; the ribbon is rId4
    assert _relationships(new["_rels/.rels"])["rId4"] == (RIBBON, "customUI/customUI14.xml")
    _openpyxl_reads_it(out)


# The declaring parts of the openpyxl workbook above, written by hand: single quotes, spaces
# around "=", the main namespace under the prefix x and the relationships one under rel, and
# the ids out of order: sheetIds 7 and 1, relationship ids rId3, rId1, rId10 and rId2.
WORKBOOK = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    f"<x:workbook xmlns:x = '{MAIN}' xmlns:rel = '{REL}'>\n"
    "  <x:bookViews><x:workbookView activeTab = '0'/></x:bookViews>\n"
    "  <x:sheets>\n"
    "    <x:sheet name = 'Register' sheetId = '7' rel:id = 'rId3'/>\n"
    "    <x:sheet name='Notes' sheetId='1' rel:id='rId1'/>\n"
    "  </x:sheets>\n"
    "  <x:definedNames/>\n"
    "  <x:calcPr calcId = '191029'/>\n"
    "</x:workbook>"
).encode()
WORKBOOK_RELS = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    f"<Relationships xmlns='{PKG}'>"
    f"<Relationship Id = 'rId3' Type = '{WORKSHEET}' Target = 'worksheets/sheet1.xml'/>"
    f"<Relationship Id='rId1' Type='{WORKSHEET}' Target='worksheets/sheet2.xml'/>"
    f"<Relationship Id='rId10' Type='{REL}/styles' Target='styles.xml'/>"
    f"<Relationship Id='rId2' Type='{REL}/theme' Target='theme/theme1.xml'/>"
    "</Relationships>"
).encode()
PACKAGE_RELS = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    f"<Relationships xmlns='{PKG}'>"
    f"<Relationship Id='rId9' Type='{REL}/officeDocument' Target='xl/workbook.xml'/>"
    f"<Relationship Id='rId2' Type='{PKG}/metadata/core-properties' Target='docProps/core.xml'/>"
    f"<Relationship Id='rId5' Type='{REL}/extended-properties' Target='docProps/app.xml'/>"
    "</Relationships>"
).encode()


def _single_quoted(data: bytes) -> bytes:
    return data.replace(b'"', b"'")


def test_ids_follow_the_highest_whatever_the_quotes_and_prefixes(tmp_path: Path) -> None:
    plain, source, out = tmp_path / "plain.xlsx", tmp_path / "team.xlsx", tmp_path / "team.xlsm"
    _openpyxl_workbook(plain)
    edited_copy(
        plain,
        source,
        {
            "xl/workbook.xml": lambda _: WORKBOOK,
            "xl/_rels/workbook.xml.rels": lambda _: WORKBOOK_RELS,
            "_rels/.rels": lambda _: PACKAGE_RELS,
            "[Content_Types].xml": _single_quoted,
        },
    )
    attach(source, out)
    new = members(out)
    # Every byte of the workbook part is kept; the sheets and names go inside their elements,
    # sheetIds after 7 and relationship ids after rId10, under the prefixes the part uses.
    assert new["xl/workbook.xml"] == WORKBOOK.replace(
        b"\n  </x:sheets>",
        b"\n  "
        b'<x:sheet name="Inputs" sheetId="8" rel:id="rId12"/>'
        b'<x:sheet name="Checks" sheetId="9" rel:id="rId13"/>'
        b'<x:sheet name="xlwings.conf" sheetId="10" state="hidden" rel:id="rId14"/>'  # xlwings' own
        b"</x:sheets>",
    ).replace(
        b"<x:definedNames/>",
        b"<x:definedNames>"
        + b"".join(
            f'<x:definedName name="{name}">{where}</x:definedName>'.encode()
            for name, where in OUR_NAMES.items()
        )
        + b"</x:definedNames>",
    )
    assert _defined_names(new["xl/workbook.xml"]) == [OUR_NAMES]
    related = _relationships(new["xl/_rels/workbook.xml.rels"])
    assert related["rId11"] == (VBA, "vbaProject.bin")
    assert [related[f"rId{n}"][1] for n in (12, 13, 14)] == [
        "worksheets/sheet3.xml",
        "worksheets/sheet4.xml",
        "worksheets/sheet5.xml",
    ]
    assert new["xl/_rels/workbook.xml.rels"].startswith(
        WORKBOOK_RELS.removesuffix(b"</Relationships>")
    )
    assert _relationships(new["_rels/.rels"])["rId10"] == (RIBBON, "customUI/customUI14.xml")
    # the workbook's content type changed where it stands, in its own quotes
    content_types = new["[Content_Types].xml"]
    assert f"<Override PartName='/xl/workbook.xml' ContentType='{MACRO_ENABLED}'/>".encode() in (
        content_types
    )
    _openpyxl_reads_it(out)


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_both_attached_workbooks(tmp_path: Path) -> None:
    plain, edited = tmp_path / "plain.xlsx", tmp_path / "edited.xlsx"
    _openpyxl_workbook(plain)
    edited_copy(
        plain,
        edited,
        {
            "xl/workbook.xml": lambda _: WORKBOOK,
            "xl/_rels/workbook.xml.rels": lambda _: WORKBOOK_RELS,
            "_rels/.rels": lambda _: PACKAGE_RELS,
            "[Content_Types].xml": _single_quoted,
        },
    )
    for source in (plain, edited):
        out = tmp_path / f"{source.stem}.xlsm"
        attach(source, out)
        _libreoffice_reads_it(out, tmp_path / f"{source.stem}-saved-by-libreoffice.xlsx")
