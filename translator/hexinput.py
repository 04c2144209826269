"""Tolerant hex input: what users paste from Gurux, Wireshark, logs or C arrays."""

from __future__ import annotations

import re

from .errors import DecodeError

_NOISE = re.compile(r"0[xX](?=[0-9a-fA-F])|[\s,:;\-{}\[\]]")
_NOT_HEX = re.compile(r"[^0-9a-fA-F]")


def parse_hex(text: str) -> bytes:
    """Bytes from hex text with spaces, newlines, ``0x`` prefixes, commas, colons or dashes.

    Anything else is a ``DecodeError`` naming the character and its offset in ``text``.
    """
    cleaned = []
    positions = []
    pos = 0
    for m in _NOISE.finditer(text):
        chunk = text[pos:m.start()]
        cleaned.append(chunk)
        positions.extend(range(pos, m.start()))
        pos = m.end()
    cleaned.append(text[pos:])
    positions.extend(range(pos, len(text)))
    digits = "".join(cleaned)
    bad = _NOT_HEX.search(digits)
    if bad:
        where = positions[bad.start()]
        raise DecodeError("input", where, "hex digits", repr(text[where]))
    if len(digits) % 2:
        raise DecodeError("input", len(text), "an even number of hex digits", f"{len(digits)} digits")
    return bytes.fromhex(digits)
