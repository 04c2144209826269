"""Protected xDLMS APDUs (Green Book 9.2.7.2 and the COSEMpdu ASN.1): security header and layouts.

Decryption is not done here: a protected APDU decodes to its security header (security control,
invocation counter, system titles, key information) and opaque ciphered octets, so it can be
shown, routed to the right keys and rebuilt byte-exact without any key. The split of ciphered
text and authentication tag follows the security control octet: with the A bit set, the last 12
octets are the tag (suites 0, 1 and 2 all use a 12-octet GCM tag); with A only, the "ciphered
text" is the plaintext APDU itself.

Layouts (A-XDR, every OCTET STRING length-prefixed):

* glo-/ded- service-specific APDUs: tag, then one octet string holding
  security control | invocation counter (Unsigned32) | ciphered text | tag.
* general-glo-ciphering 0xDB, general-ded-ciphering 0xDC: system-title (may be empty),
  ciphered-content (the same security header and ciphered text as above).
* general-ciphering 0xDD: transaction-id, originator- and recipient-system-title, date-time,
  other-information, key-info OPTIONAL, ciphered-content.
* general-signing 0xDF: the same five octet strings, then content and signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import construct as c
from construct import this

from ._core import AxdrOptional, BitFields, Choice, Counted, Expected, StrictEnum, Struct, remaining

__all__ = [
    "APDUS", "SecurityControl", "SecuredContent", "ServiceSpecificCiphering",
    "GeneralGloCiphering", "GeneralDedCiphering", "GeneralCiphering", "GeneralSigning",
    "KeyInfo", "KeyId", "KekId", "AUTHENTICATION_TAG_LENGTH", "GLOBAL_TAGS",
    "DEDICATED_TAGS", "GENERAL_TAGS", "UNPROTECTED_TAG", "SecurityHeader", "security_header",
    "security_control_octet", "QUIRK_APDUS", "QUIRK_NAMES",
]

AUTHENTICATION_TAG_LENGTH = 12
"""Octets of the GCM authentication tag in security suites 0, 1 and 2."""


SecurityControl = BitFields(
    ("security_suite_id", 0, 4),
    ("authentication", 4, 1),
    ("encryption", 5, 1),
    ("key_set", 6, 1, {0: "unicast", 1: "broadcast"}),
    ("compression", 7, 1),
)
"""Security control octet: bits 0-3 suite id, 4 A (authentication), 5 E (encryption),
6 key set (0 unicast, 1 broadcast), 7 compression."""


def security_control_octet(sc: Mapping[str, Any] | int) -> int:
    """The security control octet of a decoded ``SecurityControl`` (e.g. 0x30)."""
    return SecurityControl._encode(sc, None, "security_control")


class _CipheredText(c.Construct):
    """The octets after the security header, up to the authentication tag when the A bit is set.

    Reads what is left of the enclosing octet string, so it must sit inside ``Counted``.
    """

    def _parse(self, stream, context, path):
        left = remaining(stream)
        keep = AUTHENTICATION_TAG_LENGTH if context.security_control["authentication"] else 0
        if left < keep:
            raise Expected(f"a {keep}-octet authentication tag (security control has the A bit)",
                           f"{left} octet(s)")
        return c.stream_read(stream, left - keep, path)

    def _emitfast(self, cp, sc):
        fn, v, keep = sc.fn, cp.var(), cp.var("n")
        sc.avail = 0
        fn.add(f"{keep} = {AUTHENTICATION_TAG_LENGTH} if {sc.field('security_control')}"
               f"['authentication'] else 0")
        fn.add(f"if {sc.end} - o < {keep}: raise _Fail")
        fn.add(f"{v} = data[o:{sc.end} - {keep}]; o = {sc.end} - {keep}")
        return v

    def _build(self, obj, stream, context, path):
        data = bytes(obj)
        c.stream_write(stream, data, len(data), path)
        return obj

    def _sizeof(self, context, path):
        raise c.SizeofError("variable length", path=path)


SecuredContent = Struct(
    "security_control" / SecurityControl,
    "invocation_counter" / c.Int32ub,
    "ciphered_text" / _CipheredText(),
    "tag" / c.If(this.security_control["authentication"],
                 c.Bytes(AUTHENTICATION_TAG_LENGTH)),
)
"""Security header, ciphered text and (A bit set) the 12-octet authentication tag, else None."""

ServiceSpecificCiphering = Counted(SecuredContent)
"""Body of every glo-/ded- service APDU: one octet string holding ``SecuredContent``."""

_OCTETS = Counted(c.GreedyBytes)

GeneralGloCiphering = Struct(
    "system_title" / _OCTETS,
    "ciphered_content" / Counted(SecuredContent),
)
"""general-glo-ciphering (0xDB); the system title may be empty (sent locally by some meters)."""

GeneralDedCiphering = GeneralGloCiphering
"""general-ded-ciphering (0xDC): the same layout, ciphered with the dedicated key."""

KeyId = c.Enum(c.Int8ub, global_unicast_encryption_key=0, global_broadcast_encryption_key=1)
KekId = c.Enum(c.Int8ub, master_key=0)

KeyInfo = Struct(
    "tag" / StrictEnum(c.Int8ub, "a key-info choice", identified_key=0, wrapped_key=1,
                       agreed_key=2),
    "value" / Choice(this.tag, {
        "identified_key": Struct("key_id" / KeyId),
        "wrapped_key": Struct("kek_id" / KekId, "key_ciphered_data" / _OCTETS),
        "agreed_key": Struct("key_parameters" / _OCTETS, "key_ciphered_data" / _OCTETS),
    }, "a key-info choice"),
)
"""Key-Info CHOICE of general-ciphering: identified, wrapped (with the KEK) or agreed key."""

_GENERAL_HEADER = (
    "transaction_id" / _OCTETS,
    "originator_system_title" / _OCTETS,
    "recipient_system_title" / _OCTETS,
    "date_time" / _OCTETS,
    "other_information" / _OCTETS,
)

GeneralCiphering = Struct(
    *_GENERAL_HEADER,
    "key_info" / AxdrOptional(KeyInfo),
    "ciphered_content" / Counted(SecuredContent),
)
"""general-ciphering (0xDD): addressing and key information travel with the ciphered content."""

GeneralSigning = Struct(
    *_GENERAL_HEADER,
    "content" / _OCTETS,
    "signature" / _OCTETS,
)
"""general-signing (0xDF): content (an APDU, possibly itself ciphered) and its signature."""

_SERVICES = {
    # DLMS (SN and initiate) services: plain tag + 0x20 global, + 0x40 dedicated.
    0x01: "initiate_request", 0x05: "read_request", 0x06: "write_request",
    0x08: "initiate_response", 0x0C: "read_response", 0x0D: "write_response",
    0x0E: "confirmed_service_error", 0x16: "unconfirmed_write_request",
    0x18: "information_report_request",
}
_LN_SERVICES = {
    # LN services: plain tag + 8 global, + 16 dedicated (no event-notification response exists).
    0xC0: "get_request", 0xC1: "set_request", 0xC2: "event_notification_request",
    0xC3: "action_request", 0xC4: "get_response", 0xC5: "set_response", 0xC7: "action_response",
}

UNPROTECTED_TAG: dict[int, int] = {
    **{plain + 0x20: plain for plain in _SERVICES},
    **{plain + 0x40: plain for plain in _SERVICES},
    **{plain + 0x08: plain for plain in _LN_SERVICES},
    **{plain + 0x10: plain for plain in _LN_SERVICES},
}
"""Protected service tag -> tag of the APDU it carries (the plaintext starts with that tag)."""

GLOBAL_TAGS = frozenset({p + 0x20 for p in _SERVICES} | {p + 0x08 for p in _LN_SERVICES})
DEDICATED_TAGS = frozenset({p + 0x40 for p in _SERVICES} | {p + 0x10 for p in _LN_SERVICES})
GENERAL_TAGS = frozenset({0xDB, 0xDC, 0xDD, 0xDF})

_NAMES = {**_SERVICES, **_LN_SERVICES}

APDUS: dict[int, tuple[str, c.Construct]] = {
    **{tag: ("glo_" + _NAMES[UNPROTECTED_TAG[tag]], ServiceSpecificCiphering)
       for tag in sorted(GLOBAL_TAGS)},
    **{tag: ("ded_" + _NAMES[UNPROTECTED_TAG[tag]], ServiceSpecificCiphering)
       for tag in sorted(DEDICATED_TAGS)},
    0xDB: ("general_glo_ciphering", GeneralGloCiphering),
    0xDC: ("general_ded_ciphering", GeneralDedCiphering),
    0xDD: ("general_ciphering", GeneralCiphering),
    0xDF: ("general_signing", GeneralSigning),
}
"""First octet -> (name, schema of the octets after it) for every protected APDU."""


QUIRK_APDUS: dict[int, tuple[str, c.Construct]] = {
    0x00: ("ciphered ACCESS under APDU tag 0x00 (Gurux)", ServiceSpecificCiphering),
}
"""Tags no protected APDU has that a real stack sends with a glo- body (Gurux ciphers its
ACCESS-Request/-Response so, there being no glo- tag for ACCESS): read by lenient decodes only,
with a warning naming the quirk."""

QUIRK_NAMES: dict[int, str] = {0x00: "glo_access"}
"""The service a quirk tag stands for until deciphering names the request or response."""


class SecurityHeader(NamedTuple):
    """What decryption and views need from any ciphered APDU, whatever its kind (a named tuple:
    made for every protected APDU, at a fraction of a frozen dataclass's cost)."""

    security_control: int
    security_suite_id: int
    authentication: bool
    encryption: bool
    key_set: str
    compression: bool
    invocation_counter: int
    ciphered_text: bytes
    tag: bytes | None
    system_title: bytes | None = None
    recipient_system_title: bytes | None = None
    transaction_id: bytes | None = None


def security_header(container: Mapping[str, Any]) -> SecurityHeader:
    """The security header of a decoded glo-/ded-, general-glo/ded- or general-ciphering body.

    ``system_title`` is the one carried in the APDU (general-glo/ded-ciphering, or the originator
    of general-ciphering), None for service-specific APDUs, whose title comes from the association.
    """
    content = container.get("ciphered_content", container)
    if "security_control" not in content:
        raise ValueError("not a ciphered APDU body (no security header)")
    sc = content["security_control"]
    title = container.get("system_title", container.get("originator_system_title"))
    tag = content.get("tag")
    recipient = container.get("recipient_system_title")
    transaction = container.get("transaction_id")
    return SecurityHeader(
        security_control_octet(sc), int(sc["security_suite_id"]), bool(sc["authentication"]),
        bool(sc["encryption"]), str(sc["key_set"]), bool(sc["compression"]),
        int(content["invocation_counter"]), bytes(content["ciphered_text"]),
        None if tag is None else bytes(tag), None if title is None else bytes(title),
        None if recipient is None else bytes(recipient),
        None if transaction is None else bytes(transaction))
