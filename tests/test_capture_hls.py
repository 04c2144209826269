"""HLS passes 3 and 4 checked in captured associations (issue 5: "verify f(CtoS) and f(StoC) in
a captured association").

Independent sources: the two bundled HLS-GMAC captures, whose proofs Gurux's client and server
computed; the Green Book HLS-GMAC example (Table 43: the AARQ's CtoS, the AARE's StoC and the
client's f(StoC) with its keys and system titles, vectors acse-aarq-32, acse-aare-58 and
crypto-hls-gmac-fstoc); for MD5 the proof written here with hashlib from the definition
MD5(challenge || secret).
"""

from __future__ import annotations

import hashlib

import pytest
from construct import Container
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests._vectors import data, vector
from tests.test_capture import BUNDLED, capture_path, needs_tshark
from tests.test_capture_security import read, wrapped
from translator import decode
from translator.capture.pcapfile import PcapWriter, TcpConversation
from translator.schema import _core
from translator.schema.apdu import Apdu
from translator.security import Keyring, Keys

pytestmark = needs_tshark

GMAC = vector("crypto-hls-gmac-fstoc")["keys"]
CLIENT_TITLE, SERVER_TITLE = (bytes.fromhex(GMAC["client_system_title"]),
                              bytes.fromhex(GMAC["server_system_title"]))
# reply_to_HLS_authentication: invoke C0, class 15, 0.0.40.0.0.255, method 1, octet-string
# (the head of vector xdlms-action-reply-to-hls), and the action response returning data (the
# head of vector xdlms-action-response-hls-data)
PASS3_HEAD = bytes.fromhex("C301C0000F0000280000FF010109")
PASS4_HEAD = bytes.fromhex("C701C000010009")


def _with_title(vid: str, field: str, title: bytes, at: int) -> bytes:
    """The vector's AARQ/AARE with an AP-title component added (the Green Book example
    leaves the titles out; HLS-GMAC needs them for the IV)."""
    apdu = decode(data(vid), layer="apdu").apdu
    apdu["body"]["components"].insert(at, Container(tag=field,
                                                    value=Container(tag=4, value=title)))
    return _core.build(Apdu, apdu, "apdu")


def _mechanism(apdu: bytes, number: int) -> bytes:
    """The APDU with its mechanism-name OID ending in ``number`` instead of 5 (GMAC)."""
    oid = bytes.fromhex("60857405080205")
    assert apdu.count(oid) == 1
    return apdu.replace(oid, oid[:-1] + bytes([number]))


def _octets(head: bytes, value: bytes) -> bytes:
    return head + bytes([len(value)]) + value


def _exchange(path, mechanism: int, f_stoc: bytes, f_ctos: bytes | None = None):
    aarq = _mechanism(_with_title("acse-aarq-32", "calling_ap_title", CLIENT_TITLE, 1), mechanism)
    aare = _mechanism(_with_title("acse-aare-58", "responding_ap_title", SERVER_TITLE, 3),
                      mechanism)
    with open(path, "wb") as f:
        c = TcpConversation(PcapWriter(f), ("192.0.2.10", 50000), ("192.0.2.1", 4059))
        c.open(10.0)
        c.send(0, wrapped(aarq), 11.0)
        c.send(1, wrapped(aare, 1, 16), 11.1)
        c.send(0, wrapped(_octets(PASS3_HEAD, f_stoc)), 11.2)
        if f_ctos is not None:
            c.send(1, wrapped(_octets(PASS4_HEAD, f_ctos), 1, 16), 11.3)
        c.close(12.0)
    return path


def _hls(records) -> list[tuple[str, bool | None, str | None]]:
    return [(r.hls["proof"], r.hls["verified"], r.hls["note"]) for r in records if r.hls]


def _failures(records) -> list[str]:
    return [f for r in records for f in r.findings if f.startswith("hls_failed")]


@pytest.mark.parametrize("name", ["gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng",
                                  "htanwar_wrapper_tcp4063_hls_gmac_glo.pcap"])
def test_real_hls_gmac_proofs_verify(name):
    records, stats = read(capture_path(name), Keyring.load(BUNDLED / "gurux_default_keys.toml"))
    assert _hls(records) == [("f(StoC)", True, None), ("f(CtoS)", True, None)]
    (assoc,) = [a for a in stats.associations if a["hls"]]
    assert assoc["hls"] == {"mechanism": 5, "name": "gmac", "client_proof": "verified",
                            "server_proof": "verified"}
    assert not _failures(records)


def test_green_book_f_stoc_verifies_and_a_flipped_bit_fails(tmp_path):
    keys = Keyring(Keys(block_cipher_key=GMAC["encryption_key"],
                        authentication_key=GMAC["authentication_key"]))
    proof = bytes.fromhex(vector("crypto-hls-gmac-fstoc")["hex"])
    records, _ = read(_exchange(tmp_path / "good.pcap", 5, proof), keys)
    assert _hls(records) == [("f(StoC)", True, None)]
    tampered = proof[:-1] + bytes([proof[-1] ^ 0x01])
    records, stats = read(_exchange(tmp_path / "bad.pcap", 5, tampered), keys)
    assert _hls(records) == [("f(StoC)", False, None)]
    assert _failures(records) == ["hls_failed: the client's f(StoC) does not verify (HLS "
                                  "mechanism 5, gmac)"]
    assert stats.findings["hls_failed"] == 1


def test_md5_with_the_hls_secret(tmp_path):
    ctos = bytes.fromhex(GMAC["CtoS"])
    stoc = bytes.fromhex(GMAC["StoC"])
    secret = b"Gurux"
    path = _exchange(tmp_path / "md5.pcap", 3, hashlib.md5(stoc + secret).digest(),
                     hashlib.md5(ctos + secret).digest())
    records, stats = read(path, Keyring(Keys(hls_secret="Gurux")))
    assert _hls(records) == [("f(StoC)", True, None), ("f(CtoS)", True, None)]
    (assoc,) = [a for a in stats.associations if a["hls"]]
    assert assoc["hls"]["name"] == "md5"

    records, _ = read(path, Keyring(Keys(hls_secret="other")))
    assert [v for _, v, _ in _hls(records)] == [False, False] and len(_failures(records)) == 2

    records, _ = read(path, Keyring(Keys(block_cipher_key=GMAC["encryption_key"])))
    assert _hls(records) == [("f(StoC)", None, "not checked: no hls_secret"),
                             ("f(CtoS)", None, "not checked: no hls_secret")]
    assert not _failures(records)


def test_without_keys_and_for_mechanism_2_nothing_is_claimed(tmp_path):
    path = _exchange(tmp_path / "m5.pcap", 5, bytes(17))
    records, _ = read(path)
    assert _hls(records) == [("f(StoC)", None, "not checked: no keys given")]
    path = _exchange(tmp_path / "m2.pcap", 2, bytes(16))
    records, _ = read(path, Keyring(Keys(hls_secret="x")))
    assert _hls(records) == [("f(StoC)", None,
                              "not checked: manufacturer specific has no standard function")]


def _ecdsa(key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    """A P-256 ECDSA-SHA-256 signature, raw r || s (Green Book 9.2.7.4, mechanism 7)."""
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_ecdsa_proofs_with_each_side_s_public_key(tmp_path):
    """Mechanism 7: f(StoC) = client's signature of ST-C || ST-S || StoC || CtoS, f(CtoS) =
    server's signature of ST-S || ST-C || CtoS || StoC; each checked with its signer's public
    key, filed under its system title."""
    ctos, stoc = bytes.fromhex(GMAC["CtoS"]), bytes.fromhex(GMAC["StoC"])
    client, server = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    path = _exchange(tmp_path / "ecdsa.pcap", 7,
                     _ecdsa(client, CLIENT_TITLE + SERVER_TITLE + stoc + ctos),
                     _ecdsa(server, SERVER_TITLE + CLIENT_TITLE + ctos + stoc))
    keys = Keyring(titles={CLIENT_TITLE: Keys(public_key=client.public_key()),
                           SERVER_TITLE: Keys(public_key=server.public_key())})
    records, _ = read(path, keys)
    assert _hls(records) == [("f(StoC)", True, None), ("f(CtoS)", True, None)]
    swapped = Keyring(titles={CLIENT_TITLE: Keys(public_key=server.public_key()),
                              SERVER_TITLE: Keys(public_key=client.public_key())})
    records, _ = read(path, swapped)
    assert [v for _, v, _ in _hls(records)] == [False, False] and len(_failures(records)) == 2
