"""IEC 62056-21 opening of an optical or serial port into mode E (HDLC), sans-io.

The exchange (IEC 62056-21 6.3 and Annex E), at 300 baud, 7 data bits, even parity, 1 stop bit:

    client  / ? [device address] ! CR LF                 request message
    meter   / X X X Z [\\ W] identification CR LF         identification message
    client  ACK V Z Y CR LF                             acknowledgement/option select message

``XXX`` is the manufacturer's three-letter code (a lower-case third letter says the meter
answers within 20 ms instead of 200 ms), ``Z`` the highest baud rate it offers ('0'..'6' =
300..19200 in modes C and E), ``\\2`` the enhanced identification saying binary mode (HDLC) is
available. In the acknowledgement ``V`` is the protocol control character ('0' normal, '1'
secondary, '2' HDLC protocol procedure) and ``Y`` the mode control character ('0' data readout,
'1' programming, '2' binary mode (HDLC)): mode E is ``06 32 Z 32 0D 0A``. Then both sides
switch to the baud rate ``Z`` names and to 8 data bits, no parity, 1 stop bit, and the HDLC link
starts with SNRM.

Sources for these octets: the standard's text as quoted item by item in public
implementations (a C header that lists V "2 - HDLC protocol procedure, see Annex E" and Y
"2 - binary mode (HDLC), see Annex E", and the Gurux clients, which write V = '2' "HDLC
protocol procedure (Mode E)" and Y = '2' "Binary mode"); the DLMS UA's list of standard items
(enhanced identification character: "2 indicates that the binary mode (HDLC) is available").
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ACK",
    "BAUD_RATES",
    "MODE_BINARY",
    "PROTOCOL_HDLC",
    "SERIAL_7E1",
    "SERIAL_8N1",
    "BaudRateSwitch",
    "Identification",
    "IdentificationError",
    "IdentificationReceived",
    "ModeEOpening",
    "ack_message",
    "parse_identification",
    "request_message",
    "run_mode_e",
]

ACK = 0x06
CRLF = b"\r\n"
# Baud rate character Z of protocol modes C and E -> baud (IEC 62056-21 6.3.2, item 13).
BAUD_RATES = {"0": 300, "1": 600, "2": 1200, "3": 2400, "4": 4800, "5": 9600, "6": 19200}
OPENING_BAUD = 300

# Protocol control character V (6.3.3, item 10).
PROTOCOL_NORMAL, PROTOCOL_SECONDARY, PROTOCOL_HDLC = "0", "1", "2"
# Mode control character Y (6.3.3, item 11).
MODE_DATA_READOUT, MODE_PROGRAMMING, MODE_BINARY = "0", "1", "2"
ENHANCED_BINARY = "2"  # enhanced identification character W: binary mode (HDLC) available

# pyserial keyword arguments (bytesize, parity, stopbits) for the two phases.
SERIAL_7E1 = {"bytesize": 7, "parity": "E", "stopbits": 1}
SERIAL_8N1 = {"bytesize": 8, "parity": "N", "stopbits": 1}

_IDENT = re.compile(rb"/([A-Za-z]{3})([ -~])((?:\\[0-9])*)([ -~]*)")
_ADDRESS = re.compile(r"[0-9A-Za-z ]{0,32}")


class IdentificationError(ValueError):
    """The meter's answer is not an IEC 62056-21 identification message."""


@dataclass(frozen=True, slots=True)
class Identification:
    """The identification message ``/XXXZ\\Wident``: ``baud_rate`` is None when ``baud_char``
    is not a mode C/E character (a mode A or B meter cannot go to mode E this way)."""

    manufacturer: str
    baud_char: str
    baud_rate: int | None
    mode_e: bool
    ident: str
    raw: bytes
    enhanced: str = ""

    @property
    def fast_reaction(self) -> bool:
        """A lower-case third manufacturer letter: the meter answers after 20 ms, not 200 ms."""
        return self.manufacturer[2].islower()


def request_message(address: str = "") -> bytes:
    """``/?!`` CR LF, or ``/?address!`` CR LF for one meter of several on a bus."""
    if not _ADDRESS.fullmatch(address):
        raise ValueError(f"device address {address!r}: up to 32 letters, digits or spaces")
    return b"/?" + address.encode("ascii") + b"!" + CRLF


def parse_identification(line: bytes) -> Identification:
    """The identification message (CR LF optional); ``IdentificationError`` on anything else."""
    raw = bytes(line)
    body = raw[:-2] if raw.endswith(CRLF) else raw
    match = _IDENT.fullmatch(body)
    if match is None:
        shown = raw[:40].decode("ascii", "backslashreplace")
        raise IdentificationError(
            f"not an IEC 62056-21 identification (/XXXZ<ident> CR LF): {shown!r}")
    manufacturer, baud_char, enhanced, ident = (g.decode("ascii") for g in match.groups())
    if "/" in ident or "!" in ident:
        raise IdentificationError(f"'/' or '!' inside the identification {ident!r}")
    enhanced = enhanced.replace("\\", "")
    return Identification(manufacturer, baud_char, BAUD_RATES.get(baud_char),
                          ENHANCED_BINARY in enhanced, ident, raw, enhanced)


def ack_message(ident: Identification | str, protocol: str = PROTOCOL_HDLC,
                mode: str = MODE_BINARY) -> bytes:
    """ACK V Z Y CR LF; ``ident`` is the identification or a baud rate character."""
    baud_char = ident.baud_char if isinstance(ident, Identification) else ident
    if baud_char not in BAUD_RATES:
        raise ValueError(f"baud rate character {baud_char!r} is not one of modes C/E (0..6)")
    for name, value in (("protocol control", protocol), ("mode control", mode)):
        if len(value) != 1 or not value.isdigit():
            raise ValueError(f"{name} character {value!r}: one digit")
    return bytes([ACK]) + (protocol + baud_char + mode).encode("ascii") + CRLF


@dataclass(frozen=True, slots=True)
class IdentificationReceived:
    identification: Identification


@dataclass(frozen=True, slots=True)
class BaudRateSwitch:
    """Write ``ack`` at 300 baud 7E1, wait until it is on the line plus ``delay`` seconds, then
    set ``baud_rate`` with ``settings`` (8N1) and call ``switched``."""

    ack: bytes
    baud_rate: int
    settings: dict
    delay: float


class ModeEOpening:
    """The opening as a state machine: ``start`` gives the request; ``receive_data`` the
    events; states ``idle`` -> ``waiting_identification`` -> ``switching`` -> ``done`` (or
    ``failed`` when the answer is no identification).

    Timing the transport honours (IEC 62056-21 6.3, character transmission):
    ``REACTION_TIME``: the meter answers 200 ms to 1500 ms after a message (``FAST_REACTION``,
    20 ms, when its manufacturer code ends in a lower-case letter); ``INTER_CHARACTER``: at most
    1500 ms between two characters of one message, so a silence that long ends a message;
    ``SWITCH_DELAY``: after the acknowledgement has left the port, wait before changing the baud
    rate so the meter has switched too (GXDLMSDirector waits 500 ms; jDLMS/j62056 let the user set
    it, saying USB serial adapters need up to 250 ms). The reaction and inter-character times
    are the standard's figures as commonly cited; no public copy of clause 6.3 was at hand to
    quote, so they are attributes a transport may override.
    """

    REACTION_TIME = (0.200, 1.500)
    FAST_REACTION = 0.020
    INTER_CHARACTER = 1.500
    SWITCH_DELAY = 0.500
    MAX_LINE = 128  # '/' + 3 + Z + enhanced + 16 identification characters + CR LF, with room

    def __init__(self, address: str = "", *, max_baud: int | None = None,
                 protocol: str = PROTOCOL_HDLC) -> None:
        self.request = request_message(address)
        self.max_baud = max_baud
        self.protocol = protocol
        self.state = "idle"
        self.identification: Identification | None = None
        self.baud_rate: int | None = None
        self._buffer = b""

    def start(self) -> bytes:
        """The request message, to write at 300 baud 7E1 (``SERIAL_7E1``)."""
        if self.state != "idle":
            raise RuntimeError(f"IEC 62056-21 opening already {self.state}")
        self.state = "waiting_identification"
        return self.request

    def receive_data(self, data: bytes) -> list[Any]:
        """Octets read at 300 baud; an echo of the request (optical heads) is skipped.
        ``IdentificationError`` (state ``failed``) when the answer is no identification."""
        if self.state != "waiting_identification":
            return []
        try:
            return self._receive(data)
        except IdentificationError:
            self.state = "failed"
            raise

    def _receive(self, data: bytes) -> list[Any]:
        self._buffer += bytes(data)
        while CRLF in self._buffer:
            line, _, self._buffer = self._buffer.partition(CRLF)
            line += CRLF
            if line == self.request:
                continue
            start = line.find(b"/")
            if start < 0:
                continue  # noise before the answer
            ident = parse_identification(line[start:])
            return self._identified(ident)
        if len(self._buffer) > self.MAX_LINE:
            raise IdentificationError(f"no identification in {len(self._buffer)} octets")
        return []

    def _identified(self, ident: Identification) -> list[Any]:
        if ident.baud_rate is None:
            raise IdentificationError(f"baud rate character {ident.baud_char!r} is not one of "
                                      "mode C/E (0..6): the meter does not offer mode E")
        baud_char = ident.baud_char
        if self.max_baud is not None:
            allowed = [c for c, b in BAUD_RATES.items() if b <= max(self.max_baud, OPENING_BAUD)]
            baud_char = min(baud_char, max(allowed))
        self.identification = ident
        self.baud_rate = BAUD_RATES[baud_char]
        self.state = "switching"
        return [IdentificationReceived(ident),
                BaudRateSwitch(ack_message(baud_char, self.protocol), self.baud_rate,
                               dict(SERIAL_8N1), self.SWITCH_DELAY)]

    def switched(self) -> None:
        """The transport has changed the baud rate: the HDLC session may start."""
        if self.state != "switching":
            raise RuntimeError(f"IEC 62056-21 opening: no baud rate switch while {self.state}")
        self.state = "done"


async def run_mode_e(transport: Any, timeout: float, address: str = "",
                     max_baud: int | None = None) -> Identification:
    """Drive ``ModeEOpening`` over a ``SerialTransport`` (``write``, ``read``, ``reconfigure``).

    ``max_baud`` defaults to the transport's own baud rate, so ``?baud=9600`` caps the switch."""
    if max_baud is None:
        max_baud = getattr(transport, "baud", None)
    opening = ModeEOpening(address, max_baud=max_baud)
    transport.reconfigure(baudrate=OPENING_BAUD, **SERIAL_7E1)
    await transport.write(opening.start())
    while opening.state == "waiting_identification":
        try:
            data = await transport.read(max(timeout, opening.REACTION_TIME[1]))
        except TimeoutError:
            raise ConnectionError("no identification message at 300 baud 7E1: check the "
                                  "optical head and that the meter speaks IEC 62056-21") from None
        for event in opening.receive_data(data):
            if isinstance(event, BaudRateSwitch):
                await transport.write(event.ack)
                await asyncio.sleep(event.delay)
                transport.reconfigure(baudrate=event.baud_rate, **event.settings)
                opening.switched()
    assert opening.identification is not None
    return opening.identification
