"""The project's exceptions: every failure names the layer, the byte offset and what was expected.

Keys and other secrets never go into these messages: callers pass descriptions, not values.
"""

from __future__ import annotations

from typing import NamedTuple


class TranslatorError(Exception):
    """Root of every error this package raises on purpose."""


class DecodeError(TranslatorError, ValueError):
    """Bytes that do not match the layer's schema.

    ``layer`` is the protocol layer (``hdlc``, ``wrapper``, ``mbus``, ``llc``, ``apdu``, ``acse``,
    ``xdlms``, ``axdr``, ``gbt`` ...), ``offset`` the absolute octet offset in the caller's input,
    ``expected`` what the schema wanted there and ``got`` what was found.
    """

    def __init__(self, layer: str, offset: int, expected: str, got: str = "") -> None:
        self.layer = layer
        self.offset = offset
        self.expected = expected
        self.got = got
        text = f"{layer} at offset {offset}: expected {expected}"
        if got:
            text += f", got {got}"
        super().__init__(text)

    def __reduce__(self):  # keep the four fields through pickling (multiprocessing, caches)
        return (type(self), (self.layer, self.offset, self.expected, self.got))


class ChecksumError(DecodeError):
    """A frame whose HCS, FCS or M-Bus checksum does not match its content (the frame is kept)."""


class EncodeError(TranslatorError, ValueError):
    """A tree that cannot be turned into bytes (missing field, value out of range)."""


class XmlError(TranslatorError, ValueError):
    """XML that is malformed, hostile (DTD, entities) or does not describe a DLMS message."""


class SecurityError(TranslatorError):
    """A protected APDU that cannot be unprotected: wrong key, failed tag, unsupported suite."""


class ExpertNote(NamedTuple):
    """What a decode found odd but decoded anyway (Wireshark's expert info): ``severity`` is
    ``warning`` or ``note`` (errors are ``DecodeError``), at ``offset`` of ``layer``."""

    severity: str
    layer: str
    offset: int
    text: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.layer} at offset {self.offset}: {self.text}"
