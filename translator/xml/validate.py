"""Validation of standard-dialect XML against an XSD: ours, generated from ``specs/cosem_pdu.asn``,
or the DLMS UA's official one for users who hold it (``--xsd PATH``).

What is validated is the COSEMpdu content of a document: each outermost element in the COSEMpdu
namespace, without our ``dt:`` attributes and deciphered views (they keep the octets exact and
show cleartext; no schema of the standard knows them). The frame envelope around it (``<HDLC>``,
``<WRAPPER>``, ...) is no part of the COSEMpdu module and is not validated.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

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


def errors(text: str | bytes | Any, xsd: str | None = None) -> list[str]:
    """The validation errors of a standard-dialect document (text or parsed root); empty when
    it is valid. ``xsd``: the path of another XSD (the official one), else ours."""
    root = standard.parse(text) if isinstance(text, (str, bytes)) else text
    schema = _schema(xsd)
    import xmlschema

    out = []
    for part in _standard_parts(root):
        try:
            found = list(schema.iter_errors(part))
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
