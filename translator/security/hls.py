"""HLS authentication (mechanisms 3 to 7): compute and verify f(StoC) and f(CtoS).

In an HLS association the client sends the challenge CtoS in the AARQ, the server StoC in the
AARE; then the client proves itself with f(StoC) and the server with f(CtoS) (Green Book 9.2.7.4).
With the responder P, its peer Q, the challenge X that P answers and the challenge Y that P sent:

* 3 MD5:     MD5(X || secret)
* 4 SHA-1:   SHA-1(X || secret)
* 5 GMAC:    SC || IC || GMAC(SC || AK || X), IV = system title of P || IC, key = block cipher key
* 6 SHA-256: SHA-256(secret || ST_P || ST_Q || X || Y)
* 7 ECDSA:   ECDSA(ST_P || ST_Q || X || Y) with P's private key (r || s)

Mechanism 2 (manufacturer specific) has no standard function and is not offered.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import construct as c
from cryptography.hazmat.primitives.asymmetric import ec

from ..schema.protection import security_control_octet
from . import gcm, signing
from .errors import MissingKeyError, SecurityError
from .layouts import (
    HlsGmacResponse,
    authenticated_data,
    initialization_vector,
    security_control_fields,
)

__all__ = ["MECHANISMS", "f_ctos", "f_stoc", "hls_response", "hls_verify"]

MECHANISMS = {3: "md5", 4: "sha1", 5: "gmac", 6: "sha256", 7: "ecdsa"}
"""HLS mechanism id (last arc of 2.16.756.5.8.2.x) -> name."""

_CONCAT = c.Struct(*(name / c.Bytes(c.len_(c.this[name]))
                     for name in ("secret", "own_title", "peer_title", "answered", "sent")))
"""secret || ST_P || ST_Q || X || Y (mechanisms 6 and 7; mechanism 7 has no secret)."""
_CHALLENGE_SECRET = c.Struct("challenge" / c.Bytes(c.len_(c.this.challenge)),
                             "secret" / c.Bytes(c.len_(c.this.secret)))
"""X || secret (mechanisms 3 and 4)."""


def _secret(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise SecurityError(f"this HLS mechanism takes the HLS secret (bytes or str), not "
                        f"{type(value).__name__}")


def _key(keys: Any, name: str, system_title: bytes | None) -> Any:
    value = keys.get(name) if isinstance(keys, Mapping) else getattr(keys, name, None)
    if value is None:
        raise MissingKeyError(name, system_title, "HLS")
    return value


def _concat(secret: bytes, own_title: bytes | None, peer_title: bytes | None,
            answered: bytes, sent: bytes | None, mechanism: int) -> bytes:
    if own_title is None or peer_title is None or sent is None:
        raise SecurityError(f"HLS mechanism {mechanism} needs both system titles and both "
                            "challenges")
    return _CONCAT.build({"secret": secret, "own_title": bytes(own_title),
                          "peer_title": bytes(peer_title), "answered": bytes(answered),
                          "sent": bytes(sent)})


def _gmac_response(keys: Any, challenge: bytes, system_title: bytes | None,
                   invocation_counter: int, sc: int) -> bytes:
    if system_title is None:
        raise SecurityError("HLS mechanism 5 needs the responder's system title (for the IV)")
    ek = _key(keys, "block_cipher_key", system_title)
    ak = _key(keys, "authentication_key", system_title)
    suite = int(security_control_fields(sc)["security_suite_id"])
    gcm.check_key(ek, suite, "block_cipher_key", system_title)
    tag = gcm.gmac(ek, initialization_vector(system_title, invocation_counter),
                   authenticated_data(sc, ak, plaintext=challenge))
    return HlsGmacResponse.build({"security_control": sc, "invocation_counter": invocation_counter,
                                  "tag": tag})


def hls_response(mechanism: int, secret_or_keys: Any, challenge: bytes,
                 system_title: bytes | None = None, invocation_counter: int = 0, *,
                 peer_system_title: bytes | None = None, sent_challenge: bytes | None = None,
                 security_suite: int = 0) -> bytes:
    """f(``challenge``) as the responder computes it.

    ``system_title`` is the responder's own, ``peer_system_title`` the other party's,
    ``sent_challenge`` the challenge the responder itself sent (mechanisms 6 and 7).
    ``secret_or_keys``: the HLS secret for 3, 4 and 6; ``Keys`` (block cipher and authentication
    key) for 5; the responder's private key (or ``Keys`` holding it) for 7.
    """
    challenge = bytes(challenge)
    if mechanism == 3:
        return hashlib.md5(_CHALLENGE_SECRET.build(
            {"challenge": challenge, "secret": _secret(secret_or_keys)})).digest()
    if mechanism == 4:
        return hashlib.sha1(_CHALLENGE_SECRET.build(
            {"challenge": challenge, "secret": _secret(secret_or_keys)})).digest()
    if mechanism == 5:
        return _gmac_response(secret_or_keys, challenge, system_title, invocation_counter,
                              0x10 | security_suite)
    if mechanism == 6:
        return hashlib.sha256(_concat(_secret(secret_or_keys), system_title, peer_system_title,
                                      challenge, sent_challenge, 6)).digest()
    if mechanism == 7:
        key = secret_or_keys
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            key = _key(secret_or_keys, "private_key", system_title)
        return signing.sign(key, _concat(b"", system_title, peer_system_title, challenge,
                                         sent_challenge, 7))
    raise SecurityError(f"HLS mechanism {mechanism} is not supported ({', '.join(map(str, MECHANISMS))} are)")


def hls_verify(mechanism: int, secret_or_keys: Any, challenge: bytes, response: bytes,
               system_title: bytes | None = None, *, peer_system_title: bytes | None = None,
               sent_challenge: bytes | None = None) -> bool:
    """True when ``response`` is the responder's correct f(``challenge``).

    The arguments describe the responder as in ``hls_response``; for mechanism 5 the security
    control and invocation counter are taken from the response, for mechanism 7 the responder's
    public key (or ``Keys`` holding it) replaces the private key.
    """
    response = bytes(response)
    if mechanism == 5:
        if len(response) != HlsGmacResponse.sizeof():
            return False
        parsed = HlsGmacResponse.parse(response)
        sc = security_control_octet(parsed.security_control)
        expected = _gmac_response(secret_or_keys, challenge, system_title,
                                  parsed.invocation_counter, sc)
        return hmac.compare_digest(expected, response)
    if mechanism == 7:
        key = secret_or_keys
        if isinstance(key, ec.EllipticCurvePrivateKey):
            key = key.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            key = _key(secret_or_keys, "public_key", system_title)
        return signing.verify(key, _concat(b"", system_title, peer_system_title, bytes(challenge),
                                           sent_challenge, 7), response)
    expected = hls_response(mechanism, secret_or_keys, challenge, system_title,
                            peer_system_title=peer_system_title, sent_challenge=sent_challenge)
    return hmac.compare_digest(expected, response)


def f_stoc(mechanism: int, secret_or_keys: Any, *, stoc: bytes, ctos: bytes | None = None,
           client_system_title: bytes | None = None, server_system_title: bytes | None = None,
           invocation_counter: int = 0, security_suite: int = 0) -> bytes:
    """f(StoC), computed by the client (which sent CtoS) to prove itself to the server."""
    return hls_response(mechanism, secret_or_keys, stoc, client_system_title, invocation_counter,
                        peer_system_title=server_system_title, sent_challenge=ctos,
                        security_suite=security_suite)


def f_ctos(mechanism: int, secret_or_keys: Any, *, ctos: bytes, stoc: bytes | None = None,
           client_system_title: bytes | None = None, server_system_title: bytes | None = None,
           invocation_counter: int = 0, security_suite: int = 0) -> bytes:
    """f(CtoS), computed by the server (which sent StoC) to prove itself to the client."""
    return hls_response(mechanism, secret_or_keys, ctos, server_system_title, invocation_counter,
                        peer_system_title=client_system_title, sent_challenge=stoc,
                        security_suite=security_suite)
