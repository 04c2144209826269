"""A small pcap writer: turn byte exchanges into capture files tshark reads.

Why: tests and benchmarks need captures with known contents (real sessions re-segmented, many
connections, protected vectors on the wire), and a serial trace is easier to share as a pcap.
Only the libpcap container and the link (Ethernet with or without a VLAN tag, NULL, raw IP,
Linux cooked v1/v2), IPv4/IPv6, TCP/UDP and exported-PDU headers are written here (no DLMS
octets: those come from real sessions or the schemas). TCP and UDP checksums are left 0 (tshark
does not check them by default); the IPv4 header checksum is computed. An address with a colon
makes the packet IPv6.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterable
from typing import BinaryIO

__all__ = [
    "LINKTYPE_ETHERNET",
    "LINKTYPE_LINUX_SLL",
    "LINKTYPE_LINUX_SLL2",
    "LINKTYPE_NULL",
    "LINKTYPE_RAW",
    "LINKTYPE_USER0",
    "LINKTYPE_WIRESHARK_UPPER_PDU",
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
LINKTYPE_WIRESHARK_UPPER_PDU = 252   # exported PDUs: tags (dissector name, endpoints), then the PDU
LINKTYPE_LINUX_SLL2 = 276

_ETHERTYPE = {4: 0x0800, 6: 0x86DD}
_BSD_AF = {4: 2, 6: 24}              # NULL/loopback address family (24: AF_INET6 as BSD numbers it)
_VLAN_TPID = 0x8100
# exported-PDU tags (Wireshark epan/exported_pdu.h): code and length 16 bits big-endian, values
# padded to 32 bits
_EXP_END, _EXP_PROTO_NAME = 0, 12
_EXP_IPV4_SRC, _EXP_IPV4_DST, _EXP_IPV6_SRC, _EXP_IPV6_DST = 20, 21, 22, 23
_EXP_SRC_PORT, _EXP_DST_PORT = 25, 26

_SYN, _FIN, _RST, _PSH, _ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def _ip_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


class PcapWriter:
    """Write a classic pcap file (microsecond timestamps) packet by packet."""

    def __init__(self, out: BinaryIO, linktype: int = LINKTYPE_ETHERNET, snaplen: int = 262144,
                 vlan: int | None = None):
        self.out = out
        self.linktype = linktype
        self.snaplen = snaplen
        self.vlan = vlan  # an 802.1Q VLAN id on Ethernet frames
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
    def _link(self, ip_packet: bytes, version: int = 4) -> bytes:
        ethertype = _ETHERTYPE[version]
        if self.linktype == LINKTYPE_ETHERNET:
            tag = b"" if self.vlan is None else struct.pack("!HH", _VLAN_TPID, self.vlan & 0x0FFF)
            return (b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01" + tag
                    + struct.pack("!H", ethertype) + ip_packet)
        if self.linktype == LINKTYPE_NULL:
            return struct.pack("<I", _BSD_AF[version]) + ip_packet
        if self.linktype == LINKTYPE_LINUX_SLL:
            return struct.pack("!HHH8sH", 0, 1, 6, b"\x02\0\0\0\0\x01\0\0", ethertype) + ip_packet
        if self.linktype == LINKTYPE_LINUX_SLL2:
            return struct.pack("!HHIHBB8s", ethertype, 0, 1, 1, 0, 6, b"\x02\0\0\0\0\x01\0\0") \
                + ip_packet
        if self.linktype == LINKTYPE_RAW:
            return ip_packet
        raise ValueError(f"link type {self.linktype} carries no IP packets")

    def _ip(self, src: str, dst: str, proto: int, body: bytes) -> bytes:
        """The link frame of an IPv4 or IPv6 packet (by the addresses' family)."""
        if ":" in src:
            header = struct.pack("!IHBB16s16s", 6 << 28, len(body), proto, 64,
                                 ipaddress.IPv6Address(src).packed,
                                 ipaddress.IPv6Address(dst).packed)
            return self._link(header + body, 6)
        return self._link(self._ipv4(src, dst, proto, body, self.count))

    @staticmethod
    def _ipv4(src: str, dst: str, proto: int, body: bytes, ident: int = 0) -> bytes:
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), ident & 0xFFFF, 0x4000, 64,
                             proto, 0, ipaddress.IPv4Address(src).packed,
                             ipaddress.IPv4Address(dst).packed)
        return header[:10] + struct.pack("!H", _ip_checksum(header)) + header[12:] + body

    def exported_pdu(self, pdu: bytes, time: float, dissector: str = "dlms",
                     src: tuple[str, int] | None = None, dst: tuple[str, int] | None = None) -> None:
        """One exported PDU (link type 252) for ``dissector``, with its endpoints if given."""
        tags = _tag(_EXP_PROTO_NAME, dissector.encode("ascii"))
        for end, (v4, v6, port_tag) in ((src, (_EXP_IPV4_SRC, _EXP_IPV6_SRC, _EXP_SRC_PORT)),
                                        (dst, (_EXP_IPV4_DST, _EXP_IPV6_DST, _EXP_DST_PORT))):
            if end is not None:
                address = ipaddress.ip_address(end[0])
                tags += _tag(v6 if address.version == 6 else v4, address.packed)
                tags += _tag(port_tag, struct.pack("!I", end[1]))
        self.packet(tags + _tag(_EXP_END, b"") + pdu, time)

    def tcp(self, src: str, dst: str, sport: int, dport: int, seq: int, ack: int, flags: int,
            payload: bytes, time: float, cut: int | None = None) -> None:
        """One TCP segment; ``cut`` keeps only that many octets of the frame (snap length)."""
        header = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                             5 << 4, flags, 65535, 0, 0)
        frame = self._ip(src, dst, 6, header + payload)
        if cut is not None and cut < len(frame):
            self.packet(frame[:cut], time, len(frame))
        else:
            self.packet(frame, time)

    def udp(self, src: str, dst: str, sport: int, dport: int, payload: bytes, time: float) -> None:
        header = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
        self.packet(self._ip(src, dst, 17, header + payload), time)


def _tag(code: int, value: bytes) -> bytes:
    """One exported-PDU tag: code, length, value padded to 32 bits (the length counts the pad)."""
    value += b"\0" * (-len(value) % 4)
    return struct.pack("!HH", code, len(value)) + value


class PcapngWriter(PcapWriter):
    """The same packets in a pcapng file (section header, one interface, enhanced packet blocks),
    for recordings named ``.pcapng``; flushed after every packet so a live session's file is
    readable while it grows and complete when the process dies."""

    def __init__(self, out: BinaryIO, linktype: int = LINKTYPE_ETHERNET, snaplen: int = 262144,
                 vlan: int | None = None):
        self.out = out
        self.linktype = linktype
        self.snaplen = snaplen
        self.vlan = vlan
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
