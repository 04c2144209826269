#!/usr/bin/env bash
# Run the decode bench in its own virtual environment (bench/.venv), so the reference libraries
# never become dependencies of the project. Arguments go to bench_decode.py (--help lists them).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="$here/.venv"

if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi

# Reinstall only when the project's pyproject.toml (and so its [bench] extra) changed.
stamp="$venv/.bench-installed"
want="$(sha256sum < "$root/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$venv/bin/python" -m pip install -q -e "$root[bench]"
  echo "$want" > "$stamp"
fi

exec "$venv/bin/python" "$here/bench_decode.py" "$@"
