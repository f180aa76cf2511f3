"""write_package copies the members it does not replace as they are stored, compressed bytes
and all, and writes a zip that zipfile, python-calamine, openpyxl and LibreOffice read (issue 3,
point 8)."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest
from excel_made import excel_made_workbooks
from libreoffice import save_as_ods
from python_calamine import CalamineWorkbook

from productive_xl.ooxml.package import open_package
from productive_xl.ooxml.writer import write_package

# What a local header holds (APPNOTE 4.3.7), read here by hand rather than by the code tested.
LOCAL_HEADER = struct.Struct("<4s5H3L2H")


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
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
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
    with zipfile.ZipFile(workbook) as before, zipfile.ZipFile(out) as after:
        assert after.testzip() is None
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
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
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
