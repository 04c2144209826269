"""The client's invocation counter: never the same value twice for one key and system title.

A repeated invocation counter under one GCM key repeats the nonce, which breaks both
confidentiality and authenticity. The counter is kept in memory and, when a state file is given,
in a JSON file per system title, written before the counter is used so a crash never reuses one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["InvocationCounter"]

_MAX = 0xFFFFFFFF


class InvocationCounter:
    """Hands out increasing 32-bit counters; ``take`` returns one and advances."""

    def __init__(self, start: int = 1, system_title: bytes | None = None,
                 path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path else None
        self.key = (system_title or b"").hex().upper() or "default"
        self.next = int(start)
        if self.path is not None and self.path.exists():
            stored = json.loads(self.path.read_text() or "{}").get(self.key)
            if stored is not None:
                self.next = max(self.next, int(stored))

    def peek(self) -> int:
        return self.next

    def take(self) -> int:
        if self.next > _MAX:
            raise OverflowError("the invocation counter is exhausted: a new key is needed")
        value = self.next
        self.next += 1
        self.save()
        return value

    def save(self) -> None:
        if self.path is None:
            return
        data = json.loads(self.path.read_text() or "{}") if self.path.exists() else {}
        data[self.key] = self.next
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(tmp, self.path)
