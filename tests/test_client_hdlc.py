"""The client's HDLC link against real sessions, replayed octet for octet with no socket.

Expected octets come from the captures (what the real clients sent), from public SNRM examples
and from the project's decoder (``translator.decode_all``) for the APDUs; frames the server
would send in the synthetic cases are built with the schema as a server would build them.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests._vectors import data as vector_data
from tests._vectors import frames as vector_frames
from tests.test_capture import capture_path, needs_tshark
from translator import decode_all
from translator.capture.traces import parse_trace
from translator.capture.tshark import tcp_exchange
from translator.client.events import (
    ApduReceived,
    LinkEstablished,
    LinkReleased,
    LinkWarning,
    LocalProtocolError,
    ProtocolError,
)
from translator.client.hdlc import HdlcAddress, HdlcLink
from translator.schema.hdlc import address_container, build_frame, build_parameters
from translator.stream.framing import Frame, find_hdlc

GURUX = "gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng"
DENNISONIUS = "dennisonius_user0_serial_hdlc_hls.pcap"
JDLMS = "hdlc_session_clock_jdlms.hex"


def apdus(stream: bytes) -> list[bytes]:
    """The APDUs of a one-direction stream as the project's decoder reassembles them."""
    return [m.apdu_bytes for m in decode_all(stream) if m.apdu_bytes]


def frames_of(octets: bytes) -> list:
    return [item.frame for item in find_hdlc(octets) if isinstance(item, Frame)]


def replay(link: HdlcLink, exchange: list[tuple[int, bytes]]) -> list:
    """Drive ``link`` through a recorded exchange (side 0 = client): the client's decisions
    (connect, send an APDU, disconnect) are taken from its recorded frames, and what the link
    queues must be those very octets. Returns every event the server's octets gave."""
    client_apdus = apdus(b"".join(d for side, d in exchange if side == 0))
    events: list = []
    for side, octets in exchange:
        if side == 1:
            events += link.receive_data(octets)
            continue
        for frame in frames_of(octets):
            kind = frame.control.kind
            if kind == "snrm":
                link.connect()
            elif kind == "disc":
                link.disconnect()
            elif kind == "i" and not frame.format.segmentation:
                link.send_apdu(client_apdus.pop(0))
        assert link.data_to_send().hex(" ") == octets.hex(" ")
    assert client_apdus == []
    return events


def received(events: list) -> list[bytes]:
    return [e.apdu for e in events if isinstance(e, ApduReceived)]


# --- real sessions -----------------------------------------------------------------------


@needs_tshark
def test_gurux_hdlc_session_replayed_octet_for_octet():
    exchange = tcp_exchange(str(capture_path(GURUX)))
    link = HdlcLink(client_address=1, server=HdlcAddress(logical=1, physical=17, size=2))
    events = replay(link, exchange)
    # SNRM without parameters (all defaults), RR for the segmented GMAC response, N(S)/N(R)
    # of every I-frame and DISC all matched above; the server side:
    assert events[0] == LinkEstablished({"max_info_transmit": 128, "max_info_receive": 128,
                                         "window_transmit": 1, "window_receive": 1})
    assert received(events) == apdus(b"".join(d for side, d in exchange if side == 1))
    assert all(not e.llc_missing for e in events if isinstance(e, ApduReceived))
    assert isinstance(events[-1], LinkReleased) and link.state == "disconnected"
    assert not [e for e in events if isinstance(e, (ProtocolError, LinkWarning))]
    # the segmented response keeps the octets of both of its frames
    (joined,) = [e for e in events if isinstance(e, ApduReceived) and len(e.frames) == 2]
    server = b"".join(d for side, d in exchange if side == 1)
    assert b"".join(joined.frames) in server


@needs_tshark
def test_gurux_session_fed_one_octet_at_a_time():
    exchange = tcp_exchange(str(capture_path(GURUX)))
    link = HdlcLink(client_address=1, server=HdlcAddress(1, 17, 2))
    one_by_one = [(side, bytes([b])) for side, d in exchange if side == 1 for b in d]
    assert len(one_by_one) > 1000
    events: list = []
    client_apdus = apdus(b"".join(d for side, d in exchange if side == 0))
    for side, octets in exchange:
        if side == 1:
            for b in octets:
                events += link.receive_data(bytes([b]))
            continue
        for frame in frames_of(octets):
            if frame.control.kind == "snrm":
                link.connect()
            elif frame.control.kind == "disc":
                link.disconnect()
            elif frame.control.kind == "i" and not frame.format.segmentation:
                link.send_apdu(client_apdus.pop(0))
        assert link.data_to_send() == octets
    assert received(events) == apdus(b"".join(d for side, d in exchange if side == 1))
    assert not [e for e in events if isinstance(e, (ProtocolError, LinkWarning))]


def _user0_frames(path) -> list[bytes]:
    out = subprocess.run([shutil.which("tshark"), "-r", str(path), "-T", "fields", "-e",
                          "data.data"], capture_output=True, text=True, check=True).stdout
    return [bytes.fromhex(line) for line in out.split()]


@needs_tshark
def test_dennisonius_serial_session_replayed():
    """GXDLMSDirector and a real meter over a serial line: SNRM/UA with parameters, AARQ/AARE,
    ACTION, GET, and DISC answered with DM."""
    frames = _user0_frames(capture_path(DENNISONIUS))
    # the client's frames come from the 1-octet address (0x61 = client 48)
    exchange = [(0 if frames_of(f)[0].source_address.size == 1 else 1, f) for f in frames]
    link = HdlcLink(client_address=48, server=HdlcAddress(logical=1, physical=16, size=2))
    events = replay(link, exchange)
    assert events[0] == LinkEstablished({"max_info_transmit": 128, "max_info_receive": 128,
                                         "window_transmit": 1, "window_receive": 1})
    assert received(events) == apdus(b"".join(f for side, f in exchange if side == 1))
    assert len(received(events)) == 3
    assert isinstance(events[-1], LinkReleased) and "DM" in events[-1].reason
    assert link.state == "disconnected"


def test_jdlms_serial_trace_replayed():
    """jDLMS's recorded clock session (1-octet addresses, client 0x3A, server 0x4A). It starts
    with N(S) 2, so its pairs 6 and 7 (numbered 0 and 1 after the wrap) come first."""
    lines = capture_path(JDLMS).read_text().splitlines()
    chunks = [c.data for c in parse_trace(lines)]
    assert len(chunks) == 22
    pairs = [chunks[i:i + 2] for i in range(0, 22, 2)]
    link = HdlcLink(client_address=0x3A, server=HdlcAddress(logical=0x4A, size=1))
    link.connect()
    (snrm,) = frames_of(link.data_to_send())
    assert (snrm.control.kind, snrm.destination_address.address,
            snrm.source_address.address) == ("snrm", 0x4A, 0x3A)
    ua = build_frame("ua", address_container(1, 0x3A), address_container(1, 0x4A))
    assert isinstance(link.receive_data(ua)[0], LinkEstablished)
    exchange = [(side, octets) for pair in [pairs[6], pairs[7], *pairs]
                for side, octets in enumerate(pair)]
    events = replay(link, exchange)
    assert received(events) == apdus(b"".join(o for side, o in exchange if side == 1))
    assert len(received(events)) == 13


def test_snrm_matches_public_examples():
    """Two SNRMs from a public C HDLC client's comments: no parameters from client 120 to the
    4-octet address 1/17, and parameters 128/128 with windows 1 (transmit) and 7 (receive)."""
    link = HdlcLink(client_address=120, server=HdlcAddress(1, 17, 4))
    link.connect()
    assert link.data_to_send() == bytes.fromhex("7EA00A00020023F193232E7E")
    link = HdlcLink(client_address=16, server=HdlcAddress(1, 17, 4), window_receive=7)
    link.connect()
    assert link.data_to_send() == bytes.fromhex(
        "7EA0210002002321931964818012050180060180070400000001080400000007655E7E")


def test_combined_server_address():
    assert HdlcAddress.combined(0x91) == HdlcAddress(logical=1, physical=17, size=2)
    assert HdlcAddress.combined(0x91, 4) == HdlcAddress(logical=0, physical=0x91, size=4)
    assert HdlcAddress.combined(1 << 14 | 17, 4) == HdlcAddress(1, 17, 4)
    assert HdlcAddress.combined(0x4A) == HdlcAddress(0x4A, None, 1)
    with pytest.raises(ValueError):
        HdlcAddress(1, 17, 3)


# --- synthetic sessions on real APDUs -------------------------------------------------------

SERVER = HdlcAddress(1, 17, 2)
CLIENT = address_container(1, 16)


def server_frame(kind: str, **fields) -> bytes:
    """A frame as the server (1/17) sends it to client 16."""
    return build_frame(kind, CLIENT, SERVER.container(), **fields)


def connected(max_info: int = 128, window: int = 1, **options) -> HdlcLink:
    link = HdlcLink(client_address=16, server=SERVER, window=window, max_info_length=max_info,
                    **options)
    link.connect()
    link.data_to_send()
    params = {"max_info_field_length_transmit": max_info,
              "max_info_field_length_receive": max_info,
              "window_size_transmit": window, "window_size_receive": window}
    info = None if (max_info, window) == (128, 1) else build_parameters(params)
    (event,) = link.receive_data(server_frame("ua", information=info))
    assert event == LinkEstablished({"max_info_transmit": max_info, "max_info_receive": max_info,
                                     "window_transmit": window, "window_receive": window})
    return link


@pytest.fixture(scope="module")
def aarq() -> bytes:
    """The AARQ GXDLMSDirector sent in the dennisonius capture (64 octets, HLS mechanism 2)."""
    apdu = bytes.fromhex(
        "603ea1090607608574050801018a0207808b0760857405080202ac12801014302e6f2f44503309084c2908"
        "0b6134be10040e01000000065f1f0400621e5dffff")
    assert decode_all(apdu)[0].service == "aarq"
    return apdu


def test_send_segmented_window_1(aarq):
    link = connected(max_info=32)
    link.send_apdu(aarq)
    sent = [link.data_to_send()]
    while True:
        (frame,) = frames_of(sent[-1])
        if not frame.format.segmentation:
            break
        assert frame.control.pf  # window 1: every frame polls
        assert link.data_to_send() == b""  # nothing more before the server's RR
        assert link.receive_data(server_frame("rr", nr=(frame.control.ns + 1) % 8)) == []
        sent.append(link.data_to_send())
    parsed = [frames_of(f)[0] for f in sent]
    assert [f.control.ns for f in parsed] == list(range(len(sent)))
    assert all(len(f.information) <= 32 for f in parsed)
    assert [f.format.segmentation for f in parsed] == [True] * (len(sent) - 1) + [False]
    assert len(sent) == 3  # LLC 3 + 64 octets in 32-octet pieces
    (message,) = [m for m in decode_all(b"".join(sent)) if m.apdu_bytes]
    assert message.apdu_bytes == aarq


def test_send_segmented_window_3(aarq):
    link = connected(max_info=32, window=3)
    long_apdu = aarq + aarq[2:]  # 5 segments
    link.send_apdu(long_apdu)
    first = frames_of(link.data_to_send())
    assert [(f.control.ns, f.control.pf) for f in first] == [(0, False), (1, False), (2, True)]
    assert link.receive_data(server_frame("rr", nr=3)) == []
    second = frames_of(link.data_to_send())
    assert [(f.control.ns, f.control.pf, f.format.segmentation) for f in second] == [
        (3, False, True), (4, True, False)]
    info = b"".join(f.information for f in first + second)
    assert info == b"\xe6\xe6\x00" + long_apdu


def test_receive_segmented_push_frames_acknowledged():
    """The Iskra AM550's five real segments (UI there) sent as I-frames: each segment with the
    final bit is answered by RR with the next N(R); the last delivers the joined APDU."""
    segments = [frames_of(f)[0].information for f in
                vector_frames("push-iskra-am550-unencrypted-valid-data")]
    link = connected()
    link.send_apdu(bytes.fromhex("c001c100080000010000ff0200"))  # a GET, N(S) 0
    link.data_to_send()
    events = []
    for n, info in enumerate(segments):
        more = n < len(segments) - 1
        events += link.receive_data(server_frame("i", ns=n, nr=1, information=info,
                                                 segmentation=more))
        rr = link.data_to_send()
        if more:
            (frame,) = frames_of(rr)
            assert (frame.control.kind, frame.control.nr, frame.control.pf) == ("rr", n + 1, True)
        else:
            assert rr == b""
    (event,) = events
    assert event.apdu == apdus(vector_data("push-iskra-am550-unencrypted-valid-data"))[0]
    assert len(event.frames) == 5


def test_ui_push_segments_joined():
    """The Iskra AM550 push as captured: five segmented UI frames to client 103."""
    stream = vector_data("push-iskra-am550-unencrypted-valid-data")
    link = HdlcLink(client_address=103, server=SERVER)
    events = link.receive_data(stream)
    (event,) = events
    assert event.apdu == apdus(stream)[0] and not event.llc_missing
    assert link.data_to_send() == b""  # UI frames are never acknowledged


# --- errors ---------------------------------------------------------------------------------


def test_dm_to_snrm_refused():
    link = HdlcLink(client_address=16, server=SERVER)
    link.connect()
    (event,) = link.receive_data(server_frame("dm"))
    assert event == ProtocolError("server refused the connection (DM)", remote=True)
    assert link.state == "disconnected"


def test_frmr_reported_with_its_information():
    link = connected()
    (event,) = link.receive_data(server_frame("frmr", information=bytes.fromhex("1054 00")))
    assert isinstance(event, ProtocolError) and event.remote
    assert "10 54 00" in event.message and link.state == "disconnected"


def test_bad_fcs_frame_discarded_with_a_warning():
    link = connected()
    link.send_apdu(b"\xc0\x01\xc1\x00\x08\x00\x00\x01\x00\x00\xff\x02\x00")
    link.data_to_send()
    good = server_frame("i", ns=0, nr=1, information=b"\xe6\xe7\x00\xc4\x01\xc1\x00\x09\x00")
    bad = good[:-3] + bytes([good[-3] ^ 0xFF]) + good[-2:]
    (event,) = link.receive_data(bad)
    assert isinstance(event, LinkWarning) and "FCS" in event.text
    link.resend()  # the transport's timeout: the request goes again
    assert frames_of(link.data_to_send())[0].control.ns == 0
    (event,) = link.receive_data(good)
    assert event.apdu == bytes.fromhex("c401c100 0900".replace(" ", ""))


def test_wrong_ns_is_a_protocol_error():
    link = connected()
    link.send_apdu(b"\xc0\x01\xc1\x00\x08\x00\x00\x01\x00\x00\xff\x02\x00")
    link.data_to_send()
    (event,) = link.receive_data(server_frame("i", ns=3, nr=1, information=b"\xe6\xe7\x00\x01"))
    assert isinstance(event, ProtocolError) and event.remote and "N(S) 3" in event.message


def test_repeated_frame_dropped_and_acknowledged_again():
    link = connected()
    link.send_apdu(bytes(range(200)))
    link.data_to_send()
    link.receive_data(server_frame("rr", nr=1))
    link.data_to_send()
    seg = server_frame("i", ns=0, nr=2, information=b"\xe6\xe7\x00\x01", segmentation=True)
    assert link.receive_data(seg) == []
    first_rr = link.data_to_send()
    (event,) = link.receive_data(seg)  # our RR was lost: the server repeats the segment
    assert isinstance(event, LinkWarning)
    assert link.data_to_send() == first_rr


def test_llc_missing_quirk_and_strict():
    rlre = bytes.fromhex("6303800100")  # RLRE reason normal, sent without E6 E7 00
    for strict in (False, True):
        link = connected(strict=strict)
        link.send_apdu(bytes.fromhex("6203800100"))
        link.data_to_send()
        (event,) = link.receive_data(server_frame("i", ns=0, nr=1, information=rlre))
        if strict:
            assert isinstance(event, ProtocolError) and "LLC" in event.message
        else:
            assert event == ApduReceived(rlre, True, event.frames) and event.llc_missing


def test_garbage_skipped_and_partial_frames_buffered():
    link = connected()
    link.send_apdu(bytes.fromhex("c001c100080000010000ff0200"))
    link.data_to_send()
    reply = server_frame("i", ns=0, nr=1, information=bytes.fromhex("e6e700c401c1000900"))
    assert link.receive_data(b"\x00\x13\x37") == []  # held: it may be a frame's start
    (warning,) = link.receive_data(reply[:5])  # the flag ends the garbage run
    assert isinstance(warning, LinkWarning) and "3 octet(s)" in warning.text
    (event,) = link.receive_data(reply[5:])
    assert event.apdu == bytes.fromhex("c401c1000900")


def test_bad_transitions_raise():
    link = HdlcLink(client_address=16, server=SERVER)
    with pytest.raises(LocalProtocolError):
        link.send_apdu(b"\x01")
    with pytest.raises(LocalProtocolError):
        link.disconnect()
    link.connect()
    first = link.data_to_send()
    with pytest.raises(LocalProtocolError):
        link.connect()
    link.resend()
    assert link.data_to_send() == first
    assert frames_of(first)[0].control.kind == "snrm"  # resend repeated the SNRM


def test_disconnect_ua_releases():
    link = connected()
    link.disconnect()
    (disc,) = frames_of(link.data_to_send())
    assert (disc.control.kind, disc.control.pf) == ("disc", True)
    (event,) = link.receive_data(server_frame("ua"))
    assert isinstance(event, LinkReleased) and link.state == "disconnected"


def test_second_ua_to_a_repeated_snrm_is_harmless():
    link = HdlcLink(client_address=16, server=SERVER)
    link.connect()
    link.resend()  # the first UA was late: the transport's timeout repeated the SNRM
    assert len(frames_of(link.data_to_send())) == 2
    assert isinstance(link.receive_data(server_frame("ua"))[0], LinkEstablished)
    (event,) = link.receive_data(server_frame("ua"))
    assert isinstance(event, LinkWarning) and link.state == "connected"


def test_receive_window_3_one_rr_per_window():
    """The Iskra segments as I-frames in windows of 3: only the frame with the final bit is
    answered, by one RR acknowledging the whole window."""
    segments = [frames_of(f)[0].information for f in
                vector_frames("push-iskra-am550-unencrypted-valid-data")]
    link = connected(window=3)
    link.send_apdu(bytes.fromhex("c001c100080000010000ff0200"))
    link.data_to_send()
    answers = []
    for n, info in enumerate(segments):
        final = n in (2, 4)
        link.receive_data(server_frame("i", ns=n, nr=1, information=info, pf=final,
                                       segmentation=n < 4))
        answers.append([(f.control.kind, f.control.nr) for f in frames_of(link.data_to_send())])
    assert answers == [[], [], [("rr", 3)], [], []]


def test_rej_sends_again_from_nr(aarq):
    link = connected(max_info=32, window=3)
    link.send_apdu(aarq)
    first = frames_of(link.data_to_send())
    assert len(first) == 3
    link.receive_data(server_frame("rej", nr=1, pf=True))
    again = frames_of(link.data_to_send())
    assert [f.control.ns for f in again] == [1, 2]
    assert [f.information for f in again] == [f.information for f in first[1:]]
