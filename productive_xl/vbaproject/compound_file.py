"""A writer of new Compound File Binary files (MS-CFB), such as an .xlsm's xl/vbaProject.bin.

``compound_file({"PROJECT": ..., "VBA/dir": ...})`` lays the streams out in a version 3 compound
file (2.2: 512-byte sectors), from scratch and in one pass:

- sector 0 onwards: the FAT sectors (2.3), then any DIFAT sectors (2.5) that the FAT needs when
  it has more than the 109 sectors the header lists, then the directory (2.6), the MiniFAT (2.4),
  the mini stream and the streams of 4096 bytes or more, each a contiguous run of sectors;
- a stream under 4096 bytes (the header's mini stream cutoff) lives in the mini stream, in
  64-byte mini sectors chained by the MiniFAT, as 2.1 requires; the mini stream itself is the
  root entry's stream;
- the directory holds the root storage, one storage for each folder of a path ("VBA") and one
  stream for each key; each storage's children form a binary search tree in the order of 2.6.4,
  balanced and with every node black, which 2.6.4 names as the simplest valid red-black tree.

Times, CLSIDs and state bits are zero, so the same streams always give the same bytes.

No PyPI library was fit for this: olefile reads compound files but only overwrites streams of
the same size; of those that write (cfb, ms-cfb, pycfb, cfbwrite), none is widely used and
maintained, and cfbwrite, the most complete, rebuilds an existing file and is AGPL.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

__all__ = ["compound_file"]

_SECTOR: Final = 512
_MINI_SECTOR: Final = 64
_MINI_STREAM_CUTOFF: Final = 4096
_HEADER_DIFAT_ENTRIES: Final = 109
_IDS_PER_SECTOR: Final = _SECTOR // 4
_DIRECTORY_ENTRY: Final = 128
_MAX_NAME_UNITS: Final = 31  # 2.6.1: 32 UTF-16 code units, the last one the terminating null

# Special sector numbers (2.1).
_DIFSECT: Final = 0xFFFFFFFC
_FATSECT: Final = 0xFFFFFFFD
_ENDOFCHAIN: Final = 0xFFFFFFFE
_FREESECT: Final = 0xFFFFFFFF
_NOSTREAM: Final = 0xFFFFFFFF  # 2.6.3: no sibling or child

# Object types and colours of a directory entry (2.6.1).
_STORAGE: Final = 0x01
_STREAM: Final = 0x02
_ROOT: Final = 0x05
_BLACK: Final = 0x01

_SIGNATURE: Final = bytes.fromhex("D0CF11E0A1B11AE1")
_FORBIDDEN_IN_NAMES: Final = frozenset("/\\:!")


def compound_file(streams: Mapping[str, bytes]) -> bytes:
    """The bytes of a compound file holding ``streams``, keyed by path ("VBA/dir").

    The folders of a path become storages. Raises ValueError for a name MS-CFB does not allow
    (empty, longer than 31 characters, or holding ``/ \\ : !``) or a path that is both a stream
    and a storage.
    """
    root = _tree(streams)
    entries = _flatten(root)
    mini_streams = [e for e in entries if e.is_stream and len(e.data) < _MINI_STREAM_CUTOFF]
    big_streams = [e for e in entries if e.is_stream and len(e.data) >= _MINI_STREAM_CUTOFF]

    mini_fat, mini_stream = _mini_stream(mini_streams)
    directory_sectors = _sectors_for(len(entries) * _DIRECTORY_ENTRY)
    mini_fat_sectors = _sectors_for(len(mini_fat) * 4)
    mini_stream_sectors = _sectors_for(len(mini_stream))
    big_sectors = [_sectors_for(len(e.data)) for e in big_streams]
    content = directory_sectors + mini_fat_sectors + mini_stream_sectors + sum(big_sectors)
    fat_count, difat_count = _allocation_sizes(content)

    # Hand out the sectors in layout order; each run is one contiguous chain.
    runs: list[int] = []
    fat_start = 0
    difat_start = fat_start + fat_count
    directory_start = difat_start + difat_count
    runs.append(directory_sectors)
    mini_fat_start = directory_start + directory_sectors
    runs.append(mini_fat_sectors)
    mini_stream_start = mini_fat_start + mini_fat_sectors
    runs.append(mini_stream_sectors)
    next_sector = mini_stream_start + mini_stream_sectors
    for entry, count in zip(big_streams, big_sectors, strict=True):
        entry.start = next_sector
        runs.append(count)
        next_sector += count
    root.start = mini_stream_start if mini_stream else _ENDOFCHAIN
    root.size = len(mini_stream)

    fat = [_FATSECT] * fat_count + [_DIFSECT] * difat_count
    for count in runs:
        fat.extend(_chain(len(fat), count))
    fat_sector_numbers = list(range(fat_start, fat_start + fat_count))

    body = b"".join(
        [
            _padded(_pack_ids(fat), fat_count * _SECTOR, _FREESECT),
            _difat_sectors(fat_sector_numbers, difat_start, difat_count),
            _padded(b"".join(_directory_entry(e) for e in entries), directory_sectors * _SECTOR),
            _padded(_pack_ids(mini_fat), mini_fat_sectors * _SECTOR, _FREESECT),
            _padded(mini_stream, mini_stream_sectors * _SECTOR),
            *(_padded(e.data, n * _SECTOR) for e, n in zip(big_streams, big_sectors, strict=True)),
        ]
    )
    header = _header(
        fat_sector_numbers=fat_sector_numbers,
        directory_start=directory_start,
        mini_fat_start=mini_fat_start if mini_fat_sectors else _ENDOFCHAIN,
        mini_fat_sectors=mini_fat_sectors,
        difat_start=difat_start if difat_count else _ENDOFCHAIN,
        difat_count=difat_count,
    )
    return header + body


@dataclass
class _Entry:
    """A directory entry being laid out: a storage (with children) or a stream (with data).

    ``start`` is ENDOFCHAIN for an empty stream, which owns no sector, and 0 for a storage,
    which 2.6.3 says MUST have its starting sector and size zero.
    """

    name: str
    kind: int
    data: bytes = b""
    children: dict[str, _Entry] = field(default_factory=dict)
    start: int = _ENDOFCHAIN
    size: int = 0
    index: int = 0
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM

    @property
    def is_stream(self) -> bool:
        return self.kind == _STREAM


def _tree(streams: Mapping[str, bytes]) -> _Entry:
    """The storages and streams that ``streams`` names, under a root storage."""
    root = _Entry("Root Entry", _ROOT)
    for path, data in streams.items():
        *folders, name = path.split("/")
        storage = root
        for folder in folders:
            _check_name(folder, path)
            child = storage.children.setdefault(folder.upper(), _Entry(folder, _STORAGE, start=0))
            if child.kind != _STORAGE:
                raise ValueError(f"{path!r}: {folder!r} is a stream, not a storage")
            storage = child
        _check_name(name, path)
        if name.upper() in storage.children:
            # 2.6.4 compares names case-insensitively, so "Dir" and "dir" would collide.
            raise ValueError(f"{path!r}: this name is already used in its storage")
        storage.children[name.upper()] = _Entry(name, _STREAM, data=bytes(data), size=len(data))
    return root


def _check_name(name: str, path: str) -> None:
    """Raise ValueError unless ``name`` is a valid directory entry name (2.6.1)."""
    units = len(name.encode("utf-16-le")) // 2
    if not 0 < units <= _MAX_NAME_UNITS or _FORBIDDEN_IN_NAMES.intersection(name):
        raise ValueError(
            f"{path!r}: {name!r} is not a compound file name (1 to 31 characters, none of / \\ : !)"
        )


def _flatten(root: _Entry) -> list[_Entry]:
    """Number the entries (root first, as 2.6.2 requires) and link each storage's children."""
    entries: list[_Entry] = []

    def visit(entry: _Entry) -> None:
        entry.index = len(entries)
        entries.append(entry)
        for child in entry.children.values():
            visit(child)

    visit(root)
    for entry in entries:
        ordered = sorted(entry.children.values(), key=_sort_key)
        entry.child = _balanced(ordered)
    return entries


def _sort_key(entry: _Entry) -> tuple[int, list[int]]:
    """The order of 2.6.4: shorter names first, then code unit by code unit, in upper case."""
    encoded = _utf16(entry.name)
    units = struct.unpack(f"<{len(encoded) // 2}H", encoded)
    # Uppercase one code unit at a time; a lone surrogate is left as it is, as 2.6.4 says.
    upper = [ord(chr(u).upper()) if len(chr(u).upper()) == 1 else u for u in units]
    return len(units), upper


def _balanced(ordered: list[_Entry]) -> int:
    """Link ``ordered`` into a balanced search tree through left/right; return its root's index."""
    if not ordered:
        return _NOSTREAM
    middle = len(ordered) // 2
    node = ordered[middle]
    node.left = _balanced(ordered[:middle])
    node.right = _balanced(ordered[middle + 1 :])
    return node.index


def _mini_stream(streams: Iterable[_Entry]) -> tuple[list[int], bytes]:
    """Place the small streams in the mini stream: its MiniFAT (2.4) and its bytes."""
    mini_fat: list[int] = []
    data = bytearray()
    for entry in streams:
        count = math.ceil(len(entry.data) / _MINI_SECTOR)
        # An empty stream owns no sector: its start is ENDOFCHAIN (2.6.3).
        entry.start = len(mini_fat) if count else _ENDOFCHAIN
        mini_fat.extend(_chain(len(mini_fat), count))
        data += _padded(entry.data, count * _MINI_SECTOR)
    return mini_fat, bytes(data)


def _allocation_sizes(content_sectors: int) -> tuple[int, int]:
    """How many FAT and DIFAT sectors a file of ``content_sectors`` other sectors needs.

    The FAT also maps its own sectors and the DIFAT's (2.3), so grow both until they cover all.
    """
    fat_count, difat_count = 0, 0
    while True:
        needed_fat = _sectors_for((content_sectors + fat_count + difat_count) * 4)
        extra = max(0, needed_fat - _HEADER_DIFAT_ENTRIES)
        needed_difat = math.ceil(extra / (_IDS_PER_SECTOR - 1))
        if (needed_fat, needed_difat) == (fat_count, difat_count):
            return fat_count, difat_count
        fat_count, difat_count = needed_fat, needed_difat


def _chain(first: int, count: int) -> list[int]:
    """FAT (or MiniFAT) entries for ``count`` consecutive sectors from ``first``."""
    return [first + i + 1 for i in range(count - 1)] + ([_ENDOFCHAIN] if count else [])


def _difat_sectors(fat_sectors: list[int], first: int, count: int) -> bytes:
    """The DIFAT sectors (2.5) listing the FAT sectors that the header has no room for.

    Each holds 127 sector numbers and, last, the number of the next DIFAT sector.
    """
    rest = fat_sectors[_HEADER_DIFAT_ENTRIES:]
    per_sector = _IDS_PER_SECTOR - 1
    sectors = []
    for n in range(count):
        ids = rest[n * per_sector : (n + 1) * per_sector]
        ids += [_FREESECT] * (per_sector - len(ids))
        ids.append(first + n + 1 if n + 1 < count else _ENDOFCHAIN)
        sectors.append(_pack_ids(ids))
    return b"".join(sectors)


def _directory_entry(entry: _Entry) -> bytes:
    """One 128-byte directory entry (2.6.1); times and CLSID zero."""
    name = _utf16(entry.name) + b"\x00\x00"
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        entry.kind,
        _BLACK,
        entry.left,
        entry.right,
        entry.child,
        b"",  # CLSID
        0,  # state bits
        0,  # creation time
        0,  # modified time
        entry.start,
        entry.size,
    )


def _header(
    *,
    fat_sector_numbers: list[int],
    directory_start: int,
    mini_fat_start: int,
    mini_fat_sectors: int,
    difat_start: int,
    difat_count: int,
) -> bytes:
    """The 512-byte header of a version 3 compound file (2.2)."""
    difat = fat_sector_numbers[:_HEADER_DIFAT_ENTRIES]
    difat += [_FREESECT] * (_HEADER_DIFAT_ENTRIES - len(difat))
    return struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        _SIGNATURE,
        b"",  # header CLSID
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # byte order: little-endian
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        b"",  # reserved
        0,  # number of directory sectors: MUST be 0 in version 3
        len(fat_sector_numbers),
        directory_start,
        0,  # transaction signature
        _MINI_STREAM_CUTOFF,
        mini_fat_start,
        mini_fat_sectors,
        difat_start,
        difat_count,
    ) + _pack_ids(difat)


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _pack_ids(ids: list[int]) -> bytes:
    return struct.pack(f"<{len(ids)}I", *ids)


def _sectors_for(size: int) -> int:
    return math.ceil(size / _SECTOR)


def _padded(data: bytes, size: int, filler: int | None = None) -> bytes:
    """``data`` padded to ``size`` bytes: with zeros, or with a repeated 32-bit ``filler``."""
    if filler is None:
        return data.ljust(size, b"\x00")
    return data + _pack_ids([filler] * ((size - len(data)) // 4))
