"""``dlms capture`` (``translator.capture.cli.run_capture``): outputs, --stats, exit status."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from tests.test_capture import capture_path, needs_tshark
from translator.capture.cli import add_arguments, run_capture

DESIGN_FIELDS = {"packets", "time", "stream", "src", "dst", "direction", "layer", "service",
                 "invoke_id", "bytes", "error", "security", "summary"}


def run(*argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="dlms capture")
    add_arguments(parser)
    out = io.StringIO()
    code = run_capture(parser.parse_args([str(a) for a in argv]), out)
    return code, out.getvalue()


@needs_tshark
def test_text_lines_and_clean_exit():
    code, text = run(capture_path("gurux_session_wrapper_tcp4059.pcapng"))
    lines = text.splitlines()
    assert code == 0 and len(lines) == 22  # the 22 wrapper messages of the session
    assert "C->S AARQ" in lines[0] and "S->C AARE" in lines[1]
    assert "GetRequestNormal class 1 0.0.42.0.0.255 attribute 2" in text  # the note's LDN read


@needs_tshark
def test_errors_give_exit_1_and_one_line(capsys):
    code, text = run(capture_path("andrebdo_udp4059_hdlc_and_4_32_llc.pcap"))
    assert code == 1 and len(text.splitlines()) == 51
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("dlms: error: 1 of 51 message(s)")
    assert "packet 3" in err[0] and "FCS" in err[0]


@needs_tshark
def test_jsonl_records_have_the_design_fields():
    code, text = run(capture_path("htanwar_wrapper_tcp4059_epri_access.pcap"), "--to", "jsonl")
    rows = [json.loads(line) for line in text.splitlines()]
    assert code == 0 and len(rows) == 52
    for row in rows:
        assert DESIGN_FIELDS <= set(row)
        assert row["layer"] == "wrapper" and row["stream"] == "tcp:0"
    access = [r for r in rows if r["service"] in ("AccessRequest", "AccessResponse")]
    assert len(access) == 2  # the note's one ACCESS-Request/-Response
    assert rows[0]["apdu"]["tag"] == "aarq"


@needs_tshark
def test_stats_text_and_json():
    path = capture_path("htanwar_wrapper_tcp4064_glo_enc_with_dns.pcap")
    code, text = run(path, "--stats")
    assert code == 0  # the two ACCESS APDUs under tag 0x00 and Gurux's RLRE: warnings only
    assert run(path, "--stats", "--strict")[0] == 1  # --strict: warnings count as errors
    assert "associations 1" in text and "skipped (not DLMS)" in text and "dns" in text
    assert "no block cipher key" not in text  # notes are per message, not in the summary
    code, text = run(path, "--stats", "--to", "jsonl")
    stats = json.loads(text)
    assert stats["associations_total"] == 1 and stats["skipped_packets"]["dns"] > 0
    assert stats["associations"][0]["context"] == "logical_name_referencing_with_ciphering"
    assert stats["latency"]["count"] > 100


@needs_tshark
def test_keys_file(tmp_path, capsys):
    path = capture_path("htanwar_wrapper_tcp4063_hls_gmac_glo.pcap")
    keys = tmp_path / "keys.toml"
    keys.write_text('[system_title.4D4D4D0000BC614E]\nblock_cipher_key = '
                    '"000102030405060708090A0B0C0D0E0F"\nauthentication_key = '
                    '"D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"\n[system_title.4142434445464748]\n'
                    'block_cipher_key = "000102030405060708090A0B0C0D0E0F"\n'
                    'authentication_key = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"\n')
    code, text = run(path, "--keys", keys, "--to", "jsonl")
    assert code == 0  # the note's tag-0x00 ACCESS APDUs and Gurux's RLRE: warnings only
    rows = [json.loads(line) for line in text.splitlines()]
    glo = [r for r in rows if r["security"] and "location" not in r["security"]
           and r["security"]["protected"].startswith("glo")]
    # the note's 260 glo- APDUs, and the two ACCESS APDUs under tag 0x00 (frames 9 and 10)
    assert len(glo) == 262 and all(r["security"]["verified"] for r in glo)
    assert [r["number"] for r in rows if r.get("warnings")] == [9, 10, 266]
    assert "000102030405060708090A0B0C0D0E0F" not in text
    bad = tmp_path / "bad.toml"
    bad.write_text('[default]\nblock_cipher_key = "0001"\n')
    capsys.readouterr()
    code, _ = run(path, "--keys", bad)
    err = capsys.readouterr().err
    assert code == 1 and "block_cipher_key" in err and "0001" not in err


def test_missing_file(tmp_path, capsys):
    code, _ = run(tmp_path / "absent.pcap")
    assert code == 1 and capsys.readouterr().err.startswith("dlms: error:")


@needs_tshark
def test_xml_output():
    pytest.importorskip("translator.xml")
    code, text = run(capture_path("gurux_session_wrapper_tcp4059.pcapng"), "--to", "xml")
    assert code == 0
    assert text.startswith("<Capture>") and text.rstrip().endswith("</Capture>")
    assert text.count("<!-- #") == 22


@needs_tshark
def test_verbose_text_shows_the_tree():
    code, text = run(capture_path("htanwar_wrapper_tcp4059_general_glo_access_null.pcap"), "-v")
    assert code == 0
    assert "calling_ap_title" in text or "application_context_name" in text
