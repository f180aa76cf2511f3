"""Hostile input is refused before any work (issue 9, point 2): zip bombs, overlapping or
duplicate members, DTDs whatever the encoding or the case of a part's name, broken character
references, formulas that would crash the engine, too many names or sheets, and files that
are not regular files. Each is one line naming the file and the problem, exit 4, and nothing
written, from recalc, refresh and attach alike (all three open the package the same way).

Every hostile file is built here, byte by byte or with zipfile.
"""

from __future__ import annotations

import os
import struct
import sys
import time
import zipfile
from pathlib import Path

import pytest
from command_line import run_productive_xl
from hostile_packages import sheet_xml, workbook_members, write_package, write_workbook

from productive_xl.cli.main import EXIT_UNUSABLE_INPUT
from productive_xl.headless.recalc import recalc
from productive_xl.ooxml.package import UnusableWorkbook, open_package
from productive_xl.ooxml.workbook import read_workbook

_FORMULA_CELL = '<row r="1"><c r="A1"><f>{}</f></c></row>'


def _refusal(path: Path) -> str:
    """The problem :class:`UnusableWorkbook` gives for ``path``, read as every command reads
    a workbook."""
    with pytest.raises(UnusableWorkbook) as raised:
        read_workbook(open_package(path))
    assert raised.value.path == path
    assert "\n" not in raised.value.problem
    return raised.value.problem


def _assert_every_command_refuses(path: Path, tmp_path: Path, problem: str) -> None:
    """recalc, refresh and attach each end with one line naming the file and ``problem``,
    exit 4, and no file written."""
    for command, out in (
        ("recalc", tmp_path / "out.xlsx"),
        ("refresh", tmp_path / "out.xlsx"),
        ("attach", tmp_path / "out.xlsm"),
    ):
        done = run_productive_xl(command, str(path), "-o", str(out))
        lines = done.stderr.strip().splitlines()
        assert done.returncode == EXIT_UNUSABLE_INPUT, (command, done.stderr)
        assert len(lines) == 1, (command, done.stderr)
        assert str(path) in lines[0]
        assert problem in lines[0], (command, lines[0])
        assert not out.exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


# ---- zip bombs and what the central directory says ----


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 members of 1 MiB of zeros in a file of under 1 MB (issue 9: 1.3 GB in memory and
    written out with exit 0, before)."""
    members = workbook_members()
    members.update({f"xl/media/zeros{n}.bin": bytes(1 << 20) for n in range(600)})
    path = write_package(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", members)
    assert path.stat().st_size < 1_000_000
    return path


def test_many_members_of_zeros_are_a_zip_bomb(bomb: Path, tmp_path: Path) -> None:
    assert "looks like a zip bomb: xl/media/zeros0.bin expands" in _refusal(bomb)
    _assert_every_command_refuses(bomb, tmp_path, "looks like a zip bomb")


def test_small_members_of_zeros_are_fine(tmp_path: Path) -> None:
    members = workbook_members()
    members.update({f"xl/media/zeros{n}.bin": bytes(64 << 10) for n in range(20)})
    path = write_package(tmp_path / "small.xlsx", members)
    assert read_workbook(open_package(path)).sheets[0].name == "Sheet1"


def test_many_small_members_of_zeros_are_a_zip_bomb_together(tmp_path: Path) -> None:
    members = workbook_members()
    members.update({f"xl/media/zeros{n}.bin": bytes(64 << 10) for n in range(1_000)})
    path = write_package(tmp_path / "bomb.xlsx", members)
    assert path.stat().st_size < 300_000  # 64 MiB in all
    assert "looks like a zip bomb: its 1,006 members expand" in _refusal(path)


def test_too_many_members(tmp_path: Path) -> None:
    members = workbook_members()
    members.update({f"xl/media/m{n}.txt": b"" for n in range(10_000)})
    path = write_package(tmp_path / "many.xlsx", members, zipfile.ZIP_STORED)
    assert "has 10,006 zip members, more than the 10,000" in _refusal(path)


def _pointed_at(path: Path, member: str, offset_of: str) -> None:
    """Make the central directory entry of ``member`` point at the local header of
    ``offset_of``: two entries over the same bytes, as in the "quoted overlap" zip bomb."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        target = archive.getinfo(offset_of).header_offset
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == member.encode():
            struct.pack_into("<I", data, at + 42, target)
        at = data.find(b"PK\x01\x02", at + 46)
    path.write_bytes(bytes(data))


def test_overlapping_members(tmp_path: Path) -> None:
    members = workbook_members()
    members["xl/media/big.bin"] = os.urandom(200_000)
    members["xl/media/next.bin"] = b"after"
    path = write_package(tmp_path / "overlap.xlsx", members)
    _pointed_at(path, "xl/media/next.bin", "xl/media/big.bin")
    assert "has zip members that overlap (xl/media/big.bin runs into xl/media/next.bin)" in (
        _refusal(path)
    )


@pytest.mark.parametrize("second", ["xl/worksheets/sheet1.xml", "XL/Worksheets/Sheet1.XML"])
def test_duplicate_member_names(tmp_path: Path, second: str) -> None:
    path = write_workbook(tmp_path / "twice.xlsx")
    with (
        pytest.warns(UserWarning, match="Duplicate name")
        if second == "xl/worksheets/sheet1.xml"
        else _NoWarning(),
        zipfile.ZipFile(path, "a") as archive,
    ):
        archive.writestr(second, sheet_xml(_FORMULA_CELL.format("2+2")))
    assert f"has two zip members named {second}" in _refusal(path)


class _NoWarning:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def test_a_corrupt_deflate_stream(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "corrupt.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/workbook.xml")
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    data[start : start + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    assert "damaged" in _refusal(path)


# ---- XML: DTDs whatever the encoding or name, and what is not XML ----


def _dtd(xml: bytes) -> bytes:
    head, _, rest = xml.partition(b"?>")
    return head + b'?><!DOCTYPE x [<!ENTITY lol "lolololol">]>' + rest


def test_a_dtd_in_a_utf16_part(tmp_path: Path) -> None:
    members = workbook_members()
    text = _dtd(members["xl/workbook.xml"]).decode().replace("UTF-8", "UTF-16")
    members["xl/workbook.xml"] = text.encode("utf-16")
    path = write_package(tmp_path / "utf16.xlsx", members)
    assert _refusal(path) == "xl/workbook.xml declares a DTD or entities, which are refused"
    _assert_every_command_refuses(path, tmp_path, "xl/workbook.xml declares a DTD")


@pytest.mark.parametrize("name", ["customXml/item1.XML", "xl/printerSettings/settings.bin"])
def test_a_dtd_whatever_the_name(tmp_path: Path, name: str) -> None:
    members = workbook_members()
    members[name] = _dtd(b'<?xml version="1.0"?><x>&lol;</x>')
    path = write_package(tmp_path / "named.xlsx", members)
    assert f"{name} declares a DTD or entities" in _refusal(path)


@pytest.mark.parametrize(
    ("formula", "problem"),
    [
        ("LEN(&quot;&#99999999999;&quot;)", "reference to invalid character number"),
        ("LEN(&quot;&#xD800;&quot;)", "reference to invalid character number"),
        ("LEN(&quot;\udcff&quot;)", "not well-formed (invalid token)"),
        ("LEN(&quot;&lol;&quot;)", "undefined entity"),
    ],
)
def test_text_that_is_not_xml(tmp_path: Path, formula: str, problem: str) -> None:
    xml = _FORMULA_CELL.format(formula).encode("utf-8", "surrogateescape")
    sheet = sheet_xml("").replace(b"<sheetData>", b"<sheetData>" + xml)
    path = write_workbook(tmp_path / "broken.xlsx", sheet)
    refused = _refusal(path)
    assert refused.startswith("xl/worksheets/sheet1.xml is not well-formed XML")
    assert problem in refused
    assert "line 2" in refused


def test_a_part_in_another_encoding(tmp_path: Path) -> None:
    sheet = sheet_xml(_FORMULA_CELL.format("LEN(&quot;caf\xe9&quot;)"))
    latin = sheet.decode().replace("UTF-8", "ISO-8859-1").encode("latin-1")
    path = write_workbook(tmp_path / "latin.xlsx", latin)
    assert "xl/worksheets/sheet1.xml is written in ISO-8859-1" in _refusal(path)


def test_what_excel_writes_that_is_not_quite_utf8_xml(tmp_path: Path) -> None:
    """SharePoint's custom XML in UTF-16, Hyperion's custom properties in UTF-16 without a
    byte-order mark, and Excel 2007's VML with an attribute repeated are all read."""
    members = workbook_members()
    members["customXml/item1.xml"] = '<?xml version="1.0" encoding="utf-16"?><p/>'.encode("utf-16")
    members["xl/customProperty1.bin"] = "<root/>\r\n".encode("utf-16-le")
    members["xl/drawings/vmlDrawing1.vml"] = (
        b'<xml xmlns:o="urn:schemas-microsoft-com:office:office"><o:fill o:relid="rId1" '
        b'o:relid="rId1"/></xml>'
    )
    path = write_package(tmp_path / "excel.xlsx", members)
    assert read_workbook(open_package(path)).sheets[0].name == "Sheet1"


def test_a_vml_part_with_a_dtd(tmp_path: Path) -> None:
    members = workbook_members()
    members["xl/drawings/vmlDrawing1.vml"] = _dtd(b'<?xml version="1.0"?><xml>&lol;</xml>')
    path = write_package(tmp_path / "vml.xlsx", members)
    assert "xl/drawings/vmlDrawing1.vml declares a DTD" in _refusal(path)


# ---- formulas that would crash the engine, and too many names or sheets ----


def _formula_workbook(tmp_path: Path, formula: str) -> Path:
    return write_workbook(tmp_path / "formula.xlsx", sheet_xml(_FORMULA_CELL.format(formula)))


@pytest.mark.parametrize(
    ("formula", "problem"),
    [
        ("(" * 3_000 + "1" + ")" * 3_000, "a formula nested 3,000 levels deep"),
        ("SUM(" * 4_000 + "1" + ")" * 4_000, "a formula of 20,001 characters"),
        ("+".join(["1"] * 30_000), "a formula of 59,999 characters"),
        ("-" * 8_000 + "1", "a formula nested 8,000 levels deep"),
        ("(" * 65 + "1" + ")" * 65, "a formula nested 65 levels deep"),
        ("+".join(["1"] * 4_097), "a formula of 8,193 characters"),
    ],
    ids=["3000 parentheses", "4000 SUM", "30000 terms", "8000 signs", "65 levels", "8193 long"],
)
def test_formulas_past_excels_limits(tmp_path: Path, formula: str, problem: str) -> None:
    """Each of these crashed the process with SIGSEGV before, but the last two, which are just
    past Excel's own limits."""
    path = _formula_workbook(tmp_path, formula)
    assert _refusal(path).startswith(f"Sheet1!A1 has {problem}")


def test_the_engine_crashing_formulas_from_every_command(tmp_path: Path) -> None:
    path = _formula_workbook(tmp_path, "(" * 3_000 + "1" + ")" * 3_000)
    _assert_every_command_refuses(path, tmp_path, "Sheet1!A1 has a formula nested 3,000")


@pytest.mark.parametrize(
    ("formula", "value"),
    [
        ("(" * 64 + "2" + ")" * 64, 2.0),
        ("SUM(" * 64 + "3" + ")" * 64, 3.0),
        ("-" * 64 + "4", 4.0),  # an even number of minus signs
        ("+".join(["1"] * 4_096), 4096.0),  # 8,191 characters
        ("_xlfn.CONCAT(" + "+".join(["1"] * 4_090) + ")", "4090"),  # 8,192 less the prefix
    ],
    ids=["64 parentheses", "64 SUM", "64 signs", "8191 long", "8192 as Excel counts"],
)
def test_formulas_at_excels_limits_are_recalculated(
    tmp_path: Path, formula: str, value: object
) -> None:
    path = _formula_workbook(tmp_path, formula)
    report = recalc(path, tmp_path / "out.xlsx")
    assert report.complete, report
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    expected = f"{value:g}" if isinstance(value, float) else value
    assert f"<v>{expected}</v>".encode() in sheet


def test_a_formula_in_a_comment_is_no_formula(tmp_path: Path) -> None:
    sheet = sheet_xml(_FORMULA_CELL.format("1+1")).replace(
        b"</worksheet>", b"<!-- <f>" + b"(" * 100 + b"</f> --></worksheet>"
    )
    path = write_workbook(tmp_path / "comment.xlsx", sheet)
    assert read_workbook(open_package(path)).sheets[0].name == "Sheet1"


def test_too_many_defined_names(tmp_path: Path) -> None:
    names = "".join(
        f'<definedName name="Name{n}">Sheet1!$A${n + 1}</definedName>' for n in range(30_000)
    )
    path = write_workbook(tmp_path / "names.xlsx", defined_names=names)
    start = time.monotonic()
    assert "has 30,000 defined names, more than the 5,000 read" in _refusal(path)
    assert time.monotonic() - start < 30  # minutes inside the engine, before


def test_a_defined_name_past_the_limits(tmp_path: Path) -> None:
    deep = "(" * 100 + "1" + ")" * 100
    path = write_workbook(
        tmp_path / "name.xlsx", defined_names=f'<definedName name="Deep">{deep}</definedName>'
    )
    assert _refusal(path).startswith("the defined name Deep has a formula nested 100 levels")


def test_too_many_sheets(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "sheets.xlsx", sheets=1_001)
    assert "has 1,001 sheets, more than the 1,000 read" in _refusal(path)


# ---- only regular files ----


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    start = time.monotonic()
    _assert_every_command_refuses(fifo, tmp_path, "is a FIFO (named pipe), not a workbook file")
    assert time.monotonic() - start < 60  # it blocked forever, before


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused_not_read(tmp_path: Path) -> None:
    assert _refusal(Path("/dev/zero")) == (
        "is a device, not a workbook file: only regular files are read"
    )


def test_a_folder_is_refused(tmp_path: Path) -> None:
    assert _refusal(tmp_path) == "is a folder, not a workbook file"


# ---- time in proportion to the input ----


def _cpu_seconds(work: object) -> float:
    start = time.process_time()
    work()  # type: ignore[operator]
    return time.process_time() - start


@pytest.mark.skipif(sys.platform == "win32", reason="process time is coarse on Windows")
def test_slow_inputs_take_time_in_proportion(tmp_path: Path) -> None:
    """40,000 "<c " in a comment of a sheet (a 5 KB file: minutes of recalc, before; now a zip
    bomb by its ratio, so stored here to reach the scans), and a
    formula holding a 300,000-character text (minutes; now refused for its length): at n, 2n
    and 4n, the time grows about as n does, not as n squared (4n would take 16 times n)."""

    def comment(n: int) -> Path:
        sheet = sheet_xml(_FORMULA_CELL.format("1+1")).replace(
            b"</worksheet>", b"<!--" + b"<c " * n + b"--></worksheet>"
        )
        members = workbook_members(sheet)  # stored: deflated, 343 to 1, it is a zip bomb
        return write_package(tmp_path / f"comment{n}.xlsx", members, zipfile.ZIP_STORED)

    def long_text(n: int) -> Path:
        formula = "LEN(&quot;" + "a" * n + "&quot;)"
        return _formula_workbook(tmp_path, formula).rename(tmp_path / f"text{n}.xlsx")

    out = tmp_path / "out.xlsx"
    times = {}
    for n in (40_000, 80_000, 160_000):
        path = comment(n)
        times[n] = min(_cpu_seconds(lambda p=path: recalc(p, out)) for _ in range(2))
    assert times[160_000] < 8 * times[40_000] + 0.5, times

    times = {}
    for n in (75_000, 150_000, 300_000):
        path = long_text(n)
        times[n] = min(_cpu_seconds(lambda p=path: _refusal(p)) for _ in range(2))
    assert times[300_000] < 8 * times[75_000] + 0.5, times
