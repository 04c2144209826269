"""``dlms encode --protect`` (issue 5): cleartext APDUs in, the vectors' protected octets out.

Run as a user runs it: the installed ``dlms`` in a subprocess. The expected octets are the
vectors' ``hex``; the plaintexts are the vectors' ``expected``/``checks``/Gurux decrypted XML;
security control, invocation counter and system title are read from Gurux's XML of the protected
APDU (``reference_xml_gurux_simple``) or the vector's ``keys``. No key may appear in any output.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests._vectors import data, vector
from translator import decode
from translator.security import Keyring, Keys
from translator.security.cli import add_protect_arguments, cleartexts, wants_protect

_BIN = Path(sys.executable).parent / "dlms"
GB = "crypto-glo-get-request-sc10"  # the Green Book keys, system title and invocation counter


def keys_toml(tmp_path: Path, vid: str, **extra: str) -> Path:
    k = vector(vid)["keys"]
    lines = ["[default]", f'block_cipher_key = "{k["encryption_key"]}"']
    if "authentication_key" in k:
        lines.append(f'authentication_key = "{k["authentication_key"]}"')
    lines += [f'{name} = "{value}"' for name, value in extra.items()]
    path = tmp_path / "keys.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def secrets(vid: str, *more: str) -> list[str]:
    return [v for name, v in vector(vid)["keys"].items() if name.endswith("_key")] + list(more)


def run(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DLMS_")}
    environ.update(env or {})
    return subprocess.run([str(_BIN), "encode", *args], input=stdin, capture_output=True,
                          text=True, timeout=60, env=environ, check=False)


def assert_no_key(r: subprocess.CompletedProcess, keys: list[str]) -> None:
    """No key in stdout or stderr: as hex in either case, with or without spaces."""
    text = re.sub(r"[\s:]", "", r.stdout + r.stderr).upper()
    for key in keys:
        assert key.upper() not in text


def glo_args(vid: str, sc: int, ic: int, title: str, keys: Path, service: str = "glo") -> list[str]:
    return ["--protect", service, "--sc", f"{sc:02X}", "--system-title", title,
            "--invocation-counter", str(ic), "--keys", str(keys)]


def gurux_header(vid: str) -> tuple[int, int, str | None]:
    """(SC, IC, system title) from Gurux's XML of the protected APDU."""
    ref = vector(vid)["reference_xml_gurux_simple"]
    m = re.search(r'<(?:glo_\w+|CipheredService) Value="([0-9A-F]{10})', ref)
    head = bytes.fromhex(m.group(1))
    t = re.search(r'<SystemTitle Value="([0-9A-F]{16})"', ref)
    return head[0], int.from_bytes(head[1:], "big"), t.group(1) if t else None


# --- the Green Book ciphertexts and tags ----------------------------------------------------------

@pytest.mark.parametrize("vid", ["crypto-glo-get-request-sc10", "crypto-glo-get-request-sc20"])
def test_green_book_get_request(vid, tmp_path):
    v = vector(vid)
    sc, ic, _ = gurux_header(vid)
    assert ic == int(v["keys"]["invocation_counter"], 16)
    r = run(*glo_args(vid, sc, ic, v["keys"]["system_title"], keys_toml(tmp_path, vid)),
            "--hex", v["expected"]["plaintext"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [v["hex"].upper()]
    assert r.stderr == ""
    assert_no_key(r, secrets(vid))


def test_green_book_get_request_from_gurux_xml_of_the_plaintext(tmp_path):
    """The cleartext given as Gurux's own XML of it, in a file; hex invocation counter."""
    v = vector(GB)
    path = tmp_path / "plain.xml"
    path.write_text(v["reference_xml_gurux_decrypted"])
    args = glo_args(GB, 0x10, 0, v["keys"]["system_title"], keys_toml(tmp_path, GB))
    args[args.index("--invocation-counter") + 1] = "0x" + v["keys"]["invocation_counter"]
    r = run(*args, str(path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [v["hex"].upper()]


def test_green_book_glo_initiate_request_authenticated_and_encrypted(tmp_path):
    """SC 30: the AARQ's user-information carries exactly this glo-initiate-request."""
    vid = "acse-aarq-glo-initiate-greenbook"
    v = vector(vid)
    sc, ic, _ = gurux_header(vid)
    assert sc == 0x30
    r = run(*glo_args(vid, sc, ic, v["keys"]["system_title"], keys_toml(tmp_path, vid)),
            stdin=v["checks"]["decrypted"] + "\n")
    assert r.returncode == 0, r.stderr
    out = bytes.fromhex(r.stdout.strip())
    assert out[0] == 0x21  # glo-initiate-request
    assert data(vid).endswith(out)  # user-information is the AARQ's last component
    assert_no_key(r, secrets(vid))


def test_general_glo_ciphering_with_keys_from_the_environment():
    vid = "xdlms-ggc-dummykey-notification"
    v = vector(vid)
    sc, ic, title = gurux_header(vid)
    env = {"DLMS_BLOCK_CIPHER_KEY": v["keys"]["encryption_key"],
           "DLMS_AUTHENTICATION_KEY": v["keys"]["authentication_key"]}
    r = run("--protect", "general-glo", "--sc", f"{sc:02X}", "--system-title", title,
            "--invocation-counter", str(ic), "--hex", v["checks"]["decrypted"], env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [v["hex"].upper()]
    assert_no_key(r, secrets(vid))


def test_general_glo_ciphering_in_the_udp_wrapper(tmp_path):
    """Framed as the meter sent it (wPorts 1 and 1): the whole vector, header included."""
    vid = "wrapper-udp-ggc-ic-0001e502"
    v = vector(vid)
    sc, ic, title = gurux_header(vid)
    assert re.search(r'<TargetAddress Value="1" />\s*<SourceAddress Value="1" />',
                     v["reference_xml_gurux_simple"])
    r = run("--protect", "general-glo", "--sc", f"{sc:02X}", "--system-title", title,
            "--invocation-counter", str(ic), "--keys", str(keys_toml(tmp_path, vid)),
            "--wrapper", "--client", "1", "--server", "1", "--hex", v["checks"]["decrypted"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [v["hex"].upper()]


def test_several_apdus_take_consecutive_invocation_counters(tmp_path):
    """A GCM IV must not repeat: the second APDU gets IC + 1 (the octets after tag, length and
    security control), and decodes to the same plaintext."""
    v = vector(GB)
    text = v["expected"]["plaintext"] + "\n\n" + v["expected"]["plaintext"] + "\n"
    r = run(*glo_args(GB, 0x30, 7, v["keys"]["system_title"], keys_toml(tmp_path, GB)),
            stdin=text)
    assert r.returncode == 0, r.stderr
    first, second = (bytes.fromhex(x) for x in r.stdout.split())
    assert int.from_bytes(first[3:7], "big") == 7 and int.from_bytes(second[3:7], "big") == 8
    keys = Keyring(Keys(block_cipher_key=v["keys"]["encryption_key"],
                        authentication_key=v["keys"]["authentication_key"]))
    for octets in (first, second):
        msg = decode(octets, keys=keys, system_title=v["keys"]["system_title"])
        assert msg.security.verified
        assert msg.security.plaintext == bytes.fromhex(v["expected"]["plaintext"])


def test_dedicated_key(tmp_path):
    """ded-get-request (tag 0xD0) under the dedicated key the Green Book AARQ carries."""
    v = vector(GB)
    dedicated = "00112233445566778899AABBCCDDEEFF"
    assert dedicated in vector("acse-aarq-glo-initiate-greenbook")["reference_xml_gurux_decrypted"]
    keys = keys_toml(tmp_path, GB, dedicated_key=dedicated)
    r = run(*glo_args(GB, 0x30, 1, v["keys"]["system_title"], keys, "ded"),
            "--hex", v["expected"]["plaintext"])
    assert r.returncode == 0, r.stderr
    out = bytes.fromhex(r.stdout.strip())
    assert out[0] == 0xD0
    ring = Keyring(Keys(dedicated_key=dedicated, authentication_key=v["keys"]["authentication_key"]))
    msg = decode(out, keys=ring, system_title=v["keys"]["system_title"])
    assert msg.security.verified
    assert msg.security.plaintext == bytes.fromhex(v["expected"]["plaintext"])
    assert_no_key(r, secrets(GB, dedicated))


# --- errors: one line, the right exit code, never a key ---------------------------------------------

def test_missing_authentication_key_is_an_error_without_key_material(tmp_path):
    k = vector(GB)["keys"]
    path = tmp_path / "keys.toml"
    path.write_text(f'[default]\nblock_cipher_key = "{k["encryption_key"]}"\n')
    r = run(*glo_args(GB, 0x30, 1, k["system_title"], path), "--hex", "C0010000080000010000FF0200")
    assert r.returncode == 1
    assert r.stdout == "" and len(r.stderr.splitlines()) == 1
    assert "authentication key" in r.stderr
    assert_no_key(r, secrets(GB))


def test_missing_dedicated_key_is_an_error_without_key_material(tmp_path):
    k = vector(GB)["keys"]
    r = run(*glo_args(GB, 0x30, 1, k["system_title"], keys_toml(tmp_path, GB), "ded"),
            "--hex", "C0010000080000010000FF0200")
    assert r.returncode == 1 and "dedicated key" in r.stderr
    assert_no_key(r, secrets(GB))


def test_a_keys_file_with_a_bad_key_is_named_not_quoted(tmp_path):
    k = vector(GB)["keys"]
    short = k["authentication_key"][:-2]
    path = tmp_path / "keys.toml"
    path.write_text(f'[default]\nblock_cipher_key = "{k["encryption_key"]}"\n'
                    f'authentication_key = "{short}"\n')
    r = run(*glo_args(GB, 0x30, 1, k["system_title"], path), "--hex", "C0010000080000010000FF0200")
    assert r.returncode == 1 and "authentication_key" in r.stderr
    assert_no_key(r, secrets(GB, short))


def test_a_cleartext_that_is_no_apdu_is_an_error(tmp_path):
    k = vector(GB)["keys"]
    r = run(*glo_args(GB, 0x30, 1, k["system_title"], keys_toml(tmp_path, GB)), "--hex", "FF00")
    assert r.returncode == 1 and r.stderr.startswith("dlms: error:")
    assert_no_key(r, secrets(GB))


@pytest.mark.parametrize("args, needle", [
    (["--protect", "glo", "--invocation-counter", "1", "--hex", "C001"], "--system-title"),
    (["--protect", "glo", "--system-title", "4D4D4D0000BC614E", "--hex", "C001"],
     "--invocation-counter"),
    (["--protect", "glo", "--system-title", "4D4D4D0000BC614E", "--invocation-counter", "1",
      "--hex", "C001"], "keys"),
    (["--sc", "30", "--hex", "C001"], "--protect"),
    (["--protect", "glo", "--system-title", "4D4D4D00", "--invocation-counter", "1"], "8 octets"),
    (["--protect", "glo", "--system-title", "4D4D4D0000BC614E", "--invocation-counter",
      str(1 << 32)], "32 bits"),
])
def test_usage_errors_exit_2(args, needle):
    r = run(*args)
    assert r.returncode == 2
    assert needle in r.stderr and len(r.stderr.splitlines()) == 1


def test_plain_encode_is_unchanged():
    """Without --protect, encode still turns XML into the same octets."""
    vid = "crypto-glo-get-request-sc10"
    r = run(stdin=vector(vid)["reference_xml_gurux_simple"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [vector(vid)["hex"].upper()]


# --- the helpers in-process -------------------------------------------------------------------------

def test_options_parse_as_documented():
    parser = argparse.ArgumentParser()
    add_protect_arguments(parser)
    args = parser.parse_args(["--protect", "general-ded", "--sc", "31", "--system-title",
                              "4D 4D 4D 00 00 BC 61 4E", "--invocation-counter", "0x01234567"])
    assert (args.protect, args.sc, args.invocation_counter) == ("general-ded", 0x31, 0x01234567)
    assert args.system_title == bytes.fromhex(vector(GB)["keys"]["system_title"])
    assert wants_protect(args)
    assert not wants_protect(parser.parse_args([]))


def test_cleartexts_from_xml_or_hex_lines():
    v = vector(GB)
    plaintext = bytes.fromhex(v["expected"]["plaintext"])
    assert cleartexts(v["reference_xml_gurux_decrypted"].encode()) == [plaintext]
    spaced = " ".join(f"{b:02X}" for b in plaintext)
    assert cleartexts(f"{spaced}\n\n0x{plaintext.hex()}\n".encode()) == [plaintext, plaintext]
