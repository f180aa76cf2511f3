"""Reading the modules of an existing VBA project, to keep them beside ours when attaching.

The projects read are the ones Excel wrote in the excel-made fixtures; what is expected of them
is what olevba (oletools, an independent reader) reads from the same files.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import olefile
import pytest
from oletools.olevba import VBA_Parser, decompress_stream

from productive_xl.tracker.attach import attach
from productive_xl.vbaproject.compound_file import compound_file
from productive_xl.vbaproject.reading import UnreadableVbaProject, read_vba_project

OFFICE = b"{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}"
STDOLE = b"{00020430-0000-0000-C000-000000000046}"


def _project(workbook: Path) -> bytes:
    with zipfile.ZipFile(workbook) as archive:
        return archive.read("xl/vbaProject.bin")


def _dir_stream(project: bytes) -> bytes:
    with olefile.OleFileIO(io.BytesIO(project)) as ole:
        return bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))


@pytest.mark.excel_made
@pytest.mark.parametrize("name", ["macro02.xlsm", "macro04.xlsm", "button07.xlsm"])
def test_modules_read_as_olevba_reads_them(excel_made: Path, name: str) -> None:
    project = _project(excel_made / name)
    parser = VBA_Parser("vbaProject.bin", data=project, relaxed=False)
    expected = {n.rsplit(".", 1)[0]: code for _, _, n, code in parser.extract_macros()}
    read = read_vba_project(project)
    assert read.name == "VBAProject"
    assert read.code_page == 1252
    assert {m.name: m.code for m in read.modules} == expected
    kinds = {m.name: m.kind for m in read.modules}
    assert kinds["Module1"] == "standard"
    assert sorted(k for k in kinds.values() if k == "document") == ["document", "document"]
    # Excel's references are stdole then Office (the Office 12.0 library, as Excel 2007 wrote it)
    assert STDOLE in read.references
    assert OFFICE in read.references
    assert read.references.index(STDOLE) < read.references.index(OFFICE)


@pytest.mark.excel_made
def test_attaching_keeps_the_workbooks_references_without_doubling_them(
    excel_made: Path, tmp_path: Path
) -> None:
    out = tmp_path / "attached.xlsm"
    attach(excel_made / "macro02.xlsm", out)
    with zipfile.ZipFile(out) as archive:
        after = _dir_stream(archive.read("xl/vbaProject.bin"))
    before = _dir_stream(_project(excel_made / "macro02.xlsm"))
    assert after.count(OFFICE) == before.count(OFFICE) == 1
    assert after.count(STDOLE) == 1
    # The Office reference Excel 2007 wrote is kept as it was, path and all.
    office_12 = rb"Microsoft Shared\OFFICE12\MSO.DLL#Microsoft Office 12.0 Object Library"
    assert office_12 in before
    assert office_12 in after


@pytest.mark.excel_made
def test_a_userform_is_refused(excel_made: Path) -> None:
    # A project whose PROJECT stream declares a designer (a UserForm): its form's storage could
    # not be carried over, so the project is refused rather than broken.
    project = _project(excel_made / "macro02.xlsm")
    with olefile.OleFileIO(io.BytesIO(project)) as ole:
        streams = {"/".join(p): ole.openstream(p).read() for p in ole.listdir()}
    streams["PROJECT"] = streams["PROJECT"].replace(
        b"Module=Module1\r\n", b"Module=Module1\r\nBaseClass=UserForm1\r\n"
    )
    with pytest.raises(UnreadableVbaProject, match="UserForm"):
        read_vba_project(compound_file(streams))


def test_a_project_without_a_dir_stream_is_refused() -> None:
    with pytest.raises(UnreadableVbaProject, match="no VBA/dir"):
        read_vba_project(compound_file({"PROJECT": b'Name="VBAProject"\r\n'}))
