"""What every sans-io link keeps, client or server, HDLC or wrapper: octets in a buffer until a
frame is whole, octets out until the transport writes them, and long APDUs cut into segments."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..stream.framing import Garbage

__all__ = ["LinkBuffers", "segments"]


class LinkBuffers:
    """The two buffers of a sans-io link; subclasses consume ``_buffer`` and fill ``_out``."""

    def __init__(self) -> None:
        self._buffer = b""
        self._out = bytearray()

    def pending(self) -> bool:
        """Whether part of a frame is waiting for the rest (a server times it)."""
        return bool(self._buffer)

    def _settled(self, data: bytes, finder: Callable[[bytes], Iterable[Any]], *,
                 trailing_run_waits: bool) -> list[Any]:
        """Append ``data`` and return, in order, the items (frames, non-frame runs) that no later
        octet can change; what may still grow stays buffered: a frame cut by the end and, with
        ``trailing_run_waits``, a run reaching the end (an HDLC flag there may open a frame)."""
        self._buffer += bytes(data)
        items = list(finder(self._buffer))
        keep = len(self._buffer)
        settled = []
        for n, item in enumerate(items):
            if type(item) is Garbage and (item.kind == "truncated" or (
                    trailing_run_waits and n == len(items) - 1 and item.end == len(self._buffer))):
                keep = item.start
                break
            keep = item.end
            settled.append(item)
        self._buffer = self._buffer[keep:]
        return settled

    def data_to_send(self) -> bytes:
        """Every octet queued since the last call (then forgotten)."""
        out = bytes(self._out)
        self._out.clear()
        return out


def segments(data: bytes, size: int) -> list[tuple[bytes, bool]]:
    """``data`` cut into information fields of at most ``size`` octets, each with its HDLC
    segmentation bit (set on every one but the last)."""
    chunks = [data[i:i + size] for i in range(0, len(data), size)] or [b""]
    return [(chunk, i < len(chunks) - 1) for i, chunk in enumerate(chunks)]
