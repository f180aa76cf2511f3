"""Write-back that disturbs nothing else (issue 3, point 3), and idempotence (point 5).

The feature workbook (tests/workbook_factory.py) holds a chart, an image, a VBA project, a
customUI ribbon part, data validation, conditional formatting, comments, a table, defined names,
a hidden sheet, shared styles, merged cells and arrays; half its cached values are wrong.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import built_and_recalculated
from python_calamine import CalamineWorkbook
from workbook_factory import (
    ARRAY_MEMBER_CELLS,
    CUSTOM_UI_PART,
    EXPECTED,
    STALE_CELLS,
    build_feature_workbook,
)

from productive_xl.headless.recalc import recalc
from productive_xl.ooxml.cell_values import cell_position

_CELL = re.compile(rb"<c\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</c>)", re.S)


# the cells kept as they were (issue 8): their hand-worked values are not looked for
KEPT: set[tuple[str, str]] = set()


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    source, out, report = built_and_recalculated(
        tmp_path_factory.mktemp("writeback"), "features.xlsm", build_feature_workbook
    )
    # issue 8: a cell using what the trusted list lacks (SUBTOTAL, an array formula over
    # several cells, AVERAGE...) keeps its stored value and is reported; nothing else is
    for item in report.not_recalculated:
        assert item["reason"].startswith(("uses ", "is filled by ", "depends on ")), item
        sheet, _, cell = item["cell"].rpartition("!")
        KEPT.add((sheet.strip("'"), cell))
    return source, out


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _without_values(xml: bytes, cells: set[tuple[int, int]]) -> bytes:
    """The part with the t attribute and <v> of the given cells taken out."""

    def strip(match: re.Match[bytes]) -> bytes:
        attrs = match.group("attrs")
        reference = re.search(rb'\br="([A-Z]+\d+)"', attrs)
        if reference is None or cell_position(reference.group(1).decode()) not in cells:
            return match.group(0)
        attrs = re.sub(rb'\st="[^"]*"', b"", attrs)
        body = re.sub(rb"<v>.*?</v>|<v/>", b"", match.group("body") or b"", flags=re.S)
        return b"<c" + attrs + (b">" + body + b"</c>" if body else b"/>")

    return _CELL.sub(strip, xml)


def test_every_member_but_the_changed_sheets_is_byte_identical(
    workbooks: tuple[Path, Path],
) -> None:
    source, out = workbooks
    before, after = _members(source), _members(out)
    assert list(before) == list(after)  # same members, same order
    changed = {name for name in before if before[name] != after[name]}
    assert changed
    assert all(name.startswith("xl/worksheets/sheet") for name in changed)
    for kept in (
        "xl/vbaProject.bin",
        CUSTOM_UI_PART,
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/styles.xml",
        "[Content_Types].xml",
        "xl/calcChain.xml",
    ):
        if kept in before:
            assert before[kept] == after[kept], kept
    assert any(name.startswith("xl/charts/") for name in before)
    assert any(name.startswith("xl/media/") for name in before)
    assert any(name.startswith("xl/comments") for name in before)
    assert any(name.startswith("xl/tables/") for name in before)


def test_inside_a_changed_sheet_only_formula_values_differ(workbooks: tuple[Path, Path]) -> None:
    source, out = workbooks
    before, after = _members(source), _members(out)
    book = openpyxl.load_workbook(source)
    parts = {ws.title: f"xl/worksheets/sheet{i}.xml" for i, ws in enumerate(book.worksheets, 1)}
    for sheet, part in parts.items():
        cells = {cell_position(c) for s, c in EXPECTED if s == sheet}
        assert _without_values(before[part], cells) == _without_values(after[part], cells), sheet


def test_recalculated_values_are_the_hand_worked_ones_in_every_reader(
    workbooks: tuple[Path, Path],
) -> None:
    _, out = workbooks
    book = openpyxl.load_workbook(out, data_only=True)
    calamine = CalamineWorkbook.from_path(str(out))
    for (sheet, cell), expected in EXPECTED.items():
        if (sheet, cell) in KEPT:
            continue
        value = book[sheet][cell].value
        if hasattr(value, "year"):  # openpyxl turns date-formatted numbers into dates
            assert openpyxl.utils.datetime.to_excel(value) == expected, (sheet, cell)
        elif isinstance(expected, float):
            assert value == pytest.approx(expected), (sheet, cell)
        else:
            assert value == expected, (sheet, cell)
        row, column = cell_position(cell)
        seen = calamine.get_sheet_by_name(sheet).to_python(skip_empty_area=False)[row - 1][
            column - 1
        ]
        if isinstance(expected, float) and not hasattr(seen, "year"):
            assert seen == pytest.approx(expected), (sheet, cell)


def test_types_are_written_properly(workbooks: tuple[Path, Path]) -> None:
    _, out = workbooks
    book = openpyxl.load_workbook(out, data_only=True)
    for (sheet, cell), expected in EXPECTED.items():
        data_type = book[sheet][cell].data_type
        if isinstance(expected, str) and expected.startswith("#"):
            assert data_type == "e", (sheet, cell)
        elif isinstance(expected, bool):
            assert data_type == "b", (sheet, cell)
        elif isinstance(expected, str):
            assert data_type in ("s", "str"), (sheet, cell)
        else:
            assert data_type in ("n", "d"), (sheet, cell)


def test_stale_values_changed_and_others_kept_their_bytes(workbooks: tuple[Path, Path]) -> None:
    source, out = workbooks
    report = recalc(source, out.with_name("again.xlsm"))
    changed = {item["cell"] for item in report.changed}
    assert changed == {
        f"{sheet}!{cell}" for sheet, cell in STALE_CELLS if (sheet, cell) not in KEPT
    }
    assert ARRAY_MEMBER_CELLS  # the arrays' cells are part of EXPECTED, and were checked above


def test_a_second_run_changes_no_byte(workbooks: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = workbooks
    again = tmp_path / "twice.xlsm"
    report = recalc(out, again)
    assert report.changed == []
    assert again.read_bytes() == out.read_bytes()
    in_place = tmp_path / "in-place.xlsm"
    in_place.write_bytes(out.read_bytes())
    recalc(in_place)
    assert in_place.read_bytes() == out.read_bytes()


def test_the_vba_project_reads_back_intact(workbooks: tuple[Path, Path]) -> None:
    source, out = workbooks
    olevba = Path(__import__("sys").executable).with_name("olevba")
    listing = [
        subprocess.run(
            [str(olevba), "--code", str(path)], capture_output=True, text=True, check=False
        ).stdout
        for path in (source, out)
    ]
    assert "VBA MACRO" in listing[1]
    # olevba prints the file name first; the modules and their code must match
    assert listing[0].split("\n", 3)[3:] == listing[1].split("\n", 3)[3:]
