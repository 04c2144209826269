"""What both server links (wrapper and HDLC) share: octets in a buffer until a frame is whole,
octets out until the server writes them."""

from __future__ import annotations

__all__ = ["ServerLink"]


class ServerLink:
    """The buffers of a sans-io link; subclasses fill ``_out`` and consume ``_buffer``."""

    def __init__(self) -> None:
        self._buffer = b""
        self._out = bytearray()

    def pending(self) -> bool:
        """Whether part of a frame is waiting for the rest (the server times it)."""
        return bool(self._buffer)

    def data_to_send(self) -> bytes:
        """Every octet queued since the last call (then forgotten)."""
        out = bytes(self._out)
        self._out.clear()
        return out
