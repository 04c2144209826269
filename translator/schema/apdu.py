"""The COSEMpdu: the first octet of an APDU picks its schema (ACSE, xDLMS, protected, GBT, SN).

Each APDU module declares ``APDUS = {tag: (name, schema of what follows the tag)}``; this module
only joins those tables, so a tag is declared in exactly one place.
"""

from __future__ import annotations

import construct as c

from . import acse, gbt, initiate, protection, sn, xdlms
from ._core import Choice, Layer, Struct

__all__ = ["APDUS", "Apdu", "APDU_NAMES", "APDU_TAGS"]


def _join(*tables: tuple[str, dict]) -> dict[int, tuple[str, c.Construct]]:
    """One table of every module's APDUs; errors inside each are named after its layer."""
    joined: dict[int, tuple[str, c.Construct]] = {}
    for layer, table in tables:
        for tag, (name, schema) in table.items():
            if tag in joined:
                raise AssertionError(f"APDU tag 0x{tag:02X} declared twice")
            joined[tag] = (name, Layer(layer, schema))
    return dict(sorted(joined.items()))


APDUS = _join(("acse", acse.APDUS), ("xdlms", initiate.APDUS), ("xdlms", xdlms.APDUS),
              ("xdlms", sn.APDUS), ("security", protection.APDUS), ("gbt", gbt.APDUS))
APDU_NAMES: dict[int, str] = {tag: name for tag, (name, _) in APDUS.items()}
APDU_TAGS: dict[str, int] = {name: tag for tag, name in APDU_NAMES.items()}

Apdu = Struct(
    "tag" / c.Enum(c.Int8ub, **APDU_TAGS),
    "body" / Choice(c.this.tag, {name: schema for name, schema in APDUS.values()},
                    "a COSEM APDU tag",
                    {tag: (what, Layer("security", schema))
                     for tag, (what, schema) in protection.QUIRK_APDUS.items()}),
)
