"""A long fuzz run over every entry point (issue 15): mutated real octets and structure-aware
inputs (tests/fuzz), by input count or by time.

Prints inputs tried per target, exceptions by type, the slowest input and peak memory (RSS).
Flags every exception that is not the project's own (``translator.errors.TranslatorError``),
every broken round trip (AssertionError) and every input slower than 1 s, and saves each such
input into ``tests/fuzz/corpus/<target>/``, where the normal test suite replays it.

    nice python bench/fuzz_long.py --inputs 500000 --seed 1
    nice python bench/fuzz_long.py --seconds 2400 --targets decode_all,stream --json out.json
    python bench/fuzz_long.py --capture 200        # also `dlms capture` on mutated pcap files
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzz.generators import GENERATORS  # noqa: E402
from tests.fuzz.mutate import mutate, splice  # noqa: E402
from tests.fuzz.seeds import save_finding, seeds  # noqa: E402
from tests.fuzz.targets import OWN_ERRORS, TARGETS  # noqa: E402

SLOW = 1.0
"""Seconds beyond which one input is a finding."""

_PER_SIGNATURE = 3
"""Corpus files kept per distinct finding (exception type and where it was raised)."""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _signature(e: BaseException) -> str:
    tb = traceback.extract_tb(e.__traceback__)
    where = f"{Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else "?"
    return f"{type(e).__name__} at {where}"


class Run:
    """Counters of one run: per target, per exception type, findings and the slowest input."""

    def __init__(self, save: bool) -> None:
        self.save = save
        self.inputs: Counter = Counter()
        self.seconds: Counter = Counter()
        self.errors: dict[str, Counter] = defaultdict(Counter)
        self.findings: Counter = Counter()
        self.examples: dict[str, str] = {}
        self.slowest = (0.0, "", b"")
        self.saved: list[str] = []

    def one(self, target: str, data: bytes) -> None:
        t0 = time.perf_counter()
        error: BaseException | None = None
        try:
            TARGETS[target](data)
        except OWN_ERRORS as e:
            self.errors[target][type(e).__name__] += 1
        except RecursionError as e:
            error = e
        except Exception as e:  # noqa: BLE001  (anything else is a finding)
            error = e
        took = time.perf_counter() - t0
        self.inputs[target] += 1
        self.seconds[target] += took
        if took > self.slowest[0]:
            self.slowest = (took, target, data)
        if error is not None:
            self.errors[target][type(error).__name__] += 1
            self._finding(target, data, _signature(error), str(error).splitlines()[0][:200]
                          if str(error) else "")
        elif took > SLOW:
            self._finding(target, data, f"slow input in {target}", f"{took:.2f} s", "slow")

    def _finding(self, target: str, data: bytes, signature: str, text: str,
                 kind: str = "finding") -> None:
        key = f"{target}: {signature}"
        self.findings[key] += 1
        self.examples.setdefault(key, text)
        if self.save and self.findings[key] <= _PER_SIGNATURE:
            self.saved.append(str(save_finding(target, data, kind)))

    def report(self, elapsed: float, rss0: float) -> dict:
        took, target, data = self.slowest
        return {
            "inputs": sum(self.inputs.values()),
            "seconds": round(elapsed, 1),
            "per_target": {t: {"inputs": n, "seconds": round(self.seconds[t], 1),
                               "errors": dict(self.errors[t])}
                           for t, n in sorted(self.inputs.items())},
            "exceptions_by_type": dict(sum(self.errors.values(), Counter())),
            "findings": {k: {"count": n, "example": self.examples[k]}
                         for k, n in self.findings.items()},
            "slowest": {"seconds": round(took, 4), "target": target, "octets": len(data),
                        "hex": data.hex()},
            "rss_mb": {"start": round(rss0, 1), "peak": round(_rss_mb(), 1)},
            "saved": self.saved,
        }


def _input(target: str, rng: random.Random, gens: dict[str, list]) -> bytes:
    """A generated input (15 %, when a generator feeds this target) or a mutated seed."""
    if gens.get(target) and rng.random() < 0.15:
        data = rng.choice(gens[target])(rng)[1]
        return mutate(data, rng, 2) if rng.random() < 0.3 else data
    pool = seeds(target)
    if not pool:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    if rng.random() < 0.1:
        return splice(rng.choice(pool), rng.choice(pool), rng)
    return mutate(rng.choice(pool), rng)


def fuzz(targets: list[str], inputs: int | None, seconds: float | None, seed: int,
         save: bool, every: float = 60.0) -> dict:
    rng = random.Random(seed)
    gens: dict[str, list] = defaultdict(list)
    for gen in GENERATORS.values():
        gens[gen(random.Random(0))[0]].append(gen)
    for t in targets:  # warm up (model loading, compiled parsers) before memory is measured
        for x in seeds(t)[:3]:
            Run(False).one(t, x)
    rss0 = _rss_mb()
    run = Run(save)
    start = last = time.monotonic()
    n = 0
    while True:
        now = time.monotonic()
        if (inputs is not None and n >= inputs) or (seconds is not None and now - start >= seconds):
            break
        target = targets[n % len(targets)]
        run.one(target, _input(target, rng, gens))
        n += 1
        if now - last >= every:
            last = now
            print(f"[{now - start:7.0f} s] {n} inputs, {sum(run.findings.values())} finding(s), "
                  f"peak RSS {_rss_mb():.0f} MB", flush=True)
    return run.report(time.monotonic() - start, rss0)


def capture_cli(count: int, seed: int, save: bool) -> dict:
    """``dlms capture`` (a subprocess each) on mutated or truncated bundled captures."""
    from tests.fuzz.capture_files import check_capture_cli, mutated_captures

    tried, problems = 0, Counter()
    worst = 0.0
    for _how, data, _original in mutated_captures(count, seed):
        t0 = time.perf_counter()
        problem = check_capture_cli(data)
        worst = max(worst, time.perf_counter() - t0)
        tried += 1
        if problem:
            problems[problem] += 1
            if save:
                save_finding("capture_cli", data)
    return {"inputs": tried, "problems": dict(problems), "slowest_seconds": round(worst, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, help="stop after this many inputs")
    parser.add_argument("--seconds", type=float, help="stop after this many seconds")
    parser.add_argument("--targets", help="comma-separated targets (default: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--capture", type=int, default=0,
                        help="also run `dlms capture` on this many mutated capture files")
    parser.add_argument("--no-save", action="store_true", help="do not write corpus files")
    parser.add_argument("--json", help="write the report here too")
    args = parser.parse_args(argv)
    targets = args.targets.split(",") if args.targets else list(TARGETS)
    if args.inputs is None and args.seconds is None:
        args.inputs = 10_000
    report = fuzz(targets, args.inputs, args.seconds, args.seed, not args.no_save)
    if args.capture:
        report["capture_cli"] = capture_cli(args.capture, args.seed, not args.no_save)
    text = json.dumps(report, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    bad = report["findings"] or (report.get("capture_cli") or {}).get("problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
