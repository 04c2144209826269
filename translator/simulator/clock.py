"""Clock (8): the simulator's own time, the system clock plus an offset that SET of the time
attribute and the adjusting methods move (the machine's clock is never touched)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..client.views import date_time_octets
from .objects import CosemObject, Refused, plain_tag, tree
from .tables import Table

__all__ = ["Clock"]


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
