"""Octet stuffing (RFC 1662 style transparency: 0x7D escape, octet XOR 0x20).

IEC 62056-46 HDLC does not stuff (frames are delimited by their length field), but some
converters and meters do; on such a link 0x7E never appears inside a frame. Unstuffing records
which octets were escaped, because stuffers differ (some escape control octets such as 0x03 as
well), so that stuffing the same octets again gives back the input byte for byte.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable

import construct as c

from ..errors import DecodeError
from ._core import Expected

__all__ = ["ESCAPE", "Stuffed", "stuff", "stuffed_offset", "unstuff"]

ESCAPE = 0x7D
FLAG = 0x7E
_MUST_RE = re.compile(b"[\x7d\x7e]")


def unstuff(data: bytes, base: int = 0, layer: str = "hdlc") -> tuple[bytes, tuple[int, ...]]:
    """``data`` without its escapes, and the positions (in the result) of the escaped octets.

    A raw 0x7E (a flag inside the data), a 0x7D at the end or the abort sequence 0x7D 0x7E is a
    ``DecodeError`` at its absolute offset ``base + i``.
    """
    data = bytes(data)
    flag = data.find(b"\x7e")
    if flag >= 0:
        raise DecodeError(layer, base + flag, "no flag octet 0x7E inside stuffed data", "0x7E")
    out = bytearray()
    escaped: list[int] = []
    pos = 0
    while True:
        i = data.find(b"\x7d", pos)
        if i < 0:
            out += data[pos:]
            return bytes(out), tuple(escaped)
        if i + 1 >= len(data):
            raise DecodeError(layer, base + i, "an octet after the escape 0x7D", "end of data")
        out += data[pos:i]
        escaped.append(len(out))
        out.append(data[i + 1] ^ 0x20)
        pos = i + 2


def stuff(data: bytes, escaped: Iterable[int] | None = None) -> bytes:
    """``data`` with 0x7E, 0x7D and the octets at ``escaped`` sent as 0x7D, octet ^ 0x20."""
    data = bytes(data)
    marks = {i for i in (escaped or ()) if 0 <= i < len(data)}
    marks.update(m.start() for m in _MUST_RE.finditer(data))
    if not marks:
        return data
    out = bytearray()
    pos = 0
    for i in sorted(marks):
        out += data[pos:i]
        out += bytes((ESCAPE, data[i] ^ 0x20))
        pos = i + 1
    out += data[pos:]
    return bytes(out)


def stuffed_offset(escaped: tuple[int, ...], position: int) -> int:
    """Where the unstuffed octet at ``position`` starts in the stuffed data (spans, errors)."""
    return position + bisect_left(escaped, position)


def _unstuffed(data: bytes, start: int) -> tuple[int, int, bytes, tuple[int, ...]]:
    """Leading and trailing flag (0 or 1), the octets with flags but no escapes, and the
    positions of the escaped octets in the unstuffed body."""
    lead = 1 if data[:1] == b"\x7e" else 0
    trail = 1 if len(data) > lead and data[-1:] == b"\x7e" else 0
    body, escaped = unstuff(data[lead : len(data) - trail], start + lead)
    return lead, trail, data[:lead] + body + data[len(data) - trail :], escaped


def _fast_unstuffed(data: bytes, b: int, o: int, end: int, parse, up, d: int, flags):
    """``Stuffed._parse`` for generated code: ``parse`` is the subcon's generated function;
    None where ``_parse`` raises (construct then names the error)."""
    try:
        lead, trail, plain, escaped = _unstuffed(data[o:end], b + o)
    except DecodeError:
        return None
    obj, n = parse(plain, b + o, 0, 0, len(plain), up, d)
    if n != len(plain) or tuple(map(bool, flags(obj))) != (bool(lead), bool(trail)):
        return None
    obj["escaped"] = tuple(x + lead for x in escaped)
    return obj


class Stuffed(c.Subconstruct):
    """``subcon`` sent with octet stuffing; takes the rest of its stream.

    A raw 0x7E as first or last octet is a flag and passes through unstuffed. The value is
    ``subcon``'s container with one more key, ``escaped``: the positions of escaped octets in the
    unstuffed data (flags included). ``flags(obj)`` tells the builder whether the built octets start
    and end with a flag, so that a data octet 0x7E at the end is escaped, never taken for a flag.
    Spans inside the value are positions in the unstuffed data (see ``stuffed_offset``).
    """

    def __init__(self, subcon, flags: Callable[[dict], tuple[bool, bool]]):
        super().__init__(subcon)
        self.flags = flags

    def _parse(self, stream, context, path):
        start = stream.tell()
        try:
            lead, trail, plain, escaped = _unstuffed(stream.read(), start)
        except DecodeError as e:
            err = Expected(e.expected, e.got)
            err.offset = e.offset
            raise err from None
        sub = c.core.BytesIOWithOffsets(plain, stream, start)
        obj = self.subcon._parsereport(sub, context, path)
        if sub.tell() - start != len(plain):
            err = Expected(
                "a stuffed frame ending at its closing flag or the end of data",
                f"{len(plain) - (sub.tell() - start)} unstuffed octet(s) more",
            )
            err.offset = start + stuffed_offset(
                tuple(x + lead for x in escaped), sub.tell() - start
            )
            raise err
        if tuple(map(bool, self.flags(obj))) != (bool(lead), bool(trail)):
            err = Expected(
                "the stuffed data's flags to be the frame's own flags",
                "a flag octet read as data, or an escaped 0x7E read as a flag",
            )
            err.offset = start
            raise err
        obj["escaped"] = tuple(x + lead for x in escaped)
        return obj

    def _emitfast(self, cp, sc):
        """Unstuffed by ``_fast_unstuffed``, then the subcon's generated function reads that."""
        parse, v = cp.function(self.subcon, f"{sc.path} -> unstuffed"), cp.var()
        sc.avail = 0
        sc.fn.add(f"{v} = {cp.const(_fast_unstuffed, 'g')}(data, b, o, {sc.end}, {parse}, "
                  f"{sc.here()}, d, {cp.const(self.flags, 'g')})")
        sc.fn.add(f"if {v} is None: raise _Fail")
        sc.fn.add(f"o = {sc.end}")
        return v

    def _build(self, obj, stream, context, path):
        plain = self.subcon.build(obj)
        lead, trail = self.flags(obj)
        lead = 1 if lead and plain[:1] == b"\x7e" else 0
        trail = 1 if trail and len(plain) > lead and plain[-1:] == b"\x7e" else 0
        escaped = [x - lead for x in obj.get("escaped") or ()]
        data = (
            plain[:lead]
            + stuff(plain[lead : len(plain) - trail], escaped)
            + plain[len(plain) - trail :]
        )
        c.stream_write(stream, data, len(data), path)
        return obj

    def _sizeof(self, context, path):
        raise c.SizeofError("variable length", path=path)
