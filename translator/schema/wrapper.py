"""The IEC 62056-47 wrapper (TCP and UDP): an 8-octet header, then one APDU.

Fields: ``version`` (always 1; anything else is a ``DecodeError``), ``source_wport``,
``destination_wport``, ``length`` (octets of APDU; computed on build when None) and ``apdu``.
"""

from __future__ import annotations

import construct as c

from ._core import Expected, Struct

__all__ = ["WRAPPER_HEADER_LENGTH", "WRAPPER_VERSION", "WrapperFrame"]

WRAPPER_VERSION = 1
WRAPPER_HEADER_LENGTH = 8


class _Version(c.Construct):
    """The version field: 0x0001 is the only version IEC 62056-47 defines."""

    def __init__(self):
        super().__init__()
        self.flagbuildnone = True

    def _parse(self, stream, context, path):
        value = int.from_bytes(c.stream_read(stream, 2, path), "big")
        if value != WRAPPER_VERSION:
            raise Expected("wrapper version 0x0001", f"0x{value:04X}")
        return value

    def _build(self, obj, stream, context, path):
        c.stream_write(stream, WRAPPER_VERSION.to_bytes(2, "big"), 2, path)
        return WRAPPER_VERSION

    def _sizeof(self, context, path):
        return 2


def _length(ctx) -> int:
    length = ctx.get("length")
    return len(ctx.apdu) if length is None else int(length)


WrapperFrame = Struct(
    "version" / _Version(),
    "source_wport" / c.Int16ub,
    "destination_wport" / c.Int16ub,
    "length" / c.Rebuild(c.Int16ub, _length),
    "apdu" / c.Bytes(c.this.length),
)
