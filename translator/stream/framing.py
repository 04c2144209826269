"""Frame finders: split a byte buffer into HDLC, wrapper or M-Bus frames and garbage runs.

Each finder yields, in order, items that together cover every octet of the buffer exactly once:

* ``Frame(layer, start, end, frame, schema)``: a delimited frame; ``frame`` is the container its
  schema parsed (spans absolute), ``ok`` is False when a CRC or checksum failed, ``build()``
  gives back its octets;
* ``Garbage(layer, start, end, error, kind)``: octets that are not a frame; ``error`` is a
  ``DecodeError`` saying what was expected at the start of the run. ``kind`` is "garbage",
  "truncated" (a frame cut by the end of the buffer: keep it and retry with more data) or
  "fill" (spare HDLC flags between frames, not an error on the line).

``start``/``end`` are absolute (``base`` + index), ``end`` exclusive.

HDLC frames are delimited by their length field, never by the next 0x7E: a 0x7E may occur in the
HCS, the information field or the FCS. A frame whose FCS fails but whose flags and length agree
is a frame marked bad; anything else is garbage, and the search resumes at the next 0x7E. Frames
may share a flag (7E f1 7E f2 7E): a frame takes the flag after it as its closing flag and the
next one then has ``opening_flag`` False, so joining ``build()`` of every item gives the buffer.
No loop runs without consuming input and no length field drives an allocation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from construct import Construct, Container

from ..crc import check_sequence
from ..errors import DecodeError
from ..schema._compile import fast_parse as parse
from ..schema._core import build
from ..schema.hdlc import (
    MIN_FRAME_LENGTH,
    HdlcFrame,
    HdlcStuffedFrame,
    frame_length,
    is_format_octet,
)
from ..schema.mbus import (
    MBUS_ACK,
    MBUS_LONG_START,
    MBUS_SHORT_START,
    MBUS_STOP,
    MbusFrame,
    mbus_checksum,
)
from ..schema.transparency import unstuff
from ..schema.wrapper import WRAPPER_HEADER_LENGTH, WRAPPER_START, WrapperFrame, wrapper_length

__all__ = [
    "FINDERS",
    "Frame",
    "Garbage",
    "Item",
    "detect",
    "find_hdlc",
    "find_mbus",
    "find_wrapper",
]

FLAG = 0x7E
_FLAG = b"\x7e"


class Frame(NamedTuple):
    """A delimited frame: the parsed container and its absolute octet range [start, end).

    A named tuple (immutable like a frozen dataclass, made for every frame at a third of its
    cost)."""

    layer: str
    start: int
    end: int
    frame: Container
    schema: Construct

    def __repr__(self) -> str:  # the schema's own repr is its whole declaration
        return f"Frame(layer={self.layer!r}, start={self.start}, end={self.end}, frame={self.frame!r})"

    @property
    def ok(self) -> bool:
        """False when the frame's HCS, FCS or checksum does not match."""
        f = self.frame
        return (
            f.get("hcs_ok") is not False
            and f.get("fcs_ok") is not False
            and f.get("checksum_ok") is not False
        )

    def build(self) -> bytes:
        """The frame's octets, built by its schema (byte-exact with the input)."""
        return build(self.schema, self.frame, self.layer)


@dataclass(frozen=True, slots=True)
class Garbage:
    """Octets [start, end) that are not a frame; ``error`` says what was expected at ``start``."""

    layer: str
    start: int
    end: int
    error: DecodeError
    kind: str = "garbage"  # "garbage" | "truncated" | "fill"


Item = Frame | Garbage


@dataclass(slots=True)
class _Miss:
    """Why no frame starts at a position; ``truncated``: the data ends inside a plausible frame."""

    error: DecodeError
    truncated: bool = False
    resume: int | None = None  # where the garbage run should end, when known


def _merged(items: Iterable[Item]) -> Iterator[Item]:
    """Join adjacent garbage runs of one kind into one, keeping the first run's error."""
    pending: Garbage | None = None
    for item in items:
        if (
            isinstance(item, Garbage)
            and pending is not None
            and pending.kind == item.kind
            and pending.end == item.start
        ):
            pending = Garbage(pending.layer, pending.start, item.end, pending.error, pending.kind)
            continue
        if pending is not None:
            yield pending
            pending = None
        if isinstance(item, Garbage):
            pending = item
        else:
            yield item
    if pending is not None:
        yield pending


# --- HDLC ---------------------------------------------------------------------------------------


def _hdlc_end(buf: bytes, q: int) -> int | None:
    """End (before a closing flag) of the frame whose format field is at ``q``, if its FCS fits."""
    n = len(buf)
    length = frame_length(buf, q)
    if length is None:
        return None
    end = q + length
    if length < MIN_FRAME_LENGTH or end > n:
        return None
    return end if check_sequence(buf[q : end - 2]) == buf[end - 2 : end] else None


def _next_valid_hdlc(buf: bytes, lo: int, hi: int) -> int | None:
    """The first flag in [lo, hi) that opens a complete frame with a matching FCS."""
    r = buf.find(_FLAG, lo, hi)
    while r >= 0:
        if _hdlc_end(buf, r + 1) is not None:
            return r
        r = buf.find(_FLAG, r + 1, hi)
    return None


def _hdlc_at(buf: bytes, p: int, flag: bool, opened: bool, base: int) -> Frame | _Miss:
    """The frame starting at ``p`` (at its opening flag when ``flag``), or why there is none."""
    n = len(buf)
    q = p + flag
    if q + 2 > n:
        return _Miss(
            DecodeError("hdlc", base + n, "the format field of an HDLC frame", "end of data"),
            truncated=True,
        )
    length = frame_length(buf, q)
    if length is None:
        return _Miss(
            DecodeError(
                "hdlc", base + q, "HDLC frame format type 3 (format field 0xA.)", f"0x{buf[q]:02X}"
            )
        )
    if length < MIN_FRAME_LENGTH:
        return _Miss(
            DecodeError(
                "hdlc", base + q, f"a frame length of at least {MIN_FRAME_LENGTH}", str(length)
            )
        )
    end = q + length
    if end > n:
        r = _next_valid_hdlc(buf, p + 1, n)
        if r is None:
            return _Miss(
                DecodeError(
                    "hdlc",
                    base + n,
                    f"{end - n} more octet(s) (frame length {length})",
                    "end of data",
                ),
                truncated=True,
            )
        return _Miss(
            DecodeError(
                "hdlc",
                base + q,
                f"a frame length ending before the next frame (at offset {base + r})",
                str(length),
            ),
            resume=r,
        )
    closing = end < n and buf[end] == FLAG
    frame = error = None
    if opened and closing:
        # Flags on both sides: the frame is parsed whatever its FCS, so its parse's own FCS check
        # decides (the CRC is computed once per frame, not once here and again in the schema).
        try:
            frame = parse(HdlcFrame, buf[p : end + closing], "hdlc", base=base + p)
        except DecodeError as e:
            error = e
        fcs_ok = frame["fcs_ok"] if frame is not None else (
            check_sequence(buf[q : end - 2]) == buf[end - 2 : end])
    else:
        fcs_ok = check_sequence(buf[q : end - 2]) == buf[end - 2 : end]
    if not fcs_ok:
        if not (opened and closing):
            return _Miss(
                DecodeError(
                    "hdlc",
                    base + end - 2,
                    "a matching FCS, or flags around a frame with a bad FCS",
                    buf[end - 2 : end].hex(" "),
                )
            )
        r = _next_valid_hdlc(buf, p + 1, end)
        if r is not None:
            return _Miss(
                DecodeError(
                    "hdlc",
                    base + end - 2,
                    "a matching FCS",
                    f"a valid frame inside at offset {base + r}",
                ),
                resume=r,
            )
    if frame is None and error is None:
        try:
            frame = parse(HdlcFrame, buf[p : end + closing], "hdlc", base=base + p)
        except DecodeError as e:
            error = e
    if frame is None:
        return _Miss(error)
    return Frame("hdlc", base + p, base + end + closing, frame, HdlcFrame)


def _spare_flag(buf: bytes, i: int, base: int, expected: str) -> Garbage:
    """A flag followed by another flag (or by the end): fill between frames, not an error."""
    got = "another flag" if i + 1 < len(buf) else "end of data"
    return Garbage("hdlc", base + i, base + i + 1,
                   DecodeError("hdlc", base + i + 1, expected, got), "fill")


def _find_hdlc_plain(buf: bytes, base: int) -> Iterator[Item]:
    n = len(buf)
    i = 0
    after_flag = False  # the previous frame ended with a closing flag that the next one shares
    while i < n:
        b = buf[i]
        if b == FLAG and (i + 1 == n or buf[i + 1] == FLAG):
            yield _spare_flag(buf, i, base, "an HDLC frame after the flag")
            i += 1
            after_flag = False
            continue
        if b == FLAG:
            found = _hdlc_at(buf, i, True, True, base)
        elif is_format_octet(b) and (after_flag or i == 0):
            found = _hdlc_at(buf, i, False, after_flag, base)
        else:
            found = _Miss(
                DecodeError(
                    "hdlc", base + i, "an HDLC frame (flag 0x7E, then format 0xA.)", f"0x{b:02X}"
                )
            )
        if isinstance(found, Frame):
            yield found
            i = found.end - base
            after_flag = bool(found.frame["closing_flag"])
            continue
        if found.truncated:
            yield Garbage("hdlc", base + i, base + n, found.error, "truncated")
            return
        j = found.resume if found.resume is not None else buf.find(_FLAG, i + 1)
        j = n if j < 0 else j
        yield Garbage("hdlc", base + i, base + j, found.error)
        i = j
        after_flag = False


def _stuffed_region(
    buf: bytes, a: int, b: int, opened: bool, closed: bool, base: int
) -> Frame | _Miss:
    try:
        frame = parse(HdlcStuffedFrame, buf[a:b], "hdlc", base=base + a)
    except DecodeError as e:
        return _Miss(e, truncated=not closed)
    if frame.fcs_ok or (opened and closed):
        return Frame("hdlc", base + a, base + b, frame, HdlcStuffedFrame)
    return _Miss(
        DecodeError("hdlc", base + a, "a stuffed frame with a matching FCS", "a bad FCS"),
        truncated=not closed,
    )


def _find_hdlc_stuffed(buf: bytes, base: int) -> Iterator[Item]:
    """Octet-stuffed HDLC: no 0x7E inside a frame, so the flags delimit the frames."""
    n = len(buf)
    i = 0
    after_flag = False
    while i < n:
        if buf[i] == FLAG and (i + 1 == n or buf[i + 1] == FLAG):
            yield _spare_flag(buf, i, base, "a stuffed HDLC frame after the flag")
            i += 1
            after_flag = False
            continue
        opened = buf[i] == FLAG or after_flag
        j = buf.find(_FLAG, i + 1)
        found = _stuffed_region(buf, i, n if j < 0 else j + 1, opened, j >= 0, base)
        if isinstance(found, Frame):
            yield found
            i = found.end - base
            after_flag = j >= 0
            continue
        if found.truncated:
            yield Garbage("hdlc", base + i, base + n, found.error, "truncated")
            return
        # not truncated, so a flag was found at j: it starts the next try
        yield Garbage("hdlc", base + i, base + j, found.error)
        i = j
        after_flag = False


def _looks_stuffed(buf: bytes, tries: int = 16) -> bool:
    """Whether the first recognisable frame checks out only after unstuffing (0x7D escapes)."""
    if b"\x7d" not in buf:
        return False
    starts = [0] if buf[:1] != _FLAG else []
    r = buf.find(_FLAG)
    while r >= 0 and len(starts) < tries:
        starts.append(r + 1)
        r = buf.find(_FLAG, r + 1)
    for s in starts:
        if _hdlc_end(buf, s) is not None:
            return False
        j = buf.find(_FLAG, s)
        try:
            body, _ = unstuff(buf[s : len(buf) if j < 0 else j])
        except DecodeError:
            continue
        if body and _hdlc_end(body, 0) == len(body):
            return True
    return False


def find_hdlc(buf: bytes, base: int = 0, *, stuffed: bool | None = None) -> Iterator[Item]:
    """HDLC frames and garbage runs of ``buf``; ``stuffed`` None decides from the first frame."""
    buf = bytes(buf)
    if stuffed is None:
        stuffed = _looks_stuffed(buf)
    return _merged(_find_hdlc_stuffed(buf, base) if stuffed else _find_hdlc_plain(buf, base))


# --- IEC 62056-47 wrapper -----------------------------------------------------------------------


def _find_wrapper(buf: bytes, base: int) -> Iterator[Item]:
    n = len(buf)
    i = 0
    while i < n:
        if buf[i : i + 2] == WRAPPER_START or (i + 1 == n and buf[i] == 0):
            if i + WRAPPER_HEADER_LENGTH > n:
                yield Garbage(
                    "wrapper",
                    base + i,
                    base + n,
                    DecodeError("wrapper", base + n, "the 8-octet wrapper header", "end of data"),
                    "truncated",
                )
                return
            end = i + WRAPPER_HEADER_LENGTH + wrapper_length(buf, i)
            if end > n:
                yield Garbage(
                    "wrapper",
                    base + i,
                    base + n,
                    DecodeError(
                        "wrapper",
                        base + n,
                        f"{end - n} more octet(s) (wrapper length "
                        f"{end - i - WRAPPER_HEADER_LENGTH})",
                        "end of data",
                    ),
                    "truncated",
                )
                return
            frame = parse(WrapperFrame, buf[i:end], "wrapper", base=base + i)
            yield Frame("wrapper", base + i, base + end, frame, WrapperFrame)
            i = end
            continue
        j = buf.find(WRAPPER_START, i + 1)
        if j < 0:
            j = n - 1 if buf[-1] == 0 and n - 1 > i else n
        yield Garbage(
            "wrapper",
            base + i,
            base + j,
            DecodeError(
                "wrapper", base + i, "a wrapper header (version 0x0001)", buf[i : i + 2].hex(" ")
            ),
        )
        i = j


def find_wrapper(buf: bytes, base: int = 0) -> Iterator[Item]:
    """IEC 62056-47 wrapper messages and garbage runs of ``buf``.

    The wrapper has no checksum: after garbage the search resumes at the next 0x00 0x01, which
    may be a false start inside the garbage; a length running past the data is reported truncated.
    """
    return _merged(_find_wrapper(bytes(buf), base))


# --- M-Bus --------------------------------------------------------------------------------------


def _mbus_end(buf: bytes, i: int, resync: bool) -> int | None | str:
    """End of the M-Bus frame at ``i``; "truncated" when the data ends inside a plausible one.

    A long frame is recognised by its start, repeated L, second start and stop octets, whatever
    its checksum. While resynchronising inside garbage (``resync``) a short frame also needs a
    matching checksum and a lone 0xE5 is not taken for an acknowledgement.
    """
    n = len(buf)
    b = buf[i]
    if b == MBUS_LONG_START:
        if i + 4 > n:
            return "truncated"
        length = buf[i + 1]
        if buf[i + 2] != length or buf[i + 3] != MBUS_LONG_START or length < 3:
            return None
        end = i + 6 + length
        if end > n:
            return "truncated"
        return end if buf[end - 1] == MBUS_STOP else None
    if b == MBUS_SHORT_START:
        if i + 5 > n:
            return None if resync else "truncated"
        if buf[i + 4] != MBUS_STOP:
            return None
        if resync and mbus_checksum(buf[i + 1 : i + 3]) != buf[i + 3]:
            return None
        return i + 5
    if b == MBUS_ACK and not resync:
        return i + 1
    return None


def _next_mbus(buf: bytes, lo: int) -> int:
    """The next position from ``lo`` where an M-Bus frame (complete or cut by the end) starts."""
    n = len(buf)
    r = lo
    while r < n:
        starts = [x for x in (buf.find(b"\x68", r), buf.find(b"\x10", r)) if x >= 0]
        if not starts:
            return n
        r = min(starts)
        if _mbus_end(buf, r, True) is not None:
            return r
        r += 1
    return n


def _complete_mbus_after(buf: bytes, lo: int) -> bool:
    """True when a whole M-Bus frame starts at or after ``lo`` (a cut frame before it is garbage)."""
    r = lo
    while True:
        r = _next_mbus(buf, r)
        if r >= len(buf):
            return False
        if isinstance(_mbus_end(buf, r, True), int):
            return True
        r += 1


def _find_mbus(buf: bytes, base: int) -> Iterator[Item]:
    n = len(buf)
    i = 0
    while i < n:
        end = _mbus_end(buf, i, False)
        if end == "truncated":
            if not _complete_mbus_after(buf, i + 1):
                yield Garbage(
                    "mbus",
                    base + i,
                    base + n,
                    DecodeError("mbus", base + n, "the rest of an M-Bus frame", "end of data"),
                    "truncated",
                )
                return
            end = None
        if isinstance(end, int):
            try:
                frame = parse(MbusFrame, buf[i:end], "mbus", base=base + i)
            except DecodeError as e:
                error = e
            else:
                yield Frame("mbus", base + i, base + end, frame, MbusFrame)
                i = end
                continue
        else:
            error = DecodeError(
                "mbus", base + i, "an M-Bus frame (0x68 L L 0x68, 0x10 or 0xE5)", f"0x{buf[i]:02X}"
            )
        j = _next_mbus(buf, i + 1)
        yield Garbage("mbus", base + i, base + j, error)
        i = j


def find_mbus(buf: bytes, base: int = 0) -> Iterator[Item]:
    """Wired M-Bus frames (long, short, single character 0xE5) and garbage runs of ``buf``.

    A long frame whose start, length and stop octets agree but whose checksum fails is a frame
    marked bad; after garbage a short frame resynchronises only with a matching checksum, and a
    lone 0xE5 not at all (it is too common an octet).
    """
    return _merged(_find_mbus(bytes(buf), base))


# --- detection ----------------------------------------------------------------------------------


def detect(buf: bytes) -> str:
    """The framing of ``buf`` from its first octets: "hdlc", "wrapper", "mbus" or "apdu"."""
    buf = bytes(buf[:8])
    if not buf:
        return "apdu"
    if buf[0] == FLAG:
        return "hdlc"
    if (frame_length(buf, 0) or 0) >= MIN_FRAME_LENGTH:
        return "hdlc"  # a frame without flags, e.g. an octet-stuffed body
    if buf[:2] == WRAPPER_START:
        return "wrapper"
    if len(buf) >= 4 and buf[0] == MBUS_LONG_START == buf[3] and buf[1] == buf[2]:
        return "mbus"
    if len(buf) >= 5 and buf[0] == MBUS_SHORT_START and buf[4] == MBUS_STOP:
        return "mbus"
    if buf[0] == MBUS_ACK and (len(buf) == 1 or detect(buf[1:]) == "mbus"):
        return "mbus"
    return "apdu"


FINDERS = {"hdlc": find_hdlc, "wrapper": find_wrapper, "mbus": find_mbus}
