"""Acceptance 5 of issue 12: the bundled model and the documented example load; a model with a
mistake gives one line naming its table and key (through the API and ``dlms simulate``)."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from translator.simulator import ModelError, load_model
from translator.simulator.model import loads_model

HERE = Path(__file__).resolve().parents[1] / "translator" / "simulator"
DOC = (HERE / "MODEL.md").read_text()
EXAMPLE = re.findall(r"```toml\n(.*?)```", DOC, re.S)[-1]


def test_the_bundled_model_loads_with_what_head_ends_and_peers_read():
    model = load_model()
    text = tomllib.loads((HERE / "default_model.toml").read_text())
    assert [bytes(o.logical_name) for o in model.objects.values()] == [
        bytes(int(g) for g in name.split(".")) for name in text["objects"]]
    for name in ("0.0.40.0.0.255", "0.0.1.0.0.255", "0.0.42.0.0.255", "1.0.1.8.0.255",
                 "1.0.99.1.0.255"):
        assert name in text["objects"]
    profile = model.objects[bytes([1, 0, 99, 1, 0, 255])]
    assert len(profile.rows) == text["objects"]["1.0.99.1.0.255"]["rows"]["entries"]
    assert model.password == text["meter"]["password"].encode()


def test_the_documented_example_loads():
    document = tomllib.loads(EXAMPLE)
    model = loads_model(EXAMPLE, "MODEL.md")
    assert len(model.objects) == len(document["objects"])
    daily = model.objects[bytes([1, 0, 99, 2, 0, 255])]
    assert [row["value"][1]["value"] for row in daily.rows] == [
        row[1] for row in document["objects"]["1.0.99.2.0.255"]["rows"]]
    assert model.push is not None and model.push.port == 4065
    name = model.objects[bytes([0, 0, 96, 1, 0, 255])]
    assert name.access[2] == "read_only"
    relay = model.objects[bytes([0, 0, 96, 3, 10, 255])]
    assert relay.values[2]["value"] == 0
    clock = model.objects[bytes([0, 0, 1, 0, 0, 255])]
    assert clock.local().utcoffset() == datetime.timedelta(hours=1)


BASE = '[objects."0.0.40.0.0.255"]\nclass = "association_ln"\n'
MISTAKES = [
    (BASE + '[objects."1.0.1.8.0.255"]\nclass = "register"\nscaler = "x"\n',
     '[objects."1.0.1.8.0.255"] scaler: expected an integer'),
    (BASE + '[objects."1.0.1.8.0.255"]\nclass = "register"\nvalue = {long_unsigned = 70000}\n',
     '[objects."1.0.1.8.0.255"] value: {\'long_unsigned\': 70000} does not fit its type'),
    (BASE + '[objects."1.0.1.8.0.255"]\nclass = "registr"\n',
     '[objects."1.0.1.8.0.255"] class: \'registr\' is not a class'),
    (BASE + '[objects."1.0.1.8.0.255"]\nclass = "register"\nscalar = 1\n',
     '[objects."1.0.1.8.0.255"] scalar: unknown key'),
    (BASE + '[objects."1.0.1.8.0.255"]\nclass = "register"\nvalue = {dword = 1}\n',
     '[objects."1.0.1.8.0.255"] value: unknown A-XDR type'),
    (BASE + '[objects."1.0.1.8.0.255"]\nclass = "register"\nunit = "parsec"\n',
     '[objects."1.0.1.8.0.255"] unit: unknown unit'),
    (BASE + '[objects."1.2.3"]\nclass = "data"\n', '[objects."1.2.3"]: not an OBIS code'),
    (BASE + '[objects."1.0.99.1.0.255"]\nclass = "profile_generic"\n'
            'capture_objects = ["0.0.1.0.0.255:2"]\n',
     '[objects."1.0.99.1.0.255"] capture_objects: 0.0.1.0.0.255 is not an object'),
    (BASE + '[objects."0.0.1.0.0.255"]\nclass = "clock"\n[objects."1.0.99.1.0.255"]\n'
            'class = "profile_generic"\ncapture_objects = ["0.0.1.0.0.255:2"]\n'
            '[objects."1.0.99.1.0.255".rows]\nstart = 2025-01-01T00:00:00Z\nentries = 2\n'
            'steps = 1\n', '[objects."1.0.99.1.0.255".rows] steps: unknown key'),
    ('[meter]\nsystem_title = "0102"\n' + BASE, "[meter] system_title: 8 octets"),
    ('[meter]\npasword = "x"\n' + BASE, "[meter] pasword: unknown key"),
    (BASE + '[push]\ndestination = "nowhere"\nobjects = []\n',
     "[push] destination: host:port expected"),
    ('[objects."0.0.42.0.0.255"]\nclass = "data"\n', "needs an association_ln"),
    ('[objects\nclass = 1', "not TOML"),
    (BASE + '[meters]\npassword = "x"\n', "[meters]: unknown key"),
    (BASE + '[keys.default]\nblock_cipher = "00"\n', "[keys]: [default]: unknown key name"),
]


@pytest.mark.parametrize("text,expected", [m for m in MISTAKES if m[1]])
def test_a_mistake_is_one_line_naming_table_and_key(text, expected):
    with pytest.raises(ModelError) as info:
        loads_model(text, "meter.toml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("meter.toml: ")
    assert expected in message


def test_dlms_simulate_with_a_bad_model_says_one_line(tmp_path):
    bad = tmp_path / "meter.toml"
    bad.write_text(MISTAKES[0][0])
    done = subprocess.run([sys.executable, "-m", "translator.simulator", "--model", str(bad),
                           "--port", "0"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == (f"dlms: error: {bad}: [objects.\"1.0.1.8.0.255\"] scaler: expected an "
                        "integer, got a text ('x')")
