"""Partial trees (DESIGN section 8): a failure inside an APDU keeps every layer and field decoded
before it; the failing field carries the error and holds the octets from there on, with its span;
``encode`` still gives back the input. Every malformed vector and every error record of the
captures is covered, each with the deepest field decoded before the failure.

Expected facts come from the vectors' descriptions and the capture notes.
"""

from __future__ import annotations

import json

import pytest

from tests._vectors import data
from tests.test_capture import capture_path, needs_tshark
from translator import decode, decode_all, encode, from_xml, to_xml
from translator.capture import read_capture
from translator.tree import Node
from translator.views.jsonview import message_to_json
from translator.views.text import message_tree


def _apdu_layer(msg) -> Node:
    return next(n for n in msg.tree.children if n.name == "apdu")


def _failed(node: Node) -> Node:
    """The one node carrying the error."""
    (bad,) = [n for n in node.iter() if n.error is not None]
    return bad


def _deepest_before(node: Node, offset: int) -> Node:
    """The last leaf (in order) that ends at or before ``offset``: the deepest decoded field."""
    leaves = [n for n in node.iter() if not n.children and n.offset is not None and n.length
              and n.error is None and n.offset + n.length <= offset]
    return leaves[-1]


def test_truncated_get_response_with_list_keeps_its_first_result():
    """issue 51: "count 2; result 1 = choice 00 (data) null-data 00; the next octet (offset 6)
    is 0x02, not a valid Get-Data-Result choice"."""
    raw = data("xdlms-get-response-with-list-truncated-issue51")
    msg = decode(raw, strict=False)
    assert msg.errors[0].offset == 6 and msg.apdu is None
    apdu = _apdu_layer(msg)
    bad = _failed(apdu)
    assert (bad.offset, bad.length, bad.value) == (6, len(raw) - 6, raw[6:])
    assert bad.error is msg.errors[0]
    deepest = _deepest_before(apdu, 6)
    assert (deepest.name, str(deepest.value), deepest.offset) == ("tag", "null_data", 5)
    assert str(apdu.find("body").find("tag").value) == "get_response_with_list"
    assert encode(msg) == raw


def test_the_error_is_shown_on_its_node_in_every_view():
    raw = data("xdlms-get-response-with-list-truncated-issue51")
    msg = decode(raw, strict=False)
    error = str(msg.errors[0])
    result = message_to_json(msg)["layers"]["apdu"]["body"]["get_response"]["result"]
    assert result[0] == {"tag": "data", "value": {"tag": "null_data", "value": None}}
    assert result[1]["tag"] == {"value": raw[6:].hex().upper(), "error": error}

    from io import StringIO

    from rich.console import Console

    out = StringIO()
    Console(file=out, width=400).print(message_tree(msg))
    line = next(t for t in out.getvalue().splitlines() if "02 05 12" in t)
    assert "@6+14" in line and f"error: {error}" in line
    xml = to_xml(msg)
    assert f"<!--error: {error}-->" in xml


def test_a_frame_that_holds_no_apdu_keeps_its_frame_and_the_tag():
    """hdlc-stuffed-amshan: the information field is the test payload 7E 7D 03, not an APDU."""
    raw = data("hdlc-stuffed-amshan")
    (msg,) = decode_all(raw)
    assert msg.frames[0].ok  # the frame, its addresses and checks: all decoded
    apdu = _apdu_layer(msg)
    assert apdu.find("tag").value == 0x7E
    assert _failed(apdu).name == "body" and _failed(apdu).value == b"\x7d\x03"
    assert encode(msg) == raw


def _record(name: str, number: int):
    return next(r for r in read_capture(capture_path(name)) if r.number == number and r.error)


@needs_tshark
def test_aarq_with_a_bad_oid_is_decoded_up_to_the_oid():
    """brno bad-OID note: "the application-context-name OBJECT IDENTIFIER starts with length
    0x09 instead of 0x07 (06 09 60 85 74 ...)... (the FCS was recomputed)"."""
    record = _record("brno_hdlc_tcp4060_aarq_bad_oid.pcapng", 8)
    msg = record.message
    assert msg.frames[0].ok and msg.llc is not None
    apdu = _apdu_layer(msg)
    assert str(apdu.find("tag").value) == "aarq"
    assert str(apdu.find("[0]").find("tag").value) == "application_context_name"
    bad = _failed(apdu)
    assert bad.name == "oid" and bad.value[:5] == bytes.fromhex("0960857405")
    deepest = _deepest_before(apdu, bad.offset)
    assert (deepest.name, deepest.value, deepest.offset) == ("tag", 6, bad.offset - 1)
    assert "acse" in record.error and bad.error.layer == "acse"
    assert "AARQ (partial)" in record.summary()
    row = record.to_json()
    assert row["apdu"]["tag"] == "aarq"
    oid = row["apdu"]["body"]["components"][0]["value"]["oid"]
    assert oid["error"] == str(bad.error) and oid["value"].startswith("0960857405")
    assert encode(msg) == msg.raw


@needs_tshark
def test_aarq_with_a_bad_fcs_keeps_its_frame_and_components():
    """brno bad-FCS note: "an AARQ whose application-context-name length byte was changed (0xA1
    0x0B instead of 0xA1 0x09) without recomputing the FCS": the FCS error stays, the frame is
    decoded, and the AARQ up to that component."""
    record = _record("brno_hdlc_tcp4060_aarq_bad_fcs.pcapng", 8)
    msg = record.message
    assert "FCS" in str(msg.errors[0]) and msg.frames[0].frame.fcs_ok is False
    apdu = _apdu_layer(msg)
    bad = _failed(apdu)
    assert bad.value[:1] == b"\x0b"  # the changed length and what follows it
    deepest = _deepest_before(apdu, bad.offset)
    assert (deepest.name, str(deepest.value)) == ("tag", "application_context_name")
    assert encode(msg) == msg.raw


@needs_tshark
def test_other_capture_errors_keep_every_layer():
    # andrebdo note: an AARQ with a wrong FCS: the frame and its AARQ decoded all the same
    record = _record("andrebdo_udp4059_hdlc_and_4_32_llc.pcap", 3)
    assert "FCS" in record.error and str(record.message.apdu["tag"]) == "aarq"
    # brno bad-APDU-tag note: "request with APDU tag 0xC5 in place of 0xC0": the octets make a
    # complete APDU of tag 0xC5 and extra octets, both kept
    record = _record("brno_hdlc_tcp4060_bad_apdu_tag.pcapng", 11)
    msg = record.message
    assert int(msg.apdu["tag"]) == 0xC5 and msg.extra and encode(msg) == msg.raw
    # brno garbled-frame note: packet 278's frame has a wrong FCS: its octets kept, marked
    record = _record("brno_hdlc_tcp4060_garbled_frame.pcapng", 278)
    assert record.message.framing == "garbage" and record.message.raw
    assert json.dumps(record.to_json())  # and shown


@pytest.mark.parametrize("vid", ["push-lg-e450-unencrypted-invalid-data"])
def test_gbt_errors_keep_each_block(vid):
    """"the sequence cannot be reassembled into a valid DataNotification; a decoder should
    flag the block-number error": every block stays decoded, the error on the sequence."""
    raw = data(vid)
    msgs = decode_all(raw)
    assert any(m.errors for m in msgs)
    assert all(m.blocks or str(m.apdu["tag"]) == "general_block_transfer" for m in msgs)
    assert b"".join(map(encode, msgs)) == raw


# Packet 11 of brno_hdlc_tcp4060_bad_apdu_tag.pcapng (its note: "request with APDU tag 0xC5 in
# place of 0xC0"): a complete Set-Response (C5 01 C1 00) and the GET's remaining 9 octets.
BAD_TAG_FRAME = bytes.fromhex("7ea0190321326fd8e6e600c501c1000f0000280000ff020088407e")


@pytest.mark.parametrize("layer", [None, "apdu"])
def test_xml_keeps_the_octets_after_a_complete_apdu(layer):
    """The XML view shows the APDU, then the extra octets in <dt:Extra> with the error beside
    them, and encodes back to the input (in a frame, and as a bare APDU)."""
    raw = BAD_TAG_FRAME if layer is None else BAD_TAG_FRAME[11:-3]
    msg = decode(raw, layer=layer, strict=False)
    assert msg.extra == bytes.fromhex("0f0000280000ff0200") and msg.errors
    xml = to_xml(msg)
    assert '<dt:Extra Value="0F0000280000FF0200" />' in xml and "<SetResponseNormal>" in xml
    assert "got 9 extra octet(s)" in xml
    assert from_xml(xml) == raw
