"""``read_capture``: a pcap/pcapng file or a hex trace -> one ``Record`` per DLMS message.

The pipeline, packet by packet (a generator: what it holds is bounded by open connections,
never by the file's size):

1. tshark's field export gives each packet's addresses, TCP sequence number and raw payload
   (``tshark.py``);
2. each TCP connection / UDP flow / raw link is a ``_Conn``; TCP directions are put in order
   (``streams.TcpDirection``);
3. a connection is DLMS when its first octets hold a DLMS frame (``streams.classify``), on any
   port; until then its packets are held (bounded), after a few packets without one it is
   skipped and counted; ``port`` forces a port's connections to be decoded;
4. DLMS octets go to the core's decoder per direction (``streams.ByteStream``), datagrams one
   by one (``streams.DatagramStream``); each message becomes a ``Record`` with its packets;
5. the connection's ``Session`` adds direction, association, decryption, pairing, findings.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..message import Message
from ..stream import framing
from . import tshark
from .cut import locate
from .records import CLIENT_TO_SERVER, SERVER_TO_CLIENT, Record, Stats
from .session import CounterWatch, Session
from .streams import (
    ByteStream,
    DatagramStream,
    Delivery,
    Gap,
    Piece,
    TcpDirection,
    classify,
    classify_datagram,
    classify_pdu,
)
from .traces import FROM_CLIENT, FROM_SERVER, RECEIVED, SENT, looks_like_trace, parse_trace

__all__ = ["CaptureDecoder", "read_capture", "read_trace"]

MAX_PREFIX = 64 * 1024           # octets looked at before a connection is called non-DLMS
MAX_HELD_PACKETS = 24            # payload packets looked at, likewise
MAX_UNDECIDED = 16 * 1024 * 1024  # octets held over all undecided connections
MAX_CLOSED = 4096                # closed TCP connections remembered (late retransmissions)
MAX_CONNECTIONS = 20000          # open connections; the least recently active is closed

_UNDECIDED, _DLMS, _SKIPPED = 0, 1, 2
_RAW_LINKS = frozenset({"user_dlt", "exported_pdu"})  # links whose payload is DLMS as it is


def _ip(protocols: str) -> bool:
    """True for a packet with an IP layer (a link understood, whatever rides on it)."""
    layers = protocols.split(":")
    return "ip" in layers or "ipv6" in layers


def _keyring(keys: Any) -> Any:
    """Keys as given: a Keyring, Keys, a path to a keys file, or None."""
    if keys is None or not isinstance(keys, (str, os.PathLike)):
        return keys
    from ..security import Keyring

    return Keyring.load(keys)


def read_capture(path: str | os.PathLike, keys: Any = None, port: int | None = None,
                 display_filter: str | None = None, *, stats: Stats | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Iterator[Record]:
    """Every DLMS message of a capture file (pcap, pcapng) or hex trace, in order.

    ``keys``: a ``translator.security.Keyring`` (or a keys file path) to decipher protected
    APDUs; without keys they are reported with the system title whose keys are missing.
    ``port``: decode that TCP/UDP port's traffic even when its content is not recognised.
    ``display_filter``: a tshark display filter applied first (pcap only).
    ``stats``: a ``Stats`` to fill for ``--stats``. ``progress(packets, octets)`` is called
    now and then with the packets read and an estimate of the file octets they span.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(4096)
    keys = _keyring(keys)
    trace = looks_like_trace(head)
    if stats is not None:
        stats.source = "trace" if trace else "capture"
    if trace:
        yield from read_trace(path, keys, stats=stats)
        return
    decoder = CaptureDecoder(keys, port, stats)
    done = 0
    try:
        for item in tshark.packets(path, display_filter):
            if isinstance(item, tshark.Problem):
                yield from decoder.problem(_located(item, path))
                continue
            yield from decoder.packet(item)
            done += item.captured + 24
            if progress is not None and item.number % 512 == 0:
                progress(item.number, done)
    except tshark.CaptureError as e:  # cut inside its first packet: say where too
        where = locate(path, str(e), None)
        if where is None:
            raise
        raise tshark.CaptureError(f"{where}: {e}") from None
    yield from decoder.finish()


def _located(problem: tshark.Problem, path: str) -> tshark.Problem:
    """tshark's complaint, prefixed with the octet and packet where the file is cut."""
    where = locate(path, problem.text, problem.after)
    return tshark.Problem(f"{where}: {problem.text}", problem.after) if where else problem


class _InOrder:
    """A link without sequence numbers (serial, exported PDUs): octets in arrival order."""

    __slots__ = ("pos", "retransmitted")

    def __init__(self) -> None:
        self.pos = 0
        self.retransmitted: list[int] = []

    def push(self, payload: bytes, number: int, time: float) -> list[Delivery | Gap]:
        item = Delivery(self.pos, payload, number, time)
        self.pos += len(payload)
        return [item]

    def flush(self) -> list[Delivery | Gap]:
        return []


@dataclass(slots=True)
class _Tomb:
    """What is kept of a closed TCP connection, should more of it turn up."""

    state: int
    layer: str | None
    ordered: dict
    peers: dict
    client: str | None


class _Conn:
    """One TCP connection, UDP flow or raw link, both directions."""

    def __init__(self, key: tuple, name: str, session: Session) -> None:
        self.key = key
        self.name = name
        self.session = session
        self.state = _UNDECIDED
        self.layer: str | None = None
        self.ordered: dict[str, TcpDirection | _InOrder] = {}
        self.streams: dict[str, ByteStream] = {}
        self.datagrams: DatagramStream | None = None
        self.peers: dict[str, str] = {}
        self.held: list[tuple[str, Delivery | Gap]] = []
        self.held_packets: list[tuple[int, str]] = []   # every packet while undecided
        self.payload_packets = 0
        self.prefix: dict[str, bytearray] = {}
        self.prefix_open: dict[str, bool] = {}
        self.fins: set[str] = set()
        self.closed = False

    def held_bytes(self) -> int:
        return sum(len(p) for p in self.prefix.values())


class CaptureDecoder:
    """Packets in capture order -> records (see the module docstring)."""

    def __init__(self, keys: Any = None, port: int | None = None,
                 stats: Stats | None = None) -> None:
        self.keys = keys
        self.port = port
        self.stats = stats if stats is not None else Stats()
        self.counters = CounterWatch()
        self.conns: dict[tuple, _Conn] = {}
        self.closed: OrderedDict[tuple, _Tomb] = OrderedDict()
        self.undecided_bytes = 0
        self._pdu_names: dict[frozenset, int] = {}
        self._pending_close: list[_Conn] = []

    # -- entry points ----------------------------------------------------------------------------
    def packet(self, p: tshark.Packet) -> list[Record]:
        self.stats.packets += 1
        if "icmp" in p.protocols:  # an ICMP error quotes another packet's headers: not traffic
            self.stats.skip(p.protocols)
            return []
        if p.transport == "tcp":
            out = self._tcp(p)
        elif p.transport == "udp":
            out = self._udp(p)
        else:
            out = self._raw(p)
        while self._pending_close:
            out.extend(self._close(self._pending_close.pop()))
        return out

    def problem(self, problem: tshark.Problem) -> list[Record]:
        self.stats.problems.append(problem.text)
        record = Record(problem.after, [], None, "capture",
                        error=f"capture file: {problem.text}")
        self.stats.add(record)
        return [record]

    def finish(self) -> list[Record]:
        out: list[Record] = []
        for conn in list(self.conns.values()):
            out.extend(self._close(conn))
        return out

    # -- transports ------------------------------------------------------------------------------
    def _tcp(self, p: tshark.Packet) -> list[Record]:
        key = ("tcp", p.stream)
        conn = self.conns.get(key)
        if conn is None:
            tomb = self.closed.get(key)
            if tomb is not None:
                if not p.payload:
                    if tomb.state == _SKIPPED:
                        self.stats.skip(p.protocols)
                    return []
                conn = self._reopen(key, f"tcp:{p.stream}", tomb)
            else:
                conn = self._open(key, f"tcp:{p.stream}")
        elif len(self.conns) > 64:  # keep the dict in order of activity (oldest first)
            self.conns[key] = self.conns.pop(key)
        if conn.state == _SKIPPED:
            self.stats.skip(p.protocols)
            if p.fin:
                conn.fins.add(p.src)
                if len(conn.fins) >= 2:
                    self._forget(key, conn)
            return []
        direction = conn.ordered.get(p.src)
        if direction is None:
            direction = conn.ordered[p.src] = TcpDirection()
            conn.peers[p.src] = p.dst
        if p.syn:
            direction.syn(p.seq or 0)
            if not p.ack and conn.session.client is None:
                conn.session.client = p.src
        out: list[Record] = []
        if p.payload or p.cut:
            items = direction.push(p.seq or 0, p.payload, p.number, p.time, p.expected)
            out = self._items(conn, p, items)
        elif conn.state == _UNDECIDED:
            conn.held_packets.append((p.number, p.protocols))  # counted if skipped
        if p.ack and p.ack_seq is not None:
            peer = conn.ordered.get(p.dst)
            if peer is not None and peer.pending:
                items = peer.acked(p.ack_seq)
                if items:
                    out.extend(self._items_from(conn, p.dst, p, items))
        if p.fin:
            conn.fins.add(p.src)
        if len(conn.fins) >= 2:
            # both sides are done sending (a reset is not an end: peers go on sending after
            # one, as in the brno_*_aarq_bad_fcs sample; those wait for the end or eviction)
            out.extend(self._close(conn))
        return out

    def _udp(self, p: tshark.Packet) -> list[Record]:
        key = ("udp", p.stream)
        conn = self.conns.get(key)
        forced = self.port is not None and self.port in (p.sport, p.dport)
        if not p.payload:
            if conn is None:
                self.stats.skip(p.protocols)
            return []
        layer = classify_datagram(p.payload, known=conn is not None or forced)
        if conn is None:
            if layer is None and not forced:
                self.stats.skip(p.protocols)
                return []
            conn = self._open(key, f"udp:{p.stream}")
            conn.state = _DLMS
            conn.datagrams = DatagramStream()
            self.stats.dlms_streams += 1
        assert conn.datagrams is not None
        pieces = conn.datagrams.feed(p.payload, layer, p.number, p.time)
        return self._records(conn, p.src, p.dst, pieces)

    def _raw(self, p: tshark.Packet) -> list[Record]:
        link = p.protocols.split(":", 1)[0]
        if link not in _RAW_LINKS and not _ip(p.protocols):
            self.stats.foreign_links[link or "?"] += 1
        if not p.payload:
            self.stats.skip(p.protocols)
            return []
        if p.protocols == "exported_pdu":  # named for a dissector tshark lacks: dlms, cosem
            return self._exported(p)
        if p.src or p.dst:  # tshark's own export of a transport's payloads, naming endpoints
            key, name = self._pdu_flow(p)
        else:
            key, name = ("serial",), "serial"
        conn = self.conns.get(key) or self._open(key, name)
        if conn.state == _SKIPPED:
            self.stats.skip(p.protocols)
            return []
        direction = conn.ordered.get(p.src)
        if direction is None:
            direction = conn.ordered[p.src] = _InOrder()
            conn.peers[p.src] = p.dst
        if not p.src:
            conn.peers[p.src] = None  # type: ignore[assignment]
        return self._items(conn, p, direction.push(p.payload, p.number, p.time))

    def _exported(self, p: tshark.Packet) -> list[Record]:
        """An exported PDU (link type 252): one whole DLMS PDU, like a datagram; the PDUs
        between the same two endpoints (or of a file naming none) form one flow."""
        key, name = self._pdu_flow(p)
        conn = self.conns.get(key)
        if conn is None:
            conn = self._open(key, name)
            conn.state = _DLMS
            conn.datagrams = DatagramStream()
            self.stats.dlms_streams += 1
        assert conn.datagrams is not None
        pieces = conn.datagrams.feed(p.payload, classify_pdu(p.payload), p.number, p.time)
        return self._records(conn, p.src or None, p.dst or None, pieces)

    def _pdu_flow(self, p: tshark.Packet) -> tuple[tuple, str]:
        """The key and name of the exported PDUs between ``p``'s two endpoints."""
        pair = frozenset((p.src, p.dst))
        return ("pdu", pair), f"pdu:{self._pdu_names.setdefault(pair, len(self._pdu_names))}"

    # -- connections -----------------------------------------------------------------------------
    def _open(self, key: tuple, name: str) -> _Conn:
        conn = _Conn(key, name, Session(name, self.keys, self.stats, self.counters))
        self.conns[key] = conn
        if len(self.conns) > MAX_CONNECTIONS:
            self._pending_close.append(next(iter(self.conns.values())))
        return conn

    def _reopen(self, key: tuple, name: str, tomb: _Tomb) -> _Conn:
        """Octets after both FINs or a RST (a peer that keeps sending after a reset): the
        connection goes on where it stopped, so late retransmissions are still recognised."""
        del self.closed[key]
        conn = self._open(key, name)
        conn.state, conn.layer = tomb.state, tomb.layer
        conn.ordered, conn.peers = tomb.ordered, tomb.peers
        conn.session.client = tomb.client
        return conn

    def _forget(self, key: tuple, conn: _Conn | None = None) -> None:
        self.conns.pop(key, None)
        if key[0] == "tcp":
            if conn is not None:
                for direction in conn.ordered.values():
                    direction.retransmitted.clear()
                self.closed[key] = _Tomb(conn.state, conn.layer, conn.ordered, conn.peers,
                                         conn.session.client)
            else:
                self.closed[key] = _Tomb(_SKIPPED, None, {}, {}, None)
            if len(self.closed) > MAX_CLOSED:
                self.closed.popitem(last=False)

    def _items(self, conn: _Conn, p: tshark.Packet, items: list[Delivery | Gap]) -> list[Record]:
        return self._items_from(conn, p.src, p, items)

    def _items_from(self, conn: _Conn, src: str, p: tshark.Packet,
                    items: list[Delivery | Gap]) -> list[Record]:
        """Octets of the direction sent by ``src`` (released by packet ``p``)."""
        if conn.state == _DLMS:
            out: list[Record] = []
            for item in items:
                out.extend(self._deliver(conn, src, item))
            return out
        if conn.state == _SKIPPED:
            return []
        return self._hold(conn, p, items, src)

    def _hold(self, conn: _Conn, p: tshark.Packet, items: list[Delivery | Gap],
              src: str | None = None) -> list[Record]:
        """An undecided connection: keep the octets until its first ones tell what it is."""
        src = p.src if src is None else src
        if src == p.src:
            conn.held_packets.append((p.number, p.protocols))
            conn.payload_packets += 1
        prefix = conn.prefix.setdefault(src, bytearray())
        grew = False
        for item in items:
            conn.held.append((src, item))
            if isinstance(item, Gap):
                conn.prefix_open[src] = False
            elif conn.prefix_open.get(src, True) and len(prefix) < MAX_PREFIX:
                prefix += item.data
                self.undecided_bytes += len(item.data)
                grew = True
        layer = classify(bytes(prefix)) if grew else None
        forced = self.port is not None and self.port in (p.sport, p.dport)
        if layer is not None or forced:
            if layer is None:
                detected = framing.detect(bytes(prefix[:8]))
                layer = detected if detected in framing.FINDERS else None
            return self._decide(conn, layer)
        if (conn.payload_packets >= MAX_HELD_PACKETS
                or sum(len(b) for b in conn.prefix.values()) >= MAX_PREFIX):
            self._skip(conn)
        elif self.undecided_bytes > MAX_UNDECIDED:
            self._evict()
        return []

    def _decide(self, conn: _Conn, layer: str | None) -> list[Record]:
        conn.state = _DLMS
        conn.layer = layer
        self.stats.dlms_streams += 1
        self.undecided_bytes -= conn.held_bytes()
        held, conn.held, conn.held_packets, conn.prefix = conn.held, [], [], {}
        out: list[Record] = []
        for src, item in held:
            out.extend(self._deliver(conn, src, item))
        return out

    def _skip(self, conn: _Conn) -> None:
        conn.state = _SKIPPED
        self.stats.skipped_streams += 1
        for _, protocols in conn.held_packets:
            self.stats.skip(protocols)
        self.undecided_bytes -= conn.held_bytes()
        conn.held, conn.held_packets, conn.prefix = [], [], {}

    def _evict(self) -> None:
        for conn in list(self.conns.values()):
            if self.undecided_bytes <= MAX_UNDECIDED // 2:
                return
            if conn.state == _UNDECIDED:
                self._skip(conn)

    def _deliver(self, conn: _Conn, src: str, item: Delivery | Gap) -> list[Record]:
        stream = conn.streams.get(src)
        if stream is None:
            stream = conn.streams[src] = ByteStream(conn.layer)
        if isinstance(item, Gap):
            self.stats.gaps += 1
        return self._records(conn, src or None, conn.peers.get(src), stream.deliver(item))

    def _close(self, conn: _Conn) -> list[Record]:
        if conn.closed:
            return []
        conn.closed = True
        out: list[Record] = []
        if conn.state == _UNDECIDED:
            self._skip(conn)
        if conn.state == _DLMS:
            for src, direction in conn.ordered.items():
                for item in direction.flush():
                    out.extend(self._deliver(conn, src, item))
            for src, stream in conn.streams.items():
                out.extend(self._records(conn, src, conn.peers.get(src), stream.finish()))
            if conn.datagrams is not None:
                out.extend(self._records(conn, None, None, conn.datagrams.finish()))
            conn.session.close()
            for direction in conn.ordered.values():
                self.stats.add_retransmitted(direction.retransmitted)
        if self.conns.get(conn.key) is conn:
            self._forget(conn.key, conn)
        return out

    def _records(self, conn: _Conn, src: str | None, dst: str | None,
                 pieces: Iterable[Piece]) -> list[Record]:
        out = []
        for piece in pieces:
            record = make_record(piece, conn.name, src, dst)
            conn.session.process(record)
            self.stats.add(record)
            out.append(record)
        return out


def message_error(msg: Message | None) -> str | None:
    """The first error of a message as one line (with how many more there are)."""
    if msg is None or not msg.errors:
        return None
    text = str(msg.errors[0]).replace("\n", " ")
    if len(msg.errors) > 1:
        text += f" (+{len(msg.errors) - 1} more)"
    return text


def make_record(piece: Piece, stream: str, src: str | None, dst: str | None) -> Record:
    return Record(piece.packets[0] if piece.packets else None, piece.packets, piece.time, stream,
                  src, dst, message=piece.message,
                  error=piece.error or message_error(piece.message), offset=piece.offset,
                  joined=piece.joined)


# --- traces ---------------------------------------------------------------------------------------

_TRACE_ENDS = {SENT: ("local", "peer"), RECEIVED: ("peer", "local"),
               FROM_CLIENT: ("client", "server"), FROM_SERVER: ("server", "client")}


def read_trace(source: str | os.PathLike | Iterable[str], keys: Any = None, *,
               stats: Stats | None = None, stream: str = "serial") -> Iterator[Record]:
    """The DLMS messages of a hex trace (a file path, or its lines), in order.

    ``packets`` of each record are the trace's line numbers. Each direction the trace names is
    its own byte stream (a line may hold part of a frame); lines without a direction form one.
    """
    stats = stats if stats is not None else Stats()
    keys = _keyring(keys)
    if isinstance(source, (str, os.PathLike)):
        with open(Path(source), encoding="utf-8", errors="replace") as f:
            yield from read_trace(f, keys, stats=stats, stream=stream)
        return
    session = Session(stream, keys, stats)
    streams: dict[str | None, tuple[ByteStream, list[int]]] = {}
    stats.dlms_streams += 1

    def records(direction: str | None, pieces: list[Piece]) -> Iterator[Record]:
        src, dst = _TRACE_ENDS.get(direction, (None, None))
        for piece in pieces:
            record = make_record(piece, stream, src, dst)
            if direction == FROM_CLIENT:
                record.direction = CLIENT_TO_SERVER
            elif direction == FROM_SERVER:
                record.direction = SERVER_TO_CLIENT
            session.process(record)
            stats.add(record)
            yield record

    for chunk in parse_trace(source):
        stats.packets += 1
        entry = streams.get(chunk.direction)
        if entry is None:
            entry = streams[chunk.direction] = (ByteStream(), [0])
        byte_stream, pos = entry
        pieces = byte_stream.feed(pos[0], chunk.data, chunk.line, chunk.time)
        pos[0] += len(chunk.data)
        yield from records(chunk.direction, pieces)
    for direction, (byte_stream, _) in streams.items():
        yield from records(direction, byte_stream.finish())
    session.close()
