"""Where the list's messages come from: a ``MessageSource`` yields ``Row`` items in order.

The capture source reads a pcap/pcapng file or hex trace through ``read_capture``; a live
session (``--connect``, ``--proxy``, next) puts the records its session makes into a
``RecordFeed``, so the app's list, filter and panes never know which one they show. ``RowBuilder`` turns
records into rows and keeps, per association, the security facts (system titles, dedicated key)
that deciphering one message again needs.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from ..capture import read_capture
from ..capture.records import Record
from .rows import Interner, Row, SecuritySnapshot, make_row

__all__ = ["CaptureSource", "MessageSource", "RecordFeed", "RowBuilder"]

Progress = Callable[[float], None]   # the fraction of the input read, 0..1


class MessageSource(Protocol):
    """What the app reads rows from."""

    name: str
    keys: Any

    def rows(self, progress: Progress | None = None) -> Iterator[Row]: ...


class RowBuilder:
    """Records in order -> rows, mirroring each association's ``SecurityContext`` facts."""

    def __init__(self) -> None:
        self.count = 0
        self.intern = Interner()
        self._contexts: dict[tuple[str, int | None], SecuritySnapshot] = {}

    def add(self, record: Record) -> Row:
        key = (record.stream, record.association)
        context = self._contexts.get(key, ())
        context = self._learn(record, context)
        self._contexts[key] = context
        row = make_row(self.count, record, context, self.intern)
        self.count += 1
        return row

    @staticmethod
    def _learn(record: Record, context: SecuritySnapshot) -> SecuritySnapshot:
        msg = record.message
        if msg is None or not isinstance(msg.apdu, dict):
            return context
        client, server, dedicated = context or (None, None, None)
        from ..schema.acse import component

        tag = str(msg.apdu.get("tag"))
        field = {"aarq": "calling_ap_title", "aare": "responding_ap_title"}.get(tag)
        if field is not None:
            title = component(msg.apdu, field)
            value = title.get("value") if isinstance(title, dict) else None
            if value and tag == "aarq":
                client = bytes(value)
            elif value:
                server = bytes(value)
        plain = getattr(msg.security, "apdu", None)
        if isinstance(plain, dict) and str(plain.get("tag")) == "initiate_request":
            dedicated = bytes(plain["body"].get("dedicated_key") or b"") or dedicated
        snapshot = (client, server, dedicated)
        return context if snapshot == (context or (None, None, None)) else snapshot


class CaptureSource:
    """A capture file or hex trace, read to its end in order."""

    def __init__(self, path: str | os.PathLike, keys: Any = None) -> None:
        self.path = os.fspath(path)
        self.name = os.path.basename(self.path)
        self.keys = keys

    def rows(self, progress: Progress | None = None) -> Iterator[Row]:
        size = max(1, os.path.getsize(self.path))

        def report(_packets: int, octets: int) -> None:
            if progress is not None:
                progress(min(1.0, octets / size))

        builder = RowBuilder()
        for record in read_capture(self.path, keys=self.keys, progress=report):
            yield builder.add(record)
        if progress is not None:
            progress(1.0)


class RecordFeed:
    """Records handed over as they happen (a live session, a proxy): ``put`` from any thread,
    ``close`` when the session ends; the list shows each one as it arrives."""

    _END = object()
    live = True

    def __init__(self, name: str, keys: Any = None) -> None:
        self.name = name
        self.keys = keys
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def put(self, record: Record) -> None:
        self._queue.put(record)

    def close(self) -> None:
        self._queue.put(self._END)

    def rows(self, progress: Progress | None = None) -> Iterator[Row]:
        builder = RowBuilder()
        while True:
            record = self._queue.get()
            if record is self._END:
                return
            yield builder.add(record)
