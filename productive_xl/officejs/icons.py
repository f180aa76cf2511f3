"""The add-in's icons: plain squares in NHS blue, as PNG files written with the standard library
(the manifest needs them at 16, 32, 64 and 80 pixels)."""

from __future__ import annotations

import struct
import zlib

ICON_SIZES = (16, 32, 64, 80)
NHS_BLUE = (0x00, 0x5E, 0xB8)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def square_png(size: int, colour: tuple[int, int, int] = NHS_BLUE) -> bytes:
    """A ``size`` x ``size`` PNG of one colour (8-bit RGB, no filter)."""
    row = b"\x00" + bytes(colour) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * size, 9))
        + _chunk(b"IEND", b"")
    )
