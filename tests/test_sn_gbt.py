"""general-block-transfer blocks and their reassembly (real L+G push captures), and the Short Name
services (real SN APDUs from public test suites, the rest from the Green Book layouts)."""

from __future__ import annotations

import pytest

from tests._vectors import frames, vector
from translator.errors import DecodeError
from translator.schema import gbt, protection, sn
from translator.schema._core import build, parse
from translator.schema.gbt import GbtReassembler, GeneralBlockTransfer

GBT_VECTORS = [
    "push-lg-e450-unencrypted-valid-data1",
    "push-lg-e450-unencrypted-valid-data",
    "push-lg-e570-encrypted-valid-data",
    "push-lg-e450-unencrypted-invalid-data",
    "push-lg-e570-unencrypted-valid-data-cfg2026",
]


def hdlc_info(frame: bytes) -> tuple[int, bytes]:
    """(offset, octets) of an HDLC frame's information field, LLC header removed when present.

    7E | format (2, length in the low 11 bits) | destination and source addresses (each up to
    the octet whose LSB is 1) | control | HCS (2) | information | FCS (2) | 7E.
    """
    assert frame[0] == frame[-1] == 0x7E
    assert (int.from_bytes(frame[1:3], "big") & 0x7FF) == len(frame) - 2
    i = 3
    for _ in range(2):
        while not frame[i] & 1:
            i += 1
        i += 1
    i += 1 + 2
    if frame[i:i + 2] in (b"\xE6\xE6", b"\xE6\xE7") and frame[i + 2] == 0:
        i += 3                                  # LLC: only the first frame of a push has it
    return i, frame[i:-3]


def gbt_blocks(vid: str):
    blocks = []
    for frame in frames(vid):
        offset, apdu = hdlc_info(frame)
        assert apdu[0] == 0xE0
        name, schema = gbt.APDUS[apdu[0]]
        block = parse(schema, apdu[1:], "gbt", base=offset + 1)
        assert build(schema, block, "gbt") == apdu[1:]
        blocks.append(block)
    return blocks


# --- general-block-transfer ------------------------------------------------------------------

@pytest.mark.parametrize("vid", GBT_VECTORS)
def test_gbt_vectors_reassemble_to_checks(vid):
    checks = vector(vid)["checks"]
    assert len(frames(vid)) == checks["hdlc_frames"]
    results = GbtReassembler.reassemble(gbt_blocks(vid))
    complete = [r for r in results if r.complete]
    failed = [r for r in results if not r.complete]
    assert len(complete) == checks["gbt_complete_messages"]
    assert len(failed) == checks["gbt_incomplete_or_invalid_sequences"]
    assert all(r.error for r in failed)
    for r in complete:
        assert r.data[:16].hex() == checks["gbt_reassembled_apdu_head"]
        assert len(r.data) == checks["gbt_reassembled_length"]
        assert r.block_numbers == tuple(range(1, len(r.block_numbers) + 1))


def test_gbt_block_fields_match_the_source_description():
    # expected.blocks: "E0 40 0001, E0 40 0002, E0 C0 0003 (0x80 = last-block)"
    blocks = gbt_blocks("push-lg-e450-unencrypted-valid-data1")
    assert [b.block_number for b in blocks] == [1, 2, 3]
    assert [b.block_control.last_block for b in blocks] == [False, False, True]
    # 0x40 is bit 6, streaming; window bits 0-5 are zero; nothing acknowledged in a push
    assert all(b.block_control.streaming and b.block_control.window == 0 for b in blocks)
    assert all(b.block_number_ack == 0 for b in blocks)
    assert gbt.BlockControl.build(blocks[2].block_control) == b"\xC0"


def test_gbt_spans_are_absolute_in_the_frame():
    frame = frames("push-lg-e450-unencrypted-valid-data1")[0]
    offset, apdu = hdlc_info(frame)
    block = parse(GeneralBlockTransfer, apdu[1:], "gbt", base=offset + 1)
    start, length = block._spans["block_data"]
    assert frame[start] == 0x70 and length == 1 + 0x70      # length octet 0x70, then the data
    assert frame[start + 1:start + length] == block.block_data


def test_reassembled_e570_is_general_glo_ciphering_with_checked_header():
    v = vector("push-lg-e570-encrypted-valid-data")
    (msg,) = [r for r in GbtReassembler.reassemble(gbt_blocks(v["id"])) if r.complete]
    name, schema = protection.APDUS[msg.data[0]]
    assert name == "general_glo_ciphering"
    body = parse(schema, msg.data[1:], "apdu", base=1)
    assert build(schema, body, "apdu") == msg.data[1:]
    h = protection.security_header(body)
    ggc = v["checks"]["ggc"]
    assert h.system_title.hex() == ggc["system_title"]
    assert h.security_control == int(ggc["security_control"], 16)
    assert h.invocation_counter == ggc["invocation_counter"]
    assert h.tag is None                                     # SC 0x20: encryption only
    assert len(h.ciphered_text) == v["checks"]["decrypted_length"]


def _block(number: int, last: bool = False, data: bytes = b"x") -> dict:
    return {"block_control": {"last_block": last}, "block_number": number, "block_data": data}


def test_reassembler_reports_gaps_restarts_and_early_end_without_raising():
    real = gbt_blocks("push-lg-e450-unencrypted-valid-data1")      # blocks 1, 2, 3(last)
    # out of order: 1, 3 -> the message fails at block 3; the late block 2 has no start
    r = GbtReassembler.reassemble([real[0], real[2], real[1]])
    assert [x.complete for x in r] == [False, False]
    assert "out of order" in r[0].error and r[0].block_numbers == (1, 3)
    assert "without the start" in r[1].error
    # the input ends before the last block
    r = GbtReassembler.reassemble(real[:2])
    assert len(r) == 1 and "input ended" in r[0].error and r[0].block_numbers == (1, 2)
    # feed returns results as they finish; finish empties the reassembler
    g = GbtReassembler()
    assert g.feed(real[0]) == [] and g.feed(real[1]) == []
    (done,) = g.feed(real[2])
    assert done.complete and g.finish() == []
    # first_block=None: a message may start at any number (block numbering continued)
    r = GbtReassembler.reassemble([_block(7), _block(8, last=True, data=b"y")], first_block=None)
    assert r[0].complete and r[0].data == b"xy" and r[0].block_numbers == (7, 8)
    r = GbtReassembler.reassemble([_block(7), _block(8, last=True)])
    assert not any(x.complete for x in r)


@pytest.mark.parametrize("cut", range(1, 6))
def test_truncated_gbt_header_is_a_decode_error(cut):
    _, apdu = hdlc_info(frames("push-lg-e450-unencrypted-valid-data1")[2])
    with pytest.raises(DecodeError) as e:
        parse(GeneralBlockTransfer, apdu[1:cut], "gbt", base=1)
    assert e.value.layer == "gbt"


def test_gbt_block_data_longer_than_the_frame_is_a_decode_error():
    _, apdu = hdlc_info(frames("push-lg-e450-unencrypted-valid-data1")[2])
    with pytest.raises(DecodeError) as e:
        parse(GeneralBlockTransfer, apdu[1:-1], "gbt", base=1)
    assert e.value.offset == 6 and "as the length says" in e.value.expected   # E0 bc bn(2) ack(2)


# --- Short Name services: real APDUs ---------------------------------------------------------

def decode_sn(apdu: bytes):
    name, schema = sn.APDUS[apdu[0]]
    body = parse(schema, apdu[1:], "apdu", base=1)
    assert build(schema, body, "apdu") == apdu[1:], f"{name} did not rebuild byte-exact"
    return name, body


def test_sn_read_request_variable_name_gurux_android_test():
    # Gurux.DLMS.Android ExampleInstrumentedTest.xmlTest: "0501022BC8" is
    # <ReadRequest Qty="01"><VariableName Value="2BC8" /></ReadRequest>
    name, body = decode_sn(bytes.fromhex("0501022BC8"))
    assert name == "read_request" and len(body) == 1
    assert body[0].tag == "variable_name" and body[0].value == 0x2BC8


def test_sn_read_request_parameterised_access_pduxml_test():
    # tohasan pdu-xml XmlPduTranslatorSpec "read request parametrized access": VariableName C008,
    # Selector 01, Parameter structure(4) {structure(4){0008, 0000010000FF, 02, 0000},
    # 07DA041E050E2522618000FF, FFFFFFFFFFFFFFFFFF8000FF, array(0)}
    raw = bytes.fromhex("050104C008010204020412000809060000010000FF0F02120000090C07DA041E050E"
                        "2522618000FF090CFFFFFFFFFFFFFFFFFF8000FF0100")
    name, body = decode_sn(raw)
    access = body[0]
    assert access.tag == "parameterized_access"
    assert access.value.variable_name == 0xC008 and access.value.selector == 1
    param = access.value.parameter
    assert param.tag == "structure" and len(param.value) == 4
    inner = param.value[0]
    assert [d.tag for d in inner.value] == ["long_unsigned", "octet_string", "integer",
                                            "long_unsigned"]
    assert inner.value[0].value == 0x0008
    assert inner.value[1].value == bytes.fromhex("0000010000FF")
    assert param.value[1].value == bytes.fromhex("07DA041E050E2522618000FF")
    assert param.value[3].tag == "array" and len(param.value[3].value) == 0


def test_sn_read_response_data_block_result_pduxml_test():
    # tohasan pdu-xml XmlPduTranslatorSpec "read response": DataBlockResult LastBlock 00,
    # BlockNumber 0001, RawData of 100 octets starting 01000155021D
    raw = bytes.fromhex(
        "0C01020000016401000155021D090C07E10418010E0120FF800000120420110112000"
        "0150000000000000000150000000000000000150000000000000000150000000000000000"
        "150000000000000000150000000000000000150000000000000000150000000000000000")
    name, body = decode_sn(raw)
    assert name == "read_response" and len(body) == 1
    result = body[0]
    assert result.tag == "data_block_result"
    assert result.value.last_block is False and result.value.block_number == 1
    assert result.value.raw_data[:6] == bytes.fromhex("01000155021D") and len(
        result.value.raw_data) == 0x64


# --- Short Name services: layouts from the standard (no public vector found) -----------------

LAYOUT_VECTORS = {
    # ReadRequest: block-number-access {0002}, read-data-block-access {last, 0003, raw 2 octets},
    # write-data-block-access {not last, 0004}
    "read_request_blocks": "0503" "05 0002" "06 01 0003 02 ABCD" "07 00 0004",
    # ReadResponse: data long-unsigned 0x1234, data-access-error 3 (read-write-denied),
    # block-number 0005
    "read_response_mixed": "0C03" "00 12 1234" "01 03" "03 0005",
    # WriteRequest: two variable names, two values (unsigned 7, octet-string 'AB')
    "write_request": "0602" "02 FA08" "02 FA10" "02" "11 07" "09 02 4142",
    # WriteResponse: success, data-access-error object-unavailable (11), block-number 0009
    "write_response": "0D03" "00" "01 0B" "02 0009",
    # UnconfirmedWriteRequest: one variable, one boolean value
    "unconfirmed_write_request": "1601" "02 0108" "01" "03 01",
    # InformationReportRequest with current-time absent, and with a 12-octet date-time
    "information_report_no_time": "18" "00" "01" "02 0100" "01" "06 00000001",
    "information_report_time": "18" "01 0C 07E60111010C2C28FF800000" "01" "02 0100" "01" "11 05",
}


@pytest.mark.parametrize("key", sorted(LAYOUT_VECTORS))
def test_sn_layouts_rebuild_byte_exact(key):
    decode_sn(bytes.fromhex(LAYOUT_VECTORS[key]))


def test_sn_layout_fields():
    _, body = decode_sn(bytes.fromhex(LAYOUT_VECTORS["read_request_blocks"]))
    assert [x.tag for x in body] == ["block_number_access", "read_data_block_access",
                                     "write_data_block_access"]
    assert body[0].value.block_number == 2
    assert body[1].value.last_block is True and body[1].value.raw_data == b"\xAB\xCD"
    assert body[2].value.last_block is False and body[2].value.block_number == 4
    _, body = decode_sn(bytes.fromhex(LAYOUT_VECTORS["read_response_mixed"]))
    assert body[0].value.tag == "long_unsigned" and body[0].value.value == 0x1234
    assert body[1].value == "read_write_denied" and body[2].value == 5
    _, body = decode_sn(bytes.fromhex(LAYOUT_VECTORS["write_request"]))
    assert [x.value for x in body.variable_access_specification] == [0xFA08, 0xFA10]
    assert body.list_of_data[1].value == b"AB"
    _, body = decode_sn(bytes.fromhex(LAYOUT_VECTORS["write_response"]))
    assert [x.tag for x in body] == ["success", "data_access_error", "block_number"]
    assert body[0].value is None and body[1].value == "object_unavailable"
    name, body = decode_sn(bytes.fromhex(LAYOUT_VECTORS["information_report_no_time"]))
    assert name == "information_report_request" and body.current_time is None
    _, body = decode_sn(bytes.fromhex(LAYOUT_VECTORS["information_report_time"]))
    assert body.current_time == bytes.fromhex("07E60111010C2C28FF800000")
    name, body = decode_sn(bytes.fromhex(LAYOUT_VECTORS["unconfirmed_write_request"]))
    assert name == "unconfirmed_write_request" and body.list_of_data[0].tag == "boolean"


def test_sn_non_canonical_boolean_rebuilds():
    # last-block octet 0xFF is TRUE too; it must come back as 0xFF, not 0x01
    _, body = decode_sn(bytes.fromhex("0501" "07 FF 0004"))
    assert body[0].value.last_block


def test_sn_detailed_access_is_refused_at_its_tag():
    # detailed-access [3] is not used in DLMS/COSEM
    with pytest.raises(DecodeError) as e:
        decode_sn(bytes.fromhex("0502" "02 2BC8" "03 2BC8"))
    assert e.value.offset == 5 and e.value.got == "0x03"
    assert "Variable-Access-Specification" in e.value.expected


def test_sn_count_beyond_the_data_is_refused_at_once():
    with pytest.raises(DecodeError) as e:
        decode_sn(bytes.fromhex("0584FFFFFFFF" "022BC8"))
    assert e.value.offset == 1 and "element" in e.value.expected


@pytest.mark.parametrize("raw", [
    "0501022BC8",
    "050104C008010204020412000809060000010000FF0F02120000090C07DA041E050E2522618000FF090CFFFF"
    "FFFFFFFFFFFFFF8000FF0100",
    *LAYOUT_VECTORS.values(),
])
def test_sn_every_truncation_is_a_decode_error(raw):
    apdu = bytes.fromhex(raw)
    _, schema = sn.APDUS[apdu[0]]
    for cut in range(1, len(apdu)):
        with pytest.raises(DecodeError) as e:
            parse(schema, apdu[1:cut], "apdu", base=1)
        assert 1 <= e.value.offset <= cut


def test_sn_tags_match_cosem_pdu_asn1():
    # COSEMpdu: readRequest [5], writeRequest [6], readResponse [12], writeResponse [13],
    # unconfirmedWriteRequest [22], informationReportRequest [24]
    assert {t: n for t, (n, _) in sn.APDUS.items()} == {
        5: "read_request", 6: "write_request", 12: "read_response", 13: "write_response",
        22: "unconfirmed_write_request", 24: "information_report_request"}
