"""Bounded fuzzing of every entry point (issue 15): hypothesis picks a real seed (vectors,
bundled captures, corpus) and a mutation, or a structure-aware generator; the target may only
raise the project's own errors, and what decodes must encode back (see ``targets.py``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .generators import GENERATORS
from .mutate import mutate, splice
from .profile import fuzz_settings
from .seeds import seeds
from .targets import TARGETS, run

_SCALE = {"capture_lines": 0.3, "client": 0.5, "simulator": 0.5, "trace": 0.5}


def _check(target: str, data: bytes) -> None:
    error = run(target, data)
    if error is not None:
        raise AssertionError(f"{target} on {data[:80].hex()}...: {type(error).__name__}: "
                             f"{error}") from error


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_target_takes_mutated_real_input(target):
    pool = seeds(target)
    assert pool, f"no real seed for {target}"

    @fuzz_settings(_SCALE.get(target, 1.0))
    @given(seed=st.sampled_from(pool), other=st.sampled_from(pool),
           rng=st.randoms(use_true_random=False), join=st.booleans())
    def fuzz(seed, other, rng, join):
        data = mutate(seed, rng)
        if join and rng.random() < 0.2:
            data = splice(data, other, rng)
        _check(target, data)

    fuzz()


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_target_takes_generated_input(name):
    @fuzz_settings(0.5)
    @given(rng=st.randoms(use_true_random=False), mutated=st.booleans())
    def fuzz(rng, mutated):
        target, data = GENERATORS[name](rng)
        _check(target, mutate(data, rng, 2) if mutated else data)

    fuzz()


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_seed_passes(target):
    """The unmutated seeds themselves: real traffic decodes, round-trips and is answered."""
    for data in seeds(target):
        _check(target, data)
