"""xDLMS InitiateRequest / InitiateResponse, ConfirmedServiceError and ExceptionResponse.

These are the A-XDR APDUs that open an association (inside the ACSE user-information) or report
that a request could not be served at all. The layouts follow the xDLMS ASN.1 of IEC 62056-5-3
(Green Book). Every schema here starts AFTER the APDU's tag octet (``APDUS`` maps the tag).

The conformance block is the one BER item inside A-XDR: ``5F 1F`` ([APPLICATION 31]), length
``04``, the unused-bits octet, then 24 bits. Its bit names come from ``specs/conformance.json``
(bit 0 = most significant bit of the first octet) so that views and the client share one table.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable

import construct as c
from construct import this

from ..tables import enumeration, load_json
from ._core import AxdrOptional, Choice, Counted, Expected, Struct

__all__ = [
    "APDUS",
    "CONFIRMED_SERVICE_ERROR_CHOICES",
    "CONFORMANCE_BITS",
    "CONFORMANCE_SOURCE",
    "EXCEPTION_SERVICE_ERRORS",
    "SERVICE_ERROR_CHOICES",
    "SERVICE_ERROR_VALUES",
    "STATE_ERRORS",
    "ConfirmedServiceError",
    "Conformance",
    "ExceptionResponse",
    "InitiateRequest",
    "InitiateResponse",
    "ServiceError",
    "conformance_names",
    "conformance_value",
]

_SPEC = "conformance.json"


def _load_conformance() -> tuple[tuple[str, ...], str]:
    spec = load_json(_SPEC)
    bits = sorted(spec["bits"], key=lambda b: b["bit"])
    if [b["bit"] for b in bits] != list(range(24)):
        raise ValueError(f"{_SPEC}: expected bits 0..23")
    return tuple(b["name"] for b in bits), spec["source"]


CONFORMANCE_BITS, CONFORMANCE_SOURCE = _load_conformance()
"""The 24 conformance bit names in bit order (index = bit number, 0 = MSB of the first octet)."""

_MASK = {name: 1 << (23 - bit) for bit, name in enumerate(CONFORMANCE_BITS)}


def conformance_names(value: int) -> list[str]:
    """The names of the bits set in a 24-bit conformance value, in bit order."""
    return [name for name in CONFORMANCE_BITS if value & _MASK[name]]


def conformance_value(names: Iterable[str]) -> int:
    """The 24-bit conformance value with exactly the named bits set (unknown names raise)."""
    value = 0
    for name in names:
        if name not in _MASK:
            raise ValueError(f"unknown conformance bit {name!r}")
        value |= _MASK[name]
    return value


def _conformance_from_context(ctx) -> int:
    value = ctx.get("value")
    if value is not None:
        return int(value)
    return conformance_value(ctx.get("named") or ())


class _ConformanceTag(c.Construct):
    """The [APPLICATION 31] tag: ``5F 1F`` as X.690 requires, or a bare ``5F``.

    Some encoders (jDLMS, vector wrapper-tcp-aarq-sn-jdlms) write only the first octet; the next
    octet then is the length 04, never 1F, so both forms decode and each rebuilds as it came.
    """

    FULL, SHORT = b"\x5f\x1f", b"\x5f"

    def __init__(self):
        super().__init__()
        self.flagbuildnone = True

    def _parse(self, stream, context, path):
        first = c.stream_read(stream, 1, path)
        if first != self.SHORT:
            raise Expected("conformance tag 5F 1F ([APPLICATION 31])", first.hex().upper())
        here = io.BytesIO.tell(stream)
        nxt = stream.getbuffer()[here:here + 1].tobytes()
        if nxt == b"\x1f":
            c.stream_read(stream, 1, path)
            return self.FULL
        if nxt == b"\x04":
            return self.SHORT
        raise Expected("conformance tag 5F 1F ([APPLICATION 31])", "5F" + nxt.hex().upper())

    def _emitfast(self, cp, sc):
        fn, v = sc.fn, cp.var()
        cp.need(sc, 1)
        sc.avail = 0
        fn.add(f"if data[o] != {self.SHORT[0]}: raise _Fail")
        fn.add("o += 1")
        fn.add(f"if o < {sc.end} and data[o] == 0x1F: o += 1; {v} = {cp.const(self.FULL)}")
        fn.add(f"elif o < {sc.end} and data[o] == 0x04: {v} = {cp.const(self.SHORT)}")
        fn.add("else: raise _Fail")
        return v

    def _build(self, obj, stream, context, path):
        tag = self.FULL if obj is None else bytes(obj)
        if tag not in (self.FULL, self.SHORT):
            raise c.ConstructError(f"conformance tag must be 5F1F or 5F, not {tag.hex()}")
        c.stream_write(stream, tag, len(tag), path)
        return tag

    def _sizeof(self, context, path):
        raise c.SizeofError("one or two octets", path=path)


def _named(ctx) -> list[str]:
    return conformance_names(ctx.value)


@functools.lru_cache(maxsize=256)
def _names_of(value: int) -> tuple[str, ...]:
    return tuple(conformance_names(value))


# a link sends the same conformance block message after message: its names are remembered
_named._emitfast = lambda cp, sc: f"list({cp.const(_names_of, 'g')}({sc.field('value')}))"

Conformance = Struct(
    "tag" / _ConformanceTag(),
    "length" / c.Const(4, c.Int8ub),
    "unused_bits" / c.Int8ub,
    "value" / c.Rebuild(c.Int24ub, _conformance_from_context),
    "named" / c.Computed(_named),
)
"""Conformance (BER [APPLICATION 31] BIT STRING SIZE(24)): ``tag`` as sent (5F 1F or 5F),
``value`` the 24 bits as an int and ``named`` the names of the set bits. When building,
``value`` wins; without it, ``named``; without ``tag``, 5F 1F."""


# --- InitiateRequest / InitiateResponse ---------------------------------------------------------

InitiateRequest = Struct(
    "dedicated_key" / AxdrOptional(Counted(c.GreedyBytes)),
    "response_allowed" / AxdrOptional(c.Int8ub),
    "proposed_quality_of_service" / AxdrOptional(c.Int8sb),
    "proposed_dlms_version_number" / c.Int8ub,
    "proposed_conformance" / Conformance,
    "client_max_receive_pdu_size" / c.Int16ub,
)
"""InitiateRequest (tag 0x01). ``response_allowed`` None = absent, i.e. the DEFAULT TRUE; else
the BOOLEAN octet as sent (0 = FALSE). ``dedicated_key`` None when absent."""

InitiateResponse = Struct(
    "negotiated_quality_of_service" / AxdrOptional(c.Int8sb),
    "negotiated_dlms_version_number" / c.Int8ub,
    "negotiated_conformance" / Conformance,
    "server_max_receive_pdu_size" / c.Int16ub,
    "vaa_name" / c.Int16sb,
)
"""InitiateResponse (tag 0x08). ``vaa_name`` is an ObjectName (Integer16): 0x0007 with LN
referencing, the Association SN base name (0xFA00, i.e. -1536) with SN referencing."""


# --- ConfirmedServiceError ----------------------------------------------------------------------

CONFIRMED_SERVICE_ERROR_CHOICES: dict[int, str] = enumeration("confirmed-service-error")
"""ConfirmedServiceError CHOICE: tag -> the service that failed (tag 0 is reserved)."""

SERVICE_ERROR_CHOICES: dict[int, str] = enumeration("service-error")
"""ServiceError CHOICE: tag -> the kind of error; each carries an ENUMERATED (one octet)."""

SERVICE_ERROR_VALUES: dict[str, dict[int, str]] = {
    name: {int(code): text for code, text in values.items()}
    for name, values in load_json("enumerations.json")["service-error-values"].items()}
"""The ENUMERATED values of each ServiceError alternative (change-scope is reserved and
'other' is manufacturer specific: their values stay plain numbers)."""


def _enum(values: dict[int, str]) -> c.Construct:
    return c.Enum(c.Int8ub, **{name: value for value, name in values.items()})


ServiceError = Struct(
    "tag" / _enum(SERVICE_ERROR_CHOICES),
    "value" / Choice(this.tag, {name: _enum(SERVICE_ERROR_VALUES[name])
                                for name in SERVICE_ERROR_CHOICES.values()},
                     "a ServiceError alternative"),
)
"""ServiceError CHOICE: the kind of error (``tag``) and its ENUMERATED ``value``."""

ConfirmedServiceError = Struct(
    "tag" / _enum(CONFIRMED_SERVICE_ERROR_CHOICES),
    "service_error" / Choice(this.tag, {name: ServiceError
                                        for name in CONFIRMED_SERVICE_ERROR_CHOICES.values()},
                             "a ConfirmedServiceError alternative"),
)
"""ConfirmedServiceError (tag 0x0E): which service failed (``tag``) and why (``service_error``)."""


# --- ExceptionResponse --------------------------------------------------------------------------

STATE_ERRORS: dict[int, str] = enumeration("state-error")
EXCEPTION_SERVICE_ERRORS: dict[int, str] = enumeration("exception-service-error")

ExceptionResponse = Struct(
    "state_error" / _enum(STATE_ERRORS),
    "service_error" / _enum(EXCEPTION_SERVICE_ERRORS),
    "invocation_counter" / c.If((this.service_error == "invocation_counter_error")
                                | (this.service_error == 6), c.Int32ub),
)
"""ExceptionResponse (tag 0xD8). service-error is a CHOICE whose alternatives are NULL except
invocation-counter-error [6], which carries the Unsigned32 counter the server expects
(``invocation_counter``; None for the other errors)."""


APDUS: dict[int, tuple[str, c.Construct]] = {
    0x01: ("initiate_request", InitiateRequest),
    0x08: ("initiate_response", InitiateResponse),
    0x0E: ("confirmed_service_error", ConfirmedServiceError),
    0xD8: ("exception_response", ExceptionResponse),
}
"""COSEMpdu tag -> (name, schema of the octets after the tag)."""
