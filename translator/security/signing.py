"""Elliptic-curve primitives of security suites 1 and 2: ECDSA, ECDH and the key-derivation function.

Suite 1 is ECDH-ECDSA-AES-GCM-128-SHA-256 on NIST P-256, suite 2 ECDH-ECDSA-AES-GCM-256-SHA-384
on P-384 (Green Book 9.2.3.3). DLMS carries signatures raw, as r || s with each half the size of
the curve (64 or 96 octets), and public keys raw as x || y, not in DER: this module converts at
the border so the rest of the package only sees DLMS octets. All arithmetic is `cryptography`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

from .errors import KeyringError, SecurityError

__all__ = [
    "SUITES",
    "Suite",
    "derive_key",
    "generate_private_key",
    "load_private_key",
    "load_public_key",
    "public_key_from_raw",
    "raw_public_key",
    "shared_secret",
    "sign",
    "suite_of",
    "verify",
]


@dataclass(frozen=True)
class Suite:
    """What one asymmetric security suite fixes: curve, hash, field size and symmetric key size."""

    number: int
    curve: type[ec.EllipticCurve]
    hash: type[hashes.HashAlgorithm]
    size: int          # octets of one coordinate, of r and of s
    key_length: int    # octets of the AES key it protects with


SUITES = {
    1: Suite(1, ec.SECP256R1, hashes.SHA256, 32, 16),
    2: Suite(2, ec.SECP384R1, hashes.SHA384, 48, 32),
}
"""Security suite id -> its parameters (suite 0 has no asymmetric part)."""

_BY_CURVE = {s.curve.name: s for s in SUITES.values()}
_BY_SIZE = {s.size: s for s in SUITES.values()}


def suite_of(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> Suite:
    """The suite whose curve ``key`` is on (P-256 -> 1, P-384 -> 2)."""
    suite = _BY_CURVE.get(key.curve.name)
    if suite is None:
        raise SecurityError(f"curve {key.curve.name} belongs to no DLMS security suite "
                            "(P-256 for suite 1, P-384 for suite 2)")
    return suite


def _text(value: str | bytes) -> str | None:
    """Strings are PEM or hex; bytes are raw key octets unless they hold a PEM block."""
    if isinstance(value, (bytes, bytearray)):
        if b"-----BEGIN" in value:
            return bytes(value).decode("ascii", "replace")
        return None
    return value


def _hex(value: str, what: str) -> bytes:
    cleaned = "".join(value.split())
    if cleaned[:2].lower() == "0x":
        cleaned = cleaned[2:]
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise KeyringError(f"{what}: neither PEM nor hex") from None


def load_private_key(value: str | bytes | ec.EllipticCurvePrivateKey,
                     what: str = "private key") -> ec.EllipticCurvePrivateKey:
    """A P-256/P-384 private key from PEM (PKCS#8 or SEC1), or hex of the raw scalar (32/48 octets).

    ``what`` names the entry in error messages (the key itself never appears there).
    """
    if isinstance(value, ec.EllipticCurvePrivateKey):
        suite_of(value)
        return value
    text = _text(value)
    if text is not None and "-----BEGIN" in text:
        try:
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError):
            raise KeyringError(f"{what}: PEM that is no unencrypted private key") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise KeyringError(f"{what}: not an elliptic-curve key")
        suite_of(key)
        return key
    raw = _hex(text, what) if text is not None else bytes(value)
    suite = _BY_SIZE.get(len(raw))
    if suite is None:
        raise KeyringError(f"{what}: a raw private key has 32 (P-256) or 48 (P-384) octets, "
                           f"got {len(raw)}")
    try:
        return ec.derive_private_key(int.from_bytes(raw, "big"), suite.curve())
    except ValueError:
        raise KeyringError(f"{what}: not a valid scalar for {suite.curve.name}") from None


def load_public_key(value: str | bytes | ec.EllipticCurvePublicKey,
                    what: str = "public key") -> ec.EllipticCurvePublicKey:
    """A P-256/P-384 public key from PEM, or hex of x || y (optionally 04 || x || y)."""
    if isinstance(value, ec.EllipticCurvePublicKey):
        suite_of(value)
        return value
    text = _text(value)
    if text is not None and "-----BEGIN" in text:
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, TypeError):
            raise KeyringError(f"{what}: PEM that is no public key") from None
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise KeyringError(f"{what}: not an elliptic-curve key")
        suite_of(key)
        return key
    raw = _hex(text, what) if text is not None else bytes(value)
    return public_key_from_raw(raw, what)


def public_key_from_raw(raw: bytes, what: str = "public key") -> ec.EllipticCurvePublicKey:
    """x || y (64 or 96 octets, as DLMS sends ephemeral keys), or the uncompressed 04 || x || y."""
    raw = bytes(raw)
    if len(raw) in (65, 97) and raw[0] == 4:
        raw = raw[1:]
    suite = _BY_SIZE.get(len(raw) // 2) if len(raw) % 2 == 0 else None
    if suite is None:
        raise SecurityError(f"{what}: a raw public key has 64 (P-256) or 96 (P-384) octets, "
                            f"got {len(raw)}")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(suite.curve(), b"\x04" + raw)
    except ValueError:
        raise SecurityError(f"{what}: not a point on {suite.curve.name}") from None


def raw_public_key(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> bytes:
    """x || y of a public key (of the private key's public half), as DLMS carries it."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        key = key.public_key()
    point = key.public_bytes(serialization.Encoding.X962,
                             serialization.PublicFormat.UncompressedPoint)
    return point[1:]


def generate_private_key(suite: int) -> ec.EllipticCurvePrivateKey:
    """A fresh key on the suite's curve (ephemeral keys, tests)."""
    return ec.generate_private_key(_suite(suite).curve())


def _suite(number: int) -> Suite:
    if number not in SUITES:
        raise SecurityError(f"security suite {number} has no elliptic-curve part (1 or 2 expected)")
    return SUITES[number]


def sign(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """ECDSA over ``data`` with the curve's hash; the signature raw, r || s."""
    suite = suite_of(private_key)
    der = private_key.sign(bytes(data), ec.ECDSA(suite.hash()))
    r, s = decode_dss_signature(der)
    return r.to_bytes(suite.size, "big") + s.to_bytes(suite.size, "big")


def verify(public_key: ec.EllipticCurvePublicKey, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` (raw r || s) is ``public_key``'s ECDSA signature of ``data``."""
    suite = suite_of(public_key)
    signature = bytes(signature)
    if len(signature) != 2 * suite.size:
        return False
    r = int.from_bytes(signature[:suite.size], "big")
    s = int.from_bytes(signature[suite.size:], "big")
    try:
        public_key.verify(encode_dss_signature(r, s), bytes(data), ec.ECDSA(suite.hash()))
    except InvalidSignature:
        return False
    return True


def shared_secret(private_key: ec.EllipticCurvePrivateKey,
                  public_key: ec.EllipticCurvePublicKey) -> bytes:
    """Z of ECC CDH (NIST SP 800-56A): the x coordinate of the shared point."""
    if private_key.curve.name != public_key.curve.name:
        raise SecurityError(f"key agreement between curves {private_key.curve.name} and "
                            f"{public_key.curve.name}")
    return private_key.exchange(ec.ECDH(), public_key)


def derive_key(z: bytes, suite: int, other_info: bytes) -> bytes:
    """The concatenation KDF of NIST SP 800-56A (hash of the suite) giving the suite's AES key."""
    params = _suite(suite)
    return ConcatKDFHash(params.hash(), params.key_length, other_info).derive(z)
