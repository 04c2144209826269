"""What every COSEM object of the simulator shares, and the Data class (1).

Each class (here and in ``registers``, ``clock``, ``profile``, ``association_ln``, ``device``)
reads its options from its model table (``translator.simulator.tables.Table``), keeps its
attribute values as the A-XDR ``Data`` trees the schemas build, and answers GET, SET and ACTION.
A refusal is a ``Refused`` carrying the Data-Access-Result (or Action-Result) name the
association puts in its response. Values written by SET keep their type: a value of another type
is refused (type-unmatched), as a meter does.
"""

from __future__ import annotations

from typing import Any

from ..client.values import ValueSpecError, data_tree
from ..schema._core import build
from ..schema.axdr import Data as DataSchema
from ..tables import load_json
from .tables import Table

__all__ = ["ACCESS_MODES", "CosemObject", "Data", "Refused", "clean", "plain_tag", "structure",
           "tree", "typed", "unit_code"]

ACCESS_MODES = {"no_access": 0, "read_only": 1, "write_only": 2, "read_write": 3}
"""Association LN attribute access modes (Blue Book 4.4.3, version 2 numbering)."""



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
