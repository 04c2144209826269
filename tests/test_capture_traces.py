"""Hex traces as input: Gurux, GXDLMSDirector, jDLMS-style and plain hex lines.

The octets are real: the jDLMS clock session (captures/hdlc_session_clock_jdlms.hex, vector
hdlc-session-clock-jdlms) and the frames of the dennisonius serial capture (exported with
tshark), written in each trace format by the test. The expected directions come from the
capture's note (SNRM/UA, AARQ/AARE, ... alternate client and server), never from our decoder.
"""

from __future__ import annotations

import subprocess
from collections import Counter

import pytest

from tests._vectors import vector
from tests.test_capture import BUNDLED, capture_path, needs_tshark
from translator.capture import read_capture, read_trace
from translator.capture.traces import RECEIVED, SENT, looks_like_trace, parse_trace

SERVICES = ["SNRM", "UA", "AARQ", "AARE", "ActionRequestNormal", "ActionResponseNormal",
            "GetRequestNormal", "GetResponseNormal", "DISC", "DM"]  # the dennisonius note


def serial_frames() -> list[bytes]:
    path = capture_path("dennisonius_user0_serial_hdlc_hls.pcap")
    out = subprocess.run(["tshark", "-r", str(path), "-T", "fields", "-e", "data.data"],
                         capture_output=True, text=True, check=True).stdout.split()
    return [bytes.fromhex(h) for h in out]


def spaced(octets: bytes) -> str:
    return octets.hex(" ").upper()


def test_plain_hex_trace_jdlms_clock_session():
    records = list(read_capture(BUNDLED / "hdlc_session_clock_jdlms.hex"))
    assert len(records) == vector("hdlc-session-clock-jdlms")["checks"]["hdlc_frames"] == 22
    assert not any(r.error for r in records)
    services = Counter(r.service for r in records)
    # expected: GET-Request-Normal attr 1..9 / responses, SET of attr 2 and 3 answered by success
    assert services["GetRequestNormal"] == services["GetResponseNormal"] == 9
    assert services["SetRequestNormal"] == services["SetResponseNormal"] == 2
    assert all(r.invoke_id == 0x81 for r in records)
    assert [r.packets for r in records] == [[n] for n in range(1, 23)]  # trace line numbers
    # no direction in the trace: told by content (LLC E6 E6 / E6 E7, requests vs responses)
    assert [r.direction for r in records] == ["client_to_server", "server_to_client"] * 11
    # every response is paired with its request (no times in the trace: no latency)
    assert [r.reply_to for r in records[1::2]] == list(range(1, 22, 2))
    assert all(r.latency is None for r in records)


@needs_tshark
@pytest.mark.parametrize("style", ["gurux_arrows", "gurux_tx_rx", "director_log", "jdlms",
                                   "plain_timestamped"])
def test_trace_styles_give_the_capture_messages(style):
    lines = []
    for i, frame in enumerate(serial_frames()):
        client = i % 2 == 0   # SNRM, AARQ, ... from the client; UA, AARE, ... from the meter
        stamp = f"11:11:{17 + i:02d}"
        if style == "gurux_arrows":
            lines.append(f"{'<-' if client else '->'} {stamp}\t{spaced(frame)}")
        elif style == "gurux_tx_rx":
            lines.append(f"{'TX' if client else 'RX'}:\t{stamp}\t{spaced(frame)}")
        elif style == "director_log":
            lines.append(f"{stamp} Send request." if client else f"{stamp} ")
            lines.append(spaced(frame))
        elif style == "jdlms":
            lines.append(f"2022-11-14 {stamp}.125 DEBUG [main] RawMessage - "
                         f"{'CLIENT' if client else 'SERVER'}: {frame.hex().upper()}")
        else:
            lines.append(f"{stamp}.5 {spaced(frame)}")
    records = list(read_trace(lines))
    assert [r.service for r in records] == SERVICES
    assert [r.direction for r in records] == ["client_to_server", "server_to_client"] * 5
    assert not any(r.error for r in records)
    if style == "jdlms":
        assert records[0].time == pytest.approx(1668424277.125)  # 2022-11-14 11:11:17.125 UTC
    elif style == "plain_timestamped":
        assert records[1].time == pytest.approx(11 * 3600 + 11 * 60 + 18.5)
    else:
        assert records[2].time == 11 * 3600 + 11 * 60 + 19
    if style in ("gurux_arrows", "gurux_tx_rx", "director_log"):
        assert [r.src for r in records[:2]] == ["local", "peer"]  # sent / received


def test_trace_direction_words():
    chunks = list(parse_trace([
        "<- 12:00:01\t7E A0 07 03 21 93 0F 01 7E",
        "-> 12:00:02\t7EA0070321930F017E",
        "TX:\t12:00:03\t7E A0",
        "Received: 7E A0 07",
        "some text without octets",
        "11:11:25 Disconnect request",
        "7E A0 08 02 21 61 53 6F 51 7E",
        "11:11:25 ",
        "7E A0 08 61 02 21 1F 17 CF 7E",
        "7E",
    ]))
    assert [c.direction for c in chunks] == [SENT, RECEIVED, SENT, RECEIVED, SENT, RECEIVED, None]
    assert [c.line for c in chunks] == [1, 2, 3, 4, 7, 9, 10]
    assert chunks[0].data == chunks[1].data == bytes.fromhex("7EA0070321930F017E")
    assert chunks[0].time == 12 * 3600 + 1
    assert chunks[-1].data == b"\x7e"


def test_a_frame_split_over_lines_is_joined():
    frame = bytes.fromhex("7EA0190321326FD8E6E600C001C1000100002A0000FF020012807E")
    records = list(read_trace([f"TX: {spaced(frame[:10])}", f"TX: {spaced(frame[10:])}"]))
    assert len(records) == 1 and records[0].packets == [1, 2]
    assert records[0].service == "GetRequestNormal" and records[0].error is None


def test_garbage_in_a_trace_is_marked_and_the_rest_decodes():
    good = bytes.fromhex("7EA0190321326FD8E6E600C001C1000100002A0000FF020012807E")
    records = list(read_trace([spaced(good), "2F 3F 21 0D 0A", spaced(good)]))
    assert [r.service for r in records] == ["GetRequestNormal", None, "GetRequestNormal"]
    assert records[1].error and records[1].layer == "garbage"


def test_trace_or_capture_is_told_by_content():
    assert looks_like_trace(b"7E A0 07 03 21 93 0F 01 7E\n")
    assert not looks_like_trace(b"\xd4\xc3\xb2\xa1\x02\x00")
    assert not looks_like_trace(b"\x0a\x0d\x0d\x0a\x1c\x00")


@needs_tshark
@pytest.mark.parametrize("style", ["gurux_tx_rx", "director_log"])
def test_dlms_decode_reads_the_traces_dlms_capture_reads(style, tmp_path):
    """One trace reader for both commands: ``dlms decode -f`` takes a Gurux or GXDLMSDirector
    trace too, and finds the messages the capture note lists."""
    import sys
    lines = []
    for i, frame in enumerate(serial_frames()):
        stamp = f"11:11:{17 + i:02d}"
        if style == "gurux_tx_rx":
            lines.append(f"{'TX' if i % 2 == 0 else 'RX'}:\t{stamp}\t{spaced(frame)}")
        else:
            lines += [f"{stamp} Send request." if i % 2 == 0 else f"{stamp} ", spaced(frame)]
    trace = tmp_path / "trace.txt"
    trace.write_text("\n".join(lines) + "\n")
    out = subprocess.run([sys.executable, "-m", "translator", "decode", "-f", str(trace), "--to",
                          "json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    import json
    assert len([json.loads(line) for line in out.stdout.splitlines()]) == len(SERVICES)
