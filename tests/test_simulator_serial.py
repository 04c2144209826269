"""Acceptance 2 (serial path) of issue 12: our client opens ``dlms simulate --serial --iec``
with the IEC 62056-21 mode E handshake over a socat pty pair, then reads and writes over HDLC;
a second session on the same line opens with mode E again."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from translator.client.session import Client
from translator.client.settings import AssociationSettings
from translator.client.values import to_python

from .peers import running

ROOT = Path(__file__).resolve().parents[1]
MODEL = tomllib.loads((ROOT / "translator" / "simulator" / "default_model.toml").read_text())
VALUE = MODEL["objects"]["1.0.1.8.0.255"]["value"]["double_long_unsigned"]


def _wait_for(path: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{path} did not appear: {proc.stderr.read().decode()[-300:]}")
        time.sleep(0.05)


def test_mode_e_then_hdlc_over_a_pty_pair(tmp_path):
    if shutil.which("socat") is None:
        pytest.skip("socat is not installed")
    pytest.importorskip("serial")
    meter, head = tmp_path / "meter", tmp_path / "head"
    with running("socat", f"pty,raw,echo=0,link={meter}", f"pty,raw,echo=0,link={head}") as pty:
        _wait_for(meter, pty)
        _wait_for(head, pty)
        with running(sys.executable, "-m", "translator.simulator", "--serial", str(meter),
                      "--iec", "--baud", "9600", "--idle-timeout", "30") as sim:
            time.sleep(1.0)
            assert sim.poll() is None, sim.stderr.read().decode()

            async def session(write: int | None) -> int:
                url = f"serial://{head}?baud=9600&iec=1"
                client = Client(url, AssociationSettings(authentication="low",
                                                         password=b"12345678"), timeout=5)
                async with client as m:
                    if write is not None:
                        assert await m.set("1.0.1.8.0.255", 2, {
                            "tag": "double_long_unsigned", "value": write},
                            class_id=3) == "success"
                    return to_python((await m.get("1.0.1.8.0.255", 2, class_id=3)).data)

            assert asyncio.run(asyncio.wait_for(session(None), 60)) == VALUE
            assert asyncio.run(asyncio.wait_for(session(777), 60)) == 777
            # the command itself, mode E opening included (the stock serial transport: on a
            # pty only the baud rate changes, as the line has no character format)
            out = subprocess.run([sys.executable, "-m", "translator", "read",
                                  f"serial://{head}?baud=9600&iec=1", "--auth", "low",
                                  "--password", "12345678", "get", "1.0.1.8.0.255", "--class",
                                  "3"], capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
            assert out.stdout.startswith("1-0:1.8.0*255 attribute 2: 77.7 ")
