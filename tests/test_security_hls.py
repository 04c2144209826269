"""HLS f(StoC)/f(CtoS), AES key wrap and raw ECDSA against published vectors (issue 5, item 2)."""

from __future__ import annotations

import hashlib

import pytest

from tests._vectors import data, vector
from translator.security import (
    Keys,
    SecurityError,
    f_ctos,
    f_stoc,
    hls_response,
    hls_verify,
    unwrap_key,
    wrap_key,
)
from translator.security.signing import (
    generate_private_key,
    load_private_key,
    load_public_key,
    sign,
    verify,
)

GMAC = vector("crypto-hls-gmac-fstoc")["keys"]
GMAC_KEYS = Keys(block_cipher_key=GMAC["encryption_key"],
                 authentication_key=GMAC["authentication_key"])
CLIENT = bytes.fromhex(GMAC["client_system_title"])
SERVER = bytes.fromhex(GMAC["server_system_title"])
STOC = bytes.fromhex(GMAC["StoC"])
CTOS = bytes.fromhex(GMAC["CtoS"])


def test_gmac_f_stoc_recomputes_exactly():
    response = f_stoc(5, GMAC_KEYS, stoc=STOC, ctos=CTOS, client_system_title=CLIENT,
                      server_system_title=SERVER,
                      invocation_counter=int(GMAC["client_invocation_counter"], 16))
    assert response == data("crypto-hls-gmac-fstoc")
    expected = vector("crypto-hls-gmac-fstoc")["expected"]
    assert response == bytes.fromhex(expected["SC"] + expected["IC"] + expected["tag"])


def test_gmac_verification():
    response = data("crypto-hls-gmac-fstoc")
    assert hls_verify(5, GMAC_KEYS, STOC, response, CLIENT)
    assert not hls_verify(5, GMAC_KEYS, CTOS, response, CLIENT)           # other challenge
    assert not hls_verify(5, GMAC_KEYS, STOC, response, SERVER)           # other IV
    for i in range(len(response)):
        tampered = bytearray(response)
        tampered[i] ^= 0x80
        assert not hls_verify(5, GMAC_KEYS, STOC, bytes(tampered), CLIENT)
    wrong = Keys(block_cipher_key=GMAC["encryption_key"], authentication_key=bytes(16))
    assert not hls_verify(5, wrong, STOC, response, CLIENT)


def test_gmac_f_ctos_uses_server_title_and_counter():
    response = f_ctos(5, GMAC_KEYS, ctos=CTOS, stoc=STOC, client_system_title=CLIENT,
                      server_system_title=SERVER,
                      invocation_counter=int(GMAC["server_invocation_counter"], 16))
    assert response[:5] == bytes.fromhex("10" + GMAC["server_invocation_counter"])
    assert hls_verify(5, GMAC_KEYS, CTOS, response, SERVER)


SECRET = b"12345678"


@pytest.mark.parametrize("mechanism,digest", [(3, hashlib.md5), (4, hashlib.sha1)])
def test_md5_sha1_are_hash_of_challenge_then_secret(mechanism, digest):
    # Green Book: f(StoC) = MD5(StoC || HLS secret) / SHA-1(StoC || HLS secret).
    response = f_stoc(mechanism, SECRET, stoc=STOC)
    assert response == digest(STOC + SECRET).digest()
    assert hls_verify(mechanism, SECRET, STOC, response)
    assert not hls_verify(mechanism, b"12345679", STOC, response)


def test_sha256_binds_both_titles_and_challenges():
    # Green Book: f(StoC) = SHA-256(secret || SystemTitle-C || SystemTitle-S || StoC || CtoS).
    stoc = f_stoc(6, SECRET, stoc=STOC, ctos=CTOS, client_system_title=CLIENT,
                  server_system_title=SERVER)
    assert stoc == hashlib.sha256(SECRET + CLIENT + SERVER + STOC + CTOS).digest()
    ctos = f_ctos(6, SECRET, ctos=CTOS, stoc=STOC, client_system_title=CLIENT,
                  server_system_title=SERVER)
    assert ctos == hashlib.sha256(SECRET + SERVER + CLIENT + CTOS + STOC).digest()
    assert hls_verify(6, SECRET, STOC, stoc, CLIENT, peer_system_title=SERVER,
                      sent_challenge=CTOS)
    assert not hls_verify(6, SECRET, STOC, stoc, SERVER, peer_system_title=CLIENT,
                          sent_challenge=CTOS)
    with pytest.raises(SecurityError):
        f_stoc(6, SECRET, stoc=STOC)                     # titles and CtoS are needed


@pytest.mark.parametrize("suite,size", [(1, 64), (2, 96)])
def test_ecdsa_mechanism_7(suite, size):
    client = generate_private_key(suite)
    response = f_stoc(7, client, stoc=STOC, ctos=CTOS, client_system_title=CLIENT,
                      server_system_title=SERVER)
    assert len(response) == size
    public = Keys(public_key=client.public_key())
    assert hls_verify(7, public, STOC, response, CLIENT, peer_system_title=SERVER,
                      sent_challenge=CTOS)
    # Signed data: SystemTitle-C || SystemTitle-S || StoC || CtoS (Green Book).
    assert verify(client.public_key(), CLIENT + SERVER + STOC + CTOS, response)
    assert not hls_verify(7, public, CTOS, response, CLIENT, peer_system_title=SERVER,
                          sent_challenge=STOC)
    other = Keys(public_key=generate_private_key(suite).public_key())
    assert not hls_verify(7, other, STOC, response, CLIENT, peer_system_title=SERVER,
                          sent_challenge=CTOS)


def test_unknown_mechanism():
    with pytest.raises(SecurityError, match="mechanism 2"):
        hls_response(2, SECRET, STOC)


def test_key_wrap_vector():
    k = vector("crypto-key-wrap-jdlms")["keys"]
    kek, key = bytes.fromhex(k["master_key_KEK"]), bytes.fromhex(k["key_to_wrap"])
    assert wrap_key(kek, key) == data("crypto-key-wrap-jdlms")
    assert unwrap_key(kek, data("crypto-key-wrap-jdlms")) == key
    with pytest.raises(SecurityError, match="key unwrap failed"):
        unwrap_key(bytes(16), data("crypto-key-wrap-jdlms"))
    tampered = bytearray(data("crypto-key-wrap-jdlms"))
    tampered[-1] ^= 1
    with pytest.raises(SecurityError):
        unwrap_key(kek, bytes(tampered))


def test_raw_ecdsa_signature_vector():
    # Ephemeral public key signature example (Green Book key agreement annex, as quoted in
    # Gurux.DLMS.Java GXSymmetricTest.generateEphemeralPublicKeySignatureTest): client signing
    # key pair, ephemeral public key, and the raw r || s signature of 00 || ephemeral key.
    private = load_private_key("418073C239FA6125011DE4D6CD2E645780289F761BB21BFB0835CB5585E8B373")
    public = load_public_key("BAAFFDE06A8CB1C9DAE8D94023C601DBBB249254BA22EDD827E820BCA2BCC643"
                             "62FBB83D86A82B87BB8B7161D2AAB5521911A946B97A284A90F7785CD9047D25")
    assert private.public_key().public_numbers() == public.public_numbers()
    ephemeral = bytes.fromhex(
        "2914D60E10AB705F62ED6CC349D7CB99B9AB3F3978E59278C7AF595B3AF98794"
        "1372DAB6D5AF1FA867E134167E6F23DE664A6693E05F43414611058D1B48F894")
    signature = bytes.fromhex(
        "06F0607702AA0E2435A183E2F6B1ECD19629712E389A213610C03F77B2590860"
        "EA840AF5C3FA1F2BCDF055D4744E9A01CE9A0E55026BCAA4EEBEB764CED64BB3")
    assert verify(public, b"\x00" + ephemeral, signature)
    assert not verify(public, b"\x01" + ephemeral, signature)
    mine = sign(private, b"\x00" + ephemeral)
    assert len(mine) == 64 and verify(public, b"\x00" + ephemeral, mine)
