"""``[push]`` data notifications and ``--record``: what the simulator sends on its own, and the
capture it writes, checked from the outside (a listening socket and the schemas; tshark)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import pytest

from translator.client.session import Client
from translator.client.settings import AssociationSettings
from translator.schema._core import parse
from translator.schema.apdu import Apdu
from translator.security import Keyring, unprotect
from translator.simulator import LinkOptions, ServerSettings, Simulator, load_model
from translator.simulator.model import loads_model
from translator.simulator.push import pusher
from translator.stream.framing import Frame, find_wrapper

from .peers import KEYS

PUSHED = """
[objects."0.0.40.0.0.255"]
class = "association_ln"
[objects."0.0.96.1.0.255"]
class = "data"
value = { visible_string = "METER-0001" }
[objects."1.0.1.8.0.255"]
class = "register"
value = { double_long_unsigned = 4711 }
[push]
destination = "127.0.0.1:PORT"
interval = 0.2
objects = ["0.0.96.1.0.255:2", "1.0.1.8.0.255:2"]
"""


@pytest.mark.parametrize("ciphered", [False, True])
def test_push_sends_a_data_notification_of_the_model_values(ciphered):
    async def go():
        got: asyncio.Queue = asyncio.Queue()

        async def head_end(reader, writer):
            got.put_nowait(await reader.read(4096))
            writer.close()

        server = await asyncio.start_server(head_end, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        model = loads_model(PUSHED.replace("PORT", str(port)))
        keys = Keyring.load(KEYS)
        settings = ServerSettings(keys=keys, security_control=0x30 if ciphered else None,
                                  system_title=model.system_title)
        task = asyncio.create_task(pusher(model, settings))
        try:
            data = await asyncio.wait_for(got.get(), 10)
        finally:
            task.cancel()
            server.close()
        return data, keys, model

    data, keys, model = asyncio.run(go())
    (frame,) = [item for item in find_wrapper(data) if isinstance(item, Frame)]
    apdu = parse(Apdu, bytes(frame.frame.apdu), "apdu")
    if ciphered:
        assert str(apdu["tag"]) == "general_glo_ciphering"
        apdu = unprotect(apdu, keys).apdu
    assert str(apdu["tag"]) == "data_notification"
    values = apdu["body"]["notification_body"]["data_value"]["value"]
    assert [bytes(values[0]["value"]), values[1]["value"]] == [b"METER-0001", 4711]


def test_record_writes_what_went_over_the_wire(tmp_path):
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed")
    path = tmp_path / "session.pcapng"
    seen = {"sent": b"", "received": b""}

    def octets(direction, data):
        seen[direction] += data

    async def go():
        simulator = Simulator(load_model(), ServerSettings(), LinkOptions(), record=str(path))
        server = await simulator.serve_tcp("127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with Client(f"tcp://127.0.0.1:{port}", AssociationSettings(),
                              on_octets=octets) as meter:
                await meter.get("1.0.1.8.0.255", 2, class_id=3)
            await asyncio.sleep(0.1)
        finally:
            await simulator.close()
        return port

    port = asyncio.run(go())
    done = subprocess.run(["tshark", "-r", str(path), "-Y", "tcp.len > 0", "-T", "fields",
                           "-e", "tcp.srcport", "-e", "tcp.payload"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    to_meter = b"".join(bytes.fromhex(p) for s, p in
                        (line.split("\t") for line in done.stdout.splitlines()) if int(s) != port)
    from_meter = b"".join(bytes.fromhex(p) for s, p in
                          (line.split("\t") for line in done.stdout.splitlines()) if int(s) == port)
    assert to_meter == seen["sent"]
    assert from_meter == seen["received"]
