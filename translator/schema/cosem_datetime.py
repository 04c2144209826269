"""COSEM date, time and date-time (Blue Book 4.1.6.1): the octet layouts and pure helpers.

The schemas keep every octet as received (wildcards 0xFF / 0xFFFF, deviation 0x8000, the special
months and days), so a value always rebuilds byte-exact; interpreting it is left to the helpers
below, which never raise on odd content: they return ``None`` or describe what they see.
Named ``cosem_datetime`` so it does not shadow the standard library's ``datetime``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import construct as c

from ._core import Struct

__all__ = [
    "CLOCK_STATUS_BITS",
    "DEVIATION_NOT_SPECIFIED",
    "DST_BEGIN",
    "DST_END",
    "LAST_DAY",
    "NOT_SPECIFIED",
    "SECOND_LAST_DAY",
    "Date",
    "DateTime",
    "Time",
    "describe_clock_status",
    "describe_date_time",
    "is_date_time_octets",
    "to_date",
    "to_datetime",
    "to_time",
    "utc_offset",
]

NOT_SPECIFIED = 0xFF          # any one-octet field; the year uses 0xFFFF
YEAR_NOT_SPECIFIED = 0xFFFF
DEVIATION_NOT_SPECIFIED = -0x8000   # 0x8000 read as Integer16
DST_END = 0xFD                # month: daylight saving end
DST_BEGIN = 0xFE              # month: daylight saving begin
SECOND_LAST_DAY = 0xFD        # day of month
LAST_DAY = 0xFE               # day of month

# clock_status bits (Blue Book): bits 4..6 are reserved; 0xFF means "not specified".
CLOCK_STATUS_BITS = {
    0x01: "invalid value",
    0x02: "doubtful value",
    0x04: "different clock base",
    0x08: "invalid clock status",
    0x80: "daylight saving active",
}

_DATE_FIELDS = ("year" / c.Int16ub, "month" / c.Int8ub, "day_of_month" / c.Int8ub,
                "day_of_week" / c.Int8ub)
_TIME_FIELDS = ("hour" / c.Int8ub, "minute" / c.Int8ub, "second" / c.Int8ub,
                "hundredths" / c.Int8ub)

Date = Struct(*_DATE_FIELDS)
"""date: 5 octets (year Unsigned16, month, day of month, day of week)."""

Time = Struct(*_TIME_FIELDS)
"""time: 4 octets (hour, minute, second, hundredths)."""

DateTime = Struct(*_DATE_FIELDS, *_TIME_FIELDS, "deviation" / c.Int16sb, "clock_status" / c.Int8ub)
"""date-time: 12 octets; deviation in minutes (Integer16, 0x8000 = not specified)."""

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def utc_offset(deviation: int) -> _dt.timezone | None:
    """The zone of a deviation: local time = UTC - deviation, so the UTC offset is -deviation.

    ``None`` when the deviation is not specified (0x8000) or beyond the +-720 minutes the
    Blue Book allows (``timezone`` refuses offsets of a day or more anyway).
    """
    if deviation == DEVIATION_NOT_SPECIFIED or not -720 <= deviation <= 720:
        return None
    return _dt.timezone(_dt.timedelta(minutes=-deviation))


def to_date(value: Mapping[str, Any]) -> _dt.date | None:
    """A concrete ``date`` from a Date or DateTime, or ``None`` when any part is a wildcard."""
    year, month, day = value["year"], value["month"], value["day_of_month"]
    if year == YEAR_NOT_SPECIFIED or month > 12 or day > 31:
        return None
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


def to_time(value: Mapping[str, Any], tzinfo: _dt.tzinfo | None = None) -> _dt.time | None:
    """A concrete ``time`` from a Time or DateTime (hundredths 0xFF read as 0), else ``None``."""
    hour, minute, second = value["hour"], value["minute"], value["second"]
    hundredths = value["hundredths"]
    if NOT_SPECIFIED in (hour, minute, second):
        return None
    if hundredths == NOT_SPECIFIED:
        hundredths = 0
    try:
        return _dt.time(hour, minute, second, hundredths * 10_000, tzinfo=tzinfo)
    except ValueError:
        return None


def to_datetime(value: Mapping[str, Any]) -> _dt.datetime | None:
    """A ``datetime`` from a DateTime: aware when the deviation is given, naive when not.

    ``None`` when the date or the time has wildcards or special values (DST begin/end months,
    last days): those describe a rule, not an instant.
    """
    day = to_date(value)
    tzinfo = utc_offset(value["deviation"])
    clock = to_time(value, tzinfo)
    if day is None or clock is None:
        return None
    return _dt.datetime.combine(day, clock)


def _num(value: int, width: int, wildcard: int = NOT_SPECIFIED) -> str:
    return "*" * width if value == wildcard else f"{value:0{width}d}"


def _describe_date(value: Mapping[str, Any]) -> str:
    month = ({DST_END: "DST-end", DST_BEGIN: "DST-begin"}.get(value["month"])
             or _num(value["month"], 2))
    day = ({SECOND_LAST_DAY: "second-last", LAST_DAY: "last"}.get(value["day_of_month"])
           or _num(value["day_of_month"], 2))
    text = f"{_num(value['year'], 4, YEAR_NOT_SPECIFIED)}-{month}-{day}"
    dow = value["day_of_week"]
    if 1 <= dow <= 7:
        text += f" {_WEEKDAYS[dow - 1]}"
    elif dow != NOT_SPECIFIED:
        text += f" day-of-week {dow}"
    return text


def _describe_time(value: Mapping[str, Any]) -> str:
    return (f"{_num(value['hour'], 2)}:{_num(value['minute'], 2)}:{_num(value['second'], 2)}"
            f".{_num(value['hundredths'], 2)}")


def describe_clock_status(status: int) -> str:
    """The clock status bits in words ("ok" for 0x00, "not specified" for 0xFF)."""
    if status == NOT_SPECIFIED:
        return "not specified"
    words = [name for bit, name in CLOCK_STATUS_BITS.items() if status & bit]
    if status & 0x70:
        words.append(f"reserved bits 0x{status & 0x70:02X}")
    return ", ".join(words) or "ok"


def describe_date_time(value: Mapping[str, Any]) -> str:
    """One line for a DateTime, Date or Time container; wildcards shown as ``*``.

    e.g. ``2024-06-15 Sat 20:23:45.00, deviation -120 min (UTC+02:00), clock status 0x80
    (daylight saving active)``.
    """
    parts = []
    if "year" in value:
        parts.append(_describe_date(value))
    if "hour" in value:
        parts.append(_describe_time(value))
    text = " ".join(parts)
    if "deviation" in value:
        deviation = value["deviation"]
        zone = utc_offset(deviation)
        if deviation == DEVIATION_NOT_SPECIFIED:
            text += ", deviation not specified"
        elif zone is None:
            text += f", deviation {deviation} min (out of range)"
        else:
            text += f", deviation {deviation} min ({zone.tzname(None)})"
        status = value["clock_status"]
        text += f", clock status 0x{status:02X} ({describe_clock_status(status)})"
    return text


def is_date_time_octets(data: bytes) -> bool:
    """Whether 12 octets look like a date-time; views use it to show an octet-string(12) as one.

    Every field must be in its range or a defined special value; the year is free.
    """
    if len(data) != 12:
        return False
    month, day, dow, hour, minute, second, hundredths = data[2:9]
    deviation = int.from_bytes(data[9:11], "big", signed=True)
    status = data[11]
    return ((1 <= month <= 12 or month in (DST_END, DST_BEGIN, NOT_SPECIFIED))
            and (1 <= day <= 31 or day in (SECOND_LAST_DAY, LAST_DAY, NOT_SPECIFIED))
            and (1 <= dow <= 7 or dow == NOT_SPECIFIED)
            and (hour <= 23 or hour == NOT_SPECIFIED)
            and (minute <= 59 or minute == NOT_SPECIFIED)
            and (second <= 59 or second == NOT_SPECIFIED)
            and (hundredths <= 99 or hundredths == NOT_SPECIFIED)
            and (-720 <= deviation <= 720 or deviation == DEVIATION_NOT_SPECIFIED)
            and (status & 0x70 == 0 or status == NOT_SPECIFIED))
