"""Declaring and removing parts (productive_xl.ooxml.parts) on XML written every way XML allows.

Each edit is checked against the whole part's bytes worked out by hand: the new or removed
element is the only difference, in the part's own prefix, quotes and spacing elsewhere. The
inputs use single quotes, whitespace around "=", prefixes other than the usual ones, comments
holding what looks like markup, and ">" inside attribute values, each of which a pattern
written for one style would trip over.
"""

from __future__ import annotations

import pytest

from productive_xl.ooxml.parts import (
    EMPTY_RELATIONSHIPS,
    PackageEdit,
    UneditablePart,
    content_type,
    sheet_ids,
    with_content_type,
    with_defined_names,
    with_relationship,
    with_sheet,
    without_content_type,
    without_relationships_to,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKSHEET = f"{REL}/worksheet"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
MACRO = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def _before_last(data: bytes, marker: bytes, insertion: bytes) -> bytes:
    """``data`` with ``insertion`` just before the last ``marker``."""
    head, found, tail = data.rpartition(marker)
    assert found
    return head + insertion + found + tail


CONTENT_TYPES = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    f"<ct:Types xmlns:ct = '{TYPES}'>"
    "<ct:Default Extension='xml' ContentType='application/xml'/>"
    "<ct:Default Extension = 'rels' ContentType = 'application/vnd.openxmlformats-package."
    "relationships+xml'/>"
    "<!-- <ct:Override PartName='/xl/workbook.xml'/> is a comment, not an override -->"
    "<ct:Override PartName = '/xl/workbook.xml' ContentType = 'application/vnd."
    "openxmlformats-officedocument.spreadsheetml.sheet.main+xml' />"
    "<ct:Override PartName='/xl/calcChain.xml' ContentType='application/vnd."
    "openxmlformats-officedocument.spreadsheetml.calcChain+xml'/>"
    "</ct:Types>"
).encode()


def test_a_content_type_is_read_from_its_override_or_its_extensions_default() -> None:
    assert content_type(CONTENT_TYPES, "xl/workbook.xml") == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    )
    assert content_type(CONTENT_TYPES, "XL/Workbook.XML") is not None  # names ignore case
    assert content_type(CONTENT_TYPES, "customUI/customUI14.xml") == "application/xml"
    assert content_type(CONTENT_TYPES, "xl/vbaProject.bin") is None


def test_a_changed_content_type_keeps_its_quotes_and_spacing() -> None:
    changed = with_content_type(CONTENT_TYPES, "xl/workbook.xml", MACRO)
    assert changed == CONTENT_TYPES.replace(
        b"ContentType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet."
        b"main+xml' />",
        b"ContentType = '" + MACRO.encode() + b"' />",
    )
    assert content_type(changed, "xl/workbook.xml") == MACRO


def test_a_new_override_is_written_with_the_parts_prefix() -> None:
    added = with_content_type(CONTENT_TYPES, "xl/worksheets/sheet9.xml", SHEET_TYPE)
    override = f'<ct:Override PartName="/xl/worksheets/sheet9.xml" ContentType="{SHEET_TYPE}"/>'
    assert added == CONTENT_TYPES.replace(b"</ct:Types>", override.encode() + b"</ct:Types>")
    # a type its extension's default gives already needs no override
    assert with_content_type(CONTENT_TYPES, "customUI/x.xml", "application/xml") == CONTENT_TYPES


def test_an_override_is_removed_and_nothing_else() -> None:
    removed = without_content_type(CONTENT_TYPES, "xl/calcChain.xml")
    assert removed == CONTENT_TYPES.replace(
        b"<ct:Override PartName='/xl/calcChain.xml' ContentType='application/vnd."
        b"openxmlformats-officedocument.spreadsheetml.calcChain+xml'/>",
        b"",
    )
    assert without_content_type(CONTENT_TYPES, "xl/absent.xml") == CONTENT_TYPES


RELS = (
    f"<pr:Relationships xmlns:pr='{PKG}'>\n"
    f"  <pr:Relationship Target = 'worksheets/sheet1.xml' Type='{WORKSHEET}' Id = 'rId7'/>\n"
    f"  <pr:Relationship Id='rId2' Type='{REL}/styles' Target='styles.xml'/>\n"
    f"  <pr:Relationship Id='rId12x' Type='{REL}/theme' Target='theme/theme1.xml'/>\n"
    f"  <pr:Relationship Id='rId3' Type='{REL}/calcChain' Target='/xl/calcChain.xml'/>\n"
    f"  <pr:Relationship Id='rId4' Type='{REL}/hyperlink' Target='calcChain.xml' "
    "TargetMode='External'/>\n"
    "</pr:Relationships>"
).encode()


def test_a_new_relationship_id_follows_the_highest_whatever_the_quotes() -> None:
    added, rid = with_relationship(RELS, WORKSHEET, "worksheets/sheet2.xml")
    # rId7 is the highest of the form rId<n>; rId12x is not of that form
    assert rid == "rId8"
    new = f'<pr:Relationship Id="rId8" Type="{WORKSHEET}" Target="worksheets/sheet2.xml"/>'
    assert added == RELS.replace(b"</pr:Relationships>", new.encode() + b"</pr:Relationships>")
    first, rid = with_relationship(EMPTY_RELATIONSHIPS, WORKSHEET, "a.xml")
    assert rid == "rId1"
    assert first.endswith(
        f'<Relationship Id="rId1" Type="{WORKSHEET}" Target="a.xml"/></Relationships>'.encode()
    )


def test_relationships_to_a_part_are_removed_by_where_they_lead() -> None:
    # the absolute target leads to xl/calcChain.xml; the external one of that name does not
    removed = without_relationships_to(RELS, "xl/workbook.xml", "xl/calcChain.xml")
    line = f"<pr:Relationship Id='rId3' Type='{REL}/calcChain' Target='/xl/calcChain.xml'/>"
    assert removed == RELS.replace(line.encode(), b"")


WORKBOOK = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    f"<x:workbook xmlns:x='{MAIN}' xmlns:rel = '{REL}'>"
    "<x:bookViews><x:workbookView activeTab = '0'/></x:bookViews>"
    "<!-- </x:sheets> in a comment --><x:sheets>"
    "<x:sheet name='A > B' sheetId = '7' rel:id = 'rId3'/>"
    "<x:sheet name=\"Notes\" sheetId='1' rel:id='rId1'/>"
    "</x:sheets>"
    "<x:definedNames />"
    "<x:calcPr calcId='191029'/></x:workbook>"
).encode()


def test_a_new_sheet_takes_the_next_sheet_id_and_the_prefixes_in_scope() -> None:
    assert sheet_ids(WORKBOOK) == [7, 1]
    added = with_sheet(WORKBOOK, "Inputs", "rId9")
    new = b'<x:sheet name="Inputs" sheetId="8" rel:id="rId9"/>'
    assert added == _before_last(WORKBOOK, b"</x:sheets>", new)


def test_a_sheet_declares_the_relationships_namespace_where_nothing_in_scope_binds_it() -> None:
    # as openpyxl writes it: xmlns:r on each <sheet>, so it is not in scope in <sheets>
    workbook = (
        f'<workbook xmlns="{MAIN}"><sheets><sheet xmlns:r="{REL}" name="Sheet" sheetId="1" '
        'r:id="rId1"/></sheets><definedNames/></workbook>'
    ).encode()
    added = with_sheet(workbook, "Inputs", "rId5")
    new = f'<sheet name="Inputs" sheetId="2" xmlns:r="{REL}" r:id="rId5"/></sheets>'
    assert added == workbook.replace(b"</sheets>", new.encode())


@pytest.mark.parametrize(
    ("holder", "filled"),
    [
        (b"<x:definedNames />", b"<x:definedNames>{}</x:definedNames>"),
        (b"<x:definedNames></x:definedNames>", b"<x:definedNames>{}</x:definedNames>"),
        (
            b"<x:definedNames><x:definedName name='Kept'>Notes!$A$1</x:definedName>"
            b"</x:definedNames>",
            b"<x:definedNames><x:definedName name='Kept'>Notes!$A$1</x:definedName>{}"
            b"</x:definedNames>",
        ),
        # none at all: a new one after <sheets>, where the schema puts it
        (b"", b"<x:definedNames>{}</x:definedNames>"),
    ],
)
def test_defined_names_fill_the_workbooks_one_definednames(holder: bytes, filled: bytes) -> None:
    workbook = WORKBOOK.replace(b"<x:definedNames />", holder)
    names = {"FinancialYear": "'Inputs'!$B$1", "Odd": 'IF(A1<>1,"a&b",0)'}
    added = with_defined_names(workbook, names)
    written = (
        b"<x:definedName name=\"FinancialYear\">'Inputs'!$B$1</x:definedName>"
        b'<x:definedName name="Odd">IF(A1&lt;&gt;1,"a&amp;b",0)</x:definedName>'
    )
    expected = filled.replace(b"{}", written)
    if holder:
        assert added == workbook.replace(holder, expected)
    else:
        assert added == _before_last(workbook, b"<x:calcPr", expected)
    assert with_defined_names(added, names) == added  # a name held already is not added twice


def test_a_sheets_own_name_does_not_stand_for_the_workbooks() -> None:
    workbook = WORKBOOK.replace(
        b"<x:definedNames />",
        b"<x:definedNames><x:definedName name='MasterCheck' localSheetId='0'>Notes!$A$1"
        b"</x:definedName></x:definedNames>",
    )
    added = with_defined_names(workbook, {"MasterCheck": "'Checks'!$B$1"})
    assert added.count(b"MasterCheck") == 2


def test_a_part_that_is_not_xml_is_refused_with_a_reason() -> None:
    with pytest.raises(UneditablePart, match="not well-formed"):
        with_sheet(b"<workbook><sheets></workbook>", "Inputs", "rId1")
    with pytest.raises(UneditablePart, match="UTF-8"):
        with_sheet("<workbook/>".encode("utf-16"), "Inputs", "rId1")
    with pytest.raises(UneditablePart, match="no <sheets>"):
        with_sheet(f'<workbook xmlns="{MAIN}"/>'.encode(), "Inputs", "rId1")


def test_removing_a_part_takes_its_declarations_with_it() -> None:
    workbook_rels = RELS
    chain_rels = f"<Relationships xmlns='{PKG}'/>".encode()
    contents = {
        "[Content_Types].xml": CONTENT_TYPES,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": workbook_rels,
        "xl/calcChain.xml": b"<calcChain/>",
        "xl/_rels/calcChain.xml.rels": chain_rels,
    }
    edit = PackageEdit(contents)
    edit.remove_part("xl/calcChain.xml")
    assert edit.removed == {"xl/calcChain.xml", "xl/_rels/calcChain.xml.rels"}
    assert edit.changed == {
        "[Content_Types].xml": without_content_type(CONTENT_TYPES, "xl/calcChain.xml"),
        "xl/_rels/workbook.xml.rels": without_relationships_to(
            RELS, "xl/workbook.xml", "xl/calcChain.xml"
        ),
    }
    assert edit.added == {}
    assert contents["xl/_rels/workbook.xml.rels"] is workbook_rels  # the package's own untouched


def test_adding_a_sheet_declares_it_three_times() -> None:
    contents = {
        "[Content_Types].xml": CONTENT_TYPES,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": RELS,
    }
    edit = PackageEdit(contents)
    rid = edit.add_sheet("xl/workbook.xml", "Inputs", "xl/worksheets/sheet2.xml", b"<worksheet/>")
    assert rid == "rId8"
    assert edit.added == {"xl/worksheets/sheet2.xml": b"<worksheet/>"}
    assert edit.changed == {
        "[Content_Types].xml": with_content_type(
            CONTENT_TYPES, "xl/worksheets/sheet2.xml", SHEET_TYPE
        ),
        "xl/_rels/workbook.xml.rels": with_relationship(RELS, WORKSHEET, "worksheets/sheet2.xml")[
            0
        ],
        "xl/workbook.xml": with_sheet(WORKBOOK, "Inputs", "rId8"),
    }
    # a part's first relationship starts its relationships part
    table = edit.relate("xl/worksheets/sheet2.xml", f"{REL}/table", "xl/tables/table1.xml")
    assert table == "rId1"
    assert b'Target="../tables/table1.xml"' in edit.added["xl/worksheets/_rels/sheet2.xml.rels"]
