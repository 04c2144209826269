"""Profile generic (class 7, version 1): capture objects, rows generated or listed, and the
selective access by range (selector 1) and by entry (selector 2) a head-end uses to read them.

Rows are kept as ``Data`` trees (one structure per entry) so GET hands them to the schema as
they are; a date-time column holds the 12 octets ``translator.client.views.date_time_octets``
builds, the others the type of the captured attribute.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..client.views import date_time_octets
from ..cosem.obis import ObisCode
from .objects import CosemObject, Refused, plain_tag, structure, tree
from .tables import Table

__all__ = ["ProfileGeneric"]

MAX_ENTRIES = 100_000
"""Rows a model may ask for (they are kept in memory)."""


class ProfileGeneric(CosemObject):
    class_id, version, kind = 7, 1, "profile_generic"
    attributes, writable, methods = (1, 2, 3, 4, 5, 6, 7, 8), (4,), (1, 2)

    def configure(self, table: Table) -> None:
        self.capture_specs = table.take("capture_objects", list)
        self.values[4] = tree("double_long_unsigned", table.take("capture_period", int, 0))
        self.values[5] = tree("enum", 1)   # sort method fifo
        self.values[6] = structure(tree("long_unsigned", 0), tree("octet_string", bytes(6)),
                                   tree("integer", 0), tree("long_unsigned", 0))
        self.limit = table.take("profile_entries", int, MAX_ENTRIES,
                                check=lambda v: None if 1 <= v <= MAX_ENTRIES
                                else f"1..{MAX_ENTRIES} entries")
        self.rows: list[dict] = []

    def link(self, table: Table) -> None:
        """Resolve the capture objects against the model, then make or read the rows."""
        self.columns: list[tuple[CosemObject, int]] = []
        for spec in self.capture_specs:
            name, _, attribute = str(spec).partition(":")
            try:
                code = bytes(ObisCode(name))
            except ValueError:
                raise table.error("capture_objects", f"{spec!r} is not OBIS:attribute") from None
            target = self.model.objects.get(code)
            if target is None:
                raise table.error("capture_objects", f"{name} is not an object of this model")
            attr = int(attribute) if attribute.isdigit() else 2
            if attr not in target.attributes:
                raise table.error("capture_objects", f"{spec!r}: class {target.kind} has no "
                                  f"attribute {attr}")
            self.columns.append((target, attr))
        self.values[3] = tree("array", [structure(
            tree("long_unsigned", obj.class_id), tree("octet_string", obj.logical_name),
            tree("integer", attr), tree("long_unsigned", 0)) for obj, attr in self.columns])
        if isinstance(table.mapping.get("rows"), list):
            listed = table.take("rows", list)
            self.rows = [self._listed(table, n, row) for n, row in enumerate(listed)]
            return
        rule = table.sub("rows")
        if rule is not None:
            self.rows = self._generated(rule)
            rule.done()

    # --- rows ----------------------------------------------------------------------------------

    def _is_time(self, column: tuple[CosemObject, int]) -> bool:
        obj, attr = column
        return obj.class_id == 8 and attr == 2

    def _typed(self, column: tuple[CosemObject, int], value: Any) -> dict:
        obj, attr = column
        if self._is_time(column):
            return tree("octet_string", date_time_octets(value))
        current = obj.values.get(attr)
        tag = plain_tag(current) if current is not None else "double_long_unsigned"
        return tree(tag, value)

    def _generated(self, rule: Table) -> list[dict]:
        start = rule.take("start", _dt.datetime)
        if start.tzinfo is None:
            start = start.replace(tzinfo=_dt.UTC)
        entries = rule.take("entries", int, check=lambda v: None if 0 <= v <= self.limit
                            else f"0..{self.limit} entries")
        first, step = rule.take("first", dict, {}), rule.take("step", dict, {})
        period = _dt.timedelta(seconds=int(self.values[4]["value"]) or 900)
        names = {ObisCode(obj.logical_name).dotted(): (obj, attr) for obj, attr in self.columns}
        for key, table_ in (("first", first), ("step", step)):
            for name in table_:
                if name not in names:
                    raise rule.error(key, f"{name} is not a capture object of this profile")
        rows = []
        for n in range(entries):
            cells = []
            for column in self.columns:
                if self._is_time(column):
                    cells.append(self._typed(column, start + n * period))
                    continue
                name = ObisCode(column[0].logical_name).dotted()
                cells.append(self._typed(column, first.get(name, 0) + n * step.get(name, 0)))
            rows.append(tree("structure", cells))
        return rows

    def _listed(self, table: Table, n: int, row: Any) -> dict:
        if not isinstance(row, list) or len(row) != len(self.columns):
            raise table.error("rows", f"row {n + 1} must list {len(self.columns)} values")
        cells = []
        for column, value in zip(self.columns, row, strict=True):
            if self._is_time(column) != isinstance(value, _dt.datetime):
                raise table.error("rows", f"row {n + 1}: {value!r} does not fit its column")
            if isinstance(value, _dt.datetime) and value.tzinfo is None:
                value = value.replace(tzinfo=_dt.UTC)
            cells.append(self._typed(column, value))
        return tree("structure", cells)

    def capture(self) -> None:
        row = tree("structure", [obj.read(attr, None) if not self._is_time((obj, attr))
                                 else obj.read(2, None) for obj, attr in self.columns])
        self.rows.append(row)
        del self.rows[:-self.limit]

    # --- services -----------------------------------------------------------------------------

    def read(self, attribute: int, association: Any) -> dict:
        if attribute == 2:
            return tree("array", self.rows)
        if attribute == 7:
            return tree("double_long_unsigned", len(self.rows))
        if attribute == 8:
            return tree("double_long_unsigned", self.limit)
        return super().read(attribute, association)

    def select(self, attribute: int, selection: tuple[int, Any]) -> dict:
        selector, parameters = selection
        if attribute != 2 or selector not in (1, 2) or plain_tag(parameters) != "structure":
            raise Refused("read_write_denied")
        items = parameters["value"]
        if selector == 1:
            return self._by_range(items)
        return self._by_entry(items)

    def _by_range(self, items: list) -> dict:
        if len(items) < 3:
            raise Refused("type_unmatched")
        restricting = items[0]["value"]
        name = bytes(restricting[1]["value"])
        column = next((i for i, (obj, attr) in enumerate(self.columns)
                       if obj.logical_name == name and attr == int(restricting[2]["value"])),
                      None)
        if column is None:
            raise Refused("read_write_denied")
        low, high = (self._moment(item) for item in items[1:3])
        chosen = self._selected_columns(items[3]["value"] if len(items) > 3 else [])
        rows = [row for row in self.rows
                if low <= self._moment(row["value"][column]) <= high]
        return self._columns(rows, chosen)

    def _moment(self, item: dict) -> _dt.datetime:
        moment = self.model.date_time(item)
        if moment is None:
            raise Refused("type_unmatched")
        return moment

    def _selected_columns(self, selected: list) -> list[int]:
        if not selected:
            return list(range(len(self.columns)))
        out = []
        for item in selected:
            fields = item["value"]
            name, attr = bytes(fields[1]["value"]), int(fields[2]["value"])
            match = [i for i, (obj, a) in enumerate(self.columns)
                     if obj.logical_name == name and a == attr]
            if not match:
                raise Refused("read_write_denied")
            out.append(match[0])
        return out

    def _by_entry(self, items: list) -> dict:
        if len(items) != 4:
            raise Refused("type_unmatched")
        first, last, first_col, last_col = (int(item["value"]) for item in items)
        last = last or len(self.rows)
        last_col = last_col or len(self.columns)
        if first < 1 or first_col < 1:
            raise Refused("read_write_denied")
        rows = self.rows[first - 1:last]
        return self._columns(rows, list(range(first_col - 1, min(last_col, len(self.columns)))))

    def _columns(self, rows: list[dict], chosen: list[int]) -> dict:
        if chosen == list(range(len(self.columns))):
            return tree("array", rows)
        return tree("array", [tree("structure", [row["value"][i] for i in chosen])
                              for row in rows])

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        if method == 1:
            self.rows = []
        else:
            self.capture()
        return None
