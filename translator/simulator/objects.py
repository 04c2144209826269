"""COSEM interface classes as the simulator serves them: attributes as ``Data`` trees, methods.

Each class reads its options from its model table (``translator.simulator.tables.Table``),
keeps its attribute values as the A-XDR ``Data`` trees the schemas build, and answers GET, SET
and ACTION. A refusal is a ``Refused`` carrying the Data-Access-Result (or Action-Result) name
the association puts in its response. Values written by SET keep their type: a value of another
type is refused (type-unmatched), as a meter does.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..client.values import ValueSpecError, data_tree
from ..client.views import date_time_octets
from ..schema._core import build
from ..schema.axdr import Data as DataSchema
from ..tables import load_json
from .tables import Table

__all__ = ["ACCESS_MODES", "CLASSES", "CosemObject", "Refused"]

ACCESS_MODES = {"no_access": 0, "read_only": 1, "write_only": 2, "read_write": 3}
"""Association LN attribute access modes (Blue Book 4.4.3, version 2 numbering)."""

UTC = _dt.UTC


class Refused(Exception):
    """A GET, SET or ACTION the object refuses; ``result`` is the Data-Access-Result name."""

    def __init__(self, result: str) -> None:
        super().__init__(result)
        self.result = result


def tree(tag: str, value: Any) -> dict[str, Any]:
    """A ``Data`` tree node."""
    return {"tag": tag, "value": value}


def structure(*items: dict) -> dict[str, Any]:
    return tree("structure", list(items))


def typed(table: Table, key: str, default: dict | None = None) -> dict | None:
    """A typed value of the model (``{long_unsigned = 5}``) as a ``Data`` tree."""
    spec = table.take(key, dict, None)
    if spec is None:
        return default
    try:
        value = data_tree(spec)
        build(DataSchema, value, "axdr")   # out-of-range values are refused here, not when served
    except ValueSpecError as e:
        raise table.error(key, str(e)) from None
    except Exception as e:
        raise table.error(key, f"{spec!r} does not fit its type ({e})") from None
    return value


def unit_code(table: Table, key: str = "unit") -> int:
    """A unit given as its Blue Book code (30) or symbol ("Wh")."""
    value = table.take(key, (int, str), 255)
    if isinstance(value, int):
        return value
    units = load_json("classes.json")["units"]
    for code, symbol in units.items():
        if symbol == value:
            return int(code)
    raise table.error(key, f"unknown unit {value!r} (give its code or a Blue Book symbol)")


class CosemObject:
    """One object: class id, version, logical name, stored attributes and access rights."""

    class_id = 0
    version = 0
    kind = ""
    attributes: tuple[int, ...] = (1,)      # attribute ids the class serves
    writable: tuple[int, ...] = ()          # read-write by default
    methods: tuple[int, ...] = ()

    def __init__(self, logical_name: bytes, table: Table, model: Any) -> None:
        self.logical_name = logical_name
        self.model = model
        self.values: dict[int, dict] = {1: tree("octet_string", logical_name)}
        self.access = {a: ("read_write" if a in self.writable else "read_only")
                       for a in self.attributes}
        self.base_name = table.take("base_name", int, None,
                                    check=lambda v: None if 0 <= v < 0xFA00 and v % 8 == 0
                                    else "a multiple of 8 below 0xFA00")
        self.configure(table)
        rights = table.take("access", dict, {})
        for key, mode in rights.items():
            if not str(key).isdigit() or int(key) not in self.attributes:
                raise table.error("access", f"attribute {key} is not one of class "
                                  f"{self.kind}'s ({', '.join(map(str, self.attributes))})")
            if mode not in ACCESS_MODES:
                raise table.error("access", f"{mode!r} is not one of {', '.join(ACCESS_MODES)}")
            self.access[int(key)] = mode

    def configure(self, table: Table) -> None:
        """Read the class's own options."""

    def link(self, table: Table) -> None:
        """Resolve references to other objects once the whole model is read."""

    # --- services ----------------------------------------------------------------------------

    def get(self, attribute: int, selection: tuple[int, Any] | None, association: Any) -> dict:
        if attribute not in self.attributes:
            raise Refused("object_undefined")
        if self.access.get(attribute) in ("no_access", "write_only"):
            raise Refused("read_write_denied")
        if selection is not None:
            return self.select(attribute, selection)
        return self.read(attribute, association)

    def read(self, attribute: int, association: Any) -> dict:
        try:
            return self.values[attribute]
        except KeyError:
            raise Refused("object_unavailable") from None

    def select(self, attribute: int, selection: tuple[int, Any]) -> dict:
        raise Refused("read_write_denied")

    def set(self, attribute: int, value: dict, association: Any) -> None:
        if attribute not in self.attributes:
            raise Refused("object_undefined")
        if self.access.get(attribute) not in ("read_write", "write_only"):
            raise Refused("read_write_denied")
        self.write(attribute, value)

    def write(self, attribute: int, value: dict) -> None:
        old = self.values.get(attribute)
        if old is not None and str(old["tag"]) != str(value["tag"]):
            raise Refused("type_unmatched")
        self.values[attribute] = clean(value)

    def action(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        if method not in self.methods:
            raise Refused("object_undefined")
        return self.call(method, parameters, association)

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        raise Refused("object_undefined")


def clean(value: Any) -> Any:
    """A decoded tree without spans and computed fields, ready to be built again."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def plain_tag(value: Any) -> str:
    return str(value["tag"])


class Data(CosemObject):
    class_id, kind = 1, "data"
    attributes, writable = (1, 2), (2,)

    def configure(self, table: Table) -> None:
        self.values[2] = typed(table, "value", tree("null_data", None))


class Register(CosemObject):
    class_id, kind = 3, "register"
    attributes, writable, methods = (1, 2, 3), (2,), (1,)

    def configure(self, table: Table) -> None:
        self.values[2] = typed(table, "value", tree("double_long_unsigned", 0))
        scaler = table.take("scaler", int, 0, check=lambda v: None if -128 <= v <= 127
                            else "a scaler is -128..127")
        self.values[3] = structure(tree("integer", scaler), tree("enum", unit_code(table)))

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        self.values[2] = tree(plain_tag(self.values[2]), 0)   # reset
        return None


class ExtendedRegister(Register):
    class_id, kind = 4, "extended_register"
    attributes, writable, methods = (1, 2, 3, 4, 5), (2,), (1,)

    def configure(self, table: Table) -> None:
        super().configure(table)
        self.values[4] = typed(table, "status", tree("unsigned", 0))
        self.values[5] = tree("octet_string", self.model.now_octets())

    def write(self, attribute: int, value: dict) -> None:
        super().write(attribute, value)
        self.values[5] = tree("octet_string", self.model.now_octets())

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        super().call(method, parameters, association)
        self.values[5] = tree("octet_string", self.model.now_octets())
        return None


class DemandRegister(CosemObject):
    class_id, kind = 5, "demand_register"
    attributes, writable, methods = (1, 2, 3, 4, 5, 6, 7, 8, 9), (2, 8, 9), (1, 2)

    def configure(self, table: Table) -> None:
        self.values[2] = typed(table, "value", tree("double_long_unsigned", 0))
        self.values[3] = typed(table, "last_average_value", tree(plain_tag(self.values[2]), 0))
        scaler = table.take("scaler", int, 0)
        self.values[4] = structure(tree("integer", scaler), tree("enum", unit_code(table)))
        self.values[5] = typed(table, "status", tree("unsigned", 0))
        now = self.model.now_octets()
        self.values[6] = tree("octet_string", now)
        self.values[7] = tree("octet_string", now)
        self.values[8] = tree("double_long_unsigned", table.take("period", int, 900))
        self.values[9] = tree("long_unsigned", table.take("number_of_periods", int, 1))

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        now = self.model.now_octets()
        if method == 2:   # next_period: the current average becomes the last one
            self.values[3] = dict(self.values[2])
            self.values[6] = tree("octet_string", now)
        self.values[2] = tree(plain_tag(self.values[2]), 0)
        self.values[7] = tree("octet_string", now)
        return None


class Clock(CosemObject):
    """The simulator's clock: the system clock plus an offset that SET and the methods move."""

    class_id, kind = 8, "clock"
    attributes, writable, methods = (1, 2, 3, 4, 5, 6, 7, 8, 9), (2, 3, 5, 6, 7, 8, 9), (1, 3, 6)

    def configure(self, table: Table) -> None:
        self.offset = _dt.timedelta(0)
        self.values[3] = tree("long", table.take("time_zone", int, 0))
        self.values[4] = tree("unsigned", 0)
        never = bytes.fromhex("FFFFFFFFFFFFFFFFFF800000")   # not specified
        self.values[5] = tree("octet_string", never)
        self.values[6] = tree("octet_string", never)
        self.values[7] = tree("integer", 60)
        self.values[8] = tree("boolean", 0)
        self.values[9] = tree("enum", 1)   # clock base: internal crystal
        self.model.clock = self

    def now(self) -> _dt.datetime:
        """The meter's time (UTC)."""
        return self.model.system_now() + self.offset

    def local(self) -> _dt.datetime:
        minutes = int(self.values[3]["value"])
        return self.now().astimezone(_dt.timezone(-_dt.timedelta(minutes=minutes)))

    def read(self, attribute: int, association: Any) -> dict:
        if attribute == 2:
            return tree("octet_string", date_time_octets(self.local()))
        return super().read(attribute, association)

    def write(self, attribute: int, value: dict) -> None:
        if attribute != 2:
            super().write(attribute, value)
            return
        moment = self.model.date_time(value)
        if moment is None:
            raise Refused("type_unmatched")
        self.offset = moment - self.model.system_now()

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        now = self.now()
        if method == 1:   # adjust_to_quarter
            base = now.replace(second=0, microsecond=0)
            minutes = 15 * round((now - base.replace(minute=0)).total_seconds() / 900)
            target = base.replace(minute=0) + _dt.timedelta(minutes=minutes)
        elif method == 3:   # adjust_to_minute
            target = (now + _dt.timedelta(seconds=30)).replace(second=0, microsecond=0)
        else:   # shift_time by a long number of seconds (-900..900)
            if parameters is None or plain_tag(parameters) != "long":
                raise Refused("type_unmatched")
            target = now + _dt.timedelta(seconds=int(parameters["value"]))
        self.offset += target - now
        return None


class SecuritySetup(CosemObject):
    class_id, version, kind = 64, 1, "security_setup"
    attributes, writable, methods = (1, 2, 3, 4, 5), (), (1,)

    def configure(self, table: Table) -> None:
        self.values[2] = tree("enum", table.take("security_policy", int, 0))
        self.values[3] = tree("enum", table.take("security_suite", int, 0))

    def read(self, attribute: int, association: Any) -> dict:
        if attribute == 4:
            return tree("octet_string", association.client_system_title or b"")
        if attribute == 5:
            return tree("octet_string", self.model.system_title)
        return super().read(attribute, association)

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        if parameters is None or plain_tag(parameters) != "enum":
            raise Refused("type_unmatched")
        self.values[2] = tree("enum", int(parameters["value"]))   # security_activate
        return None


class ImageTransfer(CosemObject):
    """Image transfer steps: initiate, block transfer, verify, activate (no real image)."""

    class_id, kind = 18, "image_transfer"
    attributes, writable, methods = (1, 2, 3, 4, 5, 6, 7), (5,), (1, 2, 3, 4)

    def configure(self, table: Table) -> None:
        self.block_size = table.take("image_block_size", int, 192)
        self.values[2] = tree("double_long_unsigned", self.block_size)
        self.values[5] = tree("boolean", 1)
        self._reset(b"", 0)

    def _reset(self, identifier: bytes, size: int) -> None:
        self.identifier, self.size = identifier, size
        self.blocks: dict[int, bytes] = {}
        self.status = 1 if identifier else 0   # 1 image transfer initiated

    def read(self, attribute: int, association: Any) -> dict:
        count = -(-self.size // self.block_size) if self.size else 0
        if attribute == 3:
            bits = "".join("1" if n in self.blocks else "0" for n in range(count))
            return data_tree({"bit_string": bits})
        if attribute == 4:
            missing = [n for n in range(count) if n not in self.blocks]
            return tree("double_long_unsigned", missing[0] if missing else count)
        if attribute == 6:
            return tree("enum", self.status)
        if attribute == 7:
            items = [] if not self.identifier else [structure(
                tree("double_long_unsigned", self.size), tree("octet_string", self.identifier),
                tree("octet_string", b""))]
            return tree("array", items)
        return super().read(attribute, association)

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        if method in (1, 2):
            if (parameters is None or plain_tag(parameters) != "structure"
                    or len(parameters["value"]) != 2):
                raise Refused("type_unmatched")
            first, second = parameters["value"]
            if method == 1:
                self._reset(bytes(first["value"]), int(second["value"]))
                return None
            if not self.identifier:
                raise Refused("temporary_failure")
            self.blocks[int(first["value"])] = bytes(second["value"])
            self.status = 2 if len(self.blocks) * self.block_size < self.size else 1
            return None
        if method == 3:   # verify
            complete = sum(map(len, self.blocks.values())) >= self.size > 0
            self.status = 3 if complete else 4   # verification successful / failed
            if not complete:
                raise Refused("other_reason")
            return None
        if self.status not in (3, 6):   # activate needs a verified image
            raise Refused("temporary_failure")
        self.status = 6   # activation successful
        return None


class DisconnectControl(CosemObject):
    class_id, kind = 70, "disconnect_control"
    attributes, writable, methods = (1, 2, 3, 4), (4,), (1, 2)

    def configure(self, table: Table) -> None:
        connected = table.take("connected", bool, True)
        self.values[2] = tree("boolean", 1 if connected else 0)
        self.values[3] = tree("enum", 1 if connected else 0)
        self.values[4] = tree("enum", table.take("control_mode", int, 1))

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        connect = method == 2
        self.values[2] = tree("boolean", 1 if connect else 0)
        self.values[3] = tree("enum", 1 if connect else 0)
        return None


CLASSES: dict[str, Any] = {cls.kind: cls for cls in (
    Data, Register, ExtendedRegister, DemandRegister, Clock, SecuritySetup, ImageTransfer,
    DisconnectControl)}
"""Model ``class`` name -> class (``translator.simulator.model`` adds profile_generic and
association_ln, which live in modules of their own)."""
