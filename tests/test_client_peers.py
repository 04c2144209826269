"""Our client against the gurux-dlms meter of ``../shared/peers`` (acceptance of issue 10).

The meter is an independent implementation run as a process; what it serves is stated in its
README (register 12345678 with scaler -1 and unit Wh, logical device name GRXPEER000000001,
five profile rows from 2025-01-01 00:00 UTC every 15 minutes, 12344678 + 250 per row, the
clock in UTC). Every session is recorded and the recording decoded by ``dlms capture``.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import shutil
import subprocess
import sys

import pytest

from translator.capture import read_capture
from translator.client.session import Client
from translator.client.settings import AssociationSettings
from translator.client.values import to_python
from translator.client.views import (
    profile_rows,
    scaled,
    selective_by_entry,
    selective_by_range,
)
from translator.schema.acse import component
from translator.security import Keyring

from .peers import CLIENT_TITLE, KEYS, gurux_meter

UTC = datetime.UTC
ROWS = [(datetime.datetime(2025, 1, 1, tzinfo=UTC) + datetime.timedelta(minutes=15 * i),
         12344678 + 250 * i) for i in range(5)]
AUTHS = {
    "none": ({}, ()),
    "low": ({"authentication": "low", "password": b"12345678"}, ()),
    "gmac": ({"authentication": "gmac", "security_control": 0x30,
              "system_title": bytes.fromhex(CLIENT_TITLE)}, ("--security", "suite0")),
    "suite0": ({"security_control": 0x30, "system_title": bytes.fromhex(CLIENT_TITLE)},
               ("--security", "suite0")),
}


def _settings(auth: str, **extra) -> AssociationSettings:
    options = dict(AUTHS[auth][0])
    if "security_control" in options or options.get("authentication") == "gmac":
        options["keys"] = Keyring.load(KEYS)
    return AssociationSettings(**options, **extra)


def _url(framing: str, port: int) -> str:
    return f"{'hdlc+tcp' if framing == 'hdlc' else 'tcp'}://127.0.0.1:{port}"


async def _read_everything(client: Client) -> dict:
    await client.open()
    try:
        objects = await client.objects()
        clock = await client.get("0.0.1.0.0.255", 2)
        name = await client.get("0.0.42.0.0.255", 2)
        energy = await client.get("1.0.1.8.0.255", 2)
        scaler_unit = await client.get("1.0.1.8.0.255", 3)
        by_entry = await client.get("1.0.99.1.0.255", 2, None, selective_by_entry(2, 4))
        start = ROWS[1][0]
        by_range = await client.get("1.0.99.1.0.255", 2, None, selective_by_range(
            (8, bytes((0, 0, 1, 0, 0, 255)), 2), start, start + datetime.timedelta(minutes=30)))
    finally:
        await client.close()
    return {"objects": objects, "clock": clock, "name": name, "energy": energy,
            "scaler_unit": scaler_unit, "by_entry": by_entry, "by_range": by_range}


def _check(found: dict) -> None:
    assert sorted(str(o["obis"]) for o in found["objects"]) == sorted(
        ["0.0.40.0.0.255", "0.0.1.0.0.255", "0.0.42.0.0.255", "1.0.1.8.0.255", "1.0.99.1.0.255"])
    from translator.client.views import render
    clock = datetime.datetime.fromisoformat(render(found["clock"].data))
    assert abs((clock - datetime.datetime.now(UTC)).total_seconds()) < 120
    assert to_python(found["name"].data) == b"GRXPEER000000001"
    assert scaled(to_python(found["energy"].data), found["scaler_unit"].data) == (1234567.8, "Wh")
    assert profile_rows(found["by_entry"].data) == [[t, v] for t, v in ROWS[1:4]]
    assert profile_rows(found["by_range"].data) == [[t, v] for t, v in ROWS[1:4]]


def _decoded_services(path) -> list[str]:
    """What ``dlms capture`` finds in a recording (the keys given), one service per message."""
    out = subprocess.run([sys.executable, "-m", "translator", "capture", str(path), "--to",
                          "jsonl", "--keys", str(KEYS)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert all(r["error"] is None for r in records), [r["error"] for r in records if r["error"]]
    return [r["service"] for r in records]


needs_tshark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")


@needs_tshark
@pytest.mark.parametrize("framing", ["wrapper", "hdlc"])
@pytest.mark.parametrize("auth", ["none", "low", "gmac", "suite0"])
def test_reads_against_the_gurux_meter(framing, auth, tmp_path):
    record = tmp_path / "session.pcapng"
    with gurux_meter(f"--{framing}", *AUTHS[auth][1]) as port:
        client = Client(_url(framing, port), _settings(auth), record=str(record), timeout=10)
        _check(asyncio.run(_read_everything(client)))
    services = _decoded_services(record)
    assert services.count("GetRequestNormal") >= 7 and services.count("GetResponseNormal") >= 7
    assert "AARQ" in services and "AARE" in services and "RLRQ" in services


@needs_tshark
@pytest.mark.parametrize("framing", ["wrapper", "hdlc"])
def test_datablocks_and_segments(framing, tmp_path):
    """Max PDU 64 makes the meter answer in GET data blocks; over HDLC, max info 32 segments
    every frame both ways."""
    record = tmp_path / "small.pcapng"
    with gurux_meter(f"--{framing}") as port:
        client = Client(_url(framing, port), _settings("low", max_pdu_size=64),
                        max_info_length=32, record=str(record), timeout=10)
        _check(asyncio.run(_read_everything(client)))
    services = _decoded_services(record)
    assert "GetResponseWithDatablock" in services and "GetRequestNext" in services
    if framing == "hdlc":   # segments ("I") acknowledged by RR, the AARQ among them
        assert services.index("I") < services.index("AARQ") and services.count("RR") >= 4


def _dlms(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "translator", *args], capture_output=True,
                          text=True, timeout=timeout)


@needs_tshark
def test_cli_get_with_scaler_unit_and_csv_profile(tmp_path):
    with gurux_meter("--wrapper") as port:
        url = f"tcp://127.0.0.1:{port}"
        out = _dlms("read", url, "--record", str(tmp_path / "get.pcap"), "get", "1-0:1.8.0*255")
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "1-0:1.8.0*255 attribute 2: 1234567.8 Wh"
        out = _dlms("read", url, "--to", "csv", "--record", str(tmp_path / "profile.pcapng"),
                    "profile", "1.0.99.1.0.255", "--entries", "1..2")
        assert out.returncode == 0, out.stderr
        # the CSV of dlms capture/decode: named columns, the register's scaler -1 and unit Wh
        profile_csv = [
            "0-0:1.0.0*255 Clock,\"1-0:1.8.0*255 Active energy import +A, total (Wh)\"",
            "2025-01-01T00:00:00+00:00,1234467.8", "2025-01-01T00:15:00+00:00,1234492.8"]
        assert out.stdout.splitlines() == profile_csv
    # the association view (for the class), the value, the scaler-unit; then the profile's
    assert _decoded_services(tmp_path / "get.pcap") == [
        "AARQ", "AARE", *["GetRequestNormal", "GetResponseNormal"] * 3, "RLRQ", "RLRE"]
    # association view, capture objects, the register column's scaler-unit, the buffer
    assert _decoded_services(tmp_path / "profile.pcapng").count("GetRequestNormal") == 4
    # the recorded session exports the same CSV through dlms capture (session knowledge)
    out = _dlms("capture", str(tmp_path / "profile.pcapng"), "--to", "csv")
    assert out.returncode == 0, out.stderr
    assert [line for line in out.stdout.splitlines() if not line.startswith("#")] == profile_csv


@needs_tshark
def test_set_on_the_read_only_meter_is_one_line_and_exit_1(tmp_path):
    record = tmp_path / "set.pcapng"
    with gurux_meter("--wrapper") as port:
        out = _dlms("read", f"tcp://127.0.0.1:{port}", "--record", str(record), "set",
                    "1.0.1.8.0.255", "-a", "2", "--value", '{"double_long_unsigned": 5}')
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "dlms: error: SET 1.0.1.8.0.255 attribute 2: read_write_denied"]
    assert _decoded_services(record)[-4:] == ["SetRequestNormal", "SetResponseNormal", "RLRQ",
                                              "RLRE"]


# --- faults: one line naming the cause, non-zero exit, within the timeout --------------------

@needs_tshark
def test_wrong_password(tmp_path):
    record = tmp_path / "password.pcapng"
    with gurux_meter("--wrapper") as port:
        out = _dlms("read", f"tcp://127.0.0.1:{port}", "--auth", "low", "--password", "wrong",
                    "--record", str(record), "get", "0.0.1.0.0.255", "--class", "8")
    assert out.returncode == 1 and len(out.stderr.splitlines()) == 1, out.stderr
    assert "authentication_failure" in out.stderr and "password" in out.stderr
    assert "wrong" not in out.stderr
    assert _decoded_services(record) == ["AARQ", "AARE"]


@needs_tshark
def test_wrong_key(tmp_path):
    bad = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDE"   # one bit off the meter's authentication key
    record = tmp_path / "key.pcapng"
    with gurux_meter("--wrapper", "--security", "suite0") as port:
        out = subprocess.run(
            [sys.executable, "-m", "translator", "read", f"tcp://127.0.0.1:{port}", "--auth",
             "gmac", "--sc", "30", "--system-title", CLIENT_TITLE, "--timeout", "5",
             "--record", str(record), "get", "0.0.1.0.0.255", "--class", "8"],
            capture_output=True, text=True, timeout=60,
            env={"DLMS_BLOCK_CIPHER_KEY": "000102030405060708090A0B0C0D0E0F",
                 "DLMS_AUTHENTICATION_KEY": bad, "PATH": "/usr/bin:/bin"})
    assert out.returncode == 1 and len(out.stderr.splitlines()) == 1, out.stderr
    assert bad not in out.stderr and "000102030405060708090A0B0C0D0E0F" not in out.stderr
    assert "check the keys" in out.stderr
    # the recording, decoded with the right keys, shows why: our AARQ's tag does not verify
    out = _dlms("capture", str(record), "--to", "jsonl", "--keys", str(KEYS))
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["service"] for r in records] == ["AARQ", "AARE"]
    assert "authentication tag mismatch" in records[0]["error"] and records[1]["error"] is None


@needs_tshark
def test_wrong_server_address_over_hdlc(tmp_path):
    record = tmp_path / "address.pcapng"
    with gurux_meter("--hdlc", "--server-address", "145") as port:
        out = _dlms("read", f"hdlc+tcp://127.0.0.1:{port}", "--logical", "2", "--physical", "5",
                    "--timeout", "1", "--retries", "1", "--record", str(record),
                    "get", "0.0.1.0.0.255", "--class", "8")
    assert out.returncode == 1 and len(out.stderr.splitlines()) == 1, out.stderr
    assert "no UA from server" in out.stderr and "check the server address" in out.stderr
    assert _decoded_services(record) == ["SNRM", "SNRM"]        # sent, then once retried


def test_silent_server():
    import socket
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        out = _dlms("read", f"tcp://127.0.0.1:{port}", "--timeout", "1", "get", "0.0.1.0.0.255",
                    "--class", "8")
    assert out.returncode == 1 and len(out.stderr.splitlines()) == 1, out.stderr
    assert "no AARE" in out.stderr and "within 1 s" in out.stderr


def test_server_closing_mid_frame():
    """A server that sends the first half of a real AARE (wrapper session) and closes."""
    import socket
    import threading
    aare = bytes.fromhex("000100010010002b6129a109060760857405080101a203020100a305a103020100be"
                         "10040e0800065f1f0400401e5dffff0007")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def serve():
            conn, _ = listener.accept()
            conn.recv(4096)
            conn.sendall(aare[:20])
            conn.close()
        threading.Thread(target=serve, daemon=True).start()
        out = _dlms("read", f"tcp://127.0.0.1:{port}", "--timeout", "5", "get", "0.0.1.0.0.255",
                    "--class", "8")
    assert out.returncode == 1 and len(out.stderr.splitlines()) == 1, out.stderr
    assert "closed the connection" in out.stderr


SCRIPT = """<?xml version="1.0" encoding="utf-8"?>
<Messages>
  <GetRequest>
    <GetRequestNormal>
      <InvokeIdAndPriority Value="193" />
      <AttributeDescriptor>
        <ClassId Value="8" />
        <InstanceId Value="0000010000FF" />
        <AttributeId Value="2" />
      </AttributeDescriptor>
    </GetRequestNormal>
  </GetRequest>
  <GetRequest>
    <GetRequestNormal>
      <InvokeIdAndPriority Value="194" />
      <AttributeDescriptor>
        <ClassId Value="7" />
        <InstanceId Value="0100630100FF" />
        <AttributeId Value="2" />
      </AttributeDescriptor>
      <AccessSelection>
        <AccessSelector Value="2" />
        <AccessParameters>
          <Structure Qty="4" >
            <UInt32 Value="1" />
            <UInt32 Value="3" />
            <UInt16 Value="1" />
            <UInt16 Value="0" />
          </Structure>
        </AccessParameters>
      </AccessSelection>
    </GetRequestNormal>
  </GetRequest>
</Messages>
"""


@needs_tshark
def test_run_script_prints_replies_that_encode_back(tmp_path):
    """``dlms run``: the script's requests go out as written, and each reply printed as XML
    encodes back (``dlms encode``) to the octets the meter sent, read from the recording."""
    from translator.capture.tshark import tcp_exchange
    from translator.schema._core import parse
    from translator.schema.wrapper import WrapperFrame

    script = tmp_path / "script.xml"
    script.write_text(SCRIPT)
    record = tmp_path / "run.pcapng"
    with gurux_meter("--wrapper") as port:
        out = _dlms("run", f"tcp://127.0.0.1:{port}", str(script), "--record", str(record))
    assert out.returncode == 0, out.stderr
    exchange = [parse(WrapperFrame, payload, "wrapper")["apdu"]
                for _, payload in tcp_exchange(str(record))]
    sent, received = exchange[2:6:2], exchange[3:6:2]       # after the AARQ and AARE
    assert _decoded_services(record) == ["AARQ", "AARE", *["GetRequestNormal",
                                                           "GetResponseNormal"] * 2,
                                         "RLRQ", "RLRE"]
    assert [s.hex().upper() for s in sent] == _dlms("encode", str(script)).stdout.split()
    replies = []
    for doc in _documents(out.stdout):
        enc = subprocess.run([sys.executable, "-m", "translator", "encode", "-"],
                             input=doc, capture_output=True, text=True, timeout=60)
        assert enc.returncode == 0, enc.stderr
        replies.append(enc.stdout.strip())
    assert replies == [r.hex().upper() for r in received]


def _documents(text: str) -> list[str]:
    """The XML documents printed one after another (each closes at column 0)."""
    docs, current = [], []
    for line in text.splitlines():
        current.append(line)
        if line.startswith("</") or (line.startswith("<") and line.rstrip().endswith("/>")):
            docs.append("\n".join(current))
            current = []
    return docs


@needs_tshark
@pytest.mark.skipif(shutil.which("socat") is None, reason="socat is not installed")
def test_serial_path_over_a_socat_pty(tmp_path):
    """HDLC on a serial line: socat bridges a pty to the meter's HDLC port (the meter has no
    IEC 62056-21 side, so no mode E here: that is proven against ``dlms simulate --serial``)."""
    import time
    pty = tmp_path / "meter-pty"
    record = tmp_path / "serial.pcapng"
    with gurux_meter("--hdlc") as port:
        bridge = subprocess.Popen(["socat", f"pty,link={pty},raw,echo=0",
                                   f"tcp:127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while not pty.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            client = Client(f"serial://{pty}?baud=9600", _settings("low"), record=str(record),
                            timeout=10)
            _check(asyncio.run(_read_everything(client)))
        finally:
            bridge.terminate()
            bridge.wait(5)
    services = _decoded_services(record)
    assert services[:4] == ["SNRM", "UA", "AARQ", "AARE"] and services.count("GetResponseNormal") >= 7


@needs_tshark
def test_sync_facade_for_scripts(tmp_path):
    from translator.client import AssociationSettings, SyncClient

    record = tmp_path / "sync.pcapng"
    with gurux_meter("--hdlc") as port:
        settings = AssociationSettings(authentication="low", password=b"12345678")
        with SyncClient(f"hdlc+tcp://127.0.0.1:{port}", settings, record=str(record)) as meter:
            assert meter.get("1.0.1.8.0.255", 2).value == 12345678
            assert meter.get("0.0.42.0.0.255").value == b"GRXPEER000000001"
            assert meter.association.state == "associated"
    services = _decoded_services(record)
    assert services[:4] == ["SNRM", "UA", "AARQ", "AARE"] and services[-2:] == ["DISC", "UA"]


@needs_tshark
@pytest.mark.parametrize("framing", ["wrapper", "hdlc"])
def test_gurux_aare_with_its_challenge_length_2_short(framing, tmp_path):
    """gurux-dlms writes the AARE's responding-authentication-value as AA 10 80 10 + 16 octets
    (the peers' README): our client reads the challenge by its inner length, answers HLS pass
    3, reads on; the recorded AARE decodes with a warning naming the quirk on that component,
    the 16-octet challenge shown, and encodes back to the meter's octets."""
    from translator import decode, encode

    record = tmp_path / "as_shipped.pcapng"
    with gurux_meter(f"--{framing}", *AUTHS["gmac"][1], as_shipped=True) as port:
        client = Client(_url(framing, port), _settings("gmac"), record=str(record), timeout=10)
        _check(asyncio.run(_read_everything(client)))
    records = [r for r in read_capture(record, keys=Keyring.load(KEYS))
               if r.message is not None and r.message.service == "aare"]
    assert len(records) == 1
    msg = decode(records[0].message.raw, strict=False)
    assert bytes.fromhex("AA108010") in msg.raw  # the length as gurux-dlms wrote it
    assert [w.text for w in msg.warnings] == [
        "Gurux AARE, its responding-authentication-value length 2 short: length says 16, "
        "the content takes 18"]
    value = component(msg.apdu, "responding_authentication_value")
    assert str(value["tag"]) == "charstring" and len(value["value"]) == 16
    apdu = next(n for n in msg.tree.children if n.name == "apdu")
    warned = [item for item in apdu.iter() if item.notes]
    assert [str(n.value) for n in warned[-1].children if n.name == "tag"] == [
        "responding_authentication_value"]
    assert encode(msg) == records[0].message.raw


@needs_tshark
def test_profile_in_datablocks_exports_from_the_recorded_session(tmp_path):
    """A small client PDU makes the gurux meter send the buffer in GET datablocks; the recorded
    session's capture joins them and exports the README's rows (raw 12344678 + 250 per row,
    scaler -1, Wh) named by the capture objects."""
    record = tmp_path / "blocks.pcapng"
    with gurux_meter("--wrapper") as port:
        out = _dlms("read", f"tcp://127.0.0.1:{port}", "--max-pdu", "64", "--to", "csv",
                    "--record", str(record), "profile", "1.0.99.1.0.255", "--entries", "1..3")
        assert out.returncode == 0, out.stderr
    assert "GetResponseWithDatablock" in _decoded_services(record)
    out = _dlms("capture", str(record), "--to", "csv")
    assert out.returncode == 0, out.stderr
    assert [line for line in out.stdout.splitlines() if not line.startswith("#")] == [
        "0-0:1.0.0*255 Clock,\"1-0:1.8.0*255 Active energy import +A, total (Wh)\"",
        "2025-01-01T00:00:00+00:00,1234467.8", "2025-01-01T00:15:00+00:00,1234492.8",
        "2025-01-01T00:30:00+00:00,1234517.8"]
