"""OBIS codes (IEC 62056-6-1): the six value groups A..F of a COSEM logical name.

Users write them three ways: ``1-0:1.8.0*255`` (the standard's display form), ``1.0.1.8.0.255``
(dotted, as Gurux and most tools print them) and ``0100010800FF`` (the six octets in hex, as on
the wire). All three parse; a code always goes on the wire as its six octets.
"""

from __future__ import annotations

import re

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
        a, b, c, d, e, f = self
        return f"{a}-{b}:{c}.{d}.{e}*{f}"

    def dotted(self) -> str:
        return ".".join(map(str, self))

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
