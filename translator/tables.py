"""The machine-readable protocol tables in ``specs/`` (installed as the package ``translator._specs``)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

_SOURCE_TREE = Path(__file__).resolve().parents[1] / "specs"


def spec_text(name: str) -> str:
    """The text of ``specs/<name>``: from the source tree when present, else the installed copy."""
    path = _SOURCE_TREE / name
    if path.is_file():
        return path.read_text(encoding="utf-8")
    return resources.files("translator._specs").joinpath(name).read_text(encoding="utf-8")


@cache
def load_json(name: str) -> Any:
    """A JSON table from ``specs/``, parsed once."""
    return json.loads(spec_text(name))


def enumeration(name: str) -> dict[int, str]:
    """One code -> name table of ``specs/enumerations.json`` (a result or error enumeration)."""
    return {int(code): text for code, text in load_json("enumerations.json")[name].items()}
