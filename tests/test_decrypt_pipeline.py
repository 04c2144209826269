"""decode(..., keys=...) deciphers protected APDUs wherever they sit (issue 5, acceptance 1).

Plaintexts come from the vectors' `checks` (recomputed independently) and their sources.
"""

from __future__ import annotations

import pytest

from tests._vectors import data, vector
from translator import decode, decode_all
from translator.security import Keyring, Keys, TagMismatchError


def _keys(v: dict) -> Keyring:
    k = v["keys"]
    return Keyring(Keys(block_cipher_key=k["encryption_key"],
                        authentication_key=k.get("authentication_key")))


CASES = {
    # vector id -> system title of the sender when the APDU does not carry it
    "wrapper-udp-ggc-ic-0001e502": None,
    "wrapper-udp-ggc-ic-0001e603": None,
    "xdlms-ggc-dummykey-notification": None,
    "acse-aarq-glo-initiate-greenbook": None,          # calling-AP-title in the AARQ
    "acse-rlre-glo-initiate-response-greenbook": "server_system_title",
    "crypto-glo-get-request-sc20": "system_title",
    "crypto-glo-get-request-sc10": "system_title",
    "push-lg-e570-encrypted-valid-data": None,          # GBT-reassembled general-glo-ciphering
    "mbus-kaifa-tinetz-ciphered": None,                 # M-Bus segments joined
}


def _plaintext(v: dict) -> bytes:
    checks = v["checks"]
    if "decrypted" in checks:
        return bytes.fromhex(checks["decrypted"])
    if "plaintext" in v["expected"]:
        return bytes.fromhex(v["expected"]["plaintext"])
    return bytes.fromhex(checks["decrypted_head"])


@pytest.mark.parametrize("vid", sorted(CASES))
def test_vectors_decipher_to_their_plaintext(vid):
    v = vector(vid)
    title = v["keys"].get(CASES[vid]) if CASES[vid] else None
    msg = decode(data(vid), keys=_keys(v), system_title=title)
    assert msg.security is not None, msg.notes
    plain = _plaintext(v)
    assert msg.security.plaintext.startswith(plain)
    if "decrypted_length" in v["checks"]:
        assert len(msg.security.plaintext) == v["checks"]["decrypted_length"]
    assert msg.cleartext is msg.security.apdu and msg.cleartext is not None
    assert not msg.errors
    assert any(name == "plaintext" for name, _ in msg.layers)


def test_only_block_cipher_key_marks_tag_not_verified():
    v = vector("xdlms-ggc-dummykey-notification")
    keys = Keyring(Keys(block_cipher_key=v["keys"]["encryption_key"]))
    msg = decode(data(v["id"]), keys=keys)
    assert msg.security.decrypted and not msg.security.verified
    assert "not verified" in msg.security.note
    assert msg.security.plaintext == bytes.fromhex(v["checks"]["decrypted"])


def test_wrong_key_is_an_error_never_garbage():
    v = vector("xdlms-ggc-dummykey-notification")
    wrong = Keyring(Keys(block_cipher_key="00" * 16, authentication_key="00" * 16))
    msg = decode(data(v["id"]), keys=wrong, strict=False)
    assert msg.security is None
    assert any(isinstance(e, TagMismatchError) for e in msg.errors)
    with pytest.raises(TagMismatchError):
        decode(data(v["id"]), keys=wrong)


def test_missing_key_is_a_note_and_the_ciphertext_stays():
    v = vector("xdlms-ggc-dummykey-notification")
    other = Keyring(titles={"0102030405060708": Keys(block_cipher_key="00" * 16)})
    msg = decode(data(v["id"]), keys=other)
    assert msg.security is None and not msg.errors
    assert msg.notes and "2F19229199164103" in msg.notes[0].upper()
    assert msg.service == "general_glo_ciphering"


def test_keys_from_a_toml_file(tmp_path):
    v = vector("wrapper-udp-ggc-ic-0001e502")
    path = tmp_path / "keys.toml"
    path.write_text('[system_title.2F19229199164103]\n'
                    f'block_cipher_key = "{v["keys"]["encryption_key"]}"\n'
                    f'authentication_key = "{v["keys"]["authentication_key"]}"\n')
    (msg,) = decode_all(data(v["id"]), keys=str(path))
    assert msg.security.verified
    assert msg.security.plaintext == bytes.fromhex(v["checks"]["decrypted"])
    assert str(msg.security.apdu.tag) == "data_notification"
