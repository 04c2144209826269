"""What the client reads, as plain records: the association view, profile rows, scaled values.

These read decoded ``Data`` trees whose layout the Blue Book gives per interface class (object
list of Association LN, capture objects and buffer of Profile generic, scaler_unit of Register);
the trees themselves come from the schemas.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..cosem.obis import ObisCode
from ..schema._core import build
from ..schema.cosem_datetime import DateTime, to_datetime
from ..views.values import data_text as render
from ..views.values import date_time_of, scaled
from .values import to_python

__all__ = ["date_time_octets", "object_list", "sn_object_list", "profile_rows", "render", "scaled",
           "selective_by_entry", "selective_by_range"]

_ACCESS_MODES = {0: "no_access", 1: "read_only", 2: "write_only", 3: "read_write",
                 4: "authenticated_read_only", 5: "authenticated_write_only",
                 6: "authenticated_read_write"}
"""attribute_access_mode (Association LN, Blue Book)."""
_METHOD_MODES = {0: "no_access", 1: "access", 2: "authenticated_access"}
"""method_access_mode (Association LN version 1 and later; version 0 sends a boolean)."""


def object_list(data: Any) -> list[dict[str, Any]]:
    """Association LN ``object_list``: one record per object (class, version, OBIS, rights)."""
    out = []
    for item in to_python(data):
        class_id, version, name = item[0], item[1], item[2]
        rights = item[3] if len(item) > 3 else None
        record: dict[str, Any] = {"class_id": class_id, "version": version,
                                  "obis": ObisCode(bytes(name)), "attributes": {}, "methods": {}}
        if rights:
            for attr in rights[0] or []:
                record["attributes"][attr[0]] = _ACCESS_MODES.get(attr[1], str(attr[1]))
            for method in (rights[1] if len(rights) > 1 else None) or []:
                mode = method[1]
                record["methods"][method[0]] = (("access" if mode else "no_access")
                                                if isinstance(mode, bool)
                                                else _METHOD_MODES.get(mode, str(mode)))
        out.append(record)
    return out


def sn_object_list(data: Any) -> list[dict[str, Any]]:
    """Association SN ``object_list``: base name, class, version and OBIS per object."""
    out = []
    for base_name, class_id, version, name in to_python(data):
        out.append({"base_name": base_name & 0xFFFF, "class_id": class_id, "version": version,
                    "obis": ObisCode(bytes(name)), "attributes": {}, "methods": {}})
    return out


def date_time_octets(moment: _dt.datetime) -> bytes:
    """A COSEM date-time (12 octets) for ``moment``: deviation from its zone (UTC when naive),
    day of week not specified, clock status 0."""
    offset = moment.utcoffset() if moment.tzinfo else _dt.timedelta(0)
    deviation = -int(offset.total_seconds() // 60)
    return build(DateTime, {
        "year": moment.year, "month": moment.month, "day_of_month": moment.day,
        "day_of_week": 0xFF, "hour": moment.hour, "minute": moment.minute,
        "second": moment.second, "hundredths": moment.microsecond // 10_000,
        "deviation": deviation, "clock_status": 0}, "axdr")


def selective_by_range(restricting: tuple[int, bytes, int], start: _dt.datetime,
                       end: _dt.datetime) -> tuple[int, dict]:
    """Profile generic selector 1 (range_descriptor) on the capture object ``restricting``
    (class id, OBIS, attribute), every column selected."""
    class_id, obis, attribute = restricting
    return 1, {"tag": "structure", "value": [
        {"tag": "structure", "value": [
            {"tag": "long_unsigned", "value": class_id},
            {"tag": "octet_string", "value": bytes(obis)},
            {"tag": "integer", "value": attribute},
            {"tag": "long_unsigned", "value": 0}]},
        {"tag": "octet_string", "value": date_time_octets(start)},
        {"tag": "octet_string", "value": date_time_octets(end)},
        {"tag": "array", "value": []}]}


def selective_by_entry(first: int, last: int) -> tuple[int, dict]:
    """Profile generic selector 2 (entry_descriptor): entries ``first``..``last`` (1-based,
    0 = the last one), every column."""
    return 2, {"tag": "structure", "value": [
        {"tag": "double_long_unsigned", "value": first},
        {"tag": "double_long_unsigned", "value": last},
        {"tag": "long_unsigned", "value": 1},
        {"tag": "long_unsigned", "value": 0}]}


def capture_columns(data: Any) -> list[dict[str, Any]]:
    """Profile generic ``capture_objects``: class, OBIS, attribute and data index per column."""
    return [{"class_id": c[0], "obis": ObisCode(bytes(c[1])), "attribute": c[2],
             "data_index": c[3]} for c in to_python(data)]


def profile_rows(data: Any) -> list[list[Any]]:
    """Profile generic ``buffer``: its rows, each value plain (date-times as ``datetime``)."""
    rows = []
    for row in data["value"]:
        rows.append([_cell(cell) for cell in row["value"]])
    return rows


def _cell(cell: Any) -> Any:
    parsed = date_time_of(cell)
    moment = None if parsed is None else to_datetime(parsed)
    return to_python(cell) if moment is None else moment
