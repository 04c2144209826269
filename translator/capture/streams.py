"""Byte streams out of packets: TCP put in order, UDP datagrams, raw serial chunks.

Why here and not tshark's reassembly: the decoder needs the connection's bytes once each and in
order, with the packets every byte came from (a message's record lists them), and it must know
where octets are missing (a lost segment, a packet cut by the snapshot length) so the frame
around the hole is reported instead of silently joined with unrelated octets.

* ``TcpDirection`` orders the segments of one direction of a TCP connection by sequence number:
  out-of-order segments wait (bounded), retransmitted octets are dropped and counted, a hole
  that does not fill is reported as a ``Gap``.
* ``ByteStream`` feeds one direction's octets to the core's ``StreamDecoder`` and maps every
  message back to its packets; ``DatagramStream`` does the same for datagrams, where each
  datagram holds whole frames (HDLC segments and GBT blocks are still joined across datagrams).
* ``classify`` says from content whether octets are DLMS and in which framing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from ..assembly import Assembler, decode_payload
from ..decoding import StreamDecoder, decode_all
from ..errors import DecodeError
from ..message import Message
from ..schema import _core
from ..schema.llc import LLC_432, LlcHeader
from ..stream import framing
from ..stream.framing import Frame, Garbage

__all__ = [
    "ByteStream", "DatagramStream", "Delivery", "Gap", "Piece", "TcpDirection", "classify",
    "classify_datagram",
]

_MOD = 1 << 32
_HALF = 1 << 31
MAX_PENDING_BYTES = 1 << 20     # out-of-order octets held before a hole is declared
MAX_PENDING_SEGMENTS = 4096
MAX_OPEN_PARTS = 4096           # segments/blocks remembered until the message joining them


@dataclass(slots=True)
class Delivery:
    """In-order octets of one direction at stream position ``pos``."""

    pos: int
    data: bytes
    number: int
    time: float


@dataclass(slots=True)
class Gap:
    """Octets [start, end) of a direction that are not in the capture."""

    start: int
    end: int
    number: int      # the packet after the hole (or the cut packet)
    time: float
    reason: str


class TcpDirection:
    """Segments of one direction of a TCP connection -> in-order ``Delivery``/``Gap`` items.

    Positions count from the first octet after the SYN (or from the first segment seen when
    the capture starts inside the connection). Sequence numbers wrap modulo 2**32.
    """

    def __init__(self) -> None:
        self.base: int | None = None     # the sequence number of position 0
        self.pos = 0                     # the next position to deliver
        self.pending: dict[int, tuple[bytes, int, float, int]] = {}
        self.pending_bytes = 0
        self.retransmitted: list[int] = []   # packet numbers whose octets were all seen before
        self.overlaps = 0

    def syn(self, seq: int) -> None:
        if self.base is None:
            self.base = (seq + 1) % _MOD

    def position(self, seq: int) -> int:
        """The stream position of sequence number ``seq`` (nearest to the current position)."""
        assert self.base is not None
        delta = (seq - self.base - self.pos + _HALF) % _MOD - _HALF
        return self.pos + delta

    def push(self, seq: int, payload: bytes, number: int, time: float,
             expected: int | None = None) -> list[Delivery | Gap]:
        """One segment; ``expected`` > len(payload) when the capture cut the packet."""
        length = len(payload) if expected is None else max(expected, len(payload))
        if self.base is None:
            self.base = seq
        start = self.position(seq)
        if start + length <= self.pos:
            self.retransmitted.append(number)
            return []
        out: list[Delivery | Gap] = []
        if start > self.pos:
            self._hold(start, payload, number, time, length)
            if self.pending_bytes > MAX_PENDING_BYTES or len(self.pending) > MAX_PENDING_SEGMENTS:
                out.extend(self._skip_to_pending())
            return out
        self._take(start, payload, number, time, length, out)
        self._drain(out)
        return out

    def acked(self, ack: int) -> list[Delivery | Gap]:
        """The peer acknowledged up to ``ack``: a hole it acknowledged was received by the peer
        but not captured, so it will never fill; what waits behind it is delivered now."""
        if not self.pending or self.base is None:
            return []
        out: list[Delivery | Gap] = []
        while self.pending and self.position(ack) > self.pos:
            start = min(self.pending)
            if start <= self.pos:
                self._drain(out)
                continue
            out.extend(self._skip_to_pending())
        return out

    def flush(self) -> list[Delivery | Gap]:
        """At the end of the connection: what still waits behind a hole, after that hole."""
        out: list[Delivery | Gap] = []
        while self.pending:
            out.extend(self._skip_to_pending())
        return out

    # -- internals -------------------------------------------------------------------------------
    def _hold(self, start: int, payload: bytes, number: int, time: float, length: int) -> None:
        old = self.pending.get(start)
        if old is not None:
            if old[3] >= length:
                self.retransmitted.append(number)
                return
            self.pending_bytes -= len(old[0])
        self.pending[start] = (payload, number, time, length)
        self.pending_bytes += len(payload)

    def _take(self, start: int, payload: bytes, number: int, time: float, length: int,
              out: list) -> None:
        """Deliver a segment that starts at or before ``self.pos`` (its new octets only)."""
        skip = self.pos - start
        if skip:
            self.overlaps += 1
        data = payload[skip:]
        if data:
            out.append(Delivery(self.pos, data, number, time))
        cut_at = start + len(payload)
        end = start + length
        if end > max(cut_at, self.pos):
            out.append(Gap(max(cut_at, self.pos), end, number, time,
                           "packet cut by the capture's snapshot length"))
        self.pos = max(self.pos, end)

    def _drain(self, out: list) -> None:
        while self.pending:
            start = min(self.pending)
            if start > self.pos:
                return
            payload, number, time, length = self.pending.pop(start)
            self.pending_bytes -= len(payload)
            if start + length <= self.pos:
                self.retransmitted.append(number)
                continue
            self._take(start, payload, number, time, length, out)

    def _skip_to_pending(self) -> list[Delivery | Gap]:
        start = min(self.pending)
        _, number, time, _ = self.pending[start]
        out: list[Delivery | Gap] = [Gap(self.pos, start, number, time,
                                         "segments missing (not captured)")]
        self.pos = start
        self._drain(out)
        return out


# --- messages and the packets they came from -----------------------------------------------------


@dataclass(slots=True)
class Piece:
    """A decoded message of a stream (or a hole in it, ``message`` None and ``error`` set),
    with the numbers of the packets its octets came from and the first packet's time."""

    message: Message | None
    packets: list[int]
    time: float | None
    offset: int                  # stream position of its first octet
    error: str | None = None
    joined: list[int] | None = None   # packets of every part, when it joined segments/blocks


class PacketMap:
    """Which packet delivered which stream positions, forgotten once every octet is claimed.

    Every octet of a stream belongs to exactly one message (the decoder's messages cover their
    input once), so an entry is dropped when its octets have all been claimed: the map holds
    only octets of messages still open (a frame cut by a segment end, open segments or blocks).
    """

    __slots__ = ("ends", "head", "left", "numbers", "starts", "times")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.numbers: list[int] = []
        self.times: list[float | None] = []
        self.left: list[int] = []
        self.head = 0

    def add(self, pos: int, length: int, number: int, time: float | None) -> None:
        if length <= 0:
            return
        self.starts.append(pos)
        self.ends.append(pos + length)
        self.numbers.append(number)
        self.times.append(time)
        self.left.append(length)

    def claim(self, ranges: Iterable[tuple[int, int]]) -> tuple[list[int], float | None]:
        """The packets (in capture order) holding the octets of ``ranges``; marks them used."""
        numbers: list[int] = []
        first: float | None = None
        starts, ends, left = self.starts, self.ends, self.left
        n = len(starts)
        for a, b in ranges:
            i = max(bisect_right(starts, a, self.head) - 1, self.head)
            while i < n and starts[i] < b:
                overlap = min(b, ends[i]) - max(a, starts[i])
                if overlap > 0:
                    left[i] -= overlap
                    number = self.numbers[i]
                    if number not in numbers:
                        numbers.append(number)
                    if first is None:
                        first = self.times[i]
                i += 1
        head = self.head
        while head < n and left[head] <= 0:
            head += 1
        self.head = head
        if head > 1024 and head * 2 > n:
            for name in ("starts", "ends", "numbers", "times", "left"):
                setattr(self, name, getattr(self, name)[head:])
            self.head = 0
        numbers.sort()
        return numbers, first

    def __len__(self) -> int:
        return len(self.starts) - self.head


def _ranges(msg: Message, shift: int) -> list[tuple[int, int]]:
    if msg.frames:
        return [(shift + f.start, shift + f.end) for f in msg.frames]
    return [(shift + msg.offset, shift + msg.offset + len(msg.raw))]


def _is_fill(msg: Message) -> bool:
    """Spare HDLC flags between frames: octets to account for, no message to report."""
    return msg.framing == "garbage" and not msg.errors


class ByteStream:
    """One direction of a connection (or a serial line): octets in order -> ``Piece`` items.

    A hole in the stream ends the decoder (what it held is reported cut) and a new one starts
    after the hole, so octets on either side of a hole are never joined into one frame.
    """

    def __init__(self, layer: str | None = None) -> None:
        self.layer = layer
        self._decoder = StreamDecoder(layer)
        self._shift = 0
        self._map = PacketMap()
        self._parts: dict[int, list[int]] = {}   # id(part message) -> its packets
        self._next: int | None = None            # the stream position expected next

    def feed(self, pos: int, data: bytes, number: int, time: float | None) -> list[Piece]:
        """Octets at stream position ``pos`` (the first call fixes where the stream starts)."""
        if self._next is None:
            self._shift = self._next = pos
        out: list[Piece] = []
        if pos != self._next:
            out = self.gap(Gap(self._next, pos, number, time or 0.0,
                               "octets missing (not delivered)"))
        self._next = pos + len(data)
        self._map.add(pos, len(data), number, time)
        out.extend(self._pieces(self._decoder.feed(data)))
        return out

    def deliver(self, item: Delivery | Gap) -> list[Piece]:
        if isinstance(item, Delivery):
            return self.feed(item.pos, item.data, item.number, item.time)
        return self.gap(item)

    def gap(self, gap: Gap) -> list[Piece]:
        out = self._pieces(self._decoder.finish())
        out.append(Piece(None, [gap.number], gap.time, gap.start,
                         f"{gap.end - gap.start} octet(s) of the stream missing at offset "
                         f"{gap.start}: {gap.reason}"))
        self._decoder = StreamDecoder(self._decoder.layer or self.layer)
        self._shift = self._next = gap.end
        return out

    def finish(self) -> list[Piece]:
        return self._pieces(self._decoder.finish())

    def _pieces(self, messages: list[Message]) -> list[Piece]:
        return _pieces(messages, self._map, self._shift, self._parts)


def _pieces(messages: list[Message], packet_map: PacketMap, shift: int,
            parts: dict[int, list[int]]) -> list[Piece]:
    """Messages -> pieces with their packets; a message that joined earlier segments or blocks
    (``msg.parts``, each reported before as a piece of its own) also lists theirs."""
    out = []
    for msg in messages:
        numbers, first = packet_map.claim(_ranges(msg, shift))
        if _is_fill(msg):
            continue
        piece = Piece(msg, numbers, first, shift + msg.offset)
        if msg.parts:
            joined: set[int] = set(numbers)
            for part in msg.parts:
                joined.update(parts.pop(id(part), ()))
            piece.joined = sorted(joined)
        if _may_be_part(msg):
            parts[id(msg)] = numbers
            if len(parts) > MAX_OPEN_PARTS:
                parts.pop(next(iter(parts)))
        out.append(piece)
    return out


def _may_be_part(msg: Message) -> bool:
    """A segment with more to come, or a general-block-transfer block (joined later)."""
    if msg.part_of is not None:
        return True
    if msg.framing == "hdlc" and msg.frames and msg.frames[-1].frame.format.segmentation:
        return True
    if msg.framing == "mbus" and msg.frames and msg.frames[-1].frame.get("last_segment") is False:
        return True
    return msg.apdu is not None and not msg.parts and str(msg.apdu.get("tag")) == \
        "general_block_transfer"


class DatagramStream:
    """The datagrams of one UDP flow, both directions: each datagram holds whole frames.

    The framing is told per datagram (a flow may carry HDLC frames and IEC 61334-4-32 LLC
    APDUs, as the andrebdo sample does); HDLC segments and general-block-transfer blocks are
    joined across datagrams by the core's ``Assembler`` (keyed by addresses, so both
    directions share one).
    """

    def __init__(self) -> None:
        self._assemblers: dict[str, Assembler] = {}
        self._map = PacketMap()
        self._parts: dict[int, list[int]] = {}
        self.pos = 0

    def feed(self, payload: bytes, layer: str | None, number: int, time: float) -> list[Piece]:
        base = self.pos
        self.pos += len(payload)
        self._map.add(base, len(payload), number, time)
        if layer == "llc432":
            messages = [llc432_message(payload, base)]
        elif layer in framing.FINDERS:
            messages = []
            for item in framing.FINDERS[layer](payload, base):
                if isinstance(item, Garbage) and item.kind == "truncated":
                    item = Garbage(item.layer, item.start, item.end, item.error, "garbage")
                kind = layer + ("/s" if _supervisory(item) else "")
                assembler = self._assemblers.setdefault(kind, Assembler())
                messages.extend(assembler.push(item, payload, base))
        elif layer == "apdu":  # an exported PDU holding a bare APDU (the plugins' "raw data")
            msg = Message("apdu", base, payload)
            decode_payload(msg, payload, base)
            messages = [msg]
        else:
            msg = Message("garbage", base, payload)
            msg.errors.append(DecodeError(
                "udp", base, "a DLMS frame (HDLC, wrapper, M-Bus or IEC 61334-4-32 LLC)",
                payload[:4].hex(" ") or "an empty datagram"))
            messages = [msg]
        return self._pieces(messages)

    def finish(self) -> list[Piece]:
        messages: list[Message] = []
        for assembler in self._assemblers.values():
            messages.extend(assembler.finish())
        return self._pieces(messages)

    def _pieces(self, messages: list[Message]) -> list[Piece]:
        return _pieces(messages, self._map, 0, self._parts)


def _supervisory(item: Frame | Garbage) -> bool:
    """An HDLC frame without information field other than an I-frame (RR, RNR, UA, ...).

    Both directions of a datagram flow share one assembler, and some links use the same HDLC
    address both ways (the andrebdo sample does): such a frame, sent between two segments of
    the other side's APDU, must not close that segment sequence, so it gets an assembler of
    its own (it never joins segments anyway).
    """
    if not isinstance(item, Frame) or item.layer != "hdlc":
        return False
    return not item.frame.get("information") and str(item.frame.control.kind) != "i"


def llc432_message(payload: bytes, base: int = 0) -> Message:
    """An IEC 61334-4-32 LLC header and its APDU (the PLC profile, also seen over UDP)."""
    msg = Message("apdu", base, payload)
    try:
        msg.llc = _core.parse(LlcHeader, payload[:3], "llc", base)
    except DecodeError as e:
        msg.errors.append(e)
        return msg
    decode_payload(msg, payload[3:], base + 3)
    return msg


# --- is it DLMS? ----------------------------------------------------------------------------------


def _good(messages: list[Message]) -> bool:
    for msg in messages:
        if msg.framing == "hdlc" and msg.frames and all(f.ok for f in msg.frames):
            return True
        if (msg.framing in ("wrapper", "mbus") and msg.apdu is not None and not msg.fatal
                and not msg.warnings):  # a length read leniently tells no DLMS from noise
            return True
    return False


def classify(data: bytes) -> str | None:
    """The framing of a stream's first octets, or None when no DLMS frame is found in them.

    Found by content, on any port: an HDLC frame whose FCS matches, or a wrapper / M-Bus frame
    that holds an APDU the schemas decode. The frame need not be at the start (a capture may
    begin inside a connection).
    """
    if not data:
        return None
    for layer in ("hdlc", "wrapper", "mbus"):
        try:
            if _good(decode_all(data, layer=layer)):
                return layer
        except DecodeError:
            continue
    return None


def classify_pdu(payload: bytes) -> str:
    """The framing of one exported PDU: what a datagram may hold, else a bare APDU.

    The file already says the PDU is DLMS (its dissector-name tag), so the first octets decide,
    as for a flow known to be DLMS; the Wireshark DLMS plugins take HDLC, IEC 61334-4-32 LLC,
    wrapper frames and bare APDUs alike.
    """
    return classify_datagram(payload, known=True) or "apdu"


def classify_datagram(payload: bytes, known: bool = False) -> str | None:
    """The framing of one datagram: "hdlc", "wrapper", "mbus", "llc432", or None.

    ``known``: the flow is already DLMS, so the first octets decide (cheap); otherwise the
    datagram must hold a frame that decodes.
    """
    if len(payload) >= 4 and payload[0] == LLC_432:
        msg = llc432_message(payload)
        if known or (msg.apdu is not None and not msg.fatal):
            return "llc432"
        return None
    if known:
        layer = framing.detect(payload)
        return layer if layer in framing.FINDERS else None
    return classify(payload)
