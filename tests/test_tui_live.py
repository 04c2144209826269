"""The inspector's live modes (acceptance 4): ``--connect`` against ``dlms simulate`` with a
register read from the command palette, and ``--proxy`` between the gurux-dlms client and meter.

Real peers over loopback: the simulator runs in the test's event loop (``Simulator.serve_tcp``),
the gurux peers as processes. Expected values come from the bundled model file read with
``tomllib``, and from a direct run of the same peers.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("textual")

from translator.capture.records import CLIENT_TO_SERVER, SERVER_TO_CLIENT
from translator.cli import build_parser
from translator.client.errors import ClientError
from translator.security import Keyring
from translator.simulator import LinkOptions, ServerSettings, Simulator, load_model
from translator.tui.commands import CommandError, parse_command
from translator.tui.live import LiveConnection
from translator.tui.live_app import LiveApp
from translator.tui.octets import redact
from translator.tui.proxy import Proxy
from translator.tui.rows import DECIPHERED

from .peers import CLIENT_TITLE, KEYS, PEERS, free_port, require_peers, running

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "translator" / "simulator" / "default_model.toml"
FILE = tomllib.loads(MODEL.read_text())
REGISTER = "1.0.1.8.0.255"


def sync(test):
    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(asyncio.wait_for(test(*args, **kwargs), 120))

    return run


async def _until(pilot, check, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


def _services(app: LiveApp) -> list[tuple[str | None, str | None]]:
    """(direction, service) of each row; GETs of every kind as "GET"/"GET response"."""
    names = {"GetRequest": "GET", "GetResponse": "GET response"}
    return [(row.direction, next((v for k, v in names.items() if (row.service or "")
                                  .startswith(k)), row.service)) for row in app.rows]


@pytest.mark.parametrize("framing,options", [
    ("wrapper", []),
    ("hdlc", ["--auth", "low", "--password", "12345678"]),
])
@sync
async def test_connect_reads_a_register_from_the_palette(framing, options):
    simulator = Simulator(load_model(), ServerSettings(keys=Keyring.load(KEYS)),
                          LinkOptions(framing=framing))
    server = await simulator.serve_tcp("127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    scheme = "hdlc+tcp" if framing == "hdlc" else "tcp"
    args = build_parser().parse_args(["tui", "--connect", f"{scheme}://127.0.0.1:{port}",
                                      *options])
    args.url = args.connect
    app = LiveApp(connection=LiveConnection(args))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(pilot, lambda: app.session_state == "associated", "the AARE")
            for key in ("question_mark", "ctrl+p"):   # help, and the palette's usages, show
                await pilot.press(key)
                await pilot.pause(0.3)
                await pilot.press("escape")
                await pilot.pause()
            await pilot.press("ctrl+p")
            await pilot.pause()
            for key in f"get {REGISTER}":
                await pilot.press("space" if key == " " else key)
            await pilot.pause(0.3)
            await pilot.press("enter")
            await _until(pilot, lambda: app.last_result is not None, "the GET's result")
            result = app.last_result
            expected = FILE["objects"][REGISTER]["value"]["double_long_unsigned"]
            assert result.ok and result.value == expected
            scaler = FILE["objects"][REGISTER]["scaler"]
            assert f"{round(expected * 10 ** scaler, -scaler)} Wh" in result.text
            await _until(pilot, lambda: _services(app).count((SERVER_TO_CLIENT, "GET response"))
                         >= 2, "the GET frames in the list")
            await app.stop_session()
            await _until(pilot, lambda: app.loaded, "the release in the list")
            services = _services(app)
            order = [(CLIENT_TO_SERVER, "AARQ"), (SERVER_TO_CLIENT, "AARE"),
                     (CLIENT_TO_SERVER, "GET"), (SERVER_TO_CLIENT, "GET response"),
                     (CLIENT_TO_SERVER, "RLRQ"), (SERVER_TO_CLIENT, "RLRE")]
            assert [s for s in services if s in order][:2] == order[:2]
            assert [s for s in services if s in order][-2:] == order[-2:]
            assert order[2] in services and order[3] in services
            gets = [row for row in app.rows if (row.service or "").startswith("GetRequest")]
            assert any(bytes.fromhex("0100010800FF") in row.obis for row in gets)
            assert not [row.error for row in app.rows if row.error]
            assert all(b"12345678" not in row.wire for row in app.rows)   # never on screen
    finally:
        await simulator.close()


@sync
async def test_every_palette_command_on_a_ciphered_hdlc_session():
    """objects, get, set, action and profile through the session worker (no screen), over
    HDLC with HLS-GMAC and suite 0: every frame listed, deciphered, none in error."""
    simulator = Simulator(load_model(), ServerSettings(keys=Keyring.load(KEYS)),
                          LinkOptions(framing="hdlc"))
    server = await simulator.serve_tcp("127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    args = build_parser().parse_args([
        "tui", "--connect", f"hdlc+tcp://127.0.0.1:{port}", "--auth", "gmac", "--keys",
        str(KEYS), "--sc", "30", "--system-title", CLIENT_TITLE])
    args.url = args.connect
    connection = LiveConnection(args)
    try:
        await connection.open()
        run = connection.run
        objects = await run(parse_command("objects"))
        assert {o["obis"].dotted() for o in objects.value} == set(FILE["objects"])
        assert (await run(parse_command('set 1.0.1.8.0.255 2 {"double_long_unsigned": 5}'))).ok
        assert (await run(parse_command("get 1-0:1.8.0*255/2"))).value == 5
        assert (await run(parse_command('action 1.0.1.8.0.255 1 {"integer": 0}'))).ok
        assert (await run(parse_command("get 1.0.1.8.0.255 3"))).value == 0
        profile = FILE["objects"]["1.0.99.1.0.255"]["rows"]
        rows = (await run(parse_command("profile 1.0.99.1.0.255 entries 2..3"))).value
        assert [row[1] for row in rows] == [profile["first"][REGISTER] + n * profile["step"][
            REGISTER] for n in (1, 2)]
        with pytest.raises(ClientError, match="get OBIS/ATTR CLASS"):
            await run(parse_command("get 9.9.9.9.9.9"))
    finally:
        await connection.close()
        await simulator.close()
    listed = list(connection.feed.rows())
    assert not [row.error for row in listed if row.error]
    assert sum(row.flags & DECIPHERED != 0 for row in listed) >= 20   # AARQ .. last GET


def test_live_modules_do_not_import_textual():
    code = ("import sys; import translator.tui.octets, translator.tui.commands, "
            "translator.tui.live, translator.tui.proxy; print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_palette_lines_are_checked_before_anything_is_sent():
    assert parse_command("get 1-0:1.8.0*255/3").number == 3
    assert parse_command('set 1.0.1.8.0.255 2 {"double_long_unsigned": 5}').value == {
        "double_long_unsigned": 5}
    assert parse_command("profile 1.0.99.1.0.255 entries 1..3").entries == (1, 3)
    assert parse_command("action 0.0.10.0.0.255 1").number == 1
    for bad in ["", "read x", "get", "get 1.2.3", "set 1.0.1.8.0.255 2 {oops", "profile x 1..2"]:
        with pytest.raises(CommandError):
            parse_command(bad)


def test_the_password_is_redacted_and_the_hdlc_frame_still_checks():
    from translator import decode
    from translator.crc import check_sequence

    info = bytes.fromhex("E6 E6 00 60 0A 8A 02 07 80 AC 0A 80 08") + b"12345678"
    header = bytes([0xA0, 5 + 2 + len(info) + 2, 0x03, 0x21, 0x10])
    body = header + check_sequence(header) + info
    wire = b"\x7e" + body + check_sequence(body) + b"\x7e"
    hidden = redact(wire, b"12345678")
    assert b"12345678" not in hidden and b"********" in hidden
    assert hidden[-3:-1] == check_sequence(hidden[1:-3])
    assert decode(hidden).framing == "hdlc"


def test_tui_options_say_what_is_wrong_in_one_line():
    for argv, text in [([], "give a FILE"), (["--proxy", "4000"], "--proxy needs --to"),
                       (["--to", "tcp://h:1"], "--to goes with --proxy"),
                       (["--connect", "tcp://h:1", "--proxy", "1"], "do not go together"),
                       (["--proxy", "x:y", "--to", "tcp://h:1"], "HOST:PORT"),
                       (["--connect", "nope://x"], "scheme")]:
        out = subprocess.run([sys.executable, "-m", "translator", "tui", *argv],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 1 and out.stdout == ""
        assert out.stderr.count("\n") == 1 and text in out.stderr, out.stderr


# --- the proxy between the gurux-dlms client and meter ---------------------------------------

@contextlib.contextmanager
def _logging_meter(python: str):
    """The gurux meter with -v, whose RX/TX lines tell what reached it; yields (port, log)."""
    port = free_port()
    lines: list[str] = []
    with running(python, str(PEERS / "gurux_meter.py"), "--port", str(port), "-v") as proc:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert proc.poll() is None and time.monotonic() < deadline, "no gurux meter"
            time.sleep(0.05)
        yield port, lines
        proc.terminate()
        lines.extend(proc.stderr.read().decode(errors="replace").splitlines())


def _octets(log: list[str], tag: str) -> bytes:
    """What the meter received (RX) or sent (TX), the session's connection only."""
    words = (line.removeprefix("gurux_meter: ").split() for line in log)
    return b"".join(bytes.fromhex(w[1]) for w in words if len(w) == 2 and w[0] == tag)


def _without_clock(document: dict) -> dict:
    """The client's JSON without what depends on the moment of reading."""
    document = json.loads(json.dumps(document))
    document.pop("clock", None)
    return document


def test_proxy_forwards_the_gurux_session_byte_for_byte():
    python = require_peers()
    read = [python, str(PEERS / "gurux_read.py")]
    with _logging_meter(python) as (meter, direct_log):
        direct = subprocess.run(read + [f"127.0.0.1:{meter}", "--wrapper"],
                                capture_output=True, text=True, timeout=60)
    assert direct.returncode == 0, direct.stderr
    with _logging_meter(python) as (meter, proxied_log):
        rows, services, proxied = asyncio.run(asyncio.wait_for(_through_proxy(read, meter),
                                                               120))
    assert proxied.returncode == 0, proxied.stderr
    assert _without_clock(json.loads(proxied.stdout)) == _without_clock(json.loads(direct.stdout))
    # what reached the meter is what the client sent in the direct run, octet for octet, and
    # the meter's answers came back as long (they differ in the clock's octets only)
    assert _octets(proxied_log, "RX") == _octets(direct_log, "RX") != b""
    assert len(_octets(proxied_log, "TX")) == len(_octets(direct_log, "TX"))
    # the list shows the session the proxy relayed, and exactly its octets
    upstream = b"".join(row.wire for row in rows if row.direction == CLIENT_TO_SERVER)
    downstream = b"".join(row.wire for row in rows if row.direction == SERVER_TO_CLIENT)
    assert upstream == _octets(proxied_log, "RX")
    assert downstream == _octets(proxied_log, "TX")
    for expected in [(CLIENT_TO_SERVER, "AARQ"), (SERVER_TO_CLIENT, "AARE"),
                     (CLIENT_TO_SERVER, "GET"), (SERVER_TO_CLIENT, "GET response")]:
        assert expected in services
    assert not [row.error for row in rows if row.error]


async def _through_proxy(read: list[str], meter: int):
    listen = free_port()
    app = LiveApp(proxy=Proxy(f"127.0.0.1:{listen}", f"tcp://127.0.0.1:{meter}"))
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: app.session_state == "listening", "the proxy to listen")
        process = await asyncio.create_subprocess_exec(
            *read, f"127.0.0.1:{listen}", "--wrapper", stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        stdout, stderr = await process.communicate()
        done = subprocess.CompletedProcess(read, process.returncode, stdout.decode(),
                                           stderr.decode())
        await _until(pilot, lambda: app.proxy.connections == 1, "the relayed connection")
        await app.stop_session()
        await _until(pilot, lambda: app.loaded, "the relayed session in the list")
        return list(app.rows), _services(app), done
