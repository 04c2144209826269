"""From frames to messages: LLC and APDU of each payload, HDLC and M-Bus segments joined,
general-block-transfer blocks reassembled. ``Assembler`` keeps the state of one byte stream, so
the same code serves ``decode_all`` (a whole buffer) and captures (chunks as they arrive).

Segments and blocks stay messages of their own (frames of the other direction, or garbage, may
come between them); the message that completes a sequence carries the joined APDU and lists the
earlier ones in ``parts``, as Wireshark's "reassembled in" does. So messages never overlap and
``b"".join(map(encode, messages))`` is always the input.
"""

from __future__ import annotations

from .errors import ChecksumError, DecodeError, EncodeError, ExpertNote
from .message import Message
from .schema import _core
from .schema._compile import fast_parse
from .schema.acse import component, quirk_name
from .schema.apdu import Apdu
from .schema.axdr import Data
from .schema.gbt import GbtReassembler
from .schema.hdlc import FrameReject, HdlcParameters
from .schema.llc import LlcHeader, llc_length
from .schema.protection import security_header
from .security import (
    Keyring,
    MissingSecurityInfo,
    MissingSystemTitleError,
    SecurityContext,
    SecurityError,
    unprotect_message_apdu,
)
from .security.unprotecting import PROTECTED_NAMES
from .stream.framing import Frame, Garbage

__all__ = [
    "NO_KEYS",
    "Assembler",
    "bare_data",
    "decode_leniently",
    "decode_payload",
    "joined_payload",
    "note_without_keys",
    "payload_bytes",
    "rebuild_single_frame",
]

_GBT = "general_block_transfer"
_ACSE_NAMES = frozenset({"aarq", "aare", "rlrq", "rlre"})
NO_KEYS = "ciphered; no keys given (--keys)"
_PAYLOAD_FIELD = {"hdlc": "information", "wrapper": "apdu", "mbus": "data"}


class Assembler:
    """Frames of one byte stream in arrival order -> complete messages.

    ``push`` takes one framing item (``Frame`` or ``Garbage`` over ``buf`` whose first octet is at
    ``base``) and returns the messages it made (a segment or block is a message at once);
    ``finish`` marks with an error what is left open (segments without their last frame, block
    sequences without their last block) on the messages already returned.
    Segments and blocks are joined per direction (source and destination address or wPort).
    """

    def __init__(self, keys=None, security_context=None) -> None:
        self._segments: dict[tuple, list[Message]] = {}
        self._blocks: dict[tuple, tuple[GbtReassembler, list[Message]]] = {}
        self._keys = keys
        self._security = security_context  # one per stream: system titles, dedicated key

    def push(self, item: Frame | Garbage, buf: bytes, base: int = 0) -> list[Message]:
        if type(item) is Garbage:
            return [_garbage_message(item, buf, base)]
        if _is_segment(item):
            part = _new(item, buf, base)
            self._segments.setdefault(_direction(item), []).append(part)
            return [part]
        # a frame without payload (RR, RNR...) never closes the other side's open segments
        segments = (self._segments.pop(_direction(item), [])
                    if self._segments and _frame_payload(item) else [])
        msg = _joined(segments, item, buf, base) if segments else _single(item, buf, base)
        self._feed_block(msg, item)
        if self._security is not None and msg.apdu is not None:
            unprotect_into(msg, self._keys, self._security)
        return [msg]

    def finish(self) -> list[Message]:
        """Marks what is still open: segments without their last one, blocks without the last."""
        if not (self._segments or self._blocks):
            return []
        for segments in self._segments.values():
            last = segments[-1]
            last.errors.append(DecodeError(last.framing, last.offset + len(last.raw),
                                           "the last segment", "end of data"))
        self._segments.clear()
        for reassembler, group in self._blocks.values():
            _close_blocks(reassembler.finish(), group)
        self._blocks.clear()
        return []  # nothing new: open sequences only get their errors

    def _feed_block(self, msg: Message, item: Frame) -> None:
        """A general-block-transfer block goes to its direction's reassembler."""
        apdu = msg.apdu
        if apdu is None or apdu["tag"] != _GBT or msg.fatal:
            return
        reassembler, group = self._blocks.setdefault(_direction(item), (GbtReassembler(), []))
        group.append(msg)
        _close_blocks(reassembler.feed(apdu["body"]), group)


def _direction(item: Frame) -> tuple:
    f = item.frame
    if item.layer == "hdlc":
        return ("hdlc", f["destination_address"].get("address"), f["source_address"].get("address"))
    if item.layer == "wrapper":
        return ("wrapper", f["source_wport"], f["destination_wport"])
    return (item.layer, f.get("address"))


def _is_segment(item: Frame) -> bool:
    """True for a segment that more segments of the same APDU follow."""
    f = item.frame
    if item.layer == "hdlc":
        return bool(f["format"]["segmentation"])
    if item.layer == "mbus":
        return f.get("last_segment") is False
    return False


def _close_blocks(results, group: list[Message]) -> None:
    """Each finished sequence: its last message gets the joined APDU (or the error)."""
    for result in results:
        n = len(result.block_numbers)
        parts, group[:] = group[:n], group[n:]
        _reassembled(parts, result)


def unprotect_into(msg: Message, keys, context) -> None:
    """Decipher/verify the message's protected APDU, if any, into ``msg.security``.

    A missing key or system title is a note (the ciphertext stays opaque); a failed tag, a bad
    signature or an unsupported suite is an error of the message.
    """
    try:
        msg.security = unprotect_message_apdu(msg.apdu, keys, context)
    except MissingSecurityInfo as e:
        if not keys:
            msg.notes.append(_no_keys_note(e))
        elif not (isinstance(e, MissingSystemTitleError) and _title_from_keyring(msg, keys, context)):
            msg.notes.append(str(e))
    except (SecurityError, DecodeError) as e:
        msg.errors.append(e)
    else:
        if msg.security is not None and msg.security.error is not None:
            msg.errors.append(msg.security.error)


def _no_keys_note(missing: MissingSecurityInfo) -> str:
    """The note of a protected APDU decoded without any keys (naming its sender when known)."""
    return _titled(NO_KEYS, getattr(missing, "system_title", None))


def _titled(note: str, title: bytes | None) -> str:
    return note + (f"; system title {bytes(title).hex().upper()}" if title else "")


def note_without_keys(msg: Message) -> None:
    """A protected APDU (or ACSE APDU with a ciphered xDLMS APDU) decoded with no keys at all
    gets the note saying so; nothing is tried on it."""
    apdu = msg.apdu
    if not isinstance(apdu, dict) or msg.framing == "data":
        return
    name = str(apdu.get("tag"))
    if name in _ACSE_NAMES:
        info = component(apdu, "user_information")
        inner = info.get("value") if isinstance(info, dict) else None
        if isinstance(inner, dict) and str(inner.get("tag")) in PROTECTED_NAMES:
            msg.notes.append(NO_KEYS)
    elif name in PROTECTED_NAMES:
        try:
            title = security_header(apdu["body"]).system_title
        except (KeyError, TypeError, ValueError):  # general-signing: no security header
            title = None
        msg.notes.append(_titled(NO_KEYS, title))


def _title_from_keyring(msg: Message, keys, context) -> bool:
    """A lone glo-/ded- APDU (no AARQ/AARE named its sender): try the keyring's system titles.

    The title whose authentication tag verifies is the sender's; with encryption only nothing
    can tell titles apart, so the one title of a keyring that names just one is assumed. The
    note says which title was used and why.
    """
    titles = keys.system_titles if isinstance(keys, Keyring) else []
    deciphered = []
    for title in titles:
        trial = SecurityContext(title, title, getattr(context, "dedicated_key", None))
        try:
            result = unprotect_message_apdu(msg.apdu, keys, trial)
        except SecurityError:
            continue
        if result is not None and result.verified:
            msg.security = result
            msg.notes.append(f"system title {title.hex().upper()} from the keys: its "
                             "authentication tag verifies")
            return True
        deciphered.append(result)
    if len(titles) == 1 and deciphered and deciphered[0] is not None:
        msg.security = deciphered[0]
        msg.notes.append(f"system title {titles[0].hex().upper()} assumed: the only one in the "
                         "keys, and nothing (no authentication tag) verifies it")
        return True
    return False


# --- payloads ---------------------------------------------------------------------------------------

def bare_data(data: bytes) -> list[Message]:
    """A-XDR values back to back, one message each; the rest after an error is one bad message."""
    out: list[Message] = []
    pos = 0
    while pos < len(data):
        try:
            value = fast_parse(Data, data[pos:], "axdr", pos, whole=False)
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


def decode_payload(msg: Message, payload: bytes, base: int | None) -> None:
    """LLC header (when present) and APDU of a frame payload; errors go into ``msg.errors``.

    ``base`` is the payload's offset in the input, or None when it was joined from several frames
    (then spans are offsets into ``msg.apdu_bytes``).
    """
    offset = 0 if base is None else base
    body = payload
    llc = llc_length(payload)
    if llc:
        msg.llc = fast_parse(LlcHeader, payload[:llc], "llc", offset)
        body = payload[llc:]
        offset += llc
    if not body:
        return
    msg.apdu_bytes = body
    msg.apdu_offset = offset if base is not None else None
    try:
        msg.apdu = fast_parse(Apdu, body, "apdu", offset)
    except DecodeError:
        if not _complete_with_extra(msg, body, offset):
            decode_leniently(msg, body, offset)


def decode_leniently(msg: Message, body: bytes, offset: int) -> None:
    """The APDU the strict parse refused, read as real stacks send it (DESIGN section 8):
    lengths that disagree with their content and known quirks are warnings on their fields; what
    still fails keeps the tree decoded up to the failure in ``msg.partial``, the error on the
    failing field (which holds the octets from there on)."""
    try:
        msg.apdu, notes = _core.parse_lenient(Apdu, body, "apdu", offset, quirk_name)
    except DecodeError as e:
        msg.partial = getattr(e, "partial", None)
        msg.errors.append(e.with_traceback(None))   # kept: no frames held with it
        return
    msg.warnings.extend(ExpertNote("warning", layer, at, text) for at, layer, text in notes)


def _complete_with_extra(msg: Message, body: bytes, offset: int) -> bool:
    """A complete APDU followed by extra octets: keep the APDU, mark and keep the extra octets
    (``msg.extra``, so ``encode`` gives them back). False when the APDU itself is incomplete."""
    try:
        apdu = fast_parse(Apdu, body, "apdu", offset, whole=False)
    except DecodeError:
        return False
    used = apdu["_span"][1]
    if used >= len(body):
        return False
    msg.apdu, msg.extra = apdu, body[used:]
    msg.errors.append(DecodeError("apdu", offset + used, "the end of the APDU",
                                  f"{len(msg.extra)} extra octet(s)"))
    return True


def payload_bytes(msg: Message) -> bytes | None:
    """LLC + APDU octets as the schemas build them now (None when there is nothing to build)."""
    if msg.apdu is None or msg.blocks or msg.parts:
        return None
    out = _core.build(LlcHeader, msg.llc, "llc") if msg.llc is not None else b""
    return out + _core.build(Apdu, msg.apdu, "apdu") + msg.extra


def joined_payload(msg: Message) -> bytes:
    return b"".join(_frame_payload(f) or b"" for f in msg.frames)


def _frame_payload(item: Frame) -> bytes | None:
    return item.frame.get(_PAYLOAD_FIELD[item.layer])


def _payload_offset(item: Frame) -> int | None:
    """Absolute offset of a frame's payload in the input, when its octets are contiguous there."""
    if item.frame.get("escaped"):
        return None
    span = item.frame.get("_spans", {}).get(_PAYLOAD_FIELD[item.layer])
    return span[0] if span else None


def rebuild_single_frame(item: Frame, payload: bytes) -> bytes:
    """The frame with a new payload; its length and check sequences computed anew."""
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


# --- frames -> messages -----------------------------------------------------------------------------

def _checksum_error(item: Frame) -> ChecksumError:
    f = item.frame
    what = "HCS" if f.get("hcs_ok") is False else "FCS" if f.get("fcs_ok") is False else "checksum"
    return ChecksumError(item.layer, item.start, f"a matching {what}", "a mismatch")


def _new(item: Frame, buf: bytes, base: int) -> Message:
    """A message of one frame; its octets are the input's (a bad CRC included)."""
    msg = Message(item.layer, item.start, buf[item.start - base:item.end - base], [item])
    if not item.ok:
        msg.errors.append(_checksum_error(item))
    return msg


def _single(item: Frame, buf: bytes, base: int) -> Message:
    msg = _new(item, buf, base)
    payload = _frame_payload(item)
    if not payload:
        return msg
    kind = item.frame["control"]["kind"] if item.layer == "hdlc" else None
    if kind in ("snrm", "ua"):
        try:
            msg.parameters = fast_parse(HdlcParameters, payload, "hdlc", _payload_offset(item) or 0)
            if msg.parameters.outside_group:
                msg.notes.append(f"HDLC parameters: group length {msg.parameters.group_length} "
                                 f"leaves {len(msg.parameters.outside_group)} parameter(s) outside "
                                 "the group (read anyway)")
        except DecodeError as e:
            msg.errors.append(e)
    elif kind == "frmr":
        try:
            msg.reject = fast_parse(FrameReject, payload, "hdlc", _payload_offset(item) or 0)
        except DecodeError as e:  # another length than the 3 octets of the basic format
            msg.errors.append(e)
    elif kind is None or kind in ("i", "ui"):
        decode_payload(msg, payload, _payload_offset(item))
    return msg


def _joined(parts: list[Message], last: Frame, buf: bytes, base: int) -> Message:
    """The last segment's message, carrying the APDU joined from every segment's payload."""
    msg = _new(last, buf, base)
    msg.parts = parts
    for part in parts:
        part.part_of = msg
    payload = b"".join(_frame_payload(f) or b"" for f in msg.all_frames)
    if payload:
        decode_payload(msg, payload, None)
    return msg


def _garbage_message(item: Garbage, buf: bytes, base: int) -> Message:
    """Octets that are no frame: kept as they are, with the reason (spare flags are no error)."""
    msg = Message("garbage", item.start, buf[item.start - base:item.end - base])
    if item.kind != "fill":
        msg.errors.append(item.error)
    return msg


def _reassembled(parts: list[Message], result) -> None:
    """The last block's message gets the APDU the blocks of ``parts`` join to (or the error).

    Its own block stays in ``blocks`` (with the earlier ones); ``apdu`` becomes the joined APDU.
    """
    msg, earlier = parts[-1], parts[:-1]
    if result.error:
        msg.errors.append(DecodeError("gbt", msg.offset, "a complete block sequence", result.error))
        return
    msg.blocks = [p.apdu for p in parts]
    msg.parts = earlier
    for part in earlier:
        part.part_of = msg
    msg.apdu_bytes = result.data
    msg.apdu_offset = None
    try:
        msg.apdu = fast_parse(Apdu, result.data, "apdu", 0)
    except DecodeError:
        msg.apdu = None
        decode_leniently(msg, result.data, 0)
