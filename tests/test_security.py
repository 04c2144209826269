"""Unprotect and protect ciphered APDUs with the real vectors' published keys (issue 5).

Expected plaintexts come from the vectors' ``checks``/``expected`` (recomputed independently when
the vector set was made, and equal to Gurux's decryption), expected ciphertexts from the vectors'
own octets (Green Book examples).
"""

from __future__ import annotations

import os

import pytest

import translator
from tests._vectors import VECTORS, data, vector
from translator.errors import DecodeError
from translator.schema import _core
from translator.schema.apdu import Apdu
from translator.security import (
    Keyring,
    Keys,
    MissingKeyError,
    MissingSecurityInfo,
    MissingSystemTitleError,
    SecurityContext,
    SecurityError,
    TagMismatchError,
    UnsupportedSecurityError,
    protect,
    unprotect,
    unprotect_message_apdu,
)

KEYED = [v["id"] for v in VECTORS.values() if v.get("keys") and v["layer"] != "crypto"]
AUTHENTICATED = ["crypto-glo-get-request-sc10", "acse-aarq-glo-initiate-greenbook",
                 "acse-rlre-glo-initiate-response-greenbook", "xdlms-ggc-dummykey-notification",
                 "wrapper-udp-ggc-ic-0001e502", "wrapper-udp-ggc-ic-0001e603"]
GB_TITLE = bytes.fromhex("4D4D4D0000BC614E")


def keys_of(vid: str, authentication: bool = True) -> Keys:
    k = vector(vid)["keys"]
    return Keys(block_cipher_key=k["encryption_key"],
                authentication_key=k.get("authentication_key") if authentication else None)


def context_of(vid: str) -> SecurityContext:
    """The association facts a vector publishes (its glo- services carry no system title)."""
    k = vector(vid)["keys"]
    ctx = SecurityContext()
    if k.get("system_title"):
        ctx.client_system_title = bytes.fromhex(k["system_title"])
    if k.get("server_system_title"):
        ctx.server_system_title = bytes.fromhex(k["server_system_title"])
    return ctx


def expected_plaintext(vid: str) -> tuple[str | None, str | None, int | None]:
    """(whole plaintext, head, length) as the vector states them."""
    v = vector(vid)
    checks, expected = v.get("checks", {}), v.get("expected")
    if checks.get("decrypted"):
        return checks["decrypted"], None, None
    if isinstance(expected, dict) and expected.get("plaintext"):
        return expected["plaintext"], None, None
    return None, checks["decrypted_head"], checks["decrypted_length"]


def unprotect_vector(vid: str, keys=None, ctx=None):
    """Every message of the vector's octets through the pipeline, unprotected where protected."""
    keys = keys_of(vid) if keys is None else keys
    ctx = context_of(vid) if ctx is None else ctx
    results = []
    for msg in translator.decode_all(data(vid)):
        assert not msg.errors, msg.errors
        result = unprotect_message_apdu(msg.apdu, keys, ctx)
        if result is not None:
            results.append(result)
    return results


def test_every_keyed_vector_is_covered():
    assert len(KEYED) == 9


@pytest.mark.parametrize("vid", KEYED)
def test_vector_decrypts_to_its_plaintext(vid):
    results = unprotect_vector(vid)
    assert len(results) == 1
    u = results[0]
    whole, head, length = expected_plaintext(vid)
    if whole is not None:
        assert u.plaintext == bytes.fromhex(whole)
    else:
        assert u.plaintext.startswith(bytes.fromhex(head))
        assert len(u.plaintext) == length
    assert u.error is None
    assert u.apdu is not None
    assert _core.span_of(u.apdu) == (0, len(u.plaintext))   # cleartext spans are into plaintext
    gurux = vector(vid).get("gurux_decrypted_plaintext")
    if gurux:
        assert u.plaintext.hex() == gurux


@pytest.mark.parametrize("vid", KEYED)
def test_header_facts(vid):
    u = unprotect_vector(vid)[0]
    checks = vector(vid)["checks"].get("ggc")
    if checks:
        assert u.system_title.hex() == checks["system_title"]
        assert f"{u.security_control:02x}" == checks["security_control"]
        assert u.invocation_counter == checks["invocation_counter"]
    authenticated = vid in AUTHENTICATED
    assert u.verified is authenticated
    assert u.decrypted is (vid != "crypto-glo-get-request-sc10")
    if not authenticated:
        assert "no authentication tag" in u.note


def test_udp_pushes_real_invocation_counters():
    # The vectors' ids and 'expected' say 0x0001E502/0x0001E603; the octets are SC 0x30 then
    # 00 00 01 E5 / 00 00 01 E6 (brief note), and the tag verifies only with those.
    assert unprotect_vector("wrapper-udp-ggc-ic-0001e502")[0].invocation_counter == 0x000001E5
    assert unprotect_vector("wrapper-udp-ggc-ic-0001e603")[0].invocation_counter == 0x000001E6


def test_cleartext_apdus_decode():
    names = {vid: str(unprotect_vector(vid)[0].apdu["tag"]) for vid in KEYED}
    assert names["acse-aarq-glo-initiate-greenbook"] == "initiate_request"
    assert names["acse-rlre-glo-initiate-response-greenbook"] == "initiate_response"
    assert names["crypto-glo-get-request-sc10"] == "get_request"
    for vid in ("push-lg-e570-encrypted-valid-data", "mbus-kaifa-tinetz-ciphered",
                "xdlms-ggc-dummykey-notification"):
        assert names[vid] == "data_notification"
    u = unprotect_vector("crypto-glo-get-request-sc20")[0]
    descriptor = u.apdu["body"]["get_request"]["cosem_attribute_descriptor"]
    assert (descriptor["class_id"], bytes(descriptor["instance_id"]), descriptor["attribute_id"]) \
        == (8, bytes([0, 0, 1, 0, 0, 255]), 2)     # Clock 0.0.1.0.0.255 attribute 2


def test_aarq_user_information_location_and_dedicated_key_learnt():
    vid = "acse-aarq-glo-initiate-greenbook"
    ctx = SecurityContext()
    msg = translator.decode(data(vid), layer="apdu")
    u = unprotect_message_apdu(msg.apdu, keys_of(vid), ctx)
    assert u.location == "user_information"
    assert u.system_title == bytes.fromhex(vector(vid)["keys"]["system_title"])
    assert ctx.client_system_title == u.system_title          # calling-AP-title learnt
    # expected.meaning: "InitiateRequest with dedicated-key 00112233445566778899AABBCCDDEEFF"
    assert ctx.dedicated_key == bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    start, length = u.span
    assert data(vid)[start:start + length].hex().startswith("213030")   # glo-initiate, SC 0x30
    assert start + length == len(data(vid))


def test_ded_service_uses_learnt_dedicated_key():
    vid = "acse-aarq-glo-initiate-greenbook"
    ctx = SecurityContext()
    keys = keys_of(vid)
    unprotect_message_apdu(translator.decode(data(vid), layer="apdu").apdu, keys, ctx)
    plain = bytes.fromhex(vector("crypto-glo-get-request-sc10")["checks"]["decrypted"])
    dedicated = Keys(dedicated_key="00112233445566778899AABBCCDDEEFF",
                     authentication_key=vector(vid)["keys"]["authentication_key"])
    ded = protect(plain, 0x30, GB_TITLE, 5, dedicated, service="ded")
    assert ded[0] == 0xD0                 # ded-get-request
    msg = translator.decode(ded, layer="apdu")
    u = unprotect_message_apdu(msg.apdu, keys, ctx)       # keys hold no dedicated key
    assert u.plaintext == plain and u.verified and u.service == "ded"
    with pytest.raises(MissingKeyError) as e:
        unprotect_message_apdu(msg.apdu, keys, SecurityContext(client_system_title=GB_TITLE))
    assert e.value.key_name == "dedicated_key"


@pytest.mark.parametrize("vid,sc", [("crypto-glo-get-request-sc10", 0x10),
                                    ("crypto-glo-get-request-sc20", 0x20)])
def test_protect_green_book_plaintext_gives_vector(vid, sc):
    k = vector(vid)["keys"]
    out = protect(bytes.fromhex(vector(vid)["expected"]["plaintext"]), sc,
                  bytes.fromhex(k["system_title"]), int(k["invocation_counter"], 16), keys_of(vid))
    assert out == data(vid)


def test_protect_green_book_glo_initiate_gives_aarq_user_information():
    vid = "acse-aarq-glo-initiate-greenbook"
    out = protect(bytes.fromhex(vector(vid)["expected"]["plaintext_initiate_request"]), 0x30,
                  bytes.fromhex(vector(vid)["keys"]["system_title"]), 0x01234567, keys_of(vid))
    assert data(vid).endswith(out)        # the user-information's octet string content


def test_protect_rlre_initiate_response():
    vid = "acse-rlre-glo-initiate-response-greenbook"
    # expected.apdu: "... BE 23 04 21 28 1F 30 01234567 <ciphertext+tag>"
    out = protect(bytes.fromhex(vector(vid)["checks"]["decrypted"]), 0x30,
                  bytes.fromhex(vector(vid)["keys"]["server_system_title"]), 0x01234567,
                  keys_of(vid))
    assert data(vid).endswith(out)


def test_protect_general_glo_push_gives_vector():
    vid = "xdlms-ggc-dummykey-notification"
    out = protect(bytes.fromhex(vector(vid)["checks"]["decrypted"]), 0x30,
                  bytes.fromhex("2F19229199164103"), 0x1E5, keys_of(vid), service="general-glo")
    assert out == data(vid)


def _protected_octets(vid: str) -> tuple[bytes, int, int]:
    """The vector's octets and the span of its protected APDU."""
    raw = data(vid)
    msg = translator.decode_all(raw)[0]
    if vid.startswith("acse-"):
        start, length = unprotect_vector(vid)[0].span
        return raw, start, length
    return raw, msg.apdu_offset, len(msg.apdu_bytes)


@pytest.mark.parametrize("vid", AUTHENTICATED)
def test_any_flipped_bit_in_an_authenticated_apdu_is_refused(vid):
    raw, start, length = _protected_octets(vid)
    keys, accepted = keys_of(vid), []
    for i in range(start, start + length):
        for bit in range(8):
            tampered = bytearray(raw)
            tampered[i] ^= 1 << bit
            try:
                unprotect_vector_bytes(bytes(tampered), keys, context_of(vid))
            except (SecurityError, DecodeError):
                continue
            accepted.append((i, bit))
    assert accepted == []


def unprotect_vector_bytes(raw: bytes, keys, ctx):
    msgs = translator.decode_all(raw)
    for msg in msgs:
        if msg.errors:
            raise msg.errors[0]
        if msg.warnings:  # a length outside the authenticated data: read anyway, never silently
            raise DecodeError("test", msg.warnings[0].offset, "no warning", msg.warnings[0].text)
        result = unprotect_message_apdu(msg.apdu, keys, ctx)
        if result is None:
            raise DecodeError("test", 0, "a protected APDU", "none")


@pytest.mark.parametrize("vid", AUTHENTICATED)
@pytest.mark.parametrize("which", ["block_cipher_key", "authentication_key"])
def test_wrong_key_is_a_tag_mismatch(vid, which):
    good = keys_of(vid)
    wrong = bytearray(getattr(good, which))
    wrong[0] ^= 0x01
    keys = Keys(**{"block_cipher_key": good.block_cipher_key,
                      "authentication_key": good.authentication_key, which: bytes(wrong)})
    with pytest.raises(TagMismatchError) as e:
        unprotect_vector(vid, keys)
    text = str(e.value)
    assert "authentication tag mismatch for system title" in text
    assert f"invocation counter {unprotect_vector(vid)[0].invocation_counter}" in text


@pytest.mark.parametrize("vid", ["crypto-glo-get-request-sc20", "push-lg-e570-encrypted-valid-data",
                                 "mbus-kaifa-tinetz-ciphered"])
def test_wrong_key_without_tag_is_an_error_not_garbage(vid):
    with pytest.raises(SecurityError, match="no valid APDU"):
        unprotect_vector(vid, Keys(block_cipher_key=bytes(range(0xA0, 0xB0))))


@pytest.mark.parametrize("vid", [v for v in AUTHENTICATED if v != "crypto-glo-get-request-sc10"])
def test_block_cipher_key_alone_decrypts_unverified(vid):
    u = unprotect_vector(vid, keys_of(vid, authentication=False))[0]
    assert u.plaintext == bytes.fromhex(expected_plaintext(vid)[0])
    assert u.verified is False and u.decrypted is True
    assert "tag not verified" in u.note


def test_authentication_only_needs_both_keys():
    # The text is in clear, but without the tag checked a flipped A/E bit would go unnoticed.
    vid = "crypto-glo-get-request-sc10"
    k = vector(vid)["keys"]
    with pytest.raises(MissingKeyError) as e:
        unprotect_vector(vid, Keys(authentication_key=k["authentication_key"]))
    assert e.value.key_name == "block_cipher_key"
    with pytest.raises(MissingKeyError) as e:
        unprotect_vector(vid, Keys(block_cipher_key=k["encryption_key"]))
    assert e.value.key_name == "authentication_key"


@pytest.mark.parametrize("vid", KEYED)
def test_missing_key_is_missing_info(vid):
    with pytest.raises(MissingSecurityInfo):
        unprotect_vector(vid, Keyring())


def test_missing_key_names_key_and_title():
    with pytest.raises(MissingKeyError) as e:
        unprotect_vector("xdlms-ggc-dummykey-notification", Keyring())
    assert e.value.key_name == "block_cipher_key"
    assert "2F19229199164103" in str(e.value)


def test_glo_service_needs_the_association_title():
    msg = translator.decode(data("crypto-glo-get-request-sc20"), layer="apdu")
    with pytest.raises(MissingSystemTitleError):
        unprotect(msg.apdu, keys_of("crypto-glo-get-request-sc20"))
    u = unprotect(msg.apdu, keys_of("crypto-glo-get-request-sc20"), GB_TITLE)
    assert u.plaintext.hex() == vector("crypto-glo-get-request-sc20")["checks"]["decrypted"]


def test_empty_system_title_push():
    vid = "xdlms-ggc-no-system-title"       # no keys published for it
    msg = translator.decode(data(vid), layer="apdu")
    assert msg.apdu["body"]["system_title"] == b""
    with pytest.raises(MissingSystemTitleError):
        unprotect(msg.apdu, Keyring(Keys(block_cipher_key=bytes(16), authentication_key=bytes(16))))
    # With a title from elsewhere the IV is formed and the tag is checked (and fails: wrong keys).
    with pytest.raises(TagMismatchError) as e:
        unprotect(msg.apdu, Keys(block_cipher_key=bytes(16), authentication_key=bytes(16)),
                  bytes.fromhex("2F19229199164103"))
    assert "invocation counter 2147483857" in str(e.value)   # expected: 0x800000D1


def test_empty_system_title_round_trip_uses_default_keys():
    plain = bytes.fromhex(vector("xdlms-ggc-dummykey-notification")["checks"]["decrypted"])
    title = bytes.fromhex("2F19229199164103")
    ring = Keyring(Keys(block_cipher_key=os.urandom(16), authentication_key=os.urandom(16)))
    out = protect(plain, 0x30, title, 0x800000D1, ring, service="general-glo",
                  send_system_title=False)
    assert out[:2] == bytes([0xDB, 0x00])
    u = unprotect(out, ring, title)
    assert u.plaintext == plain and u.verified


def test_compression_bit_is_refused_with_offset():
    msg = translator.decode(data("crypto-glo-get-request-sc20"), layer="apdu")
    msg.apdu["body"]["security_control"]["compression"] = True
    raw = translator.encode(msg)
    assert raw[2] == 0xA0                 # C8 12 | SC: 0x20 with bit 7
    with pytest.raises(UnsupportedSecurityError) as e:
        unprotect(raw, keys_of("crypto-glo-get-request-sc20"), GB_TITLE)
    assert e.value.offset == 2 and "offset 2" in str(e.value)
    with pytest.raises(UnsupportedSecurityError):
        protect(b"\xc0\x01\x00\x00\x08\x00\x00\x01\x00\x00\xff\x02\x00", 0xB0, GB_TITLE, 1,
                keys_of("crypto-glo-get-request-sc20"))


def test_broadcast_key_set():
    plain = bytes.fromhex(vector("crypto-glo-get-request-sc10")["checks"]["decrypted"])
    keys = Keys(block_cipher_key=os.urandom(16), broadcast_key=os.urandom(16),
                authentication_key=os.urandom(16))
    out = protect(plain, 0x70, GB_TITLE, 9, keys)
    assert unprotect(out, keys, GB_TITLE).verified
    with pytest.raises(TagMismatchError):       # the unicast key in the broadcast key's place
        unprotect(out, Keys(block_cipher_key=keys.block_cipher_key,
                            broadcast_key=keys.block_cipher_key,
                            authentication_key=keys.authentication_key), GB_TITLE)
    with pytest.raises(MissingKeyError) as e:
        unprotect(out, Keys(block_cipher_key=keys.block_cipher_key), GB_TITLE)
    assert e.value.key_name == "broadcast_key"


def test_suite_2_needs_256_bit_keys():
    plain = bytes.fromhex(vector("crypto-glo-get-request-sc10")["checks"]["decrypted"])
    keys = Keys(block_cipher_key=os.urandom(32), authentication_key=os.urandom(32))
    out = protect(plain, 0x32, GB_TITLE, 1, keys)
    assert unprotect(out, keys, GB_TITLE).plaintext == plain
    with pytest.raises(SecurityError, match="32-octet"):
        unprotect(out, keys_of("crypto-glo-get-request-sc10"), GB_TITLE)


def test_unprotected_apdus_give_none():
    for vid in ("acse-aarq-16", "xdlms-action-kaifa-hls"):
        msg = translator.decode(data(vid), layer="apdu")
        assert unprotect_message_apdu(msg.apdu, keys_of("crypto-glo-get-request-sc10"),
                                      SecurityContext()) is None
    assert unprotect_message_apdu(None, None, None) is None


def test_summary_record():
    u = unprotect_vector("xdlms-ggc-dummykey-notification")[0]
    assert u.summary() == {"sc": "30", "system_title": "2F19229199164103",
                           "invocation_counter": 0x1E5, "decrypted": True, "verified": True,
                           "note": None}


def test_green_book_suite_1_ciphertext():
    # Green Book key-agreement example (static unified model), as quoted in Gurux's
    # GXSymmetricTest: block cipher key 56C46B57..., originator 4D4D4D0000BC614E, IC 0; the
    # ciphered text (tag aside) of the ACCESS request below.
    from translator.security import gcm
    plain = bytes.fromhex(
        "D94000000000040100010000600100FF020100080000010000FF0202001400000D0000FF0702001400000D"
        "0000FF0804000001040203090100090CFFFFFFFFFFFFFF00000000000901FF0203090101090CFFFFFFFFFF"
        "FFFF00000000000901FF0203090102090CFFFFFFFFFFFFFF00000000000901FF0203090103090CFFFFFFFF"
        "FFFFFF00000000000901FF0104020809010011FF11FF11FF11FF11FF11FF11FF0208090101110211011101"
        "1101110111011101020809010211FF11FF11FF11FF11FF11FF11FF02080901031101110211021102110211"
        "021102")
    expected = bytes.fromhex(
        "607581D83815281B561904E6A72B83BF3FB0B1F2A0A23A82A804B39911F6CB1B4EF9B6F76C6338ED0580"
        "14FFBF4A13A162E0EED11EEB8F597757A18215F28E1D3FC2D44586C4B8AFE4500B535B579506CDB925CB"
        "EFF7F1CF6BF96C583B9CF588FE8F6B01A574824D7CEC597F057FFA8700AF12AD63A7FA72040439F4392C"
        "089B265F9EB1AC308239906DC04E1A8712ABE383CF92349842EBA166EF2E9EB2F53D0DBA025D79875463"
        "398BBC3007BC4A6FC12780C21EE1ABF080BF0FA926242834C0AC30D55A1EF8856E7DED48621F17FDF4D5"
        "B54EDDADD874119251049B6AEE111C12FBC2FEAF")
    text, tag = gcm.encrypt(0x21, bytes.fromhex("56C46B57DF675515C31025455822514A"), GB_TITLE, 0,
                            plain)
    assert tag is None and text == expected[:-12]


def test_plaintext_parses_with_apdu_schema():
    u = unprotect_vector("mbus-kaifa-tinetz-ciphered")[0]
    assert u.apdu == _core.parse(Apdu, u.plaintext, "apdu")
