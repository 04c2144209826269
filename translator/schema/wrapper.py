"""The IEC 62056-47 wrapper (TCP and UDP): an 8-octet header, then one APDU.

Fields: ``version`` (always 1; anything else is a ``DecodeError``), ``source_wport``,
``destination_wport``, ``length`` (octets of APDU; computed on build when None) and ``apdu``.
"""

from __future__ import annotations

import construct as c

from ._core import Const, Struct

__all__ = ["WRAPPER_HEADER_LENGTH", "WRAPPER_START", "WRAPPER_VERSION", "WrapperFrame",
           "wrapper_length"]

WRAPPER_VERSION = 1
WRAPPER_HEADER_LENGTH = 8
WRAPPER_START = WRAPPER_VERSION.to_bytes(2, "big")
"""The first two octets of every wrapper frame (its version): where a search for one starts."""


def wrapper_length(buf: bytes, at: int) -> int:
    """The APDU length the header starting at ``buf[at]`` says (its last two octets)."""
    return int.from_bytes(buf[at + 6:at + WRAPPER_HEADER_LENGTH], "big")


def _length(ctx) -> int:
    length = ctx.get("length")
    return len(ctx.apdu) if length is None else int(length)


WrapperFrame = Struct(
    "version" / Const(WRAPPER_VERSION, c.Int16ub, "wrapper version 0x0001"),
    "source_wport" / c.Int16ub,
    "destination_wport" / c.Int16ub,
    "length" / c.Rebuild(c.Int16ub, _length),
    "apdu" / c.Bytes(c.this.length),
)
