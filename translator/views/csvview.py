"""Profile generic buffers as CSV, the form a data engineer loads into a spreadsheet or pandas.

One CSV block per buffer: a header row of column names from the capture objects
(``0-0:1.0.0*255 Clock``, ``1-0:1.8.0*255 Active energy import +A, total (Wh)``), then one row per entry:
date-times in ISO 8601, numbers scaled by their register's scaler-unit with the unit in the
header, octet strings in hex. Without capture objects the columns are ``col1``..``colN`` and the
values unscaled. On one stream the blocks are separated by a blank line and each starts with a
``#`` comment naming its source (``pandas.read_csv(..., comment="#")``); ``BufferFiles`` writes
one file per buffer instead. Rows are written as they are read, so memory stays flat.

Used by ``dlms capture --to csv``, ``dlms decode --to csv`` and ``dlms read ... profile
--to csv``; values go through ``views.values`` (the one renderer).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

from ..cosem.obis import ObisCode
from .values import attribute_name, class_name, data_text, date_time_of, scaled

__all__ = ["BufferCsv", "BufferFiles", "column_name", "row_cells"]

def column_name(column: Any, index: int) -> str:
    """``1-0:1.8.0*255 Active energy import +A, total (Wh)`` for a capture object (the OBIS name,
    else its class's; an attribute other than the object's value named after it); ``colN`` for
    none."""
    obis = getattr(column, "obis", b"")
    if not obis or len(obis) != 6:
        return f"col{index + 1}"
    code = ObisCode(bytes(obis))
    class_id, attribute = int(column.class_id), int(column.attribute)
    parts = [code.display(), code.name() or class_name(class_id) or f"class {class_id}"]
    if attribute != 2:  # attribute 2 is the value (a clock's time, a register's value)
        parts.append(f"[{attribute_name(class_id, attribute) or f'attribute {attribute}'}]")
    if getattr(column, "data_index", 0):
        parts.append(f"[{column.data_index}]")
    unit = _unit(getattr(column, "scaler_unit", None))
    if unit:
        parts.append(f"({unit})")
    return " ".join(parts)


def row_cells(row: Mapping[str, Any], columns: Sequence[Any]) -> list[str]:
    """One buffer entry (a structure) as CSV cells, scaled by its columns' scaler-units."""
    cells = row.get("value") if str(row.get("tag")) == "structure" else [row]
    out = []
    for i, cell in enumerate(cells or []):
        scaler_unit = getattr(columns[i], "scaler_unit", None) if i < len(columns) else None
        out.append(_cell(cell, scaler_unit))
    return out


class BufferCsv:
    """Buffers as CSV blocks on one text stream."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.writer = csv.writer(out, lineterminator="\n")
        self.blocks = 0

    def write(self, data: Mapping[str, Any], columns: Sequence[Any] | None = None,
              source: str | None = None, obis: bytes | None = None, number: int | None = None
              ) -> int:
        """One buffer (``array`` of entries): comment, header, rows; returns the row count
        (``obis`` and ``number`` name files: ``BufferFiles``)."""
        if self.blocks:
            self.out.write("\n")
        self.blocks += 1
        rows = data.get("value") or []
        if source:
            self.out.write(f"# {source}, {len(rows)} rows\n")
        return _write(self.writer, rows, columns)


class BufferFiles:
    """Buffers as one CSV file each in ``directory``: ``<prefix>_<n>_<OBIS>.csv``."""

    def __init__(self, directory: str, prefix: str = "buffer") -> None:
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self.prefix = prefix
        self.paths: list[str] = []

    def write(self, data: Mapping[str, Any], columns: Sequence[Any] | None = None,
              source: str | None = None, obis: bytes | None = None, number: int | None = None
              ) -> int:
        tail = ObisCode(bytes(obis)).dotted() if obis and len(obis) == 6 else "unknown"
        name = f"{self.prefix}_{number if number is not None else len(self.paths) + 1}_{tail}.csv"
        path = os.path.join(self.directory, name)
        with open(path, "w", newline="", encoding="utf-8") as f:
            count = _write(csv.writer(f, lineterminator="\n"), data.get("value") or [], columns)
        self.paths.append(path)
        return count

    @property
    def blocks(self) -> int:
        """Buffers written, as ``BufferCsv`` counts them."""
        return len(self.paths)


def is_buffer(data: Any) -> bool:
    """An ``array`` of ``structure`` entries: what a profile buffer looks like on the wire."""
    if not isinstance(data, Mapping) or str(data.get("tag")) != "array":
        return False
    rows = data.get("value")
    return isinstance(rows, list) and all(isinstance(r, Mapping) and
                                          str(r.get("tag")) == "structure" for r in rows[:1])


def _write(writer: Any, rows: Iterable[Any], columns: Sequence[Any] | None) -> int:
    rows = list(rows)
    width = max((len(r.get("value") or []) for r in rows[:1]), default=len(columns or ()))
    columns = list(columns or [])
    if len(columns) < width:  # more cells than named columns: the rest unnamed
        columns += [None] * (width - len(columns))
    writer.writerow([column_name(c, i) for i, c in enumerate(columns)])
    for row in rows:
        writer.writerow(row_cells(row, columns))
    return len(rows)


def _cell(cell: Mapping[str, Any], scaler_unit: Any) -> str:
    if str(cell.get("tag")) == "null_data":
        return ""
    if scaler_unit is not None and date_time_of(cell) is None:
        value = cell.get("value")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(scaled(value, scaler_unit)[0])
    return data_text(cell)


def _unit(scaler_unit: Any) -> str | None:
    """The unit a scaler_unit names (``scaled`` reads only a well-formed {integer, enum})."""
    return None if scaler_unit is None else scaled(0, scaler_unit)[1]


def write_decoded(messages: Iterable[Any], out: TextIO) -> int:
    """``dlms decode --to csv``: the buffers among decoded messages as CSV blocks (columns named
    when the same input holds the capture objects' GET); returns how many."""
    from ..capture.knowledge import buffers_in

    writer = BufferCsv(out)
    for data, columns, target in buffers_in(msg.cleartext for msg in messages):
        what = ObisCode(target.obis).display() + " buffer" if target is not None else "buffer"
        writer.write(data, columns, what)
    return writer.blocks
