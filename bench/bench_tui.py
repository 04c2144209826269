"""``dlms tui`` on big captures: time to the first usable screen, key latency while loading,
and memory at 10k and 100k messages.

Why: issue #13 asks that a 100k-message capture opens with a usable first screen in under 3 s
and that memory stays flat from 10k to 100k (the list keeps one small ``Row`` per message and
decodes only the selected one again). The captures are the ones ``bench_capture.py`` builds
(real sessions replayed on new connections). Each size runs in a fresh process, headless
(``App.run_test``) at 80x24:

- first screen: seconds from creating the app until the list shows rows and the first message's
  tree and hex pane are drawn;
- keys while loading: 20 Down/PageDown key events posted while the file is still being read,
  each timed until the list's cursor moved and the tree and hex pane show the new message
  (slowest and median); the pilot's own ``press`` waits for an idle app, which a loading app
  never is, so it is not used for this;
- event-loop lag: the worst lateness of a 10 ms timer while loading;
- loaded: seconds until the whole file is in the list;
- filter: seconds to apply ``service:get obis:1.0.1.8.0.255`` to the whole list once loaded;
- RSS: the process's resident memory once loaded (MB, from /proc), and per message.

    .venv/bin/python bench/bench_tui.py                  # 10k and 100k messages
    .venv/bin/python bench/bench_tui.py --sizes 10000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_capture import SESSIONS, build

from translator.capture.tshark import tcp_exchange

_RUN = """
import asyncio, json, resource, statistics, sys, time
sys.path.insert(0, {root!r})
from textual import events
started = time.perf_counter()
from translator.tui.app import InspectorApp
from translator.tui.source import CaptureSource
from translator.tui.widgets.hex_pane import HexPane

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

async def main():
    app = InspectorApp(CaptureSource({path!r}))
    out = {{}}
    async with app.run_test(size=(80, 24)) as pilot:
        while not (app.rows and app.query_one(HexPane).sections):
            await pilot.pause(0.01)
        out["first_screen"] = time.perf_counter() - started
        out["rows_at_first_screen"] = len(app.rows)
        while len(app.rows) < 2000 and not app.loaded:
            await asyncio.sleep(0.01)
        times = []
        for key in ["down", "pagedown"] * 10:
            before = app.selected
            t = time.perf_counter()
            app.post_message(events.Key(key, None))
            while app.selected is before or app.query_one(HexPane).sections == []:
                await asyncio.sleep(0.0005)
            times.append(time.perf_counter() - t)
            await asyncio.sleep(0.02)
        out["slowest_key"] = max(times)
        out["median_key"] = statistics.median(times)
        out["loading_during_keys"] = not app.loaded
        lag = 0.0
        while not app.loaded:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            lag = max(lag, time.perf_counter() - t - 0.01)
        out["loop_lag"] = lag
        out["loaded"] = time.perf_counter() - started
        out["messages"] = len(app.rows)
        from translator.tui.filtering import parse_filter
        t = time.perf_counter()
        app.apply_filter(parse_filter("service:get obis:1.0.1.8.0.255"))
        out["filter"] = time.perf_counter() - t
        out["filtered"] = len(app.query_one("#list").view)
        await pilot.press("end")
        await pilot.pause()
        out["rss_mb"] = rss_mb()
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))

asyncio.run(main())
"""


def run(path: Path) -> dict:
    code = _RUN.format(root=str(ROOT), path=str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="messages, comma-separated")
    parser.add_argument("--dir", default=None, help="where to write the captures (default: tmp)")
    args = parser.parse_args()
    sessions = [tcp_exchange(ROOT / "captures" / name) for name in SESSIONS]
    results = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"tui_{size}.pcap"
            build(path, sessions, size)
            r = run(path)
            results.append(r)
            print(f"done {size}: {json.dumps(r)}", file=sys.stderr, flush=True)
    print(f"{'messages':>9} | {'first screen':>12} | {'key max':>8} {'median':>8} "
          f"{'loading':>7} {'loop lag':>8} | {'loaded':>8} | {'RSS MB':>7} {'peak MB':>7} "
          f"{'kB/msg':>7} | {'filter':>7}")
    for r in results:
        print(f"{r['messages']:>9} | {r['first_screen']:>10.2f} s | "
              f"{r['slowest_key'] * 1000:>5.0f} ms {r['median_key'] * 1000:>5.1f} ms "
              f"{str(r['loading_during_keys']):>7} {r['loop_lag'] * 1000:>5.0f} ms | "
              f"{r['loaded']:>6.1f} s | {r['rss_mb']:>7.1f} {r['peak_rss_mb']:>7.1f} "
              f"{r['rss_mb'] * 1024 / r['messages']:>7.2f} | {r['filter']:>5.2f} s")
    if len(results) >= 2:
        a, b = results[0], results[-1]
        growth = (b["rss_mb"] - a["rss_mb"]) / (b["messages"] - a["messages"]) * 2**20
        print(f"RSS growth from {a['messages']} to {b['messages']} messages: "
              f"{b['rss_mb'] - a['rss_mb']:.1f} MB, {growth:.0f} octets per message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
