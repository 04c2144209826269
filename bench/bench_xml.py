"""Hex -> Gurux simple XML, messages/s, this project beside gurux-dlms's translator in one run.

Why: DESIGN section 6 sets "simple XML out (hex -> XML)" at >= 4x gurux-dlms. Both sides get the
same frame octets and must produce the same XML tree (Gurux's reference in the vector) before any
timing; the time covers the whole path, bytes to XML text.

Run through bench/run.sh's virtual environment (gurux-dlms is a bench-only dependency):
``bench/.venv/bin/python bench/bench_xml.py [--min-time S] [--rounds R] [--fast-parse]``.
Ours: ``translator.xml.to_xml(translator.decode(frame))``. With ``--fast-parse`` a second column
decodes through ``translator.schema._compile.fast_parse`` (the generated parsers DESIGN section 6
plans for ``decoding.py``, switched in here for the run only). Gurux:
``GXDLMSTranslator(TranslatorOutputType.SIMPLE_XML).messageToXml(GXByteBuffer(frame))`` with hex
numbers, no comments, no XML declaration (the settings of the vectors' reference XML).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_decode import peak_memory, time_it

VECTORS = ROOT / "tests" / "vectors" / "vectors.json"

# (vector id, frame index in 'frames' or None for 'hex', what it is)
CASES = [
    ("hdlc-dlms-cosem-199", None, "HDLC I-frame, AARE (DESIGN's case)"),
    ("hdlc-iframe-aarq-kmethy", None, "HDLC I-frame, AARQ"),
    ("hdlc-gurux-readme-get-ldn", None, "HDLC I-frame, GET request"),
    ("hdlc-session-clock-jdlms", 2, "HDLC I-frame, GET response"),
    ("hdlc-dlms-cosem-128", None, "HDLC UA with parameters"),
    ("hdlc-ui-aidon-se-push", None, "HDLC UI push, 27 structures"),
    ("wrapper-udp-ggc-ic-0001e502", None, "wrapper, general-glo-ciphering"),
]


def _tree(text: str) -> tuple:
    from lxml import etree

    root = etree.fromstring(text.encode(), etree.XMLParser(remove_comments=True,
                                                            resolve_entities=False))

    def walk(e):
        return (e.tag, dict(e.attrib), [walk(c) for c in e if isinstance(c.tag, str)])

    return walk(root)


def load() -> list[tuple[str, str, bytes, str]]:
    vectors = {v["id"]: v for v in json.loads(VECTORS.read_text())["vectors"]}
    out = []
    for vid, index, what in CASES:
        v = vectors[vid]
        ref = v["reference_xml_gurux_simple"]
        if index is None:
            frame = bytes.fromhex(v["hex"])
        else:
            frame = bytes.fromhex(v["frames"][index])
            ref = ref[index]
        out.append((vid if index is None else f"{vid}[{index}]", what, frame, ref))
    return out


def ours() -> Callable[[bytes], str]:
    import translator
    from translator.xml import to_xml

    return lambda frame: to_xml(translator.decode(frame))


@contextlib.contextmanager
def fast_parse_decoding():
    """Decode through the generated parsers for the duration of the block (bench only)."""
    from translator import assembly
    from translator.schema import _compile, _core
    from translator.stream import framing

    class _Core:
        def __getattr__(self, name: str) -> Any:
            return getattr(_core, name)

        parse = staticmethod(_compile.fast_parse)

    saved = (assembly._core, framing.parse)
    assembly._core, framing.parse = _Core(), _compile.fast_parse
    try:
        yield
    finally:
        assembly._core, framing.parse = saved


def gurux() -> Callable[[bytes], str]:
    from gurux_dlms import GXByteBuffer, GXDLMSTranslator
    from gurux_dlms.enums import TranslatorOutputType

    translator = GXDLMSTranslator(TranslatorOutputType.SIMPLE_XML)
    translator.omitXmlDeclaration = True
    translator.comments = False
    translator.hex = True
    return lambda frame: translator.messageToXml(GXByteBuffer(frame))


def _rate(r: float | None) -> str:
    if r is None:
        return "-"
    return f"{r / 1000:.1f}k/s" if r >= 1000 else f"{r:.0f}/s"


def measure(fn: Callable[[bytes], str], frame: bytes, ref: str, min_time: float,
            rounds: int) -> tuple[float | None, int | None, str]:
    try:
        if _tree(fn(frame)) != _tree(ref):
            return None, None, "XML differs from Gurux's reference"
        rate, _ = time_it(fn, frame, min_time, rounds)
        return rate, peak_memory(fn, frame), ""
    except Exception as exc:  # noqa: BLE001 - reported in its cell
        return None, None, f"fails: {type(exc).__name__}: {exc}"[:80]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--fast-parse", action="store_true",
                    help="add a column decoding through translator.schema._compile.fast_parse")
    args = ap.parse_args(argv)
    cases = load()
    try:
        from importlib import metadata
        gv = metadata.version("gurux-dlms")
    except Exception:  # noqa: BLE001
        gv = "?"
    print(f"Python {platform.python_version()}, gurux-dlms {gv}; hex -> simple XML, "
          f"best of {args.rounds} rounds of >= {args.min_time}s\n")
    cols = ["ours"] + (["ours, fast_parse"] if args.fast_parse else []) + ["gurux-dlms",
                                                                           "ours/gurux"]
    if args.fast_parse:
        cols.append("fast/gurux")
    print("| case | input | " + " | ".join(cols) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in cols) + " |")
    ratios = []
    for name, what, frame, ref in cases:
        o = measure(ours(), frame, ref, args.min_time, args.rounds)
        f = None
        if args.fast_parse:
            with fast_parse_decoding():
                f = measure(ours(), frame, ref, args.min_time, args.rounds)
        g = measure(gurux(), frame, ref, args.min_time, args.rounds)
        cells = [_cell(o)] + ([_cell(f)] if f else []) + [_cell(g)]
        ratio = o[0] / g[0] if o[0] and g[0] else None
        cells.append(f"{ratio:.2f}x" if ratio else "-")
        if f:
            fr = f[0] / g[0] if f[0] and g[0] else None
            cells.append(f"{fr:.2f}x" if fr else "-")
        ratios.append(ratio)
        print(f"| {what} | {name} | " + " | ".join(cells) + " |")
    print("\ntarget (DESIGN section 6): >= 4x gurux-dlms on the AARE frame")
    return 0


def _cell(m: tuple) -> str:
    rate, peak, problem = m
    if problem:
        return problem
    return f"{_rate(rate)}, {peak / 1024:.1f} KiB"


if __name__ == "__main__":
    sys.exit(main())
