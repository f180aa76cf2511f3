"""The VBA project written from source text, read back by independent readers.

- Compression (MS-OVBA 2.4.1): the spec's own worked examples of section 3.2, and round trips of
  random and repetitive bytes through our ``decompress`` and through oletools' decompressor.
- The compound file (MS-CFB): olefile reads back every stream byte for byte -- empty, in the
  mini stream, in regular sectors, in nested storages, big enough to need DIFAT sectors -- and
  each storage's children form a valid (all black) red-black tree.
- The VBA project: oletools' VBA parser, in its strict mode, finds every module with its name
  and the code we stored; LibreOffice, when installed, imports every module into its Basic.

What "the code" means in the comparisons: the text in a module stream is the module's
``Attribute VB_*`` lines followed by its source. ``stored_source`` gives that full text, and
olevba's ``VBA_Module.code`` must equal it exactly. olevba's report (``filter_vba``) and
LibreOffice both drop the attribute lines, so those are compared with the source's body, after
turning every line end into LF and ignoring trailing line ends.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.etree import ElementTree

import olefile
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from libreoffice import SOFFICE, save_as_ods
from oletools.olevba import VBA_Parser, decompress_stream, filter_vba

from productive_xl.vbaproject.compound_file import compound_file
from productive_xl.vbaproject.compression import compress, decompress
from productive_xl.vbaproject.project import Module, _encrypt, stored_source, vba_project

REPO = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------------------------
# Compression: MS-OVBA 3.2, the examples of section 2.4.1's algorithm.

# 3.2.1 No Compression Example: too few repeats for any copy token.
NO_COMPRESSION_TEXT = b"abcdefghijklmnopqrstuv."
NO_COMPRESSION = bytes.fromhex(
    "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E"
)
# 3.2.2 Normal Compression Example.
NORMAL_TEXT = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
NORMAL = bytes.fromhex(
    "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 30"
    " 6D 6E 6F 70 06 71 02 70 04 10 72 73 74 75 76 10 77 78 79 7A 00 3C"
)
# 3.2.3 Maximum Compression Example: one literal, then one copy token for the other 72 bytes.
MAXIMUM_TEXT = b"a" * 73
MAXIMUM = bytes.fromhex("01 03 B0 02 61 45 00")


def test_the_no_compression_example_of_the_spec() -> None:
    assert compress(NO_COMPRESSION_TEXT) == NO_COMPRESSION
    assert decompress(NO_COMPRESSION) == NO_COMPRESSION_TEXT


def test_the_maximum_compression_example_of_the_spec() -> None:
    assert compress(MAXIMUM_TEXT) == MAXIMUM
    assert decompress(MAXIMUM) == MAXIMUM_TEXT


def test_the_normal_compression_example_of_the_spec() -> None:
    """The spec's bytes decode to its text, and ours are as long and decode to the same.

    They differ in three copy tokens: where several earlier repeats are equally long, the
    matching routine of 2.4.1.3.19.4 keeps the nearest, and so do we, whereas the bytes printed
    in 3.2.2 point at a farther one. Both are valid encodings of the same text.
    """
    assert decompress(NORMAL) == NORMAL_TEXT
    ours = compress(NORMAL_TEXT)
    assert len(ours) == len(NORMAL)
    assert decompress(ours) == NORMAL_TEXT
    assert decompress_stream(ours) == NORMAL_TEXT


def _chunks(container: bytes) -> list[tuple[bool, bytes]]:
    """(compressed?, body) of each chunk of a CompressedContainer, read from the headers."""
    chunks, position = [], 1
    while position < len(container):
        header = int.from_bytes(container[position : position + 2], "little")
        end = position + (header & 0x0FFF) + 3
        chunks.append((bool(header & 0x8000), container[position + 2 : end]))
        position = end
    return chunks


def _assert_round_trip(data: bytes) -> None:
    """``data`` comes back from both decompressors, zero-padded only after a raw last chunk."""
    container = compress(data)
    assert container[0] == 0x01
    chunks = _chunks(container)
    assert len(chunks) == -(-len(data) // 4096)
    for compressed, body in chunks:
        assert len(body) <= 4096
        assert compressed or len(body) == 4096
    padding = 0 if not chunks or chunks[-1][0] else -len(data) % 4096
    for decompressor in (decompress, decompress_stream):
        assert decompressor(container) == data + bytes(padding)


@settings(deadline=None)
@given(st.binary(max_size=13_000))
def test_random_bytes_round_trip(data: bytes) -> None:
    _assert_round_trip(data)


@settings(deadline=None)
@given(st.binary(min_size=1, max_size=50), st.integers(min_value=1, max_value=400))
def test_repeated_blocks_round_trip_and_shrink(block: bytes, times: int) -> None:
    data = block * times
    _assert_round_trip(data)
    if len(data) > 200:
        assert len(compress(data)) < len(data)


@settings(deadline=None)
@given(st.text(alphabet="ab \r\n", max_size=10_000))
def test_text_of_few_letters_round_trips(text: str) -> None:
    _assert_round_trip(text.encode("ascii"))


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4095, 4096, 4097, 8192, 8193, 70_000])
def test_runs_of_one_byte_around_the_chunk_boundaries(size: int) -> None:
    _assert_round_trip(b"a" * size)


def test_an_incompressible_chunk_is_stored_raw() -> None:
    data = random.Random(2025).randbytes(4096)  # too few repeats to pay for the flag bytes
    container = compress(data)
    assert _chunks(container) == [(False, data)]
    assert decompress(container) == data


def test_vba_source_compresses_to_less_than_half() -> None:
    source = (REPO / "vba" / "ProductiveFunctions.bas").read_bytes()
    assert len(compress(source)) < len(source) / 2
    assert decompress(compress(source)) == source


@pytest.mark.parametrize(
    "container",
    [b"", b"\x02\x19\xb0", b"\x01\x19", b"\x01\x19\xa0\x00", b"\x01\x03\xb0\x02\x00\x70"],
    ids=["empty", "bad signature", "short header", "bad chunk signature", "copy before start"],
)
def test_decompress_rejects_malformed_containers(container: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - any of the messages will do
        decompress(container)


# --------------------------------------------------------------------------------------------
# Compound file (MS-CFB), read back with olefile.


def _read_back(data: bytes) -> olefile.OleFileIO:
    # DEFECT_INCORRECT: olefile raises on anything the spec says is wrong, not only on the fatal.
    return olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)


def _assert_streams(data: bytes, streams: Mapping[str, bytes]) -> None:
    ole = _read_back(data)
    listed = {"/".join(path) for path in ole.listdir(streams=True, storages=False)}
    assert listed == set(streams)
    for path, content in streams.items():
        assert ole.get_type(path) == olefile.STGTY_STREAM
        assert ole.get_size(path) == len(content)
        assert ole.openstream(path).read() == content, path
    _assert_red_black_trees(ole)


def _cfb_order(name: str) -> tuple[int, str]:
    """MS-CFB 2.6.4: shorter names first, then by upper-cased code units (ASCII names here)."""
    return len(name), name.upper()


def _assert_red_black_trees(ole: olefile.OleFileIO) -> None:
    """Every node is black, and each storage's children are a search tree in 2.6.4 order."""
    entries = {i: e for i, e in enumerate(ole.direntries) if e is not None}

    def in_order(sid: int) -> list[str]:
        if sid == olefile.NOSTREAM:
            return []
        entry = entries[sid]
        assert entry.color == 1  # MS-CFB 2.6.1: 0x01 is black
        return [*in_order(entry.sid_left), entry.name, *in_order(entry.sid_right)]

    for entry in entries.values():
        if entry.entry_type in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE):
            names = in_order(entry.sid_child)
            assert names == sorted(names, key=_cfb_order)


def test_streams_of_every_size_and_nested_storages_read_back() -> None:
    streams = {
        "PROJECT": b"ID=...\r\n",
        "empty": b"",
        "VBA/dir": bytes(range(256)) * 3,
        "VBA/mini_full": b"m" * 64,
        "VBA/just_under": b"u" * 4095,
        "VBA/at_cutoff": b"c" * 4096,
        "VBA/just_over": bytes(i % 251 for i in range(4097)),
        "VBA/big": bytes(i % 253 for i in range(300_000)),
        "A/B/C/deep": b"deep",
        "A/B/sibling": b"s" * 5000,
        "A/top": b"t",
    }
    _assert_streams(compound_file(streams), streams)


def test_many_siblings_form_a_valid_tree() -> None:
    streams = {f"S/{'x' * (i % 7 + 1)}{i}": bytes([i]) * i for i in range(60)}
    _assert_streams(compound_file(streams), streams)


def test_a_file_whose_fat_outgrows_the_header_uses_difat_sectors() -> None:
    # 109 FAT sectors in the header map 109 * 128 sectors, about 7 MB; go past that.
    streams = {"huge": bytes(i % 241 for i in range(7_500_000)), "small": b"small"}
    data = compound_file(streams)
    assert int.from_bytes(data[0x48:0x4C], "little") >= 1  # number of DIFAT sectors
    _assert_streams(data, streams)


@settings(deadline=None, max_examples=40)
@given(
    st.dictionaries(
        st.text(alphabet="abcXYZ_1", min_size=1, max_size=31),
        st.binary(max_size=9000),
        max_size=12,
    )
)
def test_any_set_of_streams_reads_back(streams: dict[str, bytes]) -> None:
    # olefile and MS-CFB compare names case-insensitively: keep one of each.
    unique = {name.upper(): (name, data) for name, data in streams.items()}
    streams = {f"D/{name}": data for name, data in unique.values()}
    _assert_streams(compound_file(streams), streams)


def test_the_same_streams_give_the_same_bytes() -> None:
    streams = {"PROJECT": b"x", "VBA/dir": b"y" * 5000}
    assert compound_file(streams) == compound_file(dict(streams))


@pytest.mark.parametrize(
    "streams",
    [
        {"x" * 32: b""},
        {"a/": b""},
        {"a:b": b""},
        {"VBA": b"", "VBA/dir": b""},
        {"VBA/dir": b"", "VBA/DIR": b""},
    ],
    ids=["too long", "empty name", "colon", "stream and storage", "same name"],
)
def test_invalid_names_are_refused(streams: dict[str, bytes]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message names the path
        compound_file(streams)


# --------------------------------------------------------------------------------------------
# The VBA project.

HELLO = """Option Explicit

' Doubles a number; the accents check the code page: £ é.
Public Function Twice(ByVal x As Double) As Double
    Twice = 2 * x
End Function
"""

THIS_WORKBOOK = """Private Sub Workbook_Open()
    Application.StatusBar = "Opened"
End Sub
"""


def _modules() -> list[Module]:
    errors_bas = (REPO / "vba" / "ProductiveErrors.bas").read_bytes().decode("cp1252")
    return [
        Module("ThisWorkbook", THIS_WORKBOOK, "document"),
        Module("Sheet1", "", "document"),
        Module("ProductiveErrors", errors_bas, "standard"),
        Module("Hello", HELLO, "standard"),
    ]


def _body(text: str) -> str:
    """``text`` without its leading Attribute VB_ lines, LF line ends, no trailing ones."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and lines[0].startswith("Attribute VB_"):
        lines.pop(0)
    return "\n".join(lines).rstrip("\n")


@pytest.fixture(scope="module")
def project_bin() -> bytes:
    return vba_project(_modules())


def test_stored_source_adds_the_attributes_excel_writes() -> None:
    modules = _modules()
    this_workbook, sheet1, errors, hello = (stored_source(m) for m in modules)
    assert this_workbook == (
        'Attribute VB_Name = "ThisWorkbook"\r\n'
        'Attribute VB_Base = "0{00020819-0000-0000-C000-000000000046}"\r\n'
        "Attribute VB_GlobalNameSpace = False\r\n"
        "Attribute VB_Creatable = False\r\n"
        "Attribute VB_PredeclaredId = True\r\n"
        "Attribute VB_Exposed = True\r\n"
        "Attribute VB_TemplateDerived = False\r\n"
        "Attribute VB_Customizable = True\r\n" + THIS_WORKBOOK.replace("\n", "\r\n")
    )
    assert 'Attribute VB_Base = "0{00020820-0000-0000-C000-000000000046}"\r\n' in sheet1
    assert hello == 'Attribute VB_Name = "Hello"\r\n' + HELLO.replace("\n", "\r\n")
    # A .bas file already starts with its VB_Name line: it is kept, not repeated.
    errors_bas = (REPO / "vba" / "ProductiveErrors.bas").read_bytes().decode("cp1252")
    assert errors == errors_bas
    assert errors.count("Attribute VB_Name") == 1


def test_an_exported_class_file_keeps_its_attributes_and_drops_its_header() -> None:
    cls = (
        "VERSION 1.0 CLASS\nBEGIN\n  MultiUse = -1  'True\nEND\n"
        'Attribute VB_Name = "Account"\nAttribute VB_Exposed = True\n'
        "Public Balance As Double\n"
    )
    assert stored_source(Module("Account", cls, "class")) == (
        'Attribute VB_Name = "Account"\r\n'
        "Attribute VB_GlobalNameSpace = False\r\n"
        "Attribute VB_Creatable = False\r\n"
        "Attribute VB_PredeclaredId = False\r\n"
        "Attribute VB_Exposed = True\r\n"
        "Public Balance As Double\r\n"
    )


def test_olevba_reads_every_module_back(project_bin: bytes) -> None:
    # relaxed=False: any value of the dir stream that breaks MS-OVBA raises instead of warning.
    parser = VBA_Parser("vbaProject.bin", data=project_bin, relaxed=False)
    assert parser.detect_vba_macros()
    found = {name: (path, code) for _, path, name, code in parser.extract_macros()}
    modules = _modules()
    extension = {"document": "cls", "class": "cls", "standard": "bas"}
    assert set(found) == {f"{m.name}.{extension[m.kind]}" for m in modules}
    for module in modules:
        path, code = found[f"{module.name}.{extension[module.kind]}"]
        assert path == f"VBA/{module.name}"
        assert code == stored_source(module)  # the whole stream: attributes, then the source
        assert _body(filter_vba(code)) == _body(module.code)  # what olevba shows a person
    # The .bas file comes back exactly as it is on disk.
    errors_bas = (REPO / "vba" / "ProductiveErrors.bas").read_bytes()
    assert found["ProductiveErrors.bas"][1].encode("cp1252") == errors_bas


def test_the_project_streams(project_bin: bytes) -> None:
    ole = _read_back(project_bin)
    assert ole.openstream("VBA/_VBA_PROJECT").read() == b"\xcc\x61\xff\xff\x00\x00\x00"
    assert (
        ole.openstream("PROJECTwm").read()
        == b"".join(
            name.encode("cp1252") + b"\x00" + name.encode("utf-16-le") + b"\x00\x00"
            for name in ("ThisWorkbook", "Sheet1", "ProductiveErrors", "Hello")
        )
        + b"\x00\x00"
    )
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert project.endswith("\r\n")
    lines = project.split("\r\n")
    assert re.fullmatch(r'ID="\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}"', lines[0])
    assert lines[1:8] == [
        "Document=ThisWorkbook/&H00000000",
        "Document=Sheet1/&H00000000",
        "Module=ProductiveErrors",
        "Module=Hello",
        'Name="VBAProject"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
    ]
    project_id = lines[0][4:-1]
    protection = dict(line.split("=", 1) for line in lines[8:11])
    assert _decrypt(protection["CMG"].strip('"'), project_id) == bytes(4)  # not protected
    assert _decrypt(protection["DPB"].strip('"'), project_id) == b"\x00"  # no password
    assert _decrypt(protection["GC"].strip('"'), project_id) == b"\xff"  # visible
    assert "[Host Extender Info]" in lines
    assert "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000" in lines
    assert lines[lines.index("[Workspace]") + 1 :] == [
        "ThisWorkbook=0, 0, 0, 0, C",
        "Sheet1=0, 0, 0, 0, C",
        "ProductiveErrors=0, 0, 0, 0, C",
        "Hello=0, 0, 0, 0, C",
        "",
    ]
    dir_stream = decompress(ole.openstream("VBA/dir").read())
    libid = rb"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb"
    assert libid + b"#OLE Automation" in dir_stream


def _decrypt(hex_text: str, project_id: str) -> bytes:
    """Data Encryption read back (MS-OVBA 2.4.3.3), checking its version and project key."""
    data = bytes.fromhex(hex_text)
    seed, version, project_key = data[0], data[1] ^ data[0], data[2] ^ data[0]
    assert version == 2
    assert project_key == sum(project_id.encode("ascii")) % 256
    plain, previous_plain, previous_enc, two_before_enc = [], project_key, data[2], data[1]
    for byte_enc in data[3:]:
        byte = byte_enc ^ ((two_before_enc + previous_plain) & 0xFF)
        plain.append(byte)
        two_before_enc, previous_enc, previous_plain = previous_enc, byte_enc, byte
    ignored = (seed & 6) // 2
    length = int.from_bytes(bytes(plain[ignored : ignored + 4]), "little")
    rest = bytes(plain[ignored + 4 :])
    assert len(rest) == length
    return rest


def test_protection_values_match_what_word_wrote() -> None:
    """A PROJECT stream written by Word (quoted in oletools' olevba) has, for its ID,
    CMG="F1F301E705E705E705E705" and DPB="8F8D7FE3831F2020202020": the same seeds and
    obfuscation bytes give the same text."""
    project_id = "{5312AC8A-349D-4950-BDD0-49BE3C4DD0F0}"
    assert _encrypt(0xF1, project_id, bytes(4)) == "F1F301E705E705E705E705"
    assert _encrypt(0x8F, project_id, b"\x00", ignored_byte=0x9E) == "8F8D7FE3831F2020202020"
    assert _encrypt(0x2D, project_id, b"\xff", ignored_byte=0x9E) == "2D2FDD81E51EE61EE6E1"


def test_the_same_modules_give_the_same_bytes(project_bin: bytes) -> None:
    assert vba_project(_modules()) == project_bin


@pytest.mark.parametrize(
    ("modules", "project_name"),
    [
        ([Module("1st", "", "standard")], "VBAProject"),
        ([Module("A" * 32, "", "standard")], "VBAProject"),
        ([Module("Tools", "", "standard"), Module("TOOLS", "", "class")], "VBAProject"),
        ([Module("Tools", 'Attribute VB_Name = "Other"\n', "standard")], "VBAProject"),
        ([Module("Tools", "' \u20ac\u4e2d", "standard")], "VBAProject"),
        ([], "My Project"),
    ],
    ids=["digit first", "too long", "same name", "other VB_Name", "not in cp1252", "space"],
)
def test_invalid_projects_are_refused(modules: list[Module], project_name: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message names the module
        vba_project(modules, project_name)


def _xlsm(project: bytes) -> bytes:
    """An .xlsm made by openpyxl with ``project`` as its xl/vbaProject.bin.

    The workbook's and its sheet's code names are those of the document modules; the package
    gets the macro-enabled content type, a content type for .bin and the vbaProject relationship.
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sheet1"
    sheet["A1"] = 1
    workbook.code_name = "ThisWorkbook"
    sheet.sheet_properties.codeName = "Sheet1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in source.namelist():
            data = source.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(
                    b'<Default Extension="xml"',
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                    b'<Default Extension="xml"',
                )
            elif name == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVBA" Target="vbaProject.bin" Type="http://schemas.'
                    b'microsoft.com/office/2006/relationships/vbaProject"/></Relationships>',
                )
            z.writestr(name, data)
        z.writestr("xl/vbaProject.bin", project)
    return out.getvalue()


def test_olevba_reads_the_modules_of_an_xlsm(project_bin: bytes, tmp_path: Path) -> None:
    workbook = tmp_path / "book.xlsm"
    workbook.write_bytes(_xlsm(project_bin))
    parser = VBA_Parser(str(workbook), relaxed=False)
    assert parser.type == "OpenXML"
    found = {name: code for _, _, name, code in parser.extract_macros()}
    for module in _modules():
        extension = "bas" if module.kind == "standard" else "cls"
        assert found[f"{module.name}.{extension}"] == stored_source(module)


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_imports_every_module(project_bin: bytes, tmp_path: Path) -> None:
    """LibreOffice opens the .xlsm and, saving it as .ods, keeps each module in its Basic.

    It stores each VBA module as Basic/VBAProject/<name>.xml, its code after two lines of its
    own ("Rem Attribute VBA_ModuleType=..." and "Option VBASupport 1"), and marks the modules
    bound to the workbook and sheet as document modules.
    """
    assert SOFFICE is not None
    workbook = tmp_path / "book.xlsm"
    workbook.write_bytes(_xlsm(project_bin))
    converted = tmp_path / "book.ods"
    save_as_ods(workbook, converted)
    namespace = "{http://openoffice.org/2000/script}"
    with zipfile.ZipFile(converted) as ods:
        for module in _modules():
            root = ElementTree.fromstring(ods.read(f"Basic/VBAProject/{module.name}.xml"))
            kind = {"standard": "normal", "document": "document"}[module.kind]
            assert root.get(f"{namespace}moduleType") == kind
            lines = (root.text or "").split("\n")
            assert lines[0].startswith("Rem Attribute VBA_ModuleType=")
            assert lines[1] == "Option VBASupport 1"
            assert _body("\n".join(lines[2:])) == _body(module.code), module.name
