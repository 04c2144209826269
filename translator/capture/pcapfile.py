"""A small pcap writer: turn byte exchanges into capture files tshark reads.

Why: tests and benchmarks need captures with known contents (real sessions re-segmented, many
connections, protected vectors on the wire), and a serial trace is easier to share as a pcap.
Only the libpcap container and the Ethernet/IPv4/TCP/UDP headers are written here (no DLMS
octets: those come from real sessions or the schemas). TCP and UDP checksums are left 0 (tshark
does not check them by default); the IPv4 header checksum is computed.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterable
from typing import BinaryIO

__all__ = [
    "LINKTYPE_ETHERNET",
    "LINKTYPE_LINUX_SLL",
    "LINKTYPE_NULL",
    "LINKTYPE_RAW",
    "LINKTYPE_USER0",
    "PcapWriter",
    "PcapngWriter",
    "TcpConversation",
    "write_udp_exchange",
]

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_USER0 = 147

_SYN, _FIN, _RST, _PSH, _ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def _ip_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


class PcapWriter:
    """Write a classic pcap file (microsecond timestamps) packet by packet."""

    def __init__(self, out: BinaryIO, linktype: int = LINKTYPE_ETHERNET, snaplen: int = 262144):
        self.out = out
        self.linktype = linktype
        self.snaplen = snaplen
        self.count = 0
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))

    def packet(self, data: bytes, time: float, orig_len: int | None = None) -> None:
        """One link-layer frame; ``orig_len`` larger than ``len(data)`` marks a cut packet."""
        seconds = int(time)
        micros = round((time - seconds) * 1e6)
        if micros >= 1_000_000:
            seconds, micros = seconds + 1, micros - 1_000_000
        self.out.write(struct.pack("<IIII", seconds, micros, len(data),
                                   len(data) if orig_len is None else orig_len))
        self.out.write(data)
        self.count += 1

    # -- IP packets ------------------------------------------------------------------------------
    def _link(self, ip_packet: bytes) -> bytes:
        if self.linktype == LINKTYPE_ETHERNET:
            return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip_packet
        if self.linktype == LINKTYPE_NULL:
            return struct.pack("<I", 2) + ip_packet
        if self.linktype == LINKTYPE_LINUX_SLL:
            return struct.pack("!HHH8sH", 0, 1, 6, b"\x02\0\0\0\0\x01\0\0", 0x0800) + ip_packet
        if self.linktype == LINKTYPE_RAW:
            return ip_packet
        raise ValueError(f"link type {self.linktype} carries no IP packets")

    @staticmethod
    def _ipv4(src: str, dst: str, proto: int, body: bytes, ident: int = 0) -> bytes:
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), ident & 0xFFFF, 0x4000, 64,
                             proto, 0, ipaddress.IPv4Address(src).packed,
                             ipaddress.IPv4Address(dst).packed)
        return header[:10] + struct.pack("!H", _ip_checksum(header)) + header[12:] + body

    def tcp(self, src: str, dst: str, sport: int, dport: int, seq: int, ack: int, flags: int,
            payload: bytes, time: float, cut: int | None = None) -> None:
        """One TCP segment; ``cut`` keeps only that many octets of the frame (snap length)."""
        header = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                             5 << 4, flags, 65535, 0, 0)
        frame = self._link(self._ipv4(src, dst, 6, header + payload, self.count))
        if cut is not None and cut < len(frame):
            self.packet(frame[:cut], time, len(frame))
        else:
            self.packet(frame, time)

    def udp(self, src: str, dst: str, sport: int, dport: int, payload: bytes, time: float) -> None:
        header = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
        self.packet(self._link(self._ipv4(src, dst, 17, header + payload, self.count)), time)


class PcapngWriter(PcapWriter):
    """The same packets in a pcapng file (section header, one interface, enhanced packet blocks),
    for recordings named ``.pcapng``; flushed after every packet so a live session's file is
    readable while it grows and complete when the process dies."""

    def __init__(self, out: BinaryIO, linktype: int = LINKTYPE_ETHERNET, snaplen: int = 262144):
        self.out = out
        self.linktype = linktype
        self.snaplen = snaplen
        self.count = 0
        out.write(_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        out.write(_block(0x00000001, struct.pack("<HHI", linktype, 0, snaplen)))
        out.flush()

    def packet(self, data: bytes, time: float, orig_len: int | None = None) -> None:
        micros = round(time * 1e6)
        body = struct.pack("<IIIII", 0, micros >> 32, micros & 0xFFFFFFFF, len(data),
                           len(data) if orig_len is None else orig_len)
        self.out.write(_block(0x00000006, body + data + b"\0" * (-len(data) % 4)))
        self.out.flush()
        self.count += 1


def _block(kind: int, body: bytes) -> bytes:
    """One pcapng block: type, total length, body, total length again."""
    length = 12 + len(body)
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


class TcpConversation:
    """One TCP connection between a client and a server, written as real stacks would.

    ``open`` writes the three-way handshake, ``send`` one data segment (acknowledged by the peer
    unless ``ack=False``), ``close`` the FIN exchange. Sequence numbers are tracked per side.
    """

    def __init__(self, writer: PcapWriter, client: tuple[str, int], server: tuple[str, int],
                 isn: tuple[int, int] = (1000, 5000)) -> None:
        self.w = writer
        self.ends = (client, server)
        self.next = [isn[0], isn[1]]
        self._data_start = (isn[0] + 1, isn[1] + 1)  # after the SYN

    def _segment(self, side: int, flags: int, payload: bytes, time: float, seq: int | None = None,
                 cut: int | None = None) -> None:
        (src, sport), (dst, dport) = self.ends[side], self.ends[1 - side]
        self.w.tcp(src, dst, sport, dport, self.next[side] if seq is None else seq,
                   self.next[1 - side], flags, payload, time, cut)

    def open(self, time: float) -> None:
        self._segment(0, _SYN, b"", time)
        self.next[0] += 1
        self._segment(1, _SYN | _ACK, b"", time)
        self.next[1] += 1
        self._segment(0, _ACK, b"", time)

    def send(self, side: int, payload: bytes, time: float, ack: bool = True) -> None:
        self._segment(side, _PSH | _ACK, payload, time)
        self.next[side] += len(payload)
        if ack:
            self._segment(1 - side, _ACK, b"", time)

    def send_at(self, side: int, offset: int, payload: bytes, time: float,
                cut: int | None = None) -> None:
        """A segment at ``offset`` octets into the side's stream (for out-of-order, retransmitted
        or cut segments); the side's next sequence number is not advanced."""
        self._segment(side, _PSH | _ACK, payload, time, seq=self._data_start[side] + offset,
                      cut=cut)

    def skip(self, side: int, count: int) -> None:
        """Advance the side's sequence number as if ``count`` octets had been sent."""
        self.next[side] += count

    def close(self, time: float) -> None:
        for side in (0, 1):
            self._segment(side, _FIN | _ACK, b"", time)
            self.next[side] += 1
        self._segment(0, _ACK, b"", time)


def write_udp_exchange(writer: PcapWriter, client: tuple[str, int], server: tuple[str, int],
                       datagrams: Iterable[tuple[int, bytes]], start: float = 0.0,
                       step: float = 0.001) -> None:
    """Datagrams ``(side, payload)`` (side 0 = client) between two endpoints."""
    ends = (client, server)
    for i, (side, payload) in enumerate(datagrams):
        (src, sport), (dst, dport) = ends[side], ends[1 - side]
        writer.udp(src, dst, sport, dport, payload, start + i * step)
