"""The data the XML views are driven by, loaded once from ``specs/``.

``specs/xml_simple.json`` holds the tag tables of the Gurux simple dialect (element per APDU, per
CHOICE variant and per field, value formats). Keeping it as data means a Gurux naming question is
answered by editing a table, not code. The names in comments (OBIS, classes, units) come from the
one renderer, ``translator/views/values.py``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ..tables import load_json

__all__ = ["NS", "NS_PREFIX", "nsattr", "simple_spec"]


def _load(name: str) -> dict[str, Any]:
    return load_json(name)


@cache
def simple_spec() -> dict[str, Any]:
    """``specs/xml_simple.json``."""
    return _load("xml_simple.json")


NS: str = simple_spec()["namespace"]["uri"]
NS_PREFIX: str = simple_spec()["namespace"]["prefix"]


def nsattr(name: str) -> str:
    """The qualified name of one of our attributes, as written (``dt:len``)."""
    return f"{NS_PREFIX}:{name}"
