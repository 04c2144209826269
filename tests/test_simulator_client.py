"""Acceptance 2 of issue 12: our client against ``dlms simulate`` over loopback.

The simulator runs in this process's event loop (``Simulator.serve_tcp`` on a free port) and our
client talks to it through real sockets; every expected value comes from the bundled model file
read here with ``tomllib``, or from what the test itself wrote.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from translator.client.session import Client
from translator.client.settings import AssociationSettings
from translator.client.values import to_python
from translator.client.views import profile_rows, selective_by_entry, selective_by_range
from translator.security import Keyring
from translator.simulator import LinkOptions, ServerSettings, Simulator, load_model

from .peers import CLIENT_TITLE, KEYS

MODEL = Path(__file__).resolve().parents[1] / "translator" / "simulator" / "default_model.toml"
FILE = tomllib.loads(MODEL.read_text())
UTC = datetime.UTC
REGISTER = "1.0.1.8.0.255"
NAME = "0.0.42.0.0.255"

SETTINGS = {
    "none": {},
    "low": {"authentication": "low", "password": b"12345678"},
    "gmac": {"authentication": "gmac", "security_control": 0x30,
             "system_title": bytes.fromhex(CLIENT_TITLE)},
    "sha256": {"authentication": "sha256", "password": b"12345678",
               "system_title": bytes.fromhex(CLIENT_TITLE)},
    "general-glo": {"security_control": 0x30, "system_title": bytes.fromhex(CLIENT_TITLE),
                    "ciphering": "general-glo"},
    "ded": {"security_control": 0x30, "system_title": bytes.fromhex(CLIENT_TITLE),
            "ciphering": "ded"},
    "general-ded": {"authentication": "gmac", "security_control": 0x30,
                    "system_title": bytes.fromhex(CLIENT_TITLE), "ciphering": "general-ded"},
}


def _settings(auth: str, **extra) -> AssociationSettings:
    options = dict(SETTINGS[auth])
    if "security_control" in options:
        options["keys"] = Keyring.load(KEYS)
    return AssociationSettings(**options, **extra)


async def _serve(framing: str = "wrapper", **link) -> tuple[Simulator, int]:
    simulator = Simulator(load_model(), ServerSettings(keys=Keyring.load(KEYS)),
                          LinkOptions(framing=framing, **link))
    server = await simulator.serve_tcp("127.0.0.1", 0)
    return simulator, server.sockets[0].getsockname()[1]


RECORDINGS: list[Path] = []
"""Every session a test opens is recorded here; ``_decoded`` then reads each with
``dlms capture``."""


def _client(framing: str, port: int, settings: AssociationSettings, **options) -> Client:
    url = f"{'hdlc+tcp' if framing == 'hdlc' else 'tcp'}://127.0.0.1:{port}"
    record = RECORDS_DIR[0] / f"session{len(RECORDINGS)}.pcapng"
    RECORDINGS.append(record)
    return Client(url, settings, timeout=5, record=str(record), **options)


RECORDS_DIR: list[Path] = []


@pytest.fixture(autouse=True)
def _decoded(tmp_path, request):
    """Each interop session is recorded; ``dlms capture`` (with the keys) must decode every
    recording completely and find the association and the services it carried. Sessions the
    meter refuses on purpose (wrong keys) only need their AARQ and AARE found."""
    RECORDINGS.clear()
    RECORDS_DIR[:] = [tmp_path]
    yield
    if shutil.which("tshark") is None:
        return
    assert RECORDINGS and all(path.exists() for path in RECORDINGS)
    for path in RECORDINGS:
        out = subprocess.run([sys.executable, "-m", "translator", "capture", str(path), "--to",
                              "jsonl", "--keys", str(KEYS)], capture_output=True, text=True,
                             timeout=120)
        records = [json.loads(line) for line in out.stdout.splitlines()]
        services = [r["service"] for r in records]
        assert "AARQ" in services, (path.name, out.stderr)
        if "wrong" not in request.node.name:
            assert out.returncode == 0 and not [r for r in records if r["error"]], \
                (path.name, out.stderr)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


@pytest.mark.parametrize("framing", ["wrapper", "hdlc"])
@pytest.mark.parametrize("auth", ["none", "low", "gmac", "sha256", "general-glo", "ded",
                                  "general-ded"])
def test_read_write_action(framing, auth):
    async def go():
        simulator, port = await _serve(framing)
        try:
            async with _client(framing, port, _settings(auth)) as meter:
                objects = await meter.objects()
                assert {str(o["obis"]) for o in objects} == set(FILE["objects"])
                value = await meter.get(REGISTER, 2)
                assert to_python(value.data) == FILE["objects"][REGISTER]["value"][
                    "double_long_unsigned"]
                scaler_unit = to_python((await meter.get(REGISTER, 3)).data)
                assert scaler_unit[0] == FILE["objects"][REGISTER]["scaler"]
                # a value written, then read back
                assert await meter.set(REGISTER, 2, {"tag": "double_long_unsigned",
                                                     "value": 424242}) == "success"
                assert to_python((await meter.get(REGISTER, 2)).data) == 424242
                # a method called: register reset (method 1) puts the value to 0
                result, _ = await meter.action(REGISTER, 1, {"tag": "integer", "value": 0})
                assert result == "success"
                assert to_python((await meter.get(REGISTER, 2)).data) == 0
                # a read-only attribute is refused
                assert await meter.set(REGISTER, 3, {"tag": "structure", "value": [
                    {"tag": "integer", "value": 0}, {"tag": "enum", "value": 30}]}) \
                    == "read_write_denied"
        finally:
            await simulator.close()
    run(go())


@pytest.mark.parametrize("framing", ["wrapper", "hdlc"])
def test_a_5k_set_goes_in_blocks(framing):
    """5000 octets written to the logical device name (server max PDU 1024 in the model) and
    read back (GET-with-datablock, the client's max PDU being 512)."""
    big = bytes(range(256)) * 19 + b"x" * 136

    async def go():
        simulator, port = await _serve(framing)
        try:
            async with _client(framing, port, _settings("low", max_pdu_size=512)) as meter:
                assert await meter.set(NAME, 2, {"tag": "octet_string", "value": big}) \
                    == "success"
                sent = meter.last_response.apdus
                assert len(sent) > 1   # set-response-datablock for each block, then the last
                back = await meter.get(NAME, 2)
                assert to_python(back.data) == big
                assert len(meter.last_response.apdus) >= 10
        finally:
            await simulator.close()
    assert len(big) == 5000
    run(go())


def test_profile_by_entry_and_range_and_clock():
    profile = FILE["objects"]["1.0.99.1.0.255"]
    rule = profile["rows"]
    period = datetime.timedelta(seconds=profile["capture_period"])
    expected = [[rule["start"] + n * period,
                 rule["first"][REGISTER] + n * rule["step"][REGISTER]]
                for n in range(rule["entries"])]

    async def go():
        simulator, port = await _serve("hdlc", window=3, max_info_length=64)
        try:
            async with _client("hdlc", port, _settings("gmac"), window=3,
                               max_info_length=64) as meter:
                whole = await meter.get("1.0.99.1.0.255", 2)
                assert profile_rows(whole.data) == expected
                by_entry = await meter.get("1.0.99.1.0.255", 2,
                                           selection=selective_by_entry(2, 4))
                assert profile_rows(by_entry.data) == expected[1:4]
                by_range = await meter.get("1.0.99.1.0.255", 2, selection=selective_by_range(
                    (8, bytes([0, 0, 1, 0, 0, 255]), 2), rule["start"] + period,
                    rule["start"] + 2 * period))
                assert profile_rows(by_range.data) == expected[1:3]
                # the clock is settable: an hour ahead, then read back
                target = datetime.datetime.now(UTC).replace(microsecond=0) + \
                    datetime.timedelta(hours=1)
                from translator.client.views import date_time_octets
                assert await meter.set("0.0.1.0.0.255", 2, {
                    "tag": "octet_string", "value": date_time_octets(target)}) == "success"
                clock = profile_rows({"tag": "array", "value": [{"tag": "structure", "value": [
                    (await meter.get("0.0.1.0.0.255", 2)).data]}]})[0][0]
                assert abs((clock - target).total_seconds()) < 5
                # profile reset (method 1) then capture (method 2): one row
                assert (await meter.action("1.0.99.1.0.255", 1,
                                           {"tag": "integer", "value": 0}))[0] == "success"
                assert (await meter.action("1.0.99.1.0.255", 2,
                                           {"tag": "integer", "value": 0}))[0] == "success"
                assert to_python((await meter.get("1.0.99.1.0.255", 7)).data) == 1
        finally:
            await simulator.close()
    run(go())


def test_disconnect_and_image_transfer_methods():
    async def go():
        simulator, port = await _serve()
        try:
            async with _client("wrapper", port, _settings("low")) as meter:
                relay = "0.0.96.3.10.255"
                assert (await meter.action(relay, 1, {"tag": "integer", "value": 0}))[0] \
                    == "success"
                assert to_python((await meter.get(relay, 2)).data) is False
                assert (await meter.action(relay, 2, {"tag": "integer", "value": 0}))[0] \
                    == "success"
                assert to_python((await meter.get(relay, 3)).data) == 1
                image = "0.0.44.0.0.255"
                size = FILE["objects"][image]["image_block_size"]
                assert (await meter.action(image, 1, {"tag": "structure", "value": [
                    {"tag": "octet_string", "value": b"IMG1"},
                    {"tag": "double_long_unsigned", "value": 2 * size}]}))[0] == "success"
                for n in range(2):
                    assert (await meter.action(image, 2, {"tag": "structure", "value": [
                        {"tag": "double_long_unsigned", "value": n},
                        {"tag": "octet_string", "value": bytes([n]) * size}]}))[0] == "success"
                assert (await meter.action(image, 3, {"tag": "integer", "value": 0}))[0] \
                    == "success"
                assert (await meter.action(image, 4, {"tag": "integer", "value": 0}))[0] \
                    == "success"
                assert to_python((await meter.get(image, 6)).data) == 6
        finally:
            await simulator.close()
    run(go())


def test_wrong_password_and_wrong_key_are_refused():
    from translator.client.errors import ClientError

    async def go():
        simulator, port = await _serve()
        try:
            with pytest.raises(ClientError, match="authentication_failure"):
                async with _client("wrapper", port, AssociationSettings(
                        authentication="low", password=b"nope")):
                    pass
            wrong = Keyring.loads('[default]\nblock_cipher_key = "000102030405060708090A0B0C0D0E0F"'
                                  '\nauthentication_key = "00000000000000000000000000000000"\n')
            with pytest.raises(ClientError):
                async with _client("wrapper", port, AssociationSettings(
                        authentication="gmac", security_control=0x30, keys=wrong,
                        system_title=bytes.fromhex(CLIENT_TITLE))):
                    pass
        finally:
            await simulator.close()
    run(go())


@pytest.mark.parametrize("auth", ["low", "general-glo"])
def test_short_name_referencing(auth):
    """SN: the association view at 0xFA08 (blocks with a 128-octet client PDU), reads by base
    name, a parameterized (by entry) profile read, and a write read back."""
    profile = FILE["objects"]["1.0.99.1.0.255"]
    rule = profile["rows"]

    async def go():
        simulator, port = await _serve()
        try:
            settings = _settings(auth, referencing="sn", max_pdu_size=128)
            async with _client("wrapper", port, settings) as meter:
                objects = await meter.objects()
                assert [str(o["obis"]) for o in objects] == list(FILE["objects"])
                assert objects[0]["base_name"] == 0xFA00 and objects[0]["class_id"] == 12
                assert to_python((await meter.get(REGISTER, 2)).data) == \
                    FILE["objects"][REGISTER]["value"]["double_long_unsigned"]
                assert await meter.set(REGISTER, 2, {"tag": "double_long_unsigned",
                                                     "value": 99}) == "success"
                assert to_python((await meter.get(REGISTER, 2)).data) == 99
                rows = profile_rows((await meter.get("1.0.99.1.0.255", 2,
                                                     selection=selective_by_entry(1, 2))).data)
                assert [r[1] for r in rows] == [rule["first"][REGISTER] + n * rule["step"][
                    REGISTER] for n in range(2)]
        finally:
            await simulator.close()
    run(go())


@pytest.mark.parametrize("window", [1, 3])
def test_general_block_transfer(window):
    """With general-block-transfer proposed, a response longer than the client's max PDU comes
    in GBT blocks (``window`` blocks per acknowledgement), ciphered as a whole."""
    async def go():
        simulator, port = await _serve()
        try:
            settings = _settings("general-glo", max_pdu_size=96, gbt=True, gbt_window=window)
            async with _client("wrapper", port, settings) as meter:
                assert "general_block_transfer" in meter.association.conformance
                objects = await meter.objects()
                assert [str(o["obis"]) for o in objects] == list(FILE["objects"])
                rows = profile_rows((await meter.get("1.0.99.1.0.255", 2)).data)
                assert len(rows) == FILE["objects"]["1.0.99.1.0.255"]["rows"]["entries"]
        finally:
            await simulator.close()
    run(go())


def test_action_parameters_in_pblocks():
    """An image block of 3000 octets: the ACTION goes in pblocks (server max PDU 1024 in the
    model), and the image then verifies."""
    image = "0.0.44.0.0.255"

    async def go():
        simulator, port = await _serve()
        try:
            async with _client("wrapper", port, _settings("low")) as meter:
                assert meter.association.server_max_pdu == FILE["meter"]["max_pdu_size"]
                assert (await meter.action(image, 1, {"tag": "structure", "value": [
                    {"tag": "octet_string", "value": b"BIG"},
                    {"tag": "double_long_unsigned", "value": 3000}]}))[0] == "success"
                assert (await meter.action(image, 2, {"tag": "structure", "value": [
                    {"tag": "double_long_unsigned", "value": 0},
                    {"tag": "octet_string", "value": b"\xA5" * 3000}]}))[0] == "success"
                assert len(meter.last_response.apdus) > 1   # next-pblock answers, then the last
                assert (await meter.action(image, 3, {"tag": "integer", "value": 0}))[0] \
                    == "success"
        finally:
            await simulator.close()
    run(go())


def test_hls_ecdsa_with_each_sides_key_pair():
    """HLS mechanism 7: the client signs with its private key, the meter checks with the
    client's public key and answers signed with its own (``Keys`` per system title)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from translator.security import Keys

    client_key, meter_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    title = bytes.fromhex(FILE["meter"]["system_title"])
    ring = Keyring(None, {
        bytes.fromhex(CLIENT_TITLE): Keys(private_key=client_key,
                                          public_key=client_key.public_key()),
        title: Keys(private_key=meter_key, public_key=meter_key.public_key())})

    async def go():
        simulator = Simulator(load_model(), ServerSettings(keys=ring, system_title=title))
        server = await simulator.serve_tcp("127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            settings = AssociationSettings(authentication="ecdsa", keys=ring,
                                           system_title=bytes.fromhex(CLIENT_TITLE))
            async with _client("wrapper", port, settings) as meter:
                assert meter.associated.authenticated
                assert to_python((await meter.get(REGISTER, 2)).data) == \
                    FILE["objects"][REGISTER]["value"]["double_long_unsigned"]
        finally:
            await simulator.close()
    run(go())


def test_a_required_security_control_refuses_plaintext_associations():
    from translator.client.errors import ClientError

    async def go():
        simulator = Simulator(load_model(), ServerSettings(keys=Keyring.load(KEYS),
                                                           security_control=0x30))
        server = await simulator.serve_tcp("127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises(ClientError, match="application_context_name_not_supported"):
                async with _client("wrapper", port, _settings("low")):
                    pass
            async with _client("wrapper", port, _settings("gmac")) as meter:
                assert (await meter.get(REGISTER, 2)).ok
        finally:
            await simulator.close()
    run(go())


def test_the_documented_example_model_is_served():
    """The example of MODEL.md: extended register (status, capture time), demand register
    (next period moves the current average to the last), listed daily rows, read-only data."""
    import re

    from translator.simulator.model import loads_model

    text = re.findall(r"```toml\n(.*?)```", (MODEL.parent / "MODEL.md").read_text(), re.S)[-1]
    document = tomllib.loads(text)

    async def go():
        simulator = Simulator(loads_model(text, "MODEL.md"),
                              ServerSettings(password=document["meter"]["password"].encode()))
        server = await simulator.serve_tcp("127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            settings = AssociationSettings(authentication="low",
                                           password=document["meter"]["password"].encode())
            async with _client("wrapper", port, settings) as meter:
                ext = document["objects"]["1.0.2.8.0.255"]
                assert to_python((await meter.get("1.0.2.8.0.255", 2)).data) == \
                    ext["value"]["double_long_unsigned"]
                assert to_python((await meter.get("1.0.2.8.0.255", 4)).data) == 0
                assert len(to_python((await meter.get("1.0.2.8.0.255", 5)).data)) == 12
                demand = document["objects"]["1.0.1.4.0.255"]
                assert (await meter.action("1.0.1.4.0.255", 2,
                                           {"tag": "integer", "value": 0}))[0] == "success"
                assert to_python((await meter.get("1.0.1.4.0.255", 3)).data) == \
                    demand["value"]["double_long_unsigned"]
                assert to_python((await meter.get("1.0.1.4.0.255", 2)).data) == 0
                rows = profile_rows((await meter.get("1.0.99.2.0.255", 2)).data)
                assert rows == document["objects"]["1.0.99.2.0.255"]["rows"]
                assert await meter.set("0.0.96.1.0.255", 2, {
                    "tag": "visible_string", "value": b"X"}) == "read_write_denied"
        finally:
            await simulator.close()
    run(go())
