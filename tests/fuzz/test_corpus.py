"""Every input kept in ``corpus/<target>/`` (seeds and each finding of a fuzz run, fixed since)
replayed through its target: only the project's own errors, contracts held, within a second."""

from __future__ import annotations

import time

import pytest

from .seeds import corpus_files
from .targets import TARGETS, run

FILES = [p for p in corpus_files() if p.parent.name in TARGETS]


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_corpus_input(path):
    data = path.read_bytes()
    start = time.perf_counter()
    error = run(path.parent.name, data)
    assert error is None, f"{type(error).__name__}: {error}"
    assert time.perf_counter() - start < 5.0  # 1 s in the long run; CI machines are shared


def test_corpus_has_seeds_and_targets_exist():
    folders = {p.parent.name for p in corpus_files()}
    assert {"capture_lines", "decode_all", "stream"} <= folders
    assert folders <= set(TARGETS) | {"capture_cli"}
