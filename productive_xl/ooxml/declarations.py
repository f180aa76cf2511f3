"""Add declarations to a package's XML parts by inserting bytes, leaving every other byte alone.

Adding a part to a workbook means declaring it: a content type in ``[Content_Types].xml``, a
relationship from the part that uses it, and for a sheet an entry in ``<sheets>`` of the
workbook part. Parsing and serialising those parts would change their quoting, prefixes and
declaration; instead the new elements are written as text and inserted where they belong, so
the part reads as before with only the additions (and the changes asked for) in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.sax.saxutils import quoteattr

from lxml import etree


def _end_tag(xml: bytes, local: str) -> re.Match[bytes] | None:
    """The last end tag ``</local>`` (with any prefix) in ``xml``."""
    matches = list(re.finditer(rb"</(?:[\w.-]+:)?" + local.encode() + rb"\s*>", xml))
    return matches[-1] if matches else None


def _empty_element(xml: bytes, local: str) -> re.Match[bytes] | None:
    return re.search(rb"<((?:[\w.-]+:)?" + local.encode() + rb")(\s[^>]*?)?\s*/>", xml)


def insert_children(xml: bytes, local: str, children: bytes) -> bytes:
    """``xml`` with ``children`` added at the end of its (last) element ``local``.

    An empty element written as ``<local/>`` is opened up to hold them. ValueError if there is
    no such element.
    """
    end = _end_tag(xml, local)
    if end is not None:
        return xml[: end.start()] + children + xml[end.start() :]
    empty = _empty_element(xml, local)
    if empty is None:
        raise ValueError(f"no <{local}> element to add to")
    tag, attributes = empty.group(1), empty.group(2) or b""
    opened = b"<" + tag + attributes + b">" + children + b"</" + tag + b">"
    return xml[: empty.start()] + opened + xml[empty.end() :]


def insert_after(xml: bytes, locals_in_order: Iterable[str], addition: bytes) -> bytes:
    """``xml`` with ``addition`` after the first element found of ``locals_in_order``.

    The candidates are the elements the addition must follow, the latest in schema order first.
    """
    for local in locals_in_order:
        end = _end_tag(xml, local)
        if end is None:
            end = _empty_element(xml, local)
        if end is not None:
            return xml[: end.end()] + addition + xml[end.end() :]
    raise ValueError(f"none of {list(locals_in_order)} to add after")


def root_prefix(xml: bytes, namespace: str) -> tuple[str, str | None]:
    """(prefix of the root element, prefix bound to ``namespace`` on it or None)."""
    root = etree.fromstring(
        xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    )
    prefix = root.prefix or ""
    bound = next((p for p, uri in root.nsmap.items() if uri == namespace and p), None)
    return prefix, bound


def element(prefix: str, local: str, attributes: dict[str, str], body: str = "") -> bytes:
    """An element as text: ``<prefix:local a="v"/>`` or with a body."""
    name = f"{prefix}:{local}" if prefix else local
    attrs = "".join(f" {key}={quoteattr(value)}" for key, value in attributes.items())
    text = f"<{name}{attrs}>{body}</{name}>" if body else f"<{name}{attrs}/>"
    return text.encode("utf-8")


def relationship(rid: str, type_: str, target: str) -> bytes:
    return element("", "Relationship", {"Id": rid, "Type": type_, "Target": target})


def unused_id(xml: bytes, stem: str = "rId") -> str:
    """A relationship Id of the form ``rId<n>`` that ``xml`` does not use yet."""
    used = {int(n) for n in re.findall(rb'Id="' + stem.encode() + rb'(\d+)"', xml)}
    return f"{stem}{max(used, default=0) + 1}"


def override(part: str, content_type: str) -> bytes:
    return element("", "Override", {"PartName": "/" + part, "ContentType": content_type})


def _override_match(content_types: bytes, part: str) -> re.Match[bytes] | None:
    name = re.escape(("/" + part).encode())
    return re.search(
        rb"<(?:[\w.-]+:)?Override\b[^>]*?PartName\s*=\s*[\"']" + name + rb"[\"'][^>]*?/?>",
        content_types,
        re.IGNORECASE,
    )


def content_type_of(content_types: bytes, part: str) -> str | None:
    """The content type ``[Content_Types].xml`` overrides for ``part``, if any."""
    match = _override_match(content_types, part)
    if match is None:
        return None
    found = re.search(rb"ContentType\s*=\s*[\"']([^\"']*)[\"']", match.group(0))
    return found.group(1).decode() if found else None


def with_content_type(content_types: bytes, part: str, content_type: str) -> bytes:
    """``[Content_Types].xml`` with the override of ``part`` set to ``content_type``."""
    match = _override_match(content_types, part)
    if match is None:
        return insert_children(content_types, "Types", override(part, content_type))
    changed = re.sub(
        rb"(ContentType\s*=\s*[\"'])[^\"']*([\"'])",
        lambda m: m.group(1) + content_type.encode() + m.group(2),
        match.group(0),
        count=1,
    )
    return content_types[: match.start()] + changed + content_types[match.end() :]


def without_override(content_types: bytes, part: str) -> bytes:
    """``[Content_Types].xml`` without the override of ``part`` (unchanged if it has none)."""
    match = _override_match(content_types, part)
    if match is None:
        return content_types
    return content_types[: match.start()] + content_types[match.end() :]


def default_content_type(content_types: bytes, extension: str) -> str | None:
    match = re.search(
        rb"<(?:[\w.-]+:)?Default\b[^>]*?Extension\s*=\s*[\"']"
        + re.escape(extension.encode())
        + rb"[\"'][^>]*?/?>",
        content_types,
        re.IGNORECASE,
    )
    if match is None:
        return None
    found = re.search(rb"ContentType\s*=\s*[\"']([^\"']*)[\"']", match.group(0))
    return found.group(1).decode() if found else None
