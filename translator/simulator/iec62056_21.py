"""The meter side of the IEC 62056-21 opening into mode E (HDLC), sans-io.

At 300 baud 7E1 the meter waits for the request ``/ ? [address] ! CR LF``, answers its
identification ``/ XXX Z \\2 ident CR LF`` (``\\2``: binary mode available), and on the
acknowledgement ``ACK 2 Z 2 CR LF`` (HDLC protocol procedure, binary mode) switches to the baud
rate ``Z`` at 8N1, where the HDLC link starts. The message layouts, baud rate characters and
serial settings are the client module's (``translator.client.iec62056_21``); this is only the
other side of the same exchange.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..client.iec62056_21 import (
    ACK,
    BAUD_RATES,
    CRLF,
    ENHANCED_BINARY,
    MODE_BINARY,
    PROTOCOL_HDLC,
    SERIAL_8N1,
)

__all__ = ["ModeEMeter", "SwitchBaudRate"]

_REQUEST = re.compile(rb"/\?([0-9A-Za-z ]{0,32})!\r\n")
_ACK = re.compile(bytes([ACK]) + rb"([0-9])([0-6])([0-9])\r\n")


@dataclass(frozen=True, slots=True)
class SwitchBaudRate:
    """Send ``reply`` at the opening speed, then switch to ``baud_rate`` with ``settings``."""

    reply: bytes
    baud_rate: int
    settings: dict


class ModeEMeter:
    """States: ``waiting_request`` -> ``waiting_ack`` -> ``done`` (HDLC from now on)."""

    MAX_LINE = 128

    def __init__(self, manufacturer: str = "TRX", identification: str = "SIMULATOR",
                 baud_rate: int = 9600, address: str = "") -> None:
        chars = [c for c, b in BAUD_RATES.items() if b == baud_rate]
        if not chars:
            raise ValueError(f"baud rate {baud_rate} is not one of modes C/E "
                             f"({', '.join(map(str, BAUD_RATES.values()))})")
        self.baud_char = chars[0]
        self.manufacturer = manufacturer
        self.identification = identification
        self.address = address
        self.state = "waiting_request"
        self._buffer = b""

    def receive_data(self, data: bytes) -> list[Any]:
        """What to send for the octets read: the identification (bytes), a
        ``SwitchBaudRate``, or nothing yet. Noise and requests for another address are dropped;
        an acknowledgement for another mode starts over."""
        self._buffer += bytes(data)
        out: list[Any] = []
        while CRLF in self._buffer and self.state != "done":
            line, _, self._buffer = self._buffer.partition(CRLF)
            line += CRLF
            out += self._line(line)
        if len(self._buffer) > self.MAX_LINE:
            self._buffer = b""
        return out

    def _line(self, line: bytes) -> list[Any]:
        start = line.find(b"/")
        request = _REQUEST.fullmatch(line[start:]) if start >= 0 else None
        if request is not None:
            wanted = request.group(1).decode("ascii").strip()
            if wanted and wanted != self.address:
                return []
            self.state = "waiting_ack"
            return [b"/" + f"{self.manufacturer}{self.baud_char}\\{ENHANCED_BINARY}"
                    f"{self.identification}".encode("ascii") + CRLF]
        ack = _ACK.search(line)
        if self.state != "waiting_ack" or ack is None:
            return []
        protocol, baud_char, mode = (chr(g[0]) for g in ack.groups())
        if (protocol, mode) != (PROTOCOL_HDLC, MODE_BINARY) or baud_char > self.baud_char:
            self.state = "waiting_request"
            return []
        self.state = "done"
        return [SwitchBaudRate(b"", BAUD_RATES[baud_char], dict(SERIAL_8N1))]
