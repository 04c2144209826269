"""HDLC on a serial port or pty (``dlms simulate --serial DEVICE [--iec]``).

pyserial reads run in a worker thread so the event loop stays free. With ``--iec`` every session
starts with the IEC 62056-21 opening at 300 baud 7E1 (``iec62056_21.ModeEMeter``), then the line
switches to the agreed baud rate at 8N1 for HDLC; when the session ends (idle, or the client
dropped the line) the meter goes back to waiting for the opening.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from ..client.iec62056_21 import OPENING_BAUD, SERIAL_7E1, SERIAL_8N1
from .iec62056_21 import ModeEMeter, SwitchBaudRate

__all__ = ["serve_serial"]


class _Line:
    """A pyserial port as the reader/writer pair ``Simulator.serve_stream`` takes.

    On a pseudo-terminal only the baud rate is changed: Linux refuses (EINVAL) character size
    and parity changes on a pty, which carries the octets unchanged anyway."""

    def __init__(self, port: Any, pty: bool) -> None:
        self.port = port
        self.pty = pty

    async def read(self, size: int) -> bytes:
        while True:
            data = await asyncio.to_thread(self.port.read, size)
            if data:
                return data

    def write(self, data: bytes) -> None:
        self.port.write(data)

    async def drain(self) -> None:
        await asyncio.to_thread(self.port.flush)

    def configure(self, baud: int, settings: dict) -> None:
        self.port.baudrate = baud
        if self.pty:
            return
        for name, value in settings.items():
            setattr(self.port, name, value)


async def _opening(line: _Line, meter: ModeEMeter) -> None:
    """Answer the mode E opening; returns once the line runs at the agreed speed."""
    while meter.state != "done":
        for item in meter.receive_data(await line.read(256)):
            if isinstance(item, SwitchBaudRate):
                await asyncio.sleep(0.3)   # the client switches after its ACK has left
                line.configure(item.baud_rate, item.settings)
            else:
                line.write(item)
                await line.drain()


async def serve_serial(simulator: Any, device: str, baud: int = 9600,
                       iec: bool = False) -> None:
    """Serve one serial line forever, a session after another."""
    import serial  # pyserial

    pty = os.path.realpath(device).startswith("/dev/pts/")
    port = serial.Serial(device, OPENING_BAUD if iec else baud, timeout=0.05,
                         **(SERIAL_7E1 if iec and not pty else SERIAL_8N1))
    line = _Line(port, pty)
    session = simulator.recorder.serial() if simulator.recorder is not None else None
    try:
        while True:
            if iec:
                line.configure(OPENING_BAUD, SERIAL_7E1)
                await _opening(line, ModeEMeter(baud_rate=baud))
            await simulator.serve_stream(line, line, device, session, end_on_release=iec)
    finally:
        port.close()
