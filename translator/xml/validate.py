"""Validation of standard-dialect XML against an XSD: ours, generated from ``specs/cosem_pdu.asn``,
or the DLMS UA's official one for users who hold it (``--xsd PATH``).

What is validated is the COSEMpdu content of a document: each outermost element in the COSEMpdu
namespace, without our ``dt:`` attributes and elements (they keep the octets exact and show
cleartext; no schema of the standard knows them). The cleartext APDU a deciphered view shows is
in the standard dialect too, in its wrapper: it is one more such element, validated as well. The
frame envelope around it (``<HDLC>``, ``<WRAPPER>``, ...) is no part of the COSEMpdu module and is
not validated.

Another XSD (the DLMS UA's) may declare other global elements than ours, which declares the
wrappers ``aCSE-APDU`` and ``xDLMS-APDU`` (as Gurux writes them) and ``Data``. Each part is
validated in the first shape the XSD declares a global element for: as it is; inside
``<COSEMpdu>`` (the module's top-level type, as XER encodes a value of it); without its wrapper
(an XSD declaring each APDU as a global element); or, for an APDU Gurux wrote without a wrapper,
inside one. An XSD whose local elements are unqualified (``elementFormDefault`` absent or
"unqualified") or whose target namespace is another gets the part in that form.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import XmlError
from ..tables import spec_text
from . import standard
from .spec import NS

__all__ = ["errors", "validate", "validate_standard"]

_P = "{" + standard.STD_NS + "}"
_OUR = "{" + NS + "}"


@cache
def _schema(path: str | None) -> Any:
    import xmlschema
    try:
        if path is None:
            return xmlschema.XMLSchema(spec_text("cosem_pdu.xsd"))
        file = Path(path).resolve()
        if not file.is_file():
            raise XmlError(f"cannot read the XSD {path}: no such file")
        # a user's file: local files only (no network), DTDs and entities defused
        return xmlschema.XMLSchema(str(file), allow="local", defuse="always")
    except (OSError, xmlschema.XMLSchemaException) as e:
        raise XmlError(f"cannot read the XSD {path or 'cosem_pdu.xsd'}: {_line(e)}") from None


def _line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0].rstrip(":")


def _standard_parts(root: Any) -> list[Any]:
    """The outermost COSEMpdu elements, stripped of what is ours."""
    parts = []
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.tag.startswith(_P):
            continue
        parent = el.getparent()
        if parent is not None and isinstance(parent.tag, str) and parent.tag.startswith(_P):
            continue
        if el.tag[len(_P):] in standard.ENVELOPE_NS:
            continue
        part = copy.deepcopy(el)
        for e in list(part.iter()):
            if isinstance(e.tag, str) and e.tag.startswith(_OUR):
                if e.tail and e.tail.strip():
                    raise XmlError("text after a dt: element")
                e.getparent().remove(e)
                continue
            for k in [k for k in e.attrib if k.startswith("{")]:
                del e.attrib[k]
        parts.append(part)
    return parts


_TOP = "COSEMpdu"
_APDU_WRAPPERS = ("aCSE-APDU", "xDLMS-APDU")


def _declared(schema: Any) -> set[str]:
    """The local names of the schema's global elements in its target namespace."""
    ns = "{" + (schema.target_namespace or "") + "}"
    return {k[len(ns):] for k in schema.maps.elements if isinstance(k, str) and k.startswith(ns)}


def _shaped(part: Any, declared: set[str]) -> Any | None:
    """``part`` in the first shape whose root ``declared`` names (see the module text)."""
    local = part.tag[len(_P):]
    if local in declared:
        return part
    if local in _APDU_WRAPPERS:
        if _TOP in declared:
            top = etree.Element(_P + _TOP)
            top.append(part)
            return top
        kids = [c for c in part if isinstance(c.tag, str)]
        if len(kids) == 1 and kids[0].tag[len(_P):] in declared:
            return kids[0]
        return None
    if local == standard.WRAPPERS["data"]:
        return None
    # an APDU without its wrapper (Gurux, inside frames)
    wrap = standard.WRAPPERS["acse"] if local in standard.ACSE_ELEMENTS else standard.WRAPPERS["xdlms"]
    if wrap in declared or _TOP in declared:
        wrapped = etree.Element(_P + wrap)
        wrapped.append(part)
        return _shaped(wrapped, declared)
    return None


def _in_form(part: Any, schema: Any) -> Any:
    """The part in the schema's namespace and element form (qualified or not)."""
    ns = schema.target_namespace or ""
    qualified = schema.element_form_default == "qualified"
    if ns == standard.STD_NS and qualified:
        return part
    for e in part.iter():
        if not isinstance(e.tag, str):
            continue
        local = e.tag[len(_P):] if e.tag.startswith(_P) else e.tag
        e.tag = f"{{{ns}}}{local}" if ns and (e is part or qualified) else local
    etree.cleanup_namespaces(part)
    return part


def errors(text: str | bytes | Any, xsd: str | None = None) -> list[str]:
    """The validation errors of a standard-dialect document (text or parsed root); empty when
    it is valid. ``xsd``: the path of another XSD (the official one), else ours."""
    root = standard.parse(text) if isinstance(text, (str, bytes)) else text
    schema = _schema(xsd)
    import xmlschema

    out = []
    declared = _declared(schema)
    for part in _standard_parts(root):
        shaped = _shaped(part, declared)
        if shaped is None:
            names = ", ".join(sorted(declared)[:8]) or "none"
            out.append(f"the XSD declares no global element for <{part.tag[len(_P):]}> "
                       f"(nor {_TOP} or its content); it declares: {names}")
            continue
        try:
            found = list(schema.iter_errors(_in_form(shaped, schema)))
        except xmlschema.XMLSchemaException as e:
            raise XmlError(f"cannot validate: {_line(e)}") from None
        for err in found:
            line = getattr(err.elem, "sourceline", None) if err.elem is not None else None
            where = f"line {line}: " if line else ""
            out.append(f"{where}{err.reason or err.message}")
    return out


def validate(text: str | bytes | Any, xsd: str | None = None) -> None:
    """Raise an ``XmlError`` (the first problem, one line) unless ``text`` validates."""
    found = errors(text, xsd)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise XmlError(f"not valid against {xsd or 'the COSEMpdu XSD'}: {found[0]}{more}")


def validate_standard(text: str | bytes, xsd: str | None = None) -> None:
    """``validate`` for input that must be in the standard dialect (``dlms encode --xsd``)."""
    root = standard.parse(text)
    if not standard.is_standard(root):
        raise XmlError("--xsd: the XML is not in the standard dialect (no COSEMpdu namespace)")
    validate(root, xsd)
