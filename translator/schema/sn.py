"""Short Name (SN) referencing services (Green Book, COSEMpdu ASN.1 "APDUs using short name
referencing"): Read, Write, UnconfirmedWrite and InformationReport.

SN objects are addressed by a 16-bit base name (e.g. 0xFA00 for the SN Association object) plus an
attribute offset. The ASN.1 types it ObjectName ::= Integer16, but every document and tool writes
these names as unsigned hexadecimal addresses, so they decode as unsigned 16-bit integers; the
octets, and so the round trip, are the same either way.
"""

from __future__ import annotations

import construct as c
from construct import this

from ._core import AxdrOptional, Choice, Counted, CountedArray, StrictEnum, Struct
from .xdlms import Boolean, DataAccessResult  # shared with the LN services: one definition

__all__ = [
    "APDUS", "ObjectName", "VariableAccessSpecification",
    "ReadRequest", "ReadResponse", "WriteRequest", "WriteResponse", "UnconfirmedWriteRequest",
    "InformationReportRequest",
]


def _axdr():
    from . import axdr  # imported late: axdr is a sibling module and may import schemas itself
    return axdr


_Data = c.LazyBound(lambda: _axdr().Data)
_OCTETS = Counted(c.GreedyBytes)

ObjectName = c.Int16ub
"""variable-name: the SN base name plus attribute offset, as an unsigned 16-bit address."""

VariableAccessSpecification = Struct(
    "tag" / StrictEnum(c.Int8ub, "a Variable-Access-Specification choice", variable_name=2,
                       parameterized_access=4, block_number_access=5, read_data_block_access=6,
                       write_data_block_access=7),
    "value" / Choice(this.tag, {
        "variable_name": ObjectName,
        "parameterized_access": Struct(
            "variable_name" / ObjectName,
            "selector" / c.Int8ub,
            "parameter" / _Data,
        ),
        "block_number_access": Struct("block_number" / c.Int16ub),
        "read_data_block_access": Struct(
            "last_block" / Boolean,
            "block_number" / c.Int16ub,
            "raw_data" / _OCTETS,
        ),
        "write_data_block_access": Struct(
            "last_block" / Boolean,
            "block_number" / c.Int16ub,
        ),
    }, "a Variable-Access-Specification choice"),
)
"""Variable-Access-Specification CHOICE (detailed-access [3] is not used in DLMS/COSEM)."""

ReadRequest = CountedArray(VariableAccessSpecification)
"""ReadRequest (0x05): SEQUENCE OF Variable-Access-Specification."""

ReadResponse = CountedArray(Struct(
    "tag" / StrictEnum(c.Int8ub, "a ReadResponse choice", data=0, data_access_error=1,
                       data_block_result=2, block_number=3),
    "value" / Choice(this.tag, {
        "data": _Data,
        "data_access_error": DataAccessResult,
        "data_block_result": Struct(
            "last_block" / Boolean,
            "block_number" / c.Int16ub,
            "raw_data" / _OCTETS,
        ),
        "block_number": c.Int16ub,
    }, "a ReadResponse choice"),
))
"""ReadResponse (0x0C): one result per requested variable."""

WriteRequest = Struct(
    "variable_access_specification" / CountedArray(VariableAccessSpecification),
    "list_of_data" / CountedArray(_Data),
)
"""WriteRequest (0x06): the variables, then their values."""

WriteResponse = CountedArray(Struct(
    "tag" / StrictEnum(c.Int8ub, "a WriteResponse choice", success=0, data_access_error=1,
                       block_number=2),
    "value" / Choice(this.tag, {
        "success": c.Pass,
        "data_access_error": DataAccessResult,
        "block_number": c.Int16ub,
    }, "a WriteResponse choice"),
))
"""WriteResponse (0x0D): one result per written variable (success carries no value)."""

UnconfirmedWriteRequest = WriteRequest
"""UnconfirmedWriteRequest (0x16): the WriteRequest layout, no response expected."""

InformationReportRequest = Struct(
    "current_time" / AxdrOptional(_OCTETS),
    "variable_access_specification" / CountedArray(VariableAccessSpecification),
    "list_of_data" / CountedArray(_Data),
)
"""InformationReportRequest (0x18): current-time OPTIONAL (a date-time octet string when
present), the variables and their values."""

APDUS: dict[int, tuple[str, c.Construct]] = {
    0x05: ("read_request", ReadRequest),
    0x06: ("write_request", WriteRequest),
    0x0C: ("read_response", ReadResponse),
    0x0D: ("write_response", WriteResponse),
    0x16: ("unconfirmed_write_request", UnconfirmedWriteRequest),
    0x18: ("information_report_request", InformationReportRequest),
}
"""First octet -> (name, schema of the octets after it)."""
