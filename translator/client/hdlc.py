"""The client (primary station) side of an IEC 62056-46 HDLC link, sans-io.

``HdlcLink`` takes the octets the server sent (``receive_data``) and gives events; what the
client must send piles up until ``data_to_send`` takes it. No socket, clock or thread: the
transport writes, reads with a timeout and calls ``resend`` when the timeout expires.

What the link does on its own, as the standard's normal response mode asks:
* SNRM with the negotiation parameters (only when they differ from the defaults), UA read back;
* I-frames numbered N(S)/N(R) modulo 8; an APDU longer than the negotiated maximum information
  length goes out in segments (S bit), at most ``window`` frames before the server answers, the
  poll bit on the last frame of each window;
* segments from the server are acknowledged with RR and joined; the LLC header is removed;
* a frame with a bad FCS is discarded (a real station does the same) and reported as a warning.

Every frame is built by ``translator.schema.hdlc`` and found by ``translator.stream.framing``;
this module only decides which frame comes next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import DecodeError
from ..schema.hdlc import (
    DEFAULT_PARAMETERS,
    address_container,
    address_size,
    build_frame,
    build_parameters,
    parse_parameters,
)
from ..schema.llc import LLC_COMMAND, LLC_RESPONSE
from ..stream.framing import Frame, find_hdlc
from .buffers import LinkBuffers, segments
from .events import (
    ApduReceived,
    LinkEstablished,
    LinkReleased,
    LinkWarning,
    LocalProtocolError,
    ProtocolError,
)

__all__ = ["HdlcAddress", "HdlcLink", "find_plain_hdlc"]


def find_plain_hdlc(buf: bytes) -> Any:
    """HDLC frames as a TCP or serial link carries them (no octet stuffing)."""
    return find_hdlc(buf, stuffed=False)

MODULUS = 8  # sequence numbers of the basic (one-octet) control field
ALL_STATIONS = 0x7F  # the 1-octet all-station (broadcast) address
# A partial frame never needs more than this; past it the buffered octets are noise.
MAX_BUFFER = 4 * 2048

# (state, what happened) -> next state. Anything absent is a bad transition.
TRANSITIONS = {
    ("disconnected", "connect"): "connecting",
    ("connecting", "ua"): "connected",
    ("connecting", "dm"): "disconnected",
    ("connected", "disconnect"): "disconnecting",
    ("connected", "dm"): "disconnected",
    ("connected", "frmr"): "disconnected",
    ("connecting", "frmr"): "disconnected",
    ("disconnecting", "ua"): "disconnected",
    ("disconnecting", "dm"): "disconnected",
    ("disconnecting", "frmr"): "disconnected",
}


@dataclass(frozen=True, slots=True)
class HdlcAddress:
    """A server address: upper HDLC address = logical device, lower = physical device.

    ``size`` is the octets on the wire: 1 (upper only), 2 (7 bits each) or 4 (14 bits each)."""

    logical: int
    physical: int | None = None
    size: int = 2

    def __post_init__(self) -> None:
        if self.size not in (1, 2, 4):
            raise ValueError(f"an HDLC server address has 1, 2 or 4 octets, not {self.size}")
        bits = {1: 7, 2: 7, 4: 14}[self.size]
        if not 0 <= self.logical < 1 << bits:
            raise ValueError(f"logical device {self.logical} does not fit {self.size} octet(s)")
        if self.size > 1 and not 0 <= (self.physical or 0) < 1 << bits:
            raise ValueError(f"physical device {self.physical} does not fit {self.size} octets")

    @classmethod
    def combined(cls, value: int, size: int | None = None) -> HdlcAddress:
        """From one number, logical << 7 | physical (2 octets) or logical << 14 | physical
        (4 octets), the way client tools take ``--server``; ``size`` None picks the smallest."""
        value = int(value)
        if size is None:
            size = address_size(value)
        if size == 1:
            return cls(logical=value, physical=None, size=1)
        half = 7 if size == 2 else 14
        return cls(logical=value >> half, physical=value & ((1 << half) - 1), size=size)

    def container(self) -> Any:
        """The address as ``HdlcFrame`` builds it."""
        if self.size == 1:
            return address_container(1, self.logical)
        return address_container(self.size, upper=self.logical, lower=self.physical or 0)

    def matches(self, address: Any) -> bool:
        """Whether a parsed address is this one (same size and value)."""
        if address.size != self.size:
            return False
        if self.size == 1:
            return address.address == self.logical
        return address.upper == self.logical and address.lower == (self.physical or 0)

    def __str__(self) -> str:
        if self.size == 1:
            return f"logical {self.logical}"
        return f"logical {self.logical} physical {self.physical} ({self.size} octets)"


class HdlcLink(LinkBuffers):
    """One client-server HDLC link (normal response mode, the client is the primary)."""

    def __init__(self, client_address: int = 16, server: HdlcAddress | None = None, *,
                 window: int = 1, max_info_length: int = 128, strict: bool = False,
                 window_receive: int | None = None,
                 max_info_receive: int | None = None) -> None:
        """``window`` and ``max_info_length`` are proposed for both directions unless
        ``window_receive`` / ``max_info_receive`` propose other values for what the server
        sends."""
        if not 0 <= client_address < 0x80:
            raise ValueError(f"a client address is one octet (0..127), not {client_address}")
        window_receive = window if window_receive is None else window_receive
        max_info_receive = max_info_length if max_info_receive is None else max_info_receive
        for w in (window, window_receive):
            if not 1 <= w <= MODULUS - 1:
                raise ValueError(f"window {w}: 1..7 frames with modulo-8 numbering")
        for n in (max_info_length, max_info_receive):
            if not 32 <= n <= 2030:
                raise ValueError(f"maximum information length {n}: 32..2030")
        self.client_address = client_address
        self.server = server if server is not None else HdlcAddress(1, 17, 2)
        self.window = window
        self.max_info_length = max_info_length
        self.strict = strict
        self.state = "disconnected"
        self._client = address_container(1, client_address)
        self._proposed = {
            "max_info_field_length_transmit": max_info_length,
            "max_info_field_length_receive": max_info_receive,
            "window_size_transmit": window,
            "window_size_receive": window_receive,
        }
        self._reset_sequence()
        LinkBuffers.__init__(self)
        self._awaiting: tuple[bytes, ...] = ()  # what resend() repeats: the last poll
        self.parameters: dict = self._negotiated(None)

    # --- state ---------------------------------------------------------------------------

    def _reset_sequence(self) -> None:
        self._vs = 0  # V(S): N(S) of the next I-frame sent
        self._vr = 0  # V(R): N(S) expected of the next I-frame received
        self._pending: list[tuple[bytes, bool]] = []  # segments not yet sent: (info, more)
        self._unacked: list[tuple[int, bytes]] = []  # sent, not acknowledged: (N(S), octets)
        self._rx: list[bytes] = []  # information of the segments of the APDU coming in
        self._rx_frames: list[bytes] = []
        self._ui: list[bytes] = []
        self._ui_frames: list[bytes] = []
        self._last_rx: bytes | None = None
        self._peer_busy = False

    def _go(self, what: str) -> None:
        after = TRANSITIONS.get((self.state, what))
        if after is None:
            raise LocalProtocolError(f"HDLC link: cannot {what} while {self.state}")
        self.state = after

    # --- what the caller asks ------------------------------------------------------------

    def connect(self) -> None:
        """Queue SNRM; the parameters go in its information field only when they differ
        from the defaults (128/128/1/1), as Gurux and the Green Book examples send it."""
        self._go("connect")
        self._reset_sequence()
        info = None
        if self._proposed != DEFAULT_PARAMETERS:
            info = build_parameters(self._proposed)
        self._send((self._frame("snrm", information=info),))

    def disconnect(self) -> None:
        """Queue DISC; UA or DM gives ``LinkReleased``."""
        self._go("disconnect")
        self._pending.clear()
        self._send((self._frame("disc"),))

    def send_apdu(self, apdu: bytes) -> None:
        """Queue an APDU: LLC E6 E6 00 in front, cut to the negotiated maximum information
        length; frames beyond the window wait for the server's acknowledgement."""
        if self.state != "connected":
            raise LocalProtocolError(f"HDLC link: cannot send an APDU while {self.state}")
        self._pending.extend(segments(LLC_COMMAND + bytes(apdu),
                                      self.parameters["max_info_transmit"]))
        self._pump()

    def resend(self) -> None:
        """Queue again what the last poll sent (SNRM, DISC, the unacknowledged window or the
        RR asking for the next segment): the transport calls it when its timeout expires."""
        if self._peer_busy and not self._awaiting:
            self._awaiting = (self._frame("rr", nr=self._vr),)
        self._out += b"".join(self._awaiting)

    # --- what the server sent ------------------------------------------------------------

    def receive_data(self, data: bytes) -> list[Any]:
        """Feed octets from the server; a frame cut by the end of ``data`` waits for the rest."""
        events: list[Any] = []
        for item in self._settled(data, find_plain_hdlc, trailing_run_waits=True):
            if isinstance(item, Frame):
                self._frame_in(item, events)
            elif item.kind != "fill":
                events.append(LinkWarning(
                    f"{item.end - item.start} octet(s) that are no HDLC frame were discarded "
                    f"({item.error.expected}, got {item.error.got})"))
        if len(self._buffer) > MAX_BUFFER:
            events.append(LinkWarning(f"{len(self._buffer)} octets without a whole frame were "
                                      "discarded"))
            self._buffer = b""
        return events

    def _frame_in(self, item: Frame, events: list[Any]) -> None:
        frame = item.frame
        raw = item.build()
        control = frame.control
        if not item.ok:
            events.append(LinkWarning(f"a {control.kind.upper()} frame with a bad "
                                      f"{'HCS' if frame.hcs_ok is False else 'FCS'} was "
                                      "discarded"))
            return
        kind = control.kind
        dest = frame.destination_address
        to_us = dest.size == 1 and (dest.address == self.client_address
                                    or (kind == "ui" and dest.address == ALL_STATIONS))
        if not to_us or not self.server.matches(frame.source_address):
            events.append(LinkWarning(f"a {kind.upper()} frame for another station was ignored "
                                      f"(from {_address_text(frame.source_address)} to "
                                      f"{_address_text(frame.destination_address)})"))
            return
        if kind == "ui":
            self._ui_in(frame, raw, events)
            return
        if control.pf:
            self._awaiting = ()  # the server gave the turn back: our poll was answered
        handler = getattr(self, f"_{kind}_in", None)
        if handler is None:
            events.append(ProtocolError(f"unexpected HDLC frame {kind.upper()} "
                                        f"(control 0x{control.value:02X}) while {self.state}",
                                        remote=True))
            return
        handler(frame, raw, events)

    # unnumbered responses

    def _ua_in(self, frame: Any, raw: bytes, events: list[Any]) -> None:
        if self.state == "connecting":
            try:
                offered = parse_parameters(frame.information) if frame.information else None
            except DecodeError as e:
                events.append(ProtocolError(f"UA parameters do not decode: {e}", remote=True))
                self.state = "disconnected"
                return
            self._go("ua")
            self.parameters = self._negotiated(offered)
            events.append(LinkEstablished(dict(self.parameters)))
        elif self.state == "disconnecting":
            self._go("ua")
            self._reset_sequence()
            events.append(LinkReleased("UA to DISC"))
        elif self.state == "connected" and (self._vs, self._vr) == (0, 0) and not self._unacked:
            # the answer to an SNRM that resend() repeated: the link is up already
            events.append(LinkWarning("a second UA (to a repeated SNRM) was ignored"))
        else:
            events.append(ProtocolError(f"UA while {self.state}", remote=True))

    def _dm_in(self, frame: Any, raw: bytes, events: list[Any]) -> None:
        before = self.state
        if before == "disconnected":
            events.append(LinkWarning("DM while disconnected"))
            return
        self._go("dm")
        self._reset_sequence()
        if before == "connecting":
            events.append(ProtocolError("server refused the connection (DM)", remote=True))
        elif before == "disconnecting":
            events.append(LinkReleased("DM to DISC (the server was already disconnected)"))
        else:
            events.append(LinkReleased("DM: the server disconnected the link"))

    def _frmr_in(self, frame: Any, raw: bytes, events: list[Any]) -> None:
        info = (frame.information or b"").hex(" ")
        if self.state != "disconnected":
            self._go("frmr")
        self._reset_sequence()
        info = info or "without information"
        events.append(ProtocolError(f"the server rejected a frame (FRMR {info})", remote=True))

    # supervisory and information frames

    def _connected(self, kind: str, events: list[Any]) -> bool:
        if self.state in ("connected", "disconnecting"):
            return True
        events.append(ProtocolError(f"{kind.upper()} while {self.state}", remote=True))
        return False

    def _acknowledge(self, nr: int, events: list[Any]) -> bool:
        """Drop the sent frames N(R) acknowledges; False (with an error) when N(R) is out of
        the window, which the standard treats as a frame to reject."""
        outstanding = [ns for ns, _ in self._unacked]
        start = outstanding[0] if outstanding else self._vs
        count = (nr - start) % MODULUS
        if count > len(outstanding):
            events.append(ProtocolError(f"N(R) {nr} acknowledges frames never sent "
                                        f"(V(S) is {self._vs})", remote=True))
            return False
        del self._unacked[:count]
        return True

    def _rr_in(self, frame: Any, raw: bytes, events: list[Any]) -> None:
        if not self._connected("rr", events) or not self._acknowledge(frame.control.nr, events):
            return
        self._peer_busy = False
        if self._unacked and frame.control.pf:
            # the server asks again from N(R): the frames after it were lost (go back N)
            self._send(tuple(octets for _, octets in self._unacked))
            return
        self._pump()

    def _rej_in(self, frame: Any, raw: bytes, events: list[Any]) -> None:
        """REJ: everything from N(R) on goes again, poll bit or not."""
        if not self._connected("rej", events) or not self._acknowledge(frame.control.nr,
                                                                         events):
            return
        self._peer_busy = False
        if self._unacked:
            self._send(tuple(octets for _, octets in self._unacked))
        else:
            self._pump()

    def _rnr_in(self, frame: Any, raw: bytes, events: list[Any]) -> None:
        if self._connected("rnr", events) and self._acknowledge(frame.control.nr, events):
            self._peer_busy = True

    def _i_in(self, frame: Any, raw: bytes, events: list[Any]) -> None:
        if not self._connected("i", events):
            return
        control = frame.control
        if control.ns != self._vr:
            if raw == self._last_rx:
                # our acknowledgement was lost and the server sent the frame again
                events.append(LinkWarning(f"I-frame N(S) {control.ns} received twice; the "
                                          "repeat was dropped"))
                if control.pf:
                    self._send((self._frame("rr", nr=self._vr),))
                return
            events.append(ProtocolError(f"I-frame N(S) {control.ns}, expected {self._vr}",
                                        remote=True))
            return
        if not self._acknowledge(control.nr, events):
            return
        self._vr = (self._vr + 1) % MODULUS
        self._last_rx = raw
        self._rx.append(bytes(frame.information or b""))
        self._rx_frames.append(raw)
        if frame.format.segmentation:
            if control.pf:
                self._send((self._frame("rr", nr=self._vr),))
            return
        data, frames = b"".join(self._rx), tuple(self._rx_frames)
        self._rx, self._rx_frames = [], []
        self._deliver(data, frames, events)
        if control.pf:
            self._pump()

    def _ui_in(self, frame: Any, raw: bytes, events: list[Any]) -> None:
        """UI frames carry pushes (DataNotification, EventNotification), in any state; some
        meters segment them with the S bit, joined here like I-frames."""
        self._ui.append(bytes(frame.information or b""))
        self._ui_frames.append(raw)
        if frame.format.segmentation:
            return
        data, frames = b"".join(self._ui), tuple(self._ui_frames)
        self._ui, self._ui_frames = [], []
        self._deliver(data, frames, events)

    def _deliver(self, data: bytes, frames: tuple, events: list[Any]) -> None:
        if data.startswith(LLC_RESPONSE):
            events.append(ApduReceived(data[len(LLC_RESPONSE):], False, frames))
        elif data.startswith(LLC_COMMAND):
            events.append(LinkWarning("the server sent the command LLC header E6 E6 00"))
            events.append(ApduReceived(data[len(LLC_COMMAND):], False, frames))
        elif self.strict:
            events.append(ProtocolError("an APDU came without the LLC header E6 E7 00",
                                        remote=True))
        else:
            events.append(ApduReceived(data, True, frames))

    # --- building ------------------------------------------------------------------------

    def _frame(self, kind: str, *, ns: int | None = None, nr: int | None = None,
               information: bytes | None = None, segmentation: bool = False,
               pf: bool = True) -> bytes:
        return build_frame(kind, self.server.container(), self._client, pf=pf, ns=ns, nr=nr,
                           information=information, segmentation=segmentation)

    def _send(self, frames: tuple[bytes, ...]) -> None:
        """Queue frames that end with a poll: the server answers them, so they are what
        ``resend`` repeats."""
        self._out += b"".join(frames)
        self._awaiting = frames

    def _pump(self) -> None:
        """Send the next window of pending segments when nothing is waiting for an answer."""
        if self._unacked or self._peer_busy or not self._pending or self._rx:
            return
        count = min(self.parameters["window_transmit"], len(self._pending))
        frames = []
        for n in range(count):
            info, more = self._pending.pop(0)
            octets = self._frame("i", ns=self._vs, nr=self._vr, information=info,
                                 segmentation=more, pf=n == count - 1)
            self._unacked.append((self._vs, octets))
            self._vs = (self._vs + 1) % MODULUS
            frames.append(octets)
        self._send(tuple(frames))

    def _negotiated(self, offered: dict | None) -> dict:
        """The client's view of the UA: the server's receive values limit what we transmit
        and its transmit values what we receive; an absent parameter keeps its default."""
        got = dict(DEFAULT_PARAMETERS)
        got.update({k: int(v) for k, v in (offered or {}).items() if k in DEFAULT_PARAMETERS})
        own = self._proposed
        return {
            "max_info_transmit": min(own["max_info_field_length_transmit"],
                                     got["max_info_field_length_receive"]),
            "max_info_receive": min(own["max_info_field_length_receive"],
                                    got["max_info_field_length_transmit"]),
            "window_transmit": min(own["window_size_transmit"], got["window_size_receive"]),
            "window_receive": min(own["window_size_receive"], got["window_size_transmit"]),
        }


def _address_text(address: Any) -> str:
    if address.size == 1:
        return str(address.address)
    return f"{address.upper}/{address.lower}"
