"""Leaf formatters: how one decoded value becomes a ``Value=`` (or a few child elements) and back.

Each format has ``write(value, el, ctx)`` and ``read(el, cursor, ctx) -> value``; ``el`` is the
node's own element, or the parent's for an inline node. The table in ``specs/xml_simple.json``
names the format of every field; this module holds the small set of formats it may name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import construct as c

from ..errors import DecodeError
from ..schema import _core
from ..schema.gbt import BlockControl as _BLOCK_CONTROL
from ..schema.protection import SecuredContent
from . import widths
from .context import Cursor, InCtx, OutCtx, fail, ours, value_of
from .spec import simple_spec
from .writer import El, attr_escape

__all__ = [
    "FORMATS",
    "Format",
    "hexstr",
    "num_parse",
    "num_text",
    "parse_hex",
    "qty_text",
]

_SPEC = simple_spec()


# --- number and octet text ------------------------------------------------------------------------

def num_text(v: int, bits: int, ctx: OutCtx) -> str:
    """A number as Gurux writes it: fixed-width two's complement hex, or decimal."""
    v = int(v)
    if ctx.hex:
        return format(v & ((1 << bits) - 1), f"0{bits // 4}X")
    return str(v)


def num_parse(el: Any, text: str, bits: int, signed: bool, hexmode: bool) -> int:
    """Read a number written by ``num_text`` (either form of sign accepted); checks its range."""
    try:
        v = int(text.strip(), 16 if hexmode else 10)
    except ValueError:
        raise fail(el, f"{text!r} is not a {'hex' if hexmode else 'decimal'} number") from None
    if hexmode and signed and v >= 1 << (bits - 1) and v < 1 << bits:
        v -= 1 << bits
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if not lo <= v <= hi:
        if not signed and hexmode is False and -(1 << (bits - 1)) <= v < 0:
            return v & ((1 << bits) - 1)
        raise fail(el, f"{text!r} does not fit {bits} bits")
    return v


def qty_text(n: int, ctx: OutCtx, pad: int = 2) -> str:
    if ctx.hex:
        return format(n, f"0{pad}X")
    return str(n)


def hexstr(b: bytes) -> str:
    return bytes(b).hex().upper()


_HEX_RE = re.compile(r"^[0-9A-Fa-f\s]*$")


def parse_hex(el: Any, text: str) -> bytes:
    """Octets from hex text (spaces allowed, as Gurux writes some strings)."""
    if not _HEX_RE.match(text):
        raise fail(el, f"{text[:40]!r} is not hex")
    t = "".join(text.split())
    if len(t) % 2:
        raise fail(el, "odd number of hex digits")
    return bytes.fromhex(t)


def _len_attr(v: Any, el: El, ctx: OutCtx) -> None:
    w = widths.own_width(v)
    if w:
        ctx.mark(el, "len", str(w))


def _len_in(el: Any) -> dict[str, int]:
    try:
        return widths.decode(ours(el, "len"))
    except ValueError as e:
        raise fail(el, f"bad dt:len: {e}") from None


# --- the formats ---------------------------------------------------------------------------------

class Format:
    """A leaf format: ``write`` fills an element, ``read`` reads it back.

    ``text`` is the fast path of the common case: the ``Value`` text alone, or None when the
    value needs more than a plain ``Value`` (our attributes, child elements).
    """

    def text(self, value: Any, ctx: OutCtx) -> str | None:
        return None

    def write(self, value: Any, el: El, ctx: OutCtx) -> None:
        raise NotImplementedError

    def read(self, el: Any, cur: Cursor, ctx: InCtx) -> Any:
        raise NotImplementedError


class Number(Format):
    """numN / snumN: Value in fixed-width hex or decimal."""

    def __init__(self, bits: int, signed: bool) -> None:
        self.bits = bits
        self.signed = signed
        self.mask = (1 << bits) - 1
        self.spec = f"0{bits // 4}X"

    def text(self, value, ctx):
        if type(value) is not int:
            return None
        return format(value & self.mask, self.spec) if ctx.hex else str(value)

    def write(self, value, el, ctx):
        el.set("Value", num_text(value, self.bits, ctx))
        _len_attr(value, el, ctx)

    def read(self, el, cur, ctx):
        text = value_of(el)
        if ctx.strict and ctx.hex and len(text.strip()) != self.bits // 4:
            raise fail(el, f"{text!r} is not {self.bits // 4} hex digits")
        v = num_parse(el, text, self.bits, self.signed, ctx.hex)
        return widths.apply(v, _len_in(el).get(""))


class HexNumber(Number):
    """A number always in hex (BCD octet, FrameType), whatever the number mode."""

    def text(self, value, ctx):
        return format(int(value) & self.mask, self.spec)

    def write(self, value, el, ctx):
        el.set("Value", format(int(value) & ((1 << self.bits) - 1), f"0{self.bits // 4}X"))

    def read(self, el, cur, ctx):
        return num_parse(el, value_of(el), self.bits, self.signed, True)


class Bool8(Format):
    """LastBlock and other BOOLEAN octets: 01 / 00 (a non-canonical TRUE octet kept as is)."""

    def text(self, value, ctx):
        return num_text(int(value), 8, ctx)

    def write(self, value, el, ctx):
        el.set("Value", num_text(int(value), 8, ctx))

    def read(self, el, cur, ctx):
        v = num_parse(el, value_of(el), 8, False, ctx.hex)
        return bool(v) if v in (0, 1) else v


class Octet(Format):
    """A bit-field octet (BlockControl) shown as its number."""

    def write(self, value, el, ctx):
        octet = value if isinstance(value, int) else _BLOCK_CONTROL._encode(value, None, "")
        el.set("Value", num_text(octet, 8, ctx))

    def read(self, el, cur, ctx):
        return num_parse(el, value_of(el), 8, False, ctx.hex)


class Hex(Format):
    """Octets in hex (OCTET STRING, system title, raw data)."""

    def text(self, value, ctx):
        return value.hex().upper() if type(value) is bytes else None

    def write(self, value, el, ctx):
        el.set("Value", hexstr(value))
        _len_attr(value, el, ctx)

    def read(self, el, cur, ctx):
        return widths.apply(parse_hex(el, value_of(el)), _len_in(el).get(""))


class Nothing(Format):
    """An element that carries nothing (NULL alternatives such as WriteResponse success)."""

    def write(self, value, el, ctx):
        return None

    def read(self, el, cur, ctx):
        return None


class EnumName(Format):
    """A coded value shown by name (DataAccessResult "HardwareFault"); unknown codes as numbers."""

    def __init__(self, table: str) -> None:
        names = _SPEC["enums"][table]
        self.names = {int(k): v for k, v in names.items()}
        self.codes = {v.lower(): k for k, v in self.names.items()}

    def text(self, value, ctx):
        code = int(value)
        name = self.names.get(code)
        return name if name is not None else num_text(code, 8, ctx)

    def write(self, value, el, ctx):
        el.set("Value", self.text(value, ctx))

    def read(self, el, cur, ctx):
        text = value_of(el)
        code = self.codes.get(text.strip().lower())
        if code is None:
            code = num_parse(el, text, 8, False, ctx.hex)
        return code


class BerEnumName(EnumName):
    """EnumName of a BER INTEGER (the release reasons): a code no name has is written in hex
    with as many octets as its INTEGER contents (0x88 is -120, 200 is 00C8), so it reads back
    to the same contents; two hex digits alone would lose the sign."""

    def text(self, value, ctx):
        code = int(value)
        name = self.names.get(code)
        if name is not None or not ctx.hex:
            return name if name is not None else str(code)
        return code.to_bytes((code if code >= 0 else ~code).bit_length() // 8 + 1, "big",
                             signed=True).hex().upper()

    def read(self, el, cur, ctx):
        text = value_of(el).strip()
        code = self.codes.get(text.lower())
        if code is not None:
            return code
        if ctx.hex and text and len(text) % 2 == 0 and re.fullmatch(r"[0-9A-Fa-f]+", text):
            return int.from_bytes(bytes.fromhex(text), "big", signed=True)
        return num_parse(el, text, 8, True, False) if not ctx.hex else super().read(el, cur, ctx)


class EnumCode(Format):
    """A CHOICE tag or ENUMERATED shown as its number; read back to the schema's name."""

    def __init__(self, names: Callable[[], dict[int, str]]) -> None:
        self._names = names

    def text(self, value, ctx):
        return num_text(int(value), 8, ctx)

    def write(self, value, el, ctx):
        el.set("Value", num_text(int(value), 8, ctx))

    def read(self, el, cur, ctx):
        code = num_parse(el, value_of(el), 8, False, ctx.hex)
        name = self._names().get(code)
        return c.EnumIntegerString.new(code, name) if name is not None else code


class Conformance(Format):
    """The conformance block as one <ConformanceBit Name=..> per set bit, in bit order."""

    def __init__(self) -> None:
        self.names = _SPEC["conformance"]["names"]
        self.child = _SPEC["conformance"]["element"]
        self.lookup = {n.lower(): i for i, n in enumerate(self.names)}
        self.lines = [f'<{self.child} Name="{name}" />' for name in self.names]
        self.seen: dict[int, tuple[str, ...]] = {}  # conformance value -> its lines

    def write(self, value, el, ctx):
        bits = int(value["value"])
        got = self.seen.get(bits)
        if got is None:  # a link negotiates the same few conformance blocks over and over
            lines = self.lines
            got = tuple(lines[i] for i in range(24) if bits & (1 << (23 - i)))
            if len(self.seen) < 1024:
                self.seen[bits] = got
        el.children.extend(got)
        tag = value.get("tag")
        if tag is not None and bytes(tag) == b"\x5f":
            ctx.mark(el, "tag", "5F")
        if value.get("unused_bits"):
            ctx.mark(el, "unused", format(value["unused_bits"], "02X"))

    def read(self, el, cur, ctx):
        bits = 0
        for child in cur.items:
            if child.tag != self.child:
                raise fail(child, f"expected <{self.child} Name=..>")
            name = (child.get("Name") or "").strip().lower()
            if name not in self.lookup:
                raise fail(child, f"unknown conformance bit {child.get('Name')!r}")
            bits |= 1 << (23 - self.lookup[name])
        cur.i = len(cur.items)
        tag = ours(el, "tag")
        unused = ours(el, "unused")
        return {"tag": b"\x5f" if tag and tag.upper() == "5F" else b"\x5f\x1f",
                "unused_bits": int(unused, 16) if unused else 0, "value": bits}


class Secured(Format):
    """Security header, ciphered text and tag as one hex string (Gurux's CipheredService)."""

    def write(self, value, el, ctx):
        el.set("Value", hexstr(_core.build(SecuredContent, value, "security")))
        _len_attr(value, el, ctx)

    def read(self, el, cur, ctx):
        data = parse_hex(el, value_of(el))
        try:
            tree = _core.parse(SecuredContent, data, "security")
        except DecodeError as e:
            raise fail(el, f"not a security header and ciphered text: {e}") from None
        return widths.apply(tree, _len_in(el).get(""))


class NotificationDateTime(Format):
    """DataNotification date-time: octets in hex; ``dt:tagged`` when sent as tagged Data."""

    def write(self, value, el, ctx):
        octets = value["value"]
        el.set("Value", hexstr(octets))
        _len_attr(octets, el, ctx)
        if value.get("tagged"):
            ctx.mark(el, "tagged", "true")

    def read(self, el, cur, ctx):
        octets = widths.apply(parse_hex(el, value_of(el)), _len_in(el).get(""))
        return {"tagged": (ours(el, "tagged") or "").lower() == "true", "value": octets}


# --- A-XDR leaf values ---------------------------------------------------------------------------

_SPACED_HEX = re.compile(r"^[0-9A-F]{2}( [0-9A-F]{2})*$")


_UNPRINTABLE = re.compile(rb"[^\x20-\x7e]")


class String(Format):
    """visible-string / utf8-string: text when every octet is printable ASCII, else spaced hex."""

    def text(self, value, ctx):
        if type(value) is not bytes:
            return None
        if _UNPRINTABLE.search(value):
            return value.hex(" ").upper()
        text = value.decode("ascii")
        if _SPACED_HEX.match(text):
            return None
        return attr_escape(text)

    def write(self, value, el, ctx):
        b = bytes(value)
        if all(0x20 <= x <= 0x7E for x in b):
            text = b.decode("ascii")
            el.set("Value", text)
            if _SPACED_HEX.match(text):
                ctx.mark(el, "text", "true")
        else:
            el.set("Value", b.hex(" ").upper())
        _len_attr(value, el, ctx)

    def read(self, el, cur, ctx):
        text = value_of(el)
        if (ours(el, "text") or "").lower() != "true" and _SPACED_HEX.match(text):
            data = bytes.fromhex(text)
        else:
            data = text.encode("utf-8")
        return widths.apply(data, _len_in(el).get(""))


class Boolean(Format):
    """A-XDR boolean: True / False; another TRUE octet kept in ``dt:raw``."""

    def text(self, value, ctx):
        return "False" if value == 0 else "True" if value == 1 else None

    def write(self, value, el, ctx):
        v = int(value)
        el.set("Value", "False" if v == 0 else "True")
        if v not in (0, 1):
            ctx.mark(el, "raw", format(v, "02X"))

    def read(self, el, cur, ctx):
        text = value_of(el).strip().lower()
        raw = ours(el, "raw")
        if text in ("true", "1"):
            if raw is not None:
                v = num_parse(el, raw, 8, False, True)
                if v:
                    return v
            return 1
        if text in ("false", "0"):
            return 0
        raise fail(el, f"{text!r} is not True or False")


class BitString(Format):
    """bit-string: the bits as 0/1 characters; padding bits that are not zero kept in ``dt:raw``."""

    def write(self, value, el, ctx):
        n = int(value["bit_count"])
        octets = bytes(value["octets"])
        bits = "".join(format(b, "08b") for b in octets)[:n]
        el.set("Value", bits)
        _len_attr(value["bit_count"], el, ctx)
        if _bits_octets(bits) != octets:
            ctx.mark(el, "raw", hexstr(octets))

    def read(self, el, cur, ctx):
        bits = value_of(el).strip()
        if any(ch not in "01" for ch in bits):
            raise fail(el, "a bit-string Value is made of 0 and 1")
        octets = _bits_octets(bits)
        raw = ours(el, "raw")
        if raw is not None:
            kept = parse_hex(el, raw)
            if len(kept) == len(octets) and "".join(format(b, "08b") for b in kept)[:len(bits)] == bits:
                octets = kept
        return {"bit_count": widths.apply(len(bits), _len_in(el).get("")), "octets": octets}


def _bits_octets(bits: str) -> bytes:
    if not bits:
        return b""
    padded = bits + "0" * (-len(bits) % 8)
    return int(padded, 2).to_bytes(len(padded) // 8, "big")


class Float(Format):
    """float32 / float64: the IEEE octets in hex, as Gurux writes them (both number modes)."""

    def __init__(self, size: int) -> None:
        self.size = size
        import struct
        self.fmt = ">f" if size == 4 else ">d"
        self.struct = struct

    def text(self, value, ctx):
        raw = getattr(value, "raw", b"")
        return raw.hex().upper() if len(raw) == self.size else None

    def write(self, value, el, ctx):
        raw = getattr(value, "raw", b"")
        if len(raw) != self.size:
            raw = self.struct.pack(self.fmt, float(value))
        el.set("Value", hexstr(raw))

    def read(self, el, cur, ctx):
        from ..schema.axdr import Float as AxdrFloat
        raw = parse_hex(el, value_of(el))
        if len(raw) != self.size:
            raise fail(el, f"a float{self.size * 8} is {self.size} octets")
        return AxdrFloat(self.struct.unpack(self.fmt, raw)[0], raw)


class Octets(Format):
    """date-time, date, time: the value's octets in hex (built and parsed by the schema)."""

    def __init__(self, schema: Any, size: int) -> None:
        self.schema = schema
        self.size = size

    def write(self, value, el, ctx):
        el.set("Value", hexstr(_core.build(self.schema, value, "axdr")))

    def read(self, el, cur, ctx):
        raw = parse_hex(el, value_of(el))
        if len(raw) != self.size:
            raise fail(el, f"expected {self.size} octets")
        return _core.parse(self.schema, raw, "axdr")


# --- registry -------------------------------------------------------------------------------------

def _confirmed_service_error_names() -> dict[int, str]:
    from ..schema.initiate import CONFIRMED_SERVICE_ERROR_CHOICES
    return CONFIRMED_SERVICE_ERROR_CHOICES


def _enum_names(enum: Any) -> Callable[[], dict[int, str]]:
    return lambda: dict(enum.decmapping)


def _build_registry() -> dict[str, Format]:
    from ..schema import axdr, protection
    reg: dict[str, Format] = {}
    for bits in (8, 16, 32, 64):
        reg[f"num{bits}"] = Number(bits, False)
        reg[f"snum{bits}"] = Number(bits, True)
    reg.update({
        "hex": Hex(), "hex8": HexNumber(8, False), "bool8": Bool8(), "octet": Octet(),
        "nothing": Nothing(), "none": Nothing(), "conformance": Conformance(),
        "secured": Secured(), "notification_date_time": NotificationDateTime(),
        "string": String(), "boolean": Boolean(), "bit_string": BitString(),
        "code:confirmed_service_error": EnumCode(_confirmed_service_error_names),
    })
    reg["float32"] = Float(4)
    reg["float64"] = Float(8)
    for tag, size in (("date_time", 12), ("date", 5), ("time", 4)):
        reg["octets:" + tag] = Octets(axdr.VALUE_SCHEMAS[tag], size)
    for table in _SPEC["enums"]:
        reg["enum:" + table] = (BerEnumName if table in _BER_INTEGER_ENUMS else EnumName)(table)
    reg["code:key_id"] = EnumCode(_enum_names(protection.KeyId))
    reg["code:kek_id"] = EnumCode(_enum_names(protection.KekId))
    return reg


_BER_INTEGER_ENUMS = ("release_request_reason", "release_response_reason")
"""Enum tables of ACSE fields that are BER INTEGERs (signed, any number of octets)."""

FORMATS: dict[str, Format] = _build_registry()
