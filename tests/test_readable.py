"""Readable values in the text tree and JSON: the HAN pushes print their values with units as
their sources state them (vectors.json 'expected', from toreamun/amshan's assertions and the
dlms-cosem example), and the README's GET request names its class, object and invoke id.
"""

from __future__ import annotations

import io
import json

import pytest

from translator import decode, decode_all
from translator.cli import main
from translator.views import values
from translator.views.jsonview import message_to_json
from translator.views.text import print_messages

from ._vectors import data, vector

# the Kamstrup push: OBIS code -> (the vector's 'expected' key, unit symbol of the Blue Book)
KAMSTRUP = {
    "0101010700FF": ("active_power_import_W", "W"), "0101020700FF": ("active_power_export_W", "W"),
    "0101030700FF": ("reactive_power_import_var", "var"),
    "0101040700FF": ("reactive_power_export_var", "var"),
    "01011F0700FF": ("current_l1_A", "A"), "0101330700FF": ("current_l2_A", "A"),
    "0101470700FF": ("current_l3_A", "A"),
    "0101200700FF": ("voltage_l1_V", "V"), "0101340700FF": ("voltage_l2_V", "V"),
    "0101480700FF": ("voltage_l3_V", "V"),
}
# the Aidon list 2 push (amshan's decoded_by_amshan keys)
AIDON = {
    "0100010700FF": ("active_power_import", "W"), "0100020700FF": ("active_power_export", "W"),
    "0100030700FF": ("reactive_power_import", "var"),
    "0100040700FF": ("reactive_power_export", "var"),
    "01001F0700FF": ("current_l1", "A"), "0100470700FF": ("current_l3", "A"),
    "0100200700FF": ("voltage_l1", "V"), "0100340700FF": ("voltage_l2", "V"),
    "0100480700FF": ("voltage_l3", "V"),
}


def _text(raw: bytes, **kwargs) -> str:
    out = io.StringIO()
    print_messages(decode_all(raw), file=out, **kwargs)
    return out.getvalue()


def _pairs(items: list) -> dict[str, dict]:
    """OBIS (hex) -> the JSON item that follows it, through a flat list or {OBIS, value, ...}
    structures."""
    out = {}
    for i, item in enumerate(items):
        if item["tag"] == "structure":
            out.update(_pairs(item["value"]))
        elif item["tag"] == "octet_string" and len(item["value"]) == 12 and i + 1 < len(items):
            out[item["value"]] = items[i + 1]
    return out


def _expected_text(number, unit: str) -> str:
    return f"{number} {unit}"


@pytest.mark.parametrize("vid, table, expected", [
    ("hdlc-ui-kamstrup-han-push", KAMSTRUP, lambda v: v["expected"]),
    ("push-aidon-no-list-2", AIDON, lambda v: v["expected"]["decoded_by_amshan"]),
])
def test_han_pushes_show_their_values_with_units(vid, table, expected):
    stated = expected(vector(vid))
    want = {obis: _expected_text(stated[key], unit) for obis, (key, unit) in table.items()}
    # JSON: "text" beside the value of each OBIS code
    body = message_to_json(decode(data(vid)))["layers"]["apdu"]["body"]
    items = body["notification_body"]["data_value"]["value"]
    got = {obis: item.get("text") for obis, item in _pairs(items).items() if obis in want}
    assert got == want
    # text tree: one line per item with its type and the same text
    text = _text(data(vid))
    for line in want.values():
        assert f"-unsigned: {line}" in text or f"long: {line}" in text, line


def test_kamstrup_json_keeps_the_raw_value_and_shows_strings_as_text():
    v = vector("hdlc-ui-kamstrup-han-push")
    body = message_to_json(decode(data("hdlc-ui-kamstrup-han-push")))["layers"]["apdu"]["body"]
    items = body["notification_body"]["data_value"]["value"]
    assert items[0] == {"tag": "visible_string", "value": v["expected"]["list_version"]}
    assert items[2]["value"] == v["expected"]["meter_id"]
    assert items[4]["value"] == v["expected"]["meter_type"]
    power = _pairs(items)["0101010700FF"]
    assert power == {"tag": "double_long_unsigned", "value": 826, "text": "826 W"}
    # the push's date-time: 2022-01-24 18:58:50, deviation unspecified (vector's 'datetime')
    stamp = body["date_time"]["value"]
    assert stamp["value"] == "07E6011801123A32FF800000"
    assert stamp["text"].startswith("2022-01-24T18:58:50 (deviation not specified")


def test_aidon_clock_is_iso_8601_with_deviation_and_status():
    # vector: 07E30C1001073B28FF8000FF = 2019-12-16 Mon 07:59:40, deviation 0x8000, status 0xFF
    text = _text(data("hdlc-ui-aidon-se-push"))
    assert ("octet-string: 2019-12-16T07:59:40 (deviation not specified, clock status not "
            "specified)") in text
    assert "octet-string: 0-0:1.0.0*255 (Clock)" in text


README_GET = "7EA0190321326FD8E6E600C001C1000100002A0000FF020012807E"


def test_readme_get_request_text_tree(capsys):
    assert bytes.fromhex(README_GET) == data("hdlc-gurux-readme-get-ldn")
    # the vector's source: GET-Request-Normal invoke 0xC1, class 1, 0.0.42.0.0.255, attr 2;
    # Blue Book: class 1 is Data (attribute 2 its value), 0-0:42.0.0 the COSEM logical device
    # name; Green Book: 0xC1 = priority high (bit 7), confirmed (bit 6), invoke id 1 (bits 0-3)
    assert main(["decode", README_GET]) == 0
    out = capsys.readouterr().out
    assert "Class Id: 1 (Data) @14+2" in out
    assert "Instance Id: 0-0:42.0.0*255 (COSEM logical device name) @16+6" in out
    assert "Attribute Id: 2 (value) @22+1" in out
    assert "Invoke Id And Priority: 0xC1 (invoke id 1, priority high, confirmed) @13+1" in out


# `dlms decode --pdu-only` of the README frame as main printed it before the readable tree
MAIN_RAW = """\
#1 hdlc get_request_normal @0+27
└── apdu @11+13
    ├── tag: get_request (192) @11+1
    └── body @12+12
        ├── tag: get_request_normal (1) @12+1
        └── get_request @13+11
            ├── invoke_id_and_priority: 193 (0xC1) @13+1
            ├── cosem_attribute_descriptor @14+9
            │   ├── class_id: 1 @14+2
            │   ├── instance_id: 0.0.42.0.0.255  (00 00 2A 00 00 FF) @16+6
            │   └── attribute_id: 2 @22+1
            └── access_selection: - @23+1
"""


def test_raw_keeps_the_schema_fields(capsys):
    assert main(["decode", "--raw", "--pdu-only", README_GET]) == 0
    assert capsys.readouterr().out == MAIN_RAW


def test_data_text_and_scaled_keep_their_signatures():
    """The capture lines, CSV and the client call these two: plain text, scaled with the unit."""
    scaler_unit = {"tag": "structure", "value": [{"tag": "integer", "value": -2},
                                                 {"tag": "enum", "value": 33}]}
    # the Kamstrup current L1: 237 with scaler -2, unit 33 (A) = 2.37 A (vector: current_l1_A)
    assert values.data_text({"tag": "double_long_unsigned", "value": 237}, scaler_unit) == "2.37 A"
    assert values.scaled(237, scaler_unit) == (2.37, "A")
    assert values.data_text({"tag": "visible_string", "value": b"Kamstrup_V0001"}) == "Kamstrup_V0001"


def test_json_top_level_invoke_id_is_split():
    out = message_to_json(decode(bytes.fromhex(README_GET)))
    assert (out["invoke_id"], out["priority"], out["service_class"]) == (1, "high", "confirmed")
    push = message_to_json(decode(data("push-aidon-no-list-2")))
    # Long-Invoke-Id-And-Priority 0x40000000: invoke id 0, service class bit 30 = confirmed
    assert (push["invoke_id"], push["priority"], push["service_class"]) == (0, "normal", "confirmed")


def test_names_come_from_specs():
    assert values.class_text(3) == "3 (Register)"
    assert values.attribute_name(3, 3) == "scaler_unit"
    assert values.method_name(70, 1) == "remote_disconnect"
    assert values.unit_name(27) == "W" and values.unit_name(30) == "Wh"
    assert json.loads(json.dumps(values.invoke_text(0xC1))) == \
        "0xC1 (invoke id 1, priority high, confirmed)"


def test_a_scaler_unit_read_earlier_in_the_session_can_be_passed_in():
    """The Gurux HDLC session (captures/*.md): register 1.0.1.8.0.255, value 12345678, scaler -1,
    unit 30 (Wh), its attribute 3 read after its value (packets 21 and 23)."""
    from pathlib import Path

    from rich.console import Console

    from translator.capture.reader import read_capture
    from translator.security import Keyring
    from translator.views.text import message_tree

    captures = Path(__file__).resolve().parent.parent / "captures"
    records = {r.number: r for r in read_capture(
        captures / "gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng",
        keys=Keyring.load(captures / "gurux_default_keys.toml")) if r.number in (21, 23)}
    scaler_unit = records[23].message.cleartext["body"]["get_response"]["result"]["value"]
    value = message_to_json(records[21].message, scaler_unit=scaler_unit)
    result = value["layers"]["plaintext"]["body"]["get_response"]["result"]["value"]
    assert result == {"tag": "double_long_unsigned", "value": 12345678, "text": "1234567.8 Wh"}
    out = io.StringIO()
    Console(file=out, width=400).print(message_tree(records[21].message, scaler_unit=scaler_unit))
    assert "Value: 1234567.8 Wh (double-long-unsigned)" in out.getvalue()


def test_class_attribute_types_from_the_blue_book():
    # Blue Book: Register attribute 3 scaler_unit is scal_unit_type; Clock attribute 2 time is
    # octet-string (date-time), attribute 3 time_zone long; Profile generic attribute 4
    # capture_period double-long-unsigned
    assert (values.attribute_name(3, 3), values.attribute_type(3, 3)) == ("scaler_unit",
                                                                         "scal_unit_type")
    assert (values.attribute_name(8, 2), values.attribute_type(8, 2)) == ("time", "octet-string")
    assert (values.attribute_name(8, 3), values.attribute_type(8, 3)) == ("time_zone", "long")
    assert values.attribute_name(7, 4) == "capture_period"
    assert values.attribute_type(7, 4) == "double-long-unsigned"


def test_raw_json_keeps_the_layers_as_decoded(capsys):
    # the vector's source: class 1, 0.0.42.0.0.255, attribute 2, invoke-id-and-priority 0xC1
    assert main(["decode", "--to", "json", "--raw", README_GET]) == 0
    out = json.loads(capsys.readouterr().out)
    get = out["layers"]["apdu"]["body"]["get_request"]
    assert get["invoke_id_and_priority"] == 0xC1
    assert get["cosem_attribute_descriptor"] == {"class_id": 1, "instance_id": "00002A0000FF",
                                                 "attribute_id": 2}
