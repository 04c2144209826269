"""ACSE APDUs (AARQ, AARE, RLRQ, RLRE) in BER, as profiled by IEC 62056-5-3 (Green Book).

Each APDU is its [APPLICATION n] tag, a definite length, then a sequence of context-tagged
components. The components are decoded as a *list* of ``(tag, value)`` items rather than fixed
fields: the AARE is a SET in ISO 8650, meters send components in unusual orders, and a component
this module does not know must survive decoding (its value is kept as bytes) and rebuild
byte-exact. ``component(apdu, name)`` picks one out for views.

Tag numbers (ISO/IEC 8650-1 ACSE-1 as used by DLMS): explicit tags are constructed (0xA0 | n),
implicit primitive ones are 0x80 | n, so implementation-information [29] IMPLICIT GraphicString
is 0x9D, and the EXTERNAL / SEQUENCE alternatives of Authentication-value are 0xA2 / 0xA3.
The user-information octet string holds one xDLMS APDU: the plain Initiate* and
ConfirmedServiceError are decoded with ``initiate.py``; ciphered forms stay bytes here.

A tagged value is ``Struct("tag" / Enum, "value" / Switch(tag, {name: Counted(schema)}))``: the
length sits inside each alternative because ``Counted`` builds its content in a fresh context,
where a ``Switch`` on the sibling ``tag`` could not see it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import construct as c
from construct import this

from ..tables import enumeration, load_json
from . import initiate
from ._core import Choice, Const, Counted, Expected, Struct, UntilEnd, remaining

__all__ = [
    "AARE",
    "AARE_COMPONENTS",
    "AARQ",
    "AARQ_COMPONENTS",
    "ACSE_SERVICE_PROVIDER_DIAGNOSTICS",
    "ACSE_SERVICE_USER_DIAGNOSTICS",
    "APDUS",
    "APPLICATION_CONTEXT_NAMES",
    "ASSOCIATION_RESULTS",
    "AUTHENTICATION_VALUE_CHOICES",
    "LAYER",
    "MECHANISM_NAMES",
    "RELEASE_REQUEST_REASONS",
    "RELEASE_RESPONSE_REASONS",
    "RLRE",
    "RLRE_COMPONENTS",
    "RLRQ",
    "RLRQ_COMPONENTS",
    "QUIRKS",
    "USER_INFORMATION_APDUS",
    "AcseApdu",
    "ApplicationContextName",
    "AuthenticationValue",
    "BerInteger",
    "MechanismName",
    "ObjectIdentifier",
    "OctetString",
    "ResultSourceDiagnostic",
    "UserInformation",
    "XdlmsApdu",
    "component",
    "quirk_name",
]

LAYER = "acse"
"""The layer name to pass to ``parse`` for these schemas (errors then say ``acse``)."""


# --- BER primitives -----------------------------------------------------------------------------

def _minimal_width(n: int) -> int:
    return 1 if n < 0x80 else 1 + (n.bit_length() + 7) // 8


class _Counted(Counted):
    """``Counted`` that also keeps a non-minimal length around a scalar (INTEGER, OID) value.

    ``Counted`` remembers the length's width on bytes, containers and lists; the scalars made
    here (``_Int``, ``_Oid`` and construct's enum values) take it as a ``width`` attribute, which
    ``Counted`` reads back when building.
    """

    def _parse(self, stream, context, path):
        start = io.BytesIO.tell(stream)
        first = stream.getbuffer()[start] if remaining(stream) else 0
        obj = super()._parse(stream, context, path)
        width = 1 if first < 0x80 else 1 + (first & 0x7F)
        content = io.BytesIO.tell(stream) - start - width
        if width > _minimal_width(content) and not isinstance(obj, (bytes, dict, list)):
            if isinstance(obj, c.EnumIntegerString):  # Enum hands out shared instances: copy
                obj = c.EnumIntegerString.new(obj.intvalue, str(obj))
            try:
                obj.width = width
            except AttributeError:  # a plain int or str cannot carry it; nothing made here is
                pass
        return obj

    def _emitfast(self, cp, sc):
        v, n, w = self._emit_counted(cp, sc)
        sc.fn.add(f"if {w} > 1 and {w} > {cp.const(_minimal_width, 'g')}({n}) and not "
                  f"isinstance({v}, (bytes, dict, list)): {v} = {cp.const(_scalar_width, 'g')}({v}, {w})")
        return v


def _scalar_width(obj, width: int):
    """``_Counted._parse``'s marking of a scalar, for generated code."""
    if isinstance(obj, c.EnumIntegerString):
        obj = c.EnumIntegerString.new(obj.intvalue, str(obj))
    try:
        obj.width = width
    except AttributeError:
        pass
    return obj


def _tag(tag: int, what: str) -> Const:
    """One fixed BER tag octet; any other octet is an error that names both."""
    return Const(tag, c.Int8ub, f"tag 0x{tag:02X} ({what})")


class _Int(int):
    """A decoded INTEGER; an instance can carry the ``width`` of a non-minimal length."""


class _Oid(str):
    """A decoded OBJECT IDENTIFIER in dotted form; can carry a length ``width`` like ``_Int``."""


class _BerInteger(c.Adapter):
    """INTEGER contents (X.690 8.3): two's complement, big-endian, in the fewest octets."""

    def _decode(self, obj: bytes, context, path):
        if not obj:
            raise Expected("at least one content octet for an INTEGER", "none")
        if len(obj) > 1 and ((obj[0] == 0x00 and obj[1] < 0x80) or
                             (obj[0] == 0xFF and obj[1] >= 0x80)):
            raise Expected("an INTEGER in the fewest octets (X.690 8.3.2)", obj.hex().upper())
        return _Int(int.from_bytes(obj, "big", signed=True))

    def _emitfast(self, cp, sc):
        v = cp.var()
        sc.fn.add(f"{v} = {cp.const(self._decode, 'a')}({cp.emit(self.subcon, sc)}, None, None)")
        return v  # _decode reads no context

    def _encode(self, obj, context, path):
        n = int(obj)
        return n.to_bytes((n if n >= 0 else ~n).bit_length() // 8 + 1, "big", signed=True)


BerInteger = _BerInteger(c.GreedyBytes)
"""The contents octets of a BER INTEGER (the length comes from the enclosing ``Counted``)."""


class _ObjectIdentifier(c.Adapter):
    """OBJECT IDENTIFIER contents (X.690 8.19) <-> dotted string; non-minimal arcs are refused
    (X.690 8.19.2), so every accepted encoding rebuilds byte-exact from the dotted form."""

    def _decode(self, obj: bytes, context, path):
        if not obj:
            raise Expected("at least one content octet for an OBJECT IDENTIFIER", "none")
        if obj[-1] & 0x80:
            raise Expected("the last OBJECT IDENTIFIER octet to end its arc", obj.hex().upper())
        arcs: list[int] = []
        value, fresh = 0, True
        for octet in obj:
            if fresh and octet == 0x80:
                raise Expected("OBJECT IDENTIFIER arcs in the fewest octets (X.690 8.19.2)",
                               obj.hex().upper())
            value = (value << 7) | (octet & 0x7F)
            fresh = not octet & 0x80
            if fresh:
                arcs.append(value)
                value = 0
        first = min(arcs[0] // 40, 2)
        return _Oid(".".join(map(str, [first, arcs[0] - 40 * first, *arcs[1:]])))

    def _emitfast(self, cp, sc):
        # a message carries the same few OIDs again and again, and _decode reads only its octets
        v = cp.var()
        sc.fn.add(f"{v} = {cp.const(self._memo, 'a')}({cp.emit(self.subcon, sc)})")
        return v

    def _memo(self, raw: bytes) -> _Oid:
        """``_decode`` remembered (bounded), a fresh copy each time (a length may mark it)."""
        got = _OID_MEMO.get(raw)
        if got is None:
            got = self._decode(raw, None, "(parsing)")  # errors are raised, never kept
            if len(_OID_MEMO) >= 256:
                _OID_MEMO.clear()  # bounded: arbitrary input cannot grow it
            _OID_MEMO[raw] = got
        return _Oid(got)

    def _encode(self, obj, context, path):
        try:
            arcs = [int(part) for part in str(obj).split(".")]
        except ValueError:
            raise c.ConstructError(f"not a dotted OBJECT IDENTIFIER: {obj!r}", path=path) from None
        if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40) or min(arcs) < 0:
            raise c.ConstructError(f"not a valid OBJECT IDENTIFIER: {obj!r}", path=path)
        out = bytearray()
        for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
            chunk = [arc & 0x7F]
            arc >>= 7
            while arc:
                chunk.append(0x80 | (arc & 0x7F))
                arc >>= 7
            out += bytes(reversed(chunk))
        return bytes(out)


_OID_MEMO: dict[bytes, _Oid] = {}

ObjectIdentifier = _ObjectIdentifier(c.GreedyBytes)
"""The contents octets of a BER OBJECT IDENTIFIER, as a dotted string ("2.16.756.5.8.1.1")."""


def _bit_string(named: Mapping[int, str]) -> Struct:
    """BIT STRING contents: the unused-bits octet, the bit octets, and the named bits set."""

    def names(ctx) -> list[str]:
        return _named_bits(ctx.bits, named)

    names._emitfast = lambda cp, sc: f"{cp.const(_named_bits, 'g')}({sc.field('bits')}, {cp.const(named)})"
    return Struct("unused_bits" / c.Int8ub, "bits" / c.GreedyBytes, "named" / c.Computed(names))


def _named_bits(bits: bytes, named: Mapping[int, str]) -> list[str]:
    bits = bytes(bits)
    return [name for bit, name in named.items()
            if bit // 8 < len(bits) and bits[bit // 8] & (0x80 >> (bit % 8))]


def _lookup(table: Mapping[str, str], field: str):
    """A Computed's function: ``table.get(ctx[field])``."""
    def name(ctx):
        return table.get(ctx[field])
    name._emitfast = lambda cp, sc: f"{cp.const(table, 'm')}.get({sc.field(field)})"
    return name


def _enum_integer(values: Mapping[int, str]) -> c.Construct:
    return c.Enum(BerInteger, **{name: value for value, name in values.items()})


def _integer(values: Mapping[int, str] | None = None) -> Struct:
    """An explicitly tagged INTEGER: universal tag 0x02, length, contents (named if ``values``)."""
    return Struct("tag" / _tag(0x02, "INTEGER"),
                  "value" / _Counted(_enum_integer(values) if values else BerInteger))


OctetString = Struct("tag" / _tag(0x04, "OCTET STRING"), "value" / Counted(c.GreedyBytes))
"""An explicitly tagged OCTET STRING (AP-title and AE-qualifier in DLMS: e.g. a system title)."""


# --- names --------------------------------------------------------------------------------------

APPLICATION_CONTEXT_NAMES: dict[str, str] = dict(load_json("enumerations.json")["application-context-name"])
"""COSEM application context names {joint-iso-ccitt(2) country(16) country-name(756)
identified-organization(5) DLMS-UA(8) application-context(1) context_id(x)}."""

MECHANISM_NAMES: dict[str, str] = dict(load_json("enumerations.json")["mechanism-name"])
"""COSEM authentication mechanism names {... DLMS-UA(8) authentication-mechanism-name(2) id}."""


ApplicationContextName = Struct(
    "tag" / _tag(0x06, "OBJECT IDENTIFIER"),
    "oid" / _Counted(ObjectIdentifier),
    "name" / c.Computed(_lookup(APPLICATION_CONTEXT_NAMES, "oid")),
)
"""application-context-name [1] EXPLICIT OBJECT IDENTIFIER; ``name`` None when not COSEM's."""

MechanismName = Struct(
    "oid" / ObjectIdentifier,
    "name" / c.Computed(_lookup(MECHANISM_NAMES, "oid")),
)
"""mechanism-name [n] IMPLICIT OBJECT IDENTIFIER (the component's contents are the OID's)."""

ASSOCIATION_RESULTS = enumeration("association-result")
ACSE_SERVICE_USER_DIAGNOSTICS = enumeration("acse-service-user")
ACSE_SERVICE_PROVIDER_DIAGNOSTICS = enumeration("acse-service-provider")
RELEASE_REQUEST_REASONS = enumeration("release-request-reason")
RELEASE_RESPONSE_REASONS = enumeration("release-response-reason")

ResultSourceDiagnostic = Struct(
    "tag" / c.Enum(c.Int8ub, acse_service_user=0xA1, acse_service_provider=0xA2),
    "value" / Choice(this.tag, {
        "acse_service_user": Counted(_integer(ACSE_SERVICE_USER_DIAGNOSTICS)),
        "acse_service_provider": Counted(_integer(ACSE_SERVICE_PROVIDER_DIAGNOSTICS)),
    }, "an Associate-source-diagnostic alternative"),
)
"""result-source-diagnostic [3]: CHOICE acse-service-user [1] / acse-service-provider [2]."""

AUTHENTICATION_VALUE_CHOICES = {0x80: "charstring", 0x81: "bitstring", 0xA2: "external",
                                0xA3: "other"}

AuthenticationValue = Struct(
    "tag" / c.Enum(c.Int8ub, **{name: tag for tag, name in AUTHENTICATION_VALUE_CHOICES.items()}),
    "value" / Choice(this.tag, {
        "charstring": Counted(c.GreedyBytes),
        "bitstring": Counted(_bit_string({})),
        "external": Counted(c.GreedyBytes),
        "other": Counted(c.GreedyBytes),
    }, "an Authentication-value alternative"),
)
"""Authentication-value CHOICE: charstring [0] (LLS password, HLS challenge) is kept as bytes."""


# --- user-information ---------------------------------------------------------------------------

USER_INFORMATION_APDUS: dict[int, str] = {
    0x01: "initiate_request", 0x08: "initiate_response", 0x0E: "confirmed_service_error",
    0x21: "glo_initiate_request", 0x28: "glo_initiate_response",
    0x2E: "glo_confirmed_service_error",
    0x41: "ded_initiate_request", 0x48: "ded_initiate_response",
    0x4E: "ded_confirmed_service_error",
    0xDB: "general_glo_ciphering", 0xDC: "general_ded_ciphering", 0xDD: "general_ciphering",
}
"""xDLMS APDUs accepted inside user-information: tag -> name."""

_PLAIN = {name: schema for name, schema in initiate.APDUS.values()}

XdlmsApdu = Struct(
    "tag" / c.Enum(c.Int8ub, **{name: tag for tag, name in USER_INFORMATION_APDUS.items()}),
    "body" / Choice(this.tag, {name: _PLAIN.get(name, c.GreedyBytes)
                               for name in USER_INFORMATION_APDUS.values()},
                    "an xDLMS APDU allowed in user-information"),
)
"""The xDLMS APDU in user-information; ciphered ones keep every octet after the tag as bytes."""

UserInformation = Struct(
    "tag" / _tag(0x04, "OCTET STRING"),
    "value" / Counted(XdlmsApdu),
)
"""user-information [30] EXPLICIT Association-information (an OCTET STRING in DLMS)."""


# --- components ---------------------------------------------------------------------------------

def _apdu(table: Mapping[int, tuple[str, c.Construct]]) -> Struct:
    names = {name: tag for tag, (name, _) in table.items()}
    item = Struct(
        "tag" / c.Enum(c.Int8ub, **names),
        "value" / c.Switch(this.tag, {name: _Counted(schema) for name, schema in table.values()},
                           default=Counted(c.GreedyBytes)),
    )
    return Struct("components" / Counted(UntilEnd(item, "an ACSE component")))


_PROTOCOL_VERSION = _bit_string({0: "version1"})
_ACSE_REQUIREMENTS = _bit_string({0: "authentication", 1: "application_context_negotiation"})
_INVOCATION_ID = _integer()

_AARQ = {
    0x80: ("protocol_version", _PROTOCOL_VERSION),
    0xA1: ("application_context_name", ApplicationContextName),
    0xA2: ("called_ap_title", OctetString),
    0xA3: ("called_ae_qualifier", OctetString),
    0xA4: ("called_ap_invocation_id", _INVOCATION_ID),
    0xA5: ("called_ae_invocation_id", _INVOCATION_ID),
    0xA6: ("calling_ap_title", OctetString),
    0xA7: ("calling_ae_qualifier", OctetString),
    0xA8: ("calling_ap_invocation_id", _INVOCATION_ID),
    0xA9: ("calling_ae_invocation_id", _INVOCATION_ID),
    0x8A: ("sender_acse_requirements", _ACSE_REQUIREMENTS),
    0x8B: ("mechanism_name", MechanismName),
    0xAC: ("calling_authentication_value", AuthenticationValue),
    0xAD: ("application_context_name_list", c.GreedyBytes),
    0x9D: ("implementation_information", c.GreedyBytes),
    0xBE: ("user_information", UserInformation),
}
_AARE = {
    0x80: ("protocol_version", _PROTOCOL_VERSION),
    0xA1: ("application_context_name", ApplicationContextName),
    0xA2: ("result", _integer(ASSOCIATION_RESULTS)),
    0xA3: ("result_source_diagnostic", ResultSourceDiagnostic),
    0xA4: ("responding_ap_title", OctetString),
    0xA5: ("responding_ae_qualifier", OctetString),
    0xA6: ("responding_ap_invocation_id", _INVOCATION_ID),
    0xA7: ("responding_ae_invocation_id", _INVOCATION_ID),
    0x88: ("responder_acse_requirements", _ACSE_REQUIREMENTS),
    0x89: ("mechanism_name", MechanismName),
    0xAA: ("responding_authentication_value", AuthenticationValue),
    0xAB: ("application_context_name_list", c.GreedyBytes),
    0x9D: ("implementation_information", c.GreedyBytes),
    0xBE: ("user_information", UserInformation),
}
_RLRQ = {
    0x80: ("reason", _enum_integer(RELEASE_REQUEST_REASONS)),
    0xBE: ("user_information", UserInformation),
}
_RLRE = {
    0x80: ("reason", _enum_integer(RELEASE_RESPONSE_REASONS)),
    0xBE: ("user_information", UserInformation),
}

AARQ_COMPONENTS = {tag: name for tag, (name, _) in _AARQ.items()}
AARE_COMPONENTS = {tag: name for tag, (name, _) in _AARE.items()}
RLRQ_COMPONENTS = {tag: name for tag, (name, _) in _RLRQ.items()}
RLRE_COMPONENTS = {tag: name for tag, (name, _) in _RLRE.items()}

AARQ = _apdu(_AARQ)
"""AARQ-apdu [APPLICATION 0] (after the 0x60): ``components``, a list of {tag, value}."""
AARE = _apdu(_AARE)
"""AARE-apdu [APPLICATION 1] (after the 0x61)."""
RLRQ = _apdu(_RLRQ)
"""RLRQ-apdu [APPLICATION 2] (after the 0x62)."""
RLRE = _apdu(_RLRE)
"""RLRE-apdu [APPLICATION 3] (after the 0x63)."""

APDUS: dict[int, tuple[str, c.Construct]] = {
    0x60: ("aarq", AARQ),
    0x61: ("aare", AARE),
    0x62: ("rlrq", RLRQ),
    0x63: ("rlre", RLRE),
}
"""COSEMpdu tag -> (name, schema of the octets after the tag)."""

AcseApdu = Struct(
    "tag" / c.Enum(c.Int8ub, **{name: tag for tag, (name, _) in APDUS.items()}),
    "body" / Choice(this.tag, dict(APDUS.values()), "an ACSE APDU tag"),
)
"""A whole ACSE APDU, tag included (the COSEMpdu dispatcher does the same over all APDUs)."""


_GURUX_RLRE = "Gurux RLRE, its lengths too short"

QUIRKS: dict[tuple[str, ...], str] = {
    ("rlre",): _GURUX_RLRE,
    ("rlre", "user_information"): _GURUX_RLRE,
    ("aare", "user_information"): "InitiateResponse past the user-information length (jDLMS)",
    ("aare", "responding_authentication_value"):
        "Gurux AARE, its responding-authentication-value length 2 short",
}
"""Lengths real stacks get wrong, by the APDU and component holding them: a lenient decode
names the quirk in its warning (the content is read as it really is)."""


ENDING_EARLY: frozenset[tuple[str, ...]] = frozenset({("aare", "responding_authentication_value")})
"""Quirks whose component is shorter by its length than its content (Gurux writes ``AA 10 80 10``
and 16 octets of challenge): the content's own length tells where the next component starts."""


def quirk_name(tags: list, ending_early: bool = False) -> str | None:
    """The known quirk of a length that disagrees with its content, from the tag names around
    it (outermost first: the APDU's, then the component's), or None; with ``ending_early`` only
    a quirk of ``ENDING_EARLY``."""
    names = tuple(str(t) for t in tags if isinstance(t, str))
    if ending_early:
        return QUIRKS[names[:2]] if names[:2] in ENDING_EARLY else None
    return QUIRKS.get(names[:2]) or QUIRKS.get(names[:1])


def component(apdu: Mapping[str, Any] | list, name: str, default: Any = None) -> Any:
    """The value of the first component called ``name`` in a decoded AARQ/AARE/RLRQ/RLRE.

    ``apdu`` may be the whole ``AcseApdu`` container, its ``body``, or the components list.
    """
    if isinstance(apdu, Mapping):
        apdu = apdu.get("body", apdu)
        apdu = apdu.get("components", []) if isinstance(apdu, Mapping) else apdu
    for item in apdu:
        if item["tag"] == name:
            return item["value"]
    return default
