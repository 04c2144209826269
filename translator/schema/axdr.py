"""A-XDR encoded COSEM ``Data`` (Blue Book 4.1.5, Green Book 9.5 "Data"): one tagged value.

``Data`` is the tagged CHOICE every attribute value, notification body and selective-access
parameter uses. Values are kept as received so ``build`` gives the input back octet for octet:
non-minimal lengths and counts (``Len``/``Octets``), the raw octet of a boolean, the exact bits of
a float (``Float``), bit-strings as bit count plus octets, date/time fields with their wildcards.
Text types stay bytes: views decode them.

compact-array (tag 19) carries a type description and one octet string of untagged values laid
out by it; ``CompactArray`` decodes that content into rows and builds them back.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import construct as c
from construct import this

from ._core import (
    Choice,
    Counted,
    CountedArray,
    Expected,
    Layer,
    Len,
    Length,
    ListContainer,
    Nested,
    StrictEnum,
    Struct,
    remaining,
)
from .cosem_datetime import Date, DateTime, Time

__all__ = [
    "AXDR_TAGS",
    "AXDR_TYPES",
    "FIXED_SIZES",
    "VALUE_SCHEMAS",
    "BitString",
    "CompactArray",
    "Data",
    "DataTag",
    "Float",
    "TypeDescription",
    "compact_join",
    "compact_split",
]

AXDR_TYPES: dict[int, str] = {
    0: "null_data", 1: "array", 2: "structure", 3: "boolean", 4: "bit_string",
    5: "double_long", 6: "double_long_unsigned", 9: "octet_string", 10: "visible_string",
    12: "utf8_string", 13: "bcd", 15: "integer", 16: "long", 17: "unsigned",
    18: "long_unsigned", 19: "compact_array", 20: "long64", 21: "long64_unsigned", 22: "enum",
    23: "float32", 24: "float64", 25: "date_time", 26: "date", 27: "time",
    28: "delta_integer", 29: "delta_long", 30: "delta_double_long", 31: "delta_unsigned",
    32: "delta_long_unsigned", 33: "delta_double_long_unsigned", 255: "dont_care",
}
"""Data type tag -> name (snake_case of the Blue Book's names)."""

AXDR_TAGS: dict[str, int] = {name: tag for tag, name in AXDR_TYPES.items()}
"""Name -> data type tag."""

DataTag = StrictEnum(c.Int8ub, "an A-XDR data type tag (0..6, 9, 10, 12, 13, 15..33 or 255)",
                     list_known=False, **AXDR_TAGS)
"""The one-octet data type tag; an unknown tag is a parse error at the tag's own offset."""

_DescriptionTag = StrictEnum(c.Int8ub, "a type description tag (any data type but compact-array)",
                             list_known=False,
                             **{k: v for k, v in AXDR_TAGS.items() if k != "compact_array"})


class Float(float):
    """A float32/float64 as decoded, remembering its octets so NaN payloads and -0.0 rebuild."""

    raw: bytes

    def __new__(cls, value: float, raw: bytes = b""):
        self = super().__new__(cls, value)
        self.raw = raw
        return self

    def __reduce__(self):
        return (Float, (float(self), self.raw))


class _IEEEFloat(c.Construct):
    """IEEE 754 big-endian float of ``size`` octets; builds the decoded octets back unchanged."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size
        self.fmt = ">f" if size == 4 else ">d"

    def _parse(self, stream, context, path):
        raw = c.stream_read(stream, self.size, path)
        return Float(struct.unpack(self.fmt, raw)[0], raw)

    def _emitfast(self, cp, sc):
        raw, v = cp.var("x"), cp.var()
        cp.need(sc, self.size)
        sc.fn.add(f"{raw} = data[o:o + {self.size}]; o += {self.size}")
        unpack = cp.const(struct.Struct(self.fmt).unpack, "u")
        sc.fn.add(f"{v} = {cp.const(Float, 'g')}({unpack}({raw})[0], {raw})")
        return v

    def _build(self, obj, stream, context, path):
        raw = getattr(obj, "raw", b"")
        if len(raw) == self.size:
            kept = struct.unpack(self.fmt, raw)[0]
            if not (kept == obj or (math.isnan(kept) and math.isnan(obj))):
                raw = b""
        if len(raw) != self.size:
            try:
                raw = struct.pack(self.fmt, float(obj))
            except (OverflowError, struct.error, TypeError, ValueError) as e:
                raise c.ConstructError(f"float{self.size * 8}: {e}", path=path) from None
        c.stream_write(stream, raw, self.size, path)
        return obj

    def _sizeof(self, context, path):
        return self.size


BitString = Struct(
    "bit_count" / Length,
    "octets" / c.Bytes((this.bit_count + 7) // 8),
)
"""bit-string: the number of bits (length encoding), then ceil(bits / 8) octets, first bit high."""

_TEXT = Counted(c.GreedyBytes)

VALUE_SCHEMAS: dict[str, c.Construct] = {
    "null_data": c.Pass,
    "boolean": c.Int8ub,             # raw octet: 0x00 false, anything else true
    "bit_string": BitString,
    "double_long": c.Int32sb,
    "double_long_unsigned": c.Int32ub,
    "octet_string": _TEXT,
    "visible_string": _TEXT,
    "utf8_string": _TEXT,
    "bcd": c.Int8ub,                 # one octet, two BCD digits kept as the raw octet
    "integer": c.Int8sb,
    "long": c.Int16sb,
    "unsigned": c.Int8ub,
    "long_unsigned": c.Int16ub,
    "long64": c.Int64sb,
    "long64_unsigned": c.Int64ub,
    "enum": c.Int8ub,
    "float32": _IEEEFloat(4),
    "float64": _IEEEFloat(8),
    "date_time": DateTime,
    "date": Date,
    "time": Time,
    "delta_integer": c.Int8sb,
    "delta_long": c.Int16sb,
    "delta_double_long": c.Int32sb,
    "delta_unsigned": c.Int8ub,
    "delta_long_unsigned": c.Int16ub,
    "delta_double_long_unsigned": c.Int32ub,
    "dont_care": c.Pass,
}
"""The untagged encoding of every simple type (also the layout of compact-array contents)."""

FIXED_SIZES: dict[str, int] = {
    "null_data": 0, "dont_care": 0, "boolean": 1, "bcd": 1, "integer": 1, "unsigned": 1,
    "enum": 1, "delta_integer": 1, "delta_unsigned": 1, "long": 2, "long_unsigned": 2,
    "delta_long": 2, "delta_long_unsigned": 2, "double_long": 4, "double_long_unsigned": 4,
    "delta_double_long": 4, "delta_double_long_unsigned": 4, "float32": 4, "long64": 8,
    "long64_unsigned": 8, "float64": 8, "date_time": 12, "date": 5, "time": 4,
}
"""Octets of each fixed-size type's untagged value."""

_SIMPLE_DESCRIPTIONS = {name: c.Pass for name in VALUE_SCHEMAS}

TypeDescription = Struct(
    "tag" / _DescriptionTag,
    "description" / Choice(this.tag, {
        **_SIMPLE_DESCRIPTIONS,
        "array": Struct(
            "number_of_elements" / c.Int16ub,
            "type_description" / Nested(lambda: TypeDescription),
        ),
        "structure": CountedArray(Nested(lambda: TypeDescription)),
    }, "a type description tag"),
)
"""compact-array TypeDescription: a tag; array adds number_of_elements (Unsigned16) and the
element's description, structure a count and one description per member."""


def _min_sizes(desc, sizes: dict[int, int]) -> int:
    """Fill ``sizes`` (id of node -> least octets of one value) and refuse zero-octet arrays."""
    tag = str(desc["tag"])
    if tag == "array":
        inner = desc["description"]
        each = _min_sizes(inner["type_description"], sizes)
        if each == 0 and inner["number_of_elements"]:
            raise Expected("array elements that take at least one octet", "a null-only element")
        size = each * inner["number_of_elements"]
    elif tag == "structure":
        size = sum(_min_sizes(d, sizes) for d in desc["description"])
    else:
        size = FIXED_SIZES.get(tag, 1)  # strings and bit-strings: at least their length octet
    sizes[id(desc)] = size
    return size


class _CompactContents(c.Construct):
    """array-contents: an octet string of untagged values, one row per contents_description,
    repeated until the octets are used up. Parses to a list of rows and builds them back."""

    def _parse(self, stream, context, path):
        desc = context.contents_description
        n = Length._parsereport(stream, context, path)
        if n > remaining(stream):
            raise Expected(f"{int(n)} octet(s) of array contents as the length says",
                           f"{remaining(stream)} left")
        sub = c.core.BytesIOWithOffsets.from_reading(stream, n, path)
        sizes: dict[int, int] = {}
        if _min_sizes(desc, sizes) == 0 and n:
            raise Expected("a contents description whose values take at least one octet",
                           "null-data only")
        budget = [int(n)]  # zero-octet values (null-data) allowed: at most one per content octet
        rows = ListContainer()
        while remaining(sub):
            rows.append(self._value(desc, sub, context, path, sizes, budget))
        if n.width > Len(n).width:
            rows.width = n.width
        return rows

    def _emitfast(self, cp, sc):
        # rare, and a loop over a type description parsed in the same message: construct's
        return cp.by_construct(self, sc, "compact-array contents, parsed by construct")

    def _value(self, desc, stream, context, path, sizes, budget):
        tag = str(desc["tag"])
        here = stream.tell()
        if tag in ("array", "structure"):
            if tag == "array":
                inner = desc["description"]
                each = inner["type_description"]
                count = inner["number_of_elements"]
                if count * sizes[id(each)] > remaining(stream):
                    e = Expected(f"{count} array element(s) as the type description says",
                                 f"only {remaining(stream)} octet(s) left")
                    e.offset = here
                    raise e
                members = [each] * count
            else:
                members = desc["description"]
            return ListContainer(self._value(d, stream, context, path, sizes, budget)
                                 for d in members)
        if FIXED_SIZES.get(tag) == 0:
            budget[0] -= 1
            if budget[0] < 0:
                e = Expected("fewer null values than content octets", "more")
                e.offset = here
                raise e
        try:
            return VALUE_SCHEMAS[tag]._parsereport(stream, context, path)
        except c.ConstructError as e:
            if not hasattr(e, "offset"):
                e.offset = here
                e.field = tag
            raise

    def _build(self, obj, stream, context, path):
        desc = context.contents_description
        sub = c.core.BytesIOWithOffsets(b"", None, 0)
        for row in obj:
            self._build_value(desc, row, sub, context, path)
        data = sub.getvalue()
        width = getattr(obj, "width", 0)
        Length._build(Len(len(data), width) if width > Len(len(data)).width else len(data),
                      stream, context, path)
        c.stream_write(stream, data, len(data), path)
        return obj

    def _build_value(self, desc, value, stream, context, path):
        tag = str(desc["tag"])
        if tag == "array":
            inner = desc["description"]
            if len(value) != inner["number_of_elements"]:
                raise c.ConstructError(f"compact-array: {len(value)} element(s) where the type "
                                       f"description says {inner['number_of_elements']}", path=path)
            members = [inner["type_description"]] * len(value)
        elif tag == "structure":
            members = desc["description"]
            if len(value) != len(members):
                raise c.ConstructError(f"compact-array: {len(value)} member(s) where the type "
                                       f"description says {len(members)}", path=path)
        else:
            VALUE_SCHEMAS[tag]._build(value, stream, context, path)
            return
        for d, v in zip(members, value, strict=True):
            self._build_value(d, v, stream, context, path)

    def _sizeof(self, context, path):
        raise c.SizeofError("variable length", path=path)


CompactArray = Struct(
    "contents_description" / TypeDescription,
    "array_contents" / _CompactContents(),
)
"""compact-array value: the type description and the rows decoded from array-contents."""

_CompactSplit = Struct(
    "contents_description" / TypeDescription,
    "length" / Length,
    "array_contents" / c.GreedyBytes,
)


def compact_split(octets: bytes) -> tuple[Any, bytes] | None:
    """A compact-array's value octets (after its tag) as the Green Book's SEQUENCE has them:
    the TypeDescription (parsed) and the array-contents OCTET STRING; None when they do not
    read so or would not be built back the same (a length longer than the shortest form)."""
    try:
        v = _CompactSplit.parse(bytes(octets))
    except (c.ConstructError, ValueError):
        return None
    contents = bytes(v.array_contents)
    if int(v.length) != len(contents) or compact_join(v.contents_description, contents) != octets:
        return None
    return v.contents_description, contents


def compact_join(description: Any, contents: bytes) -> bytes:
    """The value octets of a compact-array: its TypeDescription, then the contents' length and
    the contents (``compact_split`` back); ``CompactArray`` parses them."""
    return _CompactSplit.build({"contents_description": description, "length": len(contents),
                                "array_contents": contents})


Data = Layer("axdr", Struct(
    "tag" / DataTag,
    "value" / Choice(this.tag, {
        **VALUE_SCHEMAS,
        "array": CountedArray(Nested(lambda: Data)),
        "structure": CountedArray(Nested(lambda: Data)),
        "compact_array": CompactArray,
    }, "an A-XDR data type tag"),
))
"""One tagged A-XDR Data value; array and structure hold lists of Data."""
