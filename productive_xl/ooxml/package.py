"""Open an .xlsx/.xlsm package safely, refusing anything that is not a workbook we can work on.

Everything is checked before any work is done, so that a bad file gets one clear line naming it
and the problem: not a zip, a truncated or corrupt zip, an encrypted workbook or a legacy .xls
(both are OLE compound files, not zips), a zip bomb, or XML that declares a DTD or entities.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Doctype or entity declarations have no place in a workbook; refusing them outright closes the
# door on entity-expansion and external-entity attacks before any XML parser sees the part.
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class UnusableWorkbook(Exception):
    """The file cannot be worked on; the message names the file and the problem."""

    def __init__(self, path: Path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class Limits:
    """How large a package may be before it is treated as a zip bomb."""

    max_members: int = 10_000
    max_member_size: int = 1 << 30  # 1 GiB uncompressed
    max_total_size: int = 4 << 30  # 4 GiB uncompressed
    max_ratio: float = 200.0  # uncompressed / compressed, for members over 1 MiB


@dataclass
class WorkbookPackage:
    """The members of a workbook package, read once, in their original order."""

    path: Path
    infos: list[zipfile.ZipInfo]
    contents: dict[str, bytes]

    def read(self, name: str) -> bytes:
        return self.contents[name]

    def has(self, name: str) -> bool:
        return name in self.contents


def relationships_part(part: str) -> str:
    """The name of the relationships part of ``part`` ("" for the package's own)."""
    posix = PurePosixPath(part)
    return str(posix.parent / "_rels" / f"{posix.name}.rels")


def resolved_target(source: str, target: str) -> str:
    """The part name an internal relationship of ``source`` reaches by ``target``: relative to
    the folder of ``source``, or absolute from the package's root."""
    path = (
        PurePosixPath(target.lstrip("/"))
        if target.startswith("/")
        else (PurePosixPath(source).parent / target)
    )
    parts: list[str] = []
    for piece in path.parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _ole_problem(path: Path) -> str:
    import olefile  # noqa: PLC0415 (only a file that is not a zip needs it)

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir()}
    except OSError:
        return "is a damaged OLE compound file, not an Excel workbook package"
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return "is encrypted (password-protected); save it without a password to recalculate it"
    if "Workbook" in streams or "Book" in streams:
        return "is a legacy .xls workbook; save it as .xlsx or .xlsm to recalculate it"
    return "is an OLE compound file, not an Excel workbook package"


def _check_sizes(path: Path, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.max_members:
        raise UnusableWorkbook(path, f"has {len(infos):,} zip members: too many for a workbook")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_member_size or total > limits.max_total_size:
            raise UnusableWorkbook(
                path, f"expands to more than it may ({info.filename} is {info.file_size:,} bytes)"
            )
        big = info.file_size > 1 << 20
        if big and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise UnusableWorkbook(
                path,
                f"looks like a zip bomb: {info.filename} expands {info.compress_size:,} bytes "
                f"to {info.file_size:,}",
            )


def open_package(path: Path, limits: Limits | None = None) -> WorkbookPackage:
    """Read and check the package at ``path``; raise :class:`UnusableWorkbook` if it is not one."""
    limits = limits or Limits()
    try:
        with path.open("rb") as file:
            head = file.read(len(OLE_SIGNATURE))
    except OSError as error:
        raise UnusableWorkbook(path, f"cannot be read ({error.strerror or error})") from None
    if head == OLE_SIGNATURE:
        raise UnusableWorkbook(path, _ole_problem(path))
    if path.suffix.lower() == ".xlsb":
        raise UnusableWorkbook(path, "is a binary .xlsb workbook; save it as .xlsx or .xlsm")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_sizes(path, infos, limits)
            contents = {info.filename: archive.read(info) for info in infos}
    except zipfile.BadZipFile as error:
        problem = "is not a zip package" if not head.startswith(b"PK") else f"is damaged ({error})"
        raise UnusableWorkbook(path, problem) from None
    except (EOFError, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as error:
        # zipfile reports a truncated member as EOFError, encryption as RuntimeError
        raise UnusableWorkbook(path, f"is damaged or truncated ({error})") from None
    except OSError as error:
        raise UnusableWorkbook(path, f"cannot be read ({error})") from None

    for name, data in contents.items():
        if name.endswith((".xml", ".rels", ".vml")) and _DTD.search(data):
            raise UnusableWorkbook(path, f"{name} declares a DTD or entities, which are refused")
    for required in ("[Content_Types].xml", "xl/workbook.xml"):
        if required not in contents:
            raise UnusableWorkbook(path, f"has no {required}: it is not an Excel workbook package")
    return WorkbookPackage(path, infos, contents)
