"""Wired M-Bus frames (EN 13757-2) and the DLMS transport carried in them.

``MbusFrame`` reads any of the three frame formats; ``frame_type`` tells which:

* ``single_character``: the single octet 0xE5 (acknowledgement); no other field.
* ``short_frame``: 0x10, C, A, checksum, 0x16.
* ``long_frame``: 0x68, L, L, 0x68, C, A, CI, data, checksum, 0x16, where L counts C through the
  data (computed on build when None).

With a CI field of 0x00..0x1F the long frame carries a segment of a DLMS APDU (the DLMS/COSEM
wired M-Bus transport): bit 4 of CI marks the last segment and bits 0..3 number the segment;
the data starts with the STSAP and DTSAP octets, then the APDU segment (``data``).
``last_segment``/``segment_number`` are derived from CI (None for other CIs) and not built.

The checksum (sum modulo 256 of C through the data) is kept as received and ``checksum_ok`` tells
whether it matches: a bad checksum is marked, not raised. On build a checksum of None is computed.
"""

from __future__ import annotations

import construct as c
from construct import this

from ._core import Expected, Reject, Struct, ok_of

__all__ = ["MBUS_ACK", "MBUS_STOP", "MbusFrame", "is_dlms_ci", "mbus_checksum"]

MBUS_ACK = 0xE5
MBUS_SHORT_START = 0x10
MBUS_LONG_START = 0x68
MBUS_STOP = 0x16

_FrameType = c.Enum(
    c.Int8ub, single_character=MBUS_ACK, short_frame=MBUS_SHORT_START, long_frame=MBUS_LONG_START
)


def mbus_checksum(data: bytes) -> int:
    """The M-Bus checksum: arithmetic sum of the octets, modulo 256."""
    return sum(data) & 0xFF


def is_dlms_ci(ci: int | None) -> bool:
    """CI 0x00..0x1F: a DLMS APDU segment with STSAP and DTSAP."""
    return ci is not None and 0 <= int(ci) <= 0x1F


_long = this.frame_type == "long_frame"
_framed = _long | (this.frame_type == "short_frame")


def _dlms(ctx) -> bool:
    return _long(ctx) and is_dlms_ci(ctx.control_information)


def _length(ctx) -> int:
    """L: octets of C, A, CI (and STSAP, DTSAP) and data; the stored value, or computed."""
    if ctx.get("length") is not None:
        return int(ctx.length)
    return 3 + (2 if _dlms(ctx) else 0) + len(ctx.data or b"")


def _data_length(ctx) -> int:
    if not ctx._parsing:
        return len(ctx.data or b"")
    n = ctx.length - 3 - (2 if _dlms(ctx) else 0)
    if n < 0:
        e = Expected(
            "an L field counting at least C, A, CI" + (", STSAP, DTSAP" if _dlms(ctx) else ""),
            str(int(ctx.length)),
        )
        e.offset = ctx._io.tell() - 6 - (2 if _dlms(ctx) else 0)  # the first L octet
        raise e
    return n


class _RepeatedLength(c.Construct):
    """The second L octet: must equal the first."""

    def __init__(self):
        super().__init__()
        self.flagbuildnone = True

    def _parse(self, stream, context, path):
        value = c.stream_read(stream, 1, path)[0]
        if value != context.length:
            raise Expected(f"the L field repeated (0x{int(context.length):02X})", f"0x{value:02X}")
        return value

    def _emitfast(self, cp, sc):
        v = cp.var()
        cp.need(sc, 1)
        sc.fn.add(f"{v} = data[o]; o += 1")
        sc.fn.add(f"if {v} != {sc.field('length')}: raise _Fail")
        return v

    def _build(self, obj, stream, context, path):
        c.stream_write(stream, bytes([int(context.length)]), 1, path)
        return context.length

    def _sizeof(self, context, path):
        return 1


class MbusChecksum(int):
    """The checksum octet as received, with ``ok`` telling whether it matches."""

    ok: bool

    def __new__(cls, value: int, ok: bool):
        self = super().__new__(cls, value)
        self.ok = ok
        return self

    def __reduce__(self):
        return (MbusChecksum, (int(self), self.ok))


class _Checksum(c.Construct):
    """Sum of the ``covered(ctx)`` octets before it; kept and marked, computed when None."""

    def __init__(self, covered):
        super().__init__()
        self.covered = covered
        self.flagbuildnone = True

    def _covered(self, stream, context) -> bytes:
        n = self.covered(context)
        here = stream.tell()
        stream.seek(here - n)
        data = stream.read(n)
        stream.seek(here)
        return data

    def _parse(self, stream, context, path):
        covered = self._covered(stream, context)
        value = c.stream_read(stream, 1, path)[0]
        return MbusChecksum(value, mbus_checksum(covered) == value)

    def _emitfast(self, cp, sc):
        fn, n, x, v = sc.fn, cp.var("n"), cp.var("x"), cp.var()
        sc.avail = 0
        fn.add(f"{n} = {cp.expr(self.covered, sc)}")
        # construct would seek outside its window (ValueError) or read to the end: let it decide
        fn.add(f"if {n} < 0 or o - {n} < {sc.ws}: raise _Bail")
        cp.need(sc, 1)
        fn.add(f"{x} = data[o]; o += 1")
        fn.add(f"{v} = {cp.const(MbusChecksum, 'g')}({x}, "
               f"{cp.const(mbus_checksum, 'g')}(data[o - 1 - {n}:o - 1]) == {x})")
        return v

    def _build(self, obj, stream, context, path):
        value = mbus_checksum(self._covered(stream, context)) if obj is None else int(obj)
        c.stream_write(stream, bytes([value]), 1, path)
        return value

    def _sizeof(self, context, path):
        return 1


def _covered(ctx) -> int:
    return int(ctx.length) if _long(ctx) else 2


MbusFrame = Struct(
    "frame_type" / c.Peek(_FrameType),
    # an unknown first octet parses to a plain int, equal to none of the names
    c.If(
        ~(_framed | (this.frame_type == "single_character")),
        Reject("an M-Bus frame (0x68 long, 0x10 short or 0xE5 single character)", this.frame_type),
    ),
    c.Rebuild(c.Int8ub, lambda ctx: int(_FrameType.build(ctx.frame_type)[0])),
    "length" / c.If(_long, c.Rebuild(c.Int8ub, _length)),
    c.If(_long, _RepeatedLength()),
    c.If(_long, c.Const(MBUS_LONG_START, c.Int8ub)),
    "control" / c.If(_framed, c.Int8ub),
    "address" / c.If(_framed, c.Int8ub),
    "control_information" / c.If(_long, c.Int8ub),
    "last_segment"
    / c.Computed(lambda ctx: bool(ctx.control_information & 0x10) if _dlms(ctx) else None),
    "segment_number"
    / c.Computed(lambda ctx: ctx.control_information & 0x0F if _dlms(ctx) else None),
    "stsap" / c.If(_dlms, c.Int8ub),
    "dtsap" / c.If(_dlms, c.Int8ub),
    "data" / c.If(_long, c.Bytes(_data_length)),
    "checksum" / c.If(_framed, _Checksum(_covered)),
    "checksum_ok" / c.Computed(ok_of("checksum")),
    c.If(_framed, c.Const(MBUS_STOP, c.Int8ub)),
)
