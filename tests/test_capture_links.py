"""Every link type tshark reads, exported PDUs, and files that are no capture (issues 11 and 15).

The octets are real: the bundled Gurux wrapper session (its TCP payloads exported by tshark) and
vector frames, written into captures by ``translator.capture.pcapfile``. What each capture must
give is the unsplit Ethernet capture's messages, or what the vectors' descriptions say.
"""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests._vectors import data
from tests.test_capture import capture_path, needs_tshark
from tests.test_capture_streams import facts, read, session
from translator.capture.pcapfile import (
    LINKTYPE_ETHERNET,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_NULL,
    LINKTYPE_RAW,
    LINKTYPE_WIRESHARK_UPPER_PDU,
    PcapngWriter,
    PcapWriter,
    TcpConversation,
)

V4 = (("10.0.0.2", 40000), ("10.0.0.1", 4059))
V6 = (("2001:db8::2", 40000), ("2001:db8::1", 4059))


def write(path: Path, exchange, linktype: int = LINKTYPE_ETHERNET, ends=V4,
          vlan: int | None = None, writer=PcapWriter) -> Path:
    """One TCP connection carrying the exchange (side, octets), a segment per payload."""
    with open(path, "wb") as f:
        w = writer(f, linktype, vlan=vlan)
        conn = TcpConversation(w, *ends)
        conn.open(1000.0)
        for i, (side, payload) in enumerate(exchange):
            conn.send(side, payload, 1000.0 + (i + 1) * 0.01)
        conn.close(1001.0 + len(exchange) * 0.01)
    return path


LINKS = {
    "ethernet": (LINKTYPE_ETHERNET, V4, None),
    "vlan": (LINKTYPE_ETHERNET, V4, 7),
    "null": (LINKTYPE_NULL, V4, None),
    "sll": (LINKTYPE_LINUX_SLL, V4, None),
    "sll2": (LINKTYPE_LINUX_SLL2, V4, None),
    "raw-ip": (LINKTYPE_RAW, V4, None),
    "ipv6-ethernet": (LINKTYPE_ETHERNET, V6, None),
    "ipv6-vlan": (LINKTYPE_ETHERNET, V6, 7),
    "ipv6-null": (LINKTYPE_NULL, V6, None),
    "ipv6-sll2": (LINKTYPE_LINUX_SLL2, V6, None),
    "ipv6-raw": (LINKTYPE_RAW, V6, None),
}


@needs_tshark
@pytest.mark.parametrize("name", sorted(LINKS))
def test_every_link_type_gives_the_sessions_messages(tmp_path, name):
    linktype, ends, vlan = LINKS[name]
    exchange = session("gurux_session_wrapper_tcp4059.pcapng")
    reference, _ = read(capture_path("gurux_session_wrapper_tcp4059.pcapng"))
    records, stats = read(write(tmp_path / f"{name}.pcap", exchange, linktype, ends, vlan))
    assert facts(records) == facts(reference)
    # the note: AARQ/AARE first, RLRQ/RLRE last
    assert [r.service for r in records[:2]] == ["AARQ", "AARE"]
    assert [r.service for r in records[-2:]] == ["RLRQ", "RLRE"]
    assert not stats.skipped and stats.dlms_streams == 1
    address = ends[0][0]
    assert address in records[0].src  # the addresses of the family written


@needs_tshark
def test_pcapng_with_a_vlan_tag(tmp_path):
    exchange = session("gurux_session_wrapper_tcp4059.pcapng")
    reference, _ = read(capture_path("gurux_session_wrapper_tcp4059.pcapng"))
    records, _ = read(write(tmp_path / "vlan.pcapng", exchange, vlan=100, writer=PcapngWriter))
    assert facts(records) == facts(reference)


# --- exported PDUs (link type 252) --------------------------------------------------------------

# vector -> the service its description names
EXPORTED = [
    ("hdlc-gurux-readme-get-ldn", "GetRequestNormal"),      # an HDLC I-frame
    ("wrapper-tcp-aarq-sn-jdlms", "AARQ"),                  # a TCP wrapper frame
    ("xdlms-c401c100-9", "GetResponseNormal"),              # bare APDUs
    ("xdlms-set-request-clock", "SetRequestNormal"),
    ("xdlms-c501c100-4", "SetResponseNormal"),
    ("push-kaifa-no-list-1", "DataNotification"),           # LLC + APDU
]


def _exported(path: Path, ends: bool) -> Path:
    with open(path, "wb") as f:
        w = PcapWriter(f, LINKTYPE_WIRESHARK_UPPER_PDU)
        for i, (vid, _) in enumerate(EXPORTED):
            endpoints = {"src": V4[0], "dst": V4[1]} if ends else {}
            w.exported_pdu(data(vid), 1000.0 + i, "dlms" if i % 2 else "cosem", **endpoints)
    return path


@needs_tshark
@pytest.mark.parametrize("ends", [True, False], ids=["with-endpoints", "without"])
def test_exported_pdu_capture_decodes_every_packet(tmp_path, ends):
    records, stats = read(_exported(tmp_path / "exported.pcap", ends))
    assert [r.packets for r in records] == [[i + 1] for i in range(len(EXPORTED))]
    assert [r.service for r in records] == [service for _, service in EXPORTED]
    assert [r.message.raw for r in records] == [data(vid) for vid, _ in EXPORTED]
    assert all(r.error is None for r in records)
    assert stats.dlms_streams == 1
    if ends:
        assert records[0].src == "10.0.0.2:40000" and records[0].dst == "10.0.0.1:4059"


@needs_tshark
def test_exported_pdu_tags_are_read_by_tshark(tmp_path):
    # tshark itself names the tags written (an independent reader of the format)
    path = _exported(tmp_path / "exported.pcap", True)
    out = subprocess.run(["tshark", "-r", str(path), "-T", "fields", "-e", "exported_pdu.prot_name",
                          "-e", "exported_pdu.ipv4_dst", "-e", "exported_pdu.dst_port"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[:2] == ["cosem\t10.0.0.1\t4059", "dlms\t10.0.0.1\t4059"]


# --- files that are not what they should be -----------------------------------------------------

_BIN = Path(sys.executable).parent / "dlms"


def dlms_capture(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(_BIN), "capture", str(path)], capture_output=True, text=True,
                          timeout=60)


def _one_line_error(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("dlms: error: ") and r.stderr.count("\n") == 1, r.stderr
    return r.stderr


def _pcap_header(linktype: int) -> bytes:
    # the libpcap file header: magic, version 2.4, zone, sigfigs, snap length, link type
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)


NOT_CAPTURES = {
    "empty.pcap": (b"", "is empty"),
    "notes.txt": (b"meter readings, see the spreadsheet\n", "no pcap/pcapng capture"),
    "zeros.bin": (b"\0" * 5000, "no pcap/pcapng capture"),
    "header.pcap": (_pcap_header(LINKTYPE_ETHERNET), "capture file without packets"),
}


@needs_tshark
@pytest.mark.parametrize("name", sorted(NOT_CAPTURES))
def test_a_file_that_is_no_capture_says_what_it_is_not(tmp_path, name):
    content, said = NOT_CAPTURES[name]
    path = tmp_path / name
    path.write_bytes(content)
    assert said in _one_line_error(dlms_capture(path))


@needs_tshark
def test_pcapng_header_alone_says_so(tmp_path):
    path = tmp_path / "header.pcapng"
    with open(path, "wb") as f:
        PcapngWriter(f)
    assert "without packets" in _one_line_error(dlms_capture(path))


@needs_tshark
def test_unknown_link_type_is_one_line_exit_1(tmp_path):
    path = tmp_path / "unknown.pcap"
    with open(path, "wb") as f:
        PcapWriter(f, 4000).packet(data("hdlc-gurux-readme-get-ldn"), 1.0)
    assert "4000" in _one_line_error(dlms_capture(path))


@needs_tshark
def test_link_type_not_understood_is_said_not_0_messages(tmp_path):
    path = tmp_path / "wlan.pcap"
    with open(path, "wb") as f:
        PcapWriter(f, 105).packet(data("hdlc-gurux-readme-get-ldn"), 1.0)  # 802.11
    assert "link type not understood (wlan)" in _one_line_error(dlms_capture(path))


@needs_tshark
def test_capture_damaged_before_any_message_is_counted_and_worded_right(tmp_path):
    exchange = session("gurux_session_wrapper_tcp4059.pcapng")
    whole = write(tmp_path / "whole.pcap", exchange).read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(whole[:24 + 16 + 30])  # the file header, then half of the first packet
    text = _one_line_error(dlms_capture(cut))
    assert "cut short" in text and "of 0 message" not in text


@needs_tshark
def test_a_bad_fcs_in_a_capture_is_an_error():
    # the note: the AARQ's FCS is wrong (its context name length was edited)
    r = dlms_capture(capture_path("brno_hdlc_tcp4060_aarq_bad_fcs.pcapng"))
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "FCS" in r.stderr


@needs_tshark
def test_exported_pdus_for_another_dissector_are_skipped(tmp_path):
    path = tmp_path / "other.pcap"
    with open(path, "wb") as f:
        PcapWriter(f, LINKTYPE_WIRESHARK_UPPER_PDU).exported_pdu(
            data("xdlms-c401c100-9"), 1.0, "nosuchproto")
    records, stats = read(path)
    assert records == [] and stats.skipped["exported_pdu"] == 1
