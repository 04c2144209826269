"""Frame finders over real byte streams: delimiting by length, shared and double flags, garbage,
bad CRCs, truncation, octet stuffing, wrapper and M-Bus streams, and framing detection."""

from __future__ import annotations

import random

import pytest

from tests._vectors import by_layer, data, frames, vector
from translator.errors import DecodeError
from translator.stream.framing import (
    FINDERS,
    Frame,
    detect,
    find_hdlc,
    find_mbus,
    find_wrapper,
)

SESSION = frames("hdlc-session-clock-jdlms")
FRAMED = [v["id"] for v in by_layer("hdlc", "wrapper", "mbus")]


def covered(items, buf: bytes, base: int = 0) -> bytes:
    """Check that the items tile ``buf`` in order and return the octets they rebuild."""
    pos = base
    out = []
    for item in items:
        assert item.start == pos and item.end > item.start
        pos = item.end
        out.append(
            item.build() if isinstance(item, Frame) else buf[item.start - base : item.end - base]
        )
    assert pos == base + len(buf)
    return b"".join(out)


def kinds(items) -> list:
    return [("frame" if isinstance(i, Frame) else i.kind, i.start, i.end) for i in items]


# --- every framed vector --------------------------------------------------------------------------


def expected_frame_count(vid: str) -> int:
    v = vector(vid)
    if vid == "mbus-kaifa-tinetz-ciphered":
        assert v["description"].startswith("Two wired M-Bus long frames")
        return 2
    if (
        v["layer"] == "wrapper"
        or vid == "hdlc-stuffed-amshan"
        or "'hex' is the first frame" in v["description"]
    ):
        return 1
    if v.get("frames"):
        return len(v["frames"])
    return v["checks"]["hdlc_frames"]


@pytest.mark.parametrize("vid", FRAMED)
def test_vector_is_detected_and_split_into_its_frames(vid):
    v = vector(vid)
    buf = data(vid)
    assert detect(buf) == v["layer"]
    items = list(FINDERS[v["layer"]](buf))
    assert all(isinstance(i, Frame) and i.ok for i in items)
    assert len(items) == expected_frame_count(vid)
    assert covered(items, buf) == buf


@pytest.mark.parametrize(
    "vid",
    [
        v["id"]
        for v in by_layer("hdlc")
        if v.get("frames") and v["id"] != "hdlc-session-clock-jdlms"
    ],
)
def test_multi_frame_vectors_split_exactly_into_the_listed_frames(vid):
    buf = data(vid)
    listed = frames(vid)
    assert b"".join(listed) == buf  # these vectors' hex is the captured stream of their frames
    assert [i.build() for i in find_hdlc(buf)] == listed
    assert len(listed) == vector(vid)["checks"]["hdlc_frames"]


def test_session_frames_back_to_back():
    buf = b"".join(SESSION)
    items = list(find_hdlc(buf))
    assert len(items) == vector("hdlc-session-clock-jdlms")["checks"]["hdlc_frames"]
    assert [i.build() for i in items] == SESSION


@pytest.mark.parametrize(
    "vid",
    [
        "hdlc-iframe-aarq-kmethy",
        "hdlc-flag-in-fcs-response",
        "hdlc-iframe-flag-in-info-amshan",
        "hdlc-jdlms-a01fc9022373",
    ],
)
def test_length_field_not_the_next_flag_delimits(vid):
    # a 0x7E inside the HCS, the FCS, the information field or a UA parameter; frames around it
    raw = data(vid)
    buf = SESSION[0] + raw + SESSION[1]
    items = list(find_hdlc(buf))
    assert kinds(items) == [
        ("frame", 0, len(SESSION[0])),
        ("frame", len(SESSION[0]), len(SESSION[0]) + len(raw)),
        ("frame", len(SESSION[0]) + len(raw), len(buf)),
    ]
    assert items[1].build() == raw


# --- flags ----------------------------------------------------------------------------------------


def test_frames_sharing_flags():
    buf = SESSION[0] + b"".join(f[1:] for f in SESSION[1:])  # 7E f1 7E f2 7E ... 7E
    items = list(find_hdlc(buf))
    assert len(items) == len(SESSION)
    assert items[0].frame.opening_flag and not any(i.frame.opening_flag for i in items[1:])
    assert all(i.frame.closing_flag for i in items) and all(i.ok for i in items)
    assert covered(items, buf) == buf


def test_double_and_triple_flags_between_frames():
    a, b, c = SESSION[:3]
    buf = a + b + b"\x7e" + c  # a's closing flag, b's opening; then b's closing, a spare flag, c
    items = list(find_hdlc(buf))
    assert kinds(items) == [
        ("frame", 0, len(a)),
        ("frame", len(a), len(a) + len(b)),
        ("fill", len(a) + len(b), len(a) + len(b) + 1),
        ("frame", len(a) + len(b) + 1, len(buf)),
    ]
    assert covered(items, buf) == buf


# --- garbage, bad CRCs, truncation ----------------------------------------------------------------


def test_garbage_before_between_and_after_frames_is_reported_with_offsets():
    a, b = SESSION[:2]
    pre, mid, post = b"\x01\x02\x03", b"\x55\x7e\x41\x42", b"\xa0\x00"
    buf = pre + a + mid + b + post
    items = list(find_hdlc(buf, base=1000))
    p1 = 1000 + len(pre)
    p2 = p1 + len(a)
    p3 = p2 + len(mid)
    p4 = p3 + len(b)
    assert kinds(items) == [
        ("garbage", 1000, p1),
        ("frame", p1, p2),
        ("garbage", p2, p3),
        ("frame", p3, p4),
        ("garbage", p4, 1000 + len(buf)),
    ]
    for g in (items[0], items[2], items[4]):
        assert (
            isinstance(g.error, DecodeError)
            and g.error.layer == "hdlc"
            and g.error.offset == g.start
        )
    assert items[1].frame._span == (p1, len(a))  # spans are absolute
    assert covered(items, buf, base=1000) == buf


def test_bad_fcs_between_flags_is_a_frame_marked_bad():
    a, b, c = SESSION[:3]
    bad = bytearray(b)
    bad[10] ^= 0x40  # inside the information field
    buf = a + bytes(bad) + c
    items = list(find_hdlc(buf))
    assert [type(i) for i in items] == [Frame, Frame, Frame]
    assert [i.ok for i in items] == [True, False, True]
    assert items[1].frame.hcs_ok is True and items[1].frame.fcs_ok is False
    assert covered(items, buf) == buf


def test_bad_crc_without_a_closing_flag_is_garbage():
    a, b = SESSION[:2]
    bad = bytearray(a[:-1])  # no closing flag, and a damaged FCS
    bad[-1] ^= 0xFF
    buf = bytes(bad) + b"\x00" + b
    items = list(find_hdlc(buf))
    assert kinds(items) == [("garbage", 0, len(bad) + 1), ("frame", len(bad) + 1, len(buf))]


def test_truncated_last_frame_is_an_error_item():
    a, b = SESSION[:2]
    buf = a + b[:9]
    items = list(find_hdlc(buf))
    assert kinds(items) == [("frame", 0, len(a)), ("truncated", len(a), len(buf))]
    assert items[1].error.offset == len(buf) and "more octet" in items[1].error.expected


def test_length_running_past_a_later_frame_is_garbage_not_truncation():
    a, b, c = SESSION[:3]
    bad = bytearray(b)
    bad[2] = 0xFF  # frame length 0x0FF: longer than what follows, and c follows
    buf = a + bytes(bad) + c
    items = list(find_hdlc(buf))
    assert kinds(items) == [
        ("frame", 0, len(a)),
        ("garbage", len(a), len(a) + len(b)),
        ("frame", len(a) + len(b), len(buf)),
    ]


def test_random_streams_are_always_covered_exactly():
    rng = random.Random(20240601)
    pool = SESSION + [data(v["id"]) for v in by_layer("hdlc") if not v.get("frames")]
    for _ in range(400):
        parts = []
        for _ in range(rng.randint(0, 6)):
            r = rng.random()
            if r < 0.5:
                parts.append(rng.choice(pool))
            elif r < 0.7:
                parts.append(
                    bytes(
                        rng.choice([0x7E, 0xA0, 0x7D, rng.randrange(256)])
                        for _ in range(rng.randint(1, 8))
                    )
                )
            else:
                f = bytearray(rng.choice(pool))
                for _ in range(rng.randint(1, 3)):
                    f[rng.randrange(len(f))] = rng.randrange(256)
                parts.append(bytes(f[: rng.randint(1, len(f))]))
        buf = b"".join(parts)
        for stuffed in (False, True):
            assert covered(list(find_hdlc(buf, stuffed=stuffed)), buf) == buf


# --- octet stuffing -------------------------------------------------------------------------------


def test_stuffed_frame_is_found_unstuffed_and_rebuilt():
    v = vector("hdlc-stuffed-amshan")
    buf = data(v["id"])
    items = list(find_hdlc(buf))  # stuffing recognised from the frame itself
    assert len(items) == 1 and items[0].ok
    assert items[0].frame.information == bytes.fromhex(v["expected"]["unstuffed_payload"])
    assert covered(items, buf) == buf
    assert not [i for i in find_hdlc(buf, stuffed=False) if isinstance(i, Frame)]


def test_stuffed_frames_with_flags_in_a_stream():
    body = data("hdlc-stuffed-amshan")
    buf = b"\x7e" + body + b"\x7e" + body + b"\x7e\x7e" + body[:5]
    items = list(find_hdlc(buf))
    n = len(body)
    assert kinds(items) == [
        ("frame", 0, n + 2),
        ("frame", n + 2, 2 * n + 3),
        ("truncated", 2 * n + 3, len(buf)),
    ]
    assert items[1].frame.opening_flag is False and items[1].frame.closing_flag is True
    assert covered(items, buf) == buf


# --- wrapper --------------------------------------------------------------------------------------


def test_wrapper_stream_with_garbage_and_a_truncated_tail():
    w = [data(v["id"]) for v in by_layer("wrapper")]
    buf = b"\xff\xee" + w[0] + w[1] + b"\x02\x03" + w[2] + w[0][:20]
    items = list(find_wrapper(buf))
    ends = [2, 2 + len(w[0]), 2 + len(w[0]) + len(w[1])]
    assert kinds(items) == [
        ("garbage", 0, 2),
        ("frame", 2, ends[1]),
        ("frame", ends[1], ends[2]),
        ("garbage", ends[2], ends[2] + 2),
        ("frame", ends[2] + 2, ends[2] + 2 + len(w[2])),
        ("truncated", ends[2] + 2 + len(w[2]), len(buf)),
    ]
    assert [i.frame.length for i in items if isinstance(i, Frame)] == [
        vector(v["id"])["expected"]["wrapper"]["length"] for v in by_layer("wrapper")
    ]
    assert covered(items, buf) == buf


# --- M-Bus ----------------------------------------------------------------------------------------


def test_mbus_stream_with_ack_garbage_bad_checksum_and_truncation():
    raw = data("mbus-kaifa-tinetz-ciphered")
    first, second = [i.build() for i in find_mbus(raw)]
    bad = bytearray(second)
    bad[-2] ^= 0x01  # checksum
    buf = b"\xe5" + first + b"\x00\x68\x99" + bytes(bad) + second[:30]
    items = list(find_mbus(buf))
    p = [1, 1 + len(first), 4 + len(first), 4 + len(first) + len(second)]
    assert kinds(items) == [
        ("frame", 0, 1),
        ("frame", 1, p[1]),
        ("garbage", p[1], p[2]),
        ("frame", p[2], p[3]),
        ("truncated", p[3], len(buf)),
    ]
    assert items[0].frame.frame_type == "single_character"
    assert [i.ok for i in items if isinstance(i, Frame)] == [True, True, False]
    assert covered(items, buf) == buf


# --- detection ------------------------------------------------------------------------------------


@pytest.mark.parametrize("vid", [v["id"] for v in by_layer("apdu")])
def test_bare_apdus_are_detected_as_apdu(vid):
    assert detect(data(vid)) == "apdu"


def test_detect_short_mbus_and_flag_runs():
    assert detect(bytes.fromhex("105bfe5916")) == "mbus"
    assert detect(b"\xe5") == "mbus"
    assert detect(b"\x7e\x7e" + SESSION[0][1:]) == "hdlc"
    assert detect(b"") == "apdu"
