"""OBIS codes (IEC 62056-6-1): the six value groups A..F of a COSEM logical name.

Users write them three ways: ``1-0:1.8.0*255`` (the standard's display form), ``1.0.1.8.0.255``
(dotted, as Gurux and most tools print them) and ``0100010800FF`` (the six octets in hex, as on
the wire). All three parse; a code always goes on the wire as its six octets.
"""

from __future__ import annotations

import re
from functools import cache

from ..tables import load_json

__all__ = ["ObisCode"]

_DISPLAY = re.compile(r"^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:[*&](\d{1,3}))?$")
_DOTTED = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")
_HEX = re.compile(r"^(?:0x)?([0-9A-Fa-f]{12})$")


class ObisCode(bytes):
    """Six octets A..F; ``str()`` gives the dotted form, ``display()`` the ``A-B:C.D.E*F`` one."""

    def __new__(cls, value: bytes | str | ObisCode) -> ObisCode:
        if isinstance(value, (bytes, bytearray)):
            octets = bytes(value)
        elif isinstance(value, str):
            octets = _parse(value.strip())
        else:
            raise TypeError(f"an OBIS code is text or 6 octets, not {type(value).__name__}")
        if len(octets) != 6:
            raise ValueError(f"an OBIS code has 6 value groups, not {len(octets)}")
        return super().__new__(cls, octets)

    def display(self) -> str:
        """``A-B:C.D.E*F``, the standard's own notation."""
        a, b, c, d, e, f = self
        return f"{a}-{b}:{c}.{d}.{e}*{f}"

    def dotted(self) -> str:
        """``A.B.C.D.E.F``, as Gurux and most tools print a logical name."""
        return ".".join(map(str, self))

    def hex(self, *args, **kwargs) -> str:
        """``0100010800FF``, the six octets as on the wire (``bytes.hex`` when given arguments)."""
        if args or kwargs:
            return bytes(self).hex(*args, **kwargs)
        return bytes(self).hex().upper()

    def name(self) -> str | None:
        """The object's name from ``specs/obis.json`` (wildcard patterns, then the electricity
        value groups C and D); None when the code is not known."""
        return _name(bytes(self))

    def text(self) -> str:
        """``1-0:1.8.0*255 (Active energy import +A, total)``; the code alone when unnamed."""
        name = self.name()
        return f"{self.display()} ({name})" if name else self.display()

    def __str__(self) -> str:
        return self.dotted()

    def __repr__(self) -> str:
        return f"ObisCode('{self.dotted()}')"


def _parse(text: str) -> bytes:
    for pattern in (_DISPLAY, _DOTTED):
        m = pattern.match(text)
        if m:
            groups = [int(g) if g is not None else 255 for g in m.groups()]
            if max(groups) > 255:
                raise ValueError(f"OBIS code {text!r}: a value group is 0..255")
            return bytes(groups)
    m = _HEX.match(text)
    if m:
        return bytes.fromhex(m.group(1))
    raise ValueError(f"not an OBIS code: {text!r} (use 1-0:1.8.0*255, 1.0.1.8.0.255 or "
                     "0100010800FF)")


@cache
def _patterns() -> list[tuple[int, int, tuple[int | None, ...], str]]:
    """``specs/obis.json`` patterns as (wildcards, order, groups A..E with None for ``*``, name),
    most specific first."""
    out = []
    for order, (pattern, name) in enumerate(load_json("obis.json")["codes"].items()):
        m = re.match(r"^(\d+|\*)-(\d+|\*):(\d+|\*)\.(\d+|\*)\.(\d+|\*)$", pattern)
        if m is None:
            raise ValueError(f"specs/obis.json: bad pattern {pattern!r}")
        groups = tuple(None if g == "*" else int(g) for g in m.groups())
        out.append((groups.count(None), order, groups, name))
    return sorted(out)


@cache
def _name(octets: bytes) -> str | None:
    a, b, c, d, e, f = octets
    for _, _, groups, template in _patterns():
        if all(g is None or g == v for g, v in zip(groups, octets)):
            name = template.replace("{D}", str(d)).replace("{E}", str(e)).replace(
                "{E+1}", str(e + 1))
            if groups[1] is None and b != 0:
                name += f", channel {b}"
            return name + _billing_period(f)
    if a == 1:
        name = _electricity(b, c, d, e)
        if name is not None:
            return name + _billing_period(f)
    if a <= 15 and any(128 <= g <= 254 for g in (c, d, e)):   # A: a defined medium
        return "Manufacturer specific object"
    return None


def _billing_period(f: int) -> str:
    return "" if f == 255 else f", billing period {f}"


def _electricity(b: int, c: int, d: int, e: int) -> str | None:
    """An A = 1 name from value groups C (quantity, phases L1..L3 at C + 20, + 40, + 60),
    D (processing; 8 = energy), E (tariff, or harmonic of an instantaneous value) and B."""
    spec = load_json("obis.json")["electricity"]
    phase = ""
    base = c
    if 21 <= c <= 80:
        phase, base = f" L{(c - 21) // 20 + 1}", (c - 1) % 20 + 1
    names = spec["quantity"].get(str(base))
    processing = spec["processing"].get(str(d))
    if names is None:
        other = spec["other_quantity"].get(str(c))
        if other is None or processing is None:
            return None
        names, phase = [other, None], ""
    if processing is None:
        return None
    if d == 8 and names[1]:
        name = names[1] + phase
    else:
        name = names[0] + phase + ("" if d == 7 else f", {processing}")
    if d == 7:
        name += f", harmonic {e}" if e else ""
    else:
        name += ", total" if e == 0 else f", tariff {e}"
    return name + (f", channel {b}" if b else "")
