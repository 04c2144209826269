"""The APDUs a client sends, as trees for the schemas' ``build`` (nothing is encoded by hand).

Each function returns the octets of one APDU built by ``translator.schema.apdu.Apdu`` (or, for
the pieces that travel inside another APDU, by the schema of that piece), so the octets on the
wire are exactly what ``decode`` reads back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..schema._core import build
from ..schema.acse import MECHANISM_NAMES, XdlmsApdu
from ..schema.apdu import Apdu
from ..schema.initiate import conformance_value

__all__ = [
    "ASSOCIATION_LN", "ASSOCIATION_SN", "AttributeRef", "MethodRef", "aarq", "action_request",
    "action_request_block", "action_request_next", "gbt_acknowledgement", "get_request",
    "get_request_next", "initiate_request", "invoke_id_and_priority", "read_request",
    "read_request_parameterized", "rlrq", "set_request", "set_request_block", "write_request",
]

ASSOCIATION_LN = bytes((0, 0, 40, 0, 0, 255))
"""The current association (class 15), whose method 1 carries the HLS pass 3 proof."""

ASSOCIATION_SN = 0xFA00
"""The base name of the current Association SN object (its object list is at 0xFA08)."""

_CONTEXTS = {("ln", False): "2.16.756.5.8.1.1", ("sn", False): "2.16.756.5.8.1.2",
             ("ln", True): "2.16.756.5.8.1.3", ("sn", True): "2.16.756.5.8.1.4"}
_MECHANISM_OIDS = {int(oid.rsplit(".", 1)[1]): oid for oid in MECHANISM_NAMES}


class AttributeRef(tuple):
    """(class id, OBIS octets, attribute id, selective access or None)."""

    def __new__(cls, class_id: int, instance: bytes, attribute: int,
                selection: tuple[int, dict] | None = None):
        return super().__new__(cls, (int(class_id), bytes(instance), int(attribute), selection))

    class_id = property(lambda self: self[0])
    instance = property(lambda self: self[1])
    attribute = property(lambda self: self[2])
    selection = property(lambda self: self[3])

    def descriptor(self) -> dict[str, Any]:
        return {"class_id": self[0], "instance_id": self[1], "attribute_id": self[2]}

    def access_selection(self) -> dict[str, Any] | None:
        if self[3] is None:
            return None
        selector, parameters = self[3]
        return {"access_selector": selector, "access_parameters": parameters}


class MethodRef(tuple):
    """(class id, OBIS octets, method id)."""

    def __new__(cls, class_id: int, instance: bytes, method: int):
        return super().__new__(cls, (int(class_id), bytes(instance), int(method)))

    def descriptor(self) -> dict[str, Any]:
        return {"class_id": self[0], "instance_id": self[1], "method_id": self[2]}


def invoke_id_and_priority(invoke_id: int, high_priority: bool = True) -> int:
    """Invoke-Id-And-Priority: invoke id (bits 0-3), confirmed (bit 6), priority (bit 7)."""
    return (invoke_id & 0x0F) | 0x40 | (0x80 if high_priority else 0)


def initiate_request(conformance: Sequence[str], max_pdu_size: int, dlms_version: int = 6,
                     dedicated_key: bytes | None = None) -> bytes:
    """xDLMS InitiateRequest (tag included), the plaintext of the AARQ's user-information."""
    body = {"dedicated_key": dedicated_key, "response_allowed": None,
            "proposed_quality_of_service": None, "proposed_dlms_version_number": dlms_version,
            "proposed_conformance": {"unused_bits": 0, "value": conformance_value(conformance)},
            "client_max_receive_pdu_size": max_pdu_size}
    return build(XdlmsApdu, {"tag": "initiate_request", "body": body}, "acse")


def aarq(referencing: str, ciphered: bool, mechanism: int, user_information: bytes, *,
         calling_ap_title: bytes | None = None, authentication_value: bytes | None = None) -> bytes:
    """The AARQ: application context, calling-AP-title when ciphering or HLS needs it, ACSE
    requirements, mechanism and authentication value when authenticating, user-information.

    ``user_information`` is a whole xDLMS APDU (plain or ciphered InitiateRequest)."""
    components: list[dict[str, Any]] = [
        {"tag": "application_context_name",
         "value": {"tag": 6, "oid": _CONTEXTS[referencing, ciphered]}}]
    if calling_ap_title:
        components.append({"tag": "calling_ap_title",
                           "value": {"tag": 4, "value": bytes(calling_ap_title)}})
    if mechanism:
        components += [
            {"tag": "sender_acse_requirements", "value": {"unused_bits": 7, "bits": b"\x80"}},
            {"tag": "mechanism_name", "value": {"oid": _MECHANISM_OIDS[mechanism]}},
            {"tag": "calling_authentication_value",
             "value": {"tag": "charstring", "value": bytes(authentication_value or b"")}},
        ]
    xdlms = XdlmsApdu.parse(user_information)
    components.append({"tag": "user_information", "value": {"tag": 4, "value": xdlms}})
    return build(Apdu, {"tag": "aarq", "body": {"components": components}}, "apdu")


def rlrq(user_information: bytes | None = None) -> bytes:
    """RLRQ with reason normal (and, in a ciphered association, a protected InitiateRequest)."""
    components: list[dict[str, Any]] = [{"tag": "reason", "value": "normal"}]
    if user_information is not None:
        components.append({"tag": "user_information",
                           "value": {"tag": 4, "value": XdlmsApdu.parse(user_information)}})
    return build(Apdu, {"tag": "rlrq", "body": {"components": components}}, "apdu")


def _service(tag: str, choice: str, field: str, body: dict[str, Any]) -> bytes:
    return build(Apdu, {"tag": tag, "body": {"tag": choice, field: body}}, "apdu")


def get_request(invoke: int, attributes: Sequence[AttributeRef]) -> bytes:
    """GET-Request-Normal for one attribute, GET-Request-With-List for several."""
    if len(attributes) == 1:
        (ref,) = attributes
        return _service("get_request", "get_request_normal", "get_request", {
            "invoke_id_and_priority": invoke, "cosem_attribute_descriptor": ref.descriptor(),
            "access_selection": ref.access_selection()})
    return _service("get_request", "get_request_with_list", "get_request", {
        "invoke_id_and_priority": invoke,
        "attribute_descriptor_list": [
            {"cosem_attribute_descriptor": ref.descriptor(),
             "access_selection": ref.access_selection()} for ref in attributes]})


def get_request_next(invoke: int, block_number: int) -> bytes:
    return _service("get_request", "get_request_next", "get_request",
                    {"invoke_id_and_priority": invoke, "block_number": block_number})


def set_request(invoke: int, attributes: Sequence[AttributeRef], values: Sequence[dict]) -> bytes:
    """SET-Request-Normal (one attribute) or SET-Request-With-List; ``values`` are Data trees."""
    if len(attributes) == 1:
        (ref,) = attributes
        return _service("set_request", "set_request_normal", "set_request", {
            "invoke_id_and_priority": invoke, "cosem_attribute_descriptor": ref.descriptor(),
            "access_selection": ref.access_selection(), "value": values[0]})
    return _service("set_request", "set_request_with_list", "set_request", {
        "invoke_id_and_priority": invoke,
        "attribute_descriptor_list": [
            {"cosem_attribute_descriptor": ref.descriptor(),
             "access_selection": ref.access_selection()} for ref in attributes],
        "value_list": list(values)})


def set_request_block(invoke: int, attributes: Sequence[AttributeRef] | None, block_number: int,
                      last: bool, raw: bytes) -> bytes:
    """SET with datablock: the first block names the attribute(s), the others only the data."""
    block = {"last_block": last, "block_number": block_number, "raw_data": raw}
    if attributes is None:
        return _service("set_request", "set_request_with_datablock", "set_request",
                        {"invoke_id_and_priority": invoke, "datablock": block})
    if len(attributes) == 1:
        (ref,) = attributes
        return _service("set_request", "set_request_with_first_datablock", "set_request", {
            "invoke_id_and_priority": invoke, "cosem_attribute_descriptor": ref.descriptor(),
            "access_selection": ref.access_selection(), "datablock": block})
    return _service("set_request", "set_request_with_list_and_first_datablock", "set_request", {
        "invoke_id_and_priority": invoke,
        "attribute_descriptor_list": [
            {"cosem_attribute_descriptor": ref.descriptor(),
             "access_selection": ref.access_selection()} for ref in attributes],
        "datablock": block})


def action_request(invoke: int, methods: Sequence[MethodRef],
                   parameters: Sequence[dict | None]) -> bytes:
    """ACTION-Request-Normal (one method) or ACTION-Request-With-List."""
    if len(methods) == 1:
        return _service("action_request", "action_request_normal", "action_request", {
            "invoke_id_and_priority": invoke, "cosem_method_descriptor": methods[0].descriptor(),
            "method_invocation_parameters": parameters[0]})
    return _service("action_request", "action_request_with_list", "action_request", {
        "invoke_id_and_priority": invoke,
        "cosem_method_descriptor_list": [m.descriptor() for m in methods],
        "method_invocation_parameters": [p or {"tag": "null_data", "value": None}
                                         for p in parameters]})


def action_request_block(invoke: int, method: MethodRef | None, block_number: int, last: bool,
                         raw: bytes) -> bytes:
    """ACTION with pblock: the first block names the method, the others carry data only."""
    block = {"last_block": last, "block_number": block_number, "raw_data": raw}
    if method is None:
        return _service("action_request", "action_request_with_pblock", "action_request",
                        {"invoke_id_and_priority": invoke, "pblock": block})
    return _service("action_request", "action_request_with_first_pblock", "action_request", {
        "invoke_id_and_priority": invoke, "cosem_method_descriptor": method.descriptor(),
        "pblock": block})


def action_request_next(invoke: int, block_number: int) -> bytes:
    return _service("action_request", "action_request_next_pblock", "action_request",
                    {"invoke_id_and_priority": invoke, "block_number": block_number})


def gbt_acknowledgement(block_number: int, acknowledged: int, window: int = 1) -> bytes:
    """A general-block-transfer APDU without data: acknowledges the blocks up to
    ``acknowledged`` and offers ``window`` blocks for the next round."""
    return build(Apdu, {"tag": "general_block_transfer", "body": {
        "block_control": {"window": window, "streaming": False, "last_block": False},
        "block_number": block_number, "block_number_ack": acknowledged, "block_data": b""}},
        "apdu")


def read_request(names: Sequence[int], block_number: int | None = None) -> bytes:
    """SN ReadRequest of variable names, or the request for the next block."""
    if block_number is not None:
        specs = [{"tag": "block_number_access", "value": {"block_number": block_number}}]
    else:
        specs = [{"tag": "variable_name", "value": name} for name in names]
    return build(Apdu, {"tag": "read_request", "body": specs}, "apdu")


def read_request_parameterized(name: int, selector: int, parameter: dict) -> bytes:
    spec = {"tag": "parameterized_access",
            "value": {"variable_name": name, "selector": selector, "parameter": parameter}}
    return build(Apdu, {"tag": "read_request", "body": [spec]}, "apdu")


def write_request(names: Sequence[int], values: Sequence[dict]) -> bytes:
    """SN WriteRequest: the variables, then their values."""
    return build(Apdu, {"tag": "write_request", "body": {
        "variable_access_specification": [{"tag": "variable_name", "value": n} for n in names],
        "list_of_data": list(values)}}, "apdu")
