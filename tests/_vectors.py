"""The real vectors (copied from the shared set into tests/vectors/), indexed by id."""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
VECTORS_FILE = HERE / "vectors" / "vectors.json"
SHARED_VECTORS_FILE = HERE.parent.parent / "shared" / "vectors" / "vectors.json"

_ALL = json.loads(VECTORS_FILE.read_text())["vectors"]
VECTORS: dict[str, dict] = {v["id"]: v for v in _ALL}


def vector(vid: str) -> dict:
    return VECTORS[vid]


def data(vid: str) -> bytes:
    return bytes.fromhex(VECTORS[vid]["hex"])


def frames(vid: str) -> list[bytes]:
    return [bytes.fromhex(f) for f in VECTORS[vid].get("frames") or []]


def by_layer(*layers: str) -> list[dict]:
    return [v for v in _ALL if v["layer"] in layers]


def with_password(xml: str, password: bytes) -> str:
    """An XML view whose LLS password was redacted, with the password put back in ``Value`` as
    its owner would do before encoding it."""
    redacted = f'Value="{"00" * len(password)}" dt:redacted="password"'
    assert redacted in xml, "no redacted password of that length in the view"
    return xml.replace(redacted, f'Value="{password.hex().upper()}"')
