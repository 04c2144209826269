"""What an association tells the security layer: both system titles and the dedicated key.

glo-/ded- service APDUs carry no system title: their IV uses the sender's title, learnt from the
AARQ (calling-AP-title, the client's) and the AARE (responding-AP-title, the server's). A
dedicated key arrives inside the (ciphered) InitiateRequest and protects ded- APDUs afterwards.
Which side sent a service APDU follows from the service itself (requests come from the client).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..schema.acse import component
from .errors import describe_title

__all__ = ["CLIENT_SERVICES", "SecurityContext", "sent_by_client"]

CLIENT_SERVICES = frozenset({
    "initiate_request", "read_request", "write_request", "unconfirmed_write_request",
    "get_request", "set_request", "action_request", "access_request", "aarq", "rlrq",
})
"""Plaintext APDU names only a client sends; every other protected service comes from the server."""


def sent_by_client(plain_name: str | None) -> bool | None:
    """True for client services, False for server ones, None when the name is unknown."""
    if not plain_name:
        return None
    return plain_name in CLIENT_SERVICES


_OWN_TITLE_FIELD = {"aarq": "calling_ap_title", "aare": "responding_ap_title"}
"""The ACSE APDU field naming its sender's system title."""


@dataclass(repr=False)
class SecurityContext:
    """Per-association facts; ``unprotect_message_apdu`` reads and updates it."""

    client_system_title: bytes | None = None
    server_system_title: bytes | None = None
    dedicated_key: bytes | None = None

    def sender_title(self, plain_name: str | None) -> bytes | None:
        """The system title of whoever sends ``plain_name`` (the server's when unknown)."""
        if sent_by_client(plain_name):
            return self.client_system_title
        return self.server_system_title

    def peer_title(self, plain_name: str | None) -> bytes | None:
        """The system title of the receiver of ``plain_name``."""
        if sent_by_client(plain_name):
            return self.server_system_title
        return self.client_system_title

    def observe(self, apdu: Any) -> None:
        """Learn the system titles from an AARQ's calling-AP-title or an AARE's responding one."""
        name = str(apdu.get("tag")) if isinstance(apdu, dict) else None
        field = _OWN_TITLE_FIELD.get(name or "")
        if field is None:
            return
        title = component(apdu, field)
        value = title.get("value") if isinstance(title, dict) else None
        if value:
            if name == "aarq":
                self.client_system_title = bytes(value)
            else:
                self.server_system_title = bytes(value)

    def learn(self, unprotected: Any) -> None:
        """Keep the dedicated key of a deciphered InitiateRequest (only when its tag verified or
        it was deciphered at all: a wrong key raises before this point)."""
        apdu = getattr(unprotected, "apdu", None)
        if not isinstance(apdu, dict) or str(apdu.get("tag")) != "initiate_request":
            return
        key = apdu["body"].get("dedicated_key")
        if key:
            self.dedicated_key = bytes(key)

    def __repr__(self) -> str:
        return (f"SecurityContext(client={describe_title(self.client_system_title)}, "
                f"server={describe_title(self.server_system_title)}, dedicated key "
                f"{'known' if self.dedicated_key else 'unknown'})")

    __str__ = __repr__
