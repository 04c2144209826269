"""``python -m translator.schema apdu.Apdu [hdlc.HdlcFrame ...]``: print the parser generated
for each named schema (``module.NAME`` in this package), to read what ``fast_parse`` runs."""

import importlib
import sys

from ._compile import generated_source


def main(names: list[str]) -> None:
    for name in names or ["apdu.Apdu"]:
        module, _, attr = name.rpartition(".")
        print(generated_source(getattr(importlib.import_module(f"{__package__}.{module}"), attr)))


if __name__ == "__main__":
    main(sys.argv[1:])
