"""The asyncio meter: one sans-io link and ``ServerAssociation`` per connection, over TCP
(wrapper or HDLC) or a serial line (HDLC).

Robust by construction: each connection is its own task; what a peer sends can only end its own
connection (garbage that is no frame, a length beyond what the meter takes, a frame not finished
within ``frame_timeout``, silence for ``idle_timeout``, an internal error answering it), and is
logged in one line without any key. The model is shared, so a SET is seen by every association.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from ..client.counters import InvocationCounter
from ..client.events import ApduReceived, LinkReleased, ProtocolError
from ..client.hdlc import HdlcAddress
from .association import ServerAssociation, ServerSettings
from .hdlc import ServerHdlcLink
from .record import ServerRecorder
from .wrapper import ServerWrapperLink

__all__ = ["LinkOptions", "Simulator"]

log = logging.getLogger("translator.simulator")


@dataclass(frozen=True)
class LinkOptions:
    """Framing and its parameters, and the timeouts that bound a slow or silent peer."""

    framing: str = "wrapper"               # "wrapper" or "hdlc"
    address: HdlcAddress = HdlcAddress(1, 17, 2)
    window: int = 1
    max_info_length: int = 128
    idle_timeout: float = 120.0            # no octet at all for this long: the link is dropped
    frame_timeout: float = 10.0            # a frame begun and not finished within this long
    write_timeout: float = 30.0            # replies the peer does not read for this long
    max_connections: int = 1024            # beyond this a new connection is closed at once


class Simulator:
    """Serves ``model`` to every client that connects; ``serve_tcp`` / ``serve_stream``."""

    def __init__(self, model: Any, settings: ServerSettings, link: LinkOptions | None = None,
                 record: str | None = None, serial: bool = False) -> None:
        self.model = model
        self.settings = settings
        self.link = link or LinkOptions()
        self.recorder = ServerRecorder(record, serial) if record else None
        self.counter = InvocationCounter(settings.invocation_counter)   # one per meter
        self.connections = 0
        self.active = 0
        self.dropped = 0
        self.server: asyncio.base_events.Server | None = None
        self._writers: set[Any] = set()

    def new_link(self) -> Any:
        limit = (self.settings.max_pdu_size or self.model.max_pdu_size) + 64
        if self.link.framing == "hdlc":
            return ServerHdlcLink(self.link.address, window=self.link.window,
                                  max_info_length=self.link.max_info_length,
                                  max_apdu=max(limit, 2048))
        return ServerWrapperLink(max_apdu=max(limit, 2048))

    async def serve_tcp(self, host: str = "127.0.0.1", port: int = 4059) -> asyncio.Server:
        self.server = await asyncio.start_server(self._tcp_client, host, port)
        return self.server

    async def _tcp_client(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        if self.active >= self.link.max_connections:
            writer.close()
            self.dropped += 1
            log.info("simulator: connection refused (%d open)", self.active)
            return
        peer = writer.get_extra_info("peername") or ("?", 0)
        local = writer.get_extra_info("sockname") or ("127.0.0.1", 0)
        session = None
        self._writers.add(writer)
        if self.recorder is not None:
            session = self.recorder.tcp(tuple(peer[:2]), tuple(local[:2]))
        try:
            await self.serve_stream(reader, writer, f"{peer[0]}:{peer[1]}", session)
        finally:
            self._writers.discard(writer)
            if session is not None:
                session.close()
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def serve_stream(self, reader: Any, writer: Any, name: str, session: Any = None,
                           end_on_release: bool = False) -> str:
        """Serve one connection until it closes or misbehaves (or, with ``end_on_release``, the
        HDLC link is disconnected: a serial line then goes back to its opening); returns why it
        ended."""
        self.connections += 1
        self.active += 1
        link = self.new_link()
        association = ServerAssociation(self.model, self.settings, counter=self.counter)
        why = "closed by the client"
        try:
            started = None   # when the frame now in the link's buffer began
            loop = asyncio.get_running_loop()
            while True:
                partial = link.pending()
                if partial and started is None:
                    started = loop.time()
                elif not partial:
                    started = None
                timeout = (self.link.frame_timeout - (loop.time() - started) if partial
                           else self.link.idle_timeout)
                try:
                    data = await asyncio.wait_for(reader.read(4096), max(timeout, 0))
                except TimeoutError:
                    why = ("a frame not finished within "
                           f"{self.link.frame_timeout:g} s" if partial else "idle")
                    break
                if not data:
                    break
                if session is not None:
                    session.received(data)
                problem = self._answer(link, association, data, end_on_release)
                out = link.data_to_send()
                if out:
                    writer.write(out)
                    if session is not None:
                        session.sent(out)
                    # a peer that never reads must not hold this task forever
                    await asyncio.wait_for(writer.drain(), self.link.write_timeout)
                if problem:
                    why = problem
                    break
        except TimeoutError:   # (an OSError too: caught first)
            why = "the peer does not read its replies"
        except (ConnectionError, OSError) as e:
            why = f"connection error: {e.__class__.__name__}"
        except Exception as e:   # a bug answering this peer ends this peer only
            why = f"internal error: {e.__class__.__name__}: {e}"
            log.exception("simulator: %s: %s", name, why)
        finally:
            self.active -= 1
        if why not in ("closed by the client", "released"):
            self.dropped += 1
        log.info("simulator: %s: connection ended (%s)", name, why)
        return why

    def _answer(self, link: Any, association: ServerAssociation, data: bytes,
                end_on_release: bool = False) -> str | None:
        """Feed octets to the link and the association; a reason when the link must close."""
        for event in link.receive_data(data):
            if isinstance(event, ApduReceived):
                for apdu in association.receive_apdu(event.apdu):
                    link.send_apdu(apdu)
            elif isinstance(event, ProtocolError):
                return event.message
            elif isinstance(event, LinkReleased):
                association.receive_released()
                if end_on_release:
                    return "released"
        return None

    async def close(self) -> None:
        """Stop listening and end every connection (each sees the end of its stream)."""
        for writer in list(self._writers):
            writer.close()
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()
        if self.recorder is not None:
            self.recorder.close()
