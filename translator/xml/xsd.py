"""The XSD of the standard XML dialect, generated from ``specs/cosem_pdu.asn``.

The DLMS UA's own XSD may not be redistributed, so the schema the standard dialect is validated
against is derived here from the COSEMpdu ASN.1 module written for this project: a small reader of
the ASN.1 subset that module uses (SEQUENCE, SEQUENCE OF, CHOICE, INTEGER with ranges and named
numbers, ENUMERATED, BIT STRING with named bits, OCTET STRING, BOOLEAN, NULL, OBJECT IDENTIFIER,
character strings, tags) and a writer of one XSD type per ASN.1 type. The encoding rules are the
ones stated at the top of the module (element per component identifier, basic-XER value forms).

``python -m translator.xml.xsd`` rewrites ``specs/cosem_pdu.xsd``; a test checks the committed file
is what this gives.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["NAMESPACE", "Asn1Type", "generate", "parse_module", "xsd_text"]

NAMESPACE = "http://www.dlms.com/COSEMpdu"
ROOTS = ("aCSE-APDU", "ACSE-APDU"), ("xDLMS-APDU", "XDLMS-APDU"), ("Data", "Data")
"""The global elements: (element, ASN.1 type). Gurux wraps each APDU in the first two, as the
COSEMpdu CHOICE names them; bare A-XDR data is one ``Data`` value."""

_TOKEN = re.compile(r"::=|\.\.|[{}()\[\],]|-?\d+|[A-Za-z][A-Za-z0-9-]*")
_BUILTIN = {"BOOLEAN", "NULL", "INTEGER", "ENUMERATED", "VisibleString", "UTF8String",
            "GraphicString"}


@dataclass
class Asn1Type:
    """One ASN.1 type: ``kind`` is a builtin (SEQUENCE, CHOICE, SEQUENCE OF, INTEGER, ...) or
    ``ref`` to a named type."""

    kind: str
    ref: str = ""
    components: list[tuple[str, Asn1Type, bool]] = field(default_factory=list)  # (id, type, optional)
    item: Asn1Type | None = None        # SEQUENCE OF
    names: list[str] = field(default_factory=list)  # named numbers / bits / enumerations
    numbers: dict[str, int] = field(default_factory=dict)  # their values
    low: int | None = None
    high: int | None = None
    size: int | None = None
    tag: int | None = None              # the number of its tag, [n] or [APPLICATION n]
    tag_class: str = ""                 # "" (context-specific), "APPLICATION", ...
    tagging: str = ""                   # "IMPLICIT", "EXPLICIT" or "" as written


class _Reader:
    def __init__(self, text: str) -> None:
        text = re.sub(r"--[^\n]*", "", text)
        self.toks = _TOKEN.findall(text)
        self.i = 0

    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise ValueError(f"ASN.1: expected {want or 'a token'} at token {self.i}, got {tok!r}")
        self.i += 1
        return tok

    def read_tag(self) -> tuple[int | None, str, str]:
        """``[n]``, ``[APPLICATION n]``, with IMPLICIT or EXPLICIT after it: (n, class, mode)."""
        if self.peek() != "[":
            return None, "", ""
        self.take("[")
        cls = self.take() if self.peek() in ("APPLICATION", "PRIVATE", "UNIVERSAL") else ""
        number = int(self.take())
        self.take("]")
        mode = self.take() if self.peek() in ("IMPLICIT", "EXPLICIT") else ""
        return number, cls, mode

    def named_list(self, t: Asn1Type) -> None:
        """``{ a(0), b(1) }``: the identifiers and their numbers."""
        self.take("{")
        while self.peek() != "}":
            name = self.take()
            t.names.append(name)
            if self.peek() == "(":
                self.take("(")
                t.numbers[name] = int(self.take())
                self.take(")")
            if self.peek() == ",":
                self.take()
        self.take("}")

    def constraint(self, t: Asn1Type) -> None:
        if self.peek() != "(":
            return
        self.take("(")
        if self.peek() == "SIZE":
            self.take()
            self.take("(")
            t.size = int(self.take())
            self.take(")")
        else:
            t.low = int(self.take())
            self.take("..")
            t.high = int(self.take())
        self.take(")")

    def type(self) -> Asn1Type:
        number, cls, mode = self.read_tag()
        t = self.untagged()
        t.tag, t.tag_class, t.tagging = number, cls, mode
        return t

    def untagged(self) -> Asn1Type:
        tok = self.take()
        if tok in ("SEQUENCE", "CHOICE") and self.peek() == "{":
            t = Asn1Type(tok)
            self.take("{")
            while self.peek() != "}":
                name = self.take()
                sub = self.type()
                optional = False
                if self.peek() == "OPTIONAL":
                    self.take()
                    optional = True
                elif self.peek() == "DEFAULT":
                    self.take()
                    self.take()
                    optional = True
                t.components.append((name, sub, optional))
                if self.peek() == ",":
                    self.take()
            self.take("}")
            return t
        if tok == "SEQUENCE":
            self.take("OF")
            return Asn1Type("SEQUENCE OF", item=self.type())
        if tok in ("OCTET", "BIT"):
            self.take("STRING")
            t = Asn1Type(f"{tok} STRING")
            if self.peek() == "{":
                self.named_list(t)
            self.constraint(t)
            return t
        if tok == "OBJECT":
            self.take("IDENTIFIER")
            return Asn1Type("OBJECT IDENTIFIER")
        if tok in _BUILTIN:
            t = Asn1Type(tok)
            if self.peek() == "{":
                self.named_list(t)
            self.constraint(t)
            return t
        return Asn1Type("ref", ref=tok)


def parse_module(text: str) -> dict[str, Asn1Type]:
    """The type assignments of an ASN.1 module, in order."""
    r = _Reader(text)
    r.take()  # module name
    r.take("DEFINITIONS")
    r.take("::=")
    r.take("BEGIN")
    types: dict[str, Asn1Type] = {}
    while r.peek() != "END":
        name = r.take()
        r.take("::=")
        types[name] = r.type()
    return types


class _Writer:
    def __init__(self, types: dict[str, Asn1Type]) -> None:
        self.types = types
        self.out: list[str] = []

    def resolve(self, t: Asn1Type) -> Asn1Type:
        while t.kind == "ref":
            t = self.types[t.ref]
        return t

    def emit(self, depth: int, line: str) -> None:
        self.out.append("  " * depth + line)

    def element(self, name: str, t: Asn1Type, depth: int, occurs: str = "") -> None:
        if t.kind == "ref":
            self.emit(depth, f'<xs:element name="{name}" type="tns:{t.ref}"{occurs}/>')
            return
        self.emit(depth, f'<xs:element name="{name}"{occurs}>')
        self.anonymous(t, depth + 1)
        self.emit(depth, "</xs:element>")

    def anonymous(self, t: Asn1Type, depth: int) -> None:
        complex_ = t.kind in ("SEQUENCE", "CHOICE", "SEQUENCE OF", "NULL")
        self.emit(depth, "<xs:complexType>" if complex_ else "<xs:simpleType>")
        self.body(t, depth + 1)
        self.emit(depth, "</xs:complexType>" if complex_ else "</xs:simpleType>")

    def body(self, t: Asn1Type, depth: int) -> None:
        """The content of a complexType or simpleType for ``t``."""
        kind = t.kind
        if kind in ("SEQUENCE", "CHOICE"):
            tag = "xs:sequence" if kind == "SEQUENCE" else "xs:choice"
            self.emit(depth, f"<{tag}>")
            for name, sub, optional in t.components:
                self.element(name, sub, depth + 1, ' minOccurs="0"' if optional else "")
            self.emit(depth, f"</{tag}>")
        elif kind == "SEQUENCE OF":
            self.emit(depth, "<xs:sequence>")
            item = t.item
            many = ' minOccurs="0" maxOccurs="unbounded"'
            if item.kind == "ref" and self.resolve(item).kind == "CHOICE":
                self.emit(depth + 1, f'<xs:group ref="tns:{item.ref}-alternatives"{many}/>')
            elif item.kind == "CHOICE":  # SEQUENCE OF CHOICE {..}: the alternatives, repeated
                self.emit(depth + 1, f"<xs:choice{many}>")
                for name, sub, _ in item.components:
                    self.element(name, sub, depth + 2)
                self.emit(depth + 1, "</xs:choice>")
            else:
                self.element(item.ref or "item", item, depth + 1, many)
            self.emit(depth, "</xs:sequence>")
        elif kind == "NULL":
            pass  # an empty element
        else:
            self.simple(t, depth)

    def simple(self, t: Asn1Type, depth: int) -> None:
        kind = t.kind
        if kind == "INTEGER" and t.names:
            self.emit(depth, '<xs:union memberTypes="xs:integer">')
            self.enumeration(t.names, depth + 1)
            self.emit(depth, "</xs:union>")
        elif kind == "INTEGER":
            self.emit(depth, '<xs:restriction base="xs:integer">')
            if t.low is not None:
                self.emit(depth + 1, f'<xs:minInclusive value="{t.low}"/>')
                self.emit(depth + 1, f'<xs:maxInclusive value="{t.high}"/>')
            self.emit(depth, "</xs:restriction>")
        elif kind == "ENUMERATED":
            self.emit(depth, '<xs:union memberTypes="xs:nonNegativeInteger">')
            self.enumeration(t.names, depth + 1)
            self.emit(depth, "</xs:union>")
        elif kind == "BIT STRING" and t.names:
            self.emit(depth, "<xs:list>")
            self.enumeration(t.names, depth + 1)
            self.emit(depth, "</xs:list>")
        else:
            base, facets = {
                "BOOLEAN": ("xs:boolean", []),
                "OCTET STRING": ("xs:hexBinary",
                                 [f'<xs:length value="{t.size}"/>'] if t.size is not None else []),
                "BIT STRING": ("xs:string", ['<xs:pattern value="[01]*"/>']),
                "OBJECT IDENTIFIER": ("xs:string", ['<xs:pattern value="[0-9]+(\\.[0-9]+)+"/>']),
            }.get(kind, ("xs:string", []))
            self.emit(depth, f'<xs:restriction base="{base}">' if facets
                      else f'<xs:restriction base="{base}"/>')
            if facets:
                for f in facets:
                    self.emit(depth + 1, f)
                self.emit(depth, "</xs:restriction>")

    def enumeration(self, names: list[str], depth: int) -> None:
        self.emit(depth, "<xs:simpleType>")
        self.emit(depth + 1, '<xs:restriction base="xs:token">')
        for n in names:
            self.emit(depth + 2, f'<xs:enumeration value="{n}"/>')
        self.emit(depth + 1, "</xs:restriction>")
        self.emit(depth, "</xs:simpleType>")

    def named(self, name: str, t: Asn1Type) -> None:
        if t.kind == "ref":  # an alias: the same content as the type it names
            t = self.resolve(t)
        complex_ = t.kind in ("SEQUENCE", "CHOICE", "SEQUENCE OF", "NULL")
        if t.kind == "CHOICE":  # also as a group, for SEQUENCE OF a CHOICE
            self.emit(1, f'<xs:group name="{name}-alternatives">')
            self.body(t, 2)
            self.emit(1, "</xs:group>")
            self.emit(1, f'<xs:complexType name="{name}">')
            self.emit(2, f'<xs:group ref="tns:{name}-alternatives"/>')
            self.emit(1, "</xs:complexType>")
            return
        self.emit(1, f'<xs:{"complexType" if complex_ else "simpleType"} name="{name}">')
        self.body(t, 2)
        self.emit(1, f'</xs:{"complexType" if complex_ else "simpleType"}>')


def xsd_text(asn1: str) -> str:
    """The XSD of an ASN.1 module's text."""
    types = parse_module(asn1)
    w = _Writer(types)
    w.emit(0, '<?xml version="1.0" encoding="UTF-8"?>')
    w.emit(0, "<!-- Generated by translator/xml/xsd.py from specs/cosem_pdu.asn; do not edit. -->")
    w.emit(0, f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{NAMESPACE}" '
              f'targetNamespace="{NAMESPACE}" elementFormDefault="qualified">')
    for element, typ in ROOTS:
        w.emit(1, f'<xs:element name="{element}" type="tns:{typ}"/>')
    for name, t in types.items():
        w.named(name, t)
    w.emit(0, "</xs:schema>")
    return "\n".join(w.out) + "\n"


SPECS = Path(__file__).resolve().parents[2] / "specs"


def generate(asn1_path: Path | None = None) -> str:
    """The XSD of ``specs/cosem_pdu.asn`` (read from the package's specs when installed)."""
    if asn1_path is None:
        from ..tables import spec_text
        return xsd_text(spec_text("cosem_pdu.asn"))
    return xsd_text(asn1_path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Rewrite ``specs/cosem_pdu.xsd`` (or the path given) from ``specs/cosem_pdu.asn``."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else SPECS / "cosem_pdu.xsd"
    target.write_text(generate(SPECS / "cosem_pdu.asn"), encoding="utf-8")
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
