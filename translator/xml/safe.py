"""The hardened XML parser every XML input goes through.

XML read by ``from_xml`` comes from users and files of unknown origin, so: no DTD at all (a
DOCTYPE or ENTITY declaration is refused before parsing, which rules out entity expansion such as
"billion laughs" and external entities), no network access, a size bound checked before any
parsing, and a nesting depth bound checked while parsing (an ``iterparse`` event loop, no
recursion). Every failure is an ``XmlError``.
"""

from __future__ import annotations

import io
import re
from typing import Any

from lxml import etree

from ..errors import XmlError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "parse"]

MAX_BYTES = 16 * 1024 * 1024
"""Largest XML input accepted, in octets (checked before parsing)."""

MAX_DEPTH = 100
"""Deepest element nesting accepted. An A-XDR array or structure nests one element per level,
so this is about the nesting the decoder itself supports (beyond it the decoder says "a nesting
depth this decoder supports"): whatever the XML reader accepts, the schemas can build."""

_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_DECL_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*(['\"])[^'\"]*\2", re.IGNORECASE)


def _as_bytes(text: str | bytes) -> bytes:
    if isinstance(text, str):
        if len(text) > MAX_BYTES:
            raise XmlError(f"XML input larger than {MAX_BYTES} octets")
        # lxml refuses a str that declares an encoding: the text is Unicode already.
        text = _DECL_ENCODING.sub(r"\1", text, count=1)
        data = text.encode("utf-8")
    elif isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
    else:
        raise XmlError(f"XML input must be str or bytes, not {type(text).__name__}")
    if len(data) > MAX_BYTES:
        raise XmlError(f"XML input larger than {MAX_BYTES} octets")
    return data


def parse(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """The root element of ``text``; refuses DTDs, entities, oversize and over-deep input."""
    data = _as_bytes(text)
    probe = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: look for a DTD in the decoded text
        try:
            probe = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise XmlError("XML input is not valid UTF-16") from None
    if _DTD.search(probe):
        raise XmlError("XML with a DTD (DOCTYPE or ENTITY declaration) is refused")
    events = etree.iterparse(
        io.BytesIO(data), events=("start", "end"), resolve_entities=False, no_network=True,
        load_dtd=False, dtd_validation=False, huge_tree=False, remove_pis=True,
    )
    depth = 0
    root = None
    try:
        for event, el in events:
            if event == "start":
                depth += 1
                if depth > max_depth:
                    raise XmlError(f"XML nested deeper than {max_depth} elements "
                                   f"(line {el.sourceline})")
                if root is None:
                    root = el
            else:
                depth -= 1
    except etree.XMLSyntaxError as e:
        if "Excessive depth" in str(e):
            # libxml2 (2.13 and newer, as lxml 6 bundles it) stops at depth 256 on its own while
            # reading ahead of the events above: the same bound, met first
            raise XmlError(f"XML nested deeper than {max_depth} elements "
                           f"(line {e.lineno})") from None
        raise XmlError(f"malformed XML: {e}") from None
    if root is None:
        raise XmlError("no XML element in the input")
    if root.getroottree().docinfo.doctype:
        raise XmlError("XML with a DTD is refused")
    return root
