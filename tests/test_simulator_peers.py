"""Acceptance 1 of issue 12: the two independent clients of ``../shared/peers`` read
``dlms simulate``.

gurux_read (gurux-dlms) and cosem_read (dlms-cosem) run as processes against the simulator
(also a process) over the wrapper and HDLC, with no authentication, LLS and HLS-GMAC with
security suite 0. What they print is checked against the bundled model file itself, read here
with ``tomllib`` (not through the simulator's loader), and the clock against this machine's.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import tomllib
from pathlib import Path

import pytest

from .peers import KEYS, PEERS, require_peers, simulator

MODEL = Path(__file__).resolve().parents[1] / "translator" / "simulator" / "default_model.toml"
UNITS = json.loads((Path(__file__).resolve().parents[1] / "specs" / "classes.json")
                   .read_text())["units"]
UTC = datetime.UTC

AUTHS = {
    "none": (),
    "low": ("--auth", "low"),
    "gmac": ("--auth", "high-gmac", "--client-address", "1"),
}


@pytest.fixture(scope="module")
def model() -> dict:
    return tomllib.loads(MODEL.read_text())


@pytest.fixture(scope="module")
def meters():
    """One simulator per framing for the whole module, as ``dlms simulate`` starts without
    options (the bundled model's test keys are the peers' defaults)."""
    require_peers()
    with simulator() as (wrapper, _), simulator("--hdlc") as (hdlc, _):
        yield {"wrapper": wrapper, "hdlc": hdlc}


def _run(script: str, framing: str, port: int, auth: str, *extra: str) -> dict:
    python = require_peers()
    options = list(AUTHS[auth])
    if auth == "gmac" and script == "gurux_read.py":
        options += ["--security", "suite0"]
    # a generous reply timeout: the machine may be busy with other tests
    done = subprocess.run([python, str(PEERS / script), f"127.0.0.1:{port}", f"--{framing}",
                           "--timeout", "20", *options, *extra], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-800:]
    return json.loads(done.stdout)


def _check_clock(iso: str) -> None:
    moment = datetime.datetime.fromisoformat(iso)
    if moment.tzinfo is None:        # dlms-cosem prints the meter's local time without offset
        moment = moment.replace(tzinfo=UTC)
    assert abs((datetime.datetime.now(UTC) - moment).total_seconds()) < 30


def _check_register(register: dict, model: dict) -> None:
    table = model["objects"]["1.0.1.8.0.255"]
    assert register["value"] == table["value"]["double_long_unsigned"]
    assert register["scaler"] == table["scaler"]
    assert UNITS[str(register["unit"])] == table["unit"]


def _expected_rows(model: dict, count: int) -> list[list]:
    table = model["objects"]["1.0.99.1.0.255"]
    rule = table["rows"]
    period = datetime.timedelta(seconds=table["capture_period"])
    start = rule["start"]
    return [[(start + n * period).isoformat(),
              rule["first"]["1.0.1.8.0.255"] + n * rule["step"]["1.0.1.8.0.255"]]
            for n in range(count)]


@pytest.mark.parametrize("framing", ["wrapper", "hdlc"])
@pytest.mark.parametrize("auth", ["none", "low", "gmac"])
def test_gurux_reads_the_simulator(meters, model, framing, auth):
    out = _run("gurux_read.py", framing, meters[framing], auth)
    _check_clock(out["clock"]["iso"])
    _check_register(out["register"], model)
    name = model["objects"]["0.0.42.0.0.255"]["value"]["octet_string"].replace(" ", "")
    assert out["device_name"]["hex"] == name.upper()
    listed = {(o["class_id"], o["obis"]) for o in out["association"]}
    classes = {"association_ln": 15, "clock": 8, "data": 1, "register": 3,
               "profile_generic": 7}
    for obis, table in model["objects"].items():
        if table["class"] in classes:
            assert (classes[table["class"]], obis) in listed
    profile = out["profile"]
    assert profile["entries_in_use"] == model["objects"]["1.0.99.1.0.255"]["rows"]["entries"]
    assert [(c["obis"], c["attribute"]) for c in profile["capture_objects"]] == [
        tuple((spec.split(":")[0], int(spec.split(":")[1])))
        for spec in model["objects"]["1.0.99.1.0.255"]["capture_objects"]]
    assert profile["by_entry"]["rows"] == _expected_rows(model, 3)
    # by range: 00:00 to 00:30 inclusive
    assert profile["by_range"]["rows"] == _expected_rows(model, 3)
    assert out["release"] == ({"rlrq": "ok", "disc": "ok"} if framing == "hdlc" else
                              {"rlrq": "ok"})


@pytest.mark.parametrize("framing", ["wrapper", "hdlc"])
@pytest.mark.parametrize("auth", ["none", "low", "gmac"])
def test_dlms_cosem_reads_the_simulator(meters, model, framing, auth):
    out = _run("cosem_read.py", framing, meters[framing], auth)
    _check_clock(out["clock"]["iso"])
    _check_register(out["register"], model)


@pytest.mark.parametrize("framing", ["wrapper", "hdlc"])
def test_gurux_reads_in_blocks_and_segments(meters, model, framing):
    """GET-with-datablock (client max PDU 64), and on HDLC frames of 32 octets both ways."""
    extra = ["--max-pdu", "64"] + (["--max-info", "32"] if framing == "hdlc" else [])
    out = _run("gurux_read.py", framing, meters[framing], "low", *extra)
    _check_register(out["register"], model)
    assert out["profile"]["by_entry"]["rows"] == _expected_rows(model, 3)
    assert len(out["association"]) == len(model["objects"])


def test_gurux_reads_ciphered_blocks(meters, model):
    """Suite 0 with HLS-GMAC and GET-with-datablock: each ciphered block fits the client's 64."""
    out = _run("gurux_read.py", "hdlc", meters["hdlc"], "gmac", "--max-pdu", "64")
    _check_register(out["register"], model)
    assert out["profile"]["by_range"]["rows"] == _expected_rows(model, 3)


@pytest.mark.parametrize("script", ["gurux_read.py", "cosem_read.py"])
def test_wrong_keys_or_password_are_refused(meters, script):
    python = require_peers()
    wrong = (["--auth", "low", "--password", "wrong-one"] if script == "cosem_read.py" else
             ["--security", "suite0", "--auth", "high-gmac", "--client-address", "1",
              "--auth-key", "00" * 16])
    done = subprocess.run([python, str(PEERS / script), f"127.0.0.1:{meters['wrapper']}",
                           "--wrapper", *wrong], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout


def test_a_meter_that_requires_hls_gmac_and_ciphering(model):
    """``dlms simulate --auth high --sc 30``: gurux without authentication is refused (exit 1),
    with HLS-GMAC and suite 0 it reads."""
    require_peers()
    with simulator("--keys", str(KEYS), "--auth", "high", "--sc", "30") as (port, _):
        python = require_peers()
        done = subprocess.run([python, str(PEERS / "gurux_read.py"), f"127.0.0.1:{port}",
                               "--wrapper"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        out = _run("gurux_read.py", "wrapper", port, "gmac")
        _check_register(out["register"], model)
