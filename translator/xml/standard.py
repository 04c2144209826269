"""The DLMS UA "standard" XML dialect, as a mapping over the simple dialect both ways.

The octets are never built or parsed here: ``to_standard`` renames the elements of the simple
dialect's document (written by the schema-driven tables, numbers in decimal) to the ASN.1
identifiers of the COSEMpdu module, and ``to_simple`` maps a standard document back, so that the
simple reader builds the octets through the schemas. The tables are ``specs/xml_standard.json``;
the identifiers and enumeration numbers come from ``specs/cosem_pdu.asn``, the same module the
XSD is generated from, so the two cannot drift apart.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

from construct import ConstructError
from lxml import etree

from ..errors import DecodeError, EncodeError, XmlError
from ..schema import _core, axdr
from ..schema.apdu import Apdu
from ..tables import load_json, spec_text
from . import safe
from .context import Cursor, InCtx
from .data import DATA
from .formats import hexstr, parse_hex
from .nodes import TABLES
from .spec import NS, simple_spec
from .xsd import parse_module

__all__ = ["STD_NS", "is_standard", "parse", "to_simple", "to_standard", "to_standard_text"]

_S = load_json("xml_standard.json")
STD_NS: str = _S["namespace"]["uri"]
_P = "{" + STD_NS + "}"
_OUR = "{" + NS + "}"
_WRAP = _S["wrappers"]
_ACSE = frozenset(_S["acse_apdus"])
ENVELOPE_NS = frozenset(_S["envelope_in_namespace"])
_VERBATIM = frozenset(_S["verbatim"])
_AUTH = _S["authentication"]
_UI = _S["user_information"]
_SINGLE = _S["single_response"]
_CSE = _S["confirmed_service_error"]
_CSE_BY_NAME = {v: k for k, v in _CSE["names"].items()}
_VARIANTS = _S["gurux_variants"]
_UNWRAPPED = _S["unwrapped_items"]
_EXC = _S["exception_response"]
_ACSE_NAMES = simple_spec()["acse_names"]
_ENUMS = simple_spec()["enums"]
_CONF = simple_spec()["conformance"]


def kebab(name: str) -> str:
    """``InvokeIdAndPriority`` -> ``invoke-id-and-priority``, ``ACSEServiceUser`` ->
    ``acse-service-user``, ``glo_GetRequest`` -> ``glo-get-request``."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name.replace("_", "-"))
    return re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "-", s).lower()


def _simple_names() -> set[str]:
    """Every element name of the simple dialect's tables."""
    names: set[str] = {DATA.by_tag[t][0] for t in DATA.by_tag}
    names |= {_CONF["element"], _UI["raw"]}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            el = node.get("element")
            if isinstance(el, str):
                names.add(el)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    spec = simple_spec()
    for key in ("apdus", "types", "components"):
        walk(spec[key])
    names |= set(_ACSE_NAMES["result_source_diagnostic"].values())
    names |= {v for k, v in spec["compact_array"].items() if k != "array_qty"}
    return names


class _Names:
    """Simple path -> standard name, and (simple parent path, standard name) -> simple name."""

    def __init__(self) -> None:
        self.rename: dict[tuple[str, ...], str] = {
            tuple(k.split("/")): v for k, v in _S["rename"].items()}
        self.values: dict[tuple[str, ...], str] = {
            tuple(k.split("/")): v for k, v in _S["values"].items()}
        self.inverse: dict[tuple[str, ...], str] = {}
        for path, std in self.rename.items():
            self.inverse.setdefault(path[:-1] + (std,), path[-1])
        for k, v in _S["inverse"].items():
            self.inverse[tuple(k.split("/"))] = v
        self.default: dict[str, str] = {}
        for name in sorted(_simple_names()):
            self.default.setdefault(kebab(name), name)

    @staticmethod
    def _longest(table: dict, path: tuple[str, ...]) -> Any:
        for n in range(min(len(path), 3), 0, -1):
            got = table.get(path[-n:])
            if got is not None:
                return got
        return None

    def std(self, path: tuple[str, ...]) -> str:
        return self._longest(self.rename, path) or kebab(path[-1])

    def simple(self, parents: tuple[str, ...], std: str) -> str | None:
        got = self._longest(self.inverse, parents + (std,))
        return got or self.default.get(std)

    def kind(self, path: tuple[str, ...]) -> str | None:
        return self._longest(self.values, path)


_NAMES = _Names()
WRAPPERS: dict[str, str] = dict(_WRAP)
"""The standard elements around an APDU or bare data: ``acse``, ``xdlms``, ``data``."""
ACSE_ELEMENTS = frozenset(_NAMES.std((n,)) for n in _ACSE)
"""The standard elements of the ACSE APDUs (aarq, aare, rlrq, rlre)."""


@cache
def _asn1_enums() -> dict[str, tuple[dict[str, int], dict[int, str]]]:
    """For each simple enum table, the ASN.1 identifiers by number and back (cosem_pdu.asn)."""
    types = parse_module(spec_text("cosem_pdu.asn"))
    out = {}
    for table, where in _S["enum_types"].items():
        name, _, comp = where.partition("/")
        t = types[name]
        if comp:
            t = next(sub for ident, sub, _ in t.components if ident == comp)
        numbers = dict(t.numbers)
        if t.kind == "CHOICE":  # a CHOICE of NULLs (ExceptionResponse's service-error): its tags
            numbers = {ident: sub.tag for ident, sub, _ in t.components}
        out[table] = (numbers, {n: k for k, n in numbers.items()})
    return out


# --- values ------------------------------------------------------------------------------------

def _enum_out(table: str, text: str) -> str:
    codes = {v: int(k) for k, v in _ENUMS[table].items()}
    code = codes.get(text)
    if code is None:
        try:
            code = int(text)
        except ValueError:
            return text
    return _asn1_enums()[table][1].get(code, str(code))


def _enum_in(table: str, text: str) -> str:
    code = _asn1_enums()[table][0].get(text)
    if code is None:
        return text  # a number (or a simple-dialect name) as it is
    return _ENUMS[table].get(str(code), str(code))


def _oid_out(table: str, text: str) -> str:
    oids = {v: k for k, v in _ACSE_NAMES[table].items()}
    return oids.get(text, text)


def _oid_in(table: str, text: str) -> str:
    names = _ACSE_NAMES[table]
    if text.isdigit():  # Gurux writes only the last arc of the COSEM OBJECT IDENTIFIER
        base = next(iter(names)).rsplit(".", 1)[0]
        text = f"{base}.{text}"
    return names.get(text, text)


# --- simple -> standard ------------------------------------------------------------------------

def _copy_ours(src: Any, dst: Any, skip: tuple[str, ...] = ()) -> None:
    for k, v in src.attrib.items():
        if k.startswith(_OUR) and k[len(_OUR):] not in skip and k[len(_OUR):] != "numbers":
            dst.set(k, v)


def _passthrough(c: Any) -> bool:
    """Comments and our own elements (deciphered views) are copied as they are."""
    return not isinstance(c.tag, str) or c.tag.startswith(_OUR)


_VIEWS = frozenset(_OUR + v for v in ("Deciphered", "Reassembled"))


class _Out:
    """One document's conversion to the standard dialect."""

    def passthrough(self, c: Any) -> Any:
        """A comment or one of our elements: a deciphered (or reassembled) view is ours, but
        the APDU it shows is written in the standard dialect too, in its COSEMpdu wrapper, so
        that one document has one dialect (the view keeps its attributes: digest, redaction)."""
        if not isinstance(c.tag, str) or c.tag not in _VIEWS:
            return copy.deepcopy(c)
        out = etree.Element(c.tag, dict(c.attrib))
        out.text = c.text
        for k in c:
            if _passthrough(k):
                out.append(self.passthrough(k))
            elif TABLES.is_apdu(k.tag):
                wrap = etree.SubElement(out, _P + _wrapper(k.tag))
                wrap.append(self.element(k, ()))
            else:  # the plaintext's octets when they are no APDU: as they are
                out.append(copy.deepcopy(k))
            out[-1].tail = k.tail
        return out

    def element(self, el: Any, path: tuple[str, ...]) -> Any:
        tag = el.tag
        if tag == _COMPACT:
            got = _compact_out(el)
            if got is not None:
                return got
        path = path + (tag,)
        out = etree.Element(_P + _NAMES.std(path))
        kind = _NAMES.kind(path)
        value = el.get("Value")
        _copy_ours(el, out, ("choice",) if kind == "authentication" else ())
        for k, v in el.attrib.items():  # the simple dialect's other attributes (Gurux's Tag=)
            if not k.startswith("{") and k not in ("Value", "Qty", "Name"):
                out.set(k, v)
            elif k == "Qty" and _DESCRIPTION in path:  # a compact array's type: no count else
                out.set(k, v)
        if kind == "conformance":
            out.text = " ".join(kebab(c.get("Name") or "") for c in el if isinstance(c.tag, str)
                                and not c.tag.startswith(_OUR))
            return out
        if kind == "authentication":
            sub = etree.SubElement(out, _P + (el.get(_OUR + "choice") or _AUTH["default"]))
            sub.text = value
            return out
        if kind == "default_true" and value is not None:
            out.text = "false" if int(value) == 0 else "true"
            out.set(_OUR + "octet", value)
        elif value is not None:
            if kind and kind.startswith("enum:"):
                value = _enum_out(kind[5:], value)
            elif kind and kind.startswith("oid:"):
                value = _oid_out(kind[4:], value)
            elif kind == "boolean" and value in ("True", "False"):
                value = value.lower()
            elif kind == "integer16" and value.isdigit() and 0x8000 <= int(value) <= 0xFFFF:
                value = str(int(value) - 0x10000)
            out.text = value
        if tag in _ACSE:
            self.children_acse(el, out, path)
        elif tag == "ConfirmedServiceError":
            self.children_cse(el, out, path)
        elif tag == _SINGLE["parent"]:
            self.children_single(el, out, path)
        elif tag == _EXC["parent"]:
            self.children_exception(el, out, path)
        else:
            self.children(el, out, path)
        return out

    def children_exception(self, el: Any, out: Any, path: tuple[str, ...]) -> None:
        """ExceptionResponse: service-error is a CHOICE whose alternative is named by the error
        (an empty element; invocation-counter-error holds the counter that follows it)."""
        alt = None
        for c in el:
            if _passthrough(c):
                out.append(self.passthrough(c))
            elif c.tag == _EXC["error"]:
                choice = self.element(c, path)
                if not (choice.text or "")[:1].isalpha():  # a code the module names nothing
                    raise XmlError(_where(c, f"service-error {choice.text} has no name in the "
                                             "COSEMpdu module: the standard dialect cannot show "
                                             "it (the simple one can)"))
                alt = etree.SubElement(choice, _P + (choice.text or ""))
                choice.text = None
                out.append(choice)
            elif c.tag == _EXC["counter"] and alt is not None and len(alt) == 0 and not alt.text:
                alt.text = c.get("Value")
                _copy_ours(c, alt)
            else:
                out.append(self.element(c, path))

    def children(self, el: Any, out: Any, path: tuple[str, ...]) -> None:
        item = _UNWRAPPED.get(el.tag)
        for c in el:
            if _passthrough(c):
                out.append(self.passthrough(c))
            elif c.tag == item:  # SEQUENCE OF a CHOICE: the alternative without its item element
                self.children(c, out, path + (item,))
            else:
                out.append(self.element(c, path))

    def children_single(self, el: Any, out: Any, path: tuple[str, ...]) -> None:
        """Action-Response-Normal: result and return-parameters sit in single-response."""
        single = None
        for c in el:
            if not _passthrough(c) and c.tag in _SINGLE["fields"]:
                if single is None:
                    single = etree.SubElement(out, _P + _SINGLE["element"])
                single.append(self.element(c, path))
            else:
                (single if single is not None else out).append(
                    self.passthrough(c) if _passthrough(c) else self.element(c, path))

    def children_cse(self, el: Any, out: Any, path: tuple[str, ...]) -> None:
        """ConfirmedServiceError: the service number names the CHOICE alternative."""
        kids = [c for c in el if not _passthrough(c)]
        names = [c.tag for c in kids]
        if names != [_CSE["service"], _CSE["error"]] or kids[0].get("Value") not in _CSE["names"]:
            self.children(el, out, path)
            return
        alt = etree.SubElement(out, _P + _CSE["names"][kids[0].get("Value")])
        _copy_ours(kids[0], alt)
        _copy_ours(kids[1], alt)
        self.children(kids[1], alt, path + (_CSE["error"],))

    def children_acse(self, el: Any, out: Any, path: tuple[str, ...]) -> None:
        """An ACSE APDU: its user-information is the xDLMS APDU's octets (Association-information
        is an OCTET STRING), built by the simple reader from the element the tables wrote."""
        for c in el:
            if _passthrough(c):
                out.append(self.passthrough(c))
            elif c.tag == _UI["raw"] or TABLES.is_apdu(c.tag):
                ui = etree.SubElement(out, _P + _UI["element"])
                _copy_ours(c, ui)
                ui.text = hexstr(_apdu_octets(c))
                for view in c:  # a deciphered view of the ciphered initiate APDU stays beside it
                    if isinstance(view.tag, str) and view.tag.startswith(_OUR):
                        ui.append(self.passthrough(view))
            else:
                out.append(self.element(c, path))


class _One(Cursor):
    def __init__(self, el: Any) -> None:
        self.parent = el
        self.items = [el]
        self.i = 0


def _apdu_octets(el: Any) -> bytes:
    """The octets of one simple-dialect APDU element (or raw ``UserInformation``)."""
    el = copy.deepcopy(el)
    for k in list(el.attrib):
        if k == _OUR + "len":  # the user-information lengths around it: kept on <user-information>
            del el.attrib[k]
    for view in [v for v in el if isinstance(v.tag, str) and v.tag.startswith(_OUR)]:
        el.remove(view)
    if el.tag == _UI["raw"]:
        return parse_hex(el, el.get("Value") or "")
    ctx = InCtx(TABLES, hexmode=False)
    return _core.build(Apdu, TABLES.apdu_read(_One(el), el, ctx), "apdu")


def _wrapper(tag: str) -> str:
    return _WRAP["acse"] if tag in _ACSE else _WRAP["xdlms"]


def to_standard(simple_root: Any) -> Any:
    """The standard-dialect document of a simple-dialect one (numbers in decimal)."""
    conv = _Out()

    def walk(el: Any, top: bool) -> Any:
        if TABLES.is_apdu(el.tag):
            wrap = etree.Element(_P + _wrapper(el.tag))
            wrap.append(conv.element(el, ()))
            return wrap
        if top and el.tag in DATA.by_element:
            wrap = etree.Element(_P + _WRAP["data"])
            wrap.append(conv.element(el, ()))
            return wrap
        out = etree.Element(el.tag)
        out.text = el.text if el.text and el.text.strip() else None
        for k, v in el.attrib.items():
            if k != _OUR + "numbers":
                out.set(k, v)
        for c in el:
            if _passthrough(c):
                out.append(conv.passthrough(c))
            else:
                out.append(walk(c, top and el.tag == simple_spec()["framing"]["messages"]))
        return out

    root = walk(simple_root, True)
    # the same root again, declaring the prefixes once (x: for COSEMpdu, dt: for ours)
    new = etree.Element(root.tag, dict(root.attrib), nsmap=_nsmap(root))
    new.text = root.text
    for c in list(root):
        new.append(c)
    return new


def _nsmap(root: Any) -> dict:
    used_ours = any(isinstance(e.tag, str) and (e.tag.startswith(_OUR) or any(
        k.startswith(_OUR) for k in e.attrib)) for e in root.iter())
    return {"x": STD_NS, "dt": NS} if used_ours else {"x": STD_NS}


# --- compact-array: the Green Book's SEQUENCE { contents-description, array-contents } --------------
#
# The simple dialect shows the contents decoded by their description; the standard one shows what
# the module says: the TypeDescription as its alternatives (an array's number-of-elements and
# type-description) and array-contents as the octets. Both are derived from the octets the simple
# element encodes to, and read back the same way; where they would not give those octets again
# (a non-minimal length, our dt: attributes) the element stays in its decoded form.

_COMPACT = DATA.by_tag["compact_array"][0]


@cache
def _type_names() -> tuple[dict[int, str], dict[str, int]]:
    """TypeDescription's alternatives by tag number and back (cosem_pdu.asn)."""
    alts = parse_module(spec_text("cosem_pdu.asn"))["TypeDescription"].components
    by_tag = {sub.tag: ident for ident, sub, _ in alts}
    return by_tag, {v: k for k, v in by_tag.items()}


def _description_out(desc: Any) -> Any:
    """A parsed TypeDescription as its XER element."""
    name = _type_names()[0][int(desc["tag"])]
    el = etree.Element(_P + name)
    inner = desc["description"]
    if name == "array":
        etree.SubElement(el, _P + "number-of-elements").text = str(inner["number_of_elements"])
        etree.SubElement(el, _P + "type-description").append(
            _description_out(inner["type_description"]))
    elif name == "structure":
        for d in inner:
            el.append(_description_out(d))
    return el


def _description_in(el: Any) -> dict:
    """A TypeDescription element (XER) as the value the schema builds."""
    name = etree.QName(el).localname
    number = _type_names()[1].get(name)
    if number is None:
        raise XmlError(_where(el, f"<{name}> is no TypeDescription alternative"))
    tag = axdr.AXDR_TYPES[number]
    kids = [c for c in el if isinstance(c.tag, str)]
    if name == "array":
        count = next((c for c in kids if etree.QName(c).localname == "number-of-elements"), None)
        inner = next((c for c in kids if etree.QName(c).localname == "type-description"), None)
        subs = [c for c in inner if isinstance(c.tag, str)] if inner is not None else []
        if count is None or len(subs) != 1:
            raise XmlError(_where(el, "an array's description: number-of-elements and one "
                                      "type-description"))
        try:
            n = int((count.text or "").strip())
        except ValueError:
            raise XmlError(_where(count, "number-of-elements: a number")) from None
        return {"tag": tag, "description": {"number_of_elements": n,
                                            "type_description": _description_in(subs[0])}}
    if name == "structure":
        return {"tag": tag, "description": [_description_in(c) for c in kids]}
    return {"tag": tag, "description": None}


def _compact_out(el: Any) -> Any | None:
    """The standard ``compact-array`` of a simple ``CompactArray``, or None to keep it decoded."""
    if any(k.startswith("{") for e in el.iter() if isinstance(e.tag, str) for k in e.attrib):
        return None
    try:
        value = DATA.read(el, _One(el), InCtx(TABLES, hexmode=False))
        parts = axdr.compact_split(_core.build(axdr.CompactArray, value["value"], "axdr"))
    except (EncodeError, DecodeError, XmlError):
        return None
    if parts is None:
        return None
    description, contents = parts
    out = etree.Element(_P + "compact-array")
    etree.SubElement(out, _P + "contents-description").append(_description_out(description))
    etree.SubElement(out, _P + "array-contents").text = hexstr(contents)
    return out


def _compact_in(el: Any, kids: list) -> Any | None:
    """The simple ``CompactArray`` of a standard ``compact-array`` whose array-contents are
    octets (None when they are shown decoded, as the simple dialect does: read as such)."""
    names = [etree.QName(c).localname for c in kids]
    if names != ["contents-description", "array-contents"] or len(kids[1]):
        return None
    desc = [c for c in kids[0] if isinstance(c.tag, str)]
    if len(desc) != 1:
        raise XmlError(_where(kids[0], "contents-description holds one TypeDescription"))
    contents = parse_hex(kids[1], (kids[1].text or "").strip())
    from ..decoding import decode
    from .simple import to_xml as simple_xml
    try:
        octets = axdr.compact_join(_description_in(desc[0]), contents)
        value = _core.parse(axdr.CompactArray, octets, "axdr")
        msg = decode(_core.build(axdr.Data, {"tag": "compact_array", "value": value}, "axdr"),
                     layer="data")
    except (DecodeError, EncodeError, ConstructError) as e:
        raise XmlError(_where(el, f"compact-array: {e}")) from None
    got = safe.parse(simple_xml(msg, numbers="dec"))
    if got.tag != _COMPACT:
        raise XmlError(_where(el, "compact-array: not read back as one"))
    for k in list(got.attrib):
        del got.attrib[k]
    etree.cleanup_namespaces(got)
    return got


# --- standard -> simple ------------------------------------------------------------------------

class _In:
    """One standard document's conversion back to the simple dialect."""

    def view(self, v: Any) -> Any:
        """One of our elements back: the APDU a deciphered (or reassembled) view shows in the
        standard dialect becomes the simple one, which the digest is checked on."""
        if v.tag not in _VIEWS:
            return copy.deepcopy(v)
        out = etree.Element(v.tag, dict(v.attrib))
        out.text = v.text
        for k in v:
            if not isinstance(k.tag, str):
                out.append(copy.deepcopy(k))
            elif k.tag.startswith(_OUR):
                out.append(self.view(k))
            elif k.tag.startswith(_P):
                local = etree.QName(k).localname
                if local in (_WRAP["acse"], _WRAP["xdlms"]):
                    kids = [c for c in k if isinstance(c.tag, str)]
                    if len(kids) != 1:
                        raise XmlError(_where(k, f"<{local}> holds one element"))
                    k = kids[0]
                out.append(self.element(k, ()))
            else:  # a simple-dialect view (as written before both were one dialect)
                out.append(copy.deepcopy(k))
        return out

    def element(self, el: Any, parents: tuple[str, ...]) -> Any:
        local = _VARIANTS.get(etree.QName(el).localname, etree.QName(el).localname)
        name = _NAMES.simple(parents, local)
        if name is None:
            raise XmlError(_where(el, f"<{local}> is not an element of the standard dialect here"))
        path = parents + (name,)
        out = etree.Element(name)
        kind = _NAMES.kind(path)
        for k, v in el.attrib.items():
            if not k.startswith("{") or (k.startswith(_OUR) and k != _OUR + "octet"):
                out.set(k, v)
        kids = [c for c in el if isinstance(c.tag, str) and not c.tag.startswith(_OUR)]
        views = [c for c in el if isinstance(c.tag, str) and c.tag.startswith(_OUR)]
        text = el.text if name in _VERBATIM else (el.text or "").strip() or None
        if kind == "conformance":
            for bit in (el.text or "").split():
                etree.SubElement(out, _CONF["element"], Name=_conformance_name(bit))
            return out
        if kind == "authentication":
            if len(kids) != 1:
                raise XmlError(_where(el, "expected one Authentication-value alternative"))
            choice = etree.QName(kids[0]).localname
            if choice != _AUTH["default"]:
                out.set(_OUR + "choice", choice)
            out.set("Value", (kids[0].text or "").strip())
            return out
        if kind == "default_true":
            octet = el.get(_OUR + "octet")
            if octet is None and (text or "").lower() in ("true", "1"):
                return None  # the DEFAULT: not sent
            out.set("Value", octet if octet is not None else "0")
            return out
        if name == _CSE_ELEMENT:
            return self.cse(el, out, kids, path)
        if name == _COMPACT:
            got = _compact_in(el, kids)
            if got is not None:
                return got
        if name == _EXC["error"] and parents[-1:] == (_EXC["parent"],) and len(kids) == 1:
            alt = kids[0]  # the CHOICE alternative (Gurux writes its name as the text instead)
            counter = (alt.text or "").strip()
            out.set("Value", _enum_in(_EXC["table"], etree.QName(alt).localname))
            if counter:
                c = etree.Element(_EXC["counter"], Value=counter)
                _copy_ours_in(alt, c)
                return [out, c]
            return out
        if text is not None or (not kids and name not in _CONTAINERS):
            value = text or ""
            if kind and kind.startswith("enum:"):
                value = _enum_in(kind[5:], value)
            elif kind and kind.startswith("oid:"):
                value = _oid_in(kind[4:], value)
            elif kind == "boolean" and value in ("true", "false"):
                value = value.capitalize()
            elif kind == "integer16" and value.startswith("-") and value[1:].isdigit() \
                    and int(value) >= -0x8000:
                value = str(int(value) + 0x10000)
            out.set("Value", value)
        for c in kids:
            if etree.QName(c).localname == _SINGLE["element"] and name == _SINGLE["parent"]:
                for g in c:
                    if isinstance(g.tag, str):
                        self.append(out, g, path)
            elif etree.QName(c).localname == _UI["element"] and name in _ACSE:
                out.append(_ui_element(c, self))
            elif name in _UNWRAPPED:
                item = etree.SubElement(out, _UNWRAPPED[name])
                self.append(item, c, path + (_UNWRAPPED[name],))
            else:
                self.append(out, c, path)
        for v in views:
            out.append(self.view(v))
        return out

    def append(self, out: Any, c: Any, path: tuple[str, ...]) -> None:
        got = self.element(c, path)
        for one in got if isinstance(got, list) else [got]:
            if one is not None:
                out.append(one)

    def cse(self, el: Any, out: Any, kids: list, path: tuple[str, ...]) -> Any:
        if len(kids) != 1 or etree.QName(kids[0]).localname not in _CSE_BY_NAME:
            raise XmlError(_where(el, "expected one ConfirmedServiceError alternative"))
        alt = kids[0]
        etree.SubElement(out, _CSE["service"], Value=_CSE_BY_NAME[etree.QName(alt).localname])
        err = etree.SubElement(out, _CSE["error"])
        for c in alt:
            if isinstance(c.tag, str):
                self.append(err, c, path + (_CSE["error"],))
        return out


_CSE_ELEMENT = "ConfirmedServiceError"


def _copy_ours_in(src: Any, dst: Any) -> None:
    for k, v in src.attrib.items():
        if k.startswith(_OUR) and k != _OUR + "octet":
            dst.set(k, v)
_DESCRIPTION = simple_spec()["compact_array"]["description"]


def _containers() -> frozenset[str]:
    """Simple elements that hold others and never a Value (an empty one keeps no Value)."""
    names = {el for el, fmt in DATA.by_tag.values() if fmt in ("array", "none", "compact_array")}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("element"), str) and ("type" in node or "list" in node):
                names.add(node["element"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(simple_spec()["apdus"])
    walk(simple_spec()["types"])
    return frozenset(names)


_CONTAINERS = _containers()


def _conformance_name(bit: str) -> str:
    by_kebab = {kebab(n): n for n in _CONF["names"]}
    return by_kebab.get(bit, bit)


def _ui_element(ui: Any, conv: _In | None = None) -> Any:
    """The simple element of a user-information's octets: the APDU the tables write for them
    (the raw ``UserInformation`` when they are no APDU)."""
    data = parse_hex(ui, (ui.text or "").strip())
    try:
        from .simple import apdu_xml
        el = etree.fromstring(apdu_xml(_core.parse(Apdu, data, "apdu"), "dec").encode("utf-8"))
    except (DecodeError, EncodeError):
        el = etree.Element(_UI["raw"], Value=hexstr(data))
    for k, v in ui.attrib.items():
        if k.startswith(_OUR):
            el.set(k, v)
    for view in ui:
        if isinstance(view.tag, str) and view.tag.startswith(_OUR):
            el.append((conv or _In()).view(view))
    return el


def _where(el: Any, message: str) -> str:
    line = getattr(el, "sourceline", None)
    return f"line {line}: {message}" if line else message


def to_simple(root: Any) -> Any:
    """The simple-dialect document of a standard one, marked as decimal."""
    conv = _In()
    wrappers = set(_WRAP.values())

    def walk(el: Any) -> Any:
        if el.tag.startswith(_P):
            local = etree.QName(el).localname
            if local in wrappers:
                kids = [c for c in el if isinstance(c.tag, str)]
                if len(kids) != 1:
                    raise XmlError(_where(el, f"<{local}> holds one element"))
                got = conv.element(kids[0], ())
            elif local in ENVELOPE_NS:  # Gurux puts <x:Ua> and <x:Snrm> in the namespace
                got = etree.Element(local, dict(el.attrib))
                got.text = el.text
                for c in el:
                    if isinstance(c.tag, str):
                        got.append(walk(c))
            else:  # an APDU element without its wrapper, as Gurux writes them inside frames
                got = conv.element(el, ())
            return got
        out = etree.Element(el.tag, dict(el.attrib))
        out.text = el.text
        for c in el:
            if not isinstance(c.tag, str):
                continue
            out.append(conv.view(c) if c.tag.startswith(_OUR) else walk(c))
        return out

    simple = walk(root)
    simple.set(_OUR + "numbers", "dec")
    return simple


def is_standard(root: Any) -> bool:
    """Whether a parsed document is in the standard dialect: it declares the COSEMpdu namespace
    at its root (a frame without an APDU has no element in it) or holds elements in it."""
    return STD_NS in root.nsmap.values() or any(
        isinstance(e.tag, str) and e.tag.startswith(_P) for e in root.iter())


_UNBOUND = re.compile(rb"<([A-Za-z_][\w.-]*)")


def parse(text: str | bytes) -> Any:
    """``safe.parse``, also reading Gurux's framed standard XML, which uses the ``x:`` prefix
    without declaring it: the declaration is added to the root element."""
    try:
        return safe.parse(text)
    except XmlError as e:
        if "prefix" not in str(e):  # (before any copy: an oversize input ends here)
            raise
        raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        if b"<x:" not in raw or b"xmlns:x" in raw:
            raise
        m = _UNBOUND.search(raw)
        if m is None:
            raise
        decl = f' xmlns:x="{STD_NS}"'.encode()
        return safe.parse(raw[:m.end()] + decl + raw[m.end():])


def to_standard_text(simple_xml: str) -> str:
    """The standard-dialect text of a simple-dialect document we wrote."""
    root = to_standard(safe.parse(simple_xml))
    return etree.tostring(root, pretty_print=True, encoding="unicode")
