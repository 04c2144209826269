"""The octet strings the cryptography consumes, declared as construct schemas (build only).

IV, additional authenticated data, the GCM counter block, the KDF's OtherInfo and the octets a
general-signing signature covers are all concatenations of protocol fields; declaring them here
keeps "no bytes written by hand" true for the security layer too (DESIGN section 1).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import construct as c

from ..schema import _core
from ..schema.acse import ObjectIdentifier
from ..schema.protection import _GENERAL_HEADER, SecurityControl, security_control_octet
from .errors import SecurityError, describe_title

__all__ = [
    "ALGORITHM_IDS",
    "SYSTEM_TITLE_LENGTH",
    "HlsGmacResponse",
    "algorithm_id",
    "authenticated_data",
    "ephemeral_key_data",
    "general_header",
    "initialization_vector",
    "kdf_other_info",
    "security_control_fields",
    "signed_data",
    "static_party_v_info",
]

SYSTEM_TITLE_LENGTH = 8

# The layouts built for every APDU must cost less than the AES work they feed: the IV packs
# through the ``struct`` format its declaration amounts to (``_packer``), the AAD is compiled
# (construct's code generation) and its SC || AK prefix cached.

_IV_LAYOUT = c.Struct("system_title" / c.Bytes(SYSTEM_TITLE_LENGTH),
                      "invocation_counter" / c.Int32ub)
"""GCM IV (Green Book 9.2.7.2.4): system title (8) || invocation counter (4), 96 bits."""


def _packer(layout: c.Struct) -> struct.Struct:
    """The ``struct`` format a Struct of fixed-length Bytes and big-endian integers amounts to.

    Derived from the declaration (not retyped), so the layout stays the one source; construct
    builds these very fields with ``struct`` itself, and packing skips its per-call machinery
    (the IV is built for every APDU). Any other field kind is refused at import.
    """
    fmt = ">"
    for field in layout.subcons:
        sub = field.subcon if isinstance(field, c.Renamed) else field
        if isinstance(sub, c.Bytes) and isinstance(sub.length, int):
            fmt += f"{sub.length}s"
        elif isinstance(sub, c.FormatField) and sub.fmtstr[:1] == ">":
            fmt += sub.fmtstr[1:]
        else:
            raise TypeError(f"{field!r} has no fixed struct format")
    packer = struct.Struct(fmt)
    if packer.size != layout.sizeof():
        raise TypeError(f"{layout!r} does not pack to its own size")
    return packer


_IV = _packer(_IV_LAYOUT)

_AAD = c.Struct(
    "security_control" / c.Int8ub,                 # the octet as sent (see SecurityControl)
    "authentication_key" / c.Bytes(c.len_(c.this.authentication_key)),
    "header" / c.Bytes(c.len_(c.this.header)),
    "plaintext" / c.Bytes(c.len_(c.this.plaintext)),
).compile()
"""Additional authenticated data: SC || AK [|| general-ciphering header] [|| plaintext (A only)].

Header and plaintext are the two trailing fields, each exactly its own octets, so the AAD is
the schema-built SC || AK (cached per pair, see ``_aad_prefix``) followed by them."""

_GENERAL_HEADER_SCHEMA = _core.Struct(*_GENERAL_HEADER)
"""transaction-id, originator- and recipient-system-title, date-time, other-information: the
same five A-XDR octet strings that open general-ciphering and general-signing."""

ALGORITHM_IDS = {"aes-gcm-128": "2.16.756.5.8.3.0", "aes-gcm-256": "2.16.756.5.8.3.1",
                 "aes-wrap-128": "2.16.756.5.8.3.2", "aes-wrap-256": "2.16.756.5.8.3.3"}
"""Cryptographic algorithm ids (Green Book, cryptographic algorithm ID-s table)."""

_OTHER_INFO = c.Struct(
    "algorithm_id" / c.Bytes(c.len_(c.this.algorithm_id)),
    "party_u_info" / c.Bytes(c.len_(c.this.party_u_info)),
    "party_v_info" / c.Bytes(c.len_(c.this.party_v_info)),
)
"""NIST SP 800-56A OtherInfo as DLMS uses it: AlgorithmID || PartyUInfo || PartyVInfo."""

_STATIC_PARTY_V = c.Struct("transaction_id" / _core.Counted(c.GreedyBytes),
                           "recipient_system_title" / c.Bytes(c.len_(c.this.recipient_system_title)))
"""PartyVInfo of the static unified model C(0e, 2s): transaction-id (A-XDR octet string) ||
recipient system title."""

_EPHEMERAL_KEY_DATA = c.Struct("key_parameters" / c.Int8ub,
                               "public_key" / c.Bytes(c.len_(c.this.public_key)))
"""What signs an ephemeral public key in one-pass Diffie-Hellman: key-parameters || x || y."""


HlsGmacResponse = c.Struct(
    "security_control" / SecurityControl,
    "invocation_counter" / c.Int32ub,
    "tag" / c.Bytes(12),
)
"""f(StoC) / f(CtoS) of HLS mechanism 5: SC || IC || GMAC tag (17 octets)."""


def security_control_fields(sc: int | Mapping[str, Any]) -> Any:
    """The decoded ``SecurityControl`` of an octet (what the protected-APDU schemas build from)."""
    if not isinstance(sc, int):
        return sc
    return SecurityControl.parse(c.Int8ub.build(sc))


def initialization_vector(system_title: bytes, invocation_counter: int) -> bytes:
    """System title || invocation counter; a title that is not 8 octets cannot form the IV."""
    system_title = bytes(system_title)
    if len(system_title) != SYSTEM_TITLE_LENGTH:
        raise SecurityError(f"system title {describe_title(system_title)} has {len(system_title)} "
                            f"octet(s); the GCM IV needs {SYSTEM_TITLE_LENGTH}")
    if not 0 <= invocation_counter < 1 << 32:
        raise SecurityError(f"invocation counter {invocation_counter} does not fit 32 bits")
    return _IV.pack(system_title, invocation_counter)


@lru_cache(maxsize=64)
def _aad_prefix(sc: int, authentication_key: bytes) -> bytes:
    """SC || AK as the schema builds it; cached because both repeat for every APDU of an
    association (a bounded cache: its keys are never shown, lru_cache has no repr of them)."""
    return _AAD.build({"security_control": sc, "authentication_key": authentication_key,
                       "header": b"", "plaintext": b""})


def authenticated_data(sc: int | Mapping[str, Any], authentication_key: bytes,
                       header: bytes = b"", plaintext: bytes = b"") -> bytes:
    if not isinstance(sc, int):
        sc = security_control_octet(sc)
    prefix = _aad_prefix(sc, bytes(authentication_key))
    if header or plaintext:
        return prefix + bytes(header) + bytes(plaintext)
    return prefix


def general_header(fields: Mapping[str, Any]) -> bytes:
    """The five header octet strings of general-ciphering/-signing, as the schema builds them."""
    return _core.build(_GENERAL_HEADER_SCHEMA, fields, "security")


def algorithm_id(name: str) -> bytes:
    """The contents octets of a cryptographic algorithm id OID (e.g. 60 85 74 05 08 03 00)."""
    return ObjectIdentifier.build(ALGORITHM_IDS[name])


def kdf_other_info(algorithm: str, party_u_info: bytes, party_v_info: bytes) -> bytes:
    return _OTHER_INFO.build({"algorithm_id": algorithm_id(algorithm),
                              "party_u_info": bytes(party_u_info),
                              "party_v_info": bytes(party_v_info)})


def static_party_v_info(transaction_id: bytes, recipient_system_title: bytes) -> bytes:
    return _STATIC_PARTY_V.build({"transaction_id": bytes(transaction_id),
                                  "recipient_system_title": bytes(recipient_system_title)})


def signed_data(header_fields: Mapping[str, Any], content: bytes) -> bytes:
    """What a general-signing signature covers: the five header fields (with their lengths)
    followed by the content octets (without theirs)."""
    return general_header(header_fields) + bytes(content)


def ephemeral_key_data(key_parameters: int, public_key: bytes) -> bytes:
    return _EPHEMERAL_KEY_DATA.build({"key_parameters": key_parameters,
                                      "public_key": bytes(public_key)})
