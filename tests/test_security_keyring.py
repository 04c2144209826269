"""Keyring loading and lookup, and the rule that no key ever shows in a text (DESIGN section 3)."""

from __future__ import annotations

import logging

import pytest

import translator
from tests._vectors import VECTORS, data, vector
from translator.security import (
    Keyring,
    KeyringError,
    Keys,
    SecurityContext,
    SecurityError,
    protect,
    sign_apdu,
    unprotect,
    unprotect_message_apdu,
)
from translator.security.signing import generate_private_key, raw_public_key

GB = vector("acse-aarq-glo-initiate-greenbook")["keys"]
TITLE = "2F19229199164103"          # the FIO gas meter of the UDP push vectors
GB_TITLE = bytes.fromhex(GB["system_title"])

KEYS_TOML = f"""
[default]
block_cipher_key = "{GB['encryption_key']}"
authentication_key = "{GB['authentication_key']}"

[system_title.{TITLE}]
block_cipher_key = "{vector('xdlms-ggc-dummykey-notification')['keys']['encryption_key']}"
dedicated_key = "00112233445566778899AABBCCDDEEFF"
"""


def test_load_and_lookup(tmp_path):
    path = tmp_path / "keys.toml"
    path.write_text(KEYS_TOML)
    ring = Keyring.load(path)
    own = ring.for_title(bytes.fromhex(TITLE))
    assert own.block_cipher_key == bytes.fromhex("4D5944554D4D59474C4F42414C4B4559")
    assert own.authentication_key is None          # no merging with [default]
    assert own.dedicated_key == bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    other = ring.for_title(GB_TITLE)
    assert other.block_cipher_key == bytes.fromhex(GB["encryption_key"])
    assert ring.for_title(b"") is ring.default and ring.for_title(None) is ring.default
    assert ring.lookup(GB_TITLE, bytes.fromhex(TITLE)) is own
    assert ring.lookup(GB_TITLE, None) is ring.default
    assert ring.system_titles == [bytes.fromhex(TITLE)]


def test_keys_file_decrypts_vectors(tmp_path):
    path = tmp_path / "keys.toml"
    dummy = vector("xdlms-ggc-dummykey-notification")["keys"]["authentication_key"]
    path.write_text(KEYS_TOML + f'authentication_key = "{dummy}"\n')   # into the title's table
    ring = Keyring.load(path)
    vid = "crypto-glo-get-request-sc10"            # no table for its title: [default]
    msg = translator.decode(data(vid), layer="apdu")
    u = unprotect_message_apdu(msg.apdu, ring, SecurityContext(client_system_title=GB_TITLE))
    assert u.plaintext.hex() == vector(vid)["checks"]["decrypted"] and u.verified
    vid = "xdlms-ggc-dummykey-notification"        # its own table
    u = unprotect_message_apdu(translator.decode(data(vid), layer="apdu").apdu, ring)
    assert u.plaintext.hex() == vector(vid)["checks"]["decrypted"] and u.verified


def test_from_env():
    ring = Keyring.from_env({"DLMS_BLOCK_CIPHER_KEY": GB["encryption_key"],
                             "DLMS_AUTHENTICATION_KEY": GB["authentication_key"].lower()})
    assert ring.default.block_cipher_key == bytes.fromhex(GB["encryption_key"])
    assert ring.default.authentication_key == bytes.fromhex(GB["authentication_key"])
    assert not Keyring.from_env({})


def test_asymmetric_keys_pem_and_hex(tmp_path):
    from cryptography.hazmat.primitives import serialization
    private = generate_private_key(2)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public_hex = raw_public_key(private).hex()
    path = tmp_path / "keys.toml"
    path.write_text(f'[system_title.{TITLE}]\nprivate_key = """{pem}"""\n'
                    f'public_key = "{public_hex}"\n')
    keys = Keyring.load(path).for_title(bytes.fromhex(TITLE))
    assert keys.private_key.private_numbers() == private.private_numbers()
    assert keys.public_key.public_numbers() == private.public_key().public_numbers()
    scalar = private.private_numbers().private_value.to_bytes(48, "big").hex()
    assert Keys(private_key=scalar).private_key.private_numbers() == private.private_numbers()


@pytest.mark.parametrize("toml,fragment", [
    ('[default]\nblock_cipher_key = "00112233445566778899AABBCCDDEEZZ"\n', "not hex"),
    ('[default]\nblock_cipher_key = "0011223344"\n', "16 or 32 octets, got 5"),
    ('[default]\nblock_ciper_key = "00112233445566778899AABBCCDDEEFF"\n', "unknown key name"),
    ('[defaults]\n', "unknown table"),
    ('[system_title.XYZ]\nblock_cipher_key = "00112233445566778899AABBCCDDEEFF"\n',
     "a system title is hex"),
    ('[default]\nblock_cipher_key = 00112233445566778899AABBCCDDEEFF\n', "not valid TOML"),
    ('[default]\nprivate_key = "00112233"\n', "32 (P-256) or 48 (P-384)"),
])
def test_bad_keys_file_names_the_entry_not_the_value(tmp_path, toml, fragment):
    path = tmp_path / "keys.toml"
    path.write_text(toml)
    with pytest.raises(KeyringError) as e:
        Keyring.load(path)
    assert fragment in str(e.value)
    assert "00112233445566778899" not in str(e.value).upper()


def test_repr_shows_names_only():
    keys = Keys(block_cipher_key=GB["encryption_key"], authentication_key=GB["authentication_key"])
    assert repr(keys) == "Keys(block_cipher_key, authentication_key)"
    ring = Keyring(keys, {TITLE: keys})
    assert repr(ring) == (f"Keyring(default=Keys(block_cipher_key, authentication_key), "
                          f"{TITLE}: Keys(block_cipher_key, authentication_key))")


def _secrets() -> list[bytes]:
    out = set()
    for v in VECTORS.values():
        for name, value in (v.get("keys") or {}).items():
            if name.endswith(("key", "KEK")) or name == "key_to_wrap":
                out.add(bytes.fromhex(value))
    out.add(bytes.fromhex("00112233445566778899AABBCCDDEEFF"))     # the learnt dedicated key
    return sorted(out)


def test_no_key_material_in_errors_reprs_or_logs(caplog):
    """Every key of the vectors, in upper and lower case hex, against every text produced."""
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    private = generate_private_key(1)
    signing_hex = private.private_numbers().private_value.to_bytes(32, "big")

    def run(action):
        try:
            result = action()
        except (SecurityError, ValueError) as e:   # DecodeError and KeyringError included
            texts.extend([str(e), repr(e), *map(str, e.args)])
        else:
            texts.extend([repr(result), str(result)])
            if hasattr(result, "summary"):
                texts.append(str(result.summary()))

    for vid in [v for v in VECTORS if VECTORS[v].get("keys") and VECTORS[v]["layer"] != "crypto"]:
        k = VECTORS[vid]["keys"]
        good = Keys(block_cipher_key=k["encryption_key"],
                    authentication_key=k.get("authentication_key"))
        wrong = Keys(block_cipher_key=bytes(16), authentication_key=k.get("authentication_key"))
        for keys in (good, wrong, Keyring(), Keyring(good, {TITLE: good})):
            ctx = SecurityContext(bytes.fromhex(TITLE), bytes.fromhex(TITLE))
            for msg in translator.decode_all(data(vid)):
                run(lambda m=msg, k=keys, x=ctx: unprotect_message_apdu(m.apdu, k, x))
            texts.extend([repr(keys), repr(ctx)])
    keys = Keys(block_cipher_key=GB["encryption_key"], authentication_key=GB["authentication_key"],
                private_key=private)
    run(lambda: protect(b"\x01", 0x30, bytes.fromhex(TITLE), 1, keys))
    run(lambda: protect(b"\xc0\x01\x00\x00\x08\x00\x00\x01\x00\x00\xff\x02\x00", 0x32,
                        bytes.fromhex(TITLE), 1, keys))
    run(lambda: unprotect(sign_apdu(b"\x0e\x01\x00", bytes.fromhex(TITLE), keys), keys))
    run(lambda: Keys(block_cipher_key=GB["encryption_key"][:-2]))
    run(lambda: Keyring.loads(f'[default]\nblock_cipher_key = {GB["encryption_key"]}\n'))
    run(lambda: Keyring.loads(f'[default]\nblock_cipher_key = "{GB["encryption_key"]}Z"\n'))
    texts.extend(record.getMessage() for record in caplog.records)
    assert len(texts) > 50
    blob = "\n".join(texts)
    for secret in _secrets() + [signing_hex]:
        for form in (secret.hex(), secret.hex().upper()):
            assert form not in blob, "key material leaked"
