"""tests/vectors/ is a copy of the shared vectors: it must stay in sync while both exist."""

from __future__ import annotations

import pytest

from tests._vectors import SHARED_VECTORS_FILE, VECTORS_FILE


@pytest.mark.skipif(not SHARED_VECTORS_FILE.exists(), reason="../shared/vectors/ is not beside the clone")
def test_vectors_copy_is_in_sync():
    assert VECTORS_FILE.read_bytes() == SHARED_VECTORS_FILE.read_bytes()
