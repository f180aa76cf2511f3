"""Text and attribute values escaped for XML, as ``xml.sax.saxutils`` escapes them.

Written out here because importing ``xml.sax.saxutils`` imports ``urllib.request`` too, a
tenth of the time recalc takes to start.
"""

from __future__ import annotations

from collections.abc import Mapping


def escape(data: str, entities: Mapping[str, str] | None = None) -> str:
    """``&``, ``<`` and ``>`` escaped, then each key of ``entities`` replaced by its value."""
    data = data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for key, value in (entities or {}).items():
        data = data.replace(key, value)
    return data


def quoteattr(data: str, entities: Mapping[str, str] | None = None) -> str:
    """``data`` escaped and quoted as an attribute's value, with its quotes."""
    data = escape(data, {**(entities or {}), "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
    if '"' in data:
        if "'" in data:
            return '"{}"'.format(data.replace('"', "&quot;"))
        return f"'{data}'"
    return f'"{data}"'
