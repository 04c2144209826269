"""Real stacks' quirks (DESIGN section 8): decoded, each with a warning naming it on its node.

The octets are the capture packets the issue names, copied from the bundled captures (tshark's
``tcp.payload``); the facts come from the capture notes and the Green Book, never from this code.
"""

from __future__ import annotations

import pytest

from tests._vectors import data, frames
from tests.test_capture import capture_path, needs_tshark
from translator import decode, decode_all, encode
from translator.capture import read_capture
from translator.schema.acse import component
from translator.security import Keyring, Keys

# The Gurux default keys, as the notes of the htanwar captures publish them.
GURUX = Keys(block_cipher_key="000102030405060708090A0B0C0D0E0F",
             authentication_key="D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")
CLIENT_TITLE, SERVER_TITLE = "4D4D4D0000BC614E", "4142434445464748"

# The last packet of htanwar_wrapper_tcp4063_plain_access.pcap (264): Gurux's RLRE, whose
# APDU length says 0x11 and user-information length 0x0F while 21 and 16 octets follow.
PLAIN_RLRE = bytes.fromhex("00010001001000176311800100be0f040e0800065f1f0400001e5d04000007")
# The last packet of htanwar_wrapper_tcp4063_hls_gmac_glo.pcap (266): the same with a
# glo-initiate-response (0x28) in user-information (0x24 for 40 octets, 0x22 for 35).
GLO_RLRE = bytes.fromhex("000100010010002a6324800100be220421281f30000001918c70d562083fd8128b04f2"
                         "2a38c63e4ee4a1b966a86530306eb8")
# Packets 9 and 10 of htanwar_wrapper_tcp4063_hls_gmac_glo.pcap: a ciphered ACCESS under APDU
# tag 0x00 (the note: "there is no glo- tag for the access service; the body decrypts to
# 0xD9 / 0xDA"), security control 0x30.
ACCESS_REQUEST = bytes.fromhex("0001001000010031002f3000000006d153a2366c870ca1a9c0189620981dd072"
                               "a815540eded9f6d79fba79233b3533e15ad07d7399a377046b")
ACCESS_RESPONSE = bytes.fromhex("000100010010002c002a30000001116d4ac5e34d249cb533d9dd7123f0051d"
                                "76c29ba1fe4e96d5469a147f32dbcab7a089922b96")

RLRE_NAME = "Gurux RLRE, its lengths too short"
TAG_00_NAME = "ciphered ACCESS under APDU tag 0x00 (Gurux)"


def _node_notes(msg, name: str) -> list[str]:
    """The warnings hanging on the APDU layer's first node called ``name``."""
    apdu = next(n for n in msg.tree.children if n.name == "apdu")
    return [n.text for n in apdu.find(name).notes]


def test_gurux_rlre_with_short_lengths_decodes_with_warnings():
    msg = decode(PLAIN_RLRE)
    assert not msg.errors and msg.service == "rlre"
    # 8 octets of wrapper header: the RLRE's length at 9, user-information's at 14
    assert [(w.severity, w.layer, w.offset) for w in msg.warnings] == [
        ("warning", "acse", 9), ("warning", "acse", 14)]
    assert msg.warnings[0].text == f"{RLRE_NAME}: length says 17, the content takes 21"
    assert msg.warnings[1].text == f"{RLRE_NAME}: length says 15, the content takes 16"
    assert _node_notes(msg, "components") == [msg.warnings[0].text]
    # RLRE reason normal (80 01 00); an InitiateResponse (0x08) of dlms version 6, max PDU 1024
    assert str(component(msg.apdu, "reason")) == "normal"
    initiate = component(msg.apdu, "user_information")["value"]
    assert str(initiate["tag"]) == "initiate_response"
    body = initiate["body"]
    assert (body.negotiated_dlms_version_number, body.server_max_receive_pdu_size) == (6, 1024)
    assert encode(msg) == PLAIN_RLRE


def test_gurux_rlre_with_a_ciphered_initiate_response_is_deciphered():
    keys = Keyring(default=GURUX)
    msg = decode(GLO_RLRE, keys=keys, system_title=SERVER_TITLE)
    assert not msg.errors
    assert [w.text for w in msg.warnings] == [
        f"{RLRE_NAME}: length says 36, the content takes 40",
        f"{RLRE_NAME}: length says 34, the content takes 35"]
    assert msg.security.verified and str(msg.security.apdu["tag"]) == "initiate_response"
    assert msg.security.apdu["body"].negotiated_dlms_version_number == 6
    assert encode(msg) == GLO_RLRE


@pytest.mark.parametrize("raw, title, plain", [
    (ACCESS_REQUEST, CLIENT_TITLE, "access_request"),
    (ACCESS_RESPONSE, SERVER_TITLE, "access_response"),
])
def test_access_under_tag_00_is_deciphered(raw, title, plain):
    msg = decode(raw, keys=Keyring(default=GURUX), system_title=title)
    assert not msg.errors
    assert [(w.offset, w.text) for w in msg.warnings] == [(9, f"{TAG_00_NAME}: decoded as such")]
    apdu = next(n for n in msg.tree.children if n.name == "apdu")
    assert [n.text for n in apdu.notes] == [msg.warnings[0].text]  # on the whole APDU
    sc = msg.apdu["body"]["security_control"]
    assert sc["authentication"] and sc["encryption"]  # security control 0x30
    assert msg.security.verified and str(msg.security.apdu["tag"]) == plain
    assert encode(msg) == raw


def test_access_under_tag_00_without_keys_stays_ciphered_with_its_warning():
    msg = decode(ACCESS_REQUEST)
    assert not msg.errors and msg.security is None
    assert msg.apdu["body"]["invocation_counter"] == 6
    assert TAG_00_NAME in msg.warnings[0].text
    assert msg.service == "glo_access"  # named for what it is, not the tag's number
    assert encode(msg) == ACCESS_REQUEST


def test_a_quirk_is_never_silent_with_strict(tmp_path, capsys):
    from translator.cli import main

    assert main(["decode", PLAIN_RLRE.hex()]) == 0
    assert main(["decode", "--strict", PLAIN_RLRE.hex()]) == 1
    err = capsys.readouterr().err
    assert RLRE_NAME in err


RELEASES = {
    # capture -> (the keys its note gives, packets of Gurux's RLREs in it)
    "htanwar_wrapper_tcp4063_plain_access.pcap": (None, [264]),
    "htanwar_wrapper_tcp4063_hls_gmac_glo.pcap": (GURUX, [266]),
    "htanwar_wrapper_tcp4064_glo_enc_with_dns.pcap": (GURUX, [292]),
    "htanwar_wrapper_tcp4063_two_associations_general_glo.pcap": (
        Keys(block_cipher_key="62" * 16, authentication_key="62" * 16), [6, 282]),
    "htanwar_wrapper_tcp4059_epri_access.pcap": (None, []),
    "htanwar_wrapper_tcp4059_general_glo_access_null.pcap": (GURUX, []),
}


@needs_tshark
@pytest.mark.parametrize("name", sorted(RELEASES))
def test_htanwar_captures_have_no_errors_with_the_keys_of_their_notes(name):
    keys, releases = RELEASES[name]
    records = list(read_capture(capture_path(name), keys=keys and Keyring(default=keys)))
    assert [r for r in records if r.error] == []
    warned = {r.number: r for r in records if r.message is not None and r.message.warnings}
    rlre = [n for n, r in warned.items() if r.message.service == "rlre"]
    assert rlre == releases
    assert all(RLRE_NAME in w.text for n in rlre for w in warned[n].message.warnings)
    for record in records:
        if record.message is not None and record.message.framing != "garbage":
            assert encode(record.message) == record.message.raw


@needs_tshark
def test_stats_count_the_messages_with_warnings(tmp_path):
    """The issue names the quirks of htanwar_wrapper_tcp4063_hls_gmac_glo.pcap: packets 9-10
    (ACCESS under tag 0x00) and the closing RLRE (266); --stats counts and samples them."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "translator", "capture", "--stats", "--to", "jsonl",
                          str(capture_path("htanwar_wrapper_tcp4063_hls_gmac_glo.pcap"))],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["errors"] == 0 and stats["warnings"] == 3
    assert [s.split(":", 1)[0] for s in stats["warning_samples"]] == ["#9", "#10", "#266"]
    assert stats["services"]["GloAccess"] == 2


def test_a_segment_that_starts_with_00_is_no_quirk():
    """The last frame of the Iskra AM550 push (vector push-iskra-am550-unencrypted-valid-data)
    alone: its payload starts with 0x00 but holds no glo- body that fits, so the unknown tag
    stays an error, with no warning claiming a quirk."""
    (msg,) = [m for m in decode_all(frames("push-iskra-am550-unencrypted-valid-data")[-1])
              if m.errors]
    assert not msg.warnings
    assert "expected a COSEM APDU tag, got 0x00" in str(msg.errors[0])


def test_an_axdr_count_beyond_the_elements_that_follow_is_a_warning():
    """The GET-Response-With-List vector ("2 results"; the first: data octet-string
    'ISK1030777764366') cut after its first result: the count says 2, one result follows and the
    APDU ends there, so the result is shown with a warning on the count; the truncated issue-51
    vector (a bad octet where the second result should start) stays an error."""
    raw = data("xdlms-get-response-with-list")[:4 + 3 + 16]
    msg = decode(raw, layer="apdu")
    assert not msg.errors
    assert [(w.layer, w.offset, w.text) for w in msg.warnings] == [
        ("xdlms", 3, "count says 2, 1 element(s) follow")]
    (result,) = msg.apdu["body"]["get_response"]["result"]
    assert result["value"]["value"] == b"ISK1030777764366"
    assert encode(msg) == raw
    bad = decode(data("xdlms-get-response-with-list-truncated-issue51"), strict=False)
    assert bad.errors[0].offset == 6 and not bad.warnings


# openmuc jDLMS, HdlcFrameTest.decode3 (the test file of the vectors hdlc-jdlms-*; its frames
# are given without flags): an SN AARE whose user-information says 13 octets (BE 0F 04 0D)
# while its InitiateResponse takes 14 (08 00 06 5F1F 04 00 180220 0960 FA00), so the
# InitiateResponse also runs one octet past the AARE's own length (61 28).
JDLMS_AARE = bytes.fromhex("7EA0372103306C7CE6E7006128A109060760857405080102A203020100A305A1"
                           "03020100BE0F040D0800065F1F04001802200960FA000AA87E")
JDLMS_NAME = "InitiateResponse past the user-information length (jDLMS)"


def test_jdlms_aare_initiate_response_past_its_length():
    msg = decode(JDLMS_AARE)
    assert not msg.errors and msg.service == "aare"
    texts = [w.text for w in msg.warnings]
    assert f"{JDLMS_NAME}: length says 13, the content takes 14" in texts
    assert f"{JDLMS_NAME}: length says 15, the content takes 16" in texts
    assert _node_notes(msg, "components")       # the AARE's own length, on its node
    # accepted; SN referencing (2.16.756.5.8.1.2); the InitiateResponse's values as its octets
    # state them: version 6, conformance 18 02 20 (read, write, multiple-references,
    # parameterized-access), max PDU 0x0960, VAA name 0xFA00
    assert str(component(msg.apdu, "result")["value"]) == "accepted"
    assert component(msg.apdu, "application_context_name")["oid"] == "2.16.756.5.8.1.2"
    body = component(msg.apdu, "user_information")["value"]["body"]
    assert body.negotiated_dlms_version_number == 6
    assert set(body.negotiated_conformance.named) == {"read", "write", "multiple_references",
                                                      "parameterized_access"}
    assert (body.server_max_receive_pdu_size, body.vaa_name & 0xFFFF) == (2400, 0xFA00)
    assert encode(msg) == JDLMS_AARE
