"""A VBA project (an .xlsm's ``xl/vbaProject.bin``) written from source text, per MS-OVBA.

``vba_project([Module("ThisWorkbook", "", "document"), Module("Tools", code, "standard")])``
gives the bytes of a compound file (MS-CFB) holding the streams of MS-OVBA 2.2 and 2.3:

- ``PROJECT`` (2.3.1): the project's text properties: its ID, one line per module, its name,
  the protection lines CMG, DPB and GC with "not protected" values (2.4.3 encrypts them),
  ``[Host Extender Info]`` and ``[Workspace]``;
- ``PROJECTwm`` (2.3.3): each module's name in the code page and in UTF-16;
- ``VBA/_VBA_PROJECT`` (2.3.4.1): version 0xFFFF and no performance cache, which tells Office
  that there is no compiled code to trust, so it compiles the modules from their source;
- ``VBA/dir`` (2.3.4.2): the project's information, a reference to stdole (the OLE Automation
  type library that Excel itself references) and one MODULE record per module, compressed;
- one stream per module (2.3.4.3): its source text, compressed (2.4.1), with no performance
  cache, so the text starts at offset 0.

The source text is stored as Office stores it: CRLF line ends, in the project's code page,
starting with the module's ``Attribute VB_*`` lines -- only ``VB_Name`` for a standard module,
and for a document or class module the attributes Excel writes for one. A module's code may be
the text of an exported .bas or .cls file: attribute lines already at its top are kept as they
are (and the VERSION/BEGIN...END block of a .cls is dropped, as VBA does on import), and only
the missing ones are added.

The output is deterministic: the project's ID is derived from its name and modules, and the
encryption seeds are fixed, so the same modules always give the same bytes.
"""

from __future__ import annotations

import codecs
import re
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from productive_xl.vbaproject.compound_file import compound_file
from productive_xl.vbaproject.compression import compress

__all__ = [
    "Module",
    "ModuleKind",
    "default_references",
    "registered_reference",
    "stored_source",
    "vba_project",
]

ModuleKind = Literal["standard", "document", "class"]


@dataclass(frozen=True)
class Module:
    """A VBA module: its name, its source code and its kind.

    ``standard`` is a procedural module (.bas); ``document`` one bound to the workbook or a sheet
    (ThisWorkbook, Sheet1: named as the workbook's and sheets' code names); ``class`` a class
    module (.cls).
    """

    name: str
    code: str
    kind: ModuleKind


# 2.3.4.1: Reserved1 0x61CC, Version 0xFFFF (no p-code to trust), Reserved2 0x00, Reserved3.
_VBA_PROJECT_STREAM: Final = b"\xcc\x61\xff\xff\x00\x00\x00"

# The references Excel writes in every project it creates (REFERENCEREGISTERED, 2.3.4.2.2.5; the
# libid's form is 2.1.1.8): the OLE Automation type library, and the Office library, which
# declares IRibbonControl for the ribbon's callbacks. Excel writes version 2.0 of the Office
# library whatever its own release, and binds it to the Office installed.
STDOLE_GUID: Final = "{00020430-0000-0000-C000-000000000046}"
OFFICE_GUID: Final = "{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}"
STDOLE_LIBID: Final = rf"*\G{STDOLE_GUID}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"
OFFICE_LIBID: Final = (
    rf"*\G{OFFICE_GUID}#2.0#0#C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL"
    "#Microsoft Office 16.0 Object Library"
)

_SYSKIND_WIN32: Final = 0x00000001  # PROJECTSYSKIND: irrelevant without p-code; EPPlus uses it too
_LCID_EN_US: Final = 0x00000409  # PROJECTLCID and PROJECTLCIDINVOKE MUST be 0x409
_COOKIE: Final = 0xFFFF  # PROJECTCOOKIE and MODULECOOKIE: ignored on read, Office writes 0xFFFF

# Class identifiers of the objects a document module extends: Excel's Workbook and Worksheet.
_WORKBOOK_BASE: Final = '"0{00020819-0000-0000-C000-000000000046}"'
_WORKSHEET_BASE: Final = '"0{00020820-0000-0000-C000-000000000046}"'

# [Host Extender Info] line for VBA itself (2.3.1.18), as every Office application writes it.
_HOST_EXTENDER: Final = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
_VERSION_COMPATIBLE32: Final = "393222000"

# Seeds of the Data Encryption (2.4.3) of CMG, DPB and GC; any byte is valid, fixed ones make
# the output reproducible.
_CMG_SEED: Final = 0x35
_DPB_SEED: Final = 0x7B
_GC_SEED: Final = 0xD1
# What they encrypt (2.3.1.15 to 2.3.1.17): ProjectProtectionState with no protection bit set,
# ProjectPassword "no password" and ProjectVisibilityState "visible".
_NOT_PROTECTED: Final = bytes(4)
_NO_PASSWORD: Final = b"\x00"
_VISIBLE: Final = b"\xff"
_IGNORED_BYTE: Final = 0x07  # 2.4.3.2: the obfuscating IgnoredEnc bytes may hold any value

_ATTRIBUTE_LINE: Final = re.compile(r"^Attribute\s+(VB_\w+)\s*=\s*(.*?)\s*$", re.IGNORECASE)
_IDENTIFIER: Final = re.compile(r"^[^\W\d_]\w{0,30}$")


def registered_reference(name: str, libid: str, encoding: str = "cp1252") -> bytes:
    """The dir stream records of a reference to a registered type library (2.3.4.2.2).

    REFERENCENAME (2.3.4.2.2.2) then REFERENCEREGISTERED (2.3.4.2.2.5), ready to be given to
    :func:`vba_project` among its ``references``.
    """
    encoded = _encoded(libid, encoding, f"the {name} reference")
    registered = struct.pack("<I", len(encoded)) + encoded + struct.pack("<IH", 0, 0)
    return _text_pair(0x0016, name, 0x003E, encoding) + _record(0x000D, registered)


def default_references() -> bytes:
    """The references Excel gives a project it creates: OLE Automation and Office."""
    return registered_reference("stdole", STDOLE_LIBID) + registered_reference(
        "Office", OFFICE_LIBID
    )


def vba_project(
    modules: Sequence[Module],
    project_name: str = "VBAProject",
    code_page: int = 1252,
    references: bytes | None = None,
) -> bytes:
    """The bytes of a vbaProject.bin holding ``modules``, in their order.

    ``references`` are the dir stream's reference records, as :func:`registered_reference`
    gives them or as they stand in an existing project's dir stream; by default
    :func:`default_references`.

    Raises ValueError for a project or module name that is not a VBA identifier of at most 31
    characters, two modules of the same name, a code page Python cannot encode, text that the
    code page cannot hold, or a module whose ``Attribute VB_Name`` names another module.
    """
    encoding = _encoding(code_page)
    references = default_references() if references is None else references
    _check_names(project_name, modules)
    project_id = _project_id(project_name, modules)
    streams = {
        "PROJECT": _project_stream(project_id, project_name, modules, encoding),
        "PROJECTwm": _project_wm_stream(modules, encoding),
        "VBA/_VBA_PROJECT": _VBA_PROJECT_STREAM,
        "VBA/dir": compress(_dir_stream(project_name, modules, code_page, encoding, references)),
    }
    for module in modules:
        text = _encoded(stored_source(module), encoding, f"module {module.name}")
        streams[f"VBA/{module.name}"] = compress(text)
    return compound_file(streams)


def stored_source(module: Module) -> str:
    """The text a module stream holds for ``module``: its attributes, then its code, CRLF ends."""
    given, body = _split_attributes(_lines(module.code))
    attributes = {name.casefold(): line for name, line in given}
    name_line = attributes.get("vb_name")
    expected_name = f'"{module.name}"'
    if name_line is not None:
        match = _ATTRIBUTE_LINE.match(name_line)
        if match is None or match.group(2) != expected_name:
            raise ValueError(f"module {module.name}: its code says {name_line!r}")
    lines = []
    for name, value in _default_attributes(module):
        lines.append(attributes.pop(name.casefold(), f"Attribute {name} = {value}"))
    lines.extend(line for name, line in given if name.casefold() in attributes)
    return "".join(f"{line}\r\n" for line in [*lines, *body])


def _lines(code: str) -> list[str]:
    """The lines of ``code`` whatever its line ends, without a last empty one."""
    lines = code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def _split_attributes(lines: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """((name, line) of each attribute at the top of ``lines``, the lines after them).

    An exported class module starts with a VERSION line and a BEGIN...END block of properties
    that the VBA editor consumes on import and never stores; they are dropped.
    """
    start = 0
    if lines and re.match(r"^VERSION\s+\S+\s+CLASS\s*$", lines[0], re.IGNORECASE):
        start = 1
        if start < len(lines) and lines[start].strip().upper() == "BEGIN":
            while start < len(lines) and lines[start].strip().upper() != "END":
                start += 1
            start += 1
    attributes = []
    for line in lines[start:]:
        match = _ATTRIBUTE_LINE.match(line)
        if match is None:
            break
        attributes.append((match.group(1), line))
    return attributes, lines[start + len(attributes) :]


def _default_attributes(module: Module) -> list[tuple[str, str]]:
    """The module attributes Excel writes for a module of this kind, in Excel's order."""
    attributes = [("VB_Name", f'"{module.name}"')]
    if module.kind == "document":
        # A document module named ThisWorkbook extends the workbook; any other a worksheet. A
        # chart sheet's module needs its own VB_Base line in its code.
        is_workbook = module.name.casefold() == "thisworkbook"
        attributes.append(("VB_Base", _WORKBOOK_BASE if is_workbook else _WORKSHEET_BASE))
    if module.kind in ("document", "class"):
        predeclared = "True" if module.kind == "document" else "False"
        attributes += [
            ("VB_GlobalNameSpace", "False"),
            ("VB_Creatable", "False"),
            ("VB_PredeclaredId", predeclared),
            ("VB_Exposed", predeclared),
        ]
    if module.kind == "document":
        attributes += [("VB_TemplateDerived", "False"), ("VB_Customizable", "True")]
    return attributes


def _encoding(code_page: int) -> str:
    """Python's codec for a Windows code page; ValueError if Python has none."""
    try:
        return codecs.lookup(f"cp{code_page}").name
    except LookupError:
        raise ValueError(f"code page {code_page} has no Python codec") from None


def _encoded(text: str, encoding: str, what: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as error:
        raise ValueError(
            f"{what}: {error.object[error.start : error.end]!r} is not in the "
            f"project's code page ({encoding})"
        ) from None


def _check_names(project_name: str, modules: Sequence[Module]) -> None:
    """Raise ValueError unless every name is a distinct VBA identifier of 31 characters at most.

    VBA names are case-insensitive, and a module's name is also its stream's name, which the
    compound file compares case-insensitively too.
    """
    seen: set[str] = set()
    for name in [project_name, *(m.name for m in modules)]:
        if not _IDENTIFIER.match(name):
            raise ValueError(f"{name!r} is not a VBA name (a letter, then letters, digits or _)")
    for module in modules:
        if module.name.casefold() in seen:
            raise ValueError(f"two modules are named {module.name!r}")
        seen.add(module.name.casefold())
        if module.kind not in ("standard", "document", "class"):
            raise ValueError(f"module {module.name}: unknown kind {module.kind!r}")


def _project_id(project_name: str, modules: Sequence[Module]) -> str:
    """The project's GUID (ProjectId, 2.3.1.2), derived from its names to be reproducible."""
    key = "/".join([project_name, *(m.name for m in modules)])
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"productive-xl:vba:{key}")).upper() + "}"


def _project_stream(
    project_id: str, project_name: str, modules: Sequence[Module], encoding: str
) -> bytes:
    """The PROJECT stream (2.3.1): the project's properties as lines of text."""
    lines = [f'ID="{project_id}"']
    for module in modules:
        # 2.3.1.4 to 2.3.1.7: a document module's line also gives its DocTlibVer, always 0.
        if module.kind == "document":
            lines.append(f"Document={module.name}/&H00000000")
        elif module.kind == "class":
            lines.append(f"Class={module.name}")
        else:
            lines.append(f"Module={module.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        f'VersionCompatible32="{_VERSION_COMPATIBLE32}"',
        f'CMG="{_encrypt(_CMG_SEED, project_id, _NOT_PROTECTED)}"',
        f'DPB="{_encrypt(_DPB_SEED, project_id, _NO_PASSWORD)}"',
        f'GC="{_encrypt(_GC_SEED, project_id, _VISIBLE)}"',
        "",
        "[Host Extender Info]",
        _HOST_EXTENDER,
        "",
        "[Workspace]",
        *(f"{module.name}=0, 0, 0, 0, C" for module in modules),
    ]
    return _encoded("".join(f"{line}\r\n" for line in lines), encoding, "the PROJECT stream")


def _encrypt(seed: int, project_id: str, data: bytes, ignored_byte: int = _IGNORED_BYTE) -> str:
    """``data`` as Data Encryption (2.4.3.1, algorithm 2.4.3.2), in upper-case hex.

    Each byte is XORed with the sum of the previous encrypted byte and the previous plain one;
    the project key is the sum of the bytes of the project's ID.
    """
    version = 2
    project_key = sum(project_id.encode("ascii")) & 0xFF
    encrypted = bytearray([seed, seed ^ version, seed ^ project_key])
    plain_before, encrypted_before, encrypted_two_before = project_key, encrypted[2], encrypted[1]
    ignored = bytes([ignored_byte]) * ((seed & 6) // 2)
    for byte in ignored + len(data).to_bytes(4, "little") + data:
        byte_enc = byte ^ ((encrypted_two_before + plain_before) & 0xFF)
        encrypted.append(byte_enc)
        encrypted_two_before, encrypted_before = encrypted_before, byte_enc
        plain_before = byte
    return encrypted.hex().upper()


def _project_wm_stream(modules: Sequence[Module], encoding: str) -> bytes:
    """The PROJECTwm stream (2.3.3): each module's name, null-terminated, in MBCS then UTF-16."""
    names = b"".join(
        _encoded(m.name, encoding, "a module name")
        + b"\x00"
        + m.name.encode("utf-16-le")
        + b"\x00\x00"
        for m in modules
    )
    return names + b"\x00\x00"


def _dir_stream(
    project_name: str, modules: Sequence[Module], code_page: int, encoding: str, references: bytes
) -> bytes:
    """The dir stream (2.3.4.2), before compression."""
    name = _encoded(project_name, encoding, "the project name")
    information = b"".join(
        [
            _record(0x0001, struct.pack("<I", _SYSKIND_WIN32)),  # PROJECTSYSKIND
            _record(0x0002, struct.pack("<I", _LCID_EN_US)),  # PROJECTLCID
            _record(0x0014, struct.pack("<I", _LCID_EN_US)),  # PROJECTLCIDINVOKE
            _record(0x0003, struct.pack("<H", code_page)),  # PROJECTCODEPAGE
            _record(0x0004, name),  # PROJECTNAME
            _text_pair(0x0005, "", 0x0040, encoding),  # PROJECTDOCSTRING
            # PROJECTHELPFILEPATH: no help file; both copies (in the code page) empty.
            struct.pack("<HIHI", 0x0006, 0, 0x003D, 0),
            _record(0x0007, struct.pack("<I", 0)),  # PROJECTHELPCONTEXT
            _record(0x0008, struct.pack("<I", 0)),  # PROJECTLIBFLAGS
            # PROJECTVERSION: its Reserved field (4) stands where a size would; version 1.0.
            struct.pack("<HIIH", 0x0009, 4, 1, 0),
            _text_pair(0x000C, "", 0x003C, encoding),  # PROJECTCONSTANTS
        ]
    )
    return (
        information
        + references
        + struct.pack("<HIH", 0x000F, 2, len(modules))  # PROJECTMODULES: the count
        + struct.pack("<HIH", 0x0013, 2, _COOKIE)  # PROJECTCOOKIE
        + b"".join(_module_record(m, encoding) for m in modules)
        + struct.pack("<HI", 0x0010, 0)  # dir stream Terminator and Reserved
    )


def _module_record(module: Module, encoding: str) -> bytes:
    """One MODULE record (2.3.4.2.3.2); the stream is named after the module."""
    name = _encoded(module.name, encoding, "a module name")
    # MODULETYPE (2.3.4.2.3.2.8): 0x0021 procedural; 0x0022 document, class or designer.
    type_id = 0x0021 if module.kind == "standard" else 0x0022
    return b"".join(
        [
            _record(0x0019, name),  # MODULENAME
            _record(0x0047, module.name.encode("utf-16-le")),  # MODULENAMEUNICODE
            _text_pair(0x001A, module.name, 0x0032, encoding),  # MODULESTREAMNAME
            _text_pair(0x001C, "", 0x0048, encoding),  # MODULEDOCSTRING
            _record(0x0031, struct.pack("<I", 0)),  # MODULEOFFSET: no performance cache
            _record(0x001E, struct.pack("<I", 0)),  # MODULEHELPCONTEXT
            _record(0x002C, struct.pack("<H", _COOKIE)),  # MODULECOOKIE
            struct.pack("<HI", type_id, 0),  # MODULETYPE and its Reserved
            struct.pack("<HI", 0x002B, 0),  # Terminator and Reserved
        ]
    )


def _record(record_id: int, payload: bytes) -> bytes:
    """A dir stream record: its 2-byte id, its 4-byte size, its payload."""
    return struct.pack("<HI", record_id, len(payload)) + payload


def _text_pair(record_id: int, text: str, unicode_id: int, encoding: str) -> bytes:
    """A record holding ``text`` in the code page, then its UTF-16 copy under ``unicode_id``."""
    unicode = text.encode("utf-16-le")
    return (
        _record(record_id, _encoded(text, encoding, f"record 0x{record_id:04X}"))
        + struct.pack("<HI", unicode_id, len(unicode))
        + unicode
    )
