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

from ..tables import load_json
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

CONFIRMED_SERVICE_ERROR_CHOICES: dict[int, str] = {
    1: "initiate_error", 2: "get_status", 3: "get_name_list", 4: "get_variable_attribute",
    5: "read", 6: "write", 7: "get_data_set_attribute", 8: "get_ti_attribute", 9: "change_scope",
    10: "start", 11: "stop", 12: "resume", 13: "make_usable", 14: "initiate_load",
    15: "load_segment", 16: "terminate_load", 17: "initiate_up_load", 18: "up_load_segment",
    19: "terminate_up_load",
}
"""ConfirmedServiceError CHOICE: tag -> the service that failed (tag 0 is reserved)."""

SERVICE_ERROR_CHOICES: dict[int, str] = {
    0: "application_reference", 1: "hardware_resource", 2: "vde_state_error", 3: "service",
    4: "definition", 5: "access", 6: "initiate", 7: "load_data_set", 8: "change_scope", 9: "task",
    10: "other",
}
"""ServiceError CHOICE: tag -> the kind of error; each carries an ENUMERATED (one octet)."""

SERVICE_ERROR_VALUES: dict[str, dict[int, str]] = {
    "application_reference": {
        0: "other", 1: "time_elapsed", 2: "application_unreachable",
        3: "application_reference_invalid", 4: "application_context_unsupported",
        5: "provider_communication_error", 6: "deciphering_error"},
    "hardware_resource": {
        0: "other", 1: "memory_unavailable", 2: "processor_resource_unavailable",
        3: "mass_storage_unavailable", 4: "other_resource_unavailable"},
    "vde_state_error": {
        0: "other", 1: "no_dlms_context", 2: "loading_data_set", 3: "status_nochange",
        4: "status_inoperable"},
    "service": {0: "other", 1: "pdu_size", 2: "service_unsupported"},
    "definition": {
        0: "other", 1: "object_undefined", 2: "object_class_inconsistent",
        3: "object_attribute_inconsistent"},
    "access": {
        0: "other", 1: "scope_of_access_violated", 2: "object_access_invalid",
        3: "hardware_fault", 4: "object_unavailable"},
    "initiate": {
        0: "other", 1: "dlms_version_too_low", 2: "incompatible_conformance",
        3: "pdu_size_too_short", 4: "refused_by_the_vde_handler"},
    "load_data_set": {
        0: "other", 1: "primitive_out_of_sequence", 2: "not_loadable",
        3: "dataset_size_too_large", 4: "not_awaited_segment", 5: "interpretation_failure",
        6: "storage_failure", 7: "data_set_not_ready"},
    "change_scope": {},
    "task": {0: "other", 1: "no_remote_control", 2: "ti_stopped", 3: "ti_running",
             4: "ti_unusable"},
    "other": {},
}
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

STATE_ERRORS: dict[int, str] = {1: "service_not_allowed", 2: "service_unknown"}
EXCEPTION_SERVICE_ERRORS: dict[int, str] = {
    1: "operation_not_possible", 2: "service_not_supported", 3: "other_reason",
    4: "pdu_too_long", 5: "deciphering_error", 6: "invocation_counter_error",
}

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
