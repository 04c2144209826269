"""general-ciphering and general-signing round trips with keys generated here (issue 5, item 4).

No public vector covers them, so these tests check what can be checked independently: the bytes
decode through the schema core with the header fields given, protect/unprotect and sign/verify
invert each other, and any change (a bit, a key, a title) is refused.
"""

from __future__ import annotations

import os

import pytest

import translator
from tests._vectors import vector
from translator.schema.protection import AUTHENTICATION_TAG_LENGTH
from translator.security import (
    Keyring,
    Keys,
    MissingKeyError,
    SecurityError,
    SignatureError,
    TagMismatchError,
    protect,
    sign_apdu,
    unprotect,
    unprotect_message_apdu,
)
from translator.security.signing import generate_private_key

CLIENT = bytes.fromhex("4D4D4D0000000001")
SERVER = bytes.fromhex("4D4D4D0000BC614E")
TRANSACTION = bytes.fromhex("0102030405060708")
PLAIN = bytes.fromhex(vector("crypto-glo-get-request-sc10")["checks"]["decrypted"])


def _party(suite: int) -> Keys:
    size = 16 if suite == 1 else 32
    private = generate_private_key(suite)
    return Keys(block_cipher_key=os.urandom(size), authentication_key=os.urandom(size),
                broadcast_key=os.urandom(size), master_key=os.urandom(size),
                private_key=private, public_key=private.public_key())


def _rings(suite: int) -> tuple[Keyring, Keyring]:
    """(originator's view, recipient's view): shared symmetric keys, each side's own private key
    and the other's public key."""
    client, server = _party(suite), _party(suite)
    shared = {n: getattr(client, n) for n in ("block_cipher_key", "authentication_key",
                                               "broadcast_key", "master_key")}
    sender = Keyring(titles={CLIENT: Keys(**shared, private_key=client.private_key),
                             SERVER: Keys(**shared, public_key=server.public_key)})
    receiver = Keyring(titles={CLIENT: Keys(**shared, public_key=client.public_key),
                               SERVER: Keys(**shared, private_key=server.private_key)})
    return sender, receiver


CASES = [(suite, info, scheme) for suite in (1, 2)
         for info, scheme in ((None, 1), ("identified", 1), ("wrapped", 1), ("agreed", 1),
                              ("agreed", 2))]


def _general(suite, info, scheme, sender, sc=0x30):
    return protect(PLAIN, sc | suite, CLIENT, 0x11223344, sender, service="general-ciphering",
                   recipient_system_title=SERVER, transaction_id=TRANSACTION,
                   date_time=bytes.fromhex("07E8030D0309022DFF800000"),
                   other_information=b"test", key_info=info, key_parameters=scheme)


@pytest.mark.parametrize("suite,info,scheme", CASES)
def test_general_ciphering_round_trip(suite, info, scheme):
    sender, receiver = _rings(suite)
    out = _general(suite, info, scheme, sender)
    msg = translator.decode(out, layer="apdu")
    assert not msg.errors and msg.service == "general_ciphering"
    body = msg.apdu["body"]
    assert bytes(body["transaction_id"]) == TRANSACTION
    assert bytes(body["originator_system_title"]) == CLIENT
    assert bytes(body["recipient_system_title"]) == SERVER
    assert bytes(body["other_information"]) == b"test"
    expected_info = {None: None, "identified": "identified_key", "wrapped": "wrapped_key",
                     "agreed": "agreed_key"}[info]
    assert (None if body["key_info"] is None else str(body["key_info"]["tag"])) == expected_info
    assert translator.encode(msg) == out
    u = unprotect_message_apdu(msg.apdu, receiver)
    assert u.plaintext == PLAIN and u.verified and u.decrypted
    assert u.service == "general-ciphering" and u.system_title == CLIENT
    assert str(u.apdu["tag"]) == "get_request"


@pytest.mark.parametrize("suite,info,scheme", CASES)
def test_general_ciphering_tampering_refused(suite, info, scheme):
    sender, receiver = _rings(suite)
    out = _general(suite, info, scheme, sender)
    header_end = 1 + 1 + 8 + 1 + 8 + 1 + 8     # tag, transaction-id, originator, recipient
    for index in (3, header_end - 1, len(out) - AUTHENTICATION_TAG_LENGTH - 2, len(out) - 1):
        tampered = bytearray(out)
        tampered[index] ^= 0x04
        with pytest.raises(SecurityError):
            unprotect(bytes(tampered), receiver)


def test_general_ciphering_header_is_authenticated():
    sender, receiver = _rings(1)
    out = _general(1, "identified", 1, sender)
    msg = translator.decode(out, layer="apdu")
    msg.apdu["body"]["other_information"] = b"TEST"
    with pytest.raises(TagMismatchError):
        unprotect(translator.encode(msg), receiver)


def test_wrapped_key_needs_master_key():
    sender, receiver = _rings(1)
    out = _general(1, "wrapped", 1, sender)
    no_master = Keyring(titles={t: Keys(block_cipher_key=k.block_cipher_key,
                                        authentication_key=k.authentication_key)
                                for t, k in ((CLIENT, receiver.table(CLIENT)),
                                             (SERVER, receiver.table(SERVER)))})
    with pytest.raises(MissingKeyError) as e:
        unprotect(out, no_master)
    assert e.value.key_name == "master_key"


def test_agreed_key_with_wrong_private_key_fails():
    sender, receiver = _rings(1)
    out = _general(1, "agreed", 1, sender)
    other = Keyring(titles={CLIENT: receiver.table(CLIENT),
                            SERVER: Keys(authentication_key=receiver.table(SERVER)
                                         .authentication_key,
                                         private_key=generate_private_key(1))})
    with pytest.raises(TagMismatchError):
        unprotect(out, other)


def test_one_pass_ephemeral_signature_is_checked():
    sender, receiver = _rings(2)
    out = _general(2, "agreed", 1, sender)
    forged = Keyring(titles={CLIENT: Keys(public_key=generate_private_key(2).public_key(),
                                          authentication_key=receiver.table(CLIENT)
                                          .authentication_key),
                             SERVER: receiver.table(SERVER)})
    with pytest.raises(SignatureError):
        unprotect(out, forged)


@pytest.mark.parametrize("suite,size", [(1, 64), (2, 96)])
def test_general_signing_round_trip(suite, size):
    sender, receiver = _rings(suite)
    signed = sign_apdu(PLAIN, CLIENT, sender, recipient_system_title=SERVER,
                       transaction_id=TRANSACTION)
    msg = translator.decode(signed, layer="apdu")
    assert not msg.errors and msg.service == "general_signing"
    assert bytes(msg.apdu["body"]["content"]) == PLAIN
    assert len(msg.apdu["body"]["signature"]) == size          # raw r || s
    assert translator.encode(msg) == signed
    u = unprotect_message_apdu(msg.apdu, receiver)
    assert u.signature_verified is True and u.verified and u.plaintext == PLAIN
    assert str(u.apdu["tag"]) == "get_request" and u.inner is None


@pytest.mark.parametrize("suite", [1, 2])
def test_general_signing_of_a_ciphered_apdu(suite):
    sender, receiver = _rings(suite)
    ciphered = protect(PLAIN, 0x30 | suite, CLIENT, 77, sender, service="general-glo")
    signed = sign_apdu(ciphered, CLIENT, sender, recipient_system_title=SERVER,
                       transaction_id=TRANSACTION)
    u = unprotect(signed, receiver)
    assert u.signature_verified and u.verified and u.plaintext == PLAIN
    assert u.inner is not None and u.inner.service == "general-glo"
    assert u.invocation_counter == 77


def test_general_signing_refuses_changes():
    sender, receiver = _rings(1)
    signed = sign_apdu(PLAIN, CLIENT, sender, recipient_system_title=SERVER,
                       transaction_id=TRANSACTION)
    for index in (3, len(signed) - 70, len(signed) - 1):   # header, content, signature
        tampered = bytearray(signed)
        tampered[index] ^= 0x01
        with pytest.raises(SecurityError):
            unprotect(bytes(tampered), receiver)
    stranger = Keyring(titles={CLIENT: Keys(public_key=generate_private_key(1).public_key())})
    with pytest.raises(SignatureError):
        unprotect(signed, stranger)


def test_general_signing_without_public_key_is_shown_unverified():
    sender, _ = _rings(1)
    signed = sign_apdu(PLAIN, CLIENT, sender)
    u = unprotect(signed, Keyring())
    assert u.plaintext == PLAIN and u.signature_verified is None and not u.verified
    assert "signature not verified" in u.note
