"""Every real capture decodes completely, cross-checked against tshark's own payload export.

Independent sources: tshark's export of the same file (payload octets, its own TCP sequence
analysis for retransmissions), the batch decoder ``decode_all`` over each direction's octets
joined in frame order (a different path from the streaming reader), and the facts each
capture's note (``captures/*.md``, ``../shared/captures/*.md``) states.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from translator import decode_all
from translator.capture import Stats, read_capture

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "captures"
SHARED = Path(__file__).parents[2] / "shared" / "captures"

needs_tshark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")

# capture -> the DLMS transport and port its note names ("serial" for the USER0 link type)
DLMS_PORTS = {
    "andrebdo_udp4059_hdlc_and_4_32_llc.pcap": ("udp", 4059),
    "dennisonius_user0_serial_hdlc_hls.pcap": ("serial", None),
    "gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng": ("tcp", 4059),
    "gurux_session_wrapper_tcp4059.pcapng": ("tcp", 4059),
    "htanwar_wrapper_tcp4059_epri_access.pcap": ("tcp", 4059),
    "htanwar_wrapper_tcp4059_general_glo_access_null.pcap": ("tcp", 4059),
    "htanwar_wrapper_tcp4063_hls_gmac_glo.pcap": ("tcp", 4063),
    "htanwar_wrapper_tcp4063_plain_access.pcap": ("tcp", 4063),
    "htanwar_wrapper_tcp4063_two_associations_general_glo.pcap": ("tcp", 4063),
    "htanwar_wrapper_tcp4064_glo_enc_with_dns.pcap": ("tcp", 4064),
    "brno_hdlc_tcp4060_aarq_bad_fcs.pcapng": ("tcp", 4060),
    "brno_hdlc_tcp4060_aarq_bad_oid.pcapng": ("tcp", 4060),
    "brno_hdlc_tcp4060_bad_apdu_tag.pcapng": ("tcp", 4060),
    "brno_hdlc_tcp4060_bad_attribute.pcapng": ("tcp", 4060),
    "brno_hdlc_tcp4060_baseline.pcapng": ("tcp", 4060),
    "brno_hdlc_tcp4060_garbled_frame.pcapng": ("tcp", 4060),
    "brno_hdlc_tcp4061_mid_association_with_noise.pcap": ("tcp", 4061),
    "brno_wrapper_tcp4059_get_with_list.pcap": ("tcp", 4059),
    "brno_wrapper_tcp4063_datablock_with_noise.pcap": ("tcp", 4063),
    "brno_wrapper_tcp5025_remote_meter.pcap": ("tcp", 5025),
    "circutor_prime14_udp7919_ciphered_aarq.pcap": (None, None),  # PRIME PLC frames: not DLMS
}
# licensed notes allow these in captures/; the others are read from ../shared/captures/ only
BUNDLED_NAMES = sorted(n for n in DLMS_PORTS if not n.startswith(("brno_", "circutor_")))
SHARED_ONLY = sorted(n for n in DLMS_PORTS if n.startswith(("brno_", "circutor_")))


def capture_path(name: str) -> Path:
    """A capture from captures/ or ../shared/captures/; skip the test when it is absent."""
    for folder in (BUNDLED, SHARED):
        if (folder / name).exists():
            return folder / name
    pytest.skip(f"{name} is not in captures/ nor ../shared/captures/")


# --- the reference: tshark's own export -----------------------------------------------------------

_FIELDS = ("frame.number", "tcp.stream", "udp.stream", "tcp.srcport", "tcp.dstport",
           "udp.srcport", "udp.dstport", "tcp.payload", "udp.payload", "data.data",
           "tcp.analysis.retransmission", "tcp.analysis.out_of_order", "ip.src", "ipv6.src")


@dataclass
class Reference:
    packets: int = 0
    dlms_packets: set[int] = field(default_factory=set)      # every packet of the DLMS streams
    payload_packets: set[int] = field(default_factory=set)   # those carrying payload
    retransmitted: set[int] = field(default_factory=set)
    out_of_order: set[int] = field(default_factory=set)
    octets: int = 0                                            # payload octets, no retransmissions
    messages: int = 0
    message_octets: int = 0


def tshark_reference(path: Path, transport: str | None, port: int | None) -> Reference:
    """What tshark itself exports of the DLMS port's traffic, decoded by ``decode_all``."""
    cmd = ["tshark", "-r", str(path), "-T", "fields", "-E", "occurrence=l"]
    for name in _FIELDS:
        cmd += ["-e", name]
    lines = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()
    ref = Reference()
    streams: dict[tuple, bytearray] = defaultdict(bytearray)
    datagrams: list[bytes] = []
    for line in lines:
        (number, tcp_stream, udp_stream, tsport, tdport, usport, udport, tpay, upay, data, retx,
         ooo, ip, ip6) = line.split("\t")
        ref.packets += 1
        number = int(number)
        if transport == "tcp" and tcp_stream and str(port) in (tsport, tdport):
            ref.dlms_packets.add(number)
            if not tpay:
                continue
            ref.payload_packets.add(number)
            if retx:
                ref.retransmitted.add(number)
                continue
            if ooo:
                ref.out_of_order.add(number)
            streams[(tcp_stream, tsport)] += bytes.fromhex(tpay)
            ref.octets += len(tpay) // 2
        elif transport == "udp" and udp_stream and str(port) in (usport, udport) and upay:
            ref.dlms_packets.add(number)
            ref.payload_packets.add(number)
            datagrams.append(bytes.fromhex(upay))
            ref.octets += len(upay) // 2
        elif transport == "serial" and data and not (ip or ip6 or tcp_stream or udp_stream):
            ref.dlms_packets.add(number)
            ref.payload_packets.add(number)
            streams[("serial",)] += bytes.fromhex(data)
            ref.octets += len(data) // 2
    units = list(streams.values()) + datagrams
    for unit in units:
        for msg in decode_all(bytes(unit)):
            if msg.framing == "garbage" and not msg.errors:
                continue  # spare HDLC flags between frames
            ref.messages += 1
            ref.message_octets += len(msg.raw)
    return ref


def read(path: Path, **kwargs):
    stats = Stats()
    return list(read_capture(path, stats=stats, **kwargs)), stats


# --- acceptance 1 ---------------------------------------------------------------------------------


@needs_tshark
@pytest.mark.parametrize("name", BUNDLED_NAMES + SHARED_ONLY)
def test_every_capture_decodes_completely(name):
    path = capture_path(name)
    transport, port = DLMS_PORTS[name]
    ref = tshark_reference(path, transport, port)
    assert not ref.out_of_order, "the reference joins payloads in frame order"
    records, stats = read(path)  # no port given: found by content
    messages = [r for r in records if r.message is not None]

    # every payload packet of the DLMS stream is in a record, or a retransmission tshark flags too
    covered = {n for r in records for n in r.packets}
    assert covered | set(stats.retransmitted_packets) == ref.payload_packets
    assert set(stats.retransmitted_packets) == ref.retransmitted
    assert all(n in ref.dlms_packets for n in covered)
    # messages and octets as the batch decoder makes of tshark's export
    assert len(messages) == ref.messages
    assert sum(len(r.message.raw) for r in messages) == ref.message_octets
    # every other packet is skipped and counted
    assert stats.packets == ref.packets
    assert sum(stats.skipped.values()) == ref.packets - len(ref.dlms_packets)
    # every message is decoded, or marked with a reason
    for r in messages:
        msg = r.message
        decoded = msg.framing != "garbage" and (
            msg.apdu is not None or msg.parameters is not None or msg.part_of is not None
            or not (msg.frames and msg.frames[-1].frame.get("information"))
            or msg.frames[-1].frame.format.segmentation)
        assert decoded or r.error, (r.number, r.summary())
        assert r.error is None or r.error.strip() and "\n" not in r.error


@needs_tshark
def test_bundled_captures_are_the_shared_ones_byte_for_byte():
    for name in BUNDLED_NAMES:
        shared = SHARED / name
        if not shared.exists():
            pytest.skip("../shared/captures/ is absent")
        assert (BUNDLED / name).read_bytes() == shared.read_bytes()
        note = (BUNDLED / name).with_suffix(".md")
        assert note.read_text() == shared.with_suffix(".md").read_text()


def _info(record) -> bytes:
    """The HDLC information field of a record's frame (b"" when none)."""
    if record.layer != "hdlc":
        return b""
    return bytes(record.message.frames[0].frame.get("information") or b"")


def _services(records):
    return Counter(r.service for r in records if r.message is not None)


# --- facts from the notes -------------------------------------------------------------------------


@needs_tshark
def test_brno_baseline_note_facts():
    records, stats = read(capture_path("brno_hdlc_tcp4060_baseline.pcapng"))
    frames = [r for r in records if r.layer == "hdlc"]
    # note: 198 HDLC frames: 172 I-frames, 22 RR, 22 segmented; SNRM (no parameters) / UA
    assert len(frames) == 198
    kinds = Counter(str(r.message.frames[0].frame.control.kind) for r in frames)
    assert kinds["i"] == 172 and kinds["rr"] == 22
    assert sum(bool(r.message.frames[0].frame.format.segmentation) for r in frames) == 22
    services = _services(records)
    # 67 GET and 7 SET exchanges, one association
    assert services["GetRequestNormal"] + services["GetRequestNext"] == 67
    assert services["SetRequestNormal"] == 7 and services["SetResponseNormal"] == 7
    assert services["AARQ"] == services["AARE"] == 1 and services["DISC"] == 1
    assert not any(r.error for r in records)
    first = records[0]
    assert first.service == "SNRM" and first.direction == "client_to_server"
    assert records[1].service == "UA" and records[1].direction == "server_to_client"
    assoc = next(a for a in stats.associations if a["index"] == 1)
    assert assoc["context"] == "logical_name_referencing_no_ciphering"
    assert assoc["hdlc"]  # the UA's negotiated parameters
    assert assoc["latency"]["count"] >= 67


@needs_tshark
def test_brno_mid_association_note_facts():
    records, stats = read(capture_path("brno_hdlc_tcp4061_mid_association_with_noise.pcap"))
    frames = [r for r in records if r.layer == "hdlc"]
    # note: 128 HDLC frames (114 I, 14 RR), 50 GET requests and 50 responses, 14 segmented
    assert len(frames) == 128
    kinds = Counter(str(r.message.frames[0].frame.control.kind) for r in frames)
    assert kinds["i"] == 114 and kinds["rr"] == 14
    assert sum(bool(r.message.frames[0].frame.format.segmentation) for r in frames) == 14
    requests = sum(1 for r in records if (r.service or "").startswith("GetRequest"))
    responses = sum(1 for r in records if (r.service or "").startswith("GetResponse"))
    assert requests == 50 and responses == 50
    assert {r.association for r in records} == {0}  # no AARQ in the capture
    assert {"tls", "dns", "icmpv6"} <= set(stats.skipped)


@needs_tshark
def test_brno_altered_runs_are_marked():
    bad_fcs, _ = read(capture_path("brno_hdlc_tcp4060_aarq_bad_fcs.pcapng"))
    aarq = [r for r in bad_fcs if _info(r)[3:4] == b"\x60"]
    assert len(aarq) == 1 and "FCS" in aarq[0].error and aarq[0].packets == [8]
    assert not any(r.service == "AARE" for r in bad_fcs)  # "no server answer"
    # "a burst of eight RR frames in one TCP segment" and "one HDLC frame split across
    # two TCP segments (packets 13 and 15)"
    in_13 = [r.service for r in bad_fcs if r.packets == [13]]
    assert in_13[:8] == ["RR"] * 8
    assert any(r.packets == [13, 15] and r.error is None for r in bad_fcs)

    oid, _ = read(capture_path("brno_hdlc_tcp4060_aarq_bad_oid.pcapng"))
    aarq = [r for r in oid if _info(r)[3:4] == b"\x60"]
    assert aarq and aarq[0].error and "acse" in aarq[0].error
    assert any(r.service == "AARE" for r in oid)  # the server answers anyway

    tag, _ = read(capture_path("brno_hdlc_tcp4060_bad_apdu_tag.pcapng"))
    c5 = [r for r in tag if _info(r)[3:4] == b"\xc5" and r.direction == "client_to_server"]
    assert c5 and all(r.error for r in c5)

    garbled, _ = read(capture_path("brno_hdlc_tcp4060_garbled_frame.pcapng"))
    bad = [r for r in garbled if r.error]
    assert [r.packets for r in bad] == [[278]]  # "packet 278 ... wrong FCS"
    assert sum(1 for r in garbled if r.layer == "hdlc") == 188  # 189 frames, one unreadable


@needs_tshark
def test_brno_wrapper_note_facts():
    remote, stats = read(capture_path("brno_wrapper_tcp5025_remote_meter.pcap"))  # port 5025
    services = _services(remote)
    assert services["GetRequestNormal"] == services["GetResponseNormal"] == 21
    assert services["AARQ"] == services["AARE"] == services["RLRE"] == 1
    # "RLRQ twice": the second is a retransmission (tshark flags it too)
    assert services["RLRQ"] == 1 and stats.retransmitted == 1
    assert any(f.startswith("lls_password_in_clear") for r in remote for f in r.findings)
    ldn = next(r for r in remote if r.service == "GetResponseNormal")
    assert b"ADX0011588840" in ldn.message.raw

    with_list, _ = read(capture_path("brno_wrapper_tcp4059_get_with_list.pcap"))
    services = _services(with_list)
    assert services["GetRequestWithList"] == services["GetResponseWithList"] == 1
    assert not any(r.error for r in with_list)

    noise, stats = read(capture_path("brno_wrapper_tcp4063_datablock_with_noise.pcap"))
    services = _services(noise)
    assert sum(v for k, v in services.items() if k.startswith("GetRequest")) == 6
    assert services["GetResponseWithDatablock"] >= 1
    assert {r.message.frames[0].frame.source_wport for r in noise} == {0}  # wPort 0 both sides
    assert stats.skipped_streams >= 1


@needs_tshark
def test_andrebdo_udp_hdlc_and_llc():
    records, _ = read(capture_path("andrebdo_udp4059_hdlc_and_4_32_llc.pcap"))
    assert len(records) == 51
    by_packet = {r.number: r for r in records}
    # note: the AARQ in packet 3 has a bad FCS; packets 41-51 (but 43, a DISC) are 4-32 LLC
    assert by_packet[3].service == "AARQ" and "FCS" in by_packet[3].error
    assert [r.number for r in records if r.error] == [3]
    assert by_packet[43].service == "DISC"
    for n in set(range(41, 52)) - {43}:
        assert by_packet[n].message.llc.profile == "iec61334_4_32"
    assert by_packet[42].service == "ExceptionResponse"
    assert by_packet[46].service == "EventNotificationRequest"
    # the long response comes in segmented HDLC frames joined into datablocks
    joined = [r for r in records if r.joined]
    assert joined and all(r.service == "GetResponseWithDatablock" for r in joined)
    assert by_packet[40].summary().endswith("(last) (joined from 2 parts)") or \
        "block" in by_packet[40].summary()


@needs_tshark
def test_dennisonius_serial_user0():
    records, _ = read(capture_path("dennisonius_user0_serial_hdlc_hls.pcap"))
    assert [r.service for r in records] == [
        "SNRM", "UA", "AARQ", "AARE", "ActionRequestNormal", "ActionResponseNormal",
        "GetRequestNormal", "GetResponseNormal", "DISC", "DM"]
    assert [r.direction for r in records] == ["client_to_server", "server_to_client"] * 5
    assert {r.stream for r in records} == {"serial"}
    assert not any(r.error for r in records)


@needs_tshark
def test_circutor_prime_is_not_dlms_framing():
    records, stats = read(capture_path("circutor_prime14_udp7919_ciphered_aarq.pcap"))
    assert records == []
    assert stats.packets == 97 and sum(stats.skipped.values()) == 97


@needs_tshark
def test_port_forces_decoding():
    # without --port the PRIME datagrams are skipped; with it they are decoded and marked
    records, stats = read(capture_path("circutor_prime14_udp7919_ciphered_aarq.pcap"), port=7919)
    assert len(records) == 97 and stats.dlms_streams >= 1
    assert all(r.error for r in records if r.message.framing == "garbage")


@needs_tshark
def test_display_filter_is_applied_first():
    path = capture_path("gurux_session_wrapper_tcp4059.pcapng")
    records, stats = read(path, display_filter="tcp.srcport == 4059")
    assert records and all(r.direction == "server_to_client" for r in records)
    assert stats.packets < 50


@needs_tshark
def test_plain_sessions_pair_every_request():
    records, stats = read(capture_path("gurux_session_wrapper_tcp4059.pcapng"))
    requests = [r for r in records if r.direction == "client_to_server"]
    responses = [r for r in records if r.direction == "server_to_client"]
    assert len(requests) == len(responses) == 11
    assert all(r.latency is not None and r.reply_to is not None for r in responses)
    for response in responses:  # the request it answers has the same invoke-id
        request = next(r for r in records if r.number == response.reply_to)
        if request.invoke_id is not None:
            assert request.invoke_id & 0x0F == response.invoke_id & 0x0F
    assert stats.associations[0]["result"] == "accepted"
