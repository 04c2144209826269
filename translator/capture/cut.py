"""Where a pcap or pcapng file stops: the octet and the packet a cut (or a damaged record
header) falls in.

Why: tshark says a file "appears to have been cut short in the middle of a packet" but not
where; a user with a capture copied off a field laptop wants the octet and the packet number.
Only the container's record headers are walked (16 octets per pcap record, 12 per pcapng block),
never the packets, so this costs one pass of seeks over the file.
"""

from __future__ import annotations

import os
import struct

__all__ = ["locate", "where_cut"]

_PCAP = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">", b"\x4d\x3c\xb2\xa1": "<",
         b"\xa1\xb2\x3c\x4d": ">"}
_PCAPNG = b"\x0a\x0d\x0d\x0a"
_PACKET_BLOCKS = (2, 3, 6)  # obsolete packet, simple packet, enhanced packet
_MAX_PACKET = 262144        # tshark's own bound on one record


def where_cut(path: str | os.PathLike) -> str | None:
    """"truncated at octet N (packet K)" when the file ends inside a record, "damaged at octet
    N (packet K)" when a record's length cannot be right; None for a whole file (or not a
    pcap/pcapng one)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        magic = f.read(4)
        if magic in _PCAP:
            return _walk_pcap(f, size, _PCAP[magic])
        if magic == _PCAPNG:
            return _walk_pcapng(f, size)
    return None


def locate(path: str | os.PathLike, complaint: str, after: int | None) -> str | None:
    """``where_cut``, or for a file tshark found "cut short" whose record headers all look
    whole (one was damaged to fit), its end and the packet after the last one read."""
    where = where_cut(path)
    if where is None and "cut short" in complaint:
        where = _say("truncated", os.path.getsize(path), (after or 0) + 1)
    return where


def _say(what: str, octet: int, packet: int) -> str:
    return f"{what} at octet {octet} (packet {packet})"


def _walk_pcap(f, size: int, order: str) -> str | None:
    at, packet = 24, 0
    if size < at:
        return _say("truncated", size, 1)
    while at < size:
        packet += 1
        f.seek(at)
        head = f.read(16)
        if len(head) < 16:
            return _say("truncated", size, packet)
        incl, orig = struct.unpack(order + "II", head[8:16])
        if incl > orig or incl > _MAX_PACKET:
            return _say("damaged", at, packet)
        at += 16 + incl
        if at > size:
            return _say("truncated", size, packet)
    return None


def _walk_pcapng(f, size: int) -> str | None:
    at, packet, order = 0, 0, "<"
    while at < size:
        f.seek(at)
        head = f.read(12)
        if len(head) < 8:
            return _say("truncated", size, packet + 1)
        kind = struct.unpack(order + "I", head[:4])[0]
        if head[:4] == _PCAPNG and len(head) >= 12:
            order = "<" if head[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
            kind = 0x0A0D0D0A
        length = struct.unpack(order + "I", head[4:8])[0]
        if kind in _PACKET_BLOCKS:
            packet += 1
        if length < 12 or length % 4:
            return _say("damaged", at, packet or 1)
        if at + length > size:
            return _say("truncated", size, packet or 1)
        at += length
    return None
