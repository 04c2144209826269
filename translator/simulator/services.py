"""GET, SET and ACTION answered from the model, with-list and in blocks, as plaintext APDUs.

``Services`` takes a decoded request (``Apdu`` tree) and returns the response octets built by
``translator.schema.apdu.Apdu``; the association protects them. Blocks both ways keep their
state here: a GET answer longer than the client's max PDU goes out as get-response-with-datablock
(the client asks the next with get-request-next), a SET or ACTION too long for one APDU comes in
data blocks that are joined, then decoded by the schema and applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..schema._compile import fast_parse
from ..schema._core import CountedArray, build
from ..schema.apdu import Apdu
from ..schema.axdr import Data
from ..schema.xdlms import GetDataResult
from .objects import Refused, clean

__all__ = ["Services", "MAX_JOINED"]

MAX_JOINED = 1 << 20
"""Octets a SET or ACTION in blocks may add up to before it is refused (memory bound)."""


def response(tag: str, choice: str, body: dict[str, Any]) -> bytes:
    return build(Apdu, {"tag": tag, "body": {"tag": choice, tag: body}}, "apdu")


@dataclass
class _Incoming:
    """A SET or ACTION arriving in blocks."""

    service: str                 # "set" or "action"
    invoke: int
    targets: list                # attribute descriptors (with selection) or one method descriptor
    with_list: bool
    next_block: int = 2
    raw: bytearray = field(default_factory=bytearray)


class Services:
    """The xDLMS services of one association over the shared model."""

    def __init__(self, model: Any, association: Any) -> None:
        self.model = model
        self.association = association
        self.client_max_pdu = 0xFFFF
        self.overhead = 0        # octets protection adds around each response
        self._outgoing: list[bytes] = []   # GET blocks not yet sent
        self._outgoing_invoke = 0
        self._sent_block = 0
        self._incoming: _Incoming | None = None

    # --- GET -----------------------------------------------------------------------------

    def get(self, body: Any) -> bytes:
        kind = str(body["tag"])
        inner = body["get_request"]
        invoke = int(inner["invoke_id_and_priority"])
        if kind == "get_request_next":
            return self._next_block(invoke, int(inner["block_number"]))
        self._outgoing = []
        if kind == "get_request_normal":
            result = self._get_one(inner["cosem_attribute_descriptor"], inner["access_selection"])
            apdu = response("get_response", "get_response_normal",
                            {"invoke_id_and_priority": invoke, "result": result})
            if self._fits(apdu):
                return apdu
            raw = build(Data, result["value"], "axdr")
        else:
            results = [self._get_one(item["cosem_attribute_descriptor"], item["access_selection"])
                       for item in inner["attribute_descriptor_list"]]
            apdu = response("get_response", "get_response_with_list",
                            {"invoke_id_and_priority": invoke, "result": results})
            if self._fits(apdu):
                return apdu
            raw = build(CountedArray(GetDataResult), results, "xdlms")
        return self._first_block(invoke, raw)

    def _get_one(self, descriptor: Any, selection: Any) -> dict:
        obj, refused = self._object(descriptor)
        if refused:
            return {"tag": "data_access_result", "value": refused}
        chosen = None
        if selection is not None:
            chosen = (int(selection["access_selector"]), selection["access_parameters"])
        try:
            value = obj.get(int(descriptor["attribute_id"]), chosen, self.association)
        except Refused as e:
            return {"tag": "data_access_result", "value": e.result}
        return {"tag": "data", "value": value}

    def _object(self, descriptor: Any) -> tuple[Any, str | None]:
        name = bytes(descriptor["instance_id"])
        obj = self.model.objects.get(name)
        if obj is None:
            return None, "object_undefined"
        if obj.class_id != int(descriptor["class_id"]):
            return None, "object_class_inconsistent"
        return obj, None

    def _fits(self, apdu: bytes) -> bool:
        return len(apdu) + self.overhead <= self.client_max_pdu

    def _first_block(self, invoke: int, raw: bytes) -> bytes:
        empty = len(self._block(invoke, 1, True, b""))
        size = self.client_max_pdu - self.overhead - empty - 3   # 3: the longer length field
        if size < 1:
            return self._block_error(invoke, 1, "other_reason")
        self._outgoing = [raw[i:i + size] for i in range(0, len(raw), size)]
        self._outgoing_invoke = invoke
        self._sent_block = 0
        return self._send_block()

    def _send_block(self) -> bytes:
        chunk = self._outgoing.pop(0)
        self._sent_block += 1
        last = not self._outgoing
        return self._block(self._outgoing_invoke, self._sent_block, last, chunk)

    def _block(self, invoke: int, number: int, last: bool, chunk: bytes) -> bytes:
        return response("get_response", "get_response_with_datablock", {
            "invoke_id_and_priority": invoke,
            "result": {"last_block": last, "block_number": number,
                       "result": {"tag": "raw_data", "value": chunk}}})

    def _block_error(self, invoke: int, number: int, result: str) -> bytes:
        return response("get_response", "get_response_with_datablock", {
            "invoke_id_and_priority": invoke,
            "result": {"last_block": True, "block_number": number,
                       "result": {"tag": "data_access_result", "value": result}}})

    def _next_block(self, invoke: int, number: int) -> bytes:
        if not self._outgoing:
            return self._block_error(invoke, number, "no_long_get_in_progress")
        if number != self._sent_block:
            self._outgoing = []
            return self._block_error(invoke, number, "long_get_aborted")
        return self._send_block()

    # --- SET -----------------------------------------------------------------------------

    def set(self, body: Any) -> bytes:
        kind = str(body["tag"])
        inner = body["set_request"]
        invoke = int(inner["invoke_id_and_priority"])
        if kind == "set_request_normal":
            result = self._set_one(inner["cosem_attribute_descriptor"], inner["value"])
            return response("set_response", "set_response_normal",
                            {"invoke_id_and_priority": invoke, "result": result})
        if kind == "set_request_with_list":
            items = inner["attribute_descriptor_list"]
            values = inner["value_list"]
            if len(items) != len(values):
                results = ["type_unmatched"] * len(items)
            else:
                results = [self._set_one(item["cosem_attribute_descriptor"], value)
                           for item, value in zip(items, values, strict=True)]
            return response("set_response", "set_response_with_list",
                            {"invoke_id_and_priority": invoke, "result": results})
        if kind in ("set_request_with_first_datablock",
                    "set_request_with_list_and_first_datablock"):
            with_list = kind.endswith("list_and_first_datablock")
            targets = ([item["cosem_attribute_descriptor"]
                        for item in inner["attribute_descriptor_list"]] if with_list
                       else [inner["cosem_attribute_descriptor"]])
            self._incoming = _Incoming("set", invoke, targets, with_list)
            return self._set_block(invoke, inner["datablock"], first=True)
        return self._set_block(invoke, inner["datablock"], first=False)

    def _set_one(self, descriptor: Any, value: Any) -> str:
        obj, refused = self._object(descriptor)
        if refused:
            return refused
        try:
            obj.set(int(descriptor["attribute_id"]), clean(value), self.association)
        except Refused as e:
            return e.result
        return "success"

    def _set_block(self, invoke: int, block: Any, first: bool) -> bytes:
        number = int(block["block_number"])
        problem, done = self._gather("set", block, first)
        if problem:
            return response("set_response", "set_response_last_datablock",
                            {"invoke_id_and_priority": invoke, "result": problem,
                             "block_number": number})
        if done is None:
            return response("set_response", "set_response_datablock",
                            {"invoke_id_and_priority": invoke, "block_number": number})
        values = self._joined(done)
        if values is None:
            results = ["type_unmatched"] * len(done.targets)
        else:
            results = [self._set_one(target, value)
                       for target, value in zip(done.targets, values, strict=True)]
        if done.with_list:
            return response("set_response", "set_response_last_datablock_with_list",
                            {"invoke_id_and_priority": invoke, "result": results,
                             "block_number": number})
        return response("set_response", "set_response_last_datablock",
                        {"invoke_id_and_priority": invoke, "result": results[0],
                         "block_number": number})

    def _gather(self, service: str, block: Any, first: bool) -> tuple[str | None,
                                                                       _Incoming | None]:
        """Add a block to the SET or ACTION coming in: (the refusal, or None; the whole
        transfer once its last block is in, else None)."""
        incoming = self._incoming
        number = int(block["block_number"])
        problem = self._block_problem(incoming, service, number, first)
        if problem:
            self._incoming = None
            return problem, None
        assert incoming is not None
        incoming.raw += bytes(block["raw_data"])
        incoming.next_block = number + 1
        if not block["last_block"]:
            return None, None
        self._incoming = None
        return None, incoming

    @staticmethod
    def _joined(done: _Incoming) -> list | None:
        """The values (SET) or parameters (ACTION) of a joined transfer, one per target; None
        when they do not decode or do not match the targets."""
        try:
            if done.with_list:
                values = list(CountedArray(Data).parse(bytes(done.raw)))
            else:
                values = [fast_parse(Data, bytes(done.raw), "axdr")]
        except Exception:   # joined octets that are no A-XDR Data: refused, not raised
            return None
        return values if len(values) == len(done.targets) else None

    def _block_problem(self, incoming: _Incoming | None, service: str, number: int,
                       first: bool) -> str | None:
        if incoming is None or incoming.service != service:
            return f"no_long_{service}_in_progress"
        if number != (1 if first else incoming.next_block):
            return "data_block_number_invalid" if service == "set" else "other_reason"
        if len(incoming.raw) > MAX_JOINED:
            return f"long_{service}_aborted"
        return None

    # --- ACTION --------------------------------------------------------------------------

    def action(self, body: Any, hls: Any = None) -> bytes:
        """ACTION; ``hls`` (pass 3 pending) is the only method then allowed, on the current
        association object."""
        kind = str(body["tag"])
        inner = body["action_request"]
        invoke = int(inner["invoke_id_and_priority"])
        if kind == "action_request_normal":
            single = self._call(inner["cosem_method_descriptor"],
                                inner["method_invocation_parameters"], hls)
            return response("action_response", "action_response_normal",
                            {"invoke_id_and_priority": invoke, "single_response": single})
        if kind == "action_request_with_list":
            methods = inner["cosem_method_descriptor_list"]
            parameters = inner["method_invocation_parameters"]
            answers = [self._call(m, p, hls) for m, p in zip(methods, parameters, strict=False)]
            return response("action_response", "action_response_with_list",
                            {"invoke_id_and_priority": invoke, "list_of_responses": answers})
        if kind in ("action_request_with_first_pblock",
                    "action_request_with_list_and_first_pblock"):
            with_list = kind.endswith("list_and_first_pblock")
            targets = (list(inner["cosem_method_descriptor_list"]) if with_list
                       else [inner["cosem_method_descriptor"]])
            self._incoming = _Incoming("action", invoke, targets, with_list)
            return self._action_block(invoke, inner["pblock"], True, hls)
        if kind == "action_request_with_pblock":
            return self._action_block(invoke, inner["pblock"], False, hls)
        # action-request-next-pblock: no long action response is ever sent
        return response("action_response", "action_response_normal", {
            "invoke_id_and_priority": invoke,
            "single_response": {"result": "no_long_action_in_progress",
                                "return_parameters": None}})

    def _action_block(self, invoke: int, block: Any, first: bool, hls: Any) -> bytes:
        number = int(block["block_number"])
        problem, done = self._gather("action", block, first)
        if problem:
            return response("action_response", "action_response_normal", {
                "invoke_id_and_priority": invoke,
                "single_response": {"result": problem, "return_parameters": None}})
        if done is None:
            return response("action_response", "action_response_next_pblock",
                            {"invoke_id_and_priority": invoke, "block_number": number})
        parameters = self._joined(done)
        if parameters is None:
            answers = [{"result": "type_unmatched", "return_parameters": None}
                       for _ in done.targets]
        else:
            answers = [self._call(m, p, hls)
                       for m, p in zip(done.targets, parameters, strict=True)]
        if done.with_list:
            return response("action_response", "action_response_with_list",
                            {"invoke_id_and_priority": invoke, "list_of_responses": answers})
        return response("action_response", "action_response_normal",
                        {"invoke_id_and_priority": invoke, "single_response": answers[0]})

    def _call(self, descriptor: Any, parameters: Any, hls: Any) -> dict:
        obj, refused = self._object(descriptor)
        if refused:
            return {"result": refused, "return_parameters": None}
        method = int(descriptor["method_id"])
        parameters = clean(parameters) if parameters is not None else None
        try:
            if hls is not None:   # HLS pending: reply_to_HLS_authentication, nothing else
                if obj.class_id != 15 or method != 1:
                    raise Refused("read_write_denied")
                value = hls(parameters)
            else:
                value = obj.action(method, parameters, self.association)
        except Refused as e:
            return {"result": e.result, "return_parameters": None}
        returned = None if value is None else {"tag": "data", "value": value}
        return {"result": "success", "return_parameters": returned}
