"""Open an .xlsx/.xlsm package safely, refusing anything that is not a workbook we can work on.

Everything is checked before any work is done, so that a bad file gets one clear line naming it
and the problem: not a regular file (a FIFO or a device would block or never end), not a zip, a
truncated or corrupt zip, an encrypted workbook or a legacy .xls (both are OLE compound files,
not zips), a zip bomb (by the sizes and places its central directory gives, before anything is
inflated), two members of one name, or XML that declares a DTD or entities or is not
well-formed (``xml_check``).
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from productive_xl.ooxml.xml_check import is_xml, xml_problem

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_LOCAL_HEADER = 30  # bytes of a zip local file header before its name (APPNOTE 4.3.7)


class UnusableWorkbook(Exception):
    """The file cannot be worked on; the message names the file and the problem."""

    def __init__(self, path: Path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class Limits:
    """How large a package may be before it is refused as a zip bomb. The README's "Limits"
    section gives each with its reason."""

    # The most members: the largest of 1,009 workbooks Excel saved (corpus and fixtures) has 188.
    max_members: int = 10_000
    # Everything is held in memory while a workbook is worked on, and recalc needs about 20
    # times a package's size besides (276 MiB at 20,000 rows, a 15 MB package).
    max_total_size: int = 1 << 30  # 1 GiB uncompressed, all members together
    # Uncompressed / compressed size of each member larger than ``ratio_floor``, and of the
    # members together. Deflate reaches 1,032 on zeros; the most among the 1,009 workbooks
    # Excel saved is 121 (a sheet of one long text repeated), 69 for a whole package.
    max_ratio: float = 200.0
    # A member may expand to this size whatever its ratio: small parts of repeated bytes are
    # normal, and 10,000 of them are at most 640 MiB, which the whole package's ratio bounds.
    ratio_floor: int = 64 << 10
    # The members together may expand to this size whatever their ratio (as many small parts).
    package_ratio_floor: int = 16 << 20


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


def _ole_problem(file: BinaryIO) -> str:
    import olefile  # noqa: PLC0415 (only a file that is not a zip needs it)

    try:
        file.seek(0)
        with olefile.OleFileIO(file) as ole:
            streams = {"/".join(entry) for entry in ole.listdir()}
    except OSError:
        return "is a damaged OLE compound file, not an Excel workbook package"
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return "is encrypted (password-protected); save it without a password to recalculate it"
    if "Workbook" in streams or "Book" in streams:
        return "is a legacy .xls workbook; save it as .xlsx or .xlsm to recalculate it"
    return "is an OLE compound file, not an Excel workbook package"


def _not_regular(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not a workbook file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a workbook file: only regular files are read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a workbook file: only regular files are read"
    return "is not a regular file: only regular files are read"


def _open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading, when it is a regular file.

    Opened without blocking (a FIFO with no writer would wait forever in open) and checked on
    the open descriptor, so that what is read is what was checked.
    """
    nonblocking = getattr(os, "O_NONBLOCK", 0)  # Windows has no FIFOs to wait on
    try:
        descriptor = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise UnusableWorkbook(path, f"cannot be read ({error.strerror or error})") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise UnusableWorkbook(path, _not_regular(mode))
    if nonblocking:
        os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")


def _check_names(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Two members of one name would be read as one (the last wins) and written as two. Part
    names are compared ignoring case, as the package format does (ECMA-376 Part 2, 6.3.5)."""
    seen: set[str] = set()
    for info in infos:
        folded = info.filename.casefold()
        if folded in seen:
            raise UnusableWorkbook(path, f"has two zip members named {info.filename}")
        seen.add(folded)


def _check_sizes(path: Path, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.max_members:
        raise UnusableWorkbook(
            path,
            f"has {len(infos):,} zip members, more than the {limits.max_members:,} a workbook "
            "may have",
        )
    total = compressed = 0
    for info in infos:
        total += info.file_size
        compressed += info.compress_size
        if total > limits.max_total_size:
            raise UnusableWorkbook(
                path,
                f"expands to more than {limits.max_total_size:,} bytes ({info.filename} is "
                f"{info.file_size:,} bytes)",
            )
        over_floor = info.file_size > limits.ratio_floor
        if over_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise UnusableWorkbook(
                path,
                f"looks like a zip bomb: {info.filename} expands {info.compress_size:,} bytes "
                f"to {info.file_size:,}",
            )
    if total > limits.package_ratio_floor + limits.max_ratio * compressed:
        raise UnusableWorkbook(
            path,
            f"looks like a zip bomb: its {len(infos):,} members expand {compressed:,} bytes "
            f"to {total:,}",
        )


def _check_places(path: Path, infos: list[zipfile.ZipInfo], directory_start: int) -> None:
    """Each member's data must end before the next member's header: members that overlap
    (the "quoted overlap" zip bomb) inflate the same bytes again and again. Where each ends is
    at least its header's fixed part, then its compressed data, from where the central
    directory says it starts."""
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for info, after in zip(ordered, [*ordered[1:], None], strict=True):
        end = info.header_offset + _LOCAL_HEADER + info.compress_size
        limit = directory_start if after is None else after.header_offset
        if end > limit:
            other = "the central directory" if after is None else after.filename
            raise UnusableWorkbook(
                path, f"has zip members that overlap ({info.filename} runs into {other})"
            )


def _check_xml(path: Path, contents: dict[str, bytes]) -> None:
    for name, data in contents.items():
        if is_xml(name, data):
            problem = xml_problem(name, data)
            if problem:
                raise UnusableWorkbook(path, problem)


def open_package(path: Path, limits: Limits | None = None) -> WorkbookPackage:
    """Read and check the package at ``path``; raise :class:`UnusableWorkbook` if it is not one."""
    limits = limits or Limits()
    with _open_regular(path) as file:
        try:
            head = file.read(len(OLE_SIGNATURE))
        except OSError as error:
            raise UnusableWorkbook(path, f"cannot be read ({error.strerror or error})") from None
        if head == OLE_SIGNATURE:
            raise UnusableWorkbook(path, _ole_problem(file))
        if path.suffix.lower() == ".xlsb":
            raise UnusableWorkbook(path, "is a binary .xlsb workbook; save it as .xlsx or .xlsm")
        infos, contents = _read_members(path, file, head, limits)
    _check_xml(path, contents)
    for required in ("[Content_Types].xml", "xl/workbook.xml"):
        if required not in contents:
            raise UnusableWorkbook(path, f"has no {required}: it is not an Excel workbook package")
    return WorkbookPackage(path, infos, contents)


def _read_members(
    path: Path, file: BinaryIO, head: bytes, limits: Limits
) -> tuple[list[zipfile.ZipInfo], dict[str, bytes]]:
    """The members of the zip ``file``, each read once its directory has passed the checks."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            _check_names(path, infos)
            _check_sizes(path, infos, limits)
            _check_places(path, infos, archive.start_dir)
            return infos, {info.filename: archive.read(info) for info in infos}
    except zipfile.BadZipFile as error:
        problem = "is not a zip package" if not head.startswith(b"PK") else f"is damaged ({error})"
        raise UnusableWorkbook(path, problem) from None
    except (EOFError, zlib.error, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as error:
        # zipfile reports a truncated member as EOFError, encryption as RuntimeError, and
        # leaves a corrupt deflate stream's zlib.error to its caller
        raise UnusableWorkbook(path, f"is damaged or truncated ({error})") from None
    except OSError as error:
        raise UnusableWorkbook(path, f"cannot be read ({error})") from None
