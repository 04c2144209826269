"""AES-GCM as security suites 0, 1 and 2 use it: encryption, authentication, or both; GMAC.

The security control octet says what was applied (Green Book 9.2.7.2.4):

* A and E (0x3_): GCM, AAD = SC || AK, 12-octet tag;
* E only (0x2_): the GCM ciphertext without a tag (counter mode from counter block 2);
* A only (0x1_): GMAC, AAD = SC || AK || plaintext, the plaintext travels in clear.

general-ciphering adds its header to the AAD (``header``). The key is 16 octets for suites 0 and
1 (AES-128), 32 for suite 2 (AES-256). IV = system title (8) || invocation counter (4).
"""

from __future__ import annotations

import hmac
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..schema.protection import AUTHENTICATION_TAG_LENGTH
from .errors import SecurityError, TagMismatchError, UnsupportedSecurityError, describe_title
from .layouts import (
    authenticated_data,
    initialization_vector,
    security_control_fields,
)

__all__ = [
    "KEY_LENGTHS",
    "TAG_LENGTH",
    "check_key",
    "ctr",
    "decrypt",
    "encrypt",
    "gmac",
    "key_length",
]

TAG_LENGTH = AUTHENTICATION_TAG_LENGTH
KEY_LENGTHS = {0: 16, 1: 16, 2: 32}
"""Security suite -> AES key length in octets."""


def key_length(suite: int) -> int:
    if suite not in KEY_LENGTHS:
        raise UnsupportedSecurityError(f"security suite {suite} is not supported (0, 1 and 2 are)")
    return KEY_LENGTHS[suite]


def check_key(key: bytes, suite: int, name: str, system_title: bytes | None) -> bytes:
    """``key`` if its length fits the suite; the error names the key, never its value."""
    want = key_length(suite)
    if len(key) != want:
        raise SecurityError(f"security suite {suite} needs a {want}-octet {name.replace('_', ' ')}; "
                            f"the one for system title {describe_title(system_title)} has "
                            f"{len(key)}")
    return key


def ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    """GCM's keystream alone applied to ``data`` (no tag): counter mode from block IV || 00000002,
    which is what GCM encryption of ``data`` gives before its tag (it deciphers as well)."""
    data = bytes(data)
    return _aead(bytes(key)).encrypt(iv, data, None)[:len(data)]


def gmac(key: bytes, iv: bytes, aad: bytes) -> bytes:
    """The 12-octet GMAC of ``aad`` (GCM over an empty plaintext)."""
    return _aead(bytes(key)).encrypt(iv, b"", aad)[:TAG_LENGTH]


@lru_cache(maxsize=64)
def _aead(key: bytes) -> AESGCM:
    """The AES-GCM object of a key, made once per key (it validates and schedules the key when
    made); bounded, and neither lru_cache nor ``AESGCM`` ever shows the key.

    Why AESGCM and not a ``Cipher`` context per APDU: DLMS tags are 12 octets and AESGCM only
    checks 16-octet ones, but GCM is deterministic, so deciphering is the same counter mode
    (``ctr``) and the tag is recomputed by enciphering the plaintext again and compared on its
    first 12 octets; two one-shot calls cost a quarter of one ``Cipher`` context.
    """
    return AESGCM(key)


@lru_cache(maxsize=256)
def _flags(sc: int) -> tuple[bool, bool, int]:
    """(A, E, suite) of a security control octet (cached: 256 possible octets)."""
    fields = security_control_fields(sc)
    return bool(fields["authentication"]), bool(fields["encryption"]), \
        int(fields["security_suite_id"])


def encrypt(sc: int, key: bytes, system_title: bytes, invocation_counter: int, plaintext: bytes,
            authentication_key: bytes | None = None, header: bytes = b"") -> tuple[bytes, bytes | None]:
    """Protect ``plaintext`` as ``sc`` says: (ciphered text, 12-octet tag or None)."""
    auth, enc, _ = _flags(sc)
    iv = initialization_vector(system_title, invocation_counter)
    plaintext = bytes(plaintext)
    if auth and authentication_key is None:
        raise SecurityError("authentication needs an authentication key")
    if auth and enc:
        sealed = _aead(bytes(key)).encrypt(iv, plaintext, authenticated_data(sc, authentication_key,
                                                                              header))
        return sealed[:len(plaintext)], sealed[len(plaintext):len(plaintext) + TAG_LENGTH]
    if enc:
        return ctr(key, iv, plaintext), None
    if auth:
        return plaintext, gmac(key, iv, authenticated_data(sc, authentication_key, header, plaintext))
    return plaintext, None


def decrypt(sc: int, key: bytes, system_title: bytes, invocation_counter: int, ciphered_text: bytes,
            tag: bytes | None, authentication_key: bytes | None = None,
            header: bytes = b"") -> tuple[bytes, bool]:
    """(plaintext, verified). Without ``authentication_key`` an authenticated APDU is deciphered
    (A and E) or passed through (A only) with ``verified`` False; with it, a tag that does not
    match raises ``TagMismatchError``, so a wrong key never yields plaintext."""
    auth, enc, _ = _flags(sc)
    iv = initialization_vector(system_title, invocation_counter)
    ciphered_text = bytes(ciphered_text)
    if auth and tag is None:
        raise SecurityError("security control has the A bit but there is no authentication tag")
    if auth and authentication_key is not None:
        aead = _aead(bytes(key))
        n = len(ciphered_text)
        if enc:
            plaintext = aead.encrypt(iv, ciphered_text, None)[:n]
            resealed = aead.encrypt(iv, plaintext, authenticated_data(sc, authentication_key,
                                                                      header))
            if not hmac.compare_digest(resealed[n:n + TAG_LENGTH], bytes(tag)):
                raise TagMismatchError(system_title, invocation_counter)
            return plaintext, True
        expected = aead.encrypt(iv, b"", authenticated_data(sc, authentication_key, header,
                                                            ciphered_text))[:TAG_LENGTH]
        if not hmac.compare_digest(expected, bytes(tag)):
            raise TagMismatchError(system_title, invocation_counter)
        return ciphered_text, True
    if enc:
        return ctr(key, iv, ciphered_text), False
    return ciphered_text, False
