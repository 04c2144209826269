"""Byte pipes to a meter on asyncio: TCP, UDP and serial (pyserial), each optionally recorded.

A transport only moves octets: ``open``, ``write``, ``read(timeout)``, ``close``. Framing,
association and timing decisions stay in the sans-io layers and the session above.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from .record import Recorder
from .url import MeterUrl

__all__ = ["ConnectionClosed", "SerialTransport", "TcpTransport", "Transport", "UdpTransport",
           "open_transport"]


class ConnectionClosed(ConnectionError):
    """The meter (or the line) closed the connection."""


class Transport:
    """Base: ``record`` (a ``Recorder`` or None) sees every octet in both directions."""

    recorder: Recorder | None = None
    what = "meter"

    async def open(self) -> None: ...

    async def write(self, data: bytes) -> None:
        if self.recorder is not None:
            self.recorder.sent(data)
        await self._write(data)

    async def read(self, timeout: float) -> bytes:
        """Octets as they arrive; ``asyncio.TimeoutError`` when none come within ``timeout``."""
        data = await asyncio.wait_for(self._read(), timeout)
        if not data:
            raise ConnectionClosed(f"{self.what} closed the connection")
        if self.recorder is not None:
            self.recorder.received(data)
        return data

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._close()
        if self.recorder is not None:
            self.recorder.close()

    async def _write(self, data: bytes) -> None: ...

    async def _read(self) -> bytes: ...

    async def _close(self) -> None: ...


class TcpTransport(Transport):
    def __init__(self, host: str, port: int, connect_timeout: float = 5.0) -> None:
        self.host, self.port, self.connect_timeout = host, port, connect_timeout
        self.what = f"{host}:{port}"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.connect_timeout)
        except TimeoutError:
            raise ConnectionError(f"cannot connect to {self.what} within "
                                  f"{self.connect_timeout:g} s: check the host and port") from None
        except OSError as e:
            raise ConnectionError(f"cannot connect to {self.what}: "
                                  f"{e.strerror or e}") from None

    def endpoints(self) -> tuple[tuple[str, int], tuple[str, int]]:
        assert self._writer is not None
        local = self._writer.get_extra_info("sockname")[:2]
        remote = self._writer.get_extra_info("peername")[:2]
        return (local[0], local[1]), (remote[0], remote[1])

    async def _write(self, data: bytes) -> None:
        assert self._writer is not None
        self._writer.write(data)
        try:
            await self._writer.drain()
        except (ConnectionError, OSError):
            raise ConnectionClosed(f"{self.what} closed the connection") from None

    async def _read(self) -> bytes:
        assert self._reader is not None
        try:
            return await self._reader.read(65536)
        except (ConnectionError, OSError):
            return b""

    async def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._writer.wait_closed(), 1.0)


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.queue.put_nowait(data)

    def error_received(self, exc: Exception) -> None:
        self.queue.put_nowait(b"")


class UdpTransport(Transport):
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.what = f"{host}:{port} (UDP)"
        self._transport: asyncio.DatagramTransport | None = None
        self._protocol = _Datagrams()

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: self._protocol, remote_addr=(self.host, self.port))

    def endpoints(self) -> tuple[tuple[str, int], tuple[str, int]]:
        assert self._transport is not None
        local = self._transport.get_extra_info("sockname")[:2]
        return (local[0], local[1]), (self.host, self.port)

    async def _write(self, data: bytes) -> None:
        assert self._transport is not None
        self._transport.sendto(data)

    async def _read(self) -> bytes:
        data = await self._protocol.queue.get()
        if not data:
            raise ConnectionClosed(f"{self.what}: connection refused (nothing listening?)")
        return data

    async def _close(self) -> None:
        if self._transport is not None:
            self._transport.close()


class SerialTransport(Transport):
    """A serial line through pyserial; reads run in a worker thread so the loop stays free."""

    def __init__(self, device: str, baud: int = 9600) -> None:
        self.device, self.baud = device, baud
        self.what = device
        self.port: Any = None

    async def open(self, **settings: Any) -> None:
        try:
            import serial  # pyserial
        except ImportError:  # pragma: no cover - a dependency
            raise ConnectionError("the serial transport needs pyserial") from None
        try:
            self.port = serial.Serial(self.device, self.baud, timeout=0.05, **settings)
        except (serial.SerialException, OSError) as e:
            raise ConnectionError(f"cannot open {self.device}: {e}") from None

    def reconfigure(self, **settings: Any) -> None:
        """Change baud rate, byte size, parity or stop bits (IEC 62056-21 mode E switch).

        A pseudo-terminal (a socat bridge, a simulator on a pty) carries no character format:
        Linux refuses byte size and parity changes there (EINVAL), so on a pty only the baud
        rate is set; on a real port every refusal is an error."""
        import termios

        import serial  # pyserial

        if _is_pty(self.port):
            settings = {k: v for k, v in settings.items() if k == "baudrate"}
        for name, value in settings.items():
            try:
                setattr(self.port, name, value)
            except (serial.SerialException, OSError, ValueError, termios.error) as e:
                raise ConnectionError(f"{self.device}: cannot set {name} {value}: {e}") from None

    async def _write(self, data: bytes) -> None:
        await asyncio.to_thread(self._write_all, data)

    def _write_all(self, data: bytes) -> None:
        self.port.write(data)
        self.port.flush()

    async def _read(self) -> bytes:
        while True:
            data = await asyncio.to_thread(self.port.read, 4096)
            if data:
                return data

    async def _close(self) -> None:
        if self.port is not None:
            self.port.close()


def _is_pty(port: Any) -> bool:
    """Whether a pyserial port is a pseudo-terminal (its character format is not settable)."""
    import os
    try:
        return os.major(os.fstat(port.fileno()).st_rdev) in _PTY_MAJORS
    except (OSError, AttributeError, ValueError):
        return False


_PTY_MAJORS = frozenset({136, 137, 138, 139, 140, 141, 142, 143, 3})
"""Linux device majors of Unix 98 pty slaves (136-143) and legacy BSD ttyp (3)."""


def open_transport(url: MeterUrl) -> Transport:
    """The transport for a URL (not yet opened)."""
    if url.transport == "tcp":
        return TcpTransport(url.host, url.port)
    if url.transport == "udp":
        return UdpTransport(url.host, url.port)
    return SerialTransport(url.device, url.baud)
