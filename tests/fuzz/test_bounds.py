"""The bounds issue 15 asked for, each at its edge: a run of garbage is one message (linear,
small), A-XDR nesting has one bound in every entry point, and a cut capture says where."""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc

import pytest

from tests._vectors import data
from translator import decode, decode_all, encode
from translator.decoding import StreamDecoder
from translator.errors import DecodeError, EncodeError, TranslatorError
from translator.schema import _compile
from translator.schema._core import MAX_NESTING, parse
from translator.schema.axdr import Data

from .generators import hdlc_frame, wrapper_frame

GARBAGE = bytes.fromhex("0001" * 100000)


# --- a run of garbage --------------------------------------------------------------------------

def test_a_run_of_false_wrapper_headers_is_one_garbage_message_fast_and_small():
    """200 kB of ``00 01``: each 10 octets look like a wrapper header with one APDU octet (0x00,
    no APDU tag). It was 40,000 error messages, 7 s and 300 MB."""
    decode_all(GARBAGE[:100])  # warm
    tracemalloc.start()
    start = time.perf_counter()
    msgs = decode_all(GARBAGE)
    took = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(msgs) <= 3, [(m.framing, m.offset, len(m.raw)) for m in msgs]
    assert msgs[-1].framing == "garbage" and msgs[-1].errors
    assert b"".join(map(encode, msgs)) == GARBAGE
    assert took < 2.0  # 0.2 s here; tracemalloc and a shared CI machine slow it
    assert peak < 20 * 2**20


def test_real_messages_around_the_garbage_stay_whole():
    """Real wrapper messages (Gurux's UDP notifications) before and after the run decode as
    before; the run between them is one garbage message with its span."""
    first, last = data("wrapper-udp-ggc-ic-0001e502"), data("wrapper-udp-ggc-ic-0001e603")
    run = GARBAGE[:2001]  # ends in 00: the next header is then 0100 ...: one octet more
    stream = first + run + last
    msgs = decode_all(stream)
    assert [m.framing for m in msgs] == ["wrapper", "garbage", "wrapper"]
    assert msgs[0].raw == first and msgs[2].raw == last
    assert (msgs[1].offset, len(msgs[1].raw)) == (len(first), len(run))
    assert msgs[0].service == msgs[2].service == decode(first).service
    assert not msgs[0].fatal and not msgs[2].fatal
    assert b"".join(map(encode, msgs)) == stream


def test_the_stream_decoder_agrees_on_the_run():
    first, last = data("wrapper-udp-ggc-ic-0001e502"), data("wrapper-udp-ggc-ic-0001e603")
    stream = first + GARBAGE[:2001] + last
    decoder = StreamDecoder("wrapper")
    out = []
    for at in range(0, len(stream), 97):
        out += decoder.feed(stream[at:at + 97])
    out += decoder.finish()
    assert [m.framing for m in out if m.framing != "garbage"] == ["wrapper", "wrapper"]
    assert sum(m.framing == "garbage" for m in out) <= 3
    assert b"".join(map(encode, out)) == stream


def test_a_real_frame_with_a_bad_apdu_after_garbage_is_still_a_frame():
    """Only frames whose APDU starts with no APDU tag join the run: a GET-Response cut short
    after garbage stays a wrapper message (decoded leniently, with a note)."""
    frame = wrapper_frame(bytes.fromhex("c401c100090401"))  # octet-string says 4, 1 follows
    msgs = decode_all(b"\x07\x07\x07" + frame, layer="wrapper")
    assert [m.framing for m in msgs] == ["garbage", "wrapper"]
    assert msgs[1].service == "get_response_normal"


# --- one nesting bound -------------------------------------------------------------------------

def _nested(depth: int) -> bytes:
    return b"\x02\x01" * depth + b"\x11\x07"


def _entry_points(value: bytes):
    apdu = b"\xc4\x01\xc1\x00" + value
    wrapped = wrapper_frame(apdu)
    framed = hdlc_frame(b"\xe6\xe7\x00" + apdu)
    return {
        "decode data": lambda: decode(value, layer="data"),
        "decode apdu": lambda: decode(apdu, layer="apdu"),
        "decode wrapper": lambda: decode(wrapped),
        "decode hdlc": lambda: decode(framed),
        "decode_all": lambda: _fatal(decode_all(framed + framed)),
        "stream": lambda: _fatal(StreamDecoder("hdlc").feed(framed + framed)),
        "construct": lambda: parse(Data, value, "axdr"),
        "generated": lambda: _compile.fast_parse(Data, value, "axdr"),
    }


def _fatal(msgs):
    for m in msgs:
        if m.fatal:
            raise m.errors[0]
    return msgs


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, MAX_NESTING + 30, 900])
def test_deeper_than_the_bound_is_one_decode_error_naming_it_everywhere(depth):
    for name, call in _entry_points(_nested(depth)).items():
        with pytest.raises(DecodeError, match=f"at most {MAX_NESTING} arrays/structures") as e:
            call()
        assert "\n" not in str(e.value), name
    with pytest.raises(DecodeError, match=f"at most {MAX_NESTING} arrays/structures"):
        decode(_nested(depth * 10), layer="data")  # far beyond Python's recursion limit


def test_the_bound_itself_decodes_and_round_trips_everywhere():
    value = _nested(MAX_NESTING)
    for name, call in _entry_points(value).items():
        assert call() is not None, name
    assert encode(decode(value, layer="data")) == value


def test_the_generated_parser_hands_over_below_the_bound():
    """The fast path gives up (to construct, which checks the bound) before it could accept a
    value deeper than MAX_NESTING: at most (MAX_DEPTH + 2) calls of 3 levels each."""
    assert (_compile.MAX_DEPTH + 2) * (_compile._UNROLL + 1) < MAX_NESTING


def test_xml_and_encode_name_the_same_bound():
    from translator.xml import from_xml

    ok = '<Structure Qty="01">' * MAX_NESTING + "<None />" + "</Structure>" * MAX_NESTING
    assert from_xml(ok) == b"\x02\x01" * MAX_NESTING + b"\x00"
    deep = '<Structure Qty="01">' * (MAX_NESTING + 1) + "<None />" + "</Structure>" * (
        MAX_NESTING + 1)
    with pytest.raises(TranslatorError, match=f"at most {MAX_NESTING} arrays/structures"):
        from_xml(deep)
    msg = decode(_nested(MAX_NESTING), layer="data")
    inner = msg.apdu
    for _ in range(MAX_NESTING - 1):
        inner = inner["value"][0]
    inner["value"][0] = {"tag": "structure", "value": [{"tag": "null_data", "value": None}]}
    with pytest.raises(EncodeError, match=f"at most {MAX_NESTING} arrays/structures"):
        encode(msg)


def test_compact_array_type_descriptions_have_the_bound_too():
    description = b"\x02\x01" * (MAX_NESTING + 5) + b"\x11"
    with pytest.raises(DecodeError, match=f"at most {MAX_NESTING}"):
        decode(b"\x13" + description + b"\x01\x07", layer="data")


def test_the_cli_says_the_bound_in_one_line():
    out = subprocess.run([sys.executable, "-m", "translator", "decode", "--layer", "data",
                          _nested(300).hex()], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert f"at most {MAX_NESTING}" in out.stderr


def test_streams_cut_anywhere_agree_with_decode_all_on_garbage_runs():
    """Real frames between runs of false wrapper frames (short and long APDUs that start with
    no APDU tag) and garbage, fed in chunks of any size: the same real messages as
    ``decode_all`` at the same offsets, and every octet back."""
    from hypothesis import given
    from hypothesis import strategies as st

    from .profile import fuzz_settings

    real = [data("wrapper-udp-ggc-ic-0001e502"), data("wrapper-udp-ggc-ic-0001e603"),
            data("wrapper-tcp-aarq-sn-jdlms")]
    pieces = st.one_of(
        st.sampled_from(real),
        st.integers(1, 400).map(lambda n: bytes.fromhex("0001" * n)),
        st.integers(0, 40).map(lambda n: wrapper_frame(b"\x00" * n)),
        st.binary(min_size=1, max_size=30))

    @fuzz_settings(0.5)
    @given(parts=st.lists(pieces, min_size=1, max_size=8), sizes=st.lists(
        st.integers(1, 120), min_size=1, max_size=20))
    def check(parts, sizes):
        stream = b"".join(parts)
        decoder, out, at, k = StreamDecoder("wrapper"), [], 0, 0
        while at < len(stream):
            size = sizes[k % len(sizes)]
            out += decoder.feed(stream[at:at + size])
            at, k = at + size, k + 1
        out += decoder.finish()
        assert b"".join(map(encode, out)) == stream
        whole = decode_all(stream, layer="wrapper")

        def real_ones(msgs):
            return [(m.offset, m.raw) for m in msgs if m.framing != "garbage" and not m.fatal]
        assert real_ones(out) == real_ones(whole)

    check()
