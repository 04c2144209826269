"""The client's UDP wrapper transport (IEC 62056-47 over UDP) against ``dlms simulate``'s UDP
endpoint; expected values come from the bundled model file, read here with ``tomllib``."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from translator.client.session import Client
from translator.client.settings import AssociationSettings
from translator.simulator import LinkOptions, ServerSettings, Simulator, load_model
from translator.simulator.udp import serve_udp

MODEL = Path(__file__).resolve().parents[1] / "translator" / "simulator" / "default_model.toml"
FILE = tomllib.loads(MODEL.read_text())


def test_reads_and_writes_over_udp(tmp_path):
    async def go():
        simulator = Simulator(load_model(), ServerSettings(), LinkOptions(framing="wrapper"))
        transport = await serve_udp(simulator, "127.0.0.1", 0)
        port = transport.get_extra_info("sockname")[1]
        try:
            settings = AssociationSettings(authentication="low", password=b"12345678")
            async with Client(f"udp://127.0.0.1:{port}", settings, timeout=5,
                              record=str(tmp_path / "udp.pcap")) as meter:
                value = await meter.get("1.0.1.8.0.255", 2)
                assert value.value == FILE["objects"]["1.0.1.8.0.255"]["value"][
                    "double_long_unsigned"]
                assert await meter.set("1.0.1.8.0.255", 2, {"tag": "double_long_unsigned",
                                                            "value": 7}) == "success"
                assert (await meter.get("1.0.1.8.0.255", 2)).value == 7
        finally:
            transport.close()
    asyncio.run(asyncio.wait_for(go(), 60))
    if shutil.which("tshark"):   # the recording, as dlms capture reads it
        out = subprocess.run([sys.executable, "-m", "translator", "capture",
                              str(tmp_path / "udp.pcap"), "--to", "jsonl"],
                             capture_output=True, text=True, timeout=120)
        services = [json.loads(line)["service"] for line in out.stdout.splitlines()]
        assert services == ["AARQ", "AARE", *["GetRequestNormal", "GetResponseNormal"] * 2,
                            "SetRequestNormal", "SetResponseNormal",
                            "GetRequestNormal", "GetResponseNormal", "RLRQ", "RLRE"], out.stderr
