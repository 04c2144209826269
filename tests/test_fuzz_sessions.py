"""Hypothesis on the entry points the live parts added (issue 15's harness, first targets):
the stream decoder fed in random chunks, the client's and the simulator's association fed
mutated APDUs, and the trace reader fed any text. Seeds are real octets: the Gurux sessions'
APDUs (via their captures' payloads) and the vectors. Only the project's own errors may come
out, and what decodes encodes back."""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._vectors import VECTORS, data
from translator import encode
from translator.client.association import Association
from translator.client.requests import AttributeRef
from translator.client.settings import AssociationSettings
from translator.decoding import StreamDecoder
from translator.errors import TranslatorError
from translator.simulator import ServerSettings, load_model
from translator.simulator.association import ServerAssociation

FRAMED = [data(vid) for vid, v in VECTORS.items() if v["layer"] in ("hdlc", "wrapper")]
APDUS = [data(vid) for vid, v in VECTORS.items() if v["layer"] == "apdu"]
# the AARE of the Gurux wrapper session (LN, no security, max PDU 0xFFFF)
AARE = bytes.fromhex("6129a109060760857405080101a203020100a305a103020100be10040e0800065f1f04"
                     "00401e5dffff0007")


def _mutated(draw, seed: bytes) -> bytes:
    octets = bytearray(seed)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.integers(0, 2))
        if op == 0 and octets:
            octets[draw(st.integers(0, len(octets) - 1))] = draw(st.integers(0, 255))
        elif op == 1 and octets:
            del octets[draw(st.integers(0, len(octets) - 1))]
        else:
            octets.insert(draw(st.integers(0, len(octets))), draw(st.integers(0, 255)))
    return bytes(octets)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_stream_decoder_in_random_chunks_gives_back_every_octet(draw):
    stream = b"".join(_mutated(draw.draw, draw.draw(st.sampled_from(FRAMED)))
                      for _ in range(draw.draw(st.integers(1, 3))))
    layer = "wrapper" if stream[:2] == b"\x00\x01" else "hdlc"
    decoder = StreamDecoder(layer=layer)
    out, at = [], 0
    while at < len(stream):
        size = draw.draw(st.integers(1, 40))
        out += decoder.feed(stream[at:at + size])
        at += size
    out += decoder.finish()
    assert b"".join(encode(m) for m in out) == stream


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_client_association_takes_any_reply_with_its_own_errors(draw):
    assoc = Association(AssociationSettings())
    assoc.associate()
    assoc.apdus_to_send()
    assoc.receive_apdu(AARE)
    assoc.get(AttributeRef(8, bytes((0, 0, 1, 0, 0, 255)), 2))
    assoc.apdus_to_send()
    reply = _mutated(draw.draw, draw.draw(st.sampled_from(APDUS)))
    try:
        assoc.receive_apdu(reply)
    except TranslatorError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_simulator_association_answers_any_request(draw):
    meter = ServerAssociation(_model(), ServerSettings())
    request = _mutated(draw.draw, draw.draw(st.sampled_from(APDUS)))
    try:
        replies = meter.receive_apdu(request)
    except TranslatorError:
        return
    assert all(isinstance(r, bytes) for r in replies)


@functools.cache
def _model():
    return load_model()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_trace_reader_takes_any_text(text):
    from translator.capture.traces import parse_trace
    for chunk in parse_trace(text.splitlines()):
        assert isinstance(chunk.data, bytes) and chunk.data


@pytest.mark.parametrize("seed", [0, 1])
def test_seeds_are_real(seed):
    """The harness is seeded from real octets: the vectors' frames and APDUs exist."""
    assert FRAMED and APDUS and len(AARE) == 43
