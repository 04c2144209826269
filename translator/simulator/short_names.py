"""Short-name referencing: ReadRequest / WriteRequest on base names, answered from the model.

Every object has a base name (its model ``base_name``, else 0x1000 + 0x100 * its place in the
model; the association object is the Association SN at 0xFA00, class 12), and attribute ``n`` is
the variable name base + 8 * (n - 1), as the Green Book lays SN objects out. Reads may carry a
parameterized access (selective access by range or entry) and go out in data blocks
(read-response data-block-result, asked for with block-number-access) when longer than the
client's max PDU. Methods are not reachable by short name here.
"""

from __future__ import annotations

from typing import Any

from ..schema._core import build
from ..schema.apdu import Apdu
from ..schema.axdr import Data
from ..schema.sn import ReadResponse
from .objects import CosemObject, Refused, clean, structure, tree

__all__ = ["ASSOCIATION_SN", "ShortNames", "base_names"]

ASSOCIATION_SN = 0xFA00
FIRST_BASE_NAME = 0x1000
STEP = 0x100


def base_names(model: Any) -> dict[int, CosemObject]:
    """Base name -> object, the association object at 0xFA00."""
    names: dict[int, CosemObject] = {}
    for n, obj in enumerate(model.objects.values()):
        if obj.class_id == 15:
            base = ASSOCIATION_SN
        else:
            base = obj.base_name if obj.base_name is not None else FIRST_BASE_NAME + STEP * n
        names[base] = obj
    return names


def _signed(value: int) -> int:
    return value - 0x10000 if value & 0x8000 else value


class ShortNames:
    """The SN services of one association."""

    def __init__(self, model: Any, association: Any) -> None:
        self.model = model
        self.association = association
        self.names = base_names(model)
        self.client_max_pdu = 0xFFFF
        self.overhead = 0
        self._blocks: list[bytes] = []
        self._sent = 0

    def _resolve(self, name: int) -> tuple[CosemObject, int]:
        for base, obj in self.names.items():
            offset = name - base
            if 0 <= offset < 8 * max(obj.attributes) and offset % 8 == 0:
                return obj, offset // 8 + 1
        raise Refused("object_undefined")

    def _object_list(self) -> dict:
        return tree("array", [structure(
            tree("long", _signed(base)), tree("long_unsigned", 12 if obj.class_id == 15
                                              else obj.class_id),
            tree("unsigned", obj.version), tree("octet_string", obj.logical_name))
            for base, obj in self.names.items()])

    def _read_one(self, spec: Any) -> dict:
        kind = str(spec["tag"])
        value = spec["value"]
        try:
            if kind == "variable_name":
                name, selection = int(value), None
            elif kind == "parameterized_access":
                name = int(value["variable_name"])
                selection = (int(value["selector"]), clean(value["parameter"]))
            else:
                raise Refused("object_undefined")
            obj, attribute = self._resolve(name)
            if obj.class_id == 15 and attribute == 2 and selection is None:
                return {"tag": "data", "value": self._object_list()}
            return {"tag": "data", "value": obj.get(attribute, selection, self.association)}
        except Refused as e:
            return {"tag": "data_access_error", "value": e.result}

    def read(self, body: Any) -> bytes:
        specs = list(body)
        if len(specs) == 1 and str(specs[0]["tag"]) == "block_number_access":
            number = int(specs[0]["value"]["block_number"])
            if not self._blocks or number != self._sent:
                self._blocks = []
                return self._response([{"tag": "data_access_error",
                                        "value": "data_block_number_invalid"}])
            return self._next_block()
        self._blocks = []
        results = [self._read_one(spec) for spec in specs]
        apdu = self._response(results)
        if len(apdu) + self.overhead <= self.client_max_pdu:
            return apdu
        if len(results) == 1 and results[0]["tag"] == "data":
            raw = build(Data, results[0]["value"], "axdr")
        else:
            raw = build(ReadResponse, results, "sn")
        empty = len(self._block(1, True, b""))
        size = max(1, self.client_max_pdu - self.overhead - empty - 3)
        self._blocks = [raw[i:i + size] for i in range(0, len(raw), size)]
        self._sent = 0
        return self._next_block()

    def _next_block(self) -> bytes:
        chunk = self._blocks.pop(0)
        self._sent += 1
        return self._block(self._sent, not self._blocks, chunk)

    def _block(self, number: int, last: bool, chunk: bytes) -> bytes:
        return self._response([{"tag": "data_block_result", "value": {
            "last_block": last, "block_number": number, "raw_data": chunk}}])

    @staticmethod
    def _response(results: list) -> bytes:
        return build(Apdu, {"tag": "read_response", "body": results}, "apdu")

    def write(self, body: Any) -> bytes:
        specs = body["variable_access_specification"]
        values = body["list_of_data"]
        results = []
        for spec, value in zip(specs, values, strict=False):
            try:
                if str(spec["tag"]) != "variable_name":
                    raise Refused("object_undefined")
                obj, attribute = self._resolve(int(spec["value"]))
                obj.set(attribute, clean(value), self.association)
                results.append({"tag": "success", "value": None})
            except Refused as e:
                results.append({"tag": "data_access_error", "value": e.result})
        results += [{"tag": "data_access_error", "value": "type_unmatched"}] * (
            len(specs) - len(results))
        return build(Apdu, {"tag": "write_response", "body": results}, "apdu")
