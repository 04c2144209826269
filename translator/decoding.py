"""The decode pipeline: framing -> reassembly -> LLC -> APDU, and its inverse ``encode``.

Every step calls a schema from ``translator.schema``; this module only decides which schema reads
which octets, joins segments and blocks, and records errors without losing any input.
"""

from __future__ import annotations

from .errors import ChecksumError, DecodeError, EncodeError
from .message import Message
from .schema import _core
from .schema.apdu import Apdu
from .schema.axdr import Data
from .schema.gbt import GbtReassembler
from .schema.hdlc import HdlcParameters
from .schema.llc import LlcHeader
from .stream import framing
from .stream.framing import Frame, Garbage

__all__ = ["decode", "decode_all", "encode", "LAYERS"]

LAYERS = ("hdlc", "wrapper", "mbus", "apdu", "data")
_LLC_STARTS = (b"\xe6\xe6\x00", b"\xe6\xe7\x00")
_GBT = "general_block_transfer"


def decode_all(data: bytes, keys=None, layer: str | None = None) -> list[Message]:
    """Every message in ``data`` in order; frames that are no message become error messages.

    The messages cover the input exactly once: ``b"".join(map(encode, msgs)) == data``.
    """
    data = bytes(data)
    if not data:
        raise DecodeError("input", 0, "at least one octet", "empty input")
    layer = layer or framing.detect(data)
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; one of {', '.join(LAYERS)}")
    if layer == "data":
        return _bare_data(data)
    if layer == "apdu":
        msg = Message("apdu", 0, data)
        _decode_payload(msg, data, 0)
        return [msg]
    items = list(framing.FINDERS[layer](data))
    if layer == "hdlc":
        messages = _join_hdlc(items, data)
    elif layer == "mbus":
        messages = _join_mbus(items, data)
    else:
        messages = [_garbage_message(i, data) if isinstance(i, Garbage) else _single(i) for i in items]
    return _join_gbt(messages)


def decode(data: bytes, keys=None, layer: str | None = None, strict: bool = True) -> Message:
    """Exactly one message (a frame, segments of one APDU, or a bare APDU or A-XDR value).

    With ``strict`` a structural error raises ``DecodeError``; a bad HCS/FCS/checksum never does:
    the message comes back with the ``ChecksumError`` in ``errors``.
    """
    messages = decode_all(data, keys, layer)
    if len(messages) != 1:
        if strict:
            bad = next((m for m in messages if m.fatal), None)
            if bad is not None:
                raise bad.errors[0]
            second = messages[1]
            raise DecodeError(messages[0].framing, second.offset, "one message",
                              f"{len(messages)} messages (use decode_all)")
        return messages[0]
    msg = messages[0]
    if strict and msg.fatal:
        raise next(e for e in msg.errors if not isinstance(e, ChecksumError))
    return msg


def encode(msg: Message) -> bytes:
    """The message's octets, rebuilt by the schemas; byte-exact with what was decoded.

    An APDU edited in the tree is rebuilt and put back into its (single) frame, whose length and
    check sequences are then computed anew.
    """
    if msg.framing == "garbage":
        return msg.raw
    if msg.framing == "data":
        return msg.raw if msg.apdu is None else _core.build(Data, msg.apdu, "axdr")
    payload = _payload_bytes(msg)
    if msg.framing == "apdu":
        return payload if payload is not None else msg.raw
    if payload is not None and payload != _joined_payload(msg):
        if len(msg.frames) != 1:
            raise EncodeError("an edited APDU that came in several frames cannot be re-segmented yet")
        return _rebuild_single_frame(msg.frames[0], payload)
    return b"".join(f.build() for f in msg.frames)


# --- bare inputs ----------------------------------------------------------------------------------

def _bare_data(data: bytes) -> list[Message]:
    """A-XDR values back to back, one message each; the rest after an error is one bad message."""
    out: list[Message] = []
    pos = 0
    while pos < len(data):
        try:
            value = _core.parse(Data, data[pos:], "axdr", pos, whole=False)
        except DecodeError as e:
            msg = Message("data", pos, data[pos:])
            msg.errors.append(e)
            out.append(msg)
            break
        end = pos + value._span[1]
        out.append(Message("data", pos, data[pos:end], apdu=value, apdu_bytes=data[pos:end],
                           apdu_offset=pos))
        pos = end
    return out


def _decode_payload(msg: Message, payload: bytes, base: int | None) -> None:
    """LLC header (when present) and APDU of a frame payload; errors go into ``msg.errors``."""
    offset = 0 if base is None else base
    body = payload
    if payload[:3] in _LLC_STARTS:
        try:
            msg.llc = _core.parse(LlcHeader, payload[:3], "llc", offset)
        except DecodeError as e:  # cannot happen for the two accepted starts; kept for safety
            msg.errors.append(e)
            return
        body = payload[3:]
        offset += 3
    if not body:
        return
    msg.apdu_bytes = body
    msg.apdu_offset = offset if base is not None else None
    try:
        msg.apdu = _core.parse(Apdu, body, "apdu", offset)
    except DecodeError as e:
        msg.errors.append(e)


def _payload_bytes(msg: Message) -> bytes | None:
    """LLC + APDU octets as the schemas build them now (None when there is nothing to build)."""
    if msg.apdu is None or msg.blocks:
        return None
    out = _core.build(LlcHeader, msg.llc, "llc") if msg.llc is not None else b""
    return out + _core.build(Apdu, msg.apdu, "apdu")


def _joined_payload(msg: Message) -> bytes:
    return b"".join(_frame_payload(f) or b"" for f in msg.frames)


def _frame_payload(item: Frame) -> bytes | None:
    f = item.frame
    if item.layer == "hdlc":
        return f.get("information")
    if item.layer == "wrapper":
        return f.get("apdu")
    return f.get("data")


def _payload_offset(item: Frame) -> int | None:
    """Absolute offset of a frame's payload in the input, when its octets are contiguous there."""
    if item.frame.get("escaped"):
        return None
    key = {"hdlc": "information", "wrapper": "apdu", "mbus": "data"}[item.layer]
    span = item.frame.get("_spans", {}).get(key)
    return span[0] if span else None


def _rebuild_single_frame(item: Frame, payload: bytes) -> bytes:
    f = item.frame.copy()
    if item.layer == "hdlc":
        f["information"] = payload
        f["hcs"] = f["fcs"] = None
        f["format"] = f["format"].copy()
        f["format"]["length"] = None
    elif item.layer == "wrapper":
        f["apdu"] = payload
        f["length"] = None
    else:
        raise EncodeError(f"rebuilding an edited {item.layer} frame is not supported yet")
    return _core.build(item.schema, f, item.layer)


# --- framing -> messages --------------------------------------------------------------------------

def _checks(msg: Message, item: Frame) -> None:
    if not item.ok:
        f = item.frame
        what = "HCS" if f.get("hcs_ok") is False else "FCS" if f.get("fcs_ok") is False else "checksum"
        msg.errors.append(ChecksumError(item.layer, item.start, f"a matching {what}", "a mismatch"))


def _single(item: Frame) -> Message:
    msg = Message(item.layer, item.start, b"", frames=[item])
    _checks(msg, item)
    payload = _frame_payload(item)
    if payload:
        _decode_payload(msg, payload, _payload_offset(item))
    return _with_raw(msg)


def _with_raw(msg: Message) -> Message:
    msg.raw = b"".join(f.build() for f in msg.frames)
    return msg


def _garbage_message(item: Garbage, data: bytes) -> Message:
    """Octets that are no frame: kept as they are, with the reason (spare flags are no error)."""
    msg = Message("garbage", item.start, data[item.start:item.end])
    if item.kind != "fill":
        msg.errors.append(item.error)
    return msg


def _join_hdlc(items: list, data: bytes) -> list[Message]:
    """HDLC frames to messages: segments (S bit) of one direction are joined into one APDU."""
    out: list[Message] = []
    pending: dict[tuple, list[Frame]] = {}
    for item in items:
        if isinstance(item, Garbage):
            out.append(_garbage_message(item, data))
            continue
        f = item.frame
        key = (f.destination_address.get("address"), f.source_address.get("address"))
        if f.format.segmentation:
            pending.setdefault(key, []).append(item)
            continue
        segments = pending.pop(key, [])
        if segments:
            out.append(_segmented(segments + [item]))
        else:
            out.append(_hdlc_single(item))
    for segments in pending.values():  # segments whose last frame never came
        msg = _segmented(segments)
        msg.errors.append(DecodeError("hdlc", segments[-1].end, "the last segment (S bit 0)",
                                      "end of data"))
        out.append(msg)
    out.sort(key=lambda m: m.offset)
    return out


def _hdlc_single(item: Frame) -> Message:
    kind = str(item.frame.control.kind)
    info = item.frame.get("information")
    if info and kind in ("snrm", "ua"):
        msg = Message("hdlc", item.start, b"", frames=[item])
        _checks(msg, item)
        try:
            msg.parameters = _core.parse(HdlcParameters, info, "hdlc", _payload_offset(item) or 0)
        except DecodeError as e:
            msg.errors.append(e)
        return _with_raw(msg)
    if info and kind not in ("i", "ui"):
        msg = Message("hdlc", item.start, b"", frames=[item])
        _checks(msg, item)
        return _with_raw(msg)
    return _single(item)


def _segmented(frames: list[Frame]) -> Message:
    msg = Message(frames[0].layer, frames[0].start, b"", frames=list(frames))
    for item in frames:
        _checks(msg, item)
    payload = b"".join(_frame_payload(f) or b"" for f in frames)
    if payload:
        _decode_payload(msg, payload, None)
    return _with_raw(msg)


def _join_mbus(items: list, data: bytes) -> list[Message]:
    """M-Bus telegrams to messages: DLMS segments (CI 0x00..0x1F) are joined up to the last one."""
    out: list[Message] = []
    pending: dict[int, list[Frame]] = {}
    for item in items:
        if isinstance(item, Garbage):
            out.append(_garbage_message(item, data))
            continue
        f = item.frame
        if f.get("last_segment") is None:
            out.append(_single(item))
            continue
        key = f.get("address")
        if not f.last_segment:
            pending.setdefault(key, []).append(item)
            continue
        segments = pending.pop(key, []) + [item]
        out.append(_segmented(segments) if len(segments) > 1 else _single(item))
    for segments in pending.values():
        msg = _segmented(segments)
        msg.errors.append(DecodeError("mbus", segments[-1].end, "the last segment", "end of data"))
        out.append(msg)
    out.sort(key=lambda m: m.offset)
    return out


def _join_gbt(messages: list[Message]) -> list[Message]:
    """Messages carrying general-block-transfer blocks are merged into the message they build."""
    out: list[Message] = []
    group: list[Message] = []
    reassembler = GbtReassembler()

    def close(results) -> None:
        for result in results:
            parts, group[:] = group[:len(result.block_numbers)], group[len(result.block_numbers):]
            out.append(_merged(parts, result))

    for msg in messages:
        if msg.apdu is not None and str(msg.apdu.tag) == _GBT and not msg.fatal:
            group.append(msg)
            close(reassembler.feed(msg.apdu.body))
            continue
        out.append(msg)
    close(reassembler.finish())
    out.extend(group)
    out.sort(key=lambda m: m.offset)
    return out


def _merged(parts: list[Message], result) -> Message:
    first = parts[0]
    msg = Message(first.framing, first.offset, b"".join(p.raw for p in parts),
                  frames=[f for p in parts for f in p.frames], llc=first.llc)
    msg.blocks = [p.apdu for p in parts]
    for p in parts:
        msg.errors.extend(p.errors)
    if result.error:
        msg.errors.append(DecodeError("gbt", parts[-1].offset, "a complete block sequence",
                                      result.error))
        return msg
    msg.apdu_bytes = result.data
    try:
        msg.apdu = _core.parse(Apdu, result.data, "apdu", 0)
    except DecodeError as e:
        msg.errors.append(e)
    return msg

