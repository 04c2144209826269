"""Serial (and other) hex traces as input: each line's time, direction and octets.

Why: serial and optical-probe sessions are rarely captured as pcap; what users have is the log
of the tool that talked to the meter. Formats read (one frame or chunk per line):

* Gurux Director / XmlClient traces: ``<- 12:00:01<TAB>7E A0 ...`` (``<-`` sent, ``->`` received),
  and the Gurux examples' ``TX:<TAB>12:00:01<TAB>7E A0 ...`` / ``RX:``;
* GXDLMSDirector logs: a timestamped text line (``11:11:17 Send AARQ request.``: sent; an empty
  text, ``11:11:17``: received) followed by a line of hex;
* jDLMS-style logs that name the sender: ``... CLIENT: 7E A0 ...`` / ``SERVER:``, or words such as
  ``sent`` / ``received``, ``outgoing`` / ``incoming``;
* plain hex lines, with or without a leading timestamp (no direction).

The octets are the line's trailing run of hex (pairs, spaced or not); everything before it is
searched for a timestamp and a direction. Lines without hex are context, never an error.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "FROM_CLIENT",
    "FROM_SERVER",
    "RECEIVED",
    "SENT",
    "TraceChunk",
    "looks_like_trace",
    "parse_trace",
]

SENT, RECEIVED = "sent", "received"                   # relative to the program that traced
FROM_CLIENT, FROM_SERVER = "from_client", "from_server"  # absolute

_HEX_TAIL = re.compile(r"(?<![0-9A-Za-z:.,\-])([0-9A-Fa-f]{2}(?:[ ]?[0-9A-Fa-f]{2})*)[ \t]*$")
_TIME = re.compile(r"(?:(\d{4})-(\d{2})-(\d{2})[ T])?(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?")
_DIRECTIONS = (
    (re.compile(r"<-|<<|\bTX\b|\bTx\b", re.IGNORECASE), SENT),
    (re.compile(r"->|>>|\bRX\b", re.IGNORECASE), RECEIVED),
    (re.compile(r"\bclient\b", re.IGNORECASE), FROM_CLIENT),
    (re.compile(r"\b(?:server|meter)\b", re.IGNORECASE), FROM_SERVER),
    (re.compile(r"\b(?:send|sent|sending|write|writing|out|outgoing)\b", re.IGNORECASE), SENT),
    (re.compile(r"\b(?:received?|receiving|recv|incoming|in)\b", re.IGNORECASE), RECEIVED),
)
_MIN_OCTETS = 2


@dataclass(slots=True)
class TraceChunk:
    """The octets of one trace line; ``line`` counts from 1."""

    line: int
    time: float | None
    direction: str | None
    data: bytes


def _time(text: str) -> float | None:
    """Seconds: epoch (UTC) when the trace gives a date, else seconds since midnight."""
    m = _TIME.search(text)
    if not m:
        return None
    year, month, day, hour, minute, second, fraction = m.groups()
    seconds = int(hour) * 3600 + int(minute) * 60 + int(second)
    if fraction:
        seconds += int(fraction) / 10 ** len(fraction)
    if year:
        seconds += calendar.timegm((int(year), int(month), int(day), 0, 0, 0))
    return seconds


def _direction(text: str) -> str | None:
    for pattern, direction in _DIRECTIONS:
        if pattern.search(text):
            return direction
    return None


def parse_trace(lines: Iterable[str]) -> Iterator[TraceChunk]:
    """The chunks of octets of a trace, in order, each with its time and direction."""
    hint: tuple[float | None, str | None] | None = None
    for number, raw in enumerate(lines, 1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith(("#", "//", ";")):
            continue
        m = _HEX_TAIL.search(line)
        if m is not None and m.start() > 0 and len(m.group(1).replace(" ", "")) < 2 * _MIN_OCTETS:
            m = None  # one octet after text is a word or a number, not data
        if m is None:
            # a text line: a GXDLMSDirector log announces the next hex line's direction
            tm = _TIME.match(line)
            if tm:
                text = line[tm.end():].strip()
                told = _direction(text)
                hint = (_time(line), told or (SENT if text else RECEIVED))
            continue
        prefix = line[:m.start()]
        data = bytes.fromhex(m.group(1).replace(" ", ""))
        time, direction = _time(prefix), _direction(prefix)
        if hint is not None and not prefix.strip():
            time, direction = hint
        hint = None
        yield TraceChunk(number, time, direction, data)


_PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",
                b"\x0a\x0d\x0d\x0a")


def looks_like_trace(head: bytes) -> bool:
    """True for text (a trace), False for a pcap/pcapng file (by its magic number)."""
    if head[:4] in _PCAP_MAGICS:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # a multi-octet character cut at the end of the sample is still text
        return e.start >= len(head) - 3
    return True
