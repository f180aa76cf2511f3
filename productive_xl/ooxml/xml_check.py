"""Whether a member of a package is XML that can be read safely: parsed, not searched.

Every member that is XML by its name (``.xml``, ``.rels``, ``.vml``, in any case) or by its first
character (``<``, after a byte-order mark and white space, in UTF-8 or UTF-16) is parsed whole by
expat, the standard library's parser, made hostile to DTDs as defusedxml makes it: a document
type or entity declaration stops the parse at once, whatever the encoding the part is written
in, so nothing is ever expanded or fetched. The parse also finds what would break the readers
after it: a character reference to no character (``&#99999999999;``, ``&#xD800;``), bytes that
are not of the part's encoding, an entity never declared, and markup that is not well-formed.

Two allowances, both for what Excel itself writes: a VML drawing part (Excel 2007 writes some
with an attribute repeated) need only be well-formed up to its root element, where a DTD would
stand; and the parts under ``customXml/`` (SharePoint writes them in UTF-16) may be in any
encoding expat reads, where the parts productive_xl reads as bytes must be UTF-8.
"""

from __future__ import annotations

import pyexpat
from pyexpat import errors

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})


class _Declared(Exception):
    """A DTD or an entity declaration, met while parsing."""


def _refuse(*_: object) -> None:
    raise _Declared


def is_xml(name: str, data: bytes) -> bool:
    """Whether the member ``name`` holding ``data`` is XML (by its name or its first character)."""
    if name.lower().endswith((".xml", ".rels", ".vml")):
        return True
    head = data[:256]
    if head[:2] in _UTF16_BOMS:
        text = head[2:].decode("utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be", "ignore")
        return text.lstrip().startswith("<")
    if head[:2] in (b"<\0", b"\0<"):  # UTF-16 without a byte-order mark
        return True
    return head.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n").startswith(b"<")


def _utf16(data: bytes) -> bool:
    return data[:2] in _UTF16_BOMS or data[:2] in (b"<\0", b"\0<")


def xml_problem(name: str, data: bytes) -> str | None:
    """What makes the XML member ``name`` unsafe or unreadable, in words; None when it is fine."""
    parser = pyexpat.ParserCreate()
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.NotationDeclHandler = _refuse
    declared: list[str] = []
    parser.XmlDeclHandler = lambda _version, encoding, _standalone: declared.append(encoding or "")
    rooted: list[bool] = []

    def root_started(*_: object) -> None:
        rooted.append(True)
        parser.StartElementHandler = None  # one call is enough: the rest parses at C speed

    parser.StartElementHandler = root_started
    try:
        parser.Parse(data, True)
    except _Declared:
        return f"{name} declares a DTD or entities, which are refused"
    except pyexpat.ExpatError as error:
        if name.lower().endswith(".vml") and rooted:
            return None
        message = errors.messages[error.code]
        return (
            f"{name} is not well-formed XML ({message} at line {error.lineno}, "
            f"column {error.offset + 1})"
        )
    except ValueError as error:  # an encoding expat has no table for
        return f"{name} cannot be read as XML ({error})"
    lowered = name.lower()
    if lowered.startswith("customxml/") or not lowered.endswith((".xml", ".rels", ".vml")):
        return None
    encoding = "UTF-16" if _utf16(data) else (declared[0] if declared else "")
    if encoding and encoding.lower() not in _UTF8_NAMES:
        return f"{name} is written in {encoding}; workbook parts are read in UTF-8, as Excel writes"
    return None
