"""Seeded mutations of a workbook, as a hostile or unlucky user would make them (issue 9).

Three kinds, each drawn from the seed alone, so a failing case is made again from its number:

- **bytes**: a few bytes of one member's compressed data flipped in the zip itself;
- **XML**: one member's XML cut, doubled, truncated, or given a stray element or character
  reference, then stored again;
- **attribute**: one attribute value of one member replaced by a value out of range (a row 0,
  a column past XFD, a reference that is no reference, a huge number, a path out of the
  package), then stored again.
"""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

KINDS = ("bytes", "xml", "attribute")

_ATTRIBUTE = re.compile(rb'\s([A-Za-z:]+)="([^"]*)"')
_OUT_OF_RANGE = [
    b"", b"-1", b"0", b"A0", b"XFE1", b"A1048577", b"1048577", b"99999999999",
    b"1E+308", b"NaN", b"abc", b"garbage", b"A1:", b":B2", b"../../x", b"/etc/passwd",
    b"/xl/workbook.xml", b"&#xD800;", b"&#99999999999;", b"\xff\xfe", b"rId999",
]  # fmt: skip
_STRAY = [
    b'<c r="A0"/>', b'<row r="0"/>', b"<f>SUM(</f>", b'<f>PRODUCTIVE_SAVING("abc</f>',
    b"&#xD800;", b"&#99999999999;", b"\xff", b"<", b"]]>", b"<x:y/>",
]  # fmt: skip


def _xml_members(names: list[str]) -> list[str]:
    return [n for n in names if n.endswith((".xml", ".rels")) or n == "[Content_Types].xml"]


def mutate(source: Path, target: Path, seed: int) -> str:
    """Write ``target``: ``source`` with one mutation drawn from ``seed``; return what it was."""
    chance = random.Random(seed)
    kind = KINDS[seed % len(KINDS)]
    with zipfile.ZipFile(source) as archive:
        infos = archive.infolist()
        contents = {info.filename: archive.read(info) for info in infos}
    if kind == "bytes":
        data = bytearray(source.read_bytes())
        info = chance.choice([i for i in infos if i.compress_size > 4])
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        places = [chance.randrange(start, start + info.compress_size) for _ in range(3)]
        for place in places:
            data[place] ^= 1 << chance.randrange(8)
        target.write_bytes(bytes(data))
        return f"bytes {places} of {info.filename}"
    member = chance.choice(_xml_members(list(contents)))
    data = contents[member]
    if kind == "xml":
        at, length = chance.randrange(len(data) + 1), chance.randrange(1, 200)
        how = chance.choice(["cut", "double", "truncate", "stray"])
        if how == "cut":
            data = data[:at] + data[at + length :]
        elif how == "double":
            data = data[:at] + data[at : at + length] + data[at:]
        elif how == "truncate":
            data = data[:at]
        else:
            data = data[:at] + chance.choice(_STRAY) + data[at:]
        what = f"xml {how} at {at} of {member}"
    else:
        found = list(_ATTRIBUTE.finditer(data))
        if not found:
            data = data + chance.choice(_STRAY)
            what = f"attribute: none in {member}, a stray instead"
        else:
            match = chance.choice(found)
            value = chance.choice(_OUT_OF_RANGE)
            data = data[: match.start(2)] + value + data[match.end(2) :]
            what = f"attribute {match.group(1).decode()}={value!r} in {member}"
    with zipfile.ZipFile(target, "w") as out:
        for info in infos:
            body = data if info.filename == member else contents[info.filename]
            out.writestr(info, body, zipfile.ZIP_DEFLATED)
    return what
