"""Capture decoding: messages/s and peak memory of ``read_capture`` beside tshark's own export.

Why: DESIGN section 6 sets the target relative to tshark's field export on the same file
(our throughput >= 50% of it) and asks for memory that does not grow with the capture. Machines
differ, so both are measured here, on the same files, in one run.

The captures are built from real sessions: the payloads of the bundled captures
(gurux_session_wrapper_tcp4059, gurux_session_hdlc_tcp4059_suite0_hlsgmac,
htanwar_wrapper_tcp4063_plain_access, htanwar_wrapper_tcp4059_epri_access) are replayed, each copy
on a connection of its own (distinct client address and port, handshake, ACKs, FINs), until
about N messages are written, with ``translator.capture.pcapfile``.

For each size: tshark's field export as DESIGN measured it (``-T fields -e frame.number -e
tcp.stream -e tcp.payload``) and with the fields the reader asks for, then ``read_capture`` in a
fresh process (peak RSS of that process and of its tshark child from ``getrusage``). Times are
wall-clock (tshark runs beside our Python, on its own core when there is one) and CPU.

    .venv/bin/python bench/bench_capture.py                   # 10k, 100k, 1M messages
    .venv/bin/python bench/bench_capture.py --sizes 10000,100000 --budget 300
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translator.capture.pcapfile import PcapWriter, TcpConversation
from translator.capture.tshark import find_tshark, tcp_exchange, tshark_command

SESSIONS = ("gurux_session_wrapper_tcp4059.pcapng",
            "gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng",
            "htanwar_wrapper_tcp4063_plain_access.pcap",
            "htanwar_wrapper_tcp4059_epri_access.pcap")

_OURS = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from translator.capture import read_capture
t, c = time.perf_counter(), time.process_time()
n = errors = 0
for record in read_capture({path!r}):
    n += 1
    errors += record.error is not None
wall, cpu = time.perf_counter() - t, time.process_time() - c
me, child = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps(dict(records=n, errors=errors, wall=wall, cpu=cpu, rss=me.ru_maxrss,
                      tshark_rss=child.ru_maxrss, tshark_cpu=child.ru_utime + child.ru_stime)))
"""


def build(path: Path, sessions: list[list[tuple[int, bytes]]], messages: int) -> tuple[int, int]:
    """Replay the sessions on new connections until ``messages`` payload segments are written."""
    written = connections = 0
    t = 1.7e9
    with open(path, "wb") as f:
        w = PcapWriter(f)
        for exchange in itertools.cycle(sessions):
            if written >= messages:
                break
            n = connections
            client = (f"10.{1 + (n >> 16) % 250}.{(n >> 8) & 255}.{n & 255}", 1024 + n % 60000)
            isn = (n * 7919 % 2**32, n * 104729 % 2**32)
            c = TcpConversation(w, client, ("192.168.0.1", 4059), isn)
            c.open(t)
            for side, payload in exchange:
                t += 0.0005
                c.send(side, payload, t)
            c.close(t)
            written += len(exchange)
            connections += 1
    return written, connections


def tshark_export(path: Path, full: bool) -> tuple[float, float, int]:
    """Wall and CPU seconds of tshark's field export to /dev/null, and its peak RSS (KiB)."""
    if full:
        cmd = tshark_command(str(path))
    else:
        cmd = [find_tshark(), "-r", str(path), "-T", "fields", "-e", "frame.number",
               "-e", "tcp.stream", "-e", "tcp.payload"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, after.ru_maxrss


def ours(path: Path) -> dict:
    code = _OURS.format(root=str(ROOT), path=str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="messages per capture, comma-separated")
    parser.add_argument("--dir", default=None, help="where to write the captures (default: tmp)")
    parser.add_argument("--budget", type=float, default=600.0,
                        help="seconds; a size whose estimated time does not fit is skipped")
    parser.add_argument("--keep", action="store_true", help="keep the capture files")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    sessions = [tcp_exchange(ROOT / "captures" / name) for name in SESSIONS]
    print(f"sessions: {', '.join(f'{n} ({len(s)} messages)' for n, s in zip(SESSIONS, sessions))}")
    version = subprocess.run([find_tshark(), "--version"], capture_output=True, text=True,
                             check=True).stdout.splitlines()[0]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), {version}")
    header = (f"{'messages':>9} {'packets':>9} {'conns':>7} {'MB':>6} | {'tshark 3 fields':>15} "
              f"{'tshark ours':>11} | {'ours wall':>9} {'msg/s':>8} {'cpu':>6} {'vs tshark':>9} | "
              f"{'RSS MB':>7} {'tshark RSS':>10}")
    rows = []
    started = time.perf_counter()
    rate = None
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for size in sizes:
            left = args.budget - (time.perf_counter() - started)
            if rate is not None and size / rate * 1.3 > left:
                rows.append(f"{size:>9} skipped: about {size / rate:.0f} s needed, {left:.0f} s "
                            "of the budget left (--budget)")
                continue
            path = Path(tmp) / f"bench_{size}.pcap"
            t0 = time.perf_counter()
            written, connections = build(path, sessions, size)
            built = time.perf_counter() - t0
            packets = written * 2 + connections * 7  # data + ACK per message; handshake, FINs
            t3, _, _ = tshark_export(path, full=False)
            tf, _, _ = tshark_export(path, full=True)
            o = ours(path)
            rate = o["records"] / (time.perf_counter() - t0)
            mps = o["records"] / o["wall"]
            rows.append(
                f"{o['records']:>9} {packets:>9} {connections:>7} "
                f"{path.stat().st_size / 2**20:>6.1f} | {t3:>8.2f} s "
                f"{packets / t3 / 1000:>4.0f}k/s "
                f"{tf:>9.2f} s | {o['wall']:>7.2f} s "
                f"{mps:>8.0f} {o['cpu']:>5.1f}s {t3 / o['wall']:>8.0%} | "
                f"{o['rss'] / 1024:>7.1f} {o['tshark_rss'] / 1024:>9.1f}  "
                f"(built in {built:.0f} s; errors {o['errors']})")
            if args.keep:
                keep = Path(args.dir or ".") / path.name
                os.replace(path, keep)
            print(f"done: {rows[-1]}", file=sys.stderr, flush=True)
    print(header)
    for row in rows:
        print(row)
    print("vs tshark: tshark's 3-field export time / ours (>= 100% means as fast as tshark's own "
          "export); RSS: peak of the reading process and of its tshark child")
    return 0


if __name__ == "__main__":
    sys.exit(main())
