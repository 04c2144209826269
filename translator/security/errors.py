"""Security failures the caller must tell apart: missing information (a note) vs. bad data (an error).

Every message names system titles and invocation counters, never a key: keys are secrets the
user gave us, and error texts end up in logs, terminals and bug reports.
"""

from __future__ import annotations

from ..errors import SecurityError

__all__ = [
    "KeyringError",
    "MissingKeyError",
    "MissingSecurityInfo",
    "MissingSystemTitleError",
    "SecurityError",
    "SignatureError",
    "TagMismatchError",
    "UnsupportedSecurityError",
    "describe_title",
]


def describe_title(system_title: bytes | None) -> str:
    """A system title as the hex users see in captures (``(none)`` when empty or unknown)."""
    return bytes(system_title).hex().upper() if system_title else "(none)"


class MissingSecurityInfo(SecurityError):
    """Not enough information to unprotect (a key or a system title): the APDU itself may be fine.

    A decoder shows the protected APDU with its ciphered text opaque and turns this into a note.
    """


class MissingKeyError(MissingSecurityInfo):
    """No key of the kind needed (``key_name``) for ``system_title``, nor a ``[default]`` one."""

    def __init__(self, key_name: str, system_title: bytes | None, why: str = "") -> None:
        self.key_name = key_name
        self.system_title = None if system_title is None else bytes(system_title)
        text = f"no {key_name.replace('_', ' ')} for system title {describe_title(system_title)}"
        super().__init__(text + (f" ({why})" if why else ""))


class MissingSystemTitleError(MissingSecurityInfo):
    """The APDU carries no system title and the caller (association) gave none: no IV."""

    def __init__(self, what: str) -> None:
        super().__init__(f"no system title for the IV of {what}: pass the association's system title")


class TagMismatchError(SecurityError):
    """Wrong key or tampered octets: the GCM tag (or GMAC) does not match."""

    def __init__(self, system_title: bytes | None, invocation_counter: int) -> None:
        self.system_title = None if system_title is None else bytes(system_title)
        self.invocation_counter = invocation_counter
        super().__init__(f"authentication tag mismatch for system title "
                         f"{describe_title(system_title)}, invocation counter {invocation_counter}"
                         f" (0x{invocation_counter:08X})")


class UnsupportedSecurityError(SecurityError):
    """A protection this package does not implement (compression, an unknown suite), at ``offset``."""

    def __init__(self, what: str, offset: int | None = None) -> None:
        self.offset = offset
        super().__init__(what + (f" (security control at offset {offset})" if offset is not None
                                 else ""))


class SignatureError(SecurityError):
    """An ECDSA signature (general-signing, HLS mechanism 7, ephemeral key) that does not verify."""


class KeyringError(SecurityError, ValueError):
    """A keys file or variable that cannot be used; the text names the entry, never its value."""
