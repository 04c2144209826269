"""Damaged capture files from the bundled ones, and what ``dlms capture`` must do with them:
exit 0 or 1, one-line errors, no traceback, no hang; a file cut short says where.

Used by ``test_capture_cli_mutations.py`` (100 files, fixed seed) and ``bench/fuzz_long.py
--capture``.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .mutate import mutate
from .seeds import CAPTURES

__all__ = ["check_capture_cli", "mutated_captures", "run_capture_cli", "run_capture_main"]

TIMEOUT = 60.0
"""Seconds one ``dlms capture`` may take before it counts as a hang."""


def _sources() -> list[bytes]:
    return [p.read_bytes() for p in sorted(CAPTURES.glob("*.pcap*"))]


def mutated_captures(count: int, seed: int) -> Iterator[tuple[str, bytes, bytes]]:
    """``count`` files ``(how, octets, original)``: "cut" at a random octet, "edited" (octets
    flipped or overwritten, the file header too now and then, or blind mutations), or
    "edited+cut", from the bundled captures."""
    rng = random.Random(seed)
    sources = _sources()
    for _ in range(count):
        original = data = rng.choice(sources)
        how = rng.random()
        if how < 0.2 or how >= 0.7:  # octets edited (the 24/28-octet file header only rarely)
            lo = 0 if rng.random() < 0.1 else 32
            cut = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                at = rng.randrange(lo, len(cut))
                cut[at] = rng.choice((0x00, 0xFF, rng.randrange(256), cut[at] ^ 0x80))
            data = bytes(cut)
        if how < 0.2:
            data = mutate(data, rng, 3)
        if how >= 0.2:  # cut short
            data = data[:rng.randrange(1, len(data))]
        yield ("cut" if 0.2 <= how < 0.7 else "edited+cut" if how >= 0.7 else "edited",
               data, original)


def run_capture_cli(data: bytes) -> subprocess.CompletedProcess:
    """``dlms capture`` on ``data`` saved as a pcap/pcapng file."""
    suffix = ".pcapng" if data[:4] == b"\x0a\x0d\x0d\x0a" else ".pcap"
    fd, path = tempfile.mkstemp(suffix=suffix, prefix="fuzz-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return subprocess.run([sys.executable, "-m", "translator", "capture", path],
                              capture_output=True, text=True, timeout=TIMEOUT,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    finally:
        os.unlink(path)


def run_capture_main(data: bytes) -> subprocess.CompletedProcess:
    """``translator.cli.main(["capture", file])`` in this process (no interpreter start per
    file: a third of the time), its output captured; an exception escaping it is a traceback.
    SIGALRM bounds its time (main thread only)."""
    import contextlib
    import io
    import signal

    from translator.cli import main

    def hang(signum, frame):
        raise TimeoutError("hang")

    suffix = ".pcapng" if data[:4] == b"\x0a\x0d\x0d\x0a" else ".pcap"
    fd, path = tempfile.mkstemp(suffix=suffix, prefix="fuzz-")
    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(int(TIMEOUT))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(["capture", path])
            except TimeoutError:
                raise subprocess.TimeoutExpired("dlms capture", TIMEOUT) from None
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 1
            except Exception:  # noqa: BLE001  (what the CLI would print as a traceback)
                import traceback
                err.write(traceback.format_exc())
                code = 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        os.unlink(path)
    return subprocess.CompletedProcess(["dlms", "capture"], code, out.getvalue(), err.getvalue())


def check_capture_cli(data: bytes, in_process: bool = False) -> str | None:
    """What ``dlms capture`` did wrong with ``data`` (None: nothing)."""
    try:
        out = run_capture_main(data) if in_process else run_capture_cli(data)
    except subprocess.TimeoutExpired:
        return f"no answer within {TIMEOUT:.0f} s"
    if "Traceback" in out.stderr or "Traceback" in out.stdout:
        return "a traceback: " + out.stderr.strip().splitlines()[-1][:200]
    if out.returncode not in (0, 1):
        return f"exit status {out.returncode}"
    if len(out.stderr.strip().splitlines()) > 1:
        return "an error of several lines: " + out.stderr[:200]
    return None
