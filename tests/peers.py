"""The independent peers of ``../shared/peers`` (test only): started as processes, never imported.

``PEERS`` is that folder; ``peer_python()`` the interpreter that has their libraries
(``DLMS_PEER_PYTHON``, else ``.venv-peers`` that ``.ci/run`` makes, else this one when it can
import them). Tests that need them skip, saying why, when either is missing.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT.parent / "shared" / "peers"
KEYS = ROOT / "captures" / "gurux_default_keys.toml"
CLIENT_TITLE = "4142434445464748"   # Gurux's default client system title ("ABCDEFGH")
METER_TITLE = bytes.fromhex("4752584D45544552")   # the peer meter's ("GRXMETER")


def peer_python() -> str | None:
    """An interpreter with gurux-dlms and dlms-cosem, or None."""
    candidates = [os.environ.get("DLMS_PEER_PYTHON"), str(ROOT / ".venv-peers" / "bin" / "python"),
                  sys.executable]
    for python in filter(None, candidates):
        if not Path(python).exists():
            continue
        check = subprocess.run([python, "-c", "import gurux_dlms, dlms_cosem"],
                               capture_output=True, timeout=60)
        if check.returncode == 0:
            return python
    return None


def require_peers() -> str:
    if not (PEERS / "gurux_meter.py").exists():
        pytest.skip(f"the independent peers are not here ({PEERS} is absent)")
    python = peer_python()
    if python is None:
        pytest.skip("no interpreter with gurux-dlms and dlms-cosem (set DLMS_PEER_PYTHON or "
                    "make .venv-peers as .ci/run does)")
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gurux_meter(*options: str, as_shipped: bool = False):
    """The gurux-dlms meter on a free loopback port; yields the port. ``as_shipped``: with its
    AARE's responding-authentication-value length as gurux-dlms writes it (2 short)."""
    python = require_peers()
    port = free_port()
    script = ([str(ROOT / "tests" / "peer_scripts" / "gurux_meter_as_shipped.py"), str(PEERS)]
              if as_shipped else [str(PEERS / "gurux_meter.py")])
    with running(python, *script, "--port", str(port), *options) as proc:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if proc.poll() is not None:
                raise RuntimeError(f"the gurux meter exited: {proc.stderr.read().decode()[-500:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("the gurux meter did not listen within 20 s")
            time.sleep(0.05)
        yield port


@contextlib.contextmanager
def running(*command: str, cwd: Path = ROOT):
    """A process for the length of a ``with``, stopped (terminate, then kill) at its end; its
    stderr is a pipe the test may read."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def simulator(*options: str):
    """``dlms simulate`` (``python -m translator.simulator``) on a loopback port it picks itself
    (``--port 0``, read back from its first line, so no other test can take it in between);
    yields (port, process)."""
    with running(sys.executable, "-m", "translator.simulator", "--port", "0", *options) as proc:
        line = proc.stderr.readline().decode()
        match = re.search(r" on 127\.0\.0\.1:(\d+) ", line)
        if match is None:
            raise RuntimeError(f"the simulator did not start: {line}{proc.stderr.read().decode()}")
        yield int(match.group(1)), proc
