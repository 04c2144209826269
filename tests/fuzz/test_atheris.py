"""atheris (coverage-guided) on two targets for a few thousand inputs, where it installs: the
harness runs and finds nothing on the corpus. Skipped without atheris (not in ``[test]``: it
has no wheel for every Python)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("target", ["decode_all", "decode_apdu"])
def test_atheris_runs_clean(target, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.atheris_main", target, str(tmp_path),
         str(ROOT / "tests" / "fuzz" / "corpus" / target), "-runs=1000", "-seed=15"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Done 1000 runs" in out.stderr
