"""StreamDecoder: chunks of a byte stream give the same messages as the whole stream at once."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests._vectors import data, frames
from translator import decode_all, encode
from translator.decoding import StreamDecoder

STREAMS = {
    "hdlc-session": b"".join(frames("hdlc-session-clock-jdlms")),
    "iskra-segments": data("push-iskra-am550-unencrypted-valid-data"),
    "gbt-incomplete-then-complete": data("push-lg-e450-unencrypted-valid-data"),
    "gbt-duplicated": data("push-lg-e450-unencrypted-invalid-data"),
    "wrappers": data("wrapper-tcp-aarq-sn-jdlms") + data("wrapper-udp-ggc-ic-0001e502") * 3,
    "mbus": data("mbus-kaifa-tinetz-ciphered"),
}


def _summary(msgs):
    return [(m.offset, m.framing, m.service, len(m.raw), [str(e) for e in m.errors]) for m in msgs]


def _chunked(stream: bytes, sizes: list[int]) -> list:
    dec = StreamDecoder()
    out, pos, i = [], 0, 0
    while pos < len(stream):
        n = sizes[i % len(sizes)]
        out.extend(dec.feed(stream[pos:pos + n]))
        pos += n
        i += 1
    out.extend(dec.finish())
    return sorted(out, key=lambda m: m.offset)


@pytest.mark.parametrize("name", sorted(STREAMS))
@pytest.mark.parametrize("size", [1, 3, 7, 64, 100000])
def test_fixed_chunks(name, size):
    stream = STREAMS[name]
    whole = decode_all(stream)
    got = _chunked(stream, [size])
    assert _summary(got) == _summary(whole)
    assert b"".join(map(encode, got)) == stream


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(STREAMS)), st.lists(st.integers(1, 300), min_size=1, max_size=20))
def test_random_chunks(name, sizes):
    stream = STREAMS[name]
    assert _summary(_chunked(stream, sizes)) == _summary(decode_all(stream))


def test_memory_holds_at_most_an_unfinished_frame():
    stream = STREAMS["hdlc-session"] * 50
    dec = StreamDecoder()
    biggest = 0
    for i in range(0, len(stream), 10):
        dec.feed(stream[i:i + 10])
        biggest = max(biggest, len(dec._buf))
    assert biggest < 64  # a frame of this session is at most 27 octets (+ one chunk)
