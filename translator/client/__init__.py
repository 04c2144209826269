"""The live client (DESIGN section 9): sans-io link and association layers, asyncio transports.

``connect(url, settings)`` gives an async ``Client`` (``async with connect(...) as meter``);
``SyncClient`` runs the same for scripts. ``Association``, ``HdlcLink`` and ``WrapperLink`` are
the sans-io layers, usable on their own with any I/O.
"""

from __future__ import annotations

from typing import Any

from .errors import ClientError
from .settings import AssociationSettings

__all__ = ["AssociationSettings", "Client", "ClientError", "SyncClient", "connect"]


def __getattr__(name: str) -> Any:  # the asyncio stack is imported on first use only
    if name in ("Client", "SyncClient", "connect"):
        from . import session
        return getattr(session, name)
    raise AttributeError(name)
