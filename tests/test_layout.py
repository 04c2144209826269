"""One home per layout (DESIGN sections 1 and 8): no module outside ``translator/schema/`` and
``crc.py`` does byte arithmetic on protocol fields; framing, reassembly and the XML ask the schema
modules (``hdlc.frame_length``, ``hdlc.address_size``, ``wrapper.wrapper_length``,
``llc.llc_length``...). This test fails when such arithmetic appears anywhere else.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "translator"
HOMES = ("schema/", "crc.py")

# What reading a protocol field by hand looks like: an octet of a buffer masked or shifted, a
# multi-octet integer read out of a slice, the LLC octets, HDLC address-size and control-field
# arithmetic, the HDLC format field's type nibble.
PATTERNS = {
    "bits of a buffer octet": re.compile(r"\w\[[^\]]+\]\s*(&|>>|<<|\|)\s*(0x[0-9A-Fa-f]+|\d+)\b"),
    "an integer read from a slice": re.compile(r"int\.from_bytes\(\s*\w+\["),
    "LLC octets": re.compile(r"\\xe6\\xe[67]|0xE6,\s*0xE[67]", re.IGNORECASE),
    "HDLC address size": re.compile(r"<\s*0x80\s+else\s+2\s+if\s+\w+\s*<\s*0x4000"),
    "HDLC control field bits": re.compile(r"&\s*0xEF\s*==|control\s*&\s*1\s*=="),
    "HDLC format type": re.compile(r">>\s*4\s*[!=]=\s*0xA\b"),
}

# Files reading no DLMS layout; each must still hold what it is allowed for, so the list
# cannot go stale.
ALLOWED = {
    "security/signing.py": ("an integer read from a slice", "ECDSA's r and s: integers of a "
                            "signature (FIPS 186), no DLMS layout"),
}


def _sources() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py")
                  if not str(p.relative_to(ROOT)).startswith(HOMES))


def _findings(path: Path) -> list[tuple[str, int, str]]:
    out = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        code = line.split("#", 1)[0]
        for what, pattern in PATTERNS.items():
            if pattern.search(code):
                out.append((what, number, line.strip()))
    return out


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_byte_arithmetic_on_protocol_fields_outside_the_schemas(path):
    name = str(path.relative_to(ROOT))
    found = _findings(path)
    if name in ALLOWED:
        allowed, _why = ALLOWED[name]
        assert found and {what for what, _, _ in found} == {allowed}, found
        return
    assert found == [], f"{name}: ask translator/schema/ instead: {found}"


@pytest.mark.parametrize("line, what", [
    ("length = (buf[q] & 0x07) << 8 | buf[q + 1]", "bits of a buffer octet"),
    ('n = int.from_bytes(buf[i + 6 : i + 8], "big")', "an integer read from a slice"),
    ('if payload[:3] in (b"\\xe6\\xe6\\x00", b"\\xe6\\xe7\\x00"):', "LLC octets"),
    ("size = 1 if value < 0x80 else 2 if value < 0x4000 else 4", "HDLC address size"),
    ("if control & 0xEF == 0x03:", "HDLC control field bits"),
    ("if octet >> 4 != 0xA:", "HDLC format type"),
])
def test_the_patterns_catch_what_the_schemas_now_own(line, what, tmp_path):
    """What framing, assembly and the XML did before the schema modules exported it."""
    path = tmp_path / "sample.py"
    path.write_text(line + "\n")
    assert what in {w for w, _, _ in _findings(path)}
