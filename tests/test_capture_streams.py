"""TCP order, holes and bad data: re-segmented real sessions decode to the same messages.

The sessions are real (the bundled gurux_session_* captures, exported with tshark); the test
writes them back into pcap files cut differently with ``translator.capture.pcapfile`` and
checks that the reader gives the same messages as the unsplit session, and that holes, cut
packets, corrupted octets and truncated files are reported while the rest still decodes.
"""

from __future__ import annotations

import random
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests._vectors import data, frames
from tests.test_capture import capture_path, needs_tshark
from translator import decode_all
from translator.capture import Stats, read_capture
from translator.capture.pcapfile import (
    LINKTYPE_LINUX_SLL,
    LINKTYPE_NULL,
    LINKTYPE_RAW,
    LINKTYPE_USER0,
    PcapWriter,
    TcpConversation,
)
from translator.capture.streams import Delivery, Gap, TcpDirection
from translator.capture.tshark import tcp_exchange

CLIENT, SERVER = ("10.0.0.2", 40000), ("10.0.0.1", 4059)


def session(name: str) -> list[tuple[int, bytes]]:
    """The payloads of a real capture as (side, octets), side 0 = the first sender (client)."""
    return tcp_exchange(capture_path(name))


def write(path: Path, segments: list[tuple[int, bytes]], cut: dict[int, int] | None = None,
          linktype: int = 1) -> Path:
    """One TCP connection carrying ``segments`` (side, octets) in this order."""
    with open(path, "wb") as f:
        w = PcapWriter(f, linktype)
        c = TcpConversation(w, CLIENT, SERVER)
        c.open(1000.0)
        for i, (side, payload) in enumerate(segments):
            c.send(side, payload, 1000.0 + (i + 1) * 0.01)
        c.close(1000.0 + len(segments) * 0.01 + 1)
    return path


def resegment(exchange: list[tuple[int, bytes]], rng: random.Random) -> list[tuple[int, bytes]]:
    """The same octets per side, cut at random places: messages split over segments and
    several messages (of one side's turn) packed into one segment."""
    turns: list[tuple[int, bytearray]] = []
    for side, payload in exchange:
        if turns and turns[-1][0] == side:
            turns[-1][1].extend(payload)
        else:
            turns.append((side, bytearray(payload)))
    out = []
    for side, octets in turns:
        pos = 0
        while pos < len(octets):
            n = rng.choice((1, 2, 3, 7, 13, 50, 200, 1000))
            out.append((side, bytes(octets[pos:pos + n])))
            pos += n
    return out


def packed(exchange: list[tuple[int, bytes]], per: int = 3) -> list[tuple[int, bytes]]:
    """Each side's messages ``per`` at a time in one segment (so a side's segment may carry
    messages the peer answers in between: only the order within a direction is kept)."""
    out: list[tuple[int, bytes]] = []
    pending: dict[int, list[bytes]] = {0: [], 1: []}
    for side, payload in exchange:
        pending[side].append(payload)
        if len(pending[side]) == per:
            out.append((side, b"".join(pending[side])))
            pending[side] = []
    out.extend((side, b"".join(parts)) for side, parts in pending.items() if parts)
    return out


def facts(records):
    return [(r.direction, r.service, r.invoke_id, r.message.raw if r.message else None, r.error)
            for r in records]


def by_direction(records):
    """Facts per direction: the order across directions depends on how segments interleave."""
    out: dict = {}
    for fact in facts(records):
        out.setdefault(fact[0], []).append(fact[1:])
    return out


def read(path, **kw):
    stats = Stats()
    return list(read_capture(path, stats=stats, **kw)), stats


# --- TcpDirection --------------------------------------------------------------------------------


def _octets(items):
    return b"".join(i.data for i in items if isinstance(i, Delivery))


def test_in_order_and_wraparound():
    d = TcpDirection()
    d.syn(0xFFFFFFF0)
    out = d.push(0xFFFFFFF1, b"abcdefghijklmnop", 1, 0.0)
    out += d.push((0xFFFFFFF1 + 16) % 2**32, b"qr", 2, 0.0)
    assert _octets(out) == b"abcdefghijklmnopqr"
    assert [i.pos for i in out] == [0, 16]


def test_out_of_order_retransmission_and_overlap():
    d = TcpDirection()
    d.syn(99)
    out = d.push(105, b"fgh", 2, 0.0)          # early: waits
    assert out == []
    out += d.push(100, b"abcde", 1, 0.0)       # fills the hole: both delivered
    out += d.push(100, b"abcde", 3, 0.0)       # retransmission: dropped
    out += d.push(106, b"ghij", 4, 0.0)        # overlaps: only "ij" is new
    assert _octets(out) == b"abcdefghij"
    assert d.retransmitted == [3] and d.overlaps == 1


def test_hole_is_reported_at_flush():
    d = TcpDirection()
    d.syn(0)
    out = d.push(1, b"ab", 1, 0.0) + d.push(10, b"xyz", 2, 0.0)
    out += d.flush()
    gaps = [i for i in out if isinstance(i, Gap)]
    assert len(gaps) == 1 and (gaps[0].start, gaps[0].end) == (2, 9)
    assert _octets(out) == b"abxyz"


def test_cut_packet_is_a_gap():
    d = TcpDirection()
    d.syn(0)
    out = d.push(1, b"abc", 1, 0.0, expected=10) + d.push(11, b"k", 2, 0.0)
    gaps = [i for i in out if isinstance(i, Gap)]
    assert [(g.start, g.end) for g in gaps] == [(3, 10)]
    assert "snapshot" in gaps[0].reason


# --- acceptance 2: re-segmented real sessions -----------------------------------------------------


@needs_tshark
@pytest.mark.parametrize("name", ["gurux_session_wrapper_tcp4059.pcapng",
                                  "gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng",
                                  "htanwar_wrapper_tcp4063_plain_access.pcap"])
def test_resegmented_session_gives_the_same_messages(tmp_path, name):
    exchange = session(name)
    reference, _ = read(write(tmp_path / "one.pcap", exchange))
    assert len(reference) >= len(exchange) // 2 and any(r.service for r in reference)
    split = resegment(exchange, random.Random(6))
    assert any(len(p) < 8 for _, p in split)                 # messages split over segments
    together = packed(exchange)
    assert len(together) < len(exchange)                      # several messages per segment
    for variant in (split, together):
        records, stats = read(write(tmp_path / "variant.pcap", variant))
        assert by_direction(records) == by_direction(reference)
        assert stats.retransmitted == 0 and stats.gaps == 0
    # the messages are those of the whole byte streams decoded at once
    for side in (0, 1):
        whole = b"".join(p for s, p in exchange if s == side)
        batch = [m for m in decode_all(whole) if not (m.framing == "garbage" and not m.errors)]
        host, port = CLIENT if side == 0 else SERVER
        ours = [r for r in reference if r.src == f"{host}:{port}"]
        assert [m.raw for m in batch] == [r.message.raw for r in ours]


@needs_tshark
def test_split_message_lists_every_packet(tmp_path):
    exchange = session("gurux_session_wrapper_tcp4059.pcapng")
    side, aarq = exchange[0]
    pieces = [(side, aarq[:5]), (side, aarq[5:20]), (side, aarq[20:])] + exchange[1:]
    records, _ = read(write(tmp_path / "s.pcap", pieces))
    # packets: 1-3 handshake; each data segment is followed by the peer's ACK
    assert records[0].service == "AARQ" and records[0].packets == [4, 6, 8]


@needs_tshark
def test_out_of_order_and_retransmitted_segments(tmp_path):
    exchange = session("gurux_session_wrapper_tcp4059.pcapng")
    reference, _ = read(write(tmp_path / "ref.pcap", exchange))
    path = tmp_path / "shuffled.pcap"
    with open(path, "wb") as f:
        w = PcapWriter(f)
        c = TcpConversation(w, CLIENT, SERVER)
        c.open(1.0)
        offsets = [0, 0]
        t = 2.0
        for i, (side, payload) in enumerate(exchange):
            half = len(payload) // 2
            if i % 3 == 1 and half:  # second half first, then the first half, then both again
                c.send_at(side, offsets[side] + half, payload[half:], t)
                c.send_at(side, offsets[side], payload[:half], t + 0.001)
                c.send_at(side, offsets[side], payload, t + 0.002)
            else:
                c.send_at(side, offsets[side], payload, t)
            offsets[side] += len(payload)
            t += 0.01
        c.skip(0, offsets[0])
        c.skip(1, offsets[1])
        c.close(t)
    records, stats = read(path)
    assert facts(records) == facts(reference)
    assert stats.retransmitted == sum(1 for i, (_, p) in enumerate(exchange)
                                      if i % 3 == 1 and len(p) // 2)


# --- bad data: marked, and the rest decodes -------------------------------------------------------


@needs_tshark
def test_lost_segment_is_a_gap_and_decoding_resumes(tmp_path):
    exchange = session("gurux_session_wrapper_tcp4059.pcapng")
    reference, _ = read(write(tmp_path / "ref.pcap", exchange))
    path = tmp_path / "lost.pcap"
    lost = 4  # a server message that is lost on the wire
    with open(path, "wb") as f:
        w = PcapWriter(f)
        c = TcpConversation(w, CLIENT, SERVER)
        c.open(1.0)
        for i, (side, payload) in enumerate(exchange):
            if i == lost:
                c.skip(side, len(payload))
                continue
            c.send(side, payload, 2.0 + i * 0.01)
        c.close(5.0)
    records, stats = read(path)
    gaps = [r for r in records if r.message is None]
    assert len(gaps) == 1 and "missing" in gaps[0].error and stats.gaps == 1
    assert [f for f in facts(records) if f[3] is not None] == \
        [f for i, f in enumerate(facts(reference)) if i != lost]


@needs_tshark
def test_packet_cut_by_snaplen_and_corrupted_octets(tmp_path):
    exchange = session("gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng")
    reference, _ = read(write(tmp_path / "ref.pcap", exchange))
    path = tmp_path / "bad.pcap"
    cut_at, flip_at = 6, 10
    with open(path, "wb") as f:
        w = PcapWriter(f)
        c = TcpConversation(w, CLIENT, SERVER)
        c.open(1.0)
        for i, (side, payload) in enumerate(exchange):
            t = 2.0 + i * 0.01
            if i == cut_at:   # the capture kept only the headers and 5 octets of this packet
                c.send_at(side, c.next[side] - c._data_start[side], payload, t, cut=54 + 5)
                c.skip(side, len(payload))
                continue
            if i == flip_at:  # one octet changed on the line: the FCS no longer matches
                payload = payload[:12] + bytes([payload[12] ^ 0x40]) + payload[13:]
            c.send(side, payload, t)
        c.close(5.0)
    records, _ = read(path)
    bad = [r for r in records if r.error]
    assert any("snapshot" in r.error for r in bad)
    assert any(r.message is not None and "FCS" in r.error for r in bad)
    # every other message is as in the intact session
    assert len(reference) == len(exchange)  # one frame per packet in this session
    expected = Counter(f for i, f in enumerate(facts(reference)) if i not in (cut_at, flip_at))
    assert not expected - Counter(facts(records))


@needs_tshark
def test_garbage_between_frames(tmp_path):
    exchange = session("gurux_session_wrapper_tcp4059.pcapng")
    reference, _ = read(write(tmp_path / "ref.pcap", exchange))
    dirty = [(s, (b"\xde\xad\xbe\xef" if i == 2 else b"") + p) for i, (s, p) in enumerate(exchange)]
    records, _ = read(write(tmp_path / "dirty.pcap", dirty))
    garbage = [r for r in records if r.layer == "garbage"]
    assert len(garbage) == 1 and garbage[0].error and len(garbage[0].message.raw) == 4
    assert [f for f in facts(records) if f[1] is not None] == \
        [f for f in facts(reference) if f[1] is not None]


@needs_tshark
def test_capture_file_cut_in_mid_packet(tmp_path):
    source = capture_path("htanwar_wrapper_tcp4063_plain_access.pcap").read_bytes()
    path = tmp_path / "cut.pcap"
    path.write_bytes(source[: len(source) - 300])
    records, stats = read(path)
    problems = [r for r in records if r.stream == "capture"]
    assert len(problems) == 1 and "cut short" in problems[0].error
    assert stats.problems and len([r for r in records if r.message is not None]) > 200


@needs_tshark
def test_not_a_capture(tmp_path):
    path = tmp_path / "x.pcap"
    path.write_bytes(b"\xd4\xc3\xb2\xa1" + b"\x00" * 10)
    from translator.capture import CaptureError

    with pytest.raises(CaptureError):
        list(read_capture(path))


# --- acceptance 4: the duplicated-block vector ----------------------------------------------------


@needs_tshark
@pytest.mark.parametrize("link", ["user0", "tcp"])
def test_duplicated_gbt_blocks_are_marked_and_decoding_goes_on(tmp_path, link):
    invalid = frames("push-lg-e450-unencrypted-invalid-data")
    valid = frames("push-lg-e450-unencrypted-valid-data")
    path = tmp_path / f"gbt-{link}.pcap"
    if link == "user0":
        with open(path, "wb") as f:
            w = PcapWriter(f, LINKTYPE_USER0)
            for i, frame in enumerate(invalid + valid):
                w.packet(frame, 1.0 + i)
    else:
        write(path, [(1, frame) for frame in invalid + valid])
    records, _ = read(path)
    assert len(records) == len(invalid) + len(valid)
    first = records[:len(invalid)]
    # checks: 5 frames, CRCs fine, 0 complete messages, 3 incomplete or invalid sequences
    assert sum(1 for r in first if r.error and "gbt" in r.error) == 3
    assert not any(r.error and "FCS" in r.error for r in first)
    assert any("duplicated block 2" in (r.error or "") for r in first)
    # the valid stream after it still decodes: the complete DataNotification
    last = records[-1]
    assert last.service == "DataNotification" and last.error is None and last.joined
    assert b"LGZ1030655933512" in last.message.apdu_bytes  # the vector's source meter


def test_gbt_vector_bytes_are_the_frames():
    assert b"".join(frames("push-lg-e450-unencrypted-invalid-data")) == \
        data("push-lg-e450-unencrypted-invalid-data")


# --- link layers ----------------------------------------------------------------------------------


@needs_tshark
@pytest.mark.parametrize("linktype", [LINKTYPE_NULL, LINKTYPE_LINUX_SLL, LINKTYPE_RAW])
def test_link_layers_give_the_same_messages(tmp_path, linktype):
    exchange = session("gurux_session_wrapper_tcp4059.pcapng")
    reference, _ = read(write(tmp_path / "eth.pcap", exchange))
    records, _ = read(write(tmp_path / "other.pcap", exchange, linktype=linktype))
    assert facts(records) == facts(reference) and len(records) == 22


@needs_tshark
def test_exported_pdus(tmp_path):
    # tshark's own "export PDUs" (link type Wireshark Upper PDU): payloads with their endpoints
    source = capture_path("gurux_session_wrapper_tcp4059.pcapng")
    exported = tmp_path / "exported.pcapng"
    subprocess.run(["tshark", "-r", str(source), "-U", "OSI layer 4", "-w", str(exported)],
                   capture_output=True, check=True)
    reference, _ = read(source)
    records, _ = read(exported)
    assert {r.stream for r in records} == {"pdu:0"}
    assert [(r.direction, r.service, r.message.raw) for r in records] == \
        [(r.direction, r.service, r.message.raw) for r in reference]
