"""The Gurux simple XML dialect: decoded messages to XML, and XML back to bytes.

``to_xml`` writes one document per frame as Gurux's translator prints frames (a message of several
frames, or several messages, become one ``<Messages>`` document holding them); ``from_xml`` and
``from_xml_messages`` accept that, Gurux's own output, and Gurux XmlClient message files.
Everything between the envelope and the values is driven by ``specs/xml_simple.json``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import DecodeError, EncodeError, XmlError
from ..message import Message
from ..schema import _core
from ..schema.apdu import Apdu
from ..schema.axdr import Data
from ..security.redaction import password_redacted
from . import deciphered
from .context import Cursor, InCtx, OutCtx, fail, ours, value_of
from .data import DATA
from .envelope import ENVELOPES, Body, extra_element, frame_element, read_extra, read_frame
from .formats import hexstr, parse_hex
from .nodes import TABLES
from .spec import NS, NS_PREFIX, simple_spec
from .writer import Comment, El, serialize

__all__ = ["apdu_xml", "from_xml", "from_xml_apdus", "from_xml_messages", "message_elements",
           "to_xml"]

_F = simple_spec()["framing"]
MESSAGES, GARBAGE, RAW, PDU = _F["messages"], _F["garbage"], _F["raw"], _F["pdu"]
_SKIP = frozenset(_F["messages_skip"])


# --- output -------------------------------------------------------------------------------------

def _is_segment(item: Any) -> bool:
    f = item.frame
    if item.layer == "hdlc":
        return bool(f["format"]["segmentation"])
    return item.layer == "mbus" and f.get("last_segment") is False


def _body(msg: Message, item: Any, show_keys: bool = False) -> Body:
    """What one frame of ``msg`` shows: its APDU, its GBT block, a segment, parameters or raw
    (an AARQ's LLS password redacted unless ``show_keys``)."""
    if msg.blocks:  # the last block of a sequence: the frame holds that block, not the join
        return Body("apdu", msg.blocks[-1])
    if msg.parts or (msg.apdu is None and (msg.part_of is not None or _is_segment(item))):
        return Body("next")
    if msg.parameters is not None:
        return Body("parameters", parameters=msg.parameters)
    if msg.apdu is not None and not msg.warnings:
        return Body("apdu", msg.apdu if show_keys else password_redacted(msg.apdu),
                    extra=msg.extra)
    return Body("raw")  # lengths that disagree have no place in the dialect: raw, commented


def message_elements(msg: Message, ctx: OutCtx, whole: bool = True) -> list[El]:
    """The XML elements of one message: one envelope per frame, or the bare APDU / data.

    With ``whole`` the frames of the earlier segments or blocks it joined (``msg.parts``) come
    first, so the elements cover every octet of the message. A message deciphered with keys
    shows its cleartext in ``<dt:Deciphered>`` inside the protected APDU's element (after the
    frames, in ``<dt:Reassembled>``, when no frame shows that APDU whole).
    """
    if msg.framing == "garbage":
        return [El(GARBAGE, {"Value": hexstr(msg.raw)})]
    if msg.framing == "data":
        if msg.apdu is None:
            return [El(RAW, {"Value": hexstr(msg.raw)})]
        return [DATA.typed(str(msg.apdu["tag"]), msg.apdu["value"], ctx, fast=False)]
    ctx.deciphered = deciphered.pending(msg)
    try:
        return _message_elements(msg, ctx, whole)
    finally:
        ctx.deciphered = None


def _expert(msg: Message) -> list:
    """Comments saying why an APDU shown raw is so: the warnings of lengths that disagree with
    their content, the error of a partial decode (each naming its offset)."""
    if not msg.warnings and msg.partial is None and not msg.extra:
        return []
    return [Comment(str(w)) for w in msg.warnings] + [Comment(f"error: {e}") for e in msg.errors]


def _message_elements(msg: Message, ctx: OutCtx, whole: bool) -> list:
    if msg.framing == "apdu":
        holder = El("_")
        if msg.apdu is None or msg.warnings:
            el = holder.add(El(RAW, {"Value": hexstr(msg.apdu_bytes or msg.raw[3 if msg.llc else 0:])}))
        else:
            apdu = msg.apdu if ctx.show_keys else password_redacted(msg.apdu)
            if msg.extra:  # the APDU and the octets after it, together in a <PDU>
                pdu = holder.add(El(PDU, container=True))
                el = TABLES.apdu_write(apdu, pdu, ctx, need_el=True)
                pdu.add(extra_element(msg.extra, ctx))
            else:
                el = TABLES.apdu_write(apdu, holder, ctx, need_el=msg.llc is not None)
        if msg.llc is not None:
            ctx.mark(el, "llc", hexstr(msg.raw[:3]))
        return holder.children + _unshown(msg, ctx) + _expert(msg)
    if not msg.parts and len(msg.frames) == 1 and ctx.deciphered is None and not (
            ctx.comments and msg.apdu is not None and msg.blocks):  # one frame alone
        item = msg.frames[0]
        return [frame_element(item, _body(msg, item, ctx.show_keys), ctx)] + _expert(msg)
    parts = msg.parts if whole else []
    pairs = [(f, _body(p, f, ctx.show_keys)) for p in parts for f in p.frames]
    pairs += [(f, _body(msg, f, ctx.show_keys)) for f in msg.frames]
    out: list = [frame_element(item, body, ctx) for item, body in pairs]
    if ctx.comments and msg.apdu is not None and (msg.parts or msg.blocks):
        out.append(Comment(f"joined from {len(msg.parts) + 1} frames: {msg.service}, "
                           f"{len(msg.apdu_bytes or b'')} octets"))
    return out + _unshown(msg, ctx) + _expert(msg)


def _unshown(msg: Message, ctx: OutCtx) -> list:
    """``<dt:Reassembled>`` when the deciphered APDU found no element of its own above."""
    if ctx.deciphered is None or msg.apdu is None:
        return []
    return [deciphered.reassembled(msg, ctx)]


def apdu_xml(apdu: Any, numbers: str = "hex", comments: bool = False) -> str:
    """Simple XML of one decoded APDU container alone (e.g. a deciphered one, as Gurux prints
    decrypted APDUs)."""
    ctx = OutCtx(TABLES, numbers, comments)
    root = TABLES.apdu_write(apdu, El("_"), ctx, need_el=True)
    if ctx.ns_used:
        root.attrs = {f"xmlns:{NS_PREFIX}": NS, **(root.attrs or {})}
    return serialize(root)


def to_xml(message: Message | Iterable[Message], dialect: str = "simple", numbers: str = "hex",
           comments: bool = False, show_keys: bool = False) -> str:
    """Gurux simple XML of a decoded message (or of several: a ``<Messages>`` document), or with
    ``dialect="standard"`` the DLMS UA standard XML (decimal numbers; ``numbers`` is ignored).

    ``numbers``: "hex" as Gurux's translator writes them (``Value="C1"``) or "dec" as Gurux
    XmlClient files do (``Value="193"``). ``comments`` adds OBIS and class names, invoke-id bits,
    date-times and scaled values as XML comments. ``show_keys`` shows key material that
    deciphering revealed (zeroed and named in ``redacted`` otherwise). ``from_xml`` of the result
    gives back the bytes.
    """
    if dialect == "standard":  # the simple document in decimal, renamed (standard.py)
        from .standard import to_standard_text
        return to_standard_text(to_xml(message, "simple", "dec", comments, show_keys))
    if dialect != "simple":
        raise ValueError(f"unknown XML dialect {dialect!r}; 'simple' or 'standard'")
    ctx = OutCtx(TABLES, numbers, comments, show_keys)
    if isinstance(message, Message):
        elements = message_elements(message, ctx)
        if len(elements) == 1 and type(elements[0]) is El:  # one frame, nothing after it
            root = elements[0]
            if not ctx.hex:
                ctx.mark(root, "numbers", "dec")
            if ctx.ns_used:
                root.attrs = {f"xmlns:{NS_PREFIX}": NS, **(root.attrs or {})}
            return serialize(root, root_flat=root.tag in ENVELOPES or root.tag == MESSAGES)
        several = sum(isinstance(e, El) for e in elements) != 1
    else:
        elements = [e for m in message for e in message_elements(m, ctx, whole=False)]
        several = True
    if several:
        root = El(MESSAGES, container=True)
        root.children = elements
        ctx.mark(root, "numbers", "hex" if ctx.hex else "dec")
    else:
        root = next(e for e in elements if isinstance(e, El))
        root.children.extend(e for e in elements if isinstance(e, Comment))
        if not ctx.hex:
            ctx.mark(root, "numbers", "dec")
    if ctx.ns_used:
        root.attrs = {f"xmlns:{NS_PREFIX}": NS, **(root.attrs or {})}
    return serialize(root, root_flat=root.tag in ENVELOPES or root.tag == MESSAGES)


# --- input --------------------------------------------------------------------------------------

def _read_numbers(root: Any, numbers: str | None, views: deciphered.Views = ()) -> list[bytes]:
    """Every document's octets, its numbers read in the right mode.

    The caller's choice or our root marker decide; without them a ``<Messages>`` file is read
    as decimal first (as the XmlClient does), anything else as Gurux translator hex with fixed
    widths first, then the other way, then hex of any width; an error is reported as read in
    the document's usual mode (decimal for ``<Messages>``, hex otherwise).
    """
    forced = numbers or ours(root, "numbers")
    if forced is not None:
        if forced not in ("hex", "dec"):
            raise XmlError(f"numbers must be 'hex' or 'dec', not {forced!r}")
        return _messages(root, forced == "hex", False, views)
    if root.tag == MESSAGES:
        attempts, natural = [(False, False), (True, True), (True, False)], (False, False)
    else:
        attempts, natural = [(True, True), (False, False), (True, False)], (True, False)
    errors = {}
    for hexmode, strict in attempts:
        try:
            return _messages(root, hexmode, strict, views)
        except deciphered.EditedView:
            raise  # the document read fine: another number mode would only hide the edit
        except XmlError as e:
            errors[(hexmode, strict)] = e
    raise errors[natural]


def _document_bytes(el: Any, ctx: InCtx) -> bytes:
    tag = el.tag
    try:
        if tag in ENVELOPES:
            return read_frame(el, ctx)
        if tag == GARBAGE:
            return parse_hex(el, value_of(el))
        if tag == PDU:
            cur = Cursor(el)
            data = _document_bytes(cur.take(), ctx) + read_extra(cur)
            cur.done()
            return data
        if TABLES.is_apdu(tag):
            apdu = TABLES.apdu_read(_Single(el), el, ctx)
            return _llc(el) + _core.build(Apdu, apdu, "apdu")
        if tag == RAW:
            return _llc(el) + parse_hex(el, value_of(el))
        if tag in DATA.by_element:
            return _core.build(Data, DATA.read(el, _Single(el), ctx), "axdr")
    except EncodeError as e:
        raise fail(el, f"cannot encode: {e}") from None
    except DecodeError as e:
        raise fail(el, str(e)) from None
    raise fail(el, "not a DLMS message element (an APDU, <HDLC>, <WRAPPER>, <WiredMBus>, "
                   "<Messages> or A-XDR data)")


def _llc(el: Any) -> bytes:
    """The LLC header in front of a bare APDU (``dt:llc``; none by default)."""
    text = ours(el, "llc")
    if text is None or text.strip().lower() == "none":
        return b""
    return parse_hex(el, text)


class _Single(Cursor):
    """A cursor over one element (a document's root)."""

    def __init__(self, el: Any) -> None:
        self.parent = el.getparent() if el.getparent() is not None else el
        self.items = [el]
        self.i = 0


def from_xml_messages(text: str | bytes, numbers: str | None = None, framing: str | None = None,
                      client: int = 0x10, server: int = 1) -> list[bytes]:
    """The octets of every message in ``text``: each child of a ``<Messages>`` document (as in a
    Gurux XmlClient file; ``Description``, ``Sleep`` and the like skipped), or the one message.

    Numbers are read as the document says (our ``dt:numbers``), else decimal in ``<Messages>``
    files (as the XmlClient reads them) and hex elsewhere (as Gurux's translator writes them); a
    document that does not read that way is tried the other way before failing. ``numbers``
    ("hex" or "dec") forces one. With ``framing`` ("hdlc" or "wrapper") bare APDUs are framed
    as the XmlClient sends them (``wrap.Framer``: ``client``/``server`` addresses or wPorts).
    """
    root, views = _load(text)
    out = _read_numbers(root, numbers, views)
    if framing is None:
        return out
    from .wrap import Framer
    framer = Framer(framing, client, server)
    docs = _documents(root)
    return [data if doc.tag in ENVELOPES else framer.frame(data) for doc, data in zip(docs, out)]


def _documents(root: Any) -> list:
    if root.tag != MESSAGES:
        return [root]
    return [el for el in root if isinstance(el.tag, str) and el.tag not in _SKIP]


def _messages(root: Any, hexmode: bool, strict: bool, views: deciphered.Views = ()) -> list[bytes]:
    ctx = InCtx(TABLES, hexmode, strict)
    out = [_document_bytes(el, ctx) for el in _documents(root)]
    deciphered.check(views, ctx, _document_bytes)
    return out


def _load(text: str | bytes) -> tuple[Any, deciphered.Views]:
    """The parsed document without its deciphered views (returned apart, to be checked); a
    standard-dialect document is read as the simple document it maps to."""
    from . import standard
    root = standard.parse(text)
    if standard.is_standard(root):
        root = standard.to_simple(root)
    return root, deciphered.detach(root)


def from_xml_apdus(text: str | bytes, numbers: str | None = None) -> list[bytes]:
    """The bare APDUs of ``text`` (one APDU, or a ``<Messages>`` file of them), e.g. to protect
    them: a framed message (``<HDLC>``, ``<WRAPPER>``, ``<WiredMBus>``) or A-XDR data alone is
    refused, and so is an LLC header (``dt:llc``), which is no part of an APDU."""
    root, views = _load(text)
    for doc in _documents(root):
        if not (TABLES.is_apdu(doc.tag) or doc.tag in (RAW, PDU)) or ours(doc, "llc") is not None:
            raise fail(doc, "not a bare APDU (give the APDU without its frame or LLC header)")
    return _read_numbers(root, numbers, views)


def from_xml(text: str | bytes, numbers: str | None = None, framing: str | None = None,
             client: int = 0x10, server: int = 1) -> bytes:
    """The octets of the message in ``text`` (all its frames, in order); byte-exact with what
    ``to_xml`` was given. A ``<Messages>`` document gives its messages' octets back to back.
    Options as ``from_xml_messages``."""
    return b"".join(from_xml_messages(text, numbers, framing, client, server))
