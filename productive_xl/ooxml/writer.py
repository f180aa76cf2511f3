"""Write a workbook package with some parts replaced, and nothing else changed, atomically."""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import IO

from productive_xl.ooxml.package import WorkbookPackage


def _member(original: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A fresh entry with the original's name, time, compression and attributes."""
    member = zipfile.ZipInfo(original.filename, date_time=original.date_time)
    member.compress_type = original.compress_type
    member.external_attr = original.external_attr
    member.create_system = original.create_system
    member.comment = original.comment
    return member


# The fixed part of a zip member's local header (APPNOTE 4.3.7): its signature, then the fields
# up to the lengths of the name and the extra field that follow it.
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_DESCRIPTOR_SIGNATURE = b"PK\x07\x08"
_HAS_DESCRIPTOR = 0x08  # general purpose flag bit 3: sizes and CRC follow the data
_ZIP64_EXTRA = 0x0001
_ZIP64_LIMIT = 0xFFFF_FFFF


def _plain_extra(extra: bytes) -> bool:
    """Whether an extra field is free of a zip64 record (which the copy would leave stale)."""
    at = 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, at)
        if kind == _ZIP64_EXTRA:
            return False
        at += 4 + size
    return True


def _stored_record(source: IO[bytes], original: zipfile.ZipInfo, content: bytes) -> bytes | None:
    """The member's local header, compressed data and data descriptor as they are in
    ``source``, when they can be copied as they are; None when not.

    They can when the member is stored or deflated without zip64, its local header is where and
    what the central directory says, and its data decompresses to ``content``: so a file changed
    on disk since it was read, or written oddly, is compressed afresh instead of copied.
    """
    small = max(original.header_offset, original.compress_size, original.file_size) < _ZIP64_LIMIT
    methods = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
    if not small or original.compress_type not in methods or not _plain_extra(original.extra):
        return None
    source.seek(original.header_offset)
    header = source.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size:
        return None
    fields = _LOCAL_HEADER.unpack(header)
    signature, flags, method, name_length, extra_length = (
        fields[0],
        fields[3],
        fields[4],
        fields[10],
        fields[11],
    )
    if signature != _LOCAL_SIGNATURE or method != original.compress_type:
        return None
    name_and_extra = source.read(name_length + extra_length)
    if name_and_extra[:name_length] != original.orig_filename.encode(
        "utf-8" if flags & 0x800 else "cp437", errors="replace"
    ) or not _plain_extra(name_and_extra[name_length:]):
        return None
    data = source.read(original.compress_size)
    try:
        plain = data if method == zipfile.ZIP_STORED else zlib.decompress(data, -zlib.MAX_WBITS)
    except zlib.error:
        return None
    if plain != content or zlib.crc32(plain) != original.CRC:
        return None
    descriptor = b""
    if flags & _HAS_DESCRIPTOR:
        # 12 bytes of CRC and sizes, after a signature that the format leaves optional
        descriptor = source.read(4)
        descriptor += source.read(12 if descriptor == _DESCRIPTOR_SIGNATURE else 8)
    return header + name_and_extra + data + descriptor


def _copy_as_stored(archive: zipfile.ZipFile, original: zipfile.ZipInfo, record: bytes) -> None:
    """Append a member's record, copied whole, to ``archive``, and list it in the central
    directory that ``archive`` writes on closing."""
    assert archive.fp is not None
    member = zipfile.ZipInfo(original.filename, date_time=original.date_time)
    for field in (
        "compress_type", "comment", "extra", "create_system", "create_version",
        "extract_version", "reserved", "flag_bits", "volume", "internal_attr", "external_attr",
        "CRC", "compress_size", "file_size",
    ):  # fmt: skip
        setattr(member, field, getattr(original, field))
    member.header_offset = archive.fp.tell()
    archive.fp.write(record)
    # zipfile offers no public way to add compressed bytes as they are; these are the
    # attributes its own writing keeps, which it reads back when writing the central directory
    archive.filelist.append(member)
    archive.NameToInfo[member.filename] = member
    archive.start_dir = archive.fp.tell()


def replace_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` fill a temporary file beside ``target``, then move it into place.

    Until the move, ``target`` is untouched; if ``write`` fails, or the process is killed, the
    temporary file is all that is left over, and ``target`` is as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        if target.exists():
            shutil.copymode(target, temporary)
        else:  # a new file gets the usual permissions, not mkstemp's owner-only ones
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        with temporary.open("rb") as file:
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def write_package(
    package: WorkbookPackage,
    replaced: Mapping[str, bytes],
    target: Path,
    added: Mapping[str, bytes] | None = None,
    removed: Collection[str] = (),
) -> None:
    """Write ``package`` to ``target`` with the parts in ``replaced`` swapped for new bytes.

    Members keep their order, names, times and compression; those not replaced keep their bytes,
    compressed ones too: their records (local header, data, descriptor) are copied from the
    package's file as they are, which also spares compressing them again. The parts in ``added``
    follow them, compressed, with the time of the package's first member; those in ``removed``
    are left out.
    """

    def write(path: Path) -> None:
        with contextlib.ExitStack() as stack:
            archive = stack.enter_context(zipfile.ZipFile(path, "w"))
            try:
                source: IO[bytes] | None = stack.enter_context(package.path.open("rb"))
            except OSError:  # then every member is compressed afresh
                source = None
            for original in package.infos:
                name = original.filename
                if name in removed:
                    continue
                if name not in replaced and source is not None:
                    record = _stored_record(source, original, package.read(name))
                    if record is not None:
                        _copy_as_stored(archive, original, record)
                        continue
                archive.writestr(_member(original), replaced.get(name, package.read(name)))
            # Added parts take the package's own time rather than the clock's, so the same
            # input always gives the same bytes (the committed tracker workbooks rely on it).
            stamp = package.infos[0].date_time if package.infos else (1980, 1, 1, 0, 0, 0)
            for name, data in (added or {}).items():
                member = zipfile.ZipInfo(name, date_time=stamp)
                member.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(member, data)

    replace_atomically(target, write)
