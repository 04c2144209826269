"""Regressions of issue 15's first fuzz run, each on the input it was found with."""

from __future__ import annotations

import pytest

from tests._vectors import data
from translator import decode, encode


@pytest.mark.parametrize("octets", [
    bytes.fromhex("7ea8120321104a40e6e600c001c100010099497e7ea0100321120e00002a0000ff0200cae87e"),
    *(data(vid) for vid in ("push-lg-e450-unencrypted-valid-data1",
                            "push-lg-e570-encrypted-valid-data",
                            "push-lg-e570-unencrypted-valid-data-cfg2026",
                            "push-iskra-am550-unencrypted-valid-data",
                            "mbus-kaifa-tinetz-ciphered")),
], ids=["segmented-get", "lg-e450", "lg-e570-enc", "lg-e570", "iskra-am550", "kaifa-mbus"])
def test_a_message_in_several_frames_encodes_back_to_every_frame(octets):
    """DESIGN section 4: ``encode(decode(x)) == x``, all its frames, not the last one only."""
    msg = decode(octets)
    assert msg.parts and encode(msg) == octets


def test_a_long_run_of_flags_fed_one_octet_at_a_time_stays_small_and_is_one_message():
    """A run of 0x7E fed octet by octet: the decoder keeps only the run's last octets buffered
    (so each feed costs the same, not the whole run again), and the run comes out as one
    message of spare flags covering every octet."""
    from translator.decoding import _HOLD, StreamDecoder

    decoder = StreamDecoder(layer="hdlc")
    out = []
    for _ in range(5000):
        out += decoder.feed(b"\x7e")
        assert len(decoder._buf) <= _HOLD + 1
    out += decoder.finish()
    assert [(m.framing, m.offset, len(m.raw), m.errors) for m in out] == [("garbage", 0, 5000, [])]


def test_garbage_between_frames_fed_octet_by_octet_is_one_message_each():
    """Garbage and spare flags between two real frames (the README's GET request) come out as
    one message per run, the frames whole, and every octet once."""
    from translator.decoding import StreamDecoder

    frame = bytes.fromhex("7EA0190321326FD8E6E600C001C1000100002A0000FF020012807E")
    data = b"\x01\x02\x03" * 50 + frame + b"\x7e" * 30 + frame
    decoder = StreamDecoder(layer="hdlc")
    out = []
    for octet in data:
        out += decoder.feed(bytes([octet]))
    out += decoder.finish()
    assert [(m.framing, m.offset, len(m.raw)) for m in out] == [
        ("garbage", 0, 150), ("hdlc", 150, 27), ("garbage", 177, 30), ("hdlc", 207, 27)]
    assert out[1].service == out[3].service == "get_request_normal"
    assert b"".join(encode(m) for m in out) == data


@pytest.mark.parametrize("element", ["Array", "Structure"])
@pytest.mark.parametrize("depth", [165, 199])
def test_deep_xml_is_one_line_not_a_recursion_error(element, depth):
    """``from_xml`` of A-XDR nested past what the schemas build: an ``XmlError`` naming the
    bound (the XML depth bound sits below the build's recursion), and ``dlms encode`` exits 1
    with one line."""
    import subprocess
    import sys

    from translator.errors import XmlError
    from translator.xml import from_xml

    text = f'<{element} Qty="01">' * depth + f"</{element}>" * depth
    with pytest.raises(XmlError, match="nested deeper than"):
        from_xml(text)
    out = subprocess.run([sys.executable, "-m", "translator", "encode", "-"], input=text,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and len(out.stderr.splitlines()) == 1, out.stderr
