"""The meter (secondary station) side of an IEC 62056-46 HDLC link, sans-io.

``ServerHdlcLink.receive_data`` takes what the client sent and returns events (an APDU joined
from its segments, the link released, a protocol error); the frames to answer with pile up until
``data_to_send``. What the secondary does in normal response mode:

* SNRM -> UA carrying the negotiated parameters (the smaller of ours and the client's for each
  direction), sequence numbers reset; DISC -> UA (DM when not connected);
* I-frames checked against V(R); a segment (S bit) with the poll bit is answered RR so the client
  sends the next; the joined information loses its LLC header E6 E6 00;
* an APDU to send gets E6 E7 00 in front, is cut to the negotiated maximum information length and
  sent a window at a time, the final bit on the last frame of each window; the client's RR asks
  for the next window;
* frames for another address are ignored, frames with a bad FCS discarded, anything before SNRM
  answered DM, as a station on a shared line does.

Frames are built by ``translator.schema.hdlc.build_frame`` and found by
``translator.stream.framing.find_hdlc``.
"""

from __future__ import annotations

from typing import Any

from ..client.buffers import LinkBuffers, segments
from ..client.events import ApduReceived, LinkEstablished, LinkReleased, ProtocolError
from ..client.hdlc import HdlcAddress, find_plain_hdlc
from ..errors import DecodeError
from ..schema.hdlc import (
    DEFAULT_PARAMETERS,
    address_container,
    build_frame,
    build_parameters,
    parse_parameters,
)
from ..schema.llc import LLC_COMMAND, LLC_RESPONSE
from ..stream.framing import Frame

__all__ = ["ServerHdlcLink"]

MODULUS = 8
MAX_BUFFER = 4 * 2048
"""Octets kept while waiting for the end of a frame; past this the peer is sending noise."""


class ServerHdlcLink(LinkBuffers):
    """One HDLC link, meter side: answers the client (the primary station)."""

    def __init__(self, address: HdlcAddress | None = None, *, window: int = 1,
                 max_info_length: int = 128, max_apdu: int = 0x10000) -> None:
        super().__init__()
        self.address = address or HdlcAddress(1, 17, 2)
        self.window = window
        self.max_info_length = max_info_length
        self.max_apdu = max_apdu
        self.state = "disconnected"
        self.client: Any = None
        self._reset()
        self.parameters = self._negotiated({})

    def _reset(self) -> None:
        self._vs = 0
        self._vr = 0
        self._rx: list[bytes] = []
        self._pending: list[tuple[bytes, bool]] = []
        self._unacked: list[bytes] = []

    # --- in ------------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> list[Any]:
        events: list[Any] = []
        for item in self._settled(data, find_plain_hdlc, trailing_run_waits=True):
            # garbage or fill between frames is skipped, as on a real line
            if isinstance(item, Frame) and item.ok:
                self._frame_in(item.frame, events)
        if len(self._buffer) > MAX_BUFFER:
            self._buffer = b""
            events.append(ProtocolError(f"more than {MAX_BUFFER} octets without a whole frame"))
        return events

    def _frame_in(self, frame: Any, events: list[Any]) -> None:
        if not self.address.matches(frame.destination_address):
            return
        source = frame.source_address
        if source.size != 1:
            return
        kind = frame.control.kind
        if kind == "snrm":
            self._snrm(frame, events)
            return
        if self.client is not None and source.address != self.client.address:
            return   # another client while this one holds the link
        if kind == "disc":
            connected = self.state == "connected"
            self.client = self.client or source
            self._send("ua" if connected else "dm")
            if connected:
                self.state = "disconnected"
                self._reset()
                events.append(LinkReleased("DISC"))
            return
        if self.state != "connected":
            if frame.control.pf and kind != "ui":
                self.client = source
                self._send("dm")
                self.client = None
            return
        if kind == "i":
            self._i_in(frame, events)
        elif kind in ("rr", "rej"):
            self._acknowledge(frame.control.nr)
            if self._unacked:   # the client asks again from N(R): go back N
                self._out += b"".join(self._unacked)
            elif self._pending:
                self._pump()
            elif frame.control.pf:
                self._send("rr", nr=self._vr)
        elif kind == "rnr":
            self._acknowledge(frame.control.nr)

    def _snrm(self, frame: Any, events: list[Any]) -> None:
        try:
            offered = parse_parameters(frame.information) if frame.information else {}
        except DecodeError as e:
            events.append(ProtocolError(f"SNRM parameters do not decode: {e}"))
            return
        self.client = frame.source_address
        self.parameters = self._negotiated(offered)
        self._reset()
        self.state = "connected"
        info = build_parameters({
            "max_info_field_length_transmit": self.parameters["max_info_transmit"],
            "max_info_field_length_receive": self.parameters["max_info_receive"],
            "window_size_transmit": self.parameters["window_transmit"],
            "window_size_receive": self.parameters["window_receive"]})
        self._send("ua", information=info)
        events.append(LinkEstablished(dict(self.parameters)))

    def _i_in(self, frame: Any, events: list[Any]) -> None:
        control = frame.control
        if control.ns != self._vr:
            if control.pf:   # lost or repeated: tell the client where we are
                self._send("rr", nr=self._vr)
            return
        self._acknowledge(control.nr)
        self._vr = (self._vr + 1) % MODULUS
        self._rx.append(bytes(frame.information or b""))
        if sum(map(len, self._rx)) > self.max_apdu:
            self._rx = []
            events.append(ProtocolError(f"an APDU longer than {self.max_apdu} octets"))
            return
        if frame.format.segmentation:
            if control.pf:
                self._send("rr", nr=self._vr)
            return
        data = b"".join(self._rx)
        self._rx = []
        llc_missing = not data.startswith(LLC_COMMAND)
        events.append(ApduReceived(data if llc_missing else data[len(LLC_COMMAND):],
                                   llc_missing, ()))

    def _acknowledge(self, nr: int) -> None:
        """Forget the sent frames N(R) acknowledges (an N(R) out of range acknowledges none)."""
        count = (nr - (self._vs - len(self._unacked))) % MODULUS
        if count <= len(self._unacked):
            del self._unacked[:count]

    # --- out -----------------------------------------------------------------------------

    def send_apdu(self, apdu: bytes) -> None:
        """Queue an APDU (LLC E6 E7 00 in front), cut to the negotiated length."""
        if self.state != "connected":
            return
        self._pending.extend(segments(LLC_RESPONSE + bytes(apdu),
                                      self.parameters["max_info_transmit"]))
        self._pump()

    def _pump(self) -> None:
        if self._unacked:
            return
        count = min(self.parameters["window_transmit"], len(self._pending))
        for n in range(count):
            info, more = self._pending.pop(0)
            frame = self._frame("i", ns=self._vs, nr=self._vr, information=info,
                                segmentation=more, pf=n == count - 1)
            self._unacked.append(frame)
            self._vs = (self._vs + 1) % MODULUS
            self._out += frame

    def _send(self, kind: str, **fields: Any) -> None:
        self._out += self._frame(kind, **fields)

    def _frame(self, kind: str, *, pf: bool = True, **fields: Any) -> bytes:
        client = address_container(1, self.client.address if self.client is not None else 16)
        return build_frame(kind, client, self.address.container(), pf=pf, **fields)

    def _negotiated(self, offered: dict) -> dict:
        """Ours against the client's: what it can receive limits what we send, and back."""
        got = dict(DEFAULT_PARAMETERS)
        got.update({k: int(v) for k, v in offered.items() if k in DEFAULT_PARAMETERS})
        return {
            "max_info_transmit": min(self.max_info_length, got["max_info_field_length_receive"]),
            "max_info_receive": min(self.max_info_length, got["max_info_field_length_transmit"]),
            "window_transmit": min(self.window, got["window_size_receive"]),
            "window_receive": min(self.window, got["window_size_transmit"]),
        }
