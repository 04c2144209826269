"""ObisCode: the three notations, the name lookup with wildcards, and a name (or a reasoned group
name) for every logical name in the vectors and the bundled captures.

The expected names are the Blue Book's (DLMS UA 1000-1, IEC 62056-6-1 OBIS): value group A is the
medium (0 abstract, 1 electricity), B the channel, C the quantity (for A = 1: 1 active power+,
2 active power-, 3 and 4 reactive power+/-, 31/51/71 currents and 32/52/72 voltages of L1/L2/L3),
D the processing (7 instantaneous value, 8 time integral 1 = energy), E the tariff (0 = total),
F the billing period (255 = not used); 128..254 in C, D or E are manufacturer specific.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from translator import decode_all
from translator.capture.reader import read_capture
from translator.cosem.obis import ObisCode
from translator.security import Keyring

from ._vectors import by_layer

CAPTURES = Path(__file__).resolve().parent.parent / "captures"


# --- notations: the Blue Book writes A-B:C.D.E*F; tools write A.B.C.D.E.F; the wire the octets --

@pytest.mark.parametrize("text", ["1-0:1.8.0*255", "1-0:1.8.0", "1.0.1.8.0.255", "0100010800FF",
                                  "0x0100010800ff"])
def test_three_notations_parse_to_the_same_six_octets(text):
    assert ObisCode(text) == bytes([1, 0, 1, 8, 0, 255])


def test_each_notation_formats():
    code = ObisCode(bytes([1, 0, 1, 8, 0, 255]))
    assert code.display() == "1-0:1.8.0*255"
    assert code.dotted() == "1.0.1.8.0.255" == str(code)
    assert code.hex() == "0100010800FF"
    assert code.hex(" ") == "01 00 01 08 00 ff"       # bytes.hex with arguments stays bytes.hex


def test_unknown_codes_still_format():
    code = ObisCode("7-0:3.0.0*255")                  # gas (A = 7): no names written for it yet
    assert code.name() is None
    assert code.text() == code.display() == "7-0:3.0.0*255"
    assert ObisCode("65.99.116.105.118.101").name() is None   # ASCII "Acitve", not an OBIS code


# --- names: the Blue Book's object list ----------------------------------------------------------

@pytest.mark.parametrize("text, name", [
    # abstract objects (A = 0), Blue Book object list
    ("0-0:1.0.0*255", "Clock"),
    ("0-0:40.0.0*255", "Current association"),
    ("0-0:42.0.0*255", "COSEM logical device name"),
    ("0-0:41.0.0*255", "SAP assignment"),
    ("0-0:25.9.0*255", "Push setup 0"),
    ("0-0:43.0.1*255", "Security setup 1"),
    ("0-0:96.1.0*255", "Device ID 1, manufacturing number"),
    ("0-0:96.3.10*255", "Disconnect control"),
    ("0-0:21.0.0*255", "General local port readout"),
    ("0-0:99.98.0*255", "Standard event log"),
    # electricity (A = 1): the and Blue Book's examples of C, D, E
    ("1-0:1.8.0*255", "Active energy import +A, total"),
    ("1-0:1.8.1*255", "Active energy import +A, tariff 1"),
    ("1-0:2.8.2*255", "Active energy export -A, tariff 2"),
    ("1-0:1.7.0*255", "Active power import +P"),
    ("1-0:31.7.0*255", "Current L1"),
    ("1-0:51.7.0*255", "Current L2"),
    ("1-0:71.7.0*255", "Current L3"),
    ("1-0:32.7.0*255", "Voltage L1"),
    ("1-0:52.7.0*255", "Voltage L2"),
    ("1-0:72.7.0*255", "Voltage L3"),
    ("1-0:21.7.0*255", "Active power import +P L1"),
    ("1-0:99.1.0*255", "Load profile 1"),
    ("1-0:99.2.0*255", "Load profile 2"),
    ("1-0:98.1.0*255", "Billing profile 0"),
])
def test_names_from_the_blue_book(text, name):
    assert ObisCode(text).name() == name


def test_wildcards_channel_billing_period_and_manufacturer_groups():
    assert ObisCode("1-1:1.8.0*255").name() == "Active energy import +A, total, channel 1"
    assert ObisCode("1-0:1.8.0*3").name() == "Active energy import +A, total, billing period 3"
    assert ObisCode("0-1:24.2.1*255").name() == "M-Bus value 1, channel 1"
    assert ObisCode("1-1:128.0.0*255").name() == "Manufacturer specific object"
    assert ObisCode("1-0:1.8.0*255").text() == "1-0:1.8.0*255 (Active energy import +A, total)"


# --- every logical name in the vectors and bundled captures -------------------------------------

def _logical_names(value, out: set, in_push: bool = False) -> None:
    """instance_id fields, logical names in object lists and capture objects (an octet-string(6)
    after a class id), and the OBIS codes of push lists (notification bodies)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if key.startswith("_"):
                continue
            if key == "instance_id" and isinstance(sub, (bytes, bytearray)) and len(sub) == 6:
                out.add(bytes(sub))
            _logical_names(sub, out, in_push or key == "notification_body")
        if str(value.get("tag")) == "structure":
            items = value["value"]
            for i, item in enumerate(items):
                if str(item["tag"]) == "octet_string" and len(item["value"]) == 6 and (
                        in_push or i > 0 and str(items[i - 1]["tag"]) == "long_unsigned"):
                    out.add(bytes(item["value"]))
    elif isinstance(value, list):
        for sub in value:
            _logical_names(sub, out, in_push)


def _all_logical_names() -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    for v in by_layer("hdlc", "wrapper", "apdu", "mbus", "axdr"):
        msgs = decode_all(bytes.fromhex(v["hex"]), layer="data" if v["layer"] == "axdr" else None)
        for msg in msgs:
            names: set = set()
            _logical_names(msg.cleartext or {}, names)
            for code in names:
                found.setdefault(code, v["id"])
    keys = Keyring.load(CAPTURES / "gurux_default_keys.toml")
    for path in sorted(CAPTURES.iterdir()):
        if path.suffix not in (".pcap", ".pcapng", ".hex"):
            continue
        for record in read_capture(path, keys=keys):
            names = set()
            _logical_names(record.message.cleartext or {}, names)
            for code in names:
                found.setdefault(code, path.name)
    return found


def test_every_logical_name_in_vectors_and_captures_has_a_name():
    found = _all_logical_names()
    assert len(found) > 80                            # pushes, object lists, GETs
    unnamed = {ObisCode(code).display(): where for code, where in found.items()
               if ObisCode(code).name() is None}
    assert unnamed == {}
    # a few, each from its source: the load profile the range-descriptor GET reads, the Kamstrup
    # and Aidon pushes' currents (amshan: current_l1) and the README's logical device name
    names = {ObisCode(code).display(): ObisCode(code).name() for code in found}
    assert names["1-0:99.1.0*255"] == "Load profile 1"
    assert names["1-1:31.7.0*255"] == "Current L1, channel 1"
    assert names["1-0:31.7.0*255"] == "Current L1"
    assert names["0-0:42.0.0*255"] == "COSEM logical device name"
