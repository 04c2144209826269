"""No input makes the decoder crash, hang or allocate beyond its size (issue 3, acceptance 4).

Every prefix and random corruptions of every vector go through every entry point: the only
outcomes allowed are a result or a ``DecodeError``, within a second per input.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._vectors import VECTORS
from translator import DecodeError, decode, decode_all, encode

ALL = [v for v in VECTORS.values() if v["layer"] != "crypto"]
LAYERS = (None, "hdlc", "wrapper", "mbus", "apdu", "data")
SECOND = 1.0


def _inputs(v: dict) -> list[bytes]:
    out = [bytes.fromhex(v["hex"])]
    out += [bytes.fromhex(f) for f in v.get("frames") or []]
    return out


def _try(data: bytes, layer: str | None) -> None:
    start = time.perf_counter()
    try:
        msgs = decode_all(data, layer=layer)
    except DecodeError:
        return
    finally:
        assert time.perf_counter() - start < SECOND, (data.hex(), layer)
    # whatever came back must encode to the input again: nothing the user gave is lost
    assert b"".join(map(encode, msgs)) == data, (data.hex(), layer)


def _prefix_lengths(raw: bytes) -> range | list[int]:
    """Every prefix; for the one 5 kB vector (quadratic: ~2 minutes) every 13th and the last 64.

    Its 69 blocks, which are in `frames`, still have every prefix tried.
    """
    if len(raw) <= 2000:
        return range(len(raw))
    return sorted(set(range(0, len(raw), 13)) | set(range(len(raw) - 64, len(raw))))


@pytest.mark.parametrize("vid", [v["id"] for v in ALL])
def test_every_prefix(vid):
    for raw in _inputs(VECTORS[vid]):
        for n in _prefix_lengths(raw):
            for layer in LAYERS:
                _try(raw[:n], layer)


_corpus = [raw for v in ALL for raw in _inputs(v) if len(raw) <= 1200]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_corruptions(draw):
    raw = bytearray(draw.draw(st.sampled_from(_corpus)))
    for _ in range(draw.draw(st.integers(1, 4))):
        i = draw.draw(st.integers(0, len(raw) - 1))
        raw[i] = draw.draw(st.integers(0, 255))
    cut = draw.draw(st.integers(0, 3))
    if cut:
        i = draw.draw(st.integers(0, len(raw) - 1))
        raw[i:i + cut] = draw.draw(st.binary(max_size=3))
    layer = draw.draw(st.sampled_from(LAYERS))
    _try(bytes(raw), layer)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(LAYERS))
def test_random_bytes(raw, layer):
    _try(raw, layer)


@pytest.mark.parametrize("length", [b"\x84\xff\xff\xff\xff", b"\x83\xff\xff\xff", b"\x82\xff\xff"])
def test_huge_length_fields_are_refused_without_allocating(length):
    # octet-string, array and structure claiming up to 4 GiB in a few octets
    for tag in (b"\x09", b"\x01", b"\x02", b"\x0a"):
        with pytest.raises(DecodeError) as e:
            decode(tag + length + b"\x00", layer="data")
        assert e.value.layer == "axdr" and e.value.offset == 1
