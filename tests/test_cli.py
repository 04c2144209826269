"""The installed ``dlms`` command, run as a user runs it: a subprocess (DESIGN section 3)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests._vectors import data, frames

_BIN = Path(sys.executable).parent / "dlms"
DLMS = [str(_BIN)] if _BIN.exists() else ([shutil.which("dlms")] if shutil.which("dlms") else None)
pytestmark = pytest.mark.skipif(DLMS is None, reason="the dlms console script is not installed "
                                                     "(pip install -e .)")
README_HEX = "7E A0 19 03 21 32 6F D8 E6 E6 00 C0 01 C1 00 01 00 00 2A 00 00 FF 02 00 12 80 7E"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([*DLMS, *args], input=stdin, capture_output=True, text=True,
                          timeout=60, env=env)


def test_decode_readme_frame_as_text():
    r = run("decode", *README_HEX.split())
    assert r.returncode == 0, r.stderr
    assert "get_request_normal" in r.stdout
    assert "00 00 2A 00 00 FF" in r.stdout  # the logical device name's OBIS code
    assert r.stderr == ""


def test_decode_json_tolerant_hex_from_stdin():
    text = "0x7E,0xA0,0x19\n03 21 32 6F D8 E6 E6 00 C0 01 C1 00 01 00 00 2A 00 00 FF 02 00 12 80 7E\n"
    r = run("decode", "--to", "json", "-", stdin=text)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    # Invoke-Id-And-Priority 0xC1 (Green Book): invoke id in bits 0-3, service class bit 6
    # (1 = confirmed), priority bit 7 (1 = high)
    assert out["service"] == "get_request_normal"
    assert (out["invoke_id"], out["priority"], out["service_class"]) == (1, "high", "confirmed")
    desc = out["layers"]["apdu"]["body"]["get_request"]["cosem_attribute_descriptor"]
    assert {key: field["value"] for key, field in desc.items()} == {
        "class_id": 1, "instance_id": "00002A0000FF", "attribute_id": 2}
    assert desc["class_id"]["text"] == "1 (Data)"            # Blue Book class id 1
    assert desc["instance_id"]["text"].startswith("0-0:42.0.0*255 (COSEM logical device name)")


def test_decode_file_with_several_frames(tmp_path):
    path = tmp_path / "session.hex"
    path.write_text("\n".join(f.hex(" ") for f in frames("hdlc-session-clock-jdlms")))
    r = run("decode", "--to", "json", "-f", str(path))
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(lines) == 22
    assert lines[0]["service"] == "get_request_normal"
    assert lines[1]["service"] == "get_response_normal"


def test_bad_hex_is_one_line_exit_1():
    r = run("decode", "7E A0 ZZ")
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("dlms: error: input at offset 6: expected hex digits")


def test_truncated_frame_names_layer_and_offset():
    r = run("decode", data("hdlc-gurux-readme-get-ldn")[:12].hex())
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert r.stderr.splitlines() == [r.stderr.strip()]
    assert r.stderr.startswith("dlms: error: hdlc at offset ")
    assert "expected" in r.stderr


def test_malformed_apdu_names_layer_and_offset():
    r = run("decode", data("xdlms-get-response-with-list-truncated-issue51").hex())
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1].startswith("dlms: error: xdlms at offset 6: expected")


def test_usage_error_exit_2():
    r = run("decode", "--to", "nonsense", "00")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


def test_help_has_examples():
    r = run("decode", "--help")
    assert r.returncode == 0 and "examples:" in r.stdout


def test_missing_file_is_one_line():
    r = run("decode", "-f", "/nonexistent/file.hex")
    assert r.returncode == 1 and "Traceback" not in r.stderr and r.stderr.count("\n") == 1


GGC = data("xdlms-ggc-dummykey-notification").hex()
DUMMY_KEY = "4D5944554D4D59474C4F42414C4B4559"  # the vector's published test key


def test_decode_with_keys_file_deciphers(tmp_path):
    keys = tmp_path / "keys.toml"
    keys.write_text(f'[default]\nblock_cipher_key = "{DUMMY_KEY}"\nauthentication_key = "{DUMMY_KEY}"\n')
    r = run("decode", "--to", "json", "--keys", str(keys), GGC)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["security"]["verified"] is True and out["security"]["invocation_counter"] == 0x1E5
    assert out["layers"]["plaintext"]["tag"] == "data_notification"
    assert DUMMY_KEY.lower() not in (r.stdout + r.stderr).lower()


def test_wrong_key_from_environment_is_one_line_and_never_printed():
    wrong = "00112233445566778899AABBCCDDEEFF"
    env = {**os.environ, "DLMS_BLOCK_CIPHER_KEY": wrong, "DLMS_AUTHENTICATION_KEY": wrong}
    r = subprocess.run([*DLMS, "decode", GGC], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1].startswith("dlms: error: authentication tag mismatch")
    assert "Traceback" not in r.stderr
    assert wrong.lower() not in (r.stdout + r.stderr).lower()


def test_decode_to_simple_xml_then_encode_is_byte_exact(tmp_path):
    raw = data("hdlc-dlms-cosem-199")
    r = run("decode", "--to", "simple", raw.hex())
    assert r.returncode == 0, r.stderr
    assert "<AssociationResponse>" in r.stdout
    path = tmp_path / "m.xml"
    path.write_text(r.stdout)
    r2 = run("encode", str(path))
    assert r2.returncode == 0, r2.stderr
    assert bytes.fromhex(r2.stdout.strip()) == raw


def test_comments_name_the_obis_code():
    r = run("decode", "--to", "simple", "--comments", data("hdlc-gurux-readme-get-ldn").hex())
    assert r.returncode == 0, r.stderr
    assert "<!--" in r.stdout and "0.0.42.0.0.255" in r.stdout
    r2 = run("encode", "-", stdin=r.stdout)  # comments do not disturb the way back
    assert bytes.fromhex(r2.stdout.strip()) == data("hdlc-gurux-readme-get-ldn")


def test_encode_gurux_reference_xml_from_stdin():
    from tests._vectors import vector

    v = vector("hdlc-gurux-readme-get-ldn")
    r = run("encode", "-", stdin=v["reference_xml_gurux_simple"])
    assert r.returncode == 0, r.stderr
    assert bytes.fromhex(r.stdout.strip()) == data(v["id"])


def test_encode_hostile_xml_is_one_line_exit_1():
    laughs = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
              "<HDLC>&b;</HDLC>")
    r = run("encode", "-", stdin=laughs)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("dlms: error:")


def test_reader_closing_early_is_not_an_error():
    # `dlms decode -f big.hex | head -1`: the pipe closes under us; no error line, no traceback
    hexes = "\n".join(f.hex() for f in frames("hdlc-session-clock-jdlms")) * 200
    p = subprocess.Popen([*DLMS, "decode", "--to", "json", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdin.write(hexes)
    p.stdin.close()
    p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait(timeout=60) == 0
    assert "error" not in err and "Traceback" not in err
