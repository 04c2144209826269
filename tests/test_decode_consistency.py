"""Issue 11 part B for ``dlms decode``: lone glo- APDUs deciphered with a keyring's system titles,
the note of a ciphered APDU without keys, a bad FCS as an error.

Expected plaintexts and titles come from the vectors (``keys``, ``checks``), never from the code.
"""

from __future__ import annotations

import json

from tests._vectors import data, vector
from tests.test_cli import pytestmark, run  # noqa: F401 - the marker skips without `dlms`

SC10 = "crypto-glo-get-request-sc10"   # authenticated only: the tag tells the title
SC20 = "crypto-glo-get-request-sc20"   # encrypted only: nothing tells the title


def _keys_file(tmp_path, *titles: str) -> str:
    """A keys file with the vector's keys under each of ``titles`` (no [default] table)."""
    keys = vector(SC10)["keys"]
    text = "".join(f'[system_title.{t}]\nblock_cipher_key = "{keys["encryption_key"]}"\n'
                   f'authentication_key = "{keys["authentication_key"]}"\n' for t in titles)
    path = tmp_path / "keys.toml"
    path.write_text(text)
    return str(path)


def _other_title(title: str) -> str:
    return title[:-2] + f"{(int(title[-2:], 16) + 1) % 256:02X}"


def test_lone_glo_get_request_deciphers_and_verifies_with_the_title_of_the_keys(tmp_path):
    title = vector(SC10)["keys"]["system_title"]
    keys = _keys_file(tmp_path, _other_title(title), title)  # the right one is not the first
    r = run("decode", "--to", "json", "--keys", keys, data(SC10).hex())
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["security"]["verified"] is True
    assert out["security"]["system_title"] == title
    assert out["layers"]["plaintext"]["tag"] == "get_request"
    assert f"system title {title}" in r.stderr and "verifies" in r.stderr
    assert vector(SC10)["keys"]["encryption_key"].lower() not in (r.stdout + r.stderr).lower()


def test_encryption_only_with_one_title_uses_it_and_says_so(tmp_path):
    title = vector(SC20)["keys"]["system_title"]
    r = run("decode", "--to", "json", "--keys", _keys_file(tmp_path, title), data(SC20).hex())
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["security"]["decrypted"] is True and out["security"]["verified"] is False
    assert out["layers"]["plaintext"]["tag"] == "get_request"
    assert f"system title {title} assumed" in r.stderr


def test_encryption_only_with_two_titles_guesses_none(tmp_path):
    title = vector(SC20)["keys"]["system_title"]
    keys = _keys_file(tmp_path, title, _other_title(title))
    r = run("decode", "--to", "json", "--keys", keys, data(SC20).hex())
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["security"] is None
    assert "no system title" in r.stderr


def test_lone_glo_apdu_through_the_api_plaintext_is_the_vectors(tmp_path):
    from translator import decode
    from translator.security import Keyring

    v = vector(SC10)
    msg = decode(data(SC10), keys=Keyring.load(_keys_file(tmp_path, v["keys"]["system_title"])))
    assert msg.security.verified
    assert msg.security.plaintext.hex() == v["checks"]["decrypted"]


def test_ciphered_apdu_without_any_keys_says_no_key_was_given():
    r = run("decode", data(SC20).hex())
    assert r.returncode == 0, r.stderr
    assert "dlms: note: ciphered; no keys given (--keys)" in r.stderr


def test_ciphered_apdu_without_keys_api_note():
    from translator import decode

    # general-glo-ciphering carries its title: db 08 2F19229199164103 ... (the vector's hex)
    msg = decode(data("xdlms-ggc-dummykey-notification"))
    assert msg.notes == ["ciphered; no keys given (--keys); system title 2F19229199164103"]


# --- a bad FCS is an error ------------------------------------------------------------------------

README = "hdlc-gurux-readme-get-ldn"


def test_good_frame_exits_0_with_nothing_on_stderr():
    r = run("decode", data(README).hex())
    assert r.returncode == 0 and r.stderr == ""


def test_bad_fcs_frame_is_shown_and_exits_1_with_one_line():
    raw = bytearray(data(README))
    raw[-2] ^= 0x01  # the last FCS octet
    r = run("decode", "--to", "json", raw.hex())
    assert r.returncode == 1
    assert r.stderr.splitlines() == [r.stderr.strip()] and r.stderr.startswith("dlms: error: hdlc")
    assert "FCS" in r.stderr
    out = json.loads(r.stdout)  # still decoded and shown
    assert out["service"] == "get_request_normal"


# --- octets after a complete APDU -----------------------------------------------------------------

SET_RESPONSE = "xdlms-c501c100-4"   # SET-Response-Normal, 4 octets (c5 01 c1 00)


def test_trailing_octet_after_a_set_response_keeps_the_apdu_and_marks_the_octet():
    from translator import decode_all, encode

    raw = data(SET_RESPONSE) + b"\x00"
    (msg,) = decode_all(raw)
    assert msg.service == "set_response_normal"
    assert msg.apdu["body"]["set_response"]["invoke_id_and_priority"] == 0xC1
    (error,) = msg.errors
    assert error.offset == len(data(SET_RESPONSE)) and "1 extra octet" in str(error)
    assert msg.spans["extra_octets"] == (4, 1)
    assert encode(msg) == raw


def test_trailing_octet_in_the_cli_shows_the_apdu_and_exits_1():
    r = run("decode", "--to", "json", (data(SET_RESPONSE) + b"\x00").hex())
    assert r.returncode == 1
    assert json.loads(r.stdout)["service"] == "set_response_normal"
    assert r.stderr == "dlms: error: apdu at offset 4: expected the end of the APDU, got 1 extra " \
                       "octet(s)\n"
