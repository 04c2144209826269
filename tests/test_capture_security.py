"""Protected traffic in captures: deciphered with keys, missing keys reported, findings.

Independent sources: the ciphered vectors' published keys and plaintexts (Green Book, dlms-cosem
pushes), the keys and counts the captures' notes state, and tshark's export for how many
protected APDUs a capture holds (counted by their tag octet, not by our decoder).
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter

import pytest

from tests._vectors import data, vector
from tests.test_capture import BUNDLED, capture_path, needs_tshark
from translator.capture import Stats, read_capture
from translator.capture.pcapfile import PcapWriter, TcpConversation, write_udp_exchange
from translator.schema import _core
from translator.schema.wrapper import WrapperFrame
from translator.security import Keyring, Keys

GURUX = Keys(block_cipher_key="000102030405060708090A0B0C0D0E0F",
             authentication_key="D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")
CLIENT_TITLE = "4D4D4D0000BC614E"   # the Green Book / htanwar client system title


def wrapped(apdu: bytes, source: int = 16, destination: int = 1) -> bytes:
    return _core.build(WrapperFrame, {"version": 1, "source_wport": source,
                                      "destination_wport": destination, "length": None,
                                      "apdu": apdu}, "wrapper")


def tcp_capture(path, client_apdus: list[bytes]):
    with open(path, "wb") as f:
        c = TcpConversation(PcapWriter(f), ("192.0.2.10", 50000), ("192.0.2.1", 4059))
        c.open(10.0)
        for i, apdu in enumerate(client_apdus):
            c.send(0, wrapped(apdu), 11.0 + i)
        c.close(20.0)
    return path


def read(path, keys=None):
    stats = Stats()
    return list(read_capture(path, keys=keys, stats=stats)), stats


# --- acceptance 3: vectors with keys, written into a pcap -----------------------------------------


@needs_tshark
def test_vectors_decipher_with_keys_and_name_the_missing_title_without(tmp_path):
    aarq, request = data("acse-aarq-glo-initiate-greenbook"), data("crypto-glo-get-request-sc20")
    path = tcp_capture(tmp_path / "glo.pcap", [aarq, request])
    records, stats = read(path, Keyring(default=GURUX))
    first, second = records
    # the AARQ's glo-initiateRequest: InitiateRequest, dlms version 6, max pdu 1200 (vector)
    assert first.security["location"] == "user_information" and first.security["decrypted"]
    assoc = stats.associations[0]
    assert assoc["client_max_pdu"] == 1200 and assoc["dlms_version"] == 6
    assert assoc["client_system_title"] == CLIENT_TITLE
    # the glo-get-request: GET-Request-Normal of the clock (vector expected plaintext)
    assert second.service == "GetRequestNormal"
    assert second.message.security.plaintext.hex() == vector(
        "crypto-glo-get-request-sc20")["checks"]["decrypted"]
    assert second.security["decrypted"] and not second.security["verified"]  # SC 0x20: no tag
    assert second.security["system_title"] == CLIENT_TITLE
    assert second.security["invocation_counter"] == 0x01234567
    assert "0.0.1.0.0.255 attribute 2" in second.summary()

    records, _ = read(path)  # no keys
    assert [r.service for r in records] == ["AARQ", "GloGetRequest"]
    for r in records:
        assert not r.security["decrypted"]
        assert r.security["note"] == f"ciphered; no keys given (--keys); system title {CLIENT_TITLE}"
        assert r.error is None


@needs_tshark
def test_without_the_aarq_the_missing_system_title_is_reported(tmp_path):
    path = tcp_capture(tmp_path / "lone.pcap", [data("crypto-glo-get-request-sc20")])
    (record,), _ = read(path, Keyring(default=GURUX))
    assert not record.security["decrypted"] and "no system title" in record.security["note"]
    # a keys file naming one title: encryption only (SC 0x20), so it is assumed, and said so
    keys = tmp_path / "keys.toml"
    keys.write_text(f"[system_title.{CLIENT_TITLE}]\nblock_cipher_key = "
                    f"\"000102030405060708090A0B0C0D0E0F\"\n")
    (record,), _ = read(path, keys)
    assert record.security["decrypted"] and not record.security["verified"]
    assert record.message.security.plaintext.hex() == vector(
        "crypto-glo-get-request-sc20")["checks"]["decrypted"]
    assert record.message.notes == [f"system title {CLIENT_TITLE} assumed: the only one in the "
                                    "keys, and nothing (no authentication tag) verifies it"]


@needs_tshark
def test_invocation_counter_reuse_is_found(tmp_path):
    # the Green Book AARQ's glo-initiateRequest and the sc20 and sc10 vectors all use the
    # client title and invocation counter 0x01234567
    path = tcp_capture(tmp_path / "reuse.pcap", [data("acse-aarq-glo-initiate-greenbook"),
                                                 data("crypto-glo-get-request-sc20"),
                                                 data("crypto-glo-get-request-sc10")])
    records, stats = read(path, Keyring(default=GURUX))
    assert records[2].security["verified"]  # SC 0x10: authenticated with the AK
    assert records[2].message.security.plaintext.hex() == vector(
        "crypto-glo-get-request-sc10")["checks"]["decrypted"]
    assert not any(f.startswith("invocation") for f in records[0].findings)
    for r in records[1:]:
        assert [f.split(":")[0] for f in r.findings] == ["invocation_counter_reuse"]
        assert "0x01234567" in r.findings[0] and CLIENT_TITLE in r.findings[0]
    assert stats.findings["invocation_counter_reuse"] == 2


@needs_tshark
def test_udp_pushes_with_their_own_system_title(tmp_path):
    ids = ["wrapper-udp-ggc-ic-0001e502", "wrapper-udp-ggc-ic-0001e603"]
    key = vector(ids[0])["keys"]["encryption_key"]
    path = tmp_path / "push.pcap"
    with open(path, "wb") as f:
        write_udp_exchange(PcapWriter(f), ("192.0.2.1", 4059), ("192.0.2.9", 4059),
                           [(0, data(i)) for i in ids + ids[:1]])
    records, _ = read(path, Keyring(default=Keys(block_cipher_key=key, authentication_key=key)))
    assert [r.service for r in records] == ["DataNotification"] * 3
    for r, vid in zip(records, ids + ids[:1]):
        assert r.message.security.plaintext.hex() == vector(vid)["checks"]["decrypted"]
        assert r.security["verified"] and r.security["system_title"] == "2F19229199164103"
    assert not records[0].findings and not records[1].findings
    assert records[2].findings[0].startswith("invocation_counter_reuse")  # e502 again


@needs_tshark
def test_a_wrong_key_is_an_error_and_a_finding(tmp_path):
    path = tmp_path / "wrong.pcap"
    with open(path, "wb") as f:
        write_udp_exchange(PcapWriter(f), ("192.0.2.1", 4059), ("192.0.2.9", 4059),
                           [(0, data("wrapper-udp-ggc-ic-0001e502"))])
    (record,), stats = read(path, Keyring(default=GURUX))
    assert "authentication tag mismatch" in record.error
    assert record.findings[0].startswith("authentication_failed")
    assert stats.errors == 1
    assert "000102030405060708090A0B0C0D0E0F" not in json.dumps(record.to_json())


@needs_tshark
def test_unprotected_service_inside_a_ciphered_association(tmp_path):
    path = tcp_capture(tmp_path / "clear.pcap", [data("acse-aarq-glo-initiate-greenbook"),
                                                 data("xdlms-get-23")])
    records, _ = read(path)
    assert records[1].service == "GetRequestNormal"
    assert records[1].findings[0].startswith("unprotected_service")


# --- the captures whose notes publish keys --------------------------------------------------------


def ciphered_tags(name: str) -> Counter:
    """APDU tag octets of a wrapper capture, from tshark's payload export (the octet after
    each 8-octet wrapper header, walking the joined stream of each direction)."""
    out = subprocess.run(["tshark", "-r", str(capture_path(name)), "-T", "fields",
                          "-e", "tcp.srcport", "-e", "tcp.payload"], capture_output=True,
                         text=True, check=True).stdout
    streams: dict[str, bytearray] = {}
    for line in out.splitlines():
        port, payload = line.split("\t")
        if payload:
            streams.setdefault(port, bytearray()).extend(bytes.fromhex(payload))
    tags: Counter = Counter()
    for octets in streams.values():
        i = 0
        while i + 8 <= len(octets):
            tags[octets[i + 8]] += 1
            i += 8 + int.from_bytes(octets[i + 6:i + 8], "big")
    return tags


@needs_tshark
@pytest.mark.parametrize("name,keys,tags,verified", [
    # note: all 260 glo- APDUs authenticate and decrypt (glo-get/-action request and response)
    ("htanwar_wrapper_tcp4063_hls_gmac_glo.pcap", GURUX, (0xC8, 0xCC, 0xCB, 0xCF), True),
    # note: security control 0x20, encryption only: decrypted, no tag to verify
    ("htanwar_wrapper_tcp4064_glo_enc_with_dns.pcap", GURUX, (0xC8, 0xCC), False),
    # note: EK = AK = 0x62 x16, all general-glo-ciphering APDUs authenticate
    ("htanwar_wrapper_tcp4063_two_associations_general_glo.pcap",
     Keys(block_cipher_key="62" * 16, authentication_key="62" * 16), (0xDB, 0xCB, 0xCF), True),
    ("htanwar_wrapper_tcp4059_general_glo_access_null.pcap", GURUX, (0xDB,), True),
])
def test_published_keys_decipher_every_protected_apdu(name, keys, tags, verified):
    expected = sum(ciphered_tags(name)[t] for t in tags)
    records, stats = read(capture_path(name), Keyring(default=keys))
    protected = [r for r in records if r.security and "location" not in r.security]
    untagged = [r for r in protected if r.message.apdu["tag"] == 0x00]  # ACCESS under tag 0x00
    assert len(protected) - len(untagged) == expected
    assert all(r.security["decrypted"] and r.plain is not None for r in protected)
    assert all(r.security["verified"] is verified for r in protected)
    assert not any(f.startswith(("authentication_failed", "invocation_counter"))
                   for r in records for f in r.findings)
    if name.endswith("hls_gmac_glo.pcap"):
        # note: frames 9 and 10 carry a ciphered ACCESS with APDU tag 0x00 ("the body decrypts
        # to 0xD9 / 0xDA"): deciphered, with a warning naming the quirk
        assert [r.number for r in untagged] == [9, 10]
        assert [r.service for r in untagged] == ["AccessRequest", "AccessResponse"]
        assert all("ACCESS under APDU tag 0x00" in r.message.warnings[0].text for r in untagged)
        assert expected == 260
    if name.endswith("glo_enc_with_dns.pcap"):  # the issue: packets 34-35, the same quirk
        assert [(r.number, r.service) for r in untagged] == [(34, "AccessRequest"),
                                                             (35, "AccessResponse")]
    if name.endswith("access_null.pcap"):
        # note: the general-glo-ciphering decrypts to an ACCESS-Request (0xD9)
        assert records[2].service == "AccessRequest"
        assert records[0].findings[0].startswith("lls_password_in_clear")
    if name.endswith("two_associations_general_glo.pcap"):
        assert stats.associations_total == 2
        assert stats.associations[1]["client_system_title"] == "4142434445464748"
        assert stats.findings["shared_system_title"] == 1


@needs_tshark
def test_gurux_hdlc_session_with_the_keys_of_its_note():
    keys = BUNDLED / "gurux_default_keys.toml"  # the keys the note gives, as a keys file
    assert Keyring.load(keys).default == GURUX
    records, stats = read(capture_path("gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng"), keys)
    protected = [r for r in records if r.security]
    assert protected and all(r.security["decrypted"] and r.security["verified"]
                             for r in protected)
    assoc = stats.associations[-1]
    # note: client title 4142434445464748, meter title 4752584D45544552, HLS-GMAC (mechanism 5)
    assert assoc["client_system_title"] == "4142434445464748"
    assert assoc["server_system_title"] == "4752584D45544552"
    assert assoc["mechanism"] == "high_level_security_gmac"
    ldn = [r for r in records if r.service == "GetResponseNormal"
           and b"GRXPEER000000001" in (r.message.security.plaintext if r.message.security else b"")]
    assert len(ldn) == 1  # the logical device name the note quotes
    records, _ = read(capture_path("gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng"))
    titles = {r.security["note"] for r in records if r.security}
    assert titles == {"ciphered; no keys given (--keys); system title 4142434445464748",
                      "ciphered; no keys given (--keys); system title 4752584D45544552"}


@needs_tshark
def test_lls_password_is_reported_never_shown():
    path = capture_path("brno_wrapper_tcp5025_remote_meter.pcap")
    records, _ = read(path)
    finding = [f for r in records for f in r.findings if f.startswith("lls_password")]
    assert finding == [("lls_password_in_clear: the AARQ carries a low-level-security password "
                        "in clear (8 octets, redacted)")]
    aarq = next(r for r in records if r.service == "AARQ")
    assert b"transtec" in aarq.message.raw  # it is in the capture ...
    assert "transtec" not in json.dumps([r.findings for r in records])  # ... not in findings
