"""Write a workbook package with some parts replaced, and nothing else changed, atomically.

The zip is written here, record by record, as PKWARE's APPNOTE.TXT lays it out: each member's
local file header (4.3.7), its data and, where the original had one, its data descriptor
(4.3.9); then the central directory (4.3.12) and the end of central directory record (4.3.16).
``zipfile`` is used only to read, through its public API (``infolist`` and the documented
``ZipInfo`` attributes): it has no public way to add a member's compressed bytes as they are,
and the ways round that reach into its internals, which a Python release may change.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import IO

from productive_xl.ooxml.package import UnusableWorkbook, WorkbookPackage

# The fixed parts of the records (APPNOTE 4.3.7, 4.3.12, 4.3.16), each after its signature.
_LOCAL_HEADER = struct.Struct("<4s2B4H3L2H")
_CENTRAL_HEADER = struct.Struct("<4s4B4H3L5H2L")
_END_OF_CENTRAL_DIRECTORY = struct.Struct("<4s4H2LH")
_DESCRIPTOR = struct.Struct("<3L")  # CRC and sizes, after an optional signature (4.3.9)
_LOCAL_SIGNATURE = b"PK\x03\x04"
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_END_SIGNATURE = b"PK\x05\x06"
_DESCRIPTOR_SIGNATURE = b"PK\x07\x08"

_HAS_DESCRIPTOR = 0x0008  # general purpose flag bit 3: CRC and sizes follow the data
_UTF8_NAME = 0x0800  # general purpose flag bit 11: the name is UTF-8, not code page 437
_ZIP64_EXTRA = 0x0001

# Without zip64 (APPNOTE 4.5.3) a size or offset must stay below 0xFFFFFFFF, which itself means
# "see the zip64 record", and the member count below 0xFFFF: far beyond any workbook, and a
# package that would pass them is refused rather than written with fields that wrap round.
_ZIP32_LIMIT = 0xFFFF_FFFF
_ZIP32_MEMBERS = 0xFFFF

# What members compressed afresh say of themselves: version 2.0 of the format, the first with
# deflate (4.4.3), and for an added part, made on Unix (4.4.2). They are zipfile's values, so
# the parts added to a package (the tracker's) come out byte for byte as when it wrote them.
_VERSION = 20
_MADE_ON_UNIX = 3
# An added part's permissions, read by unzip on Unix: read and write for its owner, as zipfile
# gives a member it is told nothing of (0 would extract as a file nobody may read).
_ADDED_PART_ATTRIBUTES = 0o600 << 16
# zlib's default trade of time for size, the level zipfile and most writers of workbooks use.
_DEFLATE_LEVEL = 6


@dataclasses.dataclass(frozen=True)
class _Entry:
    """One member as the central directory lists it; ``offset`` is where its local header is."""

    name: bytes
    flags: int
    method: int
    dos_time: int
    dos_date: int
    crc: int
    compress_size: int
    file_size: int
    create_version: int
    create_system: int
    extract_version: int
    reserved: int
    internal_attr: int
    external_attr: int
    extra: bytes
    comment: bytes
    offset: int = 0


def _dos_stamp(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    """The MS-DOS time and date fields (APPNOTE 4.4.6) of a ``ZipInfo.date_time``."""
    year, month, day, hour, minute, second = date_time
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day


def _encoded_name(name: str) -> tuple[bytes, int]:
    """A member name's bytes and the flag it needs: ASCII as it is, anything else as UTF-8
    with flag bit 11 set (APPNOTE 4.4.4, appendix D), as zipfile writes names."""
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _UTF8_NAME


def _decoded_name(raw: bytes, flags: int) -> str:
    return raw.decode("utf-8" if flags & _UTF8_NAME else "cp437", errors="replace")


def _without_zip64(extra: bytes) -> bool:
    """Whether an extra field is free of a zip64 record, whose sizes a copy would leave stale
    and which this writer does not write."""
    at = 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, at)
        if kind == _ZIP64_EXTRA:
            return False
        at += 4 + size
    return True


def _unpacked(method: int, data: bytes) -> bytes | None:
    """A member's data as stored or deflated, decompressed; None when it does not decompress."""
    if method == zipfile.ZIP_STORED:
        return data
    try:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        plain = inflater.decompress(data) + inflater.flush()
    except zlib.error:
        return None
    return plain if inflater.eof and not inflater.unused_data else None


def _read_descriptor(source: IO[bytes]) -> bytes:
    """The data descriptor after a member's data, signature and all (APPNOTE 4.3.9.3)."""
    descriptor = source.read(4)
    rest = _DESCRIPTOR.size - (0 if descriptor == _DESCRIPTOR_SIGNATURE else 4)
    return descriptor + source.read(rest)


def _copyable(original: zipfile.ZipInfo) -> bool:
    """Whether the central directory lists a member this writer can copy: stored or deflated,
    and without zip64."""
    sizes = (original.header_offset, original.compress_size, original.file_size)
    return (
        max(sizes) < _ZIP32_LIMIT
        and original.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        and _without_zip64(original.extra)
    )


def _agreeing_local_header(
    source: IO[bytes], original: zipfile.ZipInfo
) -> tuple[bytes, bytes] | None:
    """The member's local header with its name and extra field, and the name's bytes, read
    where the central directory says they are; None unless the header says what the central
    directory says of the member."""
    source.seek(original.header_offset)
    header = source.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size:
        return None
    fields = _LOCAL_HEADER.unpack(header)
    signature, extract_version, reserved, flags, method, dos_time, dos_date = fields[:7]
    crc, compress_size, file_size, name_length, extra_length = fields[7:]
    # with a data descriptor the CRC and sizes are in it, and may be zeros here (APPNOTE 4.4.4)
    sized = not flags & _HAS_DESCRIPTOR
    told = (signature, extract_version, reserved, flags, method, dos_time, dos_date)
    listed = (
        _LOCAL_SIGNATURE, original.extract_version, original.reserved, original.flag_bits,
        original.compress_type, *_dos_stamp(original.date_time),
    )  # fmt: skip
    facts = (original.CRC, original.compress_size, original.file_size)
    if told != listed or (sized and (crc, compress_size, file_size) != facts):
        return None
    name_and_extra = source.read(name_length + extra_length)
    name, extra = name_and_extra[:name_length], name_and_extra[name_length:]
    if _decoded_name(name, flags) != original.filename:
        return None
    return (header + name_and_extra, name) if _without_zip64(extra) else None


def _verified_data(source: IO[bytes], original: zipfile.ZipInfo, content: bytes) -> bytes | None:
    """The member's compressed data and data descriptor, read on from its local header; None
    unless the data decompresses to ``content`` and the descriptor holds its CRC and sizes."""
    data = source.read(original.compress_size)
    if _unpacked(original.compress_type, data) != content or zlib.crc32(content) != original.CRC:
        return None
    if not original.flag_bits & _HAS_DESCRIPTOR:
        return data
    descriptor = _read_descriptor(source)
    told = descriptor[-_DESCRIPTOR.size :]
    listed = (original.CRC, original.compress_size, original.file_size)
    if len(told) < _DESCRIPTOR.size or _DESCRIPTOR.unpack(told) != listed:
        return None
    return data + descriptor


def _copied_record(
    source: IO[bytes], original: zipfile.ZipInfo, content: bytes
) -> tuple[bytes, _Entry] | None:
    """The member's record (local header, compressed data, data descriptor) as it is in
    ``source``, and its central directory entry as the original's, when the record can be
    copied as it is; None when not.

    It can when the member is stored or deflated without zip64, its local header agrees with
    the central directory, its data decompresses to ``content`` and its descriptor holds its CRC
    and sizes: so a file changed on disk since it was read, or written oddly, is compressed
    afresh instead of copied, and the copy's central directory agrees with its local headers.
    """
    if not _copyable(original):
        return None
    local = _agreeing_local_header(source, original)
    rest = _verified_data(source, original, content) if local is not None else None
    if local is None or rest is None:
        return None
    header, name = local
    entry = _Entry(
        name, original.flag_bits, original.compress_type, *_dos_stamp(original.date_time),
        original.CRC, original.compress_size, original.file_size,
        original.create_version, original.create_system, original.extract_version,
        original.reserved, original.internal_attr, original.external_attr, original.extra,
        original.comment,
    )  # fmt: skip
    return header + rest, entry


def _fresh_record(
    name: str,
    content: bytes,
    date_time: tuple[int, int, int, int, int, int],
    like: zipfile.ZipInfo | None = None,
) -> tuple[bytes, _Entry]:
    """A member written anew: its local header and data, deflated unless ``like`` (the member it
    stands for) was stored, and its central directory entry, keeping ``like``'s attributes and
    comment. No descriptor is needed: the sizes are known before the header is written."""
    stored = like is not None and like.compress_type == zipfile.ZIP_STORED
    if stored:
        data = content
    else:
        deflater = zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        data = deflater.compress(content) + deflater.flush()
    encoded, flags = _encoded_name(name)
    dos_time, dos_date = _dos_stamp(date_time)
    entry = _Entry(
        name=encoded,
        flags=flags,
        method=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
        dos_time=dos_time,
        dos_date=dos_date,
        crc=zlib.crc32(content),
        compress_size=len(data),
        file_size=len(content),
        create_version=_VERSION,
        create_system=like.create_system if like is not None else _MADE_ON_UNIX,
        extract_version=_VERSION,
        reserved=0,
        internal_attr=like.internal_attr if like is not None else 0,
        external_attr=like.external_attr if like is not None else _ADDED_PART_ATTRIBUTES,
        extra=b"",
        comment=like.comment if like is not None else b"",
    )
    header = _LOCAL_HEADER.pack(
        _LOCAL_SIGNATURE, entry.extract_version, entry.reserved, entry.flags, entry.method,
        entry.dos_time, entry.dos_date, entry.crc, entry.compress_size, entry.file_size,
        len(entry.name), len(entry.extra),
    )  # fmt: skip
    return header + entry.name + entry.extra + data, entry


def _central_header(entry: _Entry) -> bytes:
    """The member's central directory file header (APPNOTE 4.3.12), on disk 0 of 1."""
    fixed = _CENTRAL_HEADER.pack(
        _CENTRAL_SIGNATURE, entry.create_version, entry.create_system, entry.extract_version,
        entry.reserved, entry.flags, entry.method, entry.dos_time, entry.dos_date, entry.crc,
        entry.compress_size, entry.file_size, len(entry.name), len(entry.extra),
        len(entry.comment), 0, entry.internal_attr, entry.external_attr, entry.offset,
    )  # fmt: skip
    return fixed + entry.name + entry.extra + entry.comment


def _end_of_central_directory(count: int, size: int, offset: int) -> bytes:
    """The end of central directory record (APPNOTE 4.3.16) of a one-disk zip, no comment."""
    return _END_OF_CENTRAL_DIRECTORY.pack(_END_SIGNATURE, 0, 0, count, count, size, offset, 0)


class _ZipOut:
    """Records appended to a file, then the central directory that lists them."""

    def __init__(self, file: IO[bytes], package: Path) -> None:
        self._file = file
        self._package = package
        self._entries: list[_Entry] = []
        self._offset = 0

    def _fits(self, size: int, what: str) -> None:
        if size >= _ZIP32_LIMIT:
            raise UnusableWorkbook(
                self._package,
                f"is too large to write back: {what} would lie past 4 GiB, which needs "
                "zip64, and this writer does not write zip64",
            )

    def add(self, record: bytes, entry: _Entry) -> None:
        name = _decoded_name(entry.name, entry.flags)
        self._fits(max(self._offset, entry.compress_size, entry.file_size), name)
        self._entries.append(dataclasses.replace(entry, offset=self._offset))
        self._file.write(record)
        self._offset += len(record)

    def close(self) -> None:
        if len(self._entries) >= _ZIP32_MEMBERS:
            raise UnusableWorkbook(self._package, "has too many members to write back")
        directory = b"".join(_central_header(entry) for entry in self._entries)
        self._fits(self._offset, "the central directory")
        self._fits(self._offset + len(directory), "the end of the central directory")
        self._file.write(directory)
        self._file.write(
            _end_of_central_directory(len(self._entries), len(directory), self._offset)
        )


class UnsafeTarget(Exception):
    """A path that must not be written to: a folder, a device, a pipe, or a file with other
    hard links, which replacing it would split from them. The message names it."""


def check_target(target: Path) -> None:
    """Raise :class:`UnsafeTarget` unless ``target`` (followed through symbolic links) is
    missing or a regular file with no other name."""
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return
    except OSError:
        return  # a path that cannot be examined fails, with its own error, when written
    if stat.S_ISDIR(status.st_mode):
        raise UnsafeTarget(f"{target}: is a folder, not a file to write")
    if not stat.S_ISREG(status.st_mode):
        raise UnsafeTarget(f"{target}: is a device, pipe or socket, not a file to write")
    if status.st_nlink > 1:
        raise UnsafeTarget(
            f"{target}: has {status.st_nlink} hard links, which replacing it would split "
            "(write to another file, then copy it over yourself)"
        )


class WriteTogether:
    """Files written to temporary files beside their targets, then moved into place together.

    :meth:`stage` writes each one in full (and to disk) before anything is moved; :meth:`commit`
    first calls ``before_moving`` (which may raise, to write nothing: a file changed meanwhile),
    then moves each into place. If a move fails, the files already moved are put back as they
    were, so the targets change all together or not at all. A symbolic link as a target is
    written through: the file it names is replaced and the link kept. Leaving the ``with`` block
    without committing removes the temporary files.
    """

    def __init__(self, before_moving: Callable[[], None] | None = None) -> None:
        self._before_moving = before_moving
        self._staged: list[tuple[Path, Path]] = []  # (temporary, target)

    def __enter__(self) -> WriteTogether:
        return self

    def __exit__(self, *_: object) -> None:
        self.discard()

    def stage(self, target: Path, write: Callable[[Path], object]) -> None:
        """Have ``write`` fill a temporary file beside ``target`` (the file a link names)."""
        target = Path(os.path.realpath(target))
        check_target(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(handle)
        temporary = Path(name)
        self._staged.append((temporary, target))
        write(temporary)
        if target.exists():
            shutil.copymode(target, temporary)
        else:  # a new file gets the usual permissions, not mkstemp's owner-only ones
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        with temporary.open("rb") as file:
            os.fsync(file.fileno())

    def commit(self) -> None:
        """Move every staged file into place, or none of them."""
        if self._before_moving is not None:
            self._before_moving()
        moved: list[tuple[Path, Path | None]] = []  # (target, the old file kept aside)
        try:
            last = len(self._staged) - 1
            for number, (temporary, target) in enumerate(self._staged):
                check_target(target)
                # the last move has none after it to fail: no need to keep what it replaces
                aside = _kept_aside(target) if number < last else None
                try:
                    os.replace(temporary, target)
                except BaseException:
                    if aside is not None:
                        with contextlib.suppress(OSError):
                            aside.unlink()
                    raise
                moved.append((target, aside))
        except BaseException:
            for target, aside in reversed(moved):
                with contextlib.suppress(OSError):
                    if aside is None:
                        target.unlink()
                    else:
                        os.replace(aside, target)
            raise
        for _, aside in moved:
            if aside is not None:
                with contextlib.suppress(OSError):
                    aside.unlink()
        self._staged = []
        with contextlib.suppress(OSError):  # the moves themselves reach the disk
            for folder in {target.parent for target, _ in moved}:
                descriptor = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)

    def drop(self, target: Path) -> None:
        """Forget the file staged for ``target``: it will not be moved into place."""
        target = Path(os.path.realpath(target))
        for temporary, staged in list(self._staged):
            if staged == target:
                self._staged.remove((temporary, staged))
                with contextlib.suppress(OSError):
                    temporary.unlink()

    def discard(self) -> None:
        for temporary, _ in self._staged:
            with contextlib.suppress(OSError):
                temporary.unlink()
        self._staged = []


def _kept_aside(target: Path) -> Path | None:
    """A second name for the file at ``target`` (None when there is none), to put it back by
    if a later move of the same commit fails."""
    if not target.exists():
        return None
    aside = target.with_name(f".{target.name}.{os.getpid()}.previous")
    with contextlib.suppress(FileNotFoundError):
        aside.unlink()
    try:
        os.link(target, aside)
    except OSError:  # a file system without hard links: a copy does as well
        shutil.copy2(target, aside)
    return aside


def replace_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` fill a temporary file beside ``target``, then move it into place.

    Until the move, ``target`` is untouched; if ``write`` fails, or the process is killed, the
    temporary file is all that is left over, and ``target`` is as it was.
    """
    with WriteTogether() as together:
        together.stage(target, write)
        together.commit()


@contextlib.contextmanager
def _opened_or_none(path: Path) -> Iterator[IO[bytes] | None]:
    """The package's file to copy records from, or None when it cannot be read any more (then
    every member is compressed afresh from what was read)."""
    try:
        file = path.open("rb")
    except OSError:
        yield None
        return
    with file:
        yield file


def write_package(
    package: WorkbookPackage,
    replaced: Mapping[str, bytes],
    target: Path,
    added: Mapping[str, bytes] | None = None,
    removed: Collection[str] = (),
    *,
    together: WriteTogether | None = None,
) -> None:
    """Write ``package`` to ``target`` with the parts in ``replaced`` swapped for new bytes,
    atomically (:func:`write_zip` into a temporary file, moved into place). Given ``together``,
    the package is staged there, to be moved into place with the files written along with it.
    """

    def write(path: Path) -> None:
        write_zip(package, replaced, path, added, removed)

    if together is None:
        replace_atomically(target, write)
    else:
        together.stage(target, write)


def write_zip(
    package: WorkbookPackage,
    replaced: Mapping[str, bytes],
    path: Path,
    added: Mapping[str, bytes] | None = None,
    removed: Collection[str] = (),
) -> None:
    """Fill the file at ``path`` with ``package``, the parts in ``replaced`` swapped for new
    bytes.

    Members keep their order, names, times, attributes and comments; those not replaced keep
    their bytes, compressed ones too: their records (local header, data, descriptor) are copied
    from the package's file as they are, which also spares compressing them again. The parts in
    ``added`` follow them, compressed, with the time of the package's first member; those in
    ``removed`` are left out.
    """
    # Added parts take the package's own time rather than the clock's, so the same input always
    # gives the same bytes (the committed tracker workbooks rely on it).
    stamp = package.infos[0].date_time if package.infos else (1980, 1, 1, 0, 0, 0)
    with path.open("wb") as file, _opened_or_none(package.path) as source:
        out = _ZipOut(file, package.path)
        for original in package.infos:
            name = original.filename
            if name in removed:
                continue
            copied = None
            if name not in replaced and source is not None:
                copied = _copied_record(source, original, package.read(name))
            content = replaced.get(name, package.read(name))
            out.add(*(copied or _fresh_record(name, content, original.date_time, original)))
        for name, content in (added or {}).items():
            out.add(*_fresh_record(name, content, stamp))
        out.close()
