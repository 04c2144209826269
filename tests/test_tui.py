"""The inspector (``dlms tui``) driven through Textual's pilot on the bundled captures.

Expected list contents come from the captures' notes and tshark; the octets a tree node lights
are checked against that node's own span (the schema's) in the message's wire octets.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("textual")

from translator.tui.app import InspectorApp
from translator.tui.layout import PAYLOAD, WIRE
from translator.tui.source import CaptureSource
from translator.tui.widgets.hex_pane import HexPane
from translator.tui.widgets.message_list import MessageList
from translator.tui.widgets.tree_pane import TreePane

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ROOT / "captures"
HDLC_SUITE0 = CAPTURES / "gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng"
WRAPPER = CAPTURES / "gurux_session_wrapper_tcp4059.pcapng"
TWO_ASSOCIATIONS = CAPTURES / "htanwar_wrapper_tcp4063_two_associations_general_glo.pcap"
ANDREBDO = CAPTURES / "andrebdo_udp4059_hdlc_and_4_32_llc.pcap"


def sync(test):
    """Run an async pilot test without an async pytest plugin."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


async def _loaded(app: InspectorApp, pilot) -> None:
    for _ in range(300):
        if app.loaded:
            break
        await pilot.pause(0.05)
    assert app.loaded
    await pilot.pause()


async def _select(app: InspectorApp, pilot, number: int) -> None:
    index = next(i for i, row in enumerate(app.rows) if row.number == number)
    assert app.query_one(MessageList).select_row(index)
    await pilot.pause()
    assert app.selected is not None and app.selected.number == number


async def _highlight(app: InspectorApp, pilot, path: list[str]):
    """Open the tree along ``path`` (node names, a layer first) and put the cursor there."""
    tree = app.query_one(TreePane)
    current = tree.root
    for name in path:
        current.expand()
        await pilot.pause()
        current = next(c for c in current.children if c.data and c.data[1].name == name)
    tree.focus()
    tree.move_cursor(current)
    await pilot.pause()
    return current.data


def _tshark_count(path: Path, display_filter: str) -> int:
    out = subprocess.run(["tshark", "-r", str(path), "-Y", display_filter],
                         capture_output=True, text=True, check=True).stdout
    return len(out.splitlines())


def test_nothing_outside_tui_imports_textual():
    offenders = []
    for path in (ROOT / "translator").rglob("*.py"):
        if "tui" in path.relative_to(ROOT / "translator").parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            if any(n == "textual" or n.startswith("textual.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_textless_modules_of_the_tui_do_not_import_textual():
    code = ("import sys; import translator.tui.rows, translator.tui.source, "
            "translator.tui.filtering, translator.tui.layout, translator.tui.export, "
            "translator.tui.cli; print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@sync
async def test_list_has_one_row_per_dlms_packet():
    # every TCP payload of this capture carries one HDLC frame (tshark counts them)
    app = InspectorApp(CaptureSource(HDLC_SUITE0))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(app, pilot)
        assert len(app.rows) == _tshark_count(HDLC_SUITE0, "tcp.len > 0") == 30
        assert [app.rows[i].service for i in range(4)] == ["SNRM", "UA", "AARQ", "AARE"]
        assert app.query_one(MessageList).current.index == 0
        assert app.first_rows_seconds is not None


@sync
async def test_selected_node_lights_exactly_its_octets():
    app = InspectorApp(CaptureSource(WRAPPER))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(app, pilot)
        await _select(app, pilot, 14)      # GET 1.0.1.8.0.255 attribute 2 (the note's register)
        wire = app.selected.wire
        layer, node = await _highlight(app, pilot, ["apdu", "body", "get_request",
                                                    "cosem_attribute_descriptor",
                                                    "instance_id"])
        assert layer.space == WIRE
        hexpane = app.query_one(HexPane)
        assert hexpane.lit_octets() == wire[node.offset:node.offset + node.length]
        assert hexpane.lit_octets() == bytes([1, 0, 1, 8, 0, 255])
        layer, node = await _highlight(app, pilot, ["wrapper", "length"])
        assert hexpane.lit_octets() == wire[node.offset:node.offset + node.length]
        assert int.from_bytes(hexpane.lit_octets(), "big") == len(wire) - 8


@sync
async def test_reassembled_message_lights_across_its_frames():
    app = InspectorApp(CaptureSource(HDLC_SUITE0))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(app, pilot)
        await _select(app, pilot, 15)      # joined from the segment in packet 13 and its own
        msg = app.message
        assert len(msg.all_frames) == 2 and app.selected.flag_text().endswith("R")
        layer, node = await _highlight(app, pilot, ["apdu"])
        assert layer.space == PAYLOAD
        hexpane = app.query_one(HexPane)
        spaces = {(s, o) for s, o, _ in hexpane.marks}
        assert {s for s, _ in spaces} == {WIRE} and len(hexpane.marks) == 2
        frames = [(f.start, f.end) for f in msg.all_frames]
        for _, offset, length in hexpane.marks:   # one lit range inside each frame
            assert sum(start <= offset and offset + length <= end for start, end in frames) == 1
        assert hexpane.lit_octets() == msg.apdu_bytes[node.offset - 3:node.offset - 3 + node.length]
        assert hexpane.lit_octets() == msg.apdu_bytes


@sync
async def test_filter_narrows_the_list_and_is_validated_as_typed():
    app = InspectorApp(CaptureSource(WRAPPER))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(app, pilot)
        await pilot.press("slash")
        assert app.focused.id == "filter"
        for key in "obis:1-0:1.8.0*255":
            await pilot.press(key)
        await pilot.pause()
        listing = app.query_one(MessageList)
        # the note: register 1.0.1.8.0.255 read with its scaler-unit: attributes 2 and 3
        assert [app.rows[i].summary for i in listing.view] == [
            "GetRequestNormal class 3 1.0.1.8.0.255 attribute 2",
            "GetRequestNormal class 3 1.0.1.8.0.255 attribute 3"]
        app.query_one("#filter").value = "obis:1.0.1.8"
        await pilot.pause()
        assert app.query_one("#filter").has_class("-invalid") and app.filter_error
        assert len(listing.view) == 2     # an invalid filter leaves the list as it was
        app.query_one("#filter").value = "service:getresponse"
        await pilot.pause()
        # every server payload but the AARE and the RLRE answers a GET (tshark counts them)
        answers = _tshark_count(WRAPPER, "tcp.srcport == 4059 && tcp.len > 0") - 2
        assert len(listing.view) == answers == 9 and not app.filter_error


@sync
async def test_errors_filter_finds_the_bad_fcs():
    app = InspectorApp(CaptureSource(ANDREBDO), initial_filter="errors")
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(app, pilot)
        listing = app.query_one(MessageList)
        # the note: the AARQ in packet 3 has a bad FCS
        assert [app.rows[i].number for i in listing.view] == [3]
        assert app.rows[listing.view[0]].flag_text().startswith("E")


@sync
async def test_follow_association_and_jump_to_the_response():
    app = InspectorApp(CaptureSource(TWO_ASSOCIATIONS))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(app, pilot)
        await _select(app, pilot, 3)       # the public association's GET
        await pilot.press("a")
        await pilot.pause()
        listing = app.query_one(MessageList)
        # the note: the first association reads one object and releases: AARQ, AARE, GET
        # request and response, RLRQ, RLRE
        assert [app.rows[i].number for i in listing.view] == [1, 2, 3, 4, 5, 6]
        await pilot.press("p")
        await pilot.pause()
        assert app.selected.number == 4 and app.selected.service == "GetResponseNormal"
        await pilot.press("p")
        await pilot.pause()
        assert app.selected.number == 3


@sync
async def test_keys_dialog_deciphers_in_place():
    keys = {}
    for line in (CAPTURES / "gurux_default_keys.toml").read_text().splitlines():
        name, _, value = line.partition("=")
        if value.strip().startswith('"'):
            keys[name.strip()] = value.strip().strip('"')
    app = InspectorApp(CaptureSource(HDLC_SUITE0))
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(app, pilot)
        await _select(app, pilot, 21)      # the register's value, ciphered
        assert app.selected.service == "GeneralGloCiphering"
        assert "plaintext" not in [c.data[0].name for c in app.query_one(TreePane).root.children]
        await pilot.press("k")
        await pilot.pause()
        for key in keys["block_cipher_key"]:
            await pilot.press(key)
        rendered = app.screen.query_one("#block-cipher-key").render()
        assert keys["block_cipher_key"] not in str(rendered)
        await pilot.press("tab")
        for key in keys["authentication_key"]:
            await pilot.press(key)
        await pilot.press("enter")
        await _loaded(app, pilot)
        assert app.selected.number == 21 and app.selected.service == "GetResponseNormal"
        assert app.selected.flag_text()[3] == "D"
        names = [c.data[0].name for c in app.query_one(TreePane).root.children if c.data]
        assert "plaintext" in names
        plaintext = app.message.view_tree().find("plaintext")
        value = next(n for n in plaintext.iter() if n.name == "value" and isinstance(n.value, int))
        assert value.value == 12345678     # the note: register value 12345678


@sync
async def test_export_search_and_copy(tmp_path):
    app = InspectorApp(CaptureSource(WRAPPER), initial_filter="service:get")
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(app, pilot)
        await _select(app, pilot, 15)
        assert app.export("xml", str(tmp_path / "m.xml"))
        assert "<GetResponse>" in (tmp_path / "m.xml").read_text()
        assert app.export("json", str(tmp_path / "m.json"))
        assert json.loads((tmp_path / "m.json").read_text())["service"] == "get_response_normal"
        assert app.export("jsonl", str(tmp_path / "l.jsonl"))
        lines = (tmp_path / "l.jsonl").read_text().splitlines()
        # all payloads but AARQ, AARE, RLRQ, RLRE are GET requests and responses
        assert len(lines) == _tshark_count(WRAPPER, "tcp.len > 0") - 4 == 18
        assert json.loads(lines[0])["service"] == "GetRequestNormal"
        app.query_one(HexPane).focus()
        await pilot.press("slash")
        for key in "00bc614e":             # 12345678 as a double-long-unsigned
            await pilot.press(key)
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one(HexPane).found
        await pilot.press("escape")
        assert app.focused is app.query_one(HexPane)
        await pilot.press("c")
        assert app.clipboard == " ".join(f"{b:02X}" for b in app.selected.wire)


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    """``dlms tui ARGS`` through ``translator.tui.cli`` (the lead wires it into ``dlms``)."""
    code = ("import argparse, sys; from translator.tui.cli import add_arguments, run_tui; "
            "p = argparse.ArgumentParser(); add_arguments(p); "
            "sys.exit(run_tui(p.parse_args(sys.argv[1:])))")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)


def test_cli_missing_file_is_one_line(tmp_path):
    out = _run_cli(str(tmp_path / "nope.pcap"))
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("dlms: error: ")


@sync
async def test_hex_trace_help_and_quit():
    app = InspectorApp(CaptureSource(CAPTURES / "hdlc_session_clock_jdlms.hex"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _loaded(app, pilot)
        assert len(app.rows) == 22         # the note: 22 HDLC frames, one per line
        assert {r.service for r in app.rows} == {"GetRequestNormal", "GetResponseNormal",
                                                 "SetRequestNormal", "SetResponseNormal"}
        await pilot.press("question_mark")
        await pilot.pause()
        text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "Tab / Shift+Tab" in text and "follow the message's association" in text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


def test_store_gives_back_every_row_and_filters_on_columns():
    from dataclasses import fields

    from translator.security import Keyring
    from translator.tui.filtering import FilterError, parse_filter
    from translator.tui.store import RowStore

    keys = Keyring.load(CAPTURES / "gurux_default_keys.toml")
    rows = list(CaptureSource(HDLC_SUITE0, keys).rows())
    store = RowStore()
    store.extend(rows)
    try:
        assert len(store) == len(rows)
        for row in rows:
            again = store[row.index]
            assert all(getattr(again, f.name) == getattr(row, f.name) for f in fields(row))
        predicate = parse_filter("obis:0.0.40.0.0.255 !service:response")
        # the note: HLS-GMAC (pass 3 and 4 through the association object 0.0.40.0.0.255):
        # the client's ACTION reply_to_HLS_authentication and its GET of the object list
        assert [store.number(i) for i in store.matching(predicate)] == [10, 12]
        assert store.pair(store.matching(predicate)[0]) == next(
            r.index for r in rows if r.reply_to == 10)
    finally:
        store.close()
    gets = [r.index for r in rows if r.invoke_id == 0xC1]   # every xDLMS exchange: id 1
    assert gets and [r.index for r in rows if parse_filter("invoke:1")(r)] == gets
    assert [r.index for r in rows if parse_filter("id:0xC1")(r)] == gets
    for bad in ("obis:1.2.3", "invoke:x", "title:zz", "colour:red", "!"):
        with pytest.raises(FilterError):
            parse_filter(bad)


def test_cli_bad_keys_or_filter_is_one_line(tmp_path):
    bad_keys = tmp_path / "keys.toml"
    bad_keys.write_text('[default]\nblock_cipher_key = "00112233"\n')
    for extra in (["--keys", str(bad_keys)], ["--keys", str(tmp_path / "missing.toml")],
                  ["--filter", "obis:nope"]):
        out = _run_cli(str(WRAPPER), *extra)
        assert out.returncode == 1, extra
        assert out.stderr.count("\n") == 1 and out.stderr.startswith("dlms: error: "), extra
        assert "00112233" not in out.stderr


@sync
async def test_enter_opens_the_tree():
    app = InspectorApp(CaptureSource(WRAPPER))
    async with app.run_test(size=(80, 24)) as pilot:
        await _loaded(app, pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.selected.index == 1 and app.focused is app.query_one(TreePane)
        await pilot.press("tab")
        assert app.focused is app.query_one(HexPane)


@sync
async def test_a_record_feed_fills_the_same_list_as_it_goes():
    # what --connect and --proxy will hand over: records as their session makes them
    from translator.capture import read_capture
    from translator.tui.source import RecordFeed

    records = list(read_capture(WRAPPER))
    feed = RecordFeed("live")
    app = InspectorApp(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        for record in records[:3]:
            feed.put(record)
        for _ in range(100):
            if len(app.rows) == 3:
                break
            await pilot.pause(0.02)
        assert [app.rows[i].service for i in range(3)] == ["AARQ", "AARE", "GetRequestNormal"]
        assert not app.loaded and app.message is not None
        for record in records[3:]:
            feed.put(record)
        feed.close()
        await _loaded(app, pilot)
        assert len(app.rows) == len(records)


@sync
async def test_quitting_ends_an_open_feed():
    from translator.tui.source import RecordFeed

    app = InspectorApp(RecordFeed("live"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        await pilot.press("q")
    assert app.return_code == 0
