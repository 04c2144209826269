"""The hypothesis settings of the fuzz tests: a bounded CI run by default (the whole folder
in about a minute), longer with ``FUZZ_EXAMPLES=5000`` in the environment."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = ["EXAMPLES", "fuzz_settings"]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))


def fuzz_settings(scale: float = 1.0) -> settings:
    """``EXAMPLES`` (times ``scale``) examples, no deadline (a shared CI machine), no health
    check on slow or large data (seeds are whole captures)."""
    return settings(max_examples=max(1, int(EXAMPLES * scale)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])
