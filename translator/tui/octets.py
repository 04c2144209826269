"""Live octets -> the records the capture mode lists, through the capture reader's own path.

A live session (``--connect``, each ``--proxy`` connection) is one connection of a capture: a
``ByteStream`` per direction hands its messages to a capture ``Session`` (direction, association,
deciphering, pairing, findings), as ``read_trace`` does for a trace, so a row made live is the
row the recorded session gives when replayed. Records go to a ``RecordFeed``.
"""

from __future__ import annotations

import time
from typing import Any

from ..capture.reader import make_record
from ..capture.records import Stats
from ..capture.session import Session
from ..capture.streams import ByteStream
from ..crc import check_sequence
from ..schema.hdlc import frame_length
from .source import RecordFeed

__all__ = ["OctetFeed", "redact"]


class OctetFeed:
    """One connection's two directions; ``sent``/``received`` as octets go by (one thread)."""

    def __init__(self, feed: RecordFeed, stream: str, client: str, server: str,
                 keys: Any = None, secret: bytes | None = None) -> None:
        self.feed = feed
        self.client, self.server = client, server
        self.secret = secret            # redacted from what the client sends, before decoding
        self.stats = Stats()
        self.session = Session(stream, keys, self.stats)
        self.session.client = client    # the direction follows from the endpoints
        self._streams: dict[str, tuple[ByteStream, list[int]]] = {}
        self._chunks = 0
        self._closed = False

    def sent(self, data: bytes) -> None:
        """Octets from the client (head-end) to the meter."""
        if self.secret:
            data = redact(data, self.secret)
        self._push(self.client, self.server, data)

    def received(self, data: bytes) -> None:
        """Octets from the meter to the client."""
        self._push(self.server, self.client, data)

    def _push(self, src: str, dst: str, data: bytes) -> None:
        if not data or self._closed:
            return
        self._chunks += 1
        stream, pos = self._streams.setdefault(src, (ByteStream(), [0]))
        pieces = stream.feed(pos[0], data, self._chunks, time.time())
        pos[0] += len(data)
        self._emit(src, dst, pieces)

    def _emit(self, src: str, dst: str, pieces: list) -> None:
        for piece in pieces:
            record = make_record(piece, self.session.stream, src, dst)
            self.session.process(record)
            self.feed.put(record)

    def close(self) -> None:
        """The connection ended: what a direction still holds is listed (cut), once."""
        if self._closed:
            return
        for src, (stream, _) in self._streams.items():
            dst = self.server if src == self.client else self.client
            self._emit(src, dst, stream.finish())
        self.session.close()
        self._closed = True


def redact(data: bytes, secret: bytes) -> bytes:
    """``data`` with each copy of ``secret`` (an LLS password) turned to ``*`` octets; an HDLC
    frame that held one gets its FCS again, so the redacted frame still decodes clean."""
    if len(secret) < 4 or secret not in data:
        return data
    out = bytearray(data.replace(secret, b"*" * len(secret)))
    pos = 0
    while pos + 3 <= len(out) and out[pos] == 0x7E:   # HDLC frames, one after another
        length = frame_length(out, pos + 1)
        end = pos + 1 + (length or 0)    # the closing flag
        if length is None or length < 4 or end >= len(out) or out[end] != 0x7E:
            break
        if bytes(out[pos + 1:end]) != data[pos + 1:end]:
            out[end - 2:end] = check_sequence(bytes(out[pos + 1:end - 2]))
        pos = end + 1
    return bytes(out)
