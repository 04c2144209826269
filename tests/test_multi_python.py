"""tests/test_compile.py again on the other Pythons the machine has (pyenv's 3.12 and 3.13).

Why: the generated parsers must not depend on the interpreter (``requires-python >= 3.11`` and
most users run 3.12 or 3.13); test_compile.py checks that every vector goes through them, with
no hand-over to construct, and gives construct's trees. Each interpreter found under
``$PYENV_ROOT/versions`` (default ``~/.pyenv``) gets a virtual environment in the user's cache,
one per checkout and version, made again when pyproject.toml changes; an absent interpreter is a
skip that says so. ``DLMS_SKIP_MULTI_PYTHON=1`` skips these (while iterating on one version).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ("3.12", "3.13")


def _interpreter(version: str) -> Path | None:
    """The newest pyenv ``python3`` of ``version`` (e.g. 3.12.1 for "3.12"), or None."""
    versions = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found = [p for p in versions.glob(f"{version}.*/bin/python3")
             if p.parent.parent.name.replace(".", "").isdigit()]
    return max(found, key=lambda p: [int(x) for x in p.parent.parent.name.split(".")],
               default=None)


def _environment(python: Path, version: str) -> Path:
    """The venv's python, with the project and its test extra installed (editable)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    venv = cache / "dlms-translator" / f"{checkout}-py{version}"
    stamp = venv / ".installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.is_file() or stamp.read_text() != want:
        subprocess.run([str(python), "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-e",
                        f"{ROOT}[test]"], check=True, capture_output=True)
        stamp.write_text(want)
    return venv / "bin" / "python"


@pytest.mark.parametrize("version", VERSIONS)
def test_compile_suite_on_other_pythons(version):
    if os.environ.get("DLMS_SKIP_MULTI_PYTHON"):
        pytest.skip("DLMS_SKIP_MULTI_PYTHON is set")
    if sys.version_info[:2] == tuple(map(int, version.split("."))):
        pytest.skip(f"this run is Python {version} already")
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"no pyenv Python {version} on this machine: not checked on it")
    venv_python = _environment(python, version)
    run = subprocess.run([str(venv_python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/test_compile.py"], cwd=ROOT, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, f"Python {version}:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
