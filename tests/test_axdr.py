"""A-XDR Data and COSEM date-time: real vectors, and bytes written from the standard's rules.

Expected values come from each vector's ``expected`` text or from the Blue/Green Book encoding
rules (tag octet, big-endian fixed sizes, length/count encoding), never from this code's output.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from tests._vectors import by_layer, data, frames, vector
from translator.errors import DecodeError
from translator.schema._core import build, parse, span_of
from translator.schema.axdr import AXDR_TYPES, Data, Float
from translator.schema.cosem_datetime import (
    Date,
    DateTime,
    Time,
    describe_date_time,
    is_date_time_octets,
    to_date,
    to_datetime,
    to_time,
)

H = bytes.fromhex


def decode(x: bytes, base: int = 0):
    return parse(Data, x, "axdr", base=base)


def roundtrip(x: bytes):
    obj = decode(x)
    assert build(Data, obj, "axdr") == x
    return obj


def plain(obj):
    """A parsed Data as nested Python values: lists for array/structure, the value otherwise."""
    if isinstance(obj, list):
        return [plain(o) for o in obj]
    value = obj["value"]
    if str(obj["tag"]) in ("array", "structure"):
        return [plain(v) for v in value]
    return value


# ---------------------------------------------------------------- every axdr vector


def _schema_for(vid: str):
    return DateTime if vid.startswith("axdr-datetime-") else Data


@pytest.mark.parametrize("v", by_layer("axdr"), ids=lambda v: v["id"])
def test_every_axdr_vector_decodes_and_rebuilds_exactly(v):
    x = data(v["id"])
    schema = _schema_for(v["id"])
    out, pos = b"", 0
    while pos < len(x):  # the date/time wildcard vector holds two values back to back
        obj = parse(schema, x[pos:], "axdr", base=pos, whole=False)
        start, length = obj._span
        assert start == pos and length > 0
        out += build(schema, obj, "axdr")
        pos += length
    assert out == x


def test_profile_buffer_24_rows():
    # array(0x18=24) of structure(3){octet-string(12) date-time 07E2020C05HH000000800000,
    # unsigned 0, double-long-unsigned (100000, 100416, ...)}
    obj = roundtrip(data("axdr-profile-buffer-24"))
    assert str(obj.tag) == "array" and len(obj.value) == 24
    for hour, row in enumerate(obj.value):
        assert str(row.tag) == "structure" and len(row.value) == 3
        stamp, status, value = row.value
        assert str(stamp.tag) == "octet_string"
        assert stamp.value == H(f"07E2020C05{hour:02X}000000800000")
        assert is_date_time_octets(stamp.value)
        when = parse(DateTime, stamp.value, "axdr")
        assert (when.year, when.month, when.day_of_month, when.hour) == (2018, 2, 12, hour)
        assert when.deviation == -0x8000  # 0x8000: not specified
        assert to_datetime(when) == dt.datetime(2018, 2, 12, hour)  # naive: no deviation
        assert (str(status.tag), status.value) == ("unsigned", 0)
        assert str(value.tag) == "double_long_unsigned"
    assert [r.value[2].value for r in obj.value[:2]] == [100000, 100416]


def test_lte_qos_structure():
    obj = roundtrip(data("axdr-lte-qos"))
    assert [(str(e.tag), e.value) for e in obj.value] == [
        ("long_unsigned", 720), ("long_unsigned", 3240), ("unsigned", 18), ("unsigned", 30),
        ("integer", -64)]


def _kamstrup_han_head(obj, meter_id: bytes, meter_type: bytes):
    assert str(obj.tag) == "structure" and len(obj.value) == 0x19
    head = [(str(e.tag), e.value) for e in obj.value[:5]]
    assert head == [
        ("visible_string", b"Kamstrup_V0001"), ("octet_string", H("0101000005FF")),
        ("visible_string", meter_id), ("octet_string", H("0101600101FF")),
        ("visible_string", meter_type)]


def test_kamstrup_han_structure():
    obj = roundtrip(data("axdr-kamstrup-han-structure"))
    _kamstrup_han_head(obj, b"5706567196382485", b"6841131BN143101090")


def test_visible_string():
    obj = roundtrip(data("axdr-visible-string"))
    assert (str(obj.tag), obj.value) == ("visible_string", b"Kamstrup_V0001")
    assert obj.value.decode("ascii") == "Kamstrup_V0001"


def test_capture_object_definition():
    obj = roundtrip(data("axdr-capture-object-definition"))
    assert [(str(e.tag), e.value) for e in obj.value] == [
        ("long_unsigned", 8), ("octet_string", bytes([0, 0, 1, 0, 0, 255])), ("integer", 2),
        ("long_unsigned", 0)]


def test_kamstrup_object_list_reassembled_from_69_blocks():
    x = data("axdr-kamstrup-object-list-blocks")
    blocks = frames("axdr-kamstrup-object-list-blocks")
    assert len(blocks) == 69 and b"".join(blocks) == x
    obj = roundtrip(x)
    assert str(obj.tag) == "array" and len(obj.value) == 0x007B
    for element in obj.value:  # object_list_element structure(4)
        assert [str(e.tag) for e in element.value] == [
            "long_unsigned", "unsigned", "octet_string", "structure"]
        assert len(element.value[2].value) == 6
        rights = element.value[3]
        assert [str(e.tag) for e in rights.value] == ["array", "array"]
    first, last = obj.value[0].value, obj.value[-1].value
    assert (first[0].value, first[1].value, first[2].value) == (1, 0, H("00002A0000FF"))
    assert (last[0].value, last[1].value, last[2].value) == (15, 0, H("0000280000FF"))
    # the count 0x007B arrives in a non-minimal long form (82 00 7B) and rebuilds so
    assert x[:4] == H("0182007B")


def test_date_and_time_all_wildcards():
    x = data("axdr-date-time-wildcards")
    date = parse(Data, x[:6], "axdr")
    time = parse(Data, x[6:], "axdr", base=6)
    assert str(date.tag) == "date" and str(time.tag) == "time"
    d = date.value
    assert (d.year, d.month, d.day_of_month, d.day_of_week) == (0xFFFF, 0xFF, 0xFF, 0xFF)
    assert (time.value.hour, time.value.minute, time.value.second, time.value.hundredths) == (
        0xFF, 0xFF, 0xFF, 0xFF)
    assert to_date(date.value) is None and to_time(time.value) is None  # expected: None
    assert describe_date_time(date.value) == "****-**-**"
    assert describe_date_time(time.value) == "**:**:**.**"
    assert span_of(time, "value") == (7, 4)


# ---------------------------------------------------------------- date-time vectors


def test_datetime_07e40101():
    # 2020-01-01 00:03:00, weekday unspecified, hundredths 00, deviation 0xFF88 = -120, status 00
    x = data("axdr-datetime-07e40101")
    d = parse(DateTime, x, "axdr")
    assert (d.year, d.month, d.day_of_month, d.day_of_week) == (2020, 1, 1, 0xFF)
    assert (d.hour, d.minute, d.second, d.hundredths) == (0, 3, 0, 0)
    assert (d.deviation, d.clock_status) == (-120, 0)
    when = to_datetime(d)
    assert when.utcoffset() == dt.timedelta(hours=2)  # local = UTC - deviation
    assert when.replace(tzinfo=None) == dt.datetime(2020, 1, 1, 0, 3)
    assert is_date_time_octets(x)


def test_datetime_07e2020c_deviation_not_specified():
    x = data("axdr-datetime-07e2020c")
    d = parse(DateTime, x, "axdr")
    assert d.deviation == -0x8000
    when = to_datetime(d)
    assert when == dt.datetime(2018, 2, 12) and when.tzinfo is None
    assert "deviation not specified" in describe_date_time(d)


def test_datetime_deviation_sign_amsreader():
    # 2024-06-15 Sat 20:23:45.00 local, deviation -120, clock status 0x80 (DST) = 18:23:45 UTC
    x = data("axdr-datetime-dst-amsreader")
    d = parse(DateTime, x, "axdr")
    assert (d.day_of_week, d.deviation, d.clock_status) == (6, -120, 0x80)
    when = to_datetime(d)
    assert when.replace(tzinfo=None) == dt.datetime(2024, 6, 15, 20, 23, 45)
    assert when.astimezone(dt.UTC).replace(tzinfo=None) == dt.datetime(2024, 6, 15, 18, 23, 45)
    text = describe_date_time(d)
    for part in ("2024-06-15", "Sat", "20:23:45.00", "-120", "UTC+02:00", "0x80",
                 "daylight saving active"):
        assert part in text
    assert build(DateTime, d, "axdr") == x


# ---------------------------------------------------------------- A-XDR data inside other vectors


def test_kamstrup_han_push_body_inside_hdlc_frame():
    x = data("hdlc-ui-kamstrup-han-push")
    # 7E A0E2 2B 21 13 HCS E6E700 0F long-invoke-id(4) 0C date-time(12) | body | FCS(2) 7E
    assert x[16:29] == H("0C07E6011801123A32FF800000")
    stamp = parse(DateTime, x[17:29], "axdr", base=17)
    assert to_datetime(stamp) == dt.datetime(2022, 1, 24, 18, 58, 50)
    obj = decode(x[29:-3], base=29)
    assert build(Data, obj, "axdr") == x[29:-3]
    _kamstrup_han_head(obj, b"5706567326590407", b"6841138BN245101090")
    values = {bytes(obj.value[i].value): obj.value[i + 1].value for i in range(5, 25, 2)}
    assert values[H("0101010700FF")] == 826     # active power import W
    assert values[H("0101020700FF")] == 0
    assert values[H("0101030700FF")] == 104
    assert values[H("0101040700FF")] == 176
    assert values[H("0101200700FF")] == 232     # voltage L1
    assert values[H("0101340700FF")] == 233
    assert values[H("0101480700FF")] == 236
    assert span_of(obj) == (29, len(x) - 32)


def test_aidon_push_array_of_12():
    x = data("push-aidon-no-list-2")
    obj = decode(x[9:], base=9)  # E6E700 0F 40000000 00 | array
    assert build(Data, obj, "axdr") == x[9:]
    rows = plain(obj)
    assert len(rows) == 12
    assert rows[0] == [H("0101000281FF"), b"AIDON_V0001"]
    assert rows[1] == [H("0000600100FF"), b"7359992892587665"]
    assert rows[2] == [H("0000600107FF"), b"6525"]
    assert rows[3] == [H("0100010700FF"), 280, [0, 27]]          # 280 W, scaler 0, unit 27
    assert rows[7][1:] == [13, [-1, 33]]                           # 1.3 A
    assert [r[1] for r in rows[9:]] == [2274, 2301, 2308]          # 227.4, 230.1, 230.8 V


def test_kaifa_push_single_value():
    x = data("push-kaifa-no-list-1")
    stamp = parse(DateTime, x[10:22], "axdr")  # 09 0C date-time: 2019-02-04 Mon 23:52:22
    assert to_datetime(stamp) == dt.datetime(2019, 2, 4, 23, 52, 22) and stamp.day_of_week == 1
    assert plain(decode(x[22:], base=22)) == [5852]


def test_kaifa_push_structure_36_with_date_time_octet_string():
    x = data("push-kaifa-se-list")
    obj = decode(x[9:], base=9)
    assert build(Data, obj, "axdr") == x[9:]
    values = plain(obj)
    assert len(values) == 36
    assert values[1] == b"KFM_001" and values[3] == b"7340734073407340" and values[5] == b"MA304H4"
    assert values[7] == 2816
    clock = values[values.index(H("0000010000FF")) + 1]
    assert clock == H("07E509160311231EFFFFC400") and is_date_time_octets(clock)
    when = to_datetime(parse(DateTime, clock, "axdr"))
    assert when.isoformat() == "2021-09-22T17:35:30+01:00"
    assert values[values.index(H("0100010800FF")) + 1] == 4786979


def test_kamstrup_single_phase_push_with_null_members():
    x = data("push-kamstrup-no-list-1-single-phase-real-sample")
    assert to_datetime(parse(DateTime, x[9:21], "axdr")) == dt.datetime(2022, 1, 17, 12, 44, 40)
    obj = decode(x[21:], base=21)
    assert build(Data, obj, "axdr") == x[21:]
    values = plain(obj)
    assert len(values) == 0x19
    assert values[values.index(H("0101010700FF")) + 1] == 1896
    assert values[values.index(H("0101040700FF")) + 1] == 493
    assert values[values.index(H("0101200700FF")) + 1] == 225


def test_mbus_plaintext_notification_body():
    plaintext = H(vector("mbus-kaifa-tinetz-ciphered")["expected"]["plaintext"])
    # 0F 0029B2DC 0C date-time(12) | structure(12)
    stamp = parse(DateTime, plaintext[6:18], "axdr")
    when = to_datetime(stamp)
    assert when.isoformat() == "2021-07-19T15:46:35+02:00" and stamp.clock_status == 0x80
    obj = decode(plaintext[18:], base=18)
    assert build(Data, obj, "axdr") == plaintext[18:]
    values = plain(obj)
    assert len(values) == 12
    assert values[2] == [H("0000600100FF"), b"1KFM0100000035"]
    assert values[3] == [H("00002A0000FF"), b"KFM1100100000035"]
    assert values[4] == [H("0100200700FF"), 0x0904, [-1, 35]]
    assert values[8][:2] == [H("0100010800FF"), 0x2394]


def test_get_response_values():
    x = data("xdlms-c401c100-9")
    obj = decode(x[4:], base=4)
    assert (str(obj.tag), obj.value) == ("double_long_unsigned", 5009)
    assert span_of(obj, "value") == (5, 4)
    x = data("xdlms-get-response-with-list")
    first = parse(Data, x[5:], "axdr", base=5, whole=False)
    assert first.value == b"ISK1030777764366" and not is_date_time_octets(first.value[:12])
    end = sum(first._span)
    assert x[end] == 0  # Get-Data-Result choice: data
    second = decode(x[end + 1:], base=end + 1)
    d = parse(DateTime, second.value, "axdr")
    assert describe_date_time(d).startswith("2021-06-03 Thu 14:09:23.00, deviation -60 min")


def test_set_request_clock_value():
    x = data("xdlms-set-request-clock")
    obj = decode(x[13:], base=13)
    d = parse(DateTime, obj.value, "axdr")
    # 2021-01-24 (weekday not specified) 14:48:57.80, deviation -60, status 0
    assert (d.day_of_week, d.hour, d.minute, d.second, d.hundredths) == (0xFF, 14, 48, 57, 80)
    assert to_datetime(d).isoformat() == "2021-01-24T14:48:57.800000+01:00"
    assert d.clock_status == 0


def test_range_descriptor_parameters():
    x = data("xdlms-get-range-descriptor")
    obj = decode(x[14:], base=14)
    assert build(Data, obj, "axdr") == x[14:]
    restricting, start, end, selected = plain(obj)
    assert restricting == [8, H("0000010000FF"), 2, 0]
    s, e = parse(DateTime, start, "axdr"), parse(DateTime, end, "axdr")
    assert (s.year, s.month, s.day_of_month, s.minute, s.deviation, s.clock_status) == (
        2018, 6, 1, 3, -120, 0x80)
    assert (e.year, e.month, e.day_of_month, e.minute, e.deviation) == (2021, 1, 6, 3, -60)
    assert to_datetime(s).isoformat() == "2018-06-01T00:03:00+02:00"  # hundredths 0xFF -> 0
    assert selected == []


def test_profile_block_first_entries():
    x = data("xdlms-get-response-block1-profile")
    assert x[12:16] == H("018205A0")  # array of 1440 entries, cut after this block
    with pytest.raises(DecodeError) as err:  # 1440 elements cannot fit in 1182 octets
        decode(x[12:], base=12)
    assert (err.value.layer, err.value.offset) == ("axdr", 13)
    first = parse(Data, x[16:], "axdr", base=16, whole=False)
    stamp, period, a, b = plain(first)
    d = parse(DateTime, stamp, "axdr")
    assert describe_date_time(d).startswith("2019-12-19 Thu 02:00:00.00, deviation -60")
    assert (period, a, b) == (6, 1517, 1620)
    second = parse(Data, x[sum(first._span):], "axdr", base=sum(first._span), whole=False)
    assert plain(second)[0] is None  # compressed time column: null-data


# ---------------------------------------------------------------- every type, from the standard


@pytest.mark.parametrize("hexdata, tag, value", [
    ("00", "null_data", None),
    ("FF", "dont_care", None),
    ("0300", "boolean", 0),
    ("0301", "boolean", 1),
    ("05FFFFFFFF", "double_long", -1),
    ("0580000000", "double_long", -2**31),
    ("06FFFFFFFF", "double_long_unsigned", 2**32 - 1),
    ("0903010203", "octet_string", b"\x01\x02\x03"),
    ("0900", "octet_string", b""),
    ("0A03414243", "visible_string", b"ABC"),
    ("0C02C3A9", "utf8_string", "é".encode()),
    ("0D12", "bcd", 0x12),
    ("0F80", "integer", -128),
    ("0F7F", "integer", 127),
    ("108000", "long", -32768),
    ("11FF", "unsigned", 255),
    ("12FFFF", "long_unsigned", 65535),
    ("14FFFFFFFFFFFFFFFF", "long64", -1),
    ("148000000000000000", "long64", -2**63),
    ("15FFFFFFFFFFFFFFFF", "long64_unsigned", 2**64 - 1),
    ("1603", "enum", 3),
    ("173F800000", "float32", 1.0),
    ("17C0490FDB", "float32", -3.1415927410125732),
    ("18400921FB54442D18", "float64", math.pi),
    ("1CFF", "delta_integer", -1),
    ("1DFFFE", "delta_long", -2),
    ("1EFFFFFFFD", "delta_double_long", -3),
    ("1FFF", "delta_unsigned", 255),
    ("20FFFF", "delta_long_unsigned", 65535),
    ("21FFFFFFFF", "delta_double_long_unsigned", 2**32 - 1),
])
def test_simple_types(hexdata, tag, value):
    x = H(hexdata)
    obj = roundtrip(x)
    assert str(obj.tag) == tag and AXDR_TYPES[x[0]] == tag
    assert obj.value == value
    # building from a fresh tree (not the parsed one) gives the standard's bytes too
    assert build(Data, {"tag": tag, "value": value}, "axdr") == x


def test_boolean_keeps_a_non_canonical_true_octet():
    obj = roundtrip(H("03FF"))
    assert obj.value == 0xFF and bool(obj.value)


def test_floats_keep_their_exact_bits():
    for x in (H("177FC00001"), H("17FFC00000"), H("1780000000"), H("187FF8000000000001"),
              H("188000000000000000")):
        obj = roundtrip(x)
        assert isinstance(obj.value, Float)
    assert math.isnan(decode(H("177FC00001")).value)
    assert math.copysign(1, decode(H("1780000000")).value) == -1
    # a changed value is encoded from the value, not from the stale octets
    obj = decode(H("173F800000"))
    obj.value = 2.0
    assert build(Data, obj, "axdr") == H("1740000000")


def test_bit_string():
    # bit count in length encoding, then ceil(bits/8) octets, first bit in the high bit
    obj = roundtrip(H("040A8040"))
    assert (obj.value.bit_count, obj.value.octets) == (10, H("8040"))
    assert roundtrip(H("0400")).value.octets == b""
    assert roundtrip(H("040801")).value.octets == b"\x01"
    assert roundtrip(H("04098000")).value.octets == b"\x80\x00"
    big = H("0481A0") + bytes(20)  # 160 bits, length in long form 81 A0
    assert roundtrip(big).value.bit_count == 160
    assert build(Data, {"tag": "bit_string", "value": {"bit_count": 12, "octets": H("FFF0")}},
                 "axdr") == H("040CFFF0")


def test_date_time_date_time_types():
    obj = roundtrip(H("19") + data("axdr-datetime-dst-amsreader"))
    assert str(obj.tag) == "date_time" and obj.value.hour == 20
    assert span_of(obj.value, "deviation") == (10, 2)
    obj = roundtrip(H("1A07E8060F06"))
    assert to_date(obj.value) == dt.date(2024, 6, 15)
    assert describe_date_time(obj.value) == "2024-06-15 Sat"
    obj = roundtrip(H("1B14172D32"))
    assert to_time(obj.value) == dt.time(20, 23, 45, 500000)
    # special months and days: daylight saving begin/end, last and second-last day
    obj = roundtrip(H("1AFFFFFEFEFF"))
    assert to_date(obj.value) is None
    assert describe_date_time(obj.value) == "****-DST-begin-last"
    assert describe_date_time(decode(H("1AFFFFFDFD07")).value) == "****-DST-end-second-last Sun"


def test_array_and_structure():
    obj = roundtrip(H("010211011102"))
    assert plain(obj) == [1, 2]
    assert plain(roundtrip(H("0200"))) == []
    obj = roundtrip(H("02020102110A1100020109020102"))
    assert plain(obj) == [[10, 0], [b"\x01\x02"]]
    tree = {"tag": "structure", "value": [
        {"tag": "long_unsigned", "value": 1},
        {"tag": "array", "value": [{"tag": "unsigned", "value": 7}]}]}
    assert build(Data, tree, "axdr") == H("020212000101011107")


def test_spans_are_absolute():
    obj = decode(H("020212000a0903414243"), base=100)
    assert span_of(obj) == (100, 10)
    assert span_of(obj.value[0]) == (102, 3)
    assert span_of(obj.value[1], "value") == (106, 4)


# ---------------------------------------------------------------- non-minimal lengths


@pytest.mark.parametrize("hexdata", [
    "0981050102030405",          # octet-string, length 5 in long form 81 05
    "098200050102030405",        # ... and 82 00 05
    "0A8103414243",              # visible-string
    "018102110111 02",           # array count 81 02
    "02820001 00",               # structure count 82 00 01
    "048108FF",                  # bit-string bit count 81 08
])
def test_non_minimal_lengths_round_trip(hexdata):
    x = H(hexdata.replace(" ", ""))
    roundtrip(x)


def test_non_minimal_length_value():
    obj = roundtrip(H("0981050102030405"))
    assert obj.value == H("0102030405")


# ---------------------------------------------------------------- compact-array


def test_compact_array_of_structures():
    # 13 | TypeDescription structure(2){long-unsigned, unsigned} | contents 6 octets: 2 rows
    x = H("13" "020212 11" "06" "000102" "000304")
    obj = roundtrip(x)
    assert str(obj.tag) == "compact_array"
    desc = obj.value.contents_description
    assert str(desc.tag) == "structure" and [str(d.tag) for d in desc.description] == [
        "long_unsigned", "unsigned"]
    assert obj.value.array_contents == [[1, 2], [3, 4]]


def test_compact_array_of_arrays_and_strings():
    obj = roundtrip(H("13" "01000311" "06" "010203" "040506"))
    assert obj.value.contents_description.description.number_of_elements == 3
    assert obj.value.array_contents == [[1, 2, 3], [4, 5, 6]]
    # octet-string values keep their own length inside the contents
    obj = roundtrip(H("1309" "05" "02AABB" "01CC"))
    assert obj.value.array_contents == [b"\xaa\xbb", b"\xcc"]
    # date-time and a null member (zero octets) beside a value
    stamp = data("axdr-datetime-dst-amsreader")
    obj = roundtrip(H("13" "02021900" "0C") + stamp)
    assert len(obj.value.array_contents) == 1 and obj.value.array_contents[0][1] is None
    assert to_datetime(obj.value.array_contents[0][0]).hour == 20
    assert roundtrip(H("1311" "00")).value.array_contents == []
    assert roundtrip(H("1311" "81020102")).value.array_contents == [1, 2]  # non-minimal length


def test_compact_array_built_from_a_tree():
    tree = {"tag": "compact_array", "value": {
        "contents_description": {"tag": "structure", "description": [
            {"tag": "double_long_unsigned", "description": None},
            {"tag": "integer", "description": None}]},
        "array_contents": [[100000, -1], [100416, 2]]}}
    assert build(Data, tree, "axdr") == H("13" "0202060F" "0A" "000186A0FF" "0001884002")


def test_compact_array_guards():
    # a description of null-data only: the contents could be repeated forever
    with pytest.raises(DecodeError) as err:
        decode(H("1300" "03000000"))
    assert err.value.layer == "axdr"
    # an array of 65535 null values takes no octets: refused
    with pytest.raises(DecodeError):
        decode(H("1301FFFF00" "0111"))
    # 65535 elements of one octet announced by the description, 2 octets present
    with pytest.raises(DecodeError) as err:
        decode(H("1301FFFF11" "020102"))
    assert err.value.offset == 6
    # a row cut short: structure{long-unsigned, unsigned} with 4 octets of contents
    with pytest.raises(DecodeError) as err:
        decode(H("1302021211" "04" "000102" "00"))
    assert err.value.offset == 9  # where the second row's long-unsigned starts
    # compact-array cannot describe itself
    with pytest.raises(DecodeError) as err:
        decode(H("1313" "00"))
    assert err.value.offset == 1


# ---------------------------------------------------------------- truncation and corruption


@pytest.mark.parametrize("hexdata, offset", [
    ("", 0),                        # no tag at all
    ("07", 0),                      # tag 7 is not a Data type
    ("060000000101", 5),            # extra octet after a complete value
    ("06000013", 1),                # double-long-unsigned cut short
    ("090501020304", 1),            # length 5, 4 octets
    ("0105110111", 1),              # array count 5, 4 octets left
    ("0202110112", 5),              # second member's long-unsigned missing
    ("020211010E", 4),              # unknown tag inside a structure
    ("0984FFFFFFFF00", 1),          # huge length refused without allocating
    ("0184FFFFFFFF00", 1),          # huge count refused without looping
    ("0485FF", 1),                  # length form 0x85 is not allowed
    ("1907E8060F06141700", 9),      # date-time cut short: hundredths missing
])
def test_bad_input_gives_decode_error_with_offset(hexdata, offset):
    with pytest.raises(DecodeError) as err:
        decode(H(hexdata))
    assert err.value.layer == "axdr"
    assert err.value.offset == offset


def test_errors_are_offset_by_base():
    with pytest.raises(DecodeError) as err:
        decode(H("0202110112"), base=40)
    assert err.value.offset == 45


def test_bit_string_with_huge_bit_count():
    with pytest.raises(DecodeError) as err:
        decode(H("0484FFFFFFFF00"))
    assert err.value.layer == "axdr" and err.value.offset == 6


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(DecodeError):
        decode(H("0201") * 5000 + H("00"))


# ---------------------------------------------------------------- date-time helpers


def test_is_date_time_octets():
    assert is_date_time_octets(data("axdr-datetime-dst-amsreader"))
    assert is_date_time_octets(H("FFFFFFFFFFFFFFFFFF800000"))
    assert not is_date_time_octets(H("0101000005FF"))          # an OBIS code
    assert not is_date_time_octets(b"Kamstrup_V00")
    assert not is_date_time_octets(H("07E80D0F0614172D00FF8880"))  # month 13
    assert not is_date_time_octets(H("07E8060F0618172D00FF8880"))  # hour 24
    assert not is_date_time_octets(H("07E8060F0614172D00FD0000"))  # deviation -768


def test_clock_status_and_wildcards_in_description():
    d = parse(DateTime, H("FFFF0CFFFF0AFF00FF800009"), "axdr")
    assert to_datetime(d) is None
    text = describe_date_time(d)
    assert text.startswith("****-12-** 10:**:00.**")
    assert "invalid value" in text and "invalid clock status" in text
    assert to_datetime(parse(DateTime, H("07E8060F0614172D00FF8880"), "axdr")).tzinfo is not None
    assert parse(Date, H("07E8060F06"), "axdr").day_of_week == 6
    assert parse(Time, H("14172D00"), "axdr").minute == 0x17
