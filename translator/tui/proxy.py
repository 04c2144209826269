"""``dlms tui --proxy LISTEN --to URL``: a TCP relay between a head-end and a meter.

Per head-end connection, one connection to the meter; octets are forwarded unchanged, in both
directions, as soon as they are read (the relay never waits for a whole frame, so it adds no
framing of its own and no delay a meter's inter-frame timeout could notice). A copy of each
chunk goes to the connection's ``OctetFeed``; when either side closes, the other is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

from ..client.url import MeterUrl, parse_url
from .octets import OctetFeed
from .source import RecordFeed

__all__ = ["Proxy", "parse_listen"]

_CHUNK = 65536


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``PORT`` (loopback) -> (host, port); ValueError in one line."""
    host, _, port = text.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"--proxy takes HOST:PORT or PORT, not {text!r}") from None
    if not 0 <= number <= 65535:
        raise ValueError(f"--proxy: no such port: {number}")
    return (host.strip("[]") or "127.0.0.1"), number


class Proxy:
    """Listens on ``listen`` and relays each connection to the meter at ``to``."""

    def __init__(self, listen: str, to: str | MeterUrl, keys: Any = None) -> None:
        self.listen = parse_listen(listen)
        self.meter = parse_url(to) if isinstance(to, str) else to
        if self.meter.transport != "tcp":
            raise ValueError(f"--to: the proxy relays TCP (tcp://, hdlc+tcp://), not {self.meter}")
        self.feed = RecordFeed(f"proxy {listen} → {self.meter}", keys)
        self.keys = keys
        self.connections = 0
        self.errors: list[str] = []       # a meter that could not be reached, per connection
        self._numbers = itertools.count(1)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._open: set[OctetFeed] = set()

    def use_keys(self, keys: Any) -> None:
        """Keys given while relaying (the keys dialog): open connections decipher with them
        from their next message, new ones from their first."""
        self.keys = self.feed.keys = keys
        for octets in self._open:
            octets.session.keys = keys

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        host, port = self.listen
        self._server = await asyncio.start_server(self._accept, host, port)

    async def close(self) -> None:
        """Stop listening, close every relayed connection; the feed ends."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.feed.close()

    async def _accept(self, head_reader: asyncio.StreamReader,
                      head_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        number = next(self._numbers)
        try:
            await self._relay(number, head_reader, head_writer)
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _relay(self, number: int, head_reader: asyncio.StreamReader,
                     head_writer: asyncio.StreamWriter) -> None:
        head = _endpoint(head_writer.get_extra_info("peername"))
        try:
            meter_reader, meter_writer = await asyncio.open_connection(self.meter.host,
                                                                       self.meter.port)
        except OSError as e:
            self.errors.append(f"connection {number}: {self.meter}: {e.strerror or e}")
            head_writer.close()
            return
        self.connections += 1
        meter = _endpoint(meter_writer.get_extra_info("peername"))
        octets = OctetFeed(self.feed, f"proxy:{number}", head, meter, self.keys)
        self._open.add(octets)
        pumps = [asyncio.create_task(_pump(head_reader, meter_writer, octets.sent)),
                 asyncio.create_task(_pump(meter_reader, head_writer, octets.received))]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:   # either side closed (or the proxy stops): close both
            for pump in pumps:
                pump.cancel()
            for writer in (head_writer, meter_writer):
                writer.close()
            for pump in pumps:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pump
            octets.close()
            self._open.discard(octets)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, copy) -> None:
    """Forward until end of stream; the copy is taken after the octets are on their way."""
    while True:
        data = await reader.read(_CHUNK)
        if not data:
            return
        writer.write(data)
        with contextlib.suppress(Exception):   # the listing must never stop the relay
            copy(data)
        await writer.drain()


def _endpoint(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)
