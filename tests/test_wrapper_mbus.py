"""IEC 62056-47 wrapper and wired M-Bus schemas on the real vectors; facts from each vector's
``expected``/``checks`` and, for M-Bus, from the Gurux reference XML of the same frames."""

from __future__ import annotations

import re

import pytest

from tests._vectors import by_layer, data, vector
from translator.errors import DecodeError
from translator.schema._core import build, parse
from translator.schema.mbus import MbusFrame
from translator.schema.wrapper import WrapperFrame

WRAPPERS = [v["id"] for v in by_layer("wrapper")]
MBUS = "mbus-kaifa-tinetz-ciphered"


# --- wrapper --------------------------------------------------------------------------------------


@pytest.mark.parametrize("vid", WRAPPERS)
def test_wrapper_header_fields(vid):
    raw = data(vid)
    w = parse(WrapperFrame, raw, "wrapper")
    expected = vector(vid)["expected"]["wrapper"]
    for key in ("version", "source_wport", "destination_wport", "length"):
        assert w[key] == expected[key], key
    assert len(w.apdu) == expected["length"]
    assert w._spans["apdu"] == (8, expected["length"])


@pytest.mark.parametrize("vid", WRAPPERS)
def test_wrapper_rebuilds_byte_exact_and_computes_its_length(vid):
    raw = data(vid)
    w = parse(WrapperFrame, raw, "wrapper")
    assert build(WrapperFrame, w, "wrapper") == raw
    assert build(WrapperFrame, dict(w, length=None), "wrapper") == raw


@pytest.mark.parametrize("version", ["1001", "0002"])
def test_wrapper_versions_other_than_1_are_rejected(version):
    v = vector("wrapper-tcp-aarq-sn-jdlms")
    assert version.upper() in v["expected"]["note"].upper().replace("0X", "")
    raw = bytes.fromhex(version) + data(v["id"])[2:]
    with pytest.raises(DecodeError) as e:
        parse(WrapperFrame, raw, "wrapper")
    assert (e.value.layer, e.value.offset) == ("wrapper", 0)


def test_wrapper_shorter_than_its_length_field_is_an_error():
    raw = data("wrapper-tcp-aarq-sn-jdlms")[:-1]
    with pytest.raises(DecodeError) as e:
        parse(WrapperFrame, raw, "wrapper")
    assert e.value.offset == 8


# --- M-Bus ----------------------------------------------------------------------------------------


def mbus_frames() -> list:
    raw = data(MBUS)
    first = parse(MbusFrame, raw, "mbus", whole=False)
    n = first._span[1]
    return [first, parse(MbusFrame, raw[n:], "mbus", base=n)]


def test_mbus_vector_is_two_long_frames_with_dlms_segments():
    v = vector(MBUS)
    assert "CI 0x00 then 0x11 = segment 1/2, STSAP/DTSAP 0x01 0x67" in v["description"]
    first, second = mbus_frames()
    assert [f.frame_type for f in (first, second)] == ["long_frame", "long_frame"]
    assert [f.control_information for f in (first, second)] == [0x00, 0x11]
    assert [f.last_segment for f in (first, second)] == [False, True]
    assert [f.segment_number for f in (first, second)] == [0, 1]
    assert all((f.stsap, f.dtsap) == (0x01, 0x67) for f in (first, second))
    assert first._span[1] + second._span[1] == len(data(MBUS))


def test_mbus_checksums_as_recorded():
    ok = vector(MBUS)["checks"]["mbus_checksums_ok"]
    assert all(f.checksum_ok is ok for f in mbus_frames())


def test_mbus_segments_join_into_the_recorded_apdu_header():
    # "DB 08 4B464D1010000023 ..., length 82 0109 = 265": tag, title length, title, length, content
    v = vector(MBUS)
    assert "82 0109 = 265" in v["expected"]["apdu"]
    apdu = b"".join(f.data for f in mbus_frames())
    assert apdu[:13] == bytes.fromhex("db084b464d10100000238201 09".replace(" ", ""))
    assert len(apdu) == 2 + 8 + 3 + 265


def test_mbus_fields_agree_with_gurux():
    refs = vector(MBUS)["reference_xml_gurux_simple"]
    for f, xml in zip(mbus_frames(), refs):
        target = int(re.search(r'<TargetAddress Value="([0-9A-F]+)"', xml).group(1), 16)
        source = int(re.search(r'<SourceAddress Value="([0-9A-F]+)"', xml).group(1), 16)
        payload = bytes.fromhex(re.search(r'<NextFrame Value="([0-9A-F]+)"', xml).group(1))
        assert (f.dtsap, f.stsap, f.data) == (target, source, payload)


def test_mbus_rebuilds_byte_exact_and_computes_length_and_checksum():
    raw = data(MBUS)
    frames = mbus_frames()
    assert b"".join(build(MbusFrame, f, "mbus") for f in frames) == raw
    assert (
        b"".join(build(MbusFrame, dict(f, length=None, checksum=None), "mbus") for f in frames)
        == raw
    )


def test_mbus_bad_checksum_is_marked_not_raised():
    raw = bytearray(data(MBUS))
    first_len = mbus_frames()[0]._span[1]
    raw[first_len - 2] ^= 0x01  # the checksum octet before the stop 0x16
    f = parse(MbusFrame, bytes(raw[:first_len]), "mbus")
    assert f.checksum_ok is False
    assert build(MbusFrame, f, "mbus") == bytes(raw[:first_len])


@pytest.mark.parametrize(
    "hexdata, frame_type", [("e5", "single_character"), ("105bfe5916", "short_frame")]
)
def test_mbus_single_character_and_short_frame(hexdata, frame_type):
    # EN 13757-2: E5 acknowledges; 10 C A CS 16 with CS = C + A mod 256 (0x5B + 0xFE = 0x159)
    f = parse(MbusFrame, bytes.fromhex(hexdata), "mbus")
    assert f.frame_type == frame_type and f.checksum_ok in (None, True)
    assert build(MbusFrame, f, "mbus") == bytes.fromhex(hexdata)


@pytest.mark.parametrize(
    "hexdata, offset",
    [
        ("68fafb68", 2),  # L repeated differently
        ("69", 0),  # not an M-Bus start octet
        ("680303685300", 6),  # cut before the checksum
        ("6803036853fe72c317", 8),  # stop octet 0x17 (checksum 0x53 + 0xFE + 0x72 = 0x1C3)
        (("680303685300015316"), 1),  # CI 0x00 (DLMS) needs STSAP and DTSAP: L 3 is too small
    ],
)
def test_mbus_malformed_frames_raise_with_an_offset(hexdata, offset):
    with pytest.raises(DecodeError) as e:
        parse(MbusFrame, bytes.fromhex(hexdata), "mbus")
    assert e.value.layer == "mbus" and e.value.offset == offset
