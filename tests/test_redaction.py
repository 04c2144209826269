"""Key material that deciphering revealed (the dedicated key of a ciphered InitiateRequest) is
redacted in every view unless asked for (issue 5: keys never appear in default output).

The key comes from the Green Book AARQ vector's own checked plaintext: InitiateRequest tag 01,
dedicated-key present (01), length 0x10, then the 16 key octets.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests._vectors import data, vector, with_password
from tests.test_capture import BUNDLED, needs_tshark
from tests.test_capture_security import read, tcp_capture
from tests.test_cli import DLMS
from translator import decode, from_xml, to_xml
from translator.errors import XmlError
from translator.security import Keyring, Keys
from translator.views.jsonview import message_to_json
from translator.views.text import print_messages

VID = "acse-aarq-glo-initiate-greenbook"


def _keys() -> Keyring:
    k = vector(VID)["keys"]
    return Keyring(Keys(block_cipher_key=k["encryption_key"],
                        authentication_key=k["authentication_key"]))


def _dedicated_key() -> bytes:
    plain = bytes.fromhex(vector(VID)["checks"]["decrypted"])
    assert plain[:3] == b"\x01\x01\x10"  # InitiateRequest, dedicated-key present, 16 octets
    return plain[3:19]


def _shows_key(text: str) -> bool:
    key = _dedicated_key()
    return any(form in text for form in (key.hex().upper(), key.hex(), key.hex(" ").upper()))


def test_the_api_keeps_the_key_and_the_views_hide_it():
    msg = decode(data(VID), keys=_keys())
    assert msg.security.apdu["body"]["dedicated_key"] == _dedicated_key()
    assert not _shows_key(json.dumps(message_to_json(msg)))
    assert "redacted (16 octets)" in json.dumps(message_to_json(msg))
    assert _shows_key(json.dumps(message_to_json(msg, show_keys=True)))
    assert not _shows_key(repr(msg.tree.find("dedicated_key")))
    assert msg.view_tree(show_keys=True).find("dedicated_key").value == _dedicated_key()


def test_the_redacted_field_keeps_its_span():
    msg = decode(data(VID), keys=_keys())
    shown = msg.view_tree(show_keys=True).find("dedicated_key")
    hidden = msg.tree.find("dedicated_key")
    assert (hidden.offset, hidden.length) == (shown.offset, shown.length) == (1, 18)


def test_text_view(tmp_path):
    msg = decode(data(VID), keys=_keys())
    for show, expect in ((False, False), (True, True)):
        path = tmp_path / f"out{show}.txt"
        with path.open("w") as f:
            print_messages([msg], file=f, show_keys=show)
        assert _shows_key(path.read_text()) is expect


PASSWORD = b"12345678"
"""The LLS password of the Green Book AARQ (the vector's description)."""


def test_xml_zeroes_the_key_names_it_and_still_round_trips():
    """The dedicated key is zeroed in the deciphered view (the ciphered octets still hold it);
    the LLS password, which no other octets hold, is zeroed and encode asks for it back."""
    msg = decode(data(VID), keys=_keys())
    hidden, shown = to_xml(msg), to_xml(msg, show_keys=True)
    assert not _shows_key(hidden) and _shows_key(shown)
    assert 'redacted="dedicated_key"' in hidden and "redacted=" not in shown
    assert '<DedicatedKey Value="00000000000000000000000000000000" />' in hidden
    assert PASSWORD.hex().upper() not in hidden and PASSWORD.hex().upper() in shown
    with pytest.raises(XmlError, match="LLS password was redacted"):
        from_xml(hidden)
    assert from_xml(with_password(hidden, PASSWORD)) == from_xml(shown) == data(VID)


def test_an_edited_redacted_view_is_still_refused():
    hidden = with_password(to_xml(decode(data(VID), keys=_keys())), PASSWORD)
    edited = hidden.replace('<ProposedMaxPduSize Value="04B0" />',
                            '<ProposedMaxPduSize Value="04B1" />')
    assert edited != hidden
    with pytest.raises(XmlError, match="edited"):
        from_xml(edited)


def test_a_key_seen_in_clear_on_the_wire_is_shown_as_it_is():
    """Only what our keys revealed is hidden: a (non-conforming) InitiateRequest carrying a
    dedicated key in clear is wire content, and its views stay byte-exact."""
    plain = bytes.fromhex(vector(VID)["checks"]["decrypted"])
    msg = decode(plain, layer="apdu")
    assert _shows_key(json.dumps(message_to_json(msg)))


@pytest.mark.skipif(DLMS is None, reason="the dlms console script is not installed")
@pytest.mark.parametrize("to", ["text", "json", "simple"])
def test_cli_decode(tmp_path, to):
    k = vector(VID)["keys"]
    keys = tmp_path / "keys.toml"
    keys.write_text(f'[default]\nblock_cipher_key = "{k["encryption_key"]}"\n'
                    f'authentication_key = "{k["authentication_key"]}"\n')
    base = [*DLMS, "decode", "--keys", str(keys), "--to", to, data(VID).hex()]
    hidden = subprocess.run(base, capture_output=True, text=True, timeout=60)
    shown = subprocess.run([*base, "--show-keys"], capture_output=True, text=True, timeout=60)
    assert hidden.returncode == shown.returncode == 0, hidden.stderr + shown.stderr
    assert not _shows_key(hidden.stdout + hidden.stderr) and "redacted" in hidden.stdout
    assert _shows_key(shown.stdout)


@needs_tshark
@pytest.mark.skipif(DLMS is None, reason="the dlms console script is not installed")
def test_capture_outputs(tmp_path):
    """dlms capture shows the deciphered InitiateRequest in its XML (and the AARQ's records):
    the key only with --show-keys."""
    path = tcp_capture(tmp_path / "aarq.pcap", [data(VID)])
    (record,), _ = read(path, _keys())
    assert record.security["decrypted"] and record.security["location"] == "user_information"
    k = vector(VID)["keys"]
    keys = tmp_path / "keys.toml"
    keys.write_text(f'[default]\nblock_cipher_key = "{k["encryption_key"]}"\n'
                    f'authentication_key = "{k["authentication_key"]}"\n')
    base = [*DLMS, "capture", str(path), "--keys", str(keys)]
    for extra in (["--to", "xml"], ["--to", "jsonl"], ["-v"]):
        r = subprocess.run([*base, *extra], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert not _shows_key(r.stdout + r.stderr), extra
    r = subprocess.run([*base, "--to", "xml", "--show-keys"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and _shows_key(r.stdout)


@pytest.mark.skipif(DLMS is None, reason="the dlms console script is not installed")
@pytest.mark.parametrize("to", ["text", "json", "simple"])
def test_lls_password_is_redacted_in_decode_unless_show_keys(to):
    """acse-aarq-23: an AARQ with LLS, password '12345678' (the vector's description). The
    password is a secret of the user's even though it travels in clear: text and JSON show
    its length only; --show-keys shows it."""
    hexed = data("acse-aarq-23").hex()
    shown = "12345678" if to == "text" else "3132333435363738"
    out = subprocess.run([*DLMS, "decode", "--to", to, hexed], capture_output=True, text=True)
    assert out.returncode == 0 and shown not in out.stdout.replace(" ", "")
    assert ('dt:redacted="password"' if to == "simple" else "redacted (8 octets)") in out.stdout
    if to == "simple":  # encode refuses the zeros rather than send a password nobody gave
        back = subprocess.run([*DLMS, "encode"], input=out.stdout, capture_output=True, text=True)
        assert back.returncode == 1 and "LLS password was redacted" in back.stderr
        assert len(back.stderr.strip().splitlines()) == 1
    out = subprocess.run([*DLMS, "decode", "--to", to, "--show-keys", hexed],
                         capture_output=True, text=True)
    assert shown in out.stdout.replace(" ", "").upper()


@needs_tshark
@pytest.mark.skipif(DLMS is None, reason="the dlms console script is not installed")
def test_lls_password_is_redacted_in_capture_records():
    """The andrebdo capture's AARQs carry LLS passwords (its note); jsonl and -v hide them."""
    path = str(BUNDLED / "andrebdo_udp4059_hdlc_and_4_32_llc.pcap")
    for options in (["--to", "jsonl"], ["-v"]):
        out = subprocess.run([*DLMS, "capture", path, *options], capture_output=True, text=True)
        assert "3031323334353637" not in out.stdout and '"01234567"' not in out.stdout
        assert "redacted (8 octets)" in out.stdout
