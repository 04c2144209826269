"""What an association is opened with: referencing, authentication, protection, sizes.

One frozen value shared by the client and (later) the simulator, filled from the command line,
a URL or the API. Secrets (password, keys) are held here only as the user gave them; the
``repr`` never shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..security import Keyring

__all__ = ["AUTHENTICATION", "CIPHERING", "DEFAULT_CONFORMANCE", "AssociationSettings"]

AUTHENTICATION = {"none": 0, "low": 1, "high": 2, "md5": 3, "sha1": 4, "gmac": 5, "sha256": 6,
                  "ecdsa": 7}
"""Authentication option -> mechanism id (the last arc of 2.16.756.5.8.2.x)."""

CIPHERING = ("glo", "ded", "general-glo", "general-ded")
"""How xDLMS APDUs are protected once the association uses ciphering."""

DEFAULT_CONFORMANCE = (
    "block_transfer_with_get_or_read", "block_transfer_with_set_or_write",
    "block_transfer_with_action", "multiple_references", "get", "set", "selective_access",
    "action",
)
"""Proposed conformance (LN): what this client implements."""

SN_CONFORMANCE = ("block_transfer_with_get_or_read", "block_transfer_with_set_or_write",
                  "multiple_references", "read", "write", "parameterized_access")
"""Proposed conformance (SN)."""


@dataclass(frozen=True)
class AssociationSettings:
    """Parameters of one association (client side)."""

    referencing: str = "ln"                     # "ln" or "sn"
    authentication: str = "none"                # a key of AUTHENTICATION
    password: bytes | None = field(default=None, repr=False)   # LLS password / HLS secret
    keys: Keyring | None = field(default=None, repr=False)
    system_title: bytes | None = None           # the client's (calling-AP-title)
    security_control: int | None = None         # e.g. 0x30; None: no xDLMS protection
    ciphering: str = "glo"
    invocation_counter: int = 1                 # the next one to use
    invocation_counter_file: str | None = None  # keeps the next counter per system title
    max_pdu_size: int = 0xFFFF                  # client-max-receive-pdu-size
    conformance: tuple[str, ...] | None = None  # None: DEFAULT_CONFORMANCE / SN_CONFORMANCE
    dlms_version: int = 6
    challenge: bytes | None = field(default=None, repr=False)   # CtoS; None: random
    invoke_id: int | None = None                # every request with this invoke id (as Gurux's
                                                # client does); None: 1, 2, ... 15, 0, 1, ...
    strict: bool = False                        # refuse real-world quirks instead of warning
    gbt: bool = False                           # propose general-block-transfer
    gbt_window: int = 1                         # blocks the server may send per window

    def __post_init__(self) -> None:
        if self.referencing not in ("ln", "sn"):
            raise ValueError("referencing is 'ln' or 'sn'")
        if self.authentication not in AUTHENTICATION:
            raise ValueError(f"authentication is one of {', '.join(AUTHENTICATION)}")
        if self.ciphering not in CIPHERING:
            raise ValueError(f"ciphering is one of {', '.join(CIPHERING)}")
        if self.mechanism == 2:
            raise ValueError("HLS mechanism 2 is manufacturer specific: use md5, sha1, gmac, "
                             "sha256 or ecdsa")
        needs_title = self.security_control is not None or self.mechanism in (5, 6, 7)
        if needs_title and not self.system_title:
            raise ValueError("ciphering and HLS mechanisms 5-7 need the client's system title")
        if self.security_control is not None and self.keys is None:
            raise ValueError("ciphering needs keys (--keys or DLMS_BLOCK_CIPHER_KEY)")
        if self.mechanism in (1, 3, 4, 6) and not self.password:
            what = "a password" if self.mechanism == 1 else "the HLS secret (--password)"
            raise ValueError(f"authentication {self.authentication} needs {what}")
        if self.mechanism in (5, 7) and self.keys is None:
            raise ValueError(f"authentication {self.authentication} needs keys (--keys)")

    @property
    def mechanism(self) -> int:
        return AUTHENTICATION[self.authentication]

    @property
    def ciphered(self) -> bool:
        return self.security_control is not None

    @property
    def proposed_conformance(self) -> tuple[str, ...]:
        if self.conformance is not None:
            return self.conformance
        names = DEFAULT_CONFORMANCE if self.referencing == "ln" else SN_CONFORMANCE
        return ("general_block_transfer", *names) if self.gbt else names
