"""The public API on every real vector: decode, decode_all, encode (DESIGN section 4).

Facts come from each vector's `expected`/`checks` (the vectors' sources), never from this code.
"""

from __future__ import annotations

import pytest

from tests._vectors import VECTORS, by_layer, data, frames, vector
from translator import ChecksumError, DecodeError, Message, decode, decode_all, encode
from translator.schema.acse import component
from translator.schema.hdlc import parameters_dict

FRAMED = [v["id"] for v in by_layer("hdlc", "wrapper", "mbus", "apdu")]
MALFORMED = {
    # vector id -> (layer, offset) where the vector's description says decoding must stop
    "xdlms-get-response-with-list-truncated-issue51": ("xdlms", 6),
}
# Lengths that disagree with their content: decoded as the content really is, with a warning.
DISAGREEING = {"hdlc-director-aarq-bad-user-info"}
# The stuffed frame's information field is the test payload 7E 7D 03, not an APDU.
NOT_AN_APDU = {"hdlc-stuffed-amshan"}


def _messages(vid: str) -> list[Message]:
    return decode_all(data(vid))


@pytest.mark.parametrize("vid", FRAMED)
def test_every_framed_vector_decodes_and_round_trips(vid):
    raw = data(vid)
    msgs = decode_all(raw)
    assert msgs, vid
    assert b"".join(map(encode, msgs)) == raw
    if (vid in MALFORMED or vid in DISAGREEING or vid in NOT_AN_APDU
            or vid.startswith("push-lg-e450-unencrypted-")):
        return
    for msg in msgs:
        assert not msg.errors, (vid, msg.errors)
        assert msg.apdu is not None or msg.parameters is not None or msg.frames, vid


@pytest.mark.parametrize("vid", [v["id"] for v in VECTORS.values() if v.get("frames")
                                 and v["layer"] in ("hdlc", "apdu")])
def test_each_frame_of_multi_frame_vectors_round_trips(vid):
    for frame in frames(vid):
        msgs = decode_all(frame)
        assert b"".join(map(encode, msgs)) == frame


# Vectors whose hex is the 12-octet content of a date-time, not a tagged A-XDR value.
DATE_TIME_CONTENT = {"axdr-datetime-07e40101", "axdr-datetime-07e2020c", "axdr-datetime-dst-amsreader"}


@pytest.mark.parametrize("vid", [v["id"] for v in by_layer("axdr") if v["id"] not in DATE_TIME_CONTENT])
def test_bare_axdr_vectors_through_layer_data(vid):
    raw = data(vid)
    msgs = decode_all(raw, layer="data")
    assert all(m.framing == "data" and not m.errors for m in msgs)
    assert b"".join(map(encode, msgs)) == raw


def test_two_axdr_values_back_to_back():
    # "A date (tag 1A) and a time (tag 1B) with all-ones (not specified) content"
    date, time = decode_all(data("axdr-date-time-wildcards"), layer="data")
    assert (str(date.apdu.tag), str(time.apdu.tag)) == ("date", "time")
    with pytest.raises(DecodeError):
        decode(data("axdr-date-time-wildcards"), layer="data")


@pytest.mark.parametrize("vid", sorted(MALFORMED))
def test_malformed_vectors_raise_with_layer_and_offset(vid):
    layer, offset = MALFORMED[vid]
    with pytest.raises(DecodeError) as e:
        decode(data(vid))
    assert e.value.layer == layer
    if offset is not None:
        assert e.value.offset == offset
    # Not strict: the message comes back, marked, and still encodes to its input.
    msg = decode(data(vid), strict=False)
    assert msg.errors and msg.errors[0].layer == layer
    assert encode(msg) == data(vid)


def test_bad_user_information_is_a_warning_on_the_user_information():
    """"user-information declared as BE 10 / 04 0E (16 / 14 octets) while the InitiateRequest
    it holds ... is 44 octets": the mismatch is reported at the user-information field, and the
    InitiateRequest is decoded as it is (dlms-version 6, max pdu 0xFFFF, per the vector)."""
    raw = data("hdlc-director-aarq-bad-user-info")
    user_info = raw.index(bytes.fromhex("be10040e"))
    msg = decode(raw)
    assert msg.frames[0].ok  # "HDLC length and FCS are consistent"
    assert not msg.errors
    assert [(w.severity, w.offset) for w in msg.warnings] == [("warning", user_info + 1),
                                                              ("warning", user_info + 3)]
    assert "length says 16, the content takes 46" in msg.warnings[0].text
    assert "length says 14, the content takes 44" in msg.warnings[1].text
    body = component(msg.apdu, "user_information")["value"]["body"]
    assert (body.proposed_dlms_version_number, body.client_max_receive_pdu_size) == (6, 0xFFFF)
    node = msg.tree.find("apdu").find("[4]")  # the fifth component: user-information
    assert [n.text for n in node.notes] == [msg.warnings[0].text]
    assert encode(msg) == raw


def _complete(msgs: list[Message]) -> list[Message]:
    """Messages that completed a reassembly (they list the earlier parts)."""
    return [m for m in msgs if m.parts and m.apdu is not None and not m.errors]


def test_duplicated_gbt_block_is_flagged_and_emits_no_data():
    v = vector("push-lg-e450-unencrypted-invalid-data")
    msgs = _messages(v["id"])
    flagged = [m for m in msgs if any(e.layer == "gbt" for e in m.errors)]
    assert len(_complete(msgs)) == v["checks"]["gbt_complete_messages"] == 0
    assert len(flagged) == v["checks"]["gbt_incomplete_or_invalid_sequences"] == 3
    assert "duplicated block 2" in str(flagged[0].errors[-1])
    assert all(m.service == "general_block_transfer" for m in msgs)  # no data emitted
    assert b"".join(map(encode, msgs)) == data(v["id"])


@pytest.mark.parametrize("vid", ["push-lg-e450-unencrypted-valid-data1",
                                 "push-lg-e450-unencrypted-valid-data",
                                 "push-lg-e570-encrypted-valid-data",
                                 "push-lg-e570-unencrypted-valid-data-cfg2026"])
def test_gbt_pushes_reassemble_as_the_checks_say(vid):
    checks = vector(vid)["checks"]
    msgs = _messages(vid)
    complete = _complete(msgs)
    incomplete = [m for m in msgs if m.errors]
    assert len(complete) == checks["gbt_complete_messages"]
    assert len(incomplete) == checks["gbt_incomplete_or_invalid_sequences"]
    assert len(msgs) == checks["hdlc_frames"]  # one message per frame, none overlapping
    msg = complete[0]
    assert len(msg.apdu_bytes) == checks["gbt_reassembled_length"]
    assert msg.apdu_bytes.startswith(bytes.fromhex(checks["gbt_reassembled_apdu_head"]))
    # a reassembled message lists every frame it came from, in order
    starts = [f.start for f in msg.all_frames]
    assert starts == sorted(starts) and len(msg.blocks) == len(starts)
    assert all(p.part_of is msg for p in msg.parts)
    assert [int(b.body.block_number) for b in msg.blocks] == list(range(1, len(starts) + 1))


def test_e570_reassembled_apdu_is_the_general_glo_ciphering_of_the_checks():
    ggc = vector("push-lg-e570-encrypted-valid-data")["checks"]["ggc"]
    msg = decode(data("push-lg-e570-encrypted-valid-data"))  # the message that joined the blocks
    assert msg.service == "general_glo_ciphering"
    body = msg.apdu.body
    assert bytes(body.system_title).hex() == ggc["system_title"]
    assert body.ciphered_content.invocation_counter == ggc["invocation_counter"]


def test_gbt_blocks_with_other_octets_between_them_keep_the_stream_order():
    raw = data("push-lg-e450-unencrypted-valid-data1")
    first, rest = raw[:134], raw[134:]
    noisy = first + b"\x00\x01\x02" + rest
    msgs = decode_all(noisy, layer="hdlc")
    assert b"".join(map(encode, msgs)) == noisy
    assert len(_complete(msgs)) == 1 and msgs[1].framing == "garbage"


def test_hdlc_segments_are_joined_into_one_apdu():
    v = vector("push-iskra-am550-unencrypted-valid-data")
    msg = decode(data(v["id"]))
    assert len(msg.all_frames) == v["checks"]["hdlc_frames"] == 5
    assert [f.frame.format.segmentation for f in msg.all_frames] == [True] * 4 + [False]
    assert msg.llc is not None
    assert len(msg.apdu_bytes) == v["checks"]["segments_reassembled_length"]
    assert msg.service == "data_notification" and not msg.errors
    assert msg.apdu_offset is None  # joined: spans are into apdu_bytes
    assert len(decode_all(data(v["id"]))) == 5


def test_session_stream_of_22_frames():
    v = vector("hdlc-session-clock-jdlms")
    stream = b"".join(frames(v["id"]))
    msgs = decode_all(stream)
    assert len(msgs) == v["checks"]["hdlc_frames"] == 22
    assert all(not m.errors for m in msgs)
    services = [m.service for m in msgs]
    assert services[0::2].count("get_request_normal") + services[0::2].count("set_request_normal") == 11
    assert {m.invoke_id for m in msgs} == {0x81}
    assert b"".join(map(encode, msgs)) == stream


def test_frames_sharing_flags_and_garbage_between_frames_round_trip():
    a, b = frames("hdlc-session-clock-jdlms")[:2]
    shared = a + b[1:]                        # 7E f1 7E f2 7E: one flag between the two frames
    msgs = decode_all(shared)
    assert [m.service for m in msgs] == ["get_request_normal", "get_response_normal"]
    assert b"".join(map(encode, msgs)) == shared
    noisy = b"\x00\x11garbage" + a + b"\xff\xfe" + b
    msgs = decode_all(noisy, layer="hdlc")
    kinds = [m.framing for m in msgs]
    assert kinds == ["garbage", "hdlc", "garbage", "hdlc"]
    assert msgs[0].errors and msgs[0].errors[0].offset == 0
    assert msgs[2].offset == 9 + len(a)
    assert b"".join(map(encode, msgs)) == noisy


def test_bad_fcs_frame_is_kept_and_marked_not_raised():
    raw = bytearray(data("hdlc-gurux-readme-get-ldn"))
    raw[-2] ^= 0x01  # last FCS octet
    msg = decode(bytes(raw))
    assert msg.service == "get_request_normal"
    assert any(isinstance(e, ChecksumError) for e in msg.errors)
    assert not msg.fatal
    assert encode(msg) == bytes(raw)


def test_gurux_readme_frame():
    # vector expected: GET-Request-Normal invoke 0xC1, class 1, 0.0.42.0.0.255, attr 2
    msg = decode(data("hdlc-gurux-readme-get-ldn"))
    req = msg.apdu.body.get_request
    assert msg.service == "get_request_normal"
    assert req.invoke_id_and_priority == 0xC1
    assert req.cosem_attribute_descriptor.class_id == 1
    assert bytes(req.cosem_attribute_descriptor.instance_id) == bytes([0, 0, 42, 0, 0, 255])
    assert req.cosem_attribute_descriptor.attribute_id == 2
    assert msg.frames[0].frame.control.kind == "i"


def test_spans_point_at_the_fields_bytes():
    raw = data("hdlc-gurux-readme-get-ldn")
    msg = decode(raw)
    spans = msg.spans
    off, length = spans["apdu.body.get_request.cosem_attribute_descriptor.instance_id"]
    assert raw[off:off + length] == bytes([0, 0, 42, 0, 0, 255])
    off, length = spans["hdlc.fcs"]
    assert raw[off:off + length] == bytes.fromhex("1280")


def test_edited_apdu_is_rebuilt_with_new_crcs():
    raw = data("hdlc-gurux-readme-get-ldn")
    msg = decode(raw)
    msg.apdu.body.get_request.cosem_attribute_descriptor.attribute_id = 3
    edited = encode(msg)
    again = decode(edited)  # its own HCS/FCS must check
    assert not again.errors
    assert again.apdu.body.get_request.cosem_attribute_descriptor.attribute_id == 3
    assert edited[:-4] != raw[:-4]


def test_wrapper_messages_back_to_back_and_version_check():
    one = data("wrapper-tcp-aarq-sn-jdlms")
    two = data("wrapper-udp-ggc-ic-0001e502")
    msgs = decode_all(one + two)
    assert [m.service for m in msgs] == ["aarq", "general_glo_ciphering"]
    w = msgs[0].frames[0].frame
    assert (w.version, w.source_wport, w.destination_wport, w.length) == (1, 16, 17, 34)
    # "the same bytes with version 0x1001 ... or 0x0002 ... must be rejected"
    for version in (b"\x10\x01", b"\x00\x02"):
        with pytest.raises(DecodeError) as e:
            decode(version + one[2:], layer="wrapper")
        assert e.value.layer == "wrapper"


def test_mbus_segments_joined():
    v = vector("mbus-kaifa-tinetz-ciphered")
    msg = decode(data(v["id"]))
    assert [f.frame.control_information for f in msg.all_frames] == [0x00, 0x11]
    assert all(f.ok for f in msg.all_frames)   # checks: mbus_checksums_ok
    assert msg.service == "general_glo_ciphering"
    ggc = v["checks"]["ggc"]
    assert bytes(msg.apdu.body.system_title).hex() == ggc["system_title"]
    assert msg.apdu.body.ciphered_content.invocation_counter == ggc["invocation_counter"]


def test_snrm_and_ua_parameters():
    ua = decode(data("hdlc-ua-kmethy"))
    exp = vector("hdlc-ua-kmethy")["expected"]["parameters"]
    assert ua.frames[0].frame.control.kind == "ua"
    assert ua.parameters is not None
    snrm = decode(data("hdlc-snrm-kmethy"))
    assert snrm.frames[0].frame.control.kind == "snrm" and snrm.parameters is None
    values = parameters_dict(ua.parameters)
    assert values.get("max_info_field_length_transmit") == exp["max_info_field_length_transmit"]
    assert values.get("window_size_receive") == exp["window_size_receive"]


def test_one_message_expected_by_decode():
    stream = b"".join(frames("hdlc-session-clock-jdlms")[:2])
    with pytest.raises(DecodeError) as e:
        decode(stream)
    assert "decode_all" in str(e.value)


def test_bare_apdu_with_llc_header():
    msg = decode(data("push-kaifa-no-list-1"))
    assert msg.llc is not None and msg.llc.direction == "response"
    assert msg.service == "data_notification"
    assert msg.apdu_offset == 3


@pytest.mark.parametrize("vid", [v["id"] for v in VECTORS.values()
                                 if (v.get("checks") or {}).get("hdlc_frames")])
def test_hdlc_frame_count_and_crc_results_of_the_checks(vid):
    checks = vector(vid)["checks"]
    stream = b"".join(frames(vid)) if vid == "hdlc-session-clock-jdlms" else data(vid)
    hdlc_frames = [f for m in decode_all(stream) for f in m.frames]
    assert len(hdlc_frames) == checks["hdlc_frames"]
    assert all(f.ok for f in hdlc_frames) is checks["hdlc_crc_ok"]


def test_ua_whose_group_length_leaves_parameters_outside_is_read_and_noted():
    # The UA of the bundled Gurux HDLC session: group length 0x00, then all four parameters
    # (81 80 00 05 01 80 06 01 80 07 04 00000001 08 04 00020001).
    raw = bytes.fromhex("7ea01f03022373c37181800005018006018007040000000108040002000161dc7e")
    msg = decode(raw)
    assert not msg.errors and msg.notes
    values = parameters_dict(msg.parameters)
    assert values["max_info_field_length_transmit"] == 0x80
    assert values["window_size_transmit"] == 1
    assert encode(msg) == raw


# UDP payloads of captures/andrebdo_udp4059_hdlc_and_4_32_llc.pcap (packets 42, 45, 46): the
# IEC 61334-4-32 LLC header 90 01 01, then the APDU.
LLC_432_PAYLOADS = {
    "exception_response": "900101d80101",
    "aare": "9001016129a109060760857405080101a203020100a305a103020100be10040e0800065f1f040000181f00800007",
    "event_notification_request": "900101c20000070000636207ff0201010202090c07e2030c01113027000000001101",
}


@pytest.mark.parametrize("service", sorted(LLC_432_PAYLOADS))
def test_iec_61334_4_32_llc_before_the_apdu(service):
    raw = bytes.fromhex(LLC_432_PAYLOADS[service])
    msg = decode(raw, layer="apdu")
    assert str(msg.llc.profile) == "iec61334_4_32"
    assert (msg.llc.destination_lsap, msg.llc.source_lsap) == (1, 1)
    assert str(msg.apdu.tag) == service and msg.apdu_offset == 3
    assert encode(msg) == raw
