"""The list's rows as columns of numbers, their octets in a spill file: memory stays flat.

A ``Row`` object per message costs about 500 octets (a slots object, its ints and floats, its
octets and security summary); a 100k capture would hold 50 MB for rows nobody looks at. The
store keeps each field as an ``array`` entry (strings, OBIS and title tuples and security
snapshots as codes into tables of the distinct values, which repeat across a capture) and the
two per-message payloads, the wire octets and the security summary, pickled in an unnamed
temporary file read back with ``pread``. About 100 octets per message stay in memory; a ``Row``
is built again when the list draws it or the user selects it (toolong keeps line offsets in
the same spirit).
"""

from __future__ import annotations

import math
import os
import pickle
import tempfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .rows import Row

__all__ = ["RowStore"]

_CODED = ("stream", "direction", "src", "dst", "layer", "service", "summary", "error", "obis",
          "titles", "context")


class _Table:
    """Distinct values and their codes."""

    __slots__ = ("codes", "values")

    def __init__(self) -> None:
        self.codes: dict[Any, int] = {}
        self.values: list[Any] = []

    def code(self, value: Any) -> int:
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code


class RowStore(Sequence[Row]):
    """Append-only rows; ``store[i]`` is row ``i`` with its octets, ``matching`` filters on the
    columns alone (a filter never reads octets)."""

    def __init__(self) -> None:
        self._tables = {name: _Table() for name in _CODED}
        self._codes = {name: array("I") for name in _CODED}
        self._columns = [(self._tables[name], self._codes[name]) for name in _CODED]
        self._number = array("q")
        self._time = array("d")
        self._association = array("q")
        self._invoke = array("q")   # long-invoke-id-and-priority: 4 octets
        self._flags = array("B")
        self._size = array("I")
        self._reply_to = array("q")
        self._offset = array("q")
        self._length = array("I")
        self._file = tempfile.TemporaryFile(prefix="dlms-tui-")
        self._end = 0

    # -- writing ---------------------------------------------------------------------------------
    def append(self, row: Row) -> None:
        for name in _CODED:
            self._codes[name].append(self._tables[name].code(getattr(row, name)))
        self._number.append(-1 if row.number is None else row.number)
        self._time.append(math.nan if row.time is None else row.time)
        self._association.append(-1 if row.association is None else row.association)
        self._invoke.append(-1 if row.invoke_id is None else row.invoke_id)
        self._flags.append(row.flags)
        self._size.append(row.size)
        self._reply_to.append(-1 if row.reply_to is None else row.reply_to)
        blob = pickle.dumps((row.wire, row.security), protocol=pickle.HIGHEST_PROTOCOL)
        os.pwrite(self._file.fileno(), blob, self._end)
        self._offset.append(self._end)
        self._length.append(len(blob))
        self._end += len(blob)

    def extend(self, rows: Sequence[Row]) -> None:
        for row in rows:
            self.append(row)

    def close(self) -> None:
        self._file.close()

    # -- reading ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._number)

    def __getitem__(self, index: int) -> Row:  # type: ignore[override]
        if index < 0:
            index += len(self)
        blob = os.pread(self._file.fileno(), self._length[index], self._offset[index])
        wire, security = pickle.loads(blob)
        return self._row(index, wire, security)

    def __iter__(self) -> Iterator[Row]:
        for i in range(len(self)):
            yield self[i]

    def _row(self, i: int, wire: bytes, security: dict | None) -> Row:
        (stream, direction, src, dst, layer, service, summary, error, obis, titles,
         context) = [table.values[codes[i]] for table, codes in self._columns]
        number, time, association = self._number[i], self._time[i], self._association[i]
        invoke, reply_to = self._invoke[i], self._reply_to[i]
        return Row(i, None if number < 0 else number, None if math.isnan(time) else time,
                   stream, None if association < 0 else association, direction, src, dst,
                   layer, service, None if invoke < 0 else invoke, summary, self._flags[i],
                   self._size[i], error, obis, titles, security,
                   None if reply_to < 0 else reply_to, wire, context)

    def matching(self, predicate: Callable[[Row], bool] | None, start: int = 0) -> array:
        """Indices from ``start`` on whose row satisfies ``predicate`` (rows built without their
        octets and security summary: filters look at the columns only)."""
        if predicate is None:
            return array("q", range(start, len(self)))
        return array("q", (i for i in range(start, len(self))
                           if predicate(self._row(i, b"", None))))

    def number(self, index: int) -> int | None:
        value = self._number[index]
        return None if value < 0 else value

    def pair(self, index: int) -> int | None:
        """The request a response answers (looking back) or the response to a request (looking
        on), within one stream."""
        stream = self._codes["stream"][index]
        reply_to = self._reply_to[index]
        if reply_to >= 0:
            for i in range(index - 1, -1, -1):
                if self._number[i] == reply_to and self._codes["stream"][i] == stream:
                    return i
            return None
        number = self._number[index]
        if number < 0:
            return None
        for i in range(index + 1, len(self)):
            if self._reply_to[i] == number and self._codes["stream"][i] == stream:
                return i
        return None

    def first_time(self) -> float | None:
        for value in self._time:
            if not math.isnan(value):
                return value
        return None
