"""Formats of ACSE components (AARQ, AARE, RLRQ, RLRE), which Gurux shows as one element each.

A component's decoded value is a small BER container (tag, length, contents); its element keeps
the contents in Gurux's form (``LN``, ``High``, hex, bits) and any non-minimal BER length in our
``dt:len`` with a path. user-information holds an xDLMS APDU: it is rendered by the APDU tables
themselves (``<InitiateRequest>``, ``<glo_InitiateRequest Value=..>``), as Gurux does.
"""

from __future__ import annotations

from typing import Any

from ..errors import DecodeError
from ..schema import _core, initiate
from ..schema.acse import XdlmsApdu
from ..schema.apdu import Apdu
from ..security.redaction import Redacted
from . import widths
from .context import OutCtx, fail, ours, value_of
from .formats import Format, hexstr, parse_hex
from .spec import simple_spec
from .writer import El

__all__ = ["FORMATS"]

_NAMES = simple_spec()["acse_names"]


def _mark_widths(value: Any, el: El, ctx: OutCtx, extra: list | None = None) -> None:
    items = widths.collect(value) + (extra or [])
    if items:
        ctx.mark(el, "len", widths.encode(items))


def _read_widths(el: Any) -> dict[str, int]:
    try:
        return widths.decode(ours(el, "len"))
    except ValueError as e:
        raise fail(el, f"bad dt:len: {e}") from None


def _bits_text(unused: int, bits: bytes) -> str:
    n = len(bits) * 8 - unused
    return "".join(format(b, "08b") for b in bits)[:max(n, 0)]


def _text_bits(text: str) -> tuple[int, bytes]:
    if not text:
        return 0, b""
    unused = -len(text) % 8
    padded = text + "0" * unused
    return unused, int(padded, 2).to_bytes(len(padded) // 8, "big")


class Named(Format):
    """An OBJECT IDENTIFIER shown by its COSEM name (LN, High ...), else in dotted form."""

    def __init__(self, table: str, tagged: bool) -> None:
        self.names = _NAMES[table]
        self.oids = {v.lower(): k for k, v in self.names.items()}
        self.tagged = tagged  # application-context-name is [1] { OBJECT IDENTIFIER }, explicit

    def text(self, value, ctx):
        oid = value["oid"]
        if "_width" in value or getattr(oid, "width", None):
            return None
        oid = str(oid)
        return self.names.get(oid, oid)

    def write(self, value, el, ctx):
        oid = str(value["oid"])
        el.set("Value", self.names.get(oid, oid))
        _mark_widths(value, el, ctx)

    def read(self, el, cur, ctx):
        text = value_of(el).strip()
        oid = self.oids.get(text.lower(), text)
        if not all(p.isdigit() for p in oid.split(".")) or "." not in oid:
            raise fail(el, f"{text!r} is neither a known name nor a dotted OBJECT IDENTIFIER")
        value: dict[str, Any] = {"oid": oid}
        if self.tagged:
            value["tag"] = None
        return widths.apply_paths(value, _read_widths(el))


class BerOctets(Format):
    """An AP title or AE qualifier: OCTET STRING contents in hex."""

    def text(self, value, ctx):
        octets = value["value"]
        if "_width" in value or type(octets) is not bytes:
            return None
        return octets.hex().upper()

    def write(self, value, el, ctx):
        el.set("Value", hexstr(value["value"]))
        _mark_widths(value, el, ctx)

    def read(self, el, cur, ctx):
        value = {"tag": None, "value": parse_hex(el, value_of(el))}
        return widths.apply_paths(value, _read_widths(el))


class BerInt(Format):
    """A tagged INTEGER (result, invocation ids): hex (at least 2 digits) or decimal."""

    def text(self, value, ctx):
        n = value["value"]
        if "_width" in value or getattr(n, "width", None):
            return None
        n = int(n)
        return format(n, "02X") if ctx.hex else str(n)

    def write(self, value, el, ctx):
        n = int(value["value"])
        el.set("Value", format(n, "02X") if ctx.hex else str(n))
        _mark_widths(value, el, ctx)

    def read(self, el, cur, ctx):
        text = value_of(el).strip()
        digits = text[1:] if text.startswith("-") else text  # a negative INTEGER: -55 is -0x55
        if ctx.strict and ctx.hex and (len(digits) < 2 or len(digits) % 2):
            raise fail(el, f"{text!r} is not hex octets")
        try:
            n = int(text, 16 if ctx.hex else 10)
        except ValueError:
            raise fail(el, f"{text!r} is not a number") from None
        return widths.apply_paths({"tag": None, "value": n}, _read_widths(el))


class BerBits(Format):
    """A BIT STRING (protocol-version, ACSE requirements) as 0/1 characters, as Gurux shows it."""

    def write(self, value, el, ctx):
        unused, bits = int(value["unused_bits"]), bytes(value["bits"])
        text = _bits_text(unused, bits)
        el.set("Value", text)
        if _text_bits(text) != (unused, bits):
            ctx.mark(el, "raw", hexstr(bytes([unused]) + bits))
        _mark_widths(value, el, ctx)

    def read(self, el, cur, ctx):
        text = value_of(el).strip()
        if any(ch not in "01" for ch in text):
            raise fail(el, "a BIT STRING Value is made of 0 and 1")
        unused, bits = _text_bits(text)
        raw = ours(el, "raw")
        if raw is not None:
            kept = parse_hex(el, raw)
            if kept and _bits_text(kept[0], kept[1:]) == text:
                unused, bits = kept[0], kept[1:]
        return widths.apply_paths({"unused_bits": unused, "bits": bits}, _read_widths(el))


class AuthenticationValue(Format):
    """Authentication-value: the octets in hex; ``dt:choice`` when not charstring."""

    def write(self, value, el, ctx):
        choice = str(value["tag"])
        inner = value["value"]
        if isinstance(inner, Redacted):  # the LLS password: zeros, and a mark encode refuses
            el.set("Value", hexstr(bytes(inner.length)))
            ctx.mark(el, "redacted", "password")
            _mark_widths(value, el, ctx)
            return
        if choice == "bitstring":
            octets = bytes([int(inner["unused_bits"])]) + bytes(inner["bits"])
        else:
            octets = bytes(inner)
        el.set("Value", hexstr(octets))
        if choice != "charstring":
            ctx.mark(el, "choice", choice)
        _mark_widths(value, el, ctx)

    def read(self, el, cur, ctx):
        if ours(el, "redacted") is not None:
            raise fail(el, "the LLS password was redacted when this XML was written: put it "
                           "back in place of the zeros and drop dt:redacted, or decode with "
                           "--show-keys")
        octets = parse_hex(el, value_of(el))
        choice = ours(el, "choice") or "charstring"
        if choice not in ("charstring", "bitstring", "external", "other"):
            raise fail(el, f"unknown Authentication-value alternative {choice!r}")
        if choice == "bitstring":
            if not octets:
                raise fail(el, "a bitstring authentication value needs its unused-bits octet")
            inner: Any = {"unused_bits": octets[0], "bits": octets[1:]}
        else:
            inner = octets
        return widths.apply_paths({"tag": choice, "value": inner}, _read_widths(el))


class ResultSourceDiagnostic(Format):
    """<ResultSourceDiagnostic><ACSEServiceUser Value=".."/></ResultSourceDiagnostic>."""

    def __init__(self) -> None:
        self.names = _NAMES["result_source_diagnostic"]
        self.by_element = {v: k for k, v in self.names.items()}

    def write(self, value, el, ctx):
        n = int(value["value"]["value"])  # a leaf written out at once: digits need no escaping
        text = format(n, "02X") if ctx.hex else str(n)
        el.children.append(f'<{self.names[str(value["tag"])]} Value="{text}" />')
        el.container = True
        _mark_widths(value, el, ctx)

    def read(self, el, cur, ctx):
        child = cur.take()
        choice = self.by_element.get(child.tag)
        if choice is None:
            raise fail(child, f"expected <{'> or <'.join(self.by_element)}>")
        text = value_of(child).strip()
        try:
            n = int(text, 16 if ctx.hex else 10)
        except ValueError:
            raise fail(child, f"{text!r} is not a number") from None
        value = {"tag": choice, "value": {"tag": None, "value": n}}
        return widths.apply_paths(value, _read_widths(el))


class UserInformation(Format):
    """user-information: the xDLMS APDU it carries, rendered inline by the APDU tables."""

    raw = "UserInformation"

    def write(self, value, parent, ctx):
        xdlms = value["value"]
        levels = _levels(value)
        extra = [("ui." + p if p else "ui", w) for p, w in levels] if levels else levels
        need = bool(extra)
        if str(xdlms["tag"]) in _PLAIN:  # decoded by the same schema as a top-level APDU
            el = ctx.tables.apdu_write(xdlms, parent, ctx, need)
        else:  # ciphered: the octets after the tag, decoded here as the APDU table does
            data = _core.build(XdlmsApdu, xdlms, "acse")
            try:
                apdu = _core.parse(Apdu, data, "apdu")
            except DecodeError:
                el = parent.add(El(self.raw, {"Value": hexstr(data)}))
            else:
                el = ctx.tables.apdu_write(apdu, parent, ctx, need)
        if extra:
            own = el.get("dt:len")
            ctx.mark(el, "len", " ".join(filter(None, [own, widths.encode(extra)])))

    def read(self, parent, cur, ctx):
        e = cur.peek()
        if e is None:
            raise fail(parent, "expected the user-information APDU")
        items = _read_widths(e)
        if e.tag == self.raw:
            cur.take()
            data = parse_hex(e, value_of(e))
        else:
            apdu = ctx.tables.apdu_read(cur, parent, ctx)
            data = None if apdu["tag"] in _PLAIN else _core.build(Apdu, apdu, "apdu")
        if data is None:
            xdlms = apdu
        else:
            try:
                xdlms = _core.parse(XdlmsApdu, data, "acse")
            except DecodeError as err:
                raise fail(e, f"not an xDLMS APDU allowed in user-information: {err}") from None
        value = {"tag": None, "value": xdlms}
        ui = {p[3:] if p.startswith("ui.") else "": w
              for p, w in items.items() if p == "ui" or p.startswith("ui.")}
        return widths.apply_paths(value, ui)


_PLAIN = frozenset(name for name, _ in initiate.APDUS.values())


def _levels(value: Any) -> list[tuple[str, int]]:
    """The widths of the component and of its OCTET STRING (the APDU inside has its own)."""
    out = []
    w = value.get("_width") if isinstance(value, dict) else widths.own_width(value)
    if w:
        out.append(("", int(w)))
    inner = value["value"]
    w = inner.get("_width") if isinstance(inner, dict) else widths.own_width(inner)
    if w:
        out.append(("value", int(w)))
    return out


FORMATS: dict[str, Format] = {
    "context_name": Named("application_context_name", tagged=True),
    "mechanism_name": Named("mechanism_name", tagged=False),
    "ber_octets": BerOctets(),
    "ber_int": BerInt(),
    "ber_bits": BerBits(),
    "authentication_value": AuthenticationValue(),
    "result_source_diagnostic": ResultSourceDiagnostic(),
    "user_information": UserInformation(),
}
