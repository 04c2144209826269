"""``security.gcm`` against an independent GCM: cryptography's ``Cipher`` with ``modes.GCM``.

``gcm`` deciphers with one-shot ``AESGCM`` calls and recomputes the 12-octet tag instead of
feeding a GCM decryption context; these properties pin it to the textbook construction for every
security control octet, suite key length, AAD header and plaintext length: the same ciphertext
and tag when protecting, the plaintext back when unprotecting, and a refusal for any other tag.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from translator.security import TagMismatchError, gcm
from translator.security.layouts import initialization_vector

SECURITY_CONTROLS = [a | e | suite for a in (0, 0x10) for e in (0, 0x20) for suite in (0, 1, 2)
                     if a or e]


def _reference(sc: int, key: bytes, ak: bytes, iv: bytes, plaintext: bytes,
               header: bytes) -> tuple[bytes, bytes | None]:
    """Green Book 9.2.7.2.4 written with cryptography's streaming GCM (full 16-octet tag)."""
    auth, enc = bool(sc & 0x10), bool(sc & 0x20)
    ctx = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()
    if auth:  # AAD = SC || AK || header (general-ciphering) || plaintext (A only)
        ctx.authenticate_additional_data(bytes([sc]) + ak + header + (b"" if enc else plaintext))
    text = ctx.update(plaintext) if enc else b""
    ctx.finalize()
    return (text if enc else plaintext), (ctx.tag[:12] if auth else None)


@settings(max_examples=300, deadline=None)
@given(sc=st.sampled_from(SECURITY_CONTROLS), data=st.data(),
       title=st.binary(min_size=8, max_size=8), counter=st.integers(0, 2**32 - 1),
       plaintext=st.binary(max_size=300), header=st.binary(max_size=40))
def test_protect_and_unprotect_match_the_textbook_gcm(sc, data, title, counter, plaintext, header):
    size = gcm.KEY_LENGTHS[sc & 0x0F]
    key = data.draw(st.binary(min_size=size, max_size=size))
    ak = data.draw(st.binary(min_size=16, max_size=16))
    iv = initialization_vector(title, counter)
    want_text, want_tag = _reference(sc, key, ak, iv, plaintext, header)

    text, tag = gcm.encrypt(sc, key, title, counter, plaintext, ak, header)
    assert (text, tag) == (want_text, want_tag)

    back, verified = gcm.decrypt(sc, key, title, counter, text, tag, ak, header)
    assert back == plaintext and verified == bool(sc & 0x10)

    if tag is not None:
        bad = bytes([tag[0] ^ 1]) + tag[1:]
        with pytest.raises(TagMismatchError):
            gcm.decrypt(sc, key, title, counter, text, bad, ak, header)
        unverified, ok = gcm.decrypt(sc, key, title, counter, text, tag, None, header)
        assert unverified == plaintext and not ok


def test_gmac_is_the_tag_of_an_empty_plaintext():
    key, iv, aad = bytes(range(16)), bytes(12), b"\x10" + bytes(range(16, 48))
    ctx = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()
    ctx.authenticate_additional_data(aad)
    ctx.finalize()
    assert gcm.gmac(key, iv, aad) == ctx.tag[:12]
