"""``dlms tui --connect URL``: one client session whose every octet becomes a list row.

The ``Client`` is the one ``dlms read`` makes from the same options (``make_client``); its
``on_octets`` hook feeds an ``OctetFeed``, so frames are listed as they are sent and received,
and the palette's commands run one at a time on the open association (a lock: the sans-io
association answers one request at a time). Warnings go to a callback, never to stderr (the
terminal belongs to the TUI).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable

from ..client.cli import make_client
from ..client.errors import ClientError
from .commands import Command, Result, execute
from .octets import OctetFeed
from .source import RecordFeed

__all__ = ["LiveConnection"]


class LiveConnection:
    """Open, run commands, close; ``feed`` is the source the app lists."""

    def __init__(self, args: argparse.Namespace,
                 on_warning: Callable[[str], None] | None = None) -> None:
        self.client = make_client(args)   # ClientError on a bad URL or option
        settings = self.client.settings
        self.feed = RecordFeed(args.url, settings.keys)
        self.octets = OctetFeed(self.feed, "live", "client", "server", settings.keys,
                                secret=settings.password)
        self.client.on_octets = self._octets
        self.client.on_warning = on_warning
        self.results: list[Result] = []
        self.state = "closed"
        self._lock = asyncio.Lock()

    def _octets(self, direction: str, data: bytes) -> None:
        (self.octets.sent if direction == "sent" else self.octets.received)(data)

    async def open(self) -> str:
        """Associate; one line back saying what the meter granted (no key, no password)."""
        self.state = "opening"
        async with self._lock:
            try:
                associated = await self.client.open()
            except BaseException:
                self.state = "failed"
                raise
        self.state = "associated"
        return (f"associated: max PDU {associated.max_pdu_size}, "
                f"{len(associated.conformance)} services granted")

    async def run(self, command: Command) -> Result:
        if self.state != "associated":
            raise ClientError(f"no association ({self.state})")
        async with self._lock:
            try:
                result = await execute(self.client, command)
            except ClientError as e:   # the palette has no --class: say how it takes one
                raise ClientError(str(e).replace("give --class", "give its class id "
                                                 "(get OBIS/ATTR CLASS)")) from None
        self.results.append(result)
        return result

    async def close(self) -> None:
        """Release (RLRQ, DISC) when associated, close the transport; the feed ends."""
        if self.state == "closed":
            return
        try:
            async with self._lock:
                await self.client.close()
        except (ClientError, OSError):
            pass
        finally:
            self.state = "closed"
            self.octets.close()
            self.feed.close()

