"""Read the modules of an existing vbaProject.bin, so that a new project can keep them.

The project's streams are read with olefile; the dir stream (MS-OVBA 2.3.4.2) names each module,
its stream, its kind and where its compressed source starts, and holds the project's references,
which are kept as they are. Only what Office needs to rebuild the project from source is read:
the compiled code (p-code and the __SRP_ caches) is left behind, as a project without it makes
Office compile the modules again.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Final

import olefile

from productive_xl.vbaproject.compression import decompress
from productive_xl.vbaproject.project import Module, ModuleKind

# dir stream record ids (2.3.4.2)
_PROJECT_CODE_PAGE: Final = 0x0003
_PROJECT_NAME: Final = 0x0004
_PROJECT_VERSION: Final = 0x0009
_PROJECT_CONSTANTS: Final = 0x000C
_PROJECT_CONSTANTS_UNICODE: Final = 0x003C
_PROJECT_MODULES: Final = 0x000F
_MODULE_NAME: Final = 0x0019
_MODULE_NAME_UNICODE: Final = 0x0047
_MODULE_STREAM_NAME: Final = 0x001A
_MODULE_OFFSET: Final = 0x0031
_MODULE_PROCEDURAL: Final = 0x0021
_MODULE_TERMINATOR: Final = 0x002B
_DIR_TERMINATOR: Final = 0x0010


class UnreadableVbaProject(ValueError):
    """The VBA project cannot be read, or holds what a project from source cannot keep."""


@dataclass(frozen=True)
class VbaProjectContents:
    """What a project from source needs to keep an existing project's modules."""

    name: str
    code_page: int
    references: bytes  # the dir stream's reference records, unchanged
    modules: list[Module]


@dataclass
class _ModuleEntry:
    name: str = ""
    stream: str = ""
    offset: int = 0
    procedural: bool = False


def read_vba_project(data: bytes) -> VbaProjectContents:
    """The name, code page, references and modules (with their source) of a vbaProject.bin."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir()}
            if "VBA/dir" not in streams or "PROJECT" not in streams:
                raise UnreadableVbaProject("it has no VBA/dir or PROJECT stream")
            project_text = ole.openstream("PROJECT").read()
            dir_stream = decompress(ole.openstream("VBA/dir").read())
            name, code_page, references, entries = _read_dir(dir_stream)
            encoding = f"cp{code_page}"
            kinds = _module_kinds(project_text.decode(encoding, errors="replace"))
            if "BaseClass" in kinds.values():
                designers = ", ".join(k for k, v in kinds.items() if v == "BaseClass")
                raise UnreadableVbaProject(
                    f"it has a UserForm ({designers}), whose designer cannot be carried over"
                )
            modules = []
            for entry in entries:
                stream = f"VBA/{entry.stream}"
                if stream not in streams:
                    raise UnreadableVbaProject(f"module {entry.name} has no stream")
                compressed = ole.openstream(stream).read()[entry.offset :]
                code = decompress(compressed).decode(encoding, errors="replace")
                kind = _kind(entry, kinds.get(entry.name.casefold(), "Module"))
                modules.append(Module(entry.name, code, kind))
    except (OSError, struct.error, IndexError) as error:
        raise UnreadableVbaProject(f"it is damaged ({error})") from None
    except ValueError as error:
        if isinstance(error, UnreadableVbaProject):
            raise
        raise UnreadableVbaProject(f"it is damaged ({error})") from None
    return VbaProjectContents(name, code_page, references, modules)


def _kind(entry: _ModuleEntry, declared: str) -> ModuleKind:
    if entry.procedural:
        return "standard"
    return "document" if declared == "Document" else "class"


def _module_kinds(project_text: str) -> dict[str, str]:
    """Each module's kind as the PROJECT stream declares it (Module, Document, Class, BaseClass)."""
    kinds = {}
    for line in project_text.splitlines():
        key, _, value = line.partition("=")
        if line.startswith("["):
            break
        if key in ("Module", "Document", "Class", "BaseClass"):
            kinds[value.split("/")[0].strip().casefold()] = key
    return kinds


def _records(data: bytes) -> list[tuple[int, int, int]]:
    """(id, start of payload, end of payload) of each record of a dir stream."""
    records = []
    at = 0
    while at + 6 <= len(data):
        record_id, size = struct.unpack_from("<HI", data, at)
        start = at + 6
        # PROJECTVERSION's "size" is a Reserved field of 4 followed by 6 bytes of version.
        end = start + (6 if record_id == _PROJECT_VERSION else size)
        if end > len(data):
            raise UnreadableVbaProject("its dir stream is truncated")
        records.append((record_id, start, end))
        at = end
        if record_id == _DIR_TERMINATOR:
            break
    return records


def _read_dir(data: bytes) -> tuple[str, int, bytes, list[_ModuleEntry]]:
    records = _records(data)
    code_page = 1252
    name = "VBAProject"
    references_start = references_end = None
    entries: list[_ModuleEntry] = []
    current = _ModuleEntry()
    for record_id, start, end in records:
        payload = data[start:end]
        if record_id == _PROJECT_CODE_PAGE:
            code_page = struct.unpack("<H", payload)[0]
        elif record_id == _PROJECT_NAME:
            name = payload.decode(f"cp{code_page}", errors="replace")
        elif record_id == _PROJECT_CONSTANTS_UNICODE:
            references_start = end
        elif record_id == _PROJECT_MODULES:
            references_end = start - 6
        elif record_id == _MODULE_NAME:
            current = _ModuleEntry(name=payload.decode(f"cp{code_page}", errors="replace"))
        elif record_id == _MODULE_NAME_UNICODE:
            current.name = payload.decode("utf-16-le", errors="replace")
        elif record_id == _MODULE_STREAM_NAME:
            current.stream = payload.decode(f"cp{code_page}", errors="replace")
        elif record_id == _MODULE_OFFSET:
            current.offset = struct.unpack("<I", payload)[0]
        elif record_id == _MODULE_PROCEDURAL:
            current.procedural = True
        elif record_id == _MODULE_TERMINATOR:
            entries.append(current)
    if references_start is None or references_end is None or references_end < references_start:
        raise UnreadableVbaProject("its dir stream has no reference or module section")
    return name, code_page, data[references_start:references_end], entries
