"""Plain values of decoded A-XDR: a tagged date-time that names no instant keeps its octets."""

from __future__ import annotations

import datetime

import pytest

from translator.client.values import to_python
from translator.schema._core import parse
from translator.schema.axdr import Data


def test_a_date_time_with_wildcards_stays_its_12_octets():
    # date-time (tag 0x19): year not specified (FFFF), 1 January, day of week and hundredths
    # not specified, deviation not specified (8000), clock status 0 (Blue Book 4.1.6.1)
    octets = bytes.fromhex("FFFF0101FF000000FF800000")
    assert to_python(parse(Data, b"\x19" + octets, "axdr")) == octets


def test_a_complete_date_time_is_a_datetime():
    octets = bytes.fromhex("07E90101FF0F000000000000")   # 2025-01-01 15:00 UTC
    assert to_python(parse(Data, b"\x19" + octets, "axdr")) == datetime.datetime(
        2025, 1, 1, 15, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(("vid", "text"), [
    # the vectors' own readings: structure(5){long-unsigned 720, long-unsigned 3240, unsigned 18,
    # unsigned 30, integer -64}; structure(4){class 8, 0.0.1.0.0.255, attr 2, data-index 0}
    ("axdr-lte-qos", "[720, 3240, 18, 30, -64]"),
    ("axdr-capture-object-definition", "[8, 0000010000FF, 2, 0]"),
])
def test_a_structure_prints_its_items_on_one_line(vid, text):
    """``dlms read get`` prints a composite value as its items, as a program reads them back."""
    from tests._vectors import data
    from translator.client.views import render

    assert render(parse(Data, data(vid), "axdr")) == text
