"""Messages/s of the interpreted schemas (``_core.parse``) against the generated parsers
(``_compile.fast_parse``) on real vectors; DESIGN section 6 sets the targets.

Run from the repository root: ``python3 bench/compile_speed.py [--min-time S] [--rounds R]``.
Method: N calls per round, N grown until a round lasts ``--min-time``, best of ``--rounds``;
before timing, both paths must give the same tree on the case's input.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests._vectors import data
from translator.schema import _compile, _core
from translator.schema.apdu import Apdu
from translator.schema.hdlc import HdlcFrame
from translator.schema.llc import LlcHeader


def _frame_pipeline(parse):
    """HDLC frame (CRCs checked), LLC header, APDU full tree: what decoding.py does per frame."""
    def run(frame: bytes):
        f = parse(HdlcFrame, frame, "hdlc", 0)
        info = f["information"]
        off = f["_spans"]["information"][0]
        llc = parse(LlcHeader, info[:3], "llc", off)
        return f, llc, parse(Apdu, info[3:], "apdu", off + 3)
    return run


def _apdu_of_frame(vid: str) -> bytes:
    return _core.parse(HdlcFrame, data(vid), "hdlc")["information"][3:]


def _cases():
    aare = data("acse-aare-14")
    with_list = data("xdlms-get-response-with-list")
    aidon = _apdu_of_frame("hdlc-ui-aidon-se-push")
    return [
        ("Apdu: AARE (acse-aare-14)",
         lambda p: lambda: p(Apdu, aare, "apdu", 0)),
        ("Apdu: GET response with list (xdlms-get-response-with-list)",
         lambda p: lambda: p(Apdu, with_list, "apdu", 0)),
        ("Apdu: Aidon push (APDU of hdlc-ui-aidon-se-push)",
         lambda p: lambda: p(Apdu, aidon, "apdu", 0)),
        ("HdlcFrame: hdlc-dlms-cosem-199",
         lambda p: lambda: p(HdlcFrame, data("hdlc-dlms-cosem-199"), "hdlc", 0)),
        ("HDLC + LLC + AARE full tree (hdlc-dlms-cosem-199)  [target >= 50k/s]",
         lambda p: lambda: _frame_pipeline(p)(data("hdlc-dlms-cosem-199"))),
        ("HDLC UI Aidon push to values (hdlc-ui-aidon-se-push)  [target >= 20k/s]",
         lambda p: lambda: _frame_pipeline(p)(data("hdlc-ui-aidon-se-push"))),
    ]


def _rate(fn, min_time: float, rounds: int) -> float:
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t >= min_time:
            break
        n *= 2
    best = min(_timed(fn, n) for _ in range(rounds))
    return n / best


def _timed(fn, n: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    print(f"{'case':78} {'interpreted':>12} {'compiled':>12} {'x':>6}")
    for name, make in _cases():
        slow, fast = make(_core.parse), make(_compile.fast_parse)
        if repr(slow()) != repr(fast()):
            print(f"{name:78} results differ", file=sys.stderr)
            return 1
        a = _rate(slow, args.min_time, args.rounds)
        b = _rate(fast, args.min_time, args.rounds)
        print(f"{name:78} {a:10.0f}/s {b:10.0f}/s {b / a:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
