"""The simulator on UDP (IEC 62056-47 wrapper over UDP): one datagram, one wrapper frame.

UDP has no connection, so each remote address gets its own link and association, kept until it
has been silent for the link's idle timeout; a datagram that is no wrapper frame ends only that
peer's association, as a broken TCP connection would.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .association import ServerAssociation
from .server import Simulator

__all__ = ["serve_udp"]

log = logging.getLogger("translator.simulator")


class _Peers(asyncio.DatagramProtocol):
    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self.peers: dict[Any, tuple[Any, ServerAssociation, float]] = {}
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        sim = self.simulator
        now = asyncio.get_running_loop().time()
        self._forget_idle(now)
        entry = self.peers.get(addr)
        if entry is None:
            sim.connections += 1
            entry = (sim.new_link(), ServerAssociation(sim.model, sim.settings,
                                                       counter=sim.counter), now)
        link, association, _ = entry
        self.peers[addr] = (link, association, now)
        try:
            problem = sim._answer(link, association, data)
        except Exception as e:   # a bug answering this peer ends this peer only
            problem = f"internal error: {e.__class__.__name__}: {e}"
            log.exception("simulator: %s:%s: %s", addr[0], addr[1], problem)
        out = link.data_to_send()
        if out and self.transport is not None:
            self.transport.sendto(out, addr)
        if problem:
            sim.dropped += 1
            del self.peers[addr]
            log.info("simulator: %s:%s: association dropped (%s)", addr[0], addr[1], problem)

    def _forget_idle(self, now: float) -> None:
        idle = self.simulator.link.idle_timeout
        for addr in [a for a, (_, _, seen) in self.peers.items() if now - seen > idle]:
            del self.peers[addr]


async def serve_udp(simulator: Simulator, host: str = "127.0.0.1",
                    port: int = 4059) -> asyncio.DatagramTransport:
    """Listen for wrapper datagrams; returns the transport (its ``sockname`` is the port)."""
    if simulator.link.framing != "wrapper":
        raise ValueError("UDP carries the wrapper (IEC 62056-47), not HDLC")
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: _Peers(simulator),
                                                       local_addr=(host, port))
    return transport
