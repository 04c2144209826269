"""What one association has said about its objects, so later responses read as values.

A GET response names no object: only its request does, by invoke id. ``Knowledge`` remembers
each request's COSEM attribute descriptor (and selective access) until its response comes, then
ties the response to it (``Record.target``) and learns from what was read:

* a Register's or Extended register's ``scaler_unit`` (attribute 3) scales later ``value``
  (attribute 2) responses of the same OBIS (``Record.scaler_unit``);
* a Profile generic's ``capture_objects`` (attribute 3) names the columns of a later ``buffer``
  (attribute 2) of the same OBIS, with the scaler-units of the registers among them that were
  read in this association (``Record.columns``).

Only what the association itself showed counts (Blue Book: a scaler-unit belongs to the object
of the logical device the client is associated with). Memory is bounded per association.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import DecodeError
from ..schema._core import parse
from ..schema.axdr import Data
from ..schema.xdlms import invoke_id_and_priority_bits
from .records import find_field, invoke_id_of

__all__ = ["Column", "Knowledge", "Target"]

_REGISTERS = frozenset({3, 4})   # Register, Extended register: value 2, scaler_unit 3
_PROFILE = 7                     # Profile generic: buffer 2, capture_objects 3
_MAX = 1024
_MAX_JOINED = 64 << 20           # octets of one block transfer kept for joining


@dataclass(frozen=True, slots=True)
class Target:
    """The attribute a request asked for: class id, OBIS (6 octets), attribute id, and the
    selective access (selector, parameters tree) when there was one."""

    class_id: int
    obis: bytes
    attribute: int
    selector: int | None = None
    parameters: Any = None


@dataclass(frozen=True, slots=True)
class Column:
    """One capture object of a Profile generic: its attribute and the scaler-unit known for it."""

    class_id: int
    obis: bytes
    attribute: int
    data_index: int = 0
    scaler_unit: Any = None


class Knowledge:
    """Requests waiting for their response, scaler-units and capture objects of one association."""

    def __init__(self) -> None:
        self._asked: OrderedDict[int, Target] = OrderedDict()
        self.scaler_units: OrderedDict[bytes, Any] = OrderedDict()
        self.capture_objects: OrderedDict[bytes, list[Column]] = OrderedDict()
        self._blocks: dict[int, tuple[Target, bytearray]] = {}  # datablocks being joined

    def learn(self, record: Any, apdu: Any) -> None:
        """One APDU of the association in clear: a GET request is remembered, a GET response
        tied to it (``record`` gets what ``response`` fills in); anything else teaches nothing."""
        name = str(apdu.get("tag")) if isinstance(apdu, Mapping) else ""
        if name not in ("get_request", "get_response"):
            return
        octet = invoke_id_of(apdu)
        invoke = None if octet is None else invoke_id_and_priority_bits(octet)["invoke_id"]
        if name == "get_request":
            self.request(apdu, invoke)
        else:
            self.response(record, apdu, invoke)

    def request(self, apdu: Any, invoke: int | None) -> None:
        """A GET request: remember its descriptor under its invoke id."""
        target = target_of(apdu)
        if target is None or invoke is None:
            return
        self._asked[invoke] = target
        self._asked.move_to_end(invoke)
        if len(self._asked) > _MAX:
            self._asked.popitem(last=False)

    def response(self, record: Any, apdu: Any, invoke: int | None) -> None:
        """A GET response: tie it to its request, learn from it, give it what scales it."""
        block = find_field(apdu, "block_number", 4)
        if block is not None:
            target, data = self._block(apdu, invoke)
            record.target = target
            if data is None:
                return
        else:
            target = self._asked.pop(invoke, None) if invoke is not None else None
            if target is None:
                return
            record.target = target
            data = response_data(apdu)
            if data is None:
                return
        record.value = data
        if target.class_id in _REGISTERS:
            if target.attribute == 3:
                _remember(self.scaler_units, target.obis, data)
            elif target.attribute == 2:
                record.scaler_unit = self.scaler_units.get(target.obis)
        elif target.class_id == _PROFILE:
            if target.attribute == 3:
                _remember(self.capture_objects, target.obis, capture_columns(data))
            elif target.attribute == 2:
                known = self.capture_objects.get(target.obis)
                if known is not None:
                    record.columns = [_scaled(c, self.scaler_units) for c in
                                      selected(known, target)]


    def _block(self, apdu: Any, invoke: int | None) -> tuple[Target | None, Any]:
        """One GET-Response-With-Datablock: its raw data appended to the ones before; returns
        the request's target and, on the last block, the ``Data`` the blocks make together
        (None until then, or when they are no Data)."""
        if invoke is None:
            return None, None
        if invoke in self._asked:  # the first block answers the request
            self._blocks[invoke] = (self._asked.pop(invoke), bytearray())
        if invoke not in self._blocks:
            return None, None
        target, joined = self._blocks[invoke]
        result = find_field(apdu, "result", 4)
        raw = result.get("result") if isinstance(result, Mapping) else None
        if not isinstance(raw, Mapping) or str(raw.get("tag")) != "raw_data":
            del self._blocks[invoke]  # a data-access-result ends the transfer
            return target, None
        joined += bytes(raw.get("value") or b"")
        if len(joined) > _MAX_JOINED:
            del self._blocks[invoke]
            return target, None
        if not result.get("last_block"):
            return target, None
        del self._blocks[invoke]
        try:
            return target, parse(Data, bytes(joined), "axdr")
        except DecodeError:  # octets that are no Data: nothing learnt, no value
            return target, None


def target_of(apdu: Any) -> Target | None:
    """The attribute a GET-Request-Normal asks for (with its selective access), or None."""
    if not isinstance(apdu, Mapping) or str(apdu.get("tag")) not in ("get_request",):
        return None
    desc = find_field(apdu, "cosem_attribute_descriptor", 4)
    if not isinstance(desc, Mapping) or "attribute_id" not in desc:
        return None
    access = find_field(apdu, "access_selection", 4)
    selector = parameters = None
    if isinstance(access, Mapping):
        selector, parameters = access.get("access_selector"), access.get("access_parameters")
    return Target(int(desc["class_id"]), bytes(desc["instance_id"]), int(desc["attribute_id"]),
                  None if selector is None else int(selector), parameters)


def response_data(apdu: Any) -> Any:
    """The ``Data`` of a GET-Response-Normal (or of blocks joined into one), or None."""
    if not isinstance(apdu, Mapping) or str(apdu.get("tag")) != "get_response":
        return None
    result = find_field(apdu, "result", 4)
    if isinstance(result, Mapping) and str(result.get("tag")) == "data":
        value = result.get("value")
        if isinstance(value, Mapping) and "tag" in value:
            return value
    return None


def capture_columns(data: Mapping[str, Any]) -> list[Column]:
    """``capture_objects``: array of structure {class_id, logical_name, attribute_index,
    data_index} (Blue Book, Profile generic attribute 3); items of another shape are skipped
    (a meter's reply is input like any other)."""
    out = []
    for item in _items(data):
        fields = [f.get("value") for f in _items(item)]
        if len(fields) >= 3 and _numbers(fields[0], fields[2], *fields[3:4]) \
                and isinstance(fields[1], (bytes, bytearray)):
            out.append(Column(int(fields[0]), bytes(fields[1]), int(fields[2]),
                              int(fields[3]) if len(fields) > 3 else 0))
    return out


def selected(columns: list[Column], target: Target) -> list[Column]:
    """The columns a by-entry read (selector 2) chose: from_selected_value..to_selected_value,
    1-based, 0 for the last (Blue Book, entry_descriptor); every column otherwise."""
    if target.selector != 2 or not isinstance(target.parameters, Mapping):
        return columns
    fields = [f.get("value") for f in _items(target.parameters)]
    if len(fields) < 4 or not _numbers(fields[2], fields[3]):
        return columns
    first, last = int(fields[2] or 1), int(fields[3] or 0)
    return columns[max(first, 1) - 1:last or None]


def _items(data: Any) -> list[Mapping[str, Any]]:
    """The tagged items of an array or structure ``Data``; none for anything else."""
    value = data.get("value") if isinstance(data, Mapping) else None
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _scaled(column: Column, scaler_units: Mapping[bytes, Any]) -> Column:
    if column.class_id in _REGISTERS and column.attribute == 2 and column.obis in scaler_units:
        return Column(column.class_id, column.obis, column.attribute, column.data_index,
                      scaler_units[column.obis])
    return column


def _remember(table: OrderedDict, key: bytes, value: Any) -> None:
    """``table[key] = value``, the oldest entry dropped past ``_MAX`` (memory stays bounded)."""
    table[key] = value
    table.move_to_end(key)
    if len(table) > _MAX:
        table.popitem(last=False)
    table.move_to_end(key)
    if len(table) > _MAX:
        table.popitem(last=False)


class _Seen:
    """What ``Knowledge.response`` fills in, for inputs that are no capture records."""

    __slots__ = ("columns", "scaler_unit", "target", "value")

    def __init__(self) -> None:
        self.target = self.scaler_unit = self.columns = self.value = None


def buffers_in(apdus: Any) -> Any:
    """``(data, columns, target)`` for each profile generic buffer among decoded APDUs in order
    (``dlms decode --to csv``): responses to attribute 2 of class 7, named by capture objects
    the same input read before; an array of structures answering no request seen has no target
    and no columns (``col1``..)."""
    knowledge = Knowledge()
    for apdu in apdus:
        seen = _Seen()
        knowledge.learn(seen, apdu)
        data = profile_buffer(seen.target, seen.value, apdu)
        if data is not None:
            yield data, seen.columns, seen.target


def profile_buffer(target: Target | None, value: Any, apdu: Any) -> Any:
    """The profile generic buffer a GET response carries (``value``: its Data joined from
    datablocks, if so), when it answered attribute 2 of class 7 or a request not seen: an array
    of structures; None otherwise."""
    from ..views.csvview import is_buffer

    if target is not None and (target.class_id, target.attribute) != (_PROFILE, 2):
        return None
    data = value if value is not None else response_data(apdu)
    return data if data is not None and is_buffer(data) else None
