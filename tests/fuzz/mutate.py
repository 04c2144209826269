"""Blind mutation of real octets: what a damaged line, a bad capture or a hand edit does to them.

Plain functions of a ``random.Random``, so the hypothesis tests, the corpus replay and
``bench/fuzz_long.py`` share them and a run is reproducible from its seed.
"""

from __future__ import annotations

import random

__all__ = ["INTERESTING", "mutate", "splice"]

INTERESTING = (0x00, 0x01, 0x7E, 0x7D, 0x80, 0x81, 0x82, 0x83, 0x84, 0xFF, 0x7F, 0xE6, 0xE7,
               0x02, 0x01, 0x09, 0x13, 0xC4, 0xE0, 0x68, 0x16)
"""Octets the decoders branch on: flags and escapes, long-form lengths, A-XDR and APDU tags."""


def _one(octets: bytearray, rng: random.Random) -> None:
    n = len(octets)
    op = rng.randrange(9)
    at = rng.randrange(n) if n else 0
    if op == 0 and n:
        octets[at] ^= 1 << rng.randrange(8)
    elif op == 1 and n:
        octets[at] = rng.randrange(256)
    elif op == 2 and n:
        octets[at] = rng.choice(INTERESTING)
    elif op == 3 and n:
        del octets[at:at + rng.randint(1, 8)]
    elif op == 4:
        octets[at:at] = bytes(rng.choice(INTERESTING) for _ in range(rng.randint(1, 4)))
    elif op == 5 and n:
        size = rng.randint(1, min(n, 64))
        start = rng.randrange(n - size + 1)
        octets[at:at] = octets[start:start + size] * rng.randint(1, 3)
    elif op == 6 and n > 1:
        del octets[rng.randrange(1, n):]  # truncated
    elif op == 7 and n > 1:
        del octets[:rng.randrange(1, n)]  # joined late
    elif op == 8 and n:
        octets[at:at + 2] = rng.choice((b"\xff\xff", b"\x00\x00", b"\x84\xff", b"\x82\xff"))
    else:
        octets.append(rng.randrange(256))


def mutate(seed: bytes, rng: random.Random, most: int = 6) -> bytes:
    """``seed`` with 1 to ``most`` random edits (bit flips, interesting octets, cuts, repeats)."""
    octets = bytearray(seed)
    for _ in range(rng.randint(1, most)):
        _one(octets, rng)
    return bytes(octets[:1 << 16])


def splice(a: bytes, b: bytes, rng: random.Random) -> bytes:
    """The head of one input and the tail of another (frames of two messages run together)."""
    return a[:rng.randint(0, len(a))] + b[rng.randint(0, len(b)):]
