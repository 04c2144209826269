"""Protect a cleartext APDU (glo-/ded-, general-glo/ded-ciphering, general-ciphering) or sign one.

The inverse of ``unprotect``: the ciphered text and tag come from ``gcm``, every octet around
them from the protected-APDU schemas' ``build``. Used by the client, the simulator and
``dlms encode`` to make test messages; protecting a Green Book plaintext with its keys and
invocation counter gives the Green Book octets.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import construct as c

from ..schema import _core
from ..schema._compile import fast_parse
from ..schema.apdu import APDU_NAMES, APDU_TAGS, Apdu
from ..schema.protection import (
    DEDICATED_TAGS,
    GLOBAL_TAGS,
    UNPROTECTED_TAG,
    security_control_octet,
)
from . import gcm, signing
from .errors import MissingKeyError, SecurityError, UnsupportedSecurityError
from .keyring import Keyring, Keys
from .keywrap import wrap_key
from .layouts import (
    ephemeral_key_data,
    general_header,
    kdf_other_info,
    security_control_fields,
    signed_data,
    static_party_v_info,
)
from .unprotecting import as_keyring

__all__ = ["KEY_INFOS", "SERVICES", "protect", "sign_apdu"]

SERVICES = ("glo", "ded", "general-glo", "general-ded", "general-ciphering")
KEY_INFOS = (None, "identified", "wrapped", "agreed")
"""general-ciphering key-info: none (the global key), identified (global unicast or broadcast
key, by the key-set bit), wrapped (a content key wrapped with the master key), agreed (ECDH,
``key_parameters`` 1 one-pass Diffie-Hellman or 2 static unified model)."""


def _cleartext(plaintext: bytes | Mapping[str, Any]) -> tuple[bytes, str]:
    """The plaintext octets and their APDU name (decoded through the schema, so it must be one)."""
    if isinstance(plaintext, Mapping):
        data = _core.build(Apdu, plaintext, "apdu")
    else:
        data = bytes(plaintext)
    return data, str(fast_parse(Apdu, data, "apdu")["tag"])


def _service_tag(plain_name: str, service: str) -> str:
    tags = GLOBAL_TAGS if service == "glo" else DEDICATED_TAGS
    plain = APDU_TAGS[plain_name]
    for tag in sorted(tags):
        if UNPROTECTED_TAG[tag] == plain:
            return APDU_NAMES[tag]
    raise SecurityError(f"{plain_name} has no {service}- form; protect it with general-{service}"
                        "-ciphering")


def protect(plaintext: bytes | Mapping[str, Any], security_control: int | Mapping[str, Any],
            system_title: bytes, invocation_counter: int, keys: Keyring | Keys,
            service: str = "glo", *, recipient_system_title: bytes = b"",
            transaction_id: bytes = b"", date_time: bytes = b"", other_information: bytes = b"",
            key_info: str | None = None, key_parameters: int = 1, content_key: bytes | None = None,
            send_system_title: bool = True) -> bytes:
    """The protected APDU carrying ``plaintext`` (APDU octets, or a container for ``Apdu``).

    ``system_title`` forms the IV (and is sent in general-* APDUs unless ``send_system_title``
    is False, as meters that push with an empty title do). Keys come from the table of
    ``system_title`` (or of ``recipient_system_title``), else ``[default]``.
    """
    if service not in SERVICES:
        raise ValueError(f"service must be one of {', '.join(SERVICES)}, not {service!r}")
    if key_info not in KEY_INFOS:
        raise ValueError(f"key_info must be one of {KEY_INFOS}, not {key_info!r}")
    data, plain_name = _cleartext(plaintext)
    sc = security_control_fields(security_control)
    if sc["compression"]:
        raise UnsupportedSecurityError("compression (security control bit 7) is not supported")
    suite = int(sc["security_suite_id"])
    gcm.key_length(suite)
    system_title = bytes(system_title)
    recipient_system_title = bytes(recipient_system_title)
    ring = as_keyring(keys)
    table = ring.lookup(system_title, recipient_system_title or None)
    fields = {"transaction_id": bytes(transaction_id), "originator_system_title": system_title,
              "recipient_system_title": recipient_system_title, "date_time": bytes(date_time),
              "other_information": bytes(other_information)}

    info: dict[str, Any] | None = None
    global_name = "broadcast_key" if str(sc["key_set"]) == "broadcast" else "block_cipher_key"
    if service in ("ded", "general-ded"):
        key, key_name = table.dedicated_key, "dedicated_key"
    elif service != "general-ciphering" or key_info in (None, "identified"):
        key, key_name = getattr(table, global_name), global_name
        if key_info == "identified":
            key_id = ("global_broadcast_encryption_key" if global_name == "broadcast_key"
                      else "global_unicast_encryption_key")
            info = {"tag": "identified_key", "value": {"key_id": key_id}}
    elif key_info == "wrapped":
        if table.master_key is None:
            raise MissingKeyError("master_key", system_title, "to wrap the content key")
        key = content_key if content_key is not None else os.urandom(gcm.key_length(suite))
        key_name = "content key"
        info = {"tag": "wrapped_key", "value": {"kek_id": "master_key",
                                                "key_ciphered_data": wrap_key(table.master_key, key)}}
    else:
        key, info = _agree(ring, suite, key_parameters, system_title, recipient_system_title,
                           fields["transaction_id"])
        key_name = "agreed key"
    auth, enc = bool(sc["authentication"]), bool(sc["encryption"])
    if not (auth or enc):
        raise SecurityError("a security control without authentication or encryption protects "
                            "nothing")
    if key is None:
        raise MissingKeyError(key_name, system_title)
    gcm.check_key(key, suite, key_name, system_title)
    ak = table.authentication_key
    if auth and ak is None:
        raise MissingKeyError("authentication_key", system_title)
    header = general_header(fields) if service == "general-ciphering" else b""
    text, tag = gcm.encrypt(security_control_octet(sc), key, system_title,
                            invocation_counter, data, ak, header)
    content = {"security_control": sc, "invocation_counter": invocation_counter,
               "ciphered_text": text, "tag": tag}
    if service in ("glo", "ded"):
        apdu = {"tag": _service_tag(plain_name, service), "body": content}
    elif service in ("general-glo", "general-ded"):
        apdu = {"tag": f"general_{service[8:]}_ciphering",
                "body": {"system_title": system_title if send_system_title else b"",
                         "ciphered_content": content}}
    else:
        apdu = {"tag": "general_ciphering",
                "body": {**fields, "key_info": info, "ciphered_content": content}}
    return _core.build(Apdu, apdu, "apdu")


def _agree(ring: Keyring, suite: int, scheme: int, originator: bytes, recipient: bytes,
           transaction_id: bytes) -> tuple[bytes, dict[str, Any]]:
    """ECDH key agreement for general-ciphering: (content key, key-info)."""
    if suite not in signing.SUITES:
        raise SecurityError(f"an agreed key needs security suite 1 or 2, not {suite}")
    if not recipient:
        raise SecurityError("an agreed key needs the recipient system title")
    algorithm = "aes-gcm-128" if suite == 1 else "aes-gcm-256"
    mine = ring.table(originator) or ring.default
    theirs = ring.lookup(recipient)
    if theirs.public_key is None:
        raise MissingKeyError("public_key", recipient, "recipient's key agreement key")
    if mine.private_key is None:
        raise MissingKeyError("private_key", originator,
                              "signs the ephemeral key" if scheme == 1 else "key agreement key")
    if scheme == 1:
        ephemeral = signing.generate_private_key(suite)
        public = signing.raw_public_key(ephemeral)
        data = public + signing.sign(mine.private_key, ephemeral_key_data(1, public))
        z = signing.shared_secret(ephemeral, theirs.public_key)
        other = kdf_other_info(algorithm, originator, recipient)
    elif scheme == 2:
        data = b""
        z = signing.shared_secret(mine.private_key, theirs.public_key)
        other = kdf_other_info(algorithm, originator, static_party_v_info(transaction_id, recipient))
    else:
        raise UnsupportedSecurityError(f"key agreement scheme {scheme} is not supported "
                                       "(1 one-pass Diffie-Hellman, 2 static unified model)")
    info = {"tag": "agreed_key", "value": {"key_parameters": c.Int8ub.build(scheme),
                                           "key_ciphered_data": data}}
    return signing.derive_key(z, suite, other), info


def sign_apdu(content: bytes | Mapping[str, Any], system_title: bytes, keys: Keyring | Keys, *,
              recipient_system_title: bytes = b"", transaction_id: bytes = b"",
              date_time: bytes = b"", other_information: bytes = b"") -> bytes:
    """general-signing of ``content`` (an APDU, ciphered or not) with the originator's private key
    (table of ``system_title``, else ``[default]``): ECDSA P-256/SHA-256 or P-384/SHA-384 as the
    key's curve says, signature r || s over the five header fields and the content."""
    data = _core.build(Apdu, content, "apdu") if isinstance(content, Mapping) else bytes(content)
    ring = as_keyring(keys)
    owner = ring.table(bytes(system_title)) or ring.default
    if owner.private_key is None:
        raise MissingKeyError("private_key", system_title, "general-signing")
    fields = {"transaction_id": bytes(transaction_id), "originator_system_title": bytes(system_title),
              "recipient_system_title": bytes(recipient_system_title),
              "date_time": bytes(date_time), "other_information": bytes(other_information)}
    signature = signing.sign(owner.private_key, signed_data(fields, data))
    return _core.build(Apdu, {"tag": "general_signing",
                              "body": {**fields, "content": data, "signature": signature}}, "apdu")
