"""The 3-octet LLC header in front of an APDU on HDLC and PLC links; one schema for both profiles.

* IEC 62056-46 (HDLC, ``profile = "iec62056_46"``): destination LSAP 0xE6, source LSAP 0xE6
  (command, client -> server) or 0xE7 (response, server -> client), LLC quality 0x00.
* IEC 61334-4-32 (S-FSK PLC, ``profile = "iec61334_4_32"``): a control octet 0x90 (DL-Data
  request), then destination and source LSAP. The order and the 0x90 are those of public
  implementations (Gurux's PLC framing writes 0x90, server address, client address; the andrebdo
  Wireshark dissector and its sample capture read ``90 01 01`` before the APDU); the standard
  itself was not available to check.

Fields: ``profile``, ``control`` (4-32 only, else None), ``destination_lsap``, ``source_lsap``,
``quality`` (62056-46 only, else None) and the computed ``direction`` ("command" / "response" for
62056-46, None for 4-32).
"""

from __future__ import annotations

import construct as c
from construct import this

from ._core import Reject, Struct

__all__ = ["LLC_432", "LLC_COMMAND", "LLC_RESPONSE", "LlcHeader", "llc_length"]

LLC_COMMAND = bytes((0xE6, 0xE6, 0x00))
LLC_RESPONSE = bytes((0xE6, 0xE7, 0x00))
LLC_432 = 0x90

_Profile = c.Enum(c.Int8ub, iec62056_46=0xE6, iec61334_4_32=LLC_432)


_DIRECTIONS = {0xE6: "command", 0xE7: "response"}


def _direction(ctx):
    if ctx.profile != "iec62056_46":
        return None
    return _DIRECTIONS.get(ctx.source_lsap)


def _emit_direction(cp, sc):
    return (f"(None if {sc.field('profile')} != 'iec62056_46' else "
            f"{cp.const(_DIRECTIONS, 'm')}.get({sc.field('source_lsap')}))")


_direction._emitfast = _emit_direction

_46 = this.profile == "iec62056_46"
_432 = this.profile == "iec61334_4_32"

LlcHeader = Struct(
    "profile" / c.Peek(_Profile),
    # an unknown profile octet parses to a plain int, equal to neither name
    c.If(~_46 & ~_432, Reject("an LLC header (0xE6 of IEC 62056-46 or 0x90 of IEC 61334-4-32)",
                              this.profile)),
    "control" / c.If(_432, c.Const(LLC_432, c.Int8ub)),
    "destination_lsap" / c.Int8ub,
    "source_lsap" / c.Int8ub,
    "quality" / c.If(_46, c.Int8ub),
    "direction" / c.Computed(_direction),
)


def llc_length(payload: bytes, plc: bool = True) -> int:
    """Octets of the LLC header ``payload`` starts with: 3 for IEC 62056-46's (E6 E6 00 / E6 E7
    00) and, with ``plc``, for IEC 61334-4-32's (0x90, which no APDU starts with, and at least
    one octet after the header); else 0."""
    head = bytes(payload[:3])
    if head in (LLC_COMMAND, LLC_RESPONSE):
        return 3
    return 3 if plc and head[:1] == bytes((LLC_432,)) and len(payload) > 3 else 0
