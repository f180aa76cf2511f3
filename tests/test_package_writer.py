"""write_package copies the members it does not replace as they are stored, compressed bytes
and all, and writes a zip that zipfile, python-calamine, openpyxl and LibreOffice read (issue 3,
point 8); the zip is laid out as APPNOTE says, read here by hand and by Info-ZIP's unzip, and
written without zipfile's internals (issue 7, point 4)."""

from __future__ import annotations

import ast
import io
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from excel_made import excel_made_workbooks
from libreoffice import save_as_ods
from python_calamine import CalamineWorkbook

from productive_xl.ooxml import writer
from productive_xl.ooxml.package import UnusableWorkbook, open_package
from productive_xl.ooxml.writer import write_package

# What a local header, a central directory header and the end of central directory record hold
# (APPNOTE 4.3.7, 4.3.12, 4.3.16), read here by hand rather than by the code tested.
LOCAL_HEADER = struct.Struct("<4s5H3L2H")
CENTRAL_HEADER = struct.Struct("<4s6H3L5H2L")
END_RECORD = struct.Struct("<4s4H2LH")
DESCRIPTOR_SIGNATURE = b"PK\x07\x08"
UNZIP = shutil.which("unzip")


def _record_problems(raw: bytes, central: tuple[Any, ...], name: bytes) -> tuple[list[str], int]:
    """Where a member's record (local header, data, data descriptor) disagrees with its central
    directory header ``central``, and where the record ends."""
    (_, _, needed, flags, method, time, date, crc, compressed, plain, *_, offset) = central
    local = LOCAL_HEADER.unpack_from(raw, offset)
    told, listed = local[:6], (b"PK\x03\x04", needed, flags, method, time, date)
    if told != listed:
        return [f"{name!r}: local header {told}, central directory {listed}"], offset
    problems = []
    name_at = offset + LOCAL_HEADER.size
    if raw[name_at : name_at + local[9]] != name:
        problems.append(f"{name!r}: the local header names it otherwise")
    data_at = name_at + local[9] + local[10]
    end = data_at + compressed
    sizes = local[6:9]
    if flags & 0x08:  # a data descriptor holds them, after a signature it may leave out
        end += 4 if raw[end : end + 4] == DESCRIPTOR_SIGNATURE else 0
        if sizes not in ((crc, compressed, plain), (0, 0, 0)):
            problems.append(f"{name!r}: local header sizes {sizes}")
        sizes, end = struct.unpack_from("<3L", raw, end), end + 12
    if sizes != (crc, compressed, plain):
        problems.append(f"{name!r}: CRC and sizes {sizes}, central {crc, compressed, plain}")
    data = raw[data_at : data_at + compressed]
    try:
        content = zlib.decompress(data, -zlib.MAX_WBITS) if method == 8 else data
    except zlib.error:
        content = b""
    if (zlib.crc32(content), len(content)) != (crc, plain):
        problems.append(f"{name!r}: its data does not give its CRC and size")
    return problems, end


def _layout_problems(path: Path) -> list[str]:
    """Where the zip at ``path`` departs from APPNOTE's layout, read by hand: the end record
    finds the central directory; each central directory header finds a local header that says
    the same of its member (versions, flags, method, time, name, and CRC and sizes there or in
    its data descriptor); the data inflates to that CRC and size; and the records lie end to
    end from the start of the file to the central directory, which ends at the end record."""
    raw = path.read_bytes()
    problems: list[str] = []
    end_at = len(raw) - END_RECORD.size  # the writer leaves no archive comment
    signature, disk, start_disk, here, count, size, start, _ = END_RECORD.unpack_from(raw, end_at)
    if (signature, disk, start_disk, here) != (b"PK\x05\x06", 0, 0, count):
        return [f"end record {(signature, disk, start_disk, here, count)}"]
    if start + size != end_at:
        problems.append(f"central directory {start}+{size} does not end at the end record")
    at, record_end = start, 0
    for _ in range(count):
        central = CENTRAL_HEADER.unpack_from(raw, at)
        name_at = at + CENTRAL_HEADER.size
        name = raw[name_at : name_at + central[10]]
        if central[0] != b"PK\x01\x02":
            return [*problems, f"no central directory header at {at}"]
        if central[-1] != record_end:
            problems.append(f"{name!r}: its record is at {central[-1]}, not {record_end}")
        found, record_end = _record_problems(raw, central, name)
        problems += found
        at = name_at + central[10] + central[11] + central[12]
    if record_end != start:
        problems.append(f"the records end at {record_end}, the central directory is at {start}")
    if at != start + size:
        problems.append(f"the central directory headers end at {at}, not {start + size}")
    return problems


def _valid_zip(path: Path) -> None:
    """The zip at ``path`` is laid out as APPNOTE says, and zipfile and (where it is installed)
    Info-ZIP's unzip, independent readers both, test every member of it sound."""
    assert _layout_problems(path) == []
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
    if UNZIP:
        tested = subprocess.run(
            [UNZIP, "-tqq", str(path)], capture_output=True, text=True, check=False
        )
        assert tested.returncode == 0, tested.stdout + tested.stderr


def _records(path: Path) -> dict[str, tuple[int, bytes, bytes]]:
    """Each member's CRC, local header and compressed data, as they lie in the file."""
    found: dict[str, tuple[int, bytes, bytes]] = {}
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            at = info.header_offset
            fields = LOCAL_HEADER.unpack_from(raw, at)
            assert fields[0] == b"PK\x03\x04", info.filename
            data_at = at + LOCAL_HEADER.size + fields[9] + fields[10]
            header = raw[at:data_at]
            found[info.filename] = (info.CRC, header, raw[data_at : data_at + info.compress_size])
    return found


def _contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _replace_one(workbook: Path, out: Path) -> str:
    """Write ``workbook`` to ``out`` with docProps/app.xml (or the workbook part) changed."""
    package = open_package(workbook)
    name = "docProps/app.xml" if package.has("docProps/app.xml") else "xl/workbook.xml"
    write_package(package, {name: package.read(name) + b"\n<!-- changed -->"}, out)
    return name


@pytest.mark.excel_made
@pytest.mark.parametrize("workbook", excel_made_workbooks())
def test_untouched_members_keep_their_compressed_bytes(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / workbook.name
    replaced = _replace_one(workbook, out)
    _valid_zip(out)
    before, after = _records(workbook), _records(out)
    assert list(before) == list(after)
    for name, (crc, header, data) in before.items():
        if name != replaced:
            assert after[name] == (crc, header, data), name
    old, new = _contents(workbook), _contents(out)
    assert new[replaced] == old[replaced] + b"\n<!-- changed -->"
    assert {k: v for k, v in new.items() if k != replaced} == {
        k: v for k, v in old.items() if k != replaced
    }
    # python-calamine reads every sheet of the copy as of the original
    original, copy = CalamineWorkbook.from_path(str(workbook)), CalamineWorkbook.from_path(str(out))
    assert copy.sheet_names == original.sheet_names
    for sheet in original.sheet_names:
        assert (
            copy.get_sheet_by_name(sheet).to_python()
            == original.get_sheet_by_name(sheet).to_python()
        )


class _OneWay(io.RawIOBase):
    """A stream that can only be written forwards, so zipfile follows each member's data with a
    data descriptor (general purpose flag bit 3), as some writers of workbooks do."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: object) -> int:
        chunk = bytes(b)  # type: ignore[call-overload]
        self.data += chunk
        return len(chunk)


def _with_descriptors(path: Path) -> None:
    """An openpyxl workbook re-zipped with a data descriptor after every member."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["A2"], sheet["A3"] = 2, 3, "=A1*A2"
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    stream = _OneWay()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(stream, "w") as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info))
    path.write_bytes(bytes(stream.data))


def test_members_with_data_descriptors_are_copied_with_them(tmp_path: Path) -> None:
    workbook = tmp_path / "descriptors.xlsx"
    _with_descriptors(workbook)
    with zipfile.ZipFile(workbook) as archive:
        assert all(info.flag_bits & 0x08 for info in archive.infolist())
    out = tmp_path / "out.xlsx"
    replaced = _replace_one(workbook, out)
    raw_before, raw_after = workbook.read_bytes(), out.read_bytes()
    _valid_zip(out)
    with zipfile.ZipFile(workbook) as before, zipfile.ZipFile(out) as after:
        for old in before.infolist():
            if old.filename == replaced:
                continue
            new = after.getinfo(old.filename)
            assert new.flag_bits & 0x08
            # the whole record: header, data and the 16-byte descriptor (signature, CRC, sizes)
            length = 30 + len(old.filename) + len(old.extra) + old.compress_size + 16
            record = raw_before[old.header_offset : old.header_offset + length]
            assert raw_after[new.header_offset : new.header_offset + length] == record
            assert record[-16:] == struct.pack(
                "<4s3L", b"PK\x07\x08", old.CRC, old.compress_size, old.file_size
            )
    sheet = openpyxl.load_workbook(out)["Sheet"]
    assert (sheet["A1"].value, sheet["A3"].value) == (2, "=A1*A2")


def test_a_file_changed_since_it_was_read_is_written_as_it_was_read(tmp_path: Path) -> None:
    workbook = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "as read"
    book.save(workbook)
    package = open_package(workbook)
    sheet["A1"] = "written since"
    book.save(workbook)  # the same members, with other bytes
    out = tmp_path / "out.xlsx"
    write_package(package, {"docProps/app.xml": package.read("docProps/app.xml")}, out)
    _valid_zip(out)
    with zipfile.ZipFile(out) as archive:
        assert {info.filename: archive.read(info) for info in archive.infolist()} == (
            package.contents
        )


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.excel_made
def test_libreoffice_reads_a_copy_as_the_original(excel_made: Path, tmp_path: Path) -> None:
    workbook = excel_made / "table03.xlsx"
    out = tmp_path / "copy.xlsx"
    _replace_one(workbook, out)
    ours, theirs = tmp_path / "ours.ods", tmp_path / "theirs.ods"
    save_as_ods(out, ours)
    save_as_ods(workbook, theirs)
    read_ours, read_theirs = (
        CalamineWorkbook.from_path(str(ours)),
        CalamineWorkbook.from_path(str(theirs)),
    )
    assert read_ours.sheet_names == read_theirs.sheet_names
    for sheet in read_theirs.sheet_names:
        rows = read_theirs.get_sheet_by_name(sheet).to_python()
        assert rows  # the sheet is read, not empty
        assert read_ours.get_sheet_by_name(sheet).to_python() == rows


def _varied_workbook(path: Path) -> None:
    """An openpyxl workbook re-zipped with what Excel's own zips seldom show: member comments,
    Unix and MS-DOS attributes, the text bit, times of their own, a member stored, not deflated,
    and one whose name is not ASCII."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["A2"] = "kept", 2
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
        parts.append(("xl/media/ünïcode.bin", bytes(range(256)) * 4))
        for number, (name, data) in enumerate(parts):
            member = zipfile.ZipInfo(name, date_time=(2019 + number, 1 + number, 2, 3, 4, 6))
            member.comment = f"comment {number}".encode()
            member.create_system = number % 2 * 3  # MS-DOS and Unix by turns
            member.external_attr = (0o100640 << 16) if number % 2 else 0x20  # mode, or archive
            member.internal_attr = 1 if name.endswith(".xml") else 0  # "apparently text"
            stored = name.endswith(".bin") or number == 1
            member.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            target.writestr(member, data)


KEPT = ("filename", "date_time", "comment", "create_system", "external_attr", "internal_attr")


def test_members_keep_their_order_names_times_attributes_and_comments(tmp_path: Path) -> None:
    workbook = tmp_path / "varied.xlsx"
    _varied_workbook(workbook)
    package = open_package(workbook)
    out = tmp_path / "out.xlsx"
    changed = "xl/worksheets/sheet1.xml"
    gone = "docProps/core.xml"
    added = {"customXml/ïtem1.xml": b"<added/>", "customXml/empty.xml": b""}
    write_package(package, {changed: package.read(changed) + b" "}, out, added, (gone,))
    _valid_zip(out)
    before, after = _records(workbook), _records(out)
    with zipfile.ZipFile(out) as archive:
        written = archive.infolist()
        kept = [info for info in package.infos if info.filename != gone]
        assert [info.filename for info in written] == [
            *(info.filename for info in kept),
            *added,
        ]
        for old, new in zip(kept, written, strict=False):
            assert [getattr(new, field) for field in KEPT] == [
                getattr(old, field) for field in KEPT
            ], old.filename
            assert new.compress_type == old.compress_type, old.filename
            if old.filename != changed:
                assert after[old.filename] == before[old.filename], old.filename
        assert archive.read(changed) == package.read(changed) + b" "
        for info in written[len(kept) :]:
            assert archive.read(info) == added[info.filename]
            assert info.date_time == package.infos[0].date_time
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.flag_bits & 0x800 == (0x800 if not info.filename.isascii() else 0)
    assert openpyxl.load_workbook(out)["Sheet"]["A1"].value == "kept"


def test_a_member_whose_local_header_disagrees_is_compressed_afresh(tmp_path: Path) -> None:
    """A local header whose time is not its central directory entry's is not copied: the copy
    would carry the disagreement on. The member is written anew, with the central time."""
    workbook = tmp_path / "book.xlsx"
    _varied_workbook(workbook)
    raw = bytearray(workbook.read_bytes())
    with zipfile.ZipFile(workbook) as archive:
        odd = archive.getinfo("xl/styles.xml")
    raw[odd.header_offset + 10 : odd.header_offset + 12] = b"\x00\x00"  # the local time: 0:00
    workbook.write_bytes(raw)
    package = open_package(workbook)
    out = tmp_path / "out.xlsx"
    write_package(package, {"docProps/app.xml": package.read("docProps/app.xml")}, out)
    _valid_zip(out)
    before, after = _records(workbook), _records(out)
    assert after["xl/styles.xml"][1] != before["xl/styles.xml"][1]  # a header of its own
    assert after["xl/workbook.xml"] == before["xl/workbook.xml"]  # the others copied
    with zipfile.ZipFile(out) as archive:
        assert archive.getinfo("xl/styles.xml").date_time == odd.date_time
        assert archive.read("xl/styles.xml") == package.read("xl/styles.xml")


def test_a_package_that_would_need_zip64_is_refused_and_nothing_is_touched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = tmp_path / "book.xlsx"
    _varied_workbook(workbook)
    package = open_package(workbook)
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"what was here before")
    # the 4 GiB a zip without zip64 can hold, made small enough for a test to reach
    monkeypatch.setattr(writer, "_ZIP32_LIMIT", 2_000)
    with pytest.raises(UnusableWorkbook, match="zip64"):
        write_package(package, {}, out)
    assert out.read_bytes() == b"what was here before"
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == ["book.plain.xlsx", "book.xlsx", "out.xlsx"]  # no temporary file


def test_the_layout_check_finds_a_zip_laid_out_wrong(tmp_path: Path) -> None:
    """_layout_problems, on which the tests above rest, can fail: a local time changed, a
    record's offset moved and the central directory's count cut each show."""
    workbook = tmp_path / "book.xlsx"
    _varied_workbook(workbook)
    out = tmp_path / "out.xlsx"
    write_package(open_package(workbook), {}, out)
    assert _layout_problems(out) == []
    raw = out.read_bytes()
    end_at = len(raw) - END_RECORD.size
    start = END_RECORD.unpack_from(raw, end_at)[6]
    spoilt = {
        "time": (10, b"\x01\x00"),  # the first local header's time
        "offset": (start + 42, b"\x01\x00"),  # the first central header's local header offset
        "count": (end_at + 10, b"\x01\x00"),  # the end record's count of members
    }
    for what, (at, value) in spoilt.items():
        broken = bytearray(raw)
        broken[at : at + len(value)] = value
        out.write_bytes(broken)
        assert _layout_problems(out), what


# Attributes of zipfile's objects that are no part of its documented API, which a writer of
# members as stored is drawn to: its open file, its member lists, where the central directory
# goes, the name as it was read.
ZIPFILE_INTERNALS = frozenset({"fp", "filelist", "NameToInfo", "start_dir", "orig_filename"})


def _internals_used(source: str) -> list[str]:
    """Each use in ``source`` of a private name (one with a leading underscore) of anything but
    the module's own objects (``self``), or of one of zipfile's internals, by attribute, by
    getattr and its kin, or by import; as "line: name", in the order they are written."""
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Attribute):
            on_self = isinstance(node.value, ast.Name) and node.value.id == "self"
            names = [] if on_self and node.attr not in ZIPFILE_INTERNALS else [node.attr]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in {"getattr", "setattr", "hasattr", "delattr"} and node.args[1:]:
                name = node.args[1]
                names = [name.value] if isinstance(name, ast.Constant) else ["<computed>"]
        elif isinstance(node, ast.ImportFrom) and node.module == "zipfile":
            names = [alias.name for alias in node.names]
        found += [
            (node.lineno, node.col_offset, name)
            for name in names
            if name.startswith("_") or name in ZIPFILE_INTERNALS or name == "<computed>"
        ]
    return [f"{line}: {name}" for line, _, name in sorted(found)]


def test_the_writer_uses_no_internal_of_zipfile() -> None:
    source = Path(writer.__file__).read_text(encoding="utf-8")
    assert _internals_used(source) == []


def test_the_internals_check_finds_each_way_in() -> None:
    """What the writer did before (issue 7), and other ways round: each is found."""
    old_ways = """
archive.fp.write(record)
archive.filelist.append(member)
archive.NameToInfo[member.filename] = member
archive.start_dir = archive.fp.tell()
member._compresslevel = 9
setattr(archive, "_didModify", True)
getattr(archive, field)
from zipfile import _EndRecData
name.encode(original.orig_filename)
vars(archive).__dict__
self.fp.seek(0)
"""
    assert [line.split(": ")[1] for line in _internals_used(old_ways)] == [
        "fp", "filelist", "NameToInfo", "start_dir", "fp", "_compresslevel", "_didModify",
        "<computed>", "_EndRecData", "orig_filename", "__dict__", "fp",
    ]  # fmt: skip
