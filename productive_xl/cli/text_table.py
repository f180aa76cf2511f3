"""A table of text for a terminal: columns padded to their widest cell, numbers to the right."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

_GAP = "  "


def text_table(
    headers: Sequence[str], rows: Sequence[Mapping[str, str]], *, right: Sequence[str] = ()
) -> str:
    """``rows`` (each a cell's text by header) under ``headers``; the columns named in ``right``
    (amounts) are aligned to the right, the others to the left. A missing cell is blank."""
    cells = [list(headers)] + [[row.get(header, "") for header in headers] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(headers))]
    lines = []
    for line in cells:
        padded = [
            text.rjust(width) if header in right else text.ljust(width)
            for text, width, header in zip(line, widths, headers, strict=True)
        ]
        lines.append(_GAP.join(padded).rstrip())
    return "\n".join(lines)
