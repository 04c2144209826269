"""Where the time of one decode goes: per-stage timings and a cProfile listing, on bench vectors.

Why: ``bench_decode.py`` and ``bench_xml.py`` say how fast the whole path is beside the peers;
this script says which stage to work on. Stages are timed on their own (the same calls the
pipeline makes, on the same octets), so "glue" = whole decode minus the schema parses is the cost
of framing logic, message building and dispatch around them.

    python bench/profile_decode.py                      # stage table for the bench vectors
    python bench/profile_decode.py --profile hdlc-dlms-cosem-199 [--xml] [--top 30]

Stage timings: best of ``--rounds`` rounds of N calls (N grown until a round lasts ``--min-time``),
garbage collector on, as in ``bench_decode.py``. cProfile inflates small calls; use its listing
to find candidates and the stage table to measure them.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_decode import time_it

VECTORS = ROOT / "tests" / "vectors" / "vectors.json"
DEFAULT = ("hdlc-dlms-cosem-199", "hdlc-iframe-aare-kmethy", "hdlc-ui-aidon-se-push")


def best_us(fn: Callable[[], object], min_time: float, rounds: int) -> float:
    """Microseconds per call, timed as bench_decode times every library (best of the rounds)."""
    rate, _ = time_it(lambda _data: fn(), b"", min_time, rounds)
    return 1e6 / rate


def stages(data: bytes) -> dict[str, Callable[[], object]]:
    """The pipeline's calls on this frame, each on its own."""
    import translator
    from translator.crc import check_sequence
    from translator.schema._compile import fast_parse
    from translator.schema.apdu import Apdu
    from translator.schema.hdlc import HdlcFrame
    from translator.schema.llc import LlcHeader
    from translator.stream.framing import find_hdlc
    from translator.xml import to_xml

    msg = translator.decode(data, layer="hdlc")
    frame = msg.frames[0]
    raw = data[frame.start:frame.end]
    out: dict[str, Callable[[], object]] = {
        "decode (whole)": lambda: translator.decode(data, layer="hdlc"),
        "framing: list(find_hdlc)": lambda: list(find_hdlc(data)),
        "  HdlcFrame parse": lambda: fast_parse(HdlcFrame, raw, "hdlc"),
        "  one CRC over the frame": lambda: check_sequence(raw[1:-3]),
    }
    if msg.llc is not None:
        llc = bytes(msg.frames[0].frame["information"][:3])
        out["LlcHeader parse"] = lambda: fast_parse(LlcHeader, llc, "llc")
    if msg.apdu_bytes is not None:
        apdu, at = msg.apdu_bytes, msg.apdu_offset or 0
        out["Apdu parse"] = lambda: fast_parse(Apdu, apdu, "apdu", at)
    out["to_xml (decoded message)"] = lambda: to_xml(msg)
    out["hex -> XML (decode + to_xml)"] = lambda: to_xml(translator.decode(data))
    return out


def table(vids: list[str], min_time: float, rounds: int) -> None:
    vectors = {v["id"]: v for v in json.loads(VECTORS.read_text())["vectors"]}
    print("| vector | stage | us/call |")
    print("| --- | --- | --- |")
    for vid in vids:
        data = bytes.fromhex(vectors[vid]["hex"])
        times = {name: best_us(fn, min_time, rounds) for name, fn in stages(data).items()}
        parsed = sum(times.get(k, 0.0) for k in ("framing: list(find_hdlc)", "LlcHeader parse",
                                                 "Apdu parse"))
        times["glue (whole - framing - LLC - APDU)"] = times["decode (whole)"] - parsed
        for name, us in times.items():
            print(f"| {vid} | {name} | {us:.2f} |")


def profile(vid: str, xml: bool, top: int, calls: int) -> None:
    import translator
    from translator.xml import to_xml

    vectors = {v["id"]: v for v in json.loads(VECTORS.read_text())["vectors"]}
    data = bytes.fromhex(vectors[vid]["hex"])
    if xml:
        def fn() -> object:
            return to_xml(translator.decode(data))
    else:
        def fn() -> object:
            return translator.decode(data, layer="hdlc")
    for _ in range(200):  # warm: generated parsers compiled, caches filled
        fn()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("vectors", nargs="*", help=f"vector ids (default: {', '.join(DEFAULT)})")
    ap.add_argument("--profile", metavar="VECTOR", help="cProfile listing for this vector")
    ap.add_argument("--xml", action="store_true", help="profile hex -> XML instead of decode")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--calls", type=int, default=3000)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    if args.profile:
        profile(args.profile, args.xml, args.top, args.calls)
    else:
        table(args.vectors or list(DEFAULT), args.min_time, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
