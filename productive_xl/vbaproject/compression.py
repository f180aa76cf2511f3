"""The run-length compression of a VBA project's streams, per MS-OVBA section 2.4.1.

A VBA project keeps its ``dir`` stream and the source text of each module stream as a
CompressedContainer (2.4.1.1.1): a signature byte 0x01, then one CompressedChunk (2.4.1.1.4) per
4096 bytes of the input. Each chunk starts with a two-byte CompressedChunkHeader (2.4.1.1.5) and
holds either TokenSequences (2.4.1.1.7) -- a flag byte followed by up to eight tokens, each a
literal byte or a two-byte CopyToken (2.4.1.1.8) that repeats earlier bytes of the same chunk -- or,
when that would not be smaller, the chunk's 4096 bytes as they are (a raw chunk).

``compress`` follows the compression algorithm of 2.4.1.3.6 to 2.4.1.3.19, taking at each
position the longest earlier match in the chunk, the nearest one when several are as long, as the
matching routine of 2.4.1.3.19.4 does. ``decompress`` is 2.4.1.3.1 to 2.4.1.3.5; the package needs
only ``compress``, and ``decompress`` is there so that the tests can read back what was written.

A raw chunk always holds 4096 bytes (2.4.1.3.10 pads it with zeros), so when the last, short
chunk of the input cannot be compressed (more than 3640 bytes with no repeats), decompressing the
container gives the input followed by zeros. Source text always compresses, so that never
happens to a module's code.
"""

from __future__ import annotations

from typing import Final

__all__ = ["compress", "decompress"]

# A CompressedContainer starts with this SignatureByte (2.4.1.1.1).
_CONTAINER_SIGNATURE: Final = 0x01
# Each chunk decompresses to at most this many bytes (2.4.1.1.3), and a raw chunk holds exactly
# this many (2.4.1.1.4).
_CHUNK_SIZE: Final = 4096
# CompressedChunkHeader (2.4.1.1.5): bits 0-11 are the chunk's size including the header, minus 3;
# bits 12-14 the signature 0b011; bit 15 is 1 for a chunk of TokenSequences, 0 for a raw chunk.
_SIZE_MASK: Final = 0x0FFF
_HEADER_SIGNATURE: Final = 0b011 << 12
_COMPRESSED_FLAG: Final = 0x8000
# A CopyToken repeats at least 3 bytes (2.4.1.3.19.3): shorter repeats cost more than literals.
_MIN_COPY: Final = 3
_TOKENS_PER_SEQUENCE: Final = 8


def compress(data: bytes) -> bytes:
    """Compress ``data`` into a CompressedContainer (MS-OVBA 2.4.1.3.6)."""
    container = bytearray([_CONTAINER_SIGNATURE])
    for start in range(0, len(data), _CHUNK_SIZE):
        container += _compress_chunk(data[start : start + _CHUNK_SIZE])
    return bytes(container)


def decompress(data: bytes) -> bytes:
    """Decompress a CompressedContainer (MS-OVBA 2.4.1.3.1); ValueError when it is malformed."""
    if not data or data[0] != _CONTAINER_SIGNATURE:
        raise ValueError("not a CompressedContainer: the signature byte is not 0x01")
    decompressed = bytearray()
    position = 1
    while position < len(data):
        if position + 2 > len(data):
            raise ValueError(f"truncated CompressedChunkHeader at byte {position}")
        header = int.from_bytes(data[position : position + 2], "little")
        if header & 0x7000 != _HEADER_SIGNATURE:
            raise ValueError(f"bad CompressedChunkSignature at byte {position}")
        end = position + (header & _SIZE_MASK) + 3
        if end > len(data):
            raise ValueError(f"the chunk at byte {position} runs past the end of the container")
        body = data[position + 2 : end]
        if header & _COMPRESSED_FLAG:
            decompressed += _decompress_tokens(body)
        elif len(body) != _CHUNK_SIZE:
            raise ValueError(f"the raw chunk at byte {position} does not hold 4096 bytes")
        else:
            decompressed += body
        position = end
    return bytes(decompressed)


def _compress_chunk(chunk: bytes) -> bytes:
    """One CompressedChunk, header included, for up to 4096 bytes (2.4.1.3.7)."""
    tokens = _token_sequences(chunk)
    # The header's 12-bit size field cannot describe more than 4096 bytes of tokens; the spec
    # then falls back to the raw chunk (2.4.1.3.10), which is also never larger.
    if len(tokens) > _CHUNK_SIZE:
        header = _HEADER_SIGNATURE | (_CHUNK_SIZE + 2 - 3)
        return header.to_bytes(2, "little") + chunk.ljust(_CHUNK_SIZE, b"\x00")
    header = _COMPRESSED_FLAG | _HEADER_SIGNATURE | (len(tokens) + 2 - 3)
    return header.to_bytes(2, "little") + tokens


def _token_sequences(chunk: bytes) -> bytes:
    """The TokenSequences that encode ``chunk`` (2.4.1.3.8 and 2.4.1.3.9)."""
    matcher = _Matcher(chunk)
    encoded = bytearray()
    position = 0
    while position < len(chunk):
        flag_at = len(encoded)
        encoded.append(0)
        flags = 0
        for bit in range(_TOKENS_PER_SEQUENCE):
            if position >= len(chunk):
                break
            offset, length = matcher.longest_match(position)
            if length:
                encoded += _copy_token(position, offset, length).to_bytes(2, "little")
                flags |= 1 << bit
                position += length
            else:
                encoded.append(chunk[position])
                position += 1
        encoded[flag_at] = flags
    return bytes(encoded)


def _bit_count(position: int) -> int:
    """Bits of a CopyToken given to its offset at ``position`` in the chunk (2.4.1.3.19.1).

    The offset can reach back to the start of the chunk and no further, so it gets
    ceil(log2(position)) bits, at least 4; the length gets the rest of the 16.
    """
    return max((position - 1).bit_length(), 4)


def _max_copy_length(position: int) -> int:
    """The longest repeat one CopyToken at ``position`` can encode (2.4.1.3.19.1)."""
    return (0xFFFF >> _bit_count(position)) + _MIN_COPY


def _copy_token(position: int, offset: int, length: int) -> int:
    """Pack a CopyToken (2.4.1.3.19.3): offset - 1 in the high bits, length - 3 in the low."""
    return ((offset - 1) << (16 - _bit_count(position))) | (length - _MIN_COPY)


def _unpack_copy_token(position: int, token: int) -> tuple[int, int]:
    """Unpack a CopyToken read at ``position`` in its chunk into (offset, length) (2.4.1.3.19.2)."""
    bit_count = _bit_count(position)
    length_mask = 0xFFFF >> bit_count
    return (token >> (16 - bit_count)) + 1, (token & length_mask) + _MIN_COPY


class _Matcher:
    """Finds the longest earlier repeat of the bytes at a position of one chunk (2.4.1.3.19.4).

    The spec tries every earlier position of the chunk; this gives the same answer faster by
    keeping, for each three-byte prefix, the positions where it occurs, since a match shorter than
    three bytes is never used.
    """

    def __init__(self, chunk: bytes) -> None:
        self._chunk = chunk
        self._positions: dict[bytes, list[int]] = {}
        self._indexed = 0

    def longest_match(self, position: int) -> tuple[int, int]:
        """(offset, length) of the longest usable repeat at ``position``; (0, 0) if none."""
        self._index_before(position)
        chunk = self._chunk
        limit = min(len(chunk) - position, _max_copy_length(position))
        if limit < _MIN_COPY:
            return 0, 0
        best_length, best_start = 0, 0
        # Nearest first, and only a strictly longer match replaces the best one, as in the spec.
        for start in reversed(self._positions.get(chunk[position : position + _MIN_COPY], [])):
            # A match can only beat the best one if it also agrees at the best one's length.
            if best_length and chunk[start + best_length] != chunk[position + best_length]:
                continue
            length = _MIN_COPY
            # The source may overlap the bytes being encoded: decompression copies byte by byte.
            while length < limit and chunk[start + length] == chunk[position + length]:
                length += 1
            if length > best_length:
                best_length, best_start = length, start
                if length == limit:
                    break
        if best_length < _MIN_COPY:
            return 0, 0
        return position - best_start, best_length

    def _index_before(self, position: int) -> None:
        """Record the three-byte prefix of every position before ``position`` not yet seen."""
        chunk = self._chunk
        for start in range(self._indexed, position):
            self._positions.setdefault(chunk[start : start + _MIN_COPY], []).append(start)
        self._indexed = max(self._indexed, position)


def _decompress_tokens(body: bytes) -> bytes:
    """Decode the TokenSequences of one compressed chunk (2.4.1.3.2 and 2.4.1.3.4)."""
    chunk = bytearray()
    position = 0
    while position < len(body):
        flags = body[position]
        position += 1
        for bit in range(_TOKENS_PER_SEQUENCE):
            if position >= len(body):
                break
            if not flags & (1 << bit):
                chunk.append(body[position])
                position += 1
                continue
            if position + 2 > len(body):
                raise ValueError("truncated CopyToken")
            token = int.from_bytes(body[position : position + 2], "little")
            position += 2
            offset, length = _unpack_copy_token(len(chunk), token)
            if offset > len(chunk):
                raise ValueError("a CopyToken reaches back before the start of its chunk")
            source = len(chunk) - offset
            for index in range(source, source + length):
                chunk.append(chunk[index])
        if len(chunk) > _CHUNK_SIZE:
            raise ValueError("a compressed chunk decodes to more than 4096 bytes")
    return bytes(chunk)
