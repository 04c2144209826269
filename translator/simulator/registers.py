"""Register (3), Extended register (4) and Demand register (5): a value with its scaler-unit.

The value attribute keeps the type the model gave it; reset puts it to 0 of that type, and the
capture time / period start of the extended and demand registers follow the meter's clock.
"""

from __future__ import annotations

from typing import Any

from .objects import CosemObject, plain_tag, structure, tree, typed, unit_code
from .tables import Table

__all__ = ["DemandRegister", "ExtendedRegister", "Register"]


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
