"""Packets of a pcap/pcapng file through tshark's field export, streamed line by line.

Why tshark's ``-T fields`` export and not pyshark's packet objects: measured on the same file,
the field export runs at tens of thousands of packets per second, pyshark's JSON packets at a
few thousand and its PDML at a few hundred (DESIGN section 6). pyshark still finds the tshark
binary (its discovery knows the usual install places on every platform); its packet objects are
kept for live capture. Debian's tshark 4.0 has no DLMS dissector, so only the raw payload fields
are read, never a dissector's idea of what the bytes are; tshark's own TCP reassembly is off (the
per-connection streams are put in order in ``streams.py``, which also sees retransmissions).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["FIELDS", "CaptureError", "Packet", "Problem", "find_tshark", "packets", "tcp_exchange",
           "tshark_command"]

FIELDS = (
    "frame.number", "frame.time_epoch", "frame.cap_len", "frame.len",
    "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.len",
    "tcp.flags", "tcp.payload",
    "udp.stream", "udp.srcport", "udp.dstport", "udp.payload",
    "data.data",
    "exported_pdu.ipv4_src", "exported_pdu.ipv4_dst", "exported_pdu.ipv6_src",
    "exported_pdu.ipv6_dst", "exported_pdu.src_port", "exported_pdu.dst_port",
    "exported_pdu.prot_name", "exported_pdu.exported_pdu",
    "frame.protocols",
)
"""What is read of each packet (one tab-separated line each, last occurrence of a field, so
the inner header of a tunnel wins)."""

OPTIONS = (
    "-o", "tcp.desegment_tcp_streams:FALSE",     # one line per segment, reassembled here
    "-o", "tcp.analyze_sequence_numbers:FALSE",  # not needed: tcp.seq_raw is read; faster
    "-o", "tcp.calculate_timestamps:FALSE",
    "--disable-protocol", "classicstun,lbmsrs",  # heuristics that take wrapper packets
)

_SYN, _FIN, _RST, _ACK = 0x02, 0x01, 0x04, 0x10

DLMS_DISSECTORS = frozenset({"dlms", "cosem"})
"""Dissector names of exported PDUs that hold DLMS (the Wireshark DLMS plugins' and the
built-in COSEM dissector's)."""


class CaptureError(Exception):
    """The capture cannot be read at all (no tshark, not a capture file, unreadable)."""


@dataclass(slots=True)
class Packet:
    """What the pipeline needs of one captured frame.

    ``transport`` is "tcp", "udp" or "raw" (link-layer payload such as USER0 serial HDLC, or an
    exported PDU without a TCP/UDP header); ``stream`` is tshark's tcp.stream / udp.stream index
    (None for raw). ``captured`` < ``wire`` means the frame was cut by the snapshot length.
    ``expected`` is the TCP segment length from the headers (tcp.len), which exceeds
    ``len(payload)`` when the payload was cut.
    """

    number: int
    time: float
    transport: str
    stream: int | None
    src: str
    dst: str
    sport: int | None
    dport: int | None
    payload: bytes
    seq: int | None = None
    ack_seq: int | None = None
    flags: int = 0
    expected: int | None = None
    captured: int = 0
    wire: int = 0
    protocols: str = ""

    @property
    def syn(self) -> bool:
        return bool(self.flags & _SYN)

    @property
    def fin(self) -> bool:
        return bool(self.flags & _FIN)

    @property
    def rst(self) -> bool:
        return bool(self.flags & _RST)

    @property
    def ack(self) -> bool:
        return bool(self.flags & _ACK)

    @property
    def cut(self) -> bool:
        """True when the capture holds fewer payload octets than the packet carried."""
        return self.expected is not None and len(self.payload) < self.expected


@dataclass(slots=True)
class Problem:
    """Something tshark reported about the file itself (e.g. cut short in mid-packet)."""

    text: str
    after: int | None = None  # the last packet number read before it


def find_tshark() -> str:
    """The tshark binary: ``$TSHARK`` if set, else pyshark's discovery, else the PATH."""
    path = os.environ.get("TSHARK")
    if path:
        return path
    try:
        from pyshark.tshark.tshark import TSharkNotFoundException, get_process_path
    except ImportError:
        get_process_path = None
    if get_process_path is not None:
        try:
            return get_process_path()
        except TSharkNotFoundException:
            path = None
    path = shutil.which("tshark")
    if path:
        return path
    raise CaptureError("tshark not found: install Wireshark's tshark (Debian: apt-get install "
                       "tshark) or set TSHARK to its path")


def tshark_command(path: str, display_filter: str | None = None,
                   tshark: str | None = None) -> list[str]:
    cmd = [tshark or find_tshark(), "-r", str(path), "-n", *OPTIONS, "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=l", "-E", "quote=n"]
    for name in FIELDS:
        cmd += ["-e", name]
    if display_filter:
        cmd += ["-Y", display_filter]
    return cmd


def _int(text: str) -> int | None:
    return int(text) if text else None


def _addr(ip: str, port: int | None) -> str:
    if not ip:
        return ""
    if port is None:
        return ip
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def parse_line(line: str) -> Packet | None:
    """One line of the field export as a ``Packet`` (None for a malformed line)."""
    f = line.rstrip("\r\n").split("\t")
    if len(f) != len(FIELDS) or not f[0]:
        return None
    (number, epoch, cap_len, wire_len, ip_src, ip_dst, ip6_src, ip6_dst, tcp_stream, tcp_sport,
     tcp_dport, seq, ack, tcp_len, tcp_flags, tcp_payload, udp_stream, udp_sport, udp_dport,
     udp_payload, data, pdu4_src, pdu4_dst, pdu6_src, pdu6_dst, pdu_sport, pdu_dport,
     dissector, exported, protocols) = f
    src, dst = ip_src or ip6_src, ip_dst or ip6_dst
    number = int(number)
    time = float(epoch) if epoch else 0.0
    captured, wire = int(cap_len or 0), int(wire_len or 0)
    if tcp_stream:
        sport, dport = _int(tcp_sport), _int(tcp_dport)
        return Packet(number, time, "tcp", int(tcp_stream), _addr(src, sport), _addr(dst, dport),
                      sport, dport, bytes.fromhex(tcp_payload), _int(seq), _int(ack),
                      int(tcp_flags, 16) if tcp_flags else 0, _int(tcp_len), captured, wire,
                      protocols)
    if udp_stream:
        sport, dport = _int(udp_sport), _int(udp_dport)
        return Packet(number, time, "udp", int(udp_stream), _addr(src, sport), _addr(dst, dport),
                      sport, dport, bytes.fromhex(udp_payload), captured=captured, wire=wire,
                      protocols=protocols)
    pdu_src, pdu_dst = pdu4_src or pdu6_src, pdu4_dst or pdu6_dst
    sport, dport = _int(pdu_sport), _int(pdu_dport)
    # an exported PDU for a DLMS dissector this tshark lacks keeps its octets in
    # exported_pdu.exported_pdu; one it dissects as data (or a serial link) in data.data
    payload = data if data and _link_payload(protocols) else (
        exported if dissector in DLMS_DISSECTORS else "")
    return Packet(number, time, "raw", None, _addr(pdu_src or src, sport),
                  _addr(pdu_dst or dst, dport), sport, dport, bytes.fromhex(payload),
                  captured=captured, wire=wire, protocols=protocols)


def _link_payload(protocols: str) -> bool:
    """True when data.data is a link's own payload (USER0 serial, exported PDU), not the
    leftover of an IP packet no dissector took."""
    layers = protocols.split(":")
    return "ip" not in layers and "ipv6" not in layers


def packets(path: str, display_filter: str | None = None,
            tshark: str | None = None) -> Iterator[Packet | Problem]:
    """Every packet of the capture in file order, then a ``Problem`` if tshark complained.

    The subprocess's output is read line by line, so memory does not depend on the file's size;
    tshark is stopped when the caller stops iterating.
    """
    if not os.path.exists(path):
        raise CaptureError(f"{path}: no such file")
    cmd = tshark_command(path, display_filter, tshark)
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors,
                                    stdin=subprocess.DEVNULL, bufsize=1 << 16)
        except OSError as e:
            raise CaptureError(f"cannot run tshark ({cmd[0]}): {e.strerror or e}") from None
        last = None
        try:
            assert proc.stdout is not None
            for line in _lines(proc.stdout):
                packet = parse_line(line)
                if packet is not None:
                    last = packet.number
                    yield packet
            code = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        errors.seek(0)
        text = _complaint(errors.read(8192).decode("utf-8", "replace"))
    if code != 0 or text:
        if last is None and code != 0:
            raise CaptureError(f"tshark cannot read {path}: {text or f'exit status {code}'}")
        yield Problem(text or f"tshark stopped with exit status {code}", last)


def _lines(stream, size: int = 1 << 18) -> Iterator[str]:
    """Lines of a binary pipe, read in large blocks (far fewer calls than line iteration)."""
    rest = ""
    while True:
        block = stream.read1(size) if hasattr(stream, "read1") else stream.read(size)
        if not block:
            break
        lines = (rest + block.decode("utf-8", "replace")).split("\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest


def _complaint(stderr: str) -> str:
    """tshark's error text without its harmless chatter (running as root, empty lines)."""
    lines = [ln.strip() for ln in stderr.splitlines()]
    keep = [ln for ln in lines if ln and "Running as user" not in ln and "dangerous" not in ln]
    return " ".join(keep)


def tcp_exchange(path: str) -> list[tuple[int, bytes]]:
    """The TCP payloads of a one-connection capture as (side, octets), side 0 = the first
    sender (the client), straight from tshark's field export: the input the bench and the
    re-segmenting tests rebuild captures from."""
    out = subprocess.run([find_tshark(), "-r", str(path), "-T", "fields", "-e", "tcp.srcport",
                          "-e", "tcp.payload"], capture_output=True, text=True, check=True).stdout
    first, exchange = None, []
    for line in out.splitlines():
        port, payload = line.split("\t")
        if payload:
            first = first or port
            exchange.append((0 if port == first else 1, bytes.fromhex(payload)))
    return exchange
