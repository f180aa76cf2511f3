"""PRODUCTIVE_ROLLUP: totals by group, spilled from its cell as a dynamic array.

As a cell function (the totals worked by hand), and through recalc: the spilled values written
into the cells below and to the right, the anchor marked as a dynamic array as Excel marks it
(``cm`` pointing at the XLDAPR cell metadata of xl/metadata.xml), formulas reading the spilled
cells given their values, a spill that shrinks emptying the cells it left, and a cell in the
way giving #SPILL! as in Excel.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from python_calamine import CalamineWorkbook

from productive_xl import recalc
from productive_xl.core.errors import ExcelError, InvalidValue, NotFound, OutOfRange
from productive_xl.functions import productive_rollup
from productive_xl.ooxml.dynamic_arrays import METADATA_PART

AMOUNTS = [[100], [250.5], [50], [None], [10], [None]]
PROGRAMMES = [["Ward"], ["Theatre"], ["ward"], ["Community"], ["Theatre"], [None]]


def test_totals_by_group_sorted_a_to_z_whatever_the_case() -> None:
    # Ward 100 + 50 (the second written "ward"), Theatre 250.5 + 10, Community a blank: 0;
    # the last row, blank in both, is the empty end of the range
    assert productive_rollup(AMOUNTS, PROGRAMMES) == [
        ["Community", 0.0],
        ["Theatre", 260.5],
        ["Ward", 150.0],
    ]


def test_the_order_as_they_come_or_largest_first() -> None:
    assert productive_rollup(AMOUNTS, PROGRAMMES, None, 0) == [
        ["Ward", 150.0],
        ["Theatre", 260.5],
        ["Community", 0.0],
    ]
    assert [row[0] for row in productive_rollup(AMOUNTS, PROGRAMMES, None, -1)] == [
        "Theatre",
        "Ward",
        "Community",
    ]


def test_a_second_group() -> None:
    years = [["2025/26"], ["2025/26"], ["2026/27"], [None], ["2025/26"], [None]]
    assert productive_rollup(AMOUNTS, PROGRAMMES, years) == [
        ["Community", "", 0.0],
        ["Theatre", "2025/26", 260.5],
        ["Ward", "2025/26", 100.0],
        ["ward", "2026/27", 50.0],  # as this pair is first written
    ]


def test_bad_arguments_are_excel_errors() -> None:
    with pytest.raises(InvalidValue, match="values has 2 cells where groups has 3"):
        productive_rollup([[1], [2]], [["a"], ["b"], ["c"]])
    with pytest.raises(InvalidValue, match=r"values \(cell 2\)"):
        productive_rollup([[1], ["ten"]], [["a"], ["b"]])
    with pytest.raises(ExcelError) as passed_on:  # an error in a precedent cell is passed on
        productive_rollup([[1], ["#N/A"]], [["a"], ["b"]])
    assert passed_on.value.code == "#N/A"
    with pytest.raises(NotFound, match="no amount or group"):
        productive_rollup([[None], [None]], [[None], [None]])
    with pytest.raises(OutOfRange, match="sort is 2"):
        productive_rollup([[1]], [["a"]], None, 2)


def _workbook(path: Path, *, in_the_way: bool = False, nested: bool = False) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Programme", "Amount"])
    for (amount,), (programme,) in zip(AMOUNTS, PROGRAMMES, strict=True):
        sheet.append([programme, amount])
    sheet["D2"] = "=PRODUCTIVE_ROLLUP(B2:B7,A2:A7)"
    sheet["H2"] = "=SUM(E2:E4)"  # reads the spilled totals
    sheet["H3"] = "=E3*2"
    if in_the_way:
        sheet["E3"] = "a note"
    if nested:
        sheet["H4"] = "=SUM(PRODUCTIVE_ROLLUP(B2:B7,A2:A7))"
    book.save(path)
    return path


def _sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as package:
        return package.read("xl/worksheets/sheet1.xml")


def test_recalc_spills_the_table_and_marks_it_a_dynamic_array(tmp_path: Path) -> None:
    source = _workbook(tmp_path / "rollup.xlsx")
    out = tmp_path / "out.xlsx"
    report = recalc(source, out)
    assert report.complete
    values = openpyxl.load_workbook(out, data_only=True)["Data"]
    table = [[values.cell(r, c).value for c in (4, 5)] for r in (2, 3, 4)]
    assert table == [["Community", 0], ["Theatre", 260.5], ["Ward", 150]]
    assert values["H2"].value == 410.5  # 0 + 260.5 + 150
    assert values["H3"].value == 521  # 260.5 x 2
    calamine = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Data").to_python()
    assert [row[3:5] for row in calamine[1:4]] == [
        ["Community", 0],
        ["Theatre", 260.5],
        ["Ward", 150],
    ]
    # as Excel stores a dynamic array: the anchor's formula an array formula over its spill,
    # with cell metadata pointing at the XLDAPR record
    root = etree.fromstring(_sheet_xml(out))
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    anchor = root.find(f".//{main}c[@r='D2']")
    assert anchor is not None
    assert anchor.get("cm") == "1"
    formula = anchor.find(f"{main}f")
    assert formula is not None
    assert (formula.get("t"), formula.get("ref")) == ("array", "D2:E4")
    assert formula.text == "PRODUCTIVE_ROLLUP(B2:B7,A2:A7)"
    with zipfile.ZipFile(out) as package:
        assert package.read("xl/metadata.xml") == METADATA_PART
        assert b"sheetMetadata+xml" in package.read("[Content_Types].xml")
        assert b"relationships/sheetMetadata" in package.read("xl/_rels/workbook.xml.rels")
    # a second run changes nothing
    again = tmp_path / "again.xlsx"
    assert recalc(out, again).changed == []
    assert again.read_bytes() == out.read_bytes()


@pytest.mark.excel_made
def test_the_metadata_is_the_one_excel_writes(excel_made: Path) -> None:
    with zipfile.ZipFile(excel_made / "dynamic_array01.xlsx") as package:
        excels = package.read("xl/metadata.xml")
    canonical = [
        etree.tostring(etree.fromstring(x), method="c14n")
        for x in (excels, METADATA_PART.split(b"\n", 1)[1])
    ]
    assert canonical[0] == canonical[1]


def test_a_spill_that_shrinks_empties_the_cells_it_left(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    recalc(_workbook(tmp_path / "rollup.xlsx"), out)
    # Community becomes Ward: two groups are left, Theatre 260.5 and Ward 150
    shrunk = tmp_path / "shrunk.xlsx"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(shrunk, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b'<t>Community</t></is></c><c r="B5"', b'<t>Ward</t></is></c><c r="B5"'
                )
                data = data.replace(
                    b'<c r="A5" t="inlineStr"><is><t>Community</t>',
                    b'<c r="A5" t="inlineStr"><is><t>Ward</t>',
                )
            target.writestr(item, data)
    report = recalc(shrunk, shrunk)
    values = openpyxl.load_workbook(shrunk, data_only=True)["Data"]
    table = [[values.cell(r, c).value for c in (4, 5)] for r in (2, 3, 4)]
    assert table == [["Theatre", 260.5], ["Ward", 150], [None, None]]
    assert values["H2"].value == 410.5  # 260.5 + 150 + an empty cell
    assert values["H3"].value == 300  # 150 x 2
    formula = etree.fromstring(_sheet_xml(shrunk)).find(
        ".//{http://schemas.openxmlformats.org/spreadsheetml/2006/main}f[@ref]"
    )
    assert formula is not None
    assert formula.get("ref") == "D2:E3"
    assert report.complete


def test_a_cell_in_the_way_gives_spill_as_in_excel(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    recalc(_workbook(tmp_path / "rollup.xlsx", in_the_way=True), out)
    values = openpyxl.load_workbook(out, data_only=True)["Data"]
    assert values["D2"].value == "#SPILL!"
    assert values["E3"].value == "a note"
    assert values["D3"].value is None


def test_a_table_inside_another_formula_keeps_its_value(tmp_path: Path) -> None:
    report = recalc(_workbook(tmp_path / "rollup.xlsx", nested=True), tmp_path / "out.xlsx")
    kept = {
        entry["cell"]: entry["reason"] for entry in json.loads(report.to_json())["not_recalculated"]
    }
    assert "whole formula of its cell" in kept["Data!H4"]
    assert "Data!D2" not in kept


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_opens_the_spilled_workbook(tmp_path: Path) -> None:
    from libreoffice import recalculate_with_libreoffice

    out = tmp_path / "out.xlsx"
    recalc(_workbook(tmp_path / "rollup.xlsx"), out)
    converted = tmp_path / "converted.xlsx"
    recalculate_with_libreoffice(out, converted)  # raises if LibreOffice cannot load it
    sheet = openpyxl.load_workbook(converted, data_only=True)["Data"]
    assert [sheet.cell(r, 1).value for r in range(1, 7)] == [
        "Programme", "Ward", "Theatre", "ward", "Community", "Theatre",
    ]  # fmt: skip


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XDA = "http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray"


def _metadata(cell_records: str, *, dynamic: bool = True) -> bytes:
    """A metadata part with a rich-value type first and (``dynamic``) the XLDAPR type second."""
    types = '<metadataType name="XLRICHVALUE" minSupportedVersion="120000"/>'
    future = '<futureMetadata name="XLRICHVALUE" count="1"><bk><extLst/></bk></futureMetadata>'
    if dynamic:
        types += '<metadataType name="XLDAPR" minSupportedVersion="120000"/>'
        future += (
            '<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{x}">'
            '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk>'
            "</futureMetadata>"
        )
    return (
        f'<metadata xmlns="{_MAIN}" xmlns:xda="{_XDA}"><metadataTypes>{types}</metadataTypes>'
        f"{future}<cellMetadata>{cell_records}</cellMetadata></metadata>"
    ).encode()


def test_a_workbook_with_metadata_of_its_own_is_given_its_dynamic_array_record(
    tmp_path: Path,
) -> None:
    """cm counts cellMetadata's records from 1; a record names its type by position (XLDAPR is
    the second here) and its future-metadata block from 0."""
    source = _workbook(tmp_path / "rollup.xlsx")
    for records, expected in (
        ('<bk><rc t="1" v="0"/></bk><bk><rc t="2" v="0"/></bk>', "2"),
        ('<bk><rc t="2" v="0"/></bk>', "1"),
    ):
        with_metadata = tmp_path / f"metadata-{expected}.xlsx"
        with zipfile.ZipFile(source) as original, zipfile.ZipFile(with_metadata, "w") as copy:
            for item in original.infolist():
                data = original.read(item.filename)
                if item.filename == "[Content_Types].xml":
                    data = data.replace(
                        b"</Types>",
                        b'<Override PartName="/xl/metadata.xml" ContentType="application/'
                        b'vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"/>'
                        b"</Types>",
                    )
                if item.filename == "xl/_rels/workbook.xml.rels":
                    data = data.replace(
                        b"</Relationships>",
                        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
                        b'officeDocument/2006/relationships/sheetMetadata" Target="metadata.xml"/>'
                        b"</Relationships>",
                    )
                copy.writestr(item, data)
            copy.writestr("xl/metadata.xml", _metadata(records))
        recalc(with_metadata, with_metadata)
        anchor = etree.fromstring(_sheet_xml(with_metadata)).find(f".//{{{_MAIN}}}c[@r='D2']")
        assert anchor is not None
        assert anchor.get("cm") == expected
        with zipfile.ZipFile(with_metadata) as package:
            assert package.read("xl/metadata.xml") == _metadata(records)  # left as it was


def test_metadata_without_a_dynamic_array_record_keeps_the_anchor(tmp_path: Path) -> None:
    source = _workbook(tmp_path / "rollup.xlsx")
    package = _with_rich_value_metadata_only(source, tmp_path / "no-dynamic.xlsx")
    report = recalc(package, package)
    kept = {e["cell"]: e["reason"] for e in json.loads(report.to_json())["not_recalculated"]}
    assert "has no dynamic-array cell metadata" in kept["Data!D2"]
    values = openpyxl.load_workbook(package, data_only=True)["Data"]
    assert values["D3"].value is None  # nothing spilled


def _with_rich_value_metadata_only(source: Path, target: Path) -> Path:
    """``source`` with a metadata part holding only a rich-value record."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sheetMetadata" Target="metadata.xml"/>'
                    b"</Relationships>",
                )
            copy.writestr(item, data)
        copy.writestr("xl/metadata.xml", _metadata('<bk><rc t="1" v="0"/></bk>', dynamic=False))
    return target
