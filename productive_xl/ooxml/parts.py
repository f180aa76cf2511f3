"""Declare and remove the parts of a package: the one module that edits what says what it holds.

A part of a workbook package is declared by up to four things in other parts: its content type
(an ``<Override>`` in ``[Content_Types].xml``, unless a ``<Default>`` for its extension gives it
already), a relationship from the part that uses it (in that part's ``.rels``), for a worksheet a
``<sheet>`` in the workbook part's ``<sheets>``, and the workbook's defined names in its
``<definedNames>``. Removing a part takes away its content type, every relationship to it and
its own relationships part. :class:`PackageEdit` does both over the parts of a package; the
functions below it do each edit on the bytes of one part.

**Choice made: read with a parser, write by splicing bytes.** Each part is parsed by expat,
which reads it as XML says (either quote, whitespace around ``=``, any namespace prefix, an empty
element written ``<definedNames/>``, entities, comments) and tells where each element begins in
the bytes; the edit then inserts or cuts the bytes of the elements added or removed, or of the
one attribute value changed, and leaves every other byte of the part as its writer wrote it.
Two techniques were in use before, in four modules, and each lost something:

- parsing with lxml and serialising the tree again (how a refresh dropped ``calcChain.xml``)
  rewrites the whole part: its XML declaration, attribute quotes, character references and
  namespace declarations, so that a one-element change is a whole-part change;
- regular expressions over the bytes (how attach and the engine's copy declared parts) each
  assumed one way of writing: ``Id="rId1"`` and ``sheetId="1"`` in double quotes, an empty
  ``<definedNames/>`` not being a ``<definedNames>`` (so openpyxl's workbooks got a second one,
  which Excel refuses), a ``</Relationships>`` without a prefix.

The parts edited here are small (the content types, relationships and workbook parts), so
parsing one again after each edit costs little.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final
from xml.parsers import expat

from productive_xl.ooxml.escaping import escape, quoteattr
from productive_xl.ooxml.package import relationships_part, resolved_target

CONTENT_TYPES: Final = "[Content_Types].xml"
PACKAGE_RELATIONSHIPS_NAMESPACE: Final = (
    "http://schemas.openxmlformats.org/package/2006/relationships"
)
# The namespace of r:id on a <sheet>, and the stem of the relationship types of a workbook's parts
RELATIONSHIPS_NAMESPACE: Final = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
)
WORKSHEET_RELATIONSHIP: Final = f"{RELATIONSHIPS_NAMESPACE}/worksheet"
TABLE_RELATIONSHIP: Final = f"{RELATIONSHIPS_NAMESPACE}/table"
WORKSHEET_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TABLE_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
EMPTY_RELATIONSHIPS: Final = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="' + PACKAGE_RELATIONSHIPS_NAMESPACE.encode() + b'"></Relationships>'
)
# Where <definedNames> goes when a workbook has none: after the latest of these that it has
# (CT_Workbook's order: sheets, functionGroups, externalReferences, definedNames, calcPr, ...).
_BEFORE_DEFINED_NAMES: Final = ("externalReferences", "functionGroups", "sheets")


class UneditablePart(ValueError):
    """A part that cannot be edited here: not well-formed XML, not UTF-8, or lacking the element
    an edit needs. The message names the problem; the caller names the part and the file."""


# A start tag as expat has already accepted it: a name, attributes in either quote, then > or />.
_START_TAG: Final = re.compile(
    rb"""<(?P<name>[^\s/>]+)(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(?P<empty>/?)>"""
)
_ATTRIBUTE: Final = re.compile(
    rb"""\s(?P<name>[^\s=/>]+)\s*=\s*(?P<quote>["'])(?P<value>.*?)(?P=quote)""", re.S
)


@dataclass(frozen=True)
class _Element:
    """An element of a part: what it is, and where its tags stand in the part's bytes."""

    namespace: str
    local: str
    attributes: Mapping[str, str]  # "namespace local" for a namespaced attribute, else "local"
    prefix: str  # as written in its tag; "" for none
    namespaces: Mapping[str, str]  # the prefixes in scope at it ("" the default namespace)
    depth: int  # 0 for the root
    start: int  # its "<"
    content: int  # just after its start tag
    close: int  # the "<" of its end tag; ``content`` when written empty (<x/>)
    end: int  # just after it
    written_empty: bool  # <x/>, with no end tag

    def attribute(self, local: str) -> str | None:
        """The value of the unprefixed attribute ``local``."""
        return self.attributes.get(local)

    def prefix_of(self, namespace: str) -> str | None:
        """A non-empty prefix bound to ``namespace`` where this element stands, if any."""
        return next((p for p, uri in self.namespaces.items() if uri == namespace and p), None)


def _elements(xml: bytes) -> list[_Element]:
    """Every element of the part ``xml``, in document order."""
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UneditablePart("it is not encoded in UTF-8")
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    open_: list[tuple[str, dict[str, str], str, dict[str, str], int, int, bool]] = []
    scopes: list[dict[str, str]] = [{}]
    declared: dict[str, str] = {}
    found: list[_Element] = []

    def declare(prefix: str | None, uri: str | None) -> None:
        declared[prefix or ""] = uri or ""

    def start(name: str, attributes: dict[str, str]) -> None:
        at = parser.CurrentByteIndex
        tag = _START_TAG.match(xml, at)
        if tag is None:  # expat read a start tag here, so this does not happen
            raise UneditablePart(f"cannot find the start tag at byte {at}")
        scopes.append({**scopes[-1], **declared})
        declared.clear()
        qualified = tag.group("name").decode("utf-8")
        prefix = qualified.partition(":")[0] if ":" in qualified else ""
        empty = bool(tag.group("empty"))
        open_.append((name, attributes, prefix, scopes[-1], at, tag.end(), empty))

    def end(_: str) -> None:
        name, attributes, prefix, namespaces, at, content, empty = open_.pop()
        scopes.pop()
        if empty:
            close = finish = content
        else:
            close = parser.CurrentByteIndex
            finish = xml.index(b">", close) + 1
        namespace, _, local = name.rpartition(" ")
        found.append(
            _Element(
                namespace,
                local,
                attributes,
                prefix,
                namespaces,
                len(open_),
                at,
                content,
                close,
                finish,
                empty,
            )
        )

    parser.StartNamespaceDeclHandler = declare
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as error:
        raise UneditablePart(f"it is not well-formed XML ({error})") from None
    return sorted(found, key=lambda e: e.start)


def _root(elements: Sequence[_Element], local: str) -> _Element:
    root = elements[0] if elements else None
    if root is None or root.local != local:
        raise UneditablePart(f"its root element is not <{local}>")
    return root


def _children(elements: Iterable[_Element], parent: _Element, local: str) -> list[_Element]:
    return [
        e
        for e in elements
        if e.depth == parent.depth + 1
        and parent.content <= e.start < parent.close
        and e.local == local
        and e.namespace == parent.namespace
    ]


def _new_element(
    parent: _Element,
    local: str,
    attributes: Mapping[str, str],
    text: str | None = None,
    children: bytes = b"",
) -> bytes:
    """An element to go into ``parent``, in its namespace and written with its prefix, holding
    ``text`` or ``children``; empty (``<x/>``) when given neither."""
    name = (f"{parent.prefix}:{local}" if parent.prefix else local).encode("utf-8")
    written = "".join(f" {key}={quoteattr(value)}" for key, value in attributes.items())
    start = b"<" + name + written.encode("utf-8")
    if text is None and not children:
        return start + b"/>"
    body = children if text is None else escape(text).encode("utf-8")
    return start + b">" + body + b"</" + name + b">"


def _appended(xml: bytes, parent: _Element, children: bytes) -> bytes:
    """``xml`` with ``children`` at the end of ``parent``; an empty ``<x/>`` opened to hold them."""
    if not parent.written_empty:
        return xml[: parent.close] + children + xml[parent.close :]
    start_tag = xml[parent.start : parent.content]
    tag = _START_TAG.match(start_tag)
    assert tag is not None
    opened = start_tag[:-2].rstrip() + b">"
    closing = b"</" + tag.group("name") + b">"
    return xml[: parent.start] + opened + children + closing + xml[parent.end :]


def _without(xml: bytes, elements: Iterable[_Element]) -> bytes:
    for element in sorted(elements, key=lambda e: e.start, reverse=True):
        xml = xml[: element.start] + xml[element.end :]
    return xml


def _with_attribute(xml: bytes, element: _Element, local: str, value: str) -> bytes:
    """``xml`` with the unprefixed attribute ``local`` of ``element`` set to ``value`` in place,
    in the quotes it was written in."""
    for found in _ATTRIBUTE.finditer(xml, element.start, element.content):
        if found.group("name") == local.encode():
            quote = found.group("quote")
            entities = {'"': "&quot;"} if quote == b'"' else {"'": "&apos;"}
            written = escape(value, entities).encode("utf-8")
            return xml[: found.start("value")] + written + xml[found.end("value") :]
    raise UneditablePart(f"<{element.local}> has no attribute {local}")


# Content types


def _overrides(elements: Sequence[_Element], part: str) -> list[_Element]:
    # Part names are compared ignoring ASCII case (ECMA-376 Part 2, 9.1.1.1).
    wanted = "/" + part.lstrip("/").lower()
    root = _root(elements, "Types")
    return [
        e
        for e in _children(elements, root, "Override")
        if (e.attribute("PartName") or "").lower() == wanted
    ]


def content_type(content_types: bytes, part: str) -> str | None:
    """The content type ``[Content_Types].xml`` gives ``part``: its override, else the default
    for its extension; None when it gives none."""
    elements = _elements(content_types)
    overrides = _overrides(elements, part)
    if overrides:
        return overrides[0].attribute("ContentType")
    extension = posixpath.splitext(part)[1].lstrip(".").lower()
    for default in _children(elements, elements[0], "Default"):
        if (default.attribute("Extension") or "").lower() == extension:
            return default.attribute("ContentType")
    return None


def with_content_type(content_types: bytes, part: str, type_: str) -> bytes:
    """``[Content_Types].xml`` giving ``part`` the content type ``type_``: unchanged when it
    does already, else its override changed or one added."""
    if content_type(content_types, part) == type_:
        return content_types
    elements = _elements(content_types)
    overrides = _overrides(elements, part)
    if overrides:
        return _with_attribute(content_types, overrides[0], "ContentType", type_)
    added = _new_element(
        elements[0], "Override", {"PartName": "/" + part.lstrip("/"), "ContentType": type_}
    )
    return _appended(content_types, elements[0], added)


def without_content_type(content_types: bytes, part: str) -> bytes:
    """``[Content_Types].xml`` without an override for ``part`` (unchanged if it has none)."""
    return _without(content_types, _overrides(_elements(content_types), part))


# Relationships


def relationship_ids(rels: bytes) -> set[str]:
    elements = _elements(rels)
    root = _root(elements, "Relationships")
    return {e.attribute("Id") or "" for e in _children(elements, root, "Relationship")}


def unused_relationship_id(used: Iterable[str]) -> str:
    """``rId<n>``, one more than the highest such Id in ``used``."""
    numbers = [int(found.group(1)) for i in used if (found := re.fullmatch(r"rId(\d+)", i))]
    return f"rId{max(numbers, default=0) + 1}"


def with_relationship(xml: bytes, type_: str, target: str) -> tuple[bytes, str]:
    """The relationships part ``xml`` with a relationship of ``type_`` to ``target`` (as
    written in it: relative to the source's folder), and that relationship's Id."""
    elements = _elements(xml)
    root = _root(elements, "Relationships")
    rid = unused_relationship_id(
        e.attribute("Id") or "" for e in _children(elements, root, "Relationship")
    )
    added = _new_element(root, "Relationship", {"Id": rid, "Type": type_, "Target": target})
    return _appended(xml, root, added), rid


def without_relationships_to(rels: bytes, source: str, part: str) -> bytes:
    """``rels``, the relationships of ``source``, without those to the package's ``part``."""
    elements = _elements(rels)
    root = _root(elements, "Relationships")
    pointing = [
        e
        for e in _children(elements, root, "Relationship")
        if e.attribute("TargetMode") != "External"
        and resolved_target(source, e.attribute("Target") or "") == part
    ]
    return _without(rels, pointing)


# The workbook part


def sheet_ids(workbook: bytes) -> list[int]:
    """The sheetId of every sheet of the workbook part, in order."""
    elements = _elements(workbook)
    found = []
    for sheets in _children(elements, elements[0], "sheets"):
        for sheet in _children(elements, sheets, "sheet"):
            text = sheet.attribute("sheetId") or ""
            if text.strip().isdigit():
                found.append(int(text))
    return found


def with_sheet(workbook: bytes, name: str, rid: str, *, hidden: bool = False) -> bytes:
    """The workbook part with a sheet ``name`` at the end of its ``<sheets>``, related by ``rid``
    and given the next sheetId; ``hidden``, it is not shown among the sheet tabs."""
    elements = _elements(workbook)
    root = _root(elements, "workbook")
    sheets = _children(elements, root, "sheets")
    if not sheets:
        raise UneditablePart("the workbook part has no <sheets>")
    existing = _children(elements, sheets[0], "sheet")
    # r:id in the namespace the workbook's sheets use (Transitional or Strict)
    namespace = next(
        (k.rpartition(" ")[0] for e in existing for k in e.attributes if k.endswith(" id")),
        RELATIONSHIPS_NAMESPACE,
    )
    attributes = {"name": name, "sheetId": str(max(sheet_ids(workbook), default=0) + 1)}
    if hidden:
        attributes["state"] = "hidden"
    prefix = sheets[0].prefix_of(namespace)
    if prefix is None:  # declared on the element itself, as openpyxl does on each of its sheets
        prefix = "r" if sheets[0].prefix != "r" else "rel"
        attributes[f"xmlns:{prefix}"] = namespace
    attributes[f"{prefix}:id"] = rid
    return _appended(workbook, sheets[0], _new_element(sheets[0], "sheet", attributes))


def with_defined_names(workbook: bytes, names: Mapping[str, str]) -> bytes:
    """The workbook part with the workbook-level defined ``names`` (name -> formula) it lacks,
    in its ``<definedNames>`` (even an empty ``<definedNames/>``), or in a new one."""
    elements = _elements(workbook)
    root = _root(elements, "workbook")
    existing = _children(elements, root, "definedNames")
    held = {
        (e.attribute("name") or "").casefold()
        for group in existing
        for e in _children(elements, group, "definedName")
        if e.attribute("localSheetId") is None
    }
    missing = {n: f for n, f in names.items() if n.casefold() not in held}
    if not missing:
        return workbook
    if existing:
        group = existing[0]
        return _appended(workbook, group, _defined_names(group, missing))
    holder = _new_element(root, "definedNames", {}, children=_defined_names(root, missing))
    for local in _BEFORE_DEFINED_NAMES:
        before = _children(elements, root, local)
        if before:
            at = before[-1].end
            return workbook[:at] + holder + workbook[at:]
    raise UneditablePart("the workbook part has no <sheets>")


def _defined_names(parent: _Element, names: Mapping[str, str]) -> bytes:
    return b"".join(
        _new_element(parent, "definedName", {"name": name}, formula)
        for name, formula in names.items()
    )


class PackageEdit:
    """The parts of a package being changed, added and removed, each declared as it must be.

    ``contents`` are the package's parts as they are (name -> bytes); they are never changed.
    What the edit does is in :attr:`changed` (new bytes of existing parts), :attr:`added` (new
    parts) and :attr:`removed` (parts to leave out), for the package writer.
    """

    def __init__(self, contents: Mapping[str, bytes]):
        self.contents = contents
        self.changed: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        self.removed: set[str] = set()

    def has(self, name: str) -> bool:
        return name not in self.removed and (name in self.added or name in self.contents)

    def read(self, name: str) -> bytes:
        if name in self.removed:
            raise KeyError(name)
        for held in (self.changed, self.added, self.contents):
            if name in held:
                return held[name]
        raise KeyError(name)

    def write(self, name: str, data: bytes) -> None:
        """Set the bytes of ``name``, a part the package has or a new one (not declared here)."""
        self.removed.discard(name)
        if name in self.contents:
            self.changed[name] = data
        else:
            self.added[name] = data

    def _edit(self, name: str, edit: Callable[[bytes], bytes]) -> None:
        """Pass the part ``name`` through ``edit``; the problem named after the part if it
        cannot be edited."""
        before = self.read(name)
        try:
            after = edit(before)
        except UneditablePart as error:
            raise UneditablePart(f"{name}: {error}") from None
        if after != before:
            self.write(name, after)

    def unused_part(self, folder: str, stem: str, suffix: str) -> str:
        """``folder/stem<n>suffix`` with the lowest n no part has."""
        number = 1
        while self.has(f"{folder}/{stem}{number}{suffix}"):
            number += 1
        return f"{folder}/{stem}{number}{suffix}"

    def declare(self, part: str, type_: str) -> None:
        """Give ``part`` the content type ``type_``, unless it has it already."""
        self._edit(CONTENT_TYPES, lambda xml: with_content_type(xml, part, type_))

    def relate(self, source: str, type_: str, target: str) -> str:
        """Add a relationship of ``type_`` from ``source`` ("" for the package) to the part
        ``target``; its Id."""
        rels = relationships_part(source)
        folder = posixpath.dirname(source)
        relative = posixpath.relpath(target, folder) if folder else target
        if not self.has(rels):
            self.write(rels, EMPTY_RELATIONSHIPS)
        rid = ""

        def related(xml: bytes) -> bytes:
            nonlocal rid
            xml, rid = with_relationship(xml, type_, relative)
            return xml

        self._edit(rels, related)
        return rid

    def add_part(self, part: str, data: bytes, type_: str) -> None:
        """Add (or replace) ``part`` with the content type ``type_``."""
        self.write(part, data)
        self.declare(part, type_)

    def add_sheet(
        self, workbook_part: str, name: str, part: str, data: bytes, *, hidden: bool = False
    ) -> str:
        """Add the worksheet ``part`` as the workbook's last sheet, ``name`` (``hidden`` from the
        sheet tabs, or shown); its relationship Id from the workbook part."""
        self.add_part(part, data, WORKSHEET_TYPE)
        rid = self.relate(workbook_part, WORKSHEET_RELATIONSHIP, part)
        self._edit(workbook_part, lambda xml: with_sheet(xml, name, rid, hidden=hidden))
        return rid

    def add_defined_names(self, workbook_part: str, names: Mapping[str, str]) -> None:
        """Give the workbook the workbook-level ``names`` (name -> formula) it lacks."""
        self._edit(workbook_part, lambda xml: with_defined_names(xml, names))

    def remove_part(self, part: str) -> None:
        """Leave ``part`` out, with its content type, every relationship to it and its own
        relationships part; a relationships part left with none goes too."""
        self.removed.add(part)
        self.changed.pop(part, None)
        self.added.pop(part, None)
        if self.has(CONTENT_TYPES):
            self._edit(CONTENT_TYPES, lambda xml: without_content_type(xml, part))
        own = relationships_part(part)
        if self.has(own):
            self.remove_part(own)
        basename = posixpath.basename(part).encode().lower()
        for rels in sorted(n for n in {*self.contents, *self.added} if n.endswith(".rels")):
            if self.has(rels) and basename in self.read(rels).lower():
                self._unrelate(rels, part)

    def _unrelate(self, rels: str, part: str) -> None:
        """Take the relationships to ``part`` out of ``rels``; ``rels`` too if none are left."""
        source = _source_of(rels)
        self._edit(rels, lambda xml: without_relationships_to(xml, source, part))
        if not relationship_ids(self.read(rels)):
            self.remove_part(rels)


def _source_of(rels: str) -> str:
    """The part whose relationships ``rels`` holds: "xl/workbook.xml" for
    "xl/_rels/workbook.xml.rels", "" (the package) for "_rels/.rels"."""
    folder, name = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), name.removesuffix(".rels")).lstrip("/")
