"""Coverage-guided fuzzing of one target with atheris (libFuzzer), where atheris installs
(``pip install atheris``; it has no wheel for every Python): the same targets as the
hypothesis tests, seeded from their corpus folder; a crash is written into that folder.

    python -m tests.fuzz.atheris_main decode_all /tmp/work tests/fuzz/corpus/decode_all \\
        -max_total_time=600

libFuzzer adds what it finds to the first folder (a scratch one), reads the others as seeds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["translator"]):
    from tests.fuzz.targets import OWN_ERRORS, TARGETS


def main() -> None:
    target = sys.argv.pop(1)
    run = TARGETS[target]

    def one_input(data: bytes) -> None:
        try:
            run(data)
        except OWN_ERRORS:
            pass

    folder = Path(__file__).parent / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    argv = [*sys.argv, f"-artifact_prefix={folder}/atheris-", "-timeout=5", "-rss_limit_mb=2048"]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
