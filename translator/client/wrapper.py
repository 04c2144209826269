"""The client side of the IEC 62056-47 wrapper (TCP and UDP), sans-io.

The wrapper has no connection of its own: each APDU goes in one frame with the client's and
the server's wPort, and the TCP (or UDP) connection is the link. ``WrapperLink`` builds the
frames with ``translator.schema.wrapper`` and finds them with ``translator.stream.framing``,
keeping a frame cut by the end of a read until the rest arrives.
"""

from __future__ import annotations

from typing import Any

from ..schema._core import build
from ..schema.wrapper import WrapperFrame
from ..stream.framing import Frame, find_wrapper
from .buffers import LinkBuffers
from .events import ApduReceived, ProtocolError

__all__ = ["WrapperLink"]

# An APDU is at most 65535 octets (the length field); past this much the buffer is not a frame.
MAX_BUFFER = 0x10000 + 8


class WrapperLink(LinkBuffers):
    """One client-server wrapper association: APDUs in frames between two wPorts."""

    def __init__(self, client_wport: int = 16, server_wport: int = 1) -> None:
        for name, value in (("client", client_wport), ("server", server_wport)):
            if not 0 <= value <= 0xFFFF:
                raise ValueError(f"a {name} wPort is 0..65535, not {value}")
        self.client_wport = client_wport
        self.server_wport = server_wport
        self.state = "connected"  # the transport's connection is the link
        super().__init__()

    def send_apdu(self, apdu: bytes) -> None:
        """Queue one frame carrying ``apdu`` from the client's wPort to the server's."""
        self._out += build(WrapperFrame, {"source_wport": self.client_wport,
                                          "destination_wport": self.server_wport,
                                          "length": None, "apdu": bytes(apdu)}, "wrapper")

    def resend(self) -> None:
        """Nothing to repeat: TCP retransmits, and over UDP the association layer decides."""

    def receive_data(self, data: bytes) -> list[Any]:
        """Feed octets from the server; one ``ApduReceived`` per whole frame."""
        events: list[Any] = []
        for item in self._settled(data, find_wrapper, trailing_run_waits=False):
            if isinstance(item, Frame):
                frame = item.frame
                if (frame.source_wport, frame.destination_wport) != (self.server_wport,
                                                                      self.client_wport):
                    events.append(ProtocolError(
                        f"a wrapper frame from wPort {frame.source_wport} to wPort "
                        f"{frame.destination_wport}, expected {self.server_wport} to "
                        f"{self.client_wport}", remote=True))
                    continue
                events.append(ApduReceived(bytes(frame.apdu), False, (item.build(),)))
                continue
            events.append(ProtocolError(
                f"{item.end - item.start} octet(s) that are no wrapper frame "
                f"({item.error.expected}, got {item.error.got})", remote=True))
        if len(self._buffer) > MAX_BUFFER:
            events.append(ProtocolError("more octets than one wrapper frame holds without a "
                                        "whole frame", remote=True))
            self._buffer = b""
        return events
