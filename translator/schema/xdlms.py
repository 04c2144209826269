"""xDLMS services with logical-name referencing (IEC 62056-5-3 / Green Book 9.5 ASN.1).

GET, SET, ACTION (every CHOICE variant: normal, next, block, with-list), EventNotification,
DataNotification and the ACCESS service. Each APDU schema starts AFTER its tag octet; ``APDUS``
maps that octet to ``(name, schema)`` so ``apdu.py`` can dispatch on it.

Field names are snake_case of the ASN.1 names. Choice tags and result codes parse to the
standard's names; an unknown choice tag is refused *at the tag octet* (``StrictEnum``, so the
error offset points at the octet that is wrong), while an unknown result code is kept as a plain
int (vendors do send them, and the APDU is still well-formed). A-XDR values go through
``axdr.Data``, referenced lazily so the two modules can be imported in either order.
"""

from __future__ import annotations

from typing import Any

import construct as c
from construct import this

from ..tables import enumeration
from ._core import AxdrOptional, Choice, Counted, CountedArray, StrictEnum, Struct

__all__ = [
    "ACTION_RESULT",
    "APDUS",
    "CHOICES",
    "DATA_ACCESS_RESULT",
    "AccessRequest",
    "AccessRequestSpecification",
    "AccessResponse",
    "AccessResponseSpecification",
    "ActionRequest",
    "ActionResponse",
    "ActionResponseWithOptionalData",
    "ActionResult",
    "Boolean",
    "CosemAttributeDescriptor",
    "CosemAttributeDescriptorWithSelection",
    "CosemMethodDescriptor",
    "DataAccessResult",
    "DataBlockG",
    "DataBlockSA",
    "DataNotification",
    "EventNotificationRequest",
    "GetDataResult",
    "GetRequest",
    "GetResponse",
    "InvokeIdAndPriority",
    "LongInvokeIdAndPriority",
    "NotificationDateTime",
    "OctetString",
    "SelectiveAccessDescriptor",
    "SetRequest",
    "SetResponse",
    "invoke_id_and_priority_bits",
    "long_invoke_id_and_priority_bits",
]


def _axdr():
    from . import axdr
    return axdr


Data = c.LazyBound(lambda: _axdr().Data)
"""One tagged A-XDR Data value (``axdr.Data``), resolved on first use."""


# --- result codes -------------------------------------------------------------------------------

DATA_ACCESS_RESULT: dict[int, str] = enumeration("data-access-result")
"""Data-Access-Result code -> name."""

ACTION_RESULT: dict[int, str] = enumeration("action-result")
"""Action-Result code -> name."""

DataAccessResult = c.Enum(c.Int8ub, **{name: code for code, name in DATA_ACCESS_RESULT.items()})
ActionResult = c.Enum(c.Int8ub, **{name: code for code, name in ACTION_RESULT.items()})


# --- choice tags --------------------------------------------------------------------------------

CHOICES: dict[str, dict[int, str]] = {
    "get_data_result": {0: "data", 1: "data_access_result"},
    "data_block_g_result": {0: "raw_data", 1: "data_access_result"},
    "get_request": {1: "get_request_normal", 2: "get_request_next", 3: "get_request_with_list"},
    "get_response": {1: "get_response_normal", 2: "get_response_with_datablock",
                     3: "get_response_with_list"},
    "set_request": {1: "set_request_normal", 2: "set_request_with_first_datablock",
                    3: "set_request_with_datablock", 4: "set_request_with_list",
                    5: "set_request_with_list_and_first_datablock"},
    "set_response": {1: "set_response_normal", 2: "set_response_datablock",
                     3: "set_response_last_datablock", 4: "set_response_last_datablock_with_list",
                     5: "set_response_with_list"},
    "action_request": {1: "action_request_normal", 2: "action_request_next_pblock",
                       3: "action_request_with_list", 4: "action_request_with_first_pblock",
                       5: "action_request_with_list_and_first_pblock",
                       6: "action_request_with_pblock"},
    "action_response": {1: "action_response_normal", 2: "action_response_with_pblock",
                        3: "action_response_with_list", 4: "action_response_next_pblock"},
    "access_request_specification": {
        1: "access_request_get", 2: "access_request_set", 3: "access_request_action",
        4: "access_request_get_with_selection", 5: "access_request_set_with_selection"},
    "access_response_specification": {
        1: "access_response_get", 2: "access_response_set", 3: "access_response_action"},
}
"""Every CHOICE declared here: CHOICE name -> {tag: alternative name}."""


def _choice(name: str, body: str, cases: dict[str, c.Construct]) -> Struct:
    """``Struct(tag, body)`` for the CHOICE ``name``; ``cases`` must cover every alternative."""
    if set(cases) != set(CHOICES[name].values()):
        raise ValueError(f"{name}: cases and CHOICES disagree")
    what = name.replace("_", "-")
    return Struct(
        "tag" / StrictEnum(c.Int8ub, f"a {what} tag",
                           **{alt: code for code, alt in CHOICES[name].items()}),
        body / Choice(this.tag, cases, f"a {what} alternative"),
    )


# --- invoke ids ---------------------------------------------------------------------------------

InvokeIdAndPriority = c.Int8ub
"""Invoke-Id-And-Priority: one octet, kept whole (bits in ``invoke_id_and_priority_bits``)."""

LongInvokeIdAndPriority = c.Int32ub
"""Long-Invoke-Id-And-Priority: Unsigned32, kept whole (``long_invoke_id_and_priority_bits``)."""


def invoke_id_and_priority_bits(octet: int) -> dict[str, Any]:
    """Split Invoke-Id-And-Priority: invoke-id bits 0-3, reserved 4-5, service-class bit 6
    (1 confirmed), priority bit 7 (1 high)."""
    return {
        "invoke_id": octet & 0x0F,
        "reserved": (octet >> 4) & 0x03,
        "service_class": "confirmed" if octet & 0x40 else "unconfirmed",
        "priority": "high" if octet & 0x80 else "normal",
    }


def long_invoke_id_and_priority_bits(value: int) -> dict[str, Any]:
    """Split Long-Invoke-Id-And-Priority: invoke-id bits 0-23, reserved 24-27, self-descriptive
    bit 28, processing-option bit 29 (1 break on error), service-class bit 30, priority bit 31."""
    return {
        "invoke_id": value & 0xFFFFFF,
        "reserved": (value >> 24) & 0x0F,
        "self_descriptive": bool(value & 0x10000000),
        "processing_option": "break_on_error" if value & 0x20000000 else "continue_on_error",
        "service_class": "confirmed" if value & 0x40000000 else "unconfirmed",
        "priority": "high" if value & 0x80000000 else "normal",
    }


# --- common types -------------------------------------------------------------------------------

class _Boolean(c.Adapter):
    """A-XDR BOOLEAN: one octet. 0x00/0x01 parse to False/True; any other (non-canonical but
    TRUE) octet stays an int so it rebuilds unchanged."""

    def _decode(self, obj, context, path):
        return bool(obj) if obj in (0, 1) else obj

    def _emitfast(self, cp, sc):
        raw, v = cp.emit(self.subcon, sc), cp.var()
        sc.fn.add(f"{v} = bool({raw}) if {raw} in (0, 1) else {raw}")
        return v

    def _encode(self, obj, context, path):
        return int(obj)


Boolean = _Boolean(c.Int8ub)

OctetString = Counted(c.GreedyBytes)
"""A-XDR OCTET STRING: a length, then that many octets (``Octets`` keeps a long-form length)."""

CosemAttributeDescriptor = Struct(
    "class_id" / c.Int16ub,
    "instance_id" / c.Bytes(6),
    "attribute_id" / c.Int8sb,
)

CosemMethodDescriptor = Struct(
    "class_id" / c.Int16ub,
    "instance_id" / c.Bytes(6),
    "method_id" / c.Int8sb,
)

SelectiveAccessDescriptor = Struct(
    "access_selector" / c.Int8ub,
    "access_parameters" / Data,
)

CosemAttributeDescriptorWithSelection = Struct(
    "cosem_attribute_descriptor" / CosemAttributeDescriptor,
    "access_selection" / AxdrOptional(SelectiveAccessDescriptor),
)

GetDataResult = _choice("get_data_result", "value", {
    "data": Data,
    "data_access_result": DataAccessResult,
})
"""Get-Data-Result: tag 0 then Data, or tag 1 then a Data-Access-Result."""

DataBlockG = Struct(
    "last_block" / Boolean,
    "block_number" / c.Int32ub,
    "result" / _choice("data_block_g_result", "value", {
        "raw_data": OctetString,
        "data_access_result": DataAccessResult,
    }),
)
"""DataBlock-G (GET response blocks): the raw data is a slice of an encoded Data, kept as bytes
because it only decodes once every block is joined."""

DataBlockSA = Struct(
    "last_block" / Boolean,
    "block_number" / c.Int32ub,
    "raw_data" / OctetString,
)
"""DataBlock-SA (SET request and ACTION request/response blocks)."""

ActionResponseWithOptionalData = Struct(
    "result" / ActionResult,
    "return_parameters" / AxdrOptional(GetDataResult),
)

_attribute_list = CountedArray(CosemAttributeDescriptorWithSelection)
_method_list = CountedArray(CosemMethodDescriptor)


def _seq(*fields) -> Struct:
    """A service SEQUENCE: the invoke-id-and-priority octet, then ``fields``."""
    return Struct("invoke_id_and_priority" / InvokeIdAndPriority, *fields)


# --- GET / SET / ACTION -------------------------------------------------------------------------

GetRequest = _choice("get_request", "get_request", {
    "get_request_normal": _seq(
        "cosem_attribute_descriptor" / CosemAttributeDescriptor,
        "access_selection" / AxdrOptional(SelectiveAccessDescriptor)),
    "get_request_next": _seq("block_number" / c.Int32ub),
    "get_request_with_list": _seq("attribute_descriptor_list" / _attribute_list),
})

GetResponse = _choice("get_response", "get_response", {
    "get_response_normal": _seq("result" / GetDataResult),
    "get_response_with_datablock": _seq("result" / DataBlockG),
    "get_response_with_list": _seq("result" / CountedArray(GetDataResult)),
})

SetRequest = _choice("set_request", "set_request", {
    "set_request_normal": _seq(
        "cosem_attribute_descriptor" / CosemAttributeDescriptor,
        "access_selection" / AxdrOptional(SelectiveAccessDescriptor),
        "value" / Data),
    "set_request_with_first_datablock": _seq(
        "cosem_attribute_descriptor" / CosemAttributeDescriptor,
        "access_selection" / AxdrOptional(SelectiveAccessDescriptor),
        "datablock" / DataBlockSA),
    "set_request_with_datablock": _seq("datablock" / DataBlockSA),
    "set_request_with_list": _seq(
        "attribute_descriptor_list" / _attribute_list,
        "value_list" / CountedArray(Data)),
    "set_request_with_list_and_first_datablock": _seq(
        "attribute_descriptor_list" / _attribute_list,
        "datablock" / DataBlockSA),
})

SetResponse = _choice("set_response", "set_response", {
    "set_response_normal": _seq("result" / DataAccessResult),
    "set_response_datablock": _seq("block_number" / c.Int32ub),
    "set_response_last_datablock": _seq(
        "result" / DataAccessResult,
        "block_number" / c.Int32ub),
    "set_response_last_datablock_with_list": _seq(
        "result" / CountedArray(DataAccessResult),
        "block_number" / c.Int32ub),
    "set_response_with_list": _seq("result" / CountedArray(DataAccessResult)),
})

ActionRequest = _choice("action_request", "action_request", {
    "action_request_normal": _seq(
        "cosem_method_descriptor" / CosemMethodDescriptor,
        "method_invocation_parameters" / AxdrOptional(Data)),
    "action_request_next_pblock": _seq("block_number" / c.Int32ub),
    "action_request_with_list": _seq(
        "cosem_method_descriptor_list" / _method_list,
        "method_invocation_parameters" / CountedArray(Data)),
    "action_request_with_first_pblock": _seq(
        "cosem_method_descriptor" / CosemMethodDescriptor,
        "pblock" / DataBlockSA),
    "action_request_with_list_and_first_pblock": _seq(
        "cosem_method_descriptor_list" / _method_list,
        "pblock" / DataBlockSA),
    "action_request_with_pblock": _seq("pblock" / DataBlockSA),
})

ActionResponse = _choice("action_response", "action_response", {
    "action_response_normal": _seq("single_response" / ActionResponseWithOptionalData),
    "action_response_with_pblock": _seq("pblock" / DataBlockSA),
    "action_response_with_list": _seq(
        "list_of_responses" / CountedArray(ActionResponseWithOptionalData)),
    "action_response_next_pblock": _seq("block_number" / c.Int32ub),
})


# --- notifications ------------------------------------------------------------------------------

EventNotificationRequest = Struct(
    "time" / AxdrOptional(OctetString),
    "cosem_attribute_descriptor" / CosemAttributeDescriptor,
    "attribute_value" / Data,
)
"""EventNotificationRequest: time is an OPTIONAL OCTET STRING (presence octet, length, octets)."""

_TAGGED_DATE_TIME = b"\x09\x0c"


class _LooksTagged(c.Construct):
    """Peek (consume nothing): True when the date-time starts 09 0C, i.e. it was sent as a
    tagged Data octet-string(12) instead of a bare A-XDR OCTET STRING. Builds nothing; a missing
    value means the standard, untagged form."""

    def __init__(self):
        super().__init__()
        self.flagbuildnone = True

    def _parse(self, stream, context, path):
        here = stream.tell()
        head = stream.read(2)
        stream.seek(here)
        return head == _TAGGED_DATE_TIME

    def _emitfast(self, cp, sc):
        v = cp.var()
        sc.fn.add(f"{v} = data[o:min(o + 2, {sc.end})] == {cp.const(_TAGGED_DATE_TIME)}")
        return v

    def _build(self, obj, stream, context, path):
        return bool(obj)

    def _sizeof(self, context, path):
        return 0


NotificationDateTime = Struct(
    "tagged" / _LooksTagged(),
    "value" / c.IfThenElse(
        this.tagged,
        c.FocusedSeq("value", c.Const(b"\x09"), "value" / OctetString),
        OctetString),
)
"""Data-Notification date-time: an A-XDR OCTET STRING (00 when absent, 0C and 12 octets), or, as
Kaifa, Aidon and others send it, the same octets tagged as Data (09 0C ...). ``tagged`` records
which form was read so ``build`` writes it back the same way; ``value`` is the octets."""

DataNotification = Struct(
    "long_invoke_id_and_priority" / LongInvokeIdAndPriority,
    "date_time" / NotificationDateTime,
    "notification_body" / Struct("data_value" / Data),
)


# --- ACCESS -------------------------------------------------------------------------------------

AccessRequestSpecification = _choice("access_request_specification", "value", {
    "access_request_get": Struct("cosem_attribute_descriptor" / CosemAttributeDescriptor),
    "access_request_set": Struct("cosem_attribute_descriptor" / CosemAttributeDescriptor),
    "access_request_action": Struct("cosem_method_descriptor" / CosemMethodDescriptor),
    "access_request_get_with_selection": Struct(
        "cosem_attribute_descriptor" / CosemAttributeDescriptor,
        "access_selection" / SelectiveAccessDescriptor),
    "access_request_set_with_selection": Struct(
        "cosem_attribute_descriptor" / CosemAttributeDescriptor,
        "access_selection" / SelectiveAccessDescriptor),
})

AccessResponseSpecification = _choice("access_response_specification", "value", {
    "access_response_get": Struct("result" / DataAccessResult),
    "access_response_set": Struct("result" / DataAccessResult),
    "access_response_action": Struct("result" / ActionResult),
})

AccessRequest = Struct(
    "long_invoke_id_and_priority" / LongInvokeIdAndPriority,
    "date_time" / OctetString,
    "access_request_body" / Struct(
        "access_request_specification" / CountedArray(AccessRequestSpecification),
        "access_request_list_of_data" / CountedArray(Data),
    ),
)

AccessResponse = Struct(
    "long_invoke_id_and_priority" / LongInvokeIdAndPriority,
    "date_time" / OctetString,
    "access_response_body" / Struct(
        "access_request_specification" / AxdrOptional(CountedArray(AccessRequestSpecification)),
        "access_response_list_of_data" / CountedArray(Data),
        "access_response_specification" / CountedArray(AccessResponseSpecification),
    ),
)


APDUS: dict[int, tuple[str, c.Construct]] = {
    0x0F: ("data_notification", DataNotification),
    0xC0: ("get_request", GetRequest),
    0xC1: ("set_request", SetRequest),
    0xC2: ("event_notification_request", EventNotificationRequest),
    0xC3: ("action_request", ActionRequest),
    0xC4: ("get_response", GetResponse),
    0xC5: ("set_response", SetResponse),
    0xC7: ("action_response", ActionResponse),
    0xD9: ("access_request", AccessRequest),
    0xDA: ("access_response", AccessResponse),
}
"""COSEMpdu tag -> (name, schema of the octets after the tag)."""
