"""AES key wrap (RFC 3394) for key transfer: new global keys travel wrapped with the master key.

Used by Security setup ``key_transfer`` and by general-ciphering's ``wrapped_key`` key info.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from .errors import SecurityError

__all__ = ["unwrap_key", "wrap_key"]


def wrap_key(kek: bytes, key: bytes) -> bytes:
    """``key`` (16 or 32 octets) wrapped under the key-encryption key (master key)."""
    if len(key) not in (16, 24, 32) or len(kek) not in (16, 24, 32):
        raise SecurityError(f"key wrap takes AES keys (16, 24 or 32 octets); got a {len(kek)}-octet "
                            f"KEK and a {len(key)}-octet key")
    return aes_key_wrap(bytes(kek), bytes(key))


def unwrap_key(kek: bytes, wrapped: bytes) -> bytes:
    """The key inside ``wrapped``; a wrong KEK or altered octets raise ``SecurityError``."""
    if len(kek) not in (16, 24, 32):
        raise SecurityError(f"key unwrap needs an AES KEK (16, 24 or 32 octets), got {len(kek)}")
    if len(wrapped) < 24 or len(wrapped) % 8:
        raise SecurityError(f"a wrapped key has a multiple of 8 octets, at least 24; got {len(wrapped)}")
    try:
        return aes_key_unwrap(bytes(kek), bytes(wrapped))
    except InvalidUnwrap:
        raise SecurityError("key unwrap failed: wrong master key (KEK) or altered wrapped key") \
            from None
