"""Real octets to start from: the vectors, the bundled captures (their tshark field export and
messages, saved once as ``corpus/<target>/seed-*`` files), the jDLMS hex trace, XML made from
the vectors; and the corpus of findings, replayed by ``test_corpus.py``.

``python -m tests.fuzz.seeds`` (re)writes the capture-derived seed files (needs tshark).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from tests._vectors import VECTORS

__all__ = ["CAPTURES", "CORPUS", "corpus_files", "save_finding", "seeds"]

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
CAPTURES = HERE.parent.parent / "captures"

_BY_LAYER = {"hdlc": ("decode_hdlc", "decode_auto", "decode_all", "stream", "xml", "keys"),
             "wrapper": ("decode_wrapper", "decode_auto", "decode_all", "stream", "xml", "keys"),
             "mbus": ("decode_mbus", "decode_all", "stream", "keys"),
             "apdu": ("decode_apdu", "decode_auto", "xml", "keys", "client", "simulator"),
             "axdr": ("decode_data", "xml")}


def _vector_octets(v: dict) -> list[bytes]:
    out = [bytes.fromhex(v["hex"])] if v.get("hex") else []
    for f in v.get("frames") or []:
        try:
            out.append(bytes.fromhex(f))
        except ValueError:
            continue
    return out


@functools.cache
def seeds(target: str) -> tuple[bytes, ...]:
    """Real inputs for ``target``: vectors of the layers it takes, then its corpus files."""
    out: list[bytes] = []
    for v in VECTORS.values():
        if target in _BY_LAYER.get(v["layer"], ()):
            out.extend(_vector_octets(v))
    if target == "trace":
        out.append((CAPTURES / "hdlc_session_clock_jdlms.hex").read_bytes())
        out.extend(" ".join(f"{o:02X}" for o in x).encode() for x in seeds("decode_hdlc")[:20])
    if target == "from_xml":
        out.extend(_xml_seeds())
    if target == "keys":  # the protected sessions of the bundled captures
        out.extend(path.read_bytes() for path in corpus_files("decode_all"))
    out.extend(path.read_bytes() for path in corpus_files(target))
    return tuple(dict.fromkeys(x for x in out if x))


def _xml_seeds() -> list[bytes]:
    from translator import decode
    from translator.errors import TranslatorError
    from translator.xml import to_xml

    out = []
    for x in seeds("xml")[:60]:
        try:
            msg = decode(x)
            out.append(to_xml(msg, dialect="simple").encode())
        except TranslatorError:
            continue
    return out


def corpus_files(target: str | None = None) -> list[Path]:
    """The corpus files of one target (or of all), in a stable order."""
    pattern = f"{target}/*" if target else "*/*"
    return sorted(p for p in CORPUS.glob(pattern) if p.is_file())


def save_finding(target: str, data: bytes, kind: str = "finding") -> Path:
    """Keep an input in the corpus (named by its hash, so a finding is kept once)."""
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}-{hashlib.sha1(data).hexdigest()[:16]}"
    if not path.exists():
        path.write_bytes(data)
    return path


def _write_capture_seeds() -> None:
    """Each bundled capture's tshark field export and its messages' octets (one stream per
    capture), as seeds of ``capture_lines`` and ``decode_all``/``stream``."""
    import subprocess

    from translator.capture import read_capture, tshark

    for path in sorted(CAPTURES.glob("*.pcap*")):
        lines = subprocess.run(tshark.tshark_command(str(path)), capture_output=True,
                               check=True).stdout
        save_finding("capture_lines", b"\n".join(lines.splitlines()[:80]) + b"\n",
                     f"seed-{path.stem}")
        if "tcp" in path.stem:  # the two sides of the session, for the links
            exchange = tshark.tcp_exchange(str(path))
            for side, target in ((1, "client_link"), (0, "server_link")):
                octets = b"".join(d for s, d in exchange if s == side)[:6000]
                if octets:
                    save_finding(target, octets, f"seed-{path.stem}")
        raws = [rec.message.raw for rec in read_capture(path) if rec.message is not None][:40]
        if raws:
            for target in ("decode_all", "stream"):
                save_finding(target, b"".join(raws), f"seed-{path.stem}")


if __name__ == "__main__":
    _write_capture_seeds()
