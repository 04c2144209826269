"""``dlms simulate --record FILE``: every connection's octets in one capture.

Each TCP connection is written as its own TCP conversation between the real endpoints (so
``dlms capture`` and ``dlms tui`` follow every association apart); a serial line as USER0
packets. ``.pcapng`` gives pcapng, anything else classic pcap. The capture writers are the
client recorder's (``translator.capture.pcapfile``).
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

__all__ = ["ServerRecorder"]


class ServerRecorder:
    """One capture file for the whole run; ``tcp`` / ``serial`` open a session in it."""

    def __init__(self, path: str, serial: bool = False) -> None:
        self._file: BinaryIO = open(path, "wb")  # noqa: SIM115 - kept open while serving
        cls = PcapngWriter if str(path).endswith(".pcapng") else PcapWriter
        self.writer = cls(self._file, LINKTYPE_USER0 if serial else LINKTYPE_ETHERNET)

    def tcp(self, client: tuple[str, int], server: tuple[str, int]) -> _Session:
        conversation = TcpConversation(self.writer, client, server)
        conversation.open(time.time())
        return _Session(self, conversation)

    def serial(self) -> _Session:
        return _Session(self, None)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


class _Session:
    """One connection: ``received`` (from the client), ``sent`` (by the meter), ``close``."""

    def __init__(self, recorder: ServerRecorder, conversation: TcpConversation | None) -> None:
        self.recorder = recorder
        self.conversation = conversation

    def received(self, data: bytes) -> None:
        self._write(0, data)

    def sent(self, data: bytes) -> None:
        self._write(1, data)

    def _write(self, side: int, data: bytes) -> None:
        if self.recorder._file.closed or not data:
            return
        if self.conversation is not None:
            self.conversation.send(side, data, time.time())
        else:
            self.recorder.writer.packet(data, time.time())

    def close(self) -> None:
        if self.conversation is not None and not self.recorder._file.closed:
            self.conversation.close(time.time())
