"""Plain values of decoded A-XDR: a tagged date-time that names no instant keeps its octets."""

from __future__ import annotations

import datetime

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
