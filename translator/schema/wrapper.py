"""The IEC 62056-47 wrapper (TCP and UDP): an 8-octet header, then one APDU.

Fields: ``version`` (always 1; anything else is a ``DecodeError``), ``source_wport``,
``destination_wport``, ``length`` (octets of APDU; computed on build when None) and ``apdu``.
"""

from __future__ import annotations

import construct as c

from ._core import Const, Struct

__all__ = ["WRAPPER_HEADER_LENGTH", "WRAPPER_VERSION", "WrapperFrame"]

WRAPPER_VERSION = 1
WRAPPER_HEADER_LENGTH = 8


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
