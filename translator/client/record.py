"""``--record FILE``: every octet the client sends and receives, as a capture ``dlms capture``
and ``dlms tui`` replay.

TCP sessions are written as a TCP conversation between the real endpoints (handshake, data
segments, close), UDP as datagrams, serial lines as link type USER0 with one packet per chunk
read or written (as serial DLMS captures are shared). ``.pcapng`` gives pcapng, anything else
classic pcap.
"""

from __future__ import annotations

import time
from typing import BinaryIO

from ..capture.pcapfile import (
    LINKTYPE_ETHERNET,
    LINKTYPE_USER0,
    PcapngWriter,
    PcapWriter,
    TcpConversation,
)

__all__ = ["Recorder"]


class Recorder:
    """Writes one session; ``sent``/``received`` as octets go by, ``close`` at the end."""

    def __init__(self, path: str, transport: str, client: tuple[str, int] = ("127.0.0.1", 50000),
                 server: tuple[str, int] = ("127.0.0.1", 4059)) -> None:
        self.transport = transport
        self._file: BinaryIO = open(path, "wb")  # noqa: SIM115 - kept open for the session
        linktype = LINKTYPE_USER0 if transport == "serial" else LINKTYPE_ETHERNET
        cls = PcapngWriter if str(path).endswith(".pcapng") else PcapWriter
        self.writer = cls(self._file, linktype)
        self.client, self.server = client, server
        self._tcp: TcpConversation | None = None
        if transport == "tcp":
            self._tcp = TcpConversation(self.writer, client, server)
            self._tcp.open(time.time())

    def sent(self, data: bytes) -> None:
        self._write(0, data)

    def received(self, data: bytes) -> None:
        self._write(1, data)

    def _write(self, side: int, data: bytes) -> None:
        if not data:
            return
        now = time.time()
        if self._tcp is not None:
            self._tcp.send(side, data, now)
        elif self.transport == "udp":
            (src, sport), (dst, dport) = ((self.client, self.server) if side == 0
                                          else (self.server, self.client))
            self.writer.udp(src, dst, sport, dport, data, now)
        else:
            self.writer.packet(data, now)
        self._file.flush()

    def close(self) -> None:
        if self._file.closed:
            return
        if self._tcp is not None:
            self._tcp.close(time.time())
        self._file.close()
