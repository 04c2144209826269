"""Security: unprotect/protect ciphered APDUs, keys per system title, HLS, key wrap, ECDSA.

All cryptography goes through the ``cryptography`` package; all octets around it are built and
read by the protected-APDU schemas (``translator.schema.protection``).
"""

from .context import SecurityContext
from .errors import (
    KeyringError,
    MissingKeyError,
    MissingSecurityInfo,
    MissingSystemTitleError,
    SecurityError,
    SignatureError,
    TagMismatchError,
    UnsupportedSecurityError,
)
from .hls import MECHANISMS, f_ctos, f_stoc, hls_response, hls_verify
from .keyring import Keyring, Keys
from .keywrap import unwrap_key, wrap_key
from .protecting import protect, sign_apdu
from .unprotecting import Unprotected, unprotect, unprotect_message_apdu

__all__ = [
    "MECHANISMS",
    "Keyring",
    "KeyringError",
    "Keys",
    "MissingKeyError",
    "MissingSecurityInfo",
    "MissingSystemTitleError",
    "SecurityContext",
    "SecurityError",
    "SignatureError",
    "TagMismatchError",
    "Unprotected",
    "UnsupportedSecurityError",
    "f_ctos",
    "f_stoc",
    "hls_response",
    "hls_verify",
    "protect",
    "sign_apdu",
    "unprotect",
    "unprotect_message_apdu",
    "unwrap_key",
    "wrap_key",
]
