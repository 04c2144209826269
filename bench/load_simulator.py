"""Load on ``dlms simulate``: N concurrent associations over loopback, each reading in a loop.

The simulator runs as its own process (``python -m translator.simulator``), so its memory is
measured alone (VmRSS from /proc at start, every 10 s and at the end). The associations are our
client (``translator.client.session.Client``) in this process's event loop; each reads the
register value, the clock, the logical device name and the register's scaler-unit in turn and
checks every value it can against the model file. Prints requests/s, latency p50/p99, errors,
lost replies (a request with no reply within the timeout) and the simulator's RSS.

    python bench/load_simulator.py --associations 200 --seconds 60 --framing wrapper hdlc
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from translator.client.errors import ClientError  # noqa: E402
from translator.client.session import Client  # noqa: E402
from translator.client.settings import AssociationSettings  # noqa: E402
from translator.client.values import to_python  # noqa: E402

MODEL = tomllib.loads((ROOT / "translator" / "simulator" / "default_model.toml").read_text())
REGISTER = MODEL["objects"]["1.0.1.8.0.255"]["value"]["double_long_unsigned"]
NAME = bytes.fromhex(MODEL["objects"]["0.0.42.0.0.255"]["value"]["octet_string"]
                     .replace(" ", ""))
READS = [("1.0.1.8.0.255", 3, 2, REGISTER), ("0.0.1.0.0.255", 8, 2, None),
         ("0.0.42.0.0.255", 1, 2, NAME), ("1.0.1.8.0.255", 3, 3, None)]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Totals:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.lost = 0
        self.open_failures = 0


async def association(url: str, clock: dict, totals: Totals, opened: asyncio.Event,
                      go: asyncio.Event, timeout: float) -> None:
    """One association: open, wait for ``go``, read until ``clock["deadline"]``."""
    client = Client(url, AssociationSettings(authentication="low", password=b"12345678"),
                    timeout=timeout, retries=0)
    try:
        await client.open()
    except (ClientError, OSError):
        totals.open_failures += 1
        opened.set()
        return
    opened.set()
    await go.wait()
    n = 0
    try:
        while time.monotonic() < clock["deadline"]:
            obis, class_id, attribute, expected = READS[n % len(READS)]
            n += 1
            start = time.perf_counter()
            try:
                result = await client.get(obis, attribute, class_id=class_id)
            except ClientError as e:
                if "within" in str(e):
                    totals.lost += 1
                else:
                    totals.errors += 1
                break   # the association cannot go on after a lost reply
            totals.latencies.append(time.perf_counter() - start)
            if not result.ok or (expected is not None and to_python(result.data) != expected):
                totals.errors += 1
    finally:
        with contextlib.suppress(Exception):
            await client.close()


async def run(framing: str, count: int, seconds: float, timeout: float) -> dict:
    port = free_port()
    options = ["--hdlc"] if framing == "hdlc" else []
    proc = subprocess.Popen([sys.executable, "-m", "translator.simulator", "--port", str(port),
                             "--idle-timeout", str(seconds + 60), *options],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            await asyncio.sleep(0.05)
        rss_idle = rss_kib(proc.pid)
        url = f"{'hdlc+tcp' if framing == 'hdlc' else 'tcp'}://127.0.0.1:{port}"
        totals = Totals()
        go = asyncio.Event()
        tasks = []
        clock = {"deadline": 0.0}
        for i in range(count):   # open in batches: the listen backlog is finite
            opened = asyncio.Event()
            tasks.append(asyncio.create_task(association(
                url, clock, totals, opened, go, timeout)))
            if i % 20 == 19:
                await opened.wait()
        await asyncio.sleep(0.5)
        # every association is open: start the clock
        rss_start = rss_kib(proc.pid)
        deadline = clock["deadline"] = time.monotonic() + seconds
        samples = []
        start = time.monotonic()
        go.set()
        while time.monotonic() < deadline:
            await asyncio.sleep(min(10, max(0.1, deadline - time.monotonic())))
            samples.append(rss_kib(proc.pid))
        await asyncio.gather(*tasks, return_exceptions=True)
        elapsed = time.monotonic() - start
        rss_end = rss_kib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    lat = sorted(totals.latencies)
    return {
        "framing": framing, "associations": count, "seconds": seconds,
        "requests": len(lat), "requests_per_s": len(lat) / elapsed,
        "p50_ms": 1000 * statistics.median(lat) if lat else None,
        "p99_ms": 1000 * lat[int(0.99 * (len(lat) - 1))] if lat else None,
        "errors": totals.errors, "lost": totals.lost, "open_failures": totals.open_failures,
        "rss_idle_kib": rss_idle, "rss_start_kib": rss_start, "rss_end_kib": rss_end,
        "rss_samples_kib": samples,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--associations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--framing", nargs="+", default=["wrapper", "hdlc"],
                        choices=["wrapper", "hdlc"])
    parser.add_argument("--timeout", type=float, default=30,
                        help="seconds without a reply before a request counts as lost")
    args = parser.parse_args()
    failed = False
    for framing in args.framing:
        r = asyncio.run(run(framing, args.associations, args.seconds, args.timeout))
        print(f"{r['framing']:8} {r['associations']} associations, {r['seconds']:g} s: "
              f"{r['requests']} requests, {r['requests_per_s']:.0f} req/s, "
              f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, errors {r['errors']}, "
              f"lost {r['lost']}, open failures {r['open_failures']}; simulator RSS "
              f"idle {r['rss_idle_kib'] / 1024:.1f} MiB, start {r['rss_start_kib'] / 1024:.1f} "
              f"MiB, end {r['rss_end_kib'] / 1024:.1f} MiB, samples "
              f"{', '.join(f'{s / 1024:.1f}' for s in r['rss_samples_kib'])} MiB", flush=True)
        failed |= bool(r["errors"] or r["lost"] or r["open_failures"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
