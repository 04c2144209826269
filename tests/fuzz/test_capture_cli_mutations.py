"""Issue 15, acceptance 3: ``dlms capture`` on 100 mutated or truncated captures (made here from
the bundled ones, fixed seed) never prints a traceback and never hangs, exits 0 or 1 with a
one-line error; a file cut short decodes up to the cut and says where it was."""

from __future__ import annotations

import functools
import re

import pytest

from translator.capture.cut import where_cut

from .capture_files import check_capture_cli, mutated_captures, run_capture_cli, run_capture_main
from .seeds import corpus_files

pytestmark = pytest.mark.usefixtures("tshark")


@pytest.fixture(scope="module")
def tshark():
    import shutil
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed")


FILES = list(mutated_captures(100, seed=15))


@functools.cache
def _whole(original: bytes) -> list[str]:
    return run_capture_main(original).stdout.splitlines()


def _decoded(lines: list[str]) -> list[str]:
    return [ln for ln in lines if " capture " not in ln and "capture file:" not in ln]


@pytest.fixture(scope="module")
def answers():
    """Each file through ``dlms capture`` once (in this process: see ``run_capture_main``)."""
    return [(how, data, original, run_capture_main(data)) for how, data, original in FILES]


def test_a_hundred_damaged_captures_get_one_line_answers(answers):
    kinds = {"cut": 0, "edited": 0, "edited+cut": 0}
    for how, _data, _, out in answers:
        kinds[how] += 1
        assert out.returncode in (0, 1), (how, out.returncode, out.stderr)
        assert "Traceback" not in out.stderr + out.stdout, out.stderr
        assert len(out.stderr.strip().splitlines()) <= 1, out.stderr
    assert all(kinds.values()), kinds


def test_cut_captures_decode_up_to_the_cut_and_say_where(answers):
    said = 0
    for how, data, original, out in answers:
        if how != "cut" or "cut short" not in out.stderr:
            continue  # a cut exactly between two packets leaves a whole, shorter capture
        said += 1
        m = re.search(r"truncated at octet (\d+) \(packet (\d+)\)", out.stderr)
        assert m, out.stderr
        assert int(m.group(1)) == len(data)
        packet = int(m.group(2))
        assert f"(after packet {packet - 1})" in out.stderr or packet == 1, out.stderr
        # every message complete before the cut reads as it does in the whole capture
        whole = set(_decoded(_whole(original)))
        before = [ln for ln in _decoded(out.stdout.splitlines())
                  if int(ln.split()[0]) < packet - 1]
        assert set(before) <= whole, set(before) - whole
    assert said >= 20


def test_the_real_command_on_a_few_of_them():
    """The same through ``python -m translator capture`` (a process of its own each)."""
    for how, data, _ in FILES[:3]:
        out = run_capture_cli(data)
        assert out.returncode in (0, 1) and "Traceback" not in out.stderr, out.stderr
        assert len(out.stderr.strip().splitlines()) <= 1, out.stderr
        if how == "cut" and "cut short" in out.stderr:
            assert f"truncated at octet {len(data)}" in out.stderr


def test_where_cut_on_whole_and_cut_files(tmp_path):
    from tests.fuzz.seeds import CAPTURES

    for source in sorted(CAPTURES.glob("*.pcap*")):
        data = source.read_bytes()
        assert where_cut(source) is None, source.name
        cut = tmp_path / source.name
        cut.write_bytes(data[:len(data) - 3])
        assert re.fullmatch(rf"truncated at octet {len(data) - 3} \(packet \d+\)",
                            where_cut(cut) or ""), source.name
    empty = tmp_path / "x.pcap"
    empty.write_bytes(b"")
    assert where_cut(empty) is None


@pytest.mark.parametrize("path", corpus_files("capture_cli"), ids=lambda p: p.name)
def test_capture_findings_of_long_runs(path):
    """Damaged captures ``bench/fuzz_long.py --capture`` flagged, replayed."""
    problem = check_capture_cli(path.read_bytes(), in_process=True)
    assert problem is None, problem
