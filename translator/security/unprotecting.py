"""Unprotect a ciphered or signed APDU into its plaintext and the decoded cleartext APDU.

Which key: glo- and general-glo-ciphering use the global unicast (block cipher) key, or the
global broadcast key when the key-set bit says so; ded- and general-ded-ciphering the dedicated
key; general-ciphering the key its key-info names (identified, wrapped with the master key, or
agreed by ECDH). Which system title forms the IV: the one the APDU carries, else the one the
caller passes, else the association's (``SecurityContext``) title of the sending side.

Outcomes: a tag that verifies gives ``verified=True``; a tag that cannot be checked for want of
a key gives the plaintext with ``verified=False`` and a note ("tag not verified"); a tag that
fails raises ``TagMismatchError``; a missing key or system title raises a ``MissingSecurityInfo``
(the caller shows the APDU with its ciphered text opaque). Nothing here ever quotes a key.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from functools import lru_cache
from typing import Any

import construct as c

from ..errors import DecodeError
from ..schema import _core
from ..schema._compile import fast_parse
from ..schema.acse import XdlmsApdu, component
from ..schema.apdu import APDU_NAMES, APDU_TAGS, Apdu
from ..schema.protection import (
    APDUS as PROTECTED_APDUS,
)
from ..schema.protection import (
    QUIRK_APDUS,
    UNPROTECTED_TAG,
    SecurityHeader,
    security_header,
)
from . import gcm, signing
from .context import SecurityContext
from .errors import (
    MissingKeyError,
    MissingSecurityInfo,
    MissingSystemTitleError,
    SecurityError,
    SignatureError,
    UnsupportedSecurityError,
    describe_title,
)
from .keyring import Keyring, Keys
from .keywrap import unwrap_key
from .layouts import (
    ephemeral_key_data,
    general_header,
    kdf_other_info,
    signed_data,
    static_party_v_info,
)

__all__ = [
    "PROTECTED_NAMES",
    "Unprotected",
    "as_keyring",
    "service_of",
    "unprotect",
    "unprotect_message_apdu",
]

PROTECTED_NAMES = frozenset(name for name, _ in PROTECTED_APDUS.values())
"""Names of every protected APDU (glo_*, ded_*, general_*)."""

_ACSE = ("aarq", "aare", "rlrq", "rlre")
_OWN_TITLE = {"aarq": "calling_ap_title", "aare": "responding_ap_title"}


@dataclass(frozen=True, repr=False)
class Unprotected:
    """A protected APDU taken apart.

    ``apdu`` is the cleartext APDU decoded with the ``Apdu`` schema (its spans are offsets into
    ``plaintext``), or None with ``error`` saying why it did not decode. ``verified`` is True
    only when an authentication tag (or signature) was checked; ``note`` says why not.
    """

    service: str                      # glo, ded, general-glo, general-ded, general-ciphering,
                                      # general-signing
    protected_name: str               # the protected APDU's name, e.g. glo_get_request
    plaintext: bytes
    apdu: Any
    error: DecodeError | None
    verified: bool
    decrypted: bool                   # the content was enciphered and has been deciphered
    header: SecurityHeader | None     # None for a general-signing of an unprotected APDU
    system_title: bytes | None        # the title the IV was made from (the originator's)
    note: str | None = None
    location: str = "apdu"            # "apdu", or "user_information" inside an ACSE APDU
    span: tuple[int, int] | None = None   # the protected APDU in the caller's octets
    signature_verified: bool | None = None
    inner: Unprotected | None = None    # a protected APDU inside general-signing

    @property
    def security_control(self) -> int | None:
        return None if self.header is None else self.header.security_control

    @property
    def invocation_counter(self) -> int | None:
        return None if self.header is None else self.header.invocation_counter

    def summary(self) -> dict[str, Any]:
        """The ``security`` record of ``dlms capture --to jsonl`` (no key material)."""
        return {
            "sc": None if self.security_control is None else f"{self.security_control:02X}",
            "system_title": None if not self.system_title else self.system_title.hex().upper(),
            "invocation_counter": self.invocation_counter,
            "decrypted": self.decrypted,
            "verified": self.verified,
            "note": self.note,
        }

    def __repr__(self) -> str:
        what = str(self.apdu.get("tag")) if isinstance(self.apdu, dict) else "undecoded"
        state = "verified" if self.verified else (self.note or "not verified")
        return (f"<Unprotected {self.protected_name} -> {what}, {len(self.plaintext)} octets, "
                f"system title {describe_title(self.system_title)}, {state}>")


_FIELD_NAMES = tuple(f.name for f in fields(Unprotected))
_FIELD_DEFAULTS = tuple(f.default for f in fields(Unprotected))
_REQUIRED = sum(d is MISSING for d in _FIELD_DEFAULTS)


def _unprotected(*values: Any) -> Unprotected:
    """``Unprotected(*values)`` on the per-APDU path: the same fields in the same order, set
    without the frozen dataclass's one ``object.__setattr__`` call per field."""
    if not _REQUIRED <= len(values) <= len(_FIELD_NAMES):
        return Unprotected(*values)     # the constructor's own error
    obj = object.__new__(Unprotected)
    obj.__dict__.update(zip(_FIELD_NAMES, values + _FIELD_DEFAULTS[len(values):]))
    return obj


def as_keyring(keys: Keyring | Keys | None) -> Keyring:
    if isinstance(keys, Keyring):
        return keys
    if isinstance(keys, Keys):
        return Keyring(default=keys)
    if keys is None:
        return Keyring()
    raise TypeError(f"keys must be a Keyring or Keys, not {type(keys).__name__}")


_GENERAL_SERVICES = {"general_glo_ciphering": "general-glo", "general_ded_ciphering": "general-ded",
                     "general_ciphering": "general-ciphering", "general_signing": "general-signing"}


@lru_cache(maxsize=64)
def service_of(protected_name: str) -> str:
    """glo, ded, general-glo, general-ded, general-ciphering or general-signing (cached: the
    names are the protected APDUs' few tag names)."""
    if protected_name in _GENERAL_SERVICES:
        return _GENERAL_SERVICES[protected_name]
    return protected_name.split("_", 1)[0]


@lru_cache(maxsize=64)
def _plain_name(protected_name: str) -> str | None:
    """The APDU a glo-/ded- service APDU carries (e.g. get_request), None for general ones."""
    tag = UNPROTECTED_TAG.get(APDU_TAGS[protected_name])
    return None if tag is None else APDU_NAMES[tag]


def _parse_apdu(data: bytes | Any, base: int = 0) -> Any:
    if isinstance(data, (bytes, bytearray)):
        return fast_parse(Apdu, bytes(data), "apdu", base)
    return data


def unprotect(apdu: bytes | Any, keys: Keyring | Keys | None, system_title: bytes | None = None,
              *, context: SecurityContext | None = None, location: str = "apdu") -> Unprotected:
    """Unprotect one protected APDU (bytes, or a container decoded with the ``Apdu`` schema).

    ``system_title`` is the sender's title for APDUs that carry none (glo-/ded- services, an
    empty general-glo title): the association's. ``context`` supplies it otherwise and the
    dedicated key.
    """
    apdu = _parse_apdu(apdu)
    name = str(apdu["tag"])
    if name not in PROTECTED_NAMES:
        raise SecurityError(f"{name} is not a protected APDU")
    return _unprotect(apdu, name, as_keyring(keys), system_title, context, location)


def _unprotect(apdu: Any, name: str, ring: Keyring, system_title: bytes | None,
               context: SecurityContext | None, location: str) -> Unprotected:
    if name == "general_signing":
        return _unsign(apdu, ring, context, location)
    return _decipher(apdu, name, ring, system_title, context, location)


def _decipher(apdu: Any, name: str, ring: Keyring, system_title: bytes | None,
              context: SecurityContext | None, location: str,
              plain_name: str | None = None) -> Unprotected:
    body = apdu["body"]
    header = security_header(body)
    if header.compression:
        raise UnsupportedSecurityError("compressed APDUs (security control bit 7) are not "
                                       "supported", _sc_offset(body))
    if header.security_suite_id not in gcm.KEY_LENGTHS:
        raise UnsupportedSecurityError(f"security suite {header.security_suite_id} is not "
                                       "supported (0, 1 and 2 are)", _sc_offset(body))
    auth, enc = header.authentication, header.encryption
    if not (auth or enc):
        raise UnsupportedSecurityError(f"{name} with security control "
                                       f"0x{header.security_control:02X} applies neither "
                                       "authentication nor encryption", _sc_offset(body))
    service = service_of(name)
    plain_name = plain_name or _plain_name(name)
    title = header.system_title or system_title
    if not title and context is not None:
        title = context.sender_title(plain_name)
    if not title:
        raise MissingSystemTitleError(name)
    peer = header.recipient_system_title
    if not peer and context is not None:
        peer = context.peer_title(plain_name)
    table = ring.lookup(title, peer)

    key, key_name, notes = _content_key(service, body, header, ring, table, title, peer, context)
    ak = table.authentication_key if auth else None
    if key is None:
        raise MissingKeyError(key_name, title)
    if auth and not enc and ak is None:
        # Authentication only: the text is in clear, but "not verified" would hide a tampered SC.
        raise MissingKeyError("authentication_key", title)
    aad_header = general_header(body) if service == "general-ciphering" else b""
    gcm.check_key(key, header.security_suite_id, key_name, title)
    plaintext, verified = gcm.decrypt(header.security_control, key, title,
                                      header.invocation_counter, header.ciphered_text,
                                      header.tag, ak, aad_header)
    if auth and not verified:
        notes.append("tag not verified (no authentication key)")
    if enc and not auth:
        notes.append("encryption only: no authentication tag to verify")

    decoded, error = _decode_plaintext(plaintext)
    if error is not None and enc and not verified:
        raise SecurityError(f"deciphered text is no valid APDU {_where(title, header)} (wrong "
                            f"key? without a checked tag a wrong key cannot be told apart): "
                            f"{error}")
    if decoded is not None and plain_name is not None and str(decoded["tag"]) != plain_name:
        # The tag octet is outside the AAD: a changed one shows only as this disagreement.
        raise SecurityError(f"{name} carries a {decoded['tag']} APDU instead of a {plain_name} "
                            f"{_where(title, header)}")
    return _unprotected(service, name, plaintext, decoded, error, verified, enc, header,
                        bytes(title), "; ".join(notes) or None, location, apdu.get("_span"))


def _sc_offset(body: Any) -> int | None:
    """Where the security control octet is (for error messages only)."""
    span = _core.span_of(body.get("ciphered_content", body), "security_control")
    return span[0] if span else None


def _where(title: bytes, header: SecurityHeader) -> str:
    """Which APDU an error is about (built only when there is an error)."""
    return (f"for system title {describe_title(title)}, invocation counter "
            f"{header.invocation_counter}")


def _decode_plaintext(plaintext: bytes) -> tuple[Any, DecodeError | None]:
    try:
        return fast_parse(Apdu, plaintext, "apdu"), None
    except DecodeError as e:
        return None, e


def _content_key(service: str, body: Any, header: SecurityHeader, ring: Keyring, table: Keys,
                 title: bytes, peer: bytes | None,
                 context: SecurityContext | None) -> tuple[bytes | None, str, list[str]]:
    """(key or None when unknown, the key's name for messages, notes)."""
    global_name = "broadcast_key" if header.key_set == "broadcast" else "block_cipher_key"
    if service in ("glo", "general-glo"):
        return getattr(table, global_name), global_name, []
    if service in ("ded", "general-ded"):
        key = table.dedicated_key or (context.dedicated_key if context is not None else None)
        return key, "dedicated_key", []
    info = body.get("key_info")
    if info is None:
        return getattr(table, global_name), global_name, []
    kind, value = str(info["tag"]), info["value"]
    if kind == "identified_key":
        name = ("broadcast_key" if str(value["key_id"]) == "global_broadcast_encryption_key"
                else "block_cipher_key")
        return getattr(table, name), name, []
    if kind == "wrapped_key":
        if table.master_key is None:
            raise MissingKeyError("master_key", title, "the content key is wrapped with it")
        return unwrap_key(table.master_key, value["key_ciphered_data"]), "wrapped key", []
    return _agreed_key(header, body, value, ring, title, peer)


def _agreed_key(header: SecurityHeader, body: Any, value: Any, ring: Keyring, originator: bytes,
                recipient: bytes | None) -> tuple[bytes, str, list[str]]:
    suite_id = header.security_suite_id
    if suite_id not in signing.SUITES:
        raise SecurityError(f"an agreed key needs security suite 1 or 2, the APDU says {suite_id}")
    suite = signing.SUITES[suite_id]
    scheme = int.from_bytes(bytes(value["key_parameters"]), "big")
    algorithm = "aes-gcm-128" if suite_id == 1 else "aes-gcm-256"
    recipient = recipient or b""
    mine, theirs = ring.lookup(recipient), ring.table(originator)
    notes: list[str] = []
    if scheme == 1:  # one-pass Diffie-Hellman C(1e, 1s): ephemeral key || its signature
        data = bytes(value["key_ciphered_data"])
        parts = c.Struct("public_key" / c.Bytes(2 * suite.size),
                         "signature" / c.Bytes(2 * suite.size))
        if len(data) != parts.sizeof():
            raise SecurityError(f"one-pass Diffie-Hellman key data has {parts.sizeof()} octets "
                                f"for suite {suite_id}, got {len(data)}")
        split = parts.parse(data)
        if mine.private_key is None:
            raise MissingKeyError("private_key", recipient, "recipient's key agreement key")
        ephemeral = signing.public_key_from_raw(split.public_key, "ephemeral public key")
        if theirs is not None and theirs.public_key is not None:
            if not signing.verify(theirs.public_key, ephemeral_key_data(1, split.public_key),
                                  split.signature):
                raise SignatureError(f"the ephemeral public key's signature does not verify for "
                                     f"system title {describe_title(originator)}")
        else:
            notes.append("ephemeral key signature not verified (no public key of the originator)")
        z = signing.shared_secret(mine.private_key, ephemeral)
        other = kdf_other_info(algorithm, originator, recipient)
    elif scheme == 2:  # static unified model C(0e, 2s)
        if mine.private_key is not None and theirs is not None and theirs.public_key is not None:
            z = signing.shared_secret(mine.private_key, theirs.public_key)
        elif theirs is not None and theirs.private_key is not None and mine.public_key is not None:
            z = signing.shared_secret(theirs.private_key, mine.public_key)
        else:
            raise MissingKeyError("private_key", recipient,
                                  "static unified model: one party's private key and the other's "
                                  "public key")
        other = kdf_other_info(algorithm, originator,
                               static_party_v_info(body["transaction_id"], recipient))
    else:
        raise UnsupportedSecurityError(f"key agreement scheme {scheme} is not supported "
                                       "(1 one-pass Diffie-Hellman, 2 static unified model)")
    return signing.derive_key(z, suite_id, other), "agreed key", notes


def _unsign(apdu: Any, ring: Keyring, context: SecurityContext | None,
            location: str) -> Unprotected:
    body = apdu["body"]
    originator = bytes(body["originator_system_title"])
    content, signature = bytes(body["content"]), bytes(body["signature"])
    owner = ring.table(originator) or ring.default
    notes: list[str] = []
    signature_verified: bool | None = None
    if owner.public_key is None:
        notes.append(f"signature not verified (no public key for system title "
                     f"{describe_title(originator)})")
    else:
        signature_verified = signing.verify(owner.public_key, signed_data(body, content), signature)
        if not signature_verified:
            raise SignatureError(f"general-signing signature does not verify for system title "
                                 f"{describe_title(originator)}")
    try:
        inner_apdu = fast_parse(Apdu, content, "apdu")
    except DecodeError as e:
        return Unprotected("general-signing", "general_signing", content, None, e,
                           bool(signature_verified), False, None, originator,
                           "; ".join(notes) or None, location, apdu.get("_span"),
                           signature_verified)
    inner = None
    plaintext, decoded, verified, decrypted, header = content, inner_apdu, \
        bool(signature_verified), False, None
    if str(inner_apdu["tag"]) in PROTECTED_NAMES:
        inner = unprotect(inner_apdu, ring, originator, context=context, location=location)
        plaintext, decoded, header = inner.plaintext, inner.apdu, inner.header
        verified = verified and inner.verified
        decrypted = inner.decrypted
        if inner.note:
            notes.append(inner.note)
    return Unprotected("general-signing", "general_signing", plaintext, decoded,
                       inner.error if inner else None, verified, decrypted, header, originator,
                       "; ".join(notes) or None, location, apdu.get("_span"), signature_verified,
                       inner)


def unprotect_message_apdu(apdu_container: Any, keys: Keyring | Keys | None,
                           context: SecurityContext | None = None) -> Unprotected | None:
    """The pipeline's entry point: unprotect whatever protected APDU ``apdu_container`` holds.

    ``apdu_container`` is a message's decoded APDU (``Apdu`` schema). Returns None when it is
    not protected and holds no protected APDU (an AARQ/AARE/RLRQ/RLRE without a ciphered
    xDLMS APDU in its user-information). Protected APDUs are: every glo-/ded- service,
    general-glo/ded-ciphering, general-ciphering, general-signing, and the ciphered
    Initiate/ConfirmedServiceError inside an ACSE APDU's user-information (``location`` is then
    "user_information" and ``span`` the absolute span of that xDLMS APDU).

    ``context`` (one per association) is read for the system titles and the dedicated key and
    updated in place: titles from AARQ/AARE, the dedicated key from a deciphered
    InitiateRequest. Raises ``MissingSecurityInfo`` (no key / no system title: show the APDU
    opaque with a note), ``TagMismatchError`` (wrong key or tampered), ``SignatureError``,
    ``UnsupportedSecurityError`` (compression, unknown suite) or another ``SecurityError``.
    """
    if not isinstance(apdu_container, dict):
        return None
    name = str(apdu_container.get("tag"))
    if name in PROTECTED_NAMES:  # already decoded and named: no need of unprotect's checks
        result = _unprotect(apdu_container, name, as_keyring(keys), None, context, "apdu")
    elif name in _ACSE:
        if context is not None:
            context.observe(apdu_container)
        result = _user_information(apdu_container, name, keys, context)
        if result is None:
            return None
    elif apdu_container.get("tag") in QUIRK_APDUS:
        result = _untagged_access(apdu_container, as_keyring(keys), context)
    else:
        return None
    if context is not None:
        context.learn(result)
    return result


def _untagged_access(apdu: Any, ring: Keyring, context: SecurityContext | None) -> Unprotected:
    """A ciphered ACCESS under APDU tag 0x00 (``QUIRK_APDUS``): only the plaintext tells a
    request from a response, so both are tried, each under its sender's system title; the one
    whose tag verifies and whose plaintext is that ACCESS APDU is it."""
    first = None
    for plain in ("access_request", "access_response"):
        try:
            return _decipher(apdu, f"glo_{plain}", ring, None, context, "apdu", plain)
        except MissingSecurityInfo:
            raise
        except SecurityError as e:
            first = first or e
    raise first


def _user_information(apdu: Any, name: str, keys: Keyring | Keys | None,
                      context: SecurityContext | None) -> Unprotected | None:
    info = component(apdu, "user_information")
    xdlms = info.get("value") if isinstance(info, dict) else None
    if not isinstance(xdlms, dict) or str(xdlms.get("tag")) not in PROTECTED_NAMES:
        return None
    span = xdlms.get("_span") or (0, 0)
    inner = fast_parse(Apdu, _core.build(XdlmsApdu, xdlms, "acse"), "apdu", span[0])
    title = None
    if name in _OWN_TITLE:
        own = component(apdu, _OWN_TITLE[name])
        title = bytes(own["value"]) if isinstance(own, dict) and own.get("value") else None
    return unprotect(inner, keys, title, context=context, location="user_information")
