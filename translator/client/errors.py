"""The client's exceptions: every failure of a live session is one line naming what to check."""

from __future__ import annotations

from ..errors import TranslatorError

__all__ = ["ClientError"]


class ClientError(TranslatorError):
    """A live session failed, or the command was refused; the message is one line naming the
    cause and what to check."""
