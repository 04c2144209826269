"""The decode pipeline: framing -> reassembly -> LLC -> APDU, and its inverse ``encode``.

Every step calls a schema from ``translator.schema``; this module only decides which schema reads
which octets, joins segments and blocks, and records errors without losing any input.
"""

from __future__ import annotations

from .assembly import (
    Assembler,
    bare_data,
    decode_payload,
    joined_payload,
    note_without_keys,
    payload_bytes,
    rebuild_single_frame,
    unprotect_into,
)
from .errors import ChecksumError, DecodeError, EncodeError
from .message import Message
from .schema import _core
from .schema.apdu import APDU_NAMES
from .schema.axdr import Data
from .schema.protection import QUIRK_APDUS
from .security import Keyring, Keys, SecurityContext
from .stream import framing
from .stream.framing import Garbage

__all__ = ["LAYERS", "StreamDecoder", "decode", "decode_all", "encode"]

LAYERS = ("hdlc", "wrapper", "mbus", "apdu", "data")


def decode_all(data: bytes, keys=None, layer: str | None = None,
               system_title: bytes | str | None = None) -> list[Message]:
    """Every message in ``data`` in order; frames that are no message become error messages.

    The messages cover the input exactly once: ``b"".join(map(encode, msgs)) == data``.
    ``keys`` (a ``Keyring``, ``Keys`` or the path of a keys TOML file) deciphers and verifies
    protected APDUs into ``msg.security``; ``system_title`` is the sender's, for glo-/ded- APDUs
    seen without the association that names it.
    """
    keys = _keyring(keys)
    data = bytes(data)
    if not data:
        raise DecodeError("input", 0, "at least one octet", "empty input")
    layer = layer or framing.detect(data)
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; one of {', '.join(LAYERS)}")
    if layer == "data":
        return bare_data(data)
    if layer == "apdu":
        msg = Message("apdu", 0, data)
        decode_payload(msg, data, 0)
        if keys is not None and msg.apdu is not None:
            unprotect_into(msg, keys, _context(system_title))
        return _noted([msg], keys)
    assembler = Assembler(keys, _context(system_title) if keys is not None else None)
    out: list[Message] = []
    items = framing.FINDERS[layer](data)
    for item in _resynced(items) if layer == "wrapper" else items:
        out.extend(assembler.push(item, data))
    out.extend(assembler.finish())
    if len(out) > 1:
        out.sort(key=lambda m: m.offset)
    return _noted(out, keys)


_APDU_TAGS = frozenset(APDU_NAMES)


def _resynced(items, tails: dict[int, tuple[int, bool]] | None = None):
    """A wrapper frame next to garbage whose APDU starts with no APDU tag joins the garbage run.

    The wrapper has no checksum (HDLC and M-Bus frames have), so ``00 01`` inside garbage
    starts a false frame: without this a run like ``0001 0001 ...`` became one error message
    per 10 octets, each decoded in full (seconds and hundreds of MB); now a run of garbage is
    one message. ``tails`` gets, for a run, its start -> (start of its last piece, whether that
    piece is garbage): where a stream may cut the run and read on with the same result.
    """
    run: Garbage | None = None     # the garbage run being gathered
    held = None                    # a false frame not after garbage: joins a run that follows
    for item in items:
        garbage = type(item) is Garbage and item.kind == "garbage"
        if run is not None and run.end == item.start and (garbage or _false_wrapper(item)):
            run = Garbage(run.layer, run.start, item.end, run.error, run.kind)
            if tails is not None:
                tails[run.start] = (item.start, garbage)
            continue
        if held is not None:
            if garbage and held.end == item.start:
                run = Garbage(item.layer, held.start, item.end, item.error, item.kind)
                if tails is not None:
                    tails[run.start] = (item.start, True)
                held = None
                continue
            yield held
            held = None
        if run is not None:
            yield run
            run = None
        if garbage:
            run = item
        elif _false_wrapper(item):
            held = item
        else:
            yield item
    if held is not None:
        yield held
    if run is not None:
        yield run


def _false_wrapper(item) -> bool:
    """A wrapper frame whose APDU cannot be one: empty, or no APDU tag first."""
    if type(item) is Garbage or item.layer != "wrapper":
        return False
    apdu = item.frame.get("apdu")
    if not apdu or apdu[0] in _APDU_TAGS:
        return not apdu
    # a quirk tag (a ciphered body under 0x00) counts when its length octet fits the frame
    return apdu[0] not in QUIRK_APDUS or len(apdu) < 2 or (apdu[1] < 0x80
                                                           and apdu[1] != len(apdu) - 2)


def _noted(messages: list[Message], keys) -> list[Message]:
    """Without any keys nothing is deciphered: each protected APDU says so."""
    if keys is None:
        for msg in messages:
            note_without_keys(msg)
    return messages


def _keyring(keys):
    if keys is None or isinstance(keys, (Keyring, Keys)):
        return keys
    if isinstance(keys, (str, bytes)) or hasattr(keys, "__fspath__"):
        return Keyring.load(keys)
    return keys


def _context(system_title):
    """A security context; a given system title stands for both ends (a lone APDU's sender)."""
    ctx = SecurityContext()
    if system_title is not None:
        title = bytes.fromhex(system_title) if isinstance(system_title, str) else bytes(system_title)
        ctx.client_system_title = ctx.server_system_title = title
    return ctx


def decode(data: bytes, keys=None, layer: str | None = None, strict: bool = True,
           system_title: bytes | str | None = None) -> Message:
    """Exactly one message (a frame, segments of one APDU, or a bare APDU or A-XDR value).

    With ``strict`` a structural error raises ``DecodeError``; a bad HCS/FCS/checksum never does:
    the message comes back with the ``ChecksumError`` in ``errors``.
    """
    messages = decode_all(data, keys, layer, system_title)
    last = messages[-1]
    if len(messages) > 1 and all(m.part_of is last for m in messages[:-1]):
        messages = [last]  # segments or blocks of one APDU: the message that joined them
        last.whole = True  # ... which encodes back to all of them
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
    payload = payload_bytes(msg)
    if msg.framing == "apdu":
        return payload if payload is not None else msg.raw
    if payload is not None and payload != joined_payload(msg):
        if len(msg.frames) != 1 or (msg.whole and msg.parts):
            raise EncodeError("an edited APDU that came in several frames cannot be re-segmented yet")
        return rebuild_single_frame(msg.frames[0], payload)
    return b"".join(f.build() for f in (msg.all_frames if msg.whole else msg.frames))


def _may_continue(item, end: int) -> bool:
    """True for an item at the end of the data that more data may still change."""
    if isinstance(item, Garbage):
        return item.kind == "truncated" or item.end == end
    return item.end == end and item.layer == "hdlc" and not item.frame.get("closing_flag")


_HOLD = 16
"""Octets of a garbage run at the end of the data kept buffered: a frame may start in them."""
_RUN_LIMIT = 1 << 16
"""A longer garbage run is reported in pieces of this size, so memory stays flat."""


def _cut(run: Garbage, tails: dict[int, tuple[int, bool]]) -> int:
    """Where a run reaching the end of the data may be cut, reading on with the same result:
    ``_HOLD`` octets before its end inside its last piece of garbage, or the start of a false
    frame it ends with (read again)."""
    last, garbage = tails.get(run.start, (run.start, True))
    return max(last, run.end - _HOLD) if garbage else last


class StreamDecoder:
    """Decode one byte stream (a TCP connection, a serial line) as its chunks arrive.

    ``feed`` returns the messages completed so far; a frame cut by the end of a chunk waits for
    the next one, so memory holds at most one unfinished frame (and open segments or blocks).
    ``finish`` returns what is left, marked. Offsets are positions in the whole stream.
    """

    def __init__(self, layer: str | None = None, keys=None) -> None:
        if layer in ("apdu", "data"):
            raise ValueError("a stream needs a framing: hdlc, wrapper or mbus")
        self.layer = layer
        self._buf = b""
        self._base = 0
        keys = _keyring(keys)
        self._assembler = Assembler(keys, _context(None) if keys is not None else None)
        self._pending: Garbage | None = None    # a garbage run not reported yet
        self._pending_octets = bytearray()

    def feed(self, chunk: bytes) -> list[Message]:
        self._buf += chunk
        if self.layer is None:
            if len(self._buf) < 4:
                return []
            self.layer = framing.detect(self._buf)
            if self.layer not in framing.FINDERS:
                self.layer = "hdlc"  # no framing recognised: report it as garbage, keep looking
        return self._run(final=False)

    def finish(self) -> list[Message]:
        out = self._run(final=True) if self._buf else []
        return out + self._assembler.finish()

    def _run(self, final: bool) -> list[Message]:
        out: list[Message] = []
        keep = len(self._buf)
        end = self._base + len(self._buf)
        tails: dict[int, tuple[int, bool]] = {}
        deferred = None  # a false wrapper frame: what follows decides whether it joins a run
        items = framing.FINDERS[self.layer or "hdlc"](self._buf, self._base)
        for item in _resynced(items, tails) if self.layer == "wrapper" else items:
            settled = type(item) is Garbage and item.kind != "truncated"
            if not final and (_may_continue(item, end) or
                              (item.end == end and _false_wrapper(item))):
                cut = _cut(item, tails) if settled and deferred is None else 0
                if settled and cut > item.start:
                    # a run reaching the end is settled but for its last octets (a frame may
                    # still start there): keep only those, so a long run costs linear time
                    self._extend_run(Garbage(item.layer, item.start, cut, item.error,
                                             item.kind), out)
                    keep = cut - self._base
                else:
                    keep = (deferred or item).start - self._base
                break
            if deferred is not None:
                out.extend(self._push(deferred))
                deferred = None
            run = self._pending
            if run is not None and run.end == item.start and _false_wrapper(item):
                # a false frame right after the garbage gathered so far (from an earlier
                # chunk) joins it, as decode_all joins it
                item = Garbage(item.layer, item.start, item.end, run.error, run.kind)
                settled = True
            if settled:
                self._extend_run(item, out)
                continue
            if not final and _false_wrapper(item):
                deferred = item
                continue
            out.extend(self._push(item))
        if deferred is not None and keep == len(self._buf):
            out.extend(self._push(deferred))
        if final:
            out.extend(self._flush_run())
        self._base += keep
        self._buf = self._buf[keep:]
        return out

    def _push(self, item) -> list[Message]:
        """The garbage gathered so far, then the messages of ``item``."""
        return self._flush_run() + self._assembler.push(item, self._buf, self._base)

    def _extend_run(self, item: Garbage, out: list[Message]) -> None:
        """Gather adjacent garbage (or spare flags) into one run, reported as one message when
        something else comes, at the end, or in pieces of ``_RUN_LIMIT`` octets."""
        run = self._pending
        octets = self._buf[item.start - self._base:item.end - self._base]
        if run is not None and run.end == item.start and run.kind == item.kind:
            self._pending = Garbage(run.layer, run.start, item.end, run.error, run.kind)
            self._pending_octets += octets
        else:
            out.extend(self._flush_run())
            self._pending, self._pending_octets = item, bytearray(octets)
        if len(self._pending_octets) >= _RUN_LIMIT:
            out.extend(self._flush_run())

    def _flush_run(self) -> list[Message]:
        run, self._pending = self._pending, None
        if run is None:
            return []
        return self._assembler.push(run, bytes(self._pending_octets), run.start)


