"""Profile generic buffers to CSV and the values of ``dlms capture`` lines (issue 14 point 4).

Expected values come from outside the code under test: the gurux peer's README
(``../shared/peers/README.md`` beside the project, also in the captures' notes) states what the
recorded meter serves: register 1.0.1.8.0.255 = 12345678 with scaler -1, unit 30 (Wh); profile
1.0.99.1.0.255 with capture objects clock.2 and register.2, rows from 2025-01-01 00:00:00 UTC
every 15 minutes, values 12344678 ... 12345678 (+250), read by entry 1..3 and by range over the
first 30 minutes. Packet times come from tshark's own reading of the same pcapng.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys

import pytest

from tests.test_capture import capture_path, needs_tshark
from tests.test_capture_cli import run
from translator.capture.reader import read_capture

WRAPPER = "gurux_session_wrapper_tcp4059.pcapng"
HDLC_GMAC = "gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng"
KEYS = "gurux_default_keys.toml"

# the peer README's profile: row k (0-based) at 00:00 + 15 min * k, raw 12344678 + 250 k,
# register scaler -1 (so value / 10) and unit Wh
HEADER = ["0-0:1.0.0*255 Clock", "1-0:1.8.0*255 Active energy import +A, total (Wh)"]
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
ROWS = [[(START + dt.timedelta(minutes=15 * k)).isoformat(), f"{(12344678 + 250 * k) / 10:.1f}"]
        for k in range(3)]


def blocks(text: str) -> list[list[list[str]]]:
    """CSV blocks separated by blank lines, '#' comment lines left out."""
    out = []
    for chunk in text.strip().split("\n\n"):
        lines = [line for line in chunk.splitlines() if not line.startswith("#")]
        out.append(list(csv.reader(lines)))
    return out


@needs_tshark
def test_capture_to_csv_names_columns_and_scales_values():
    code, text = run(capture_path(WRAPPER), "--to", "csv")
    assert code == 0
    found = blocks(text)
    assert len(found) == 2  # by entry 1..3 and by range over the first 30 minutes
    for block in found:
        assert block[0] == HEADER
        assert block[1:] == ROWS
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert comments == ["# packet 23 tcp:0#1 1-0:99.1.0*255 buffer, 3 rows",
                        "# packet 25 tcp:0#1 1-0:99.1.0*255 buffer, 3 rows"]


@needs_tshark
def test_capture_to_csv_files_of_a_ciphered_hdlc_session(tmp_path):
    code, text = run(capture_path(HDLC_GMAC), "--keys", capture_path(KEYS), "--to", "csv",
                     "--csv-dir", tmp_path)
    assert code == 0 and text == ""
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2
    for path in files:
        rows = list(csv.reader(path.read_text().splitlines()))
        assert rows[0] == HEADER and rows[1:] == ROWS


def _messages(numbers: set[int]) -> str:
    return "\n".join(r.message.raw.hex() for r in read_capture(capture_path(WRAPPER))
                     if r.number in numbers)


@needs_tshark
def test_decode_to_csv_with_and_without_capture_objects():
    from translator.cli import main

    def decode(hex_lines: str) -> str:
        out = io.StringIO()
        old, sys.stdout = sys.stdout, out
        old_in, sys.stdin = sys.stdin, io.StringIO(hex_lines)
        try:
            assert main(["decode", "--to", "csv", "-"]) == 0
        finally:
            sys.stdout, sys.stdin = old, old_in
        return out.getvalue()

    # scaler-unit read (16/17), capture objects read (18/19), buffer (22/23)
    named = blocks(decode(_messages({16, 17, 18, 19, 22, 23})))
    assert named == [[HEADER] + ROWS]
    # the buffer alone: generic names, raw values
    alone = blocks(decode(_messages({23})))
    assert alone == [[["col1", "col2"]] + [[r[0], str(12344678 + 250 * k)]
                                           for k, r in enumerate(ROWS)]]


def _tshark_epochs(path: str) -> dict[int, float]:
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number", "-e",
                          "frame.time_epoch"], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    return {int(n): float(t) for n, t in (line.split("\t") for line in out.splitlines())}


def _line(text: str, number: int) -> str:
    return next(line for line in text.splitlines() if line.split()[0] == str(number))


@needs_tshark
def test_capture_lines_relative_and_absolute_time():
    path = capture_path(WRAPPER)
    epochs = _tshark_epochs(str(path))
    code, text = run(path)
    assert code == 0
    first = text.splitlines()[0].split()
    assert first[0] == "4" and first[1] == "+0.000000"  # the AARQ, the first DLMS message
    for number in (6, 15, 23):
        shown = float(_line(text, number).split()[1])
        assert shown == pytest.approx(epochs[number] - epochs[4], abs=2e-6)
    code, text = run(path, "--time", "absolute")
    for number in (4, 23):
        moment = dt.datetime.fromisoformat(_line(text, number).split()[1])
        assert moment.utcoffset() == dt.timedelta(0)
        assert moment.timestamp() == pytest.approx(epochs[number], abs=2e-6)


@needs_tshark
def test_capture_lines_show_response_values_scaled_when_known():
    code, text = run(capture_path(WRAPPER))
    assert code == 0
    # register value read before its scaler_unit: the raw value, no unit yet
    assert _line(text, 15).split(" -> ")[1].split()[0] == "12345678"
    # scaler_unit {-1, 30}
    assert "-> structure[2] -1, 30" in _line(text, 17)
    # the buffer after scaler_unit and capture objects: scaled values with the unit
    assert (f"-> array[3] {{{ROWS[0][0]}, {ROWS[0][1]} Wh}}, {{{ROWS[1][0]}, {ROWS[1][1]} Wh}}, "
            "...") in _line(text, 23)


@needs_tshark
def test_register_value_scaled_after_its_scaler_unit():
    """The session's knowledge fed the capture's own packets with the scaler_unit's response
    (16/17) before the value's (14/15): the value reads 1234567.8 Wh, the README's scaled
    value (the capture itself read the value first, so its line stays unscaled)."""
    from translator.capture.knowledge import Knowledge, response_data
    from translator.views.brief import brief

    records = {r.number: r for r in read_capture(capture_path(WRAPPER))}
    knowledge = Knowledge()

    class Seen:
        target = scaler_unit = columns = None

    for request, response in ((16, 17), (14, 15)):
        knowledge.request(records[request].apdu, records[request].invoke_id & 0x0F)
        seen = Seen()
        knowledge.response(seen, records[response].apdu, records[response].invoke_id & 0x0F)
    assert brief(response_data(records[15].apdu), seen.scaler_unit) == "1234567.8 Wh"
