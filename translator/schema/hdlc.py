"""HDLC frame format type 3 (IEC 62056-46 / IEC 62056-7-6) and the SNRM/UA parameter field.

One frame, as ``HdlcFrame`` parses it (every field keeps its octets so the frame rebuilds exactly)::

    opening_flag  True when the frame starts with its own 0x7E; False when it shares the previous
                  frame's closing flag (7E f1 7E f2 7E) or was given without flags
    format        Container(format_type=0xA, segmentation=bool, length=octets from the format
                  field through the FCS); on build a length of None is computed
    destination_address, source_address
                  Container(size=1|2|4, address=int, upper=int|None, lower=int|None): ``address``
                  joins every 7-bit group; for 2- and 4-octet addresses ``upper`` is the logical
                  device and ``lower`` the physical device address
    control       Container(kind, pf, ns, nr, value): kind is one of ``CONTROL_KINDS`` (I, RR, RNR,
                  REJ, SREJ, SNRM, DISC, UA, DM, FRMR, UI) or "unknown"; ns/nr are None where the
                  frame type has none; ``value`` is the octet as received
    hcs, hcs_ok   header check sequence (2 octets, None when no information field follows) and
                  whether it matches; a bad CRC is marked, never raised
    information   bytes, or None when the frame has no information field
    fcs, fcs_ok   frame check sequence and whether it matches
    closing_flag  True when a 0x7E follows the FCS

On build an ``hcs``/``fcs`` of None is computed, stored octets are written as they are (so a frame
with a bad CRC rebuilds exactly and a tree made from scratch gets correct CRCs).
"""

from __future__ import annotations

import construct as c
from construct import Container, this

from ..crc import check_sequence
from ._core import BitFields, Expected, Struct, UntilEnd, ok_of
from .transparency import Stuffed

__all__ = [
    "CONTROL_KINDS",
    "FLAG",
    "CheckSequence",
    "FrameReject",
    "HdlcFrame",
    "HdlcParameterValue",
    "HdlcParameters",
    "HdlcStuffedFrame",
    "MIN_FRAME_LENGTH",
    "address_size",
    "carries_information",
    "control_octet",
    "frame_length",
    "is_format_octet",
    "header_length",
    "parameters_dict",
]

FLAG = 0x7E
FORMAT_TYPE_3 = 0xA

# Control field kinds, lower case of the HDLC frame names (IEC 62056-46 6.4.3 / ISO/IEC 13239).
CONTROL_KINDS = ("i", "rr", "rnr", "rej", "srej", "snrm", "disc", "ua", "dm", "frmr", "ui")
_SUPERVISORY = {0x01: "rr", 0x05: "rnr", 0x09: "rej", 0x0D: "srej"}  # control & 0x0F
_UNNUMBERED = {
    0x83: "snrm",
    0x43: "disc",
    0x63: "ua",
    0x0F: "dm",
    0x87: "frmr",
    0x03: "ui",
}  # & 0xEF
_SUPERVISORY_CODE = {v: k for k, v in _SUPERVISORY.items()}
_UNNUMBERED_CODE = {v: k for k, v in _UNNUMBERED.items()}


class _FlagPresent(c.Construct):
    """An optional 0x7E flag: True when present (and consumed), False otherwise."""

    def __init__(self):
        super().__init__()
        self.flagbuildnone = True

    def _parse(self, stream, context, path):
        here = stream.tell()
        octet = stream.read(1)
        if octet == b"\x7e":
            return True
        stream.seek(here)
        return False

    def _emitfast(self, cp, sc):
        v = cp.var()
        sc.avail = 0
        sc.fn.add(f"if o < {sc.end} and data[o] == 0x7E: {v} = True; o += 1")
        sc.fn.add(f"else: {v} = False")
        return v

    def _build(self, obj, stream, context, path):
        present = True if obj is None else bool(obj)
        if present:
            c.stream_write(stream, b"\x7e", 1, path)
        return present

    def _sizeof(self, context, path):
        raise c.SizeofError("optional flag", path=path)


def address_size(address: int) -> int:
    """Octets the smallest HDLC address field holding ``address`` takes (1, 2 or 4: seven bits
    per octet, the low bit of each marking the last)."""
    return 1 if address < 0x80 else 2 if address < 0x4000 else 4


def _address_size(addr) -> int:
    """Octets an address container builds to: its ``size``, else the smallest that fits."""
    size = addr.get("size")
    if size:
        return int(size)
    upper, lower = addr.get("upper"), addr.get("lower")
    if upper is None and lower is None:
        return address_size(int(addr["address"]))
    return 2 if int(upper or 0) < 0x80 and int(lower or 0) < 0x80 else 4


MIN_FRAME_LENGTH = 7
"""The shortest frame length: format 2, addresses 1 + 1, control 1, FCS 2."""


def is_format_octet(octet: int) -> bool:
    """True for an octet that can open a format field (frame format type 3, 0xA.)."""
    return octet >> 4 == FORMAT_TYPE_3


def frame_length(buf: bytes, at: int) -> int | None:
    """The frame length the format field at ``buf[at]`` says (octets from the format field
    through the FCS), or None when the octets there are no format type 3 field."""
    if at + 2 > len(buf) or not is_format_octet(buf[at]):
        return None
    return (buf[at] & 0x07) << 8 | buf[at + 1]


def carries_information(control: int) -> bool:
    """True for the frames whose information field holds LLC and APDU: I and UI frames."""
    return _decode_control(control)["kind"] in ("i", "ui")


def header_length(ctx) -> int:
    """Octets of format, addresses and control: what the HCS covers."""
    return 2 + _address_size(ctx["destination_address"]) + _address_size(ctx["source_address"]) + 1


def _emit_header_length(cp, sc) -> str:
    # parsed addresses always carry their size
    return f"(3 + {sc.field('destination_address')}['size'] + {sc.field('source_address')}['size'])"


header_length._emitfast = _emit_header_length


class _Format(c.Construct):
    """The format field: type 0xA (4 bits), segmentation S (1 bit), frame length (11 bits)."""

    def __init__(self):
        super().__init__()
        self.flagbuildnone = True  # omitted: not segmented, length computed

    def _parse(self, stream, context, path):
        value = int.from_bytes(c.stream_read(stream, 2, path), "big")
        if value >> 12 != FORMAT_TYPE_3:
            raise Expected(
                "HDLC frame format type 3 (0xA in the top 4 bits of the format field)",
                f"0x{value >> 12:X}",
            )
        return Container(
            format_type=FORMAT_TYPE_3, segmentation=bool(value & 0x0800), length=value & 0x07FF
        )

    def _emitfast(self, cp, sc):
        x, v = cp.var("x"), cp.var()
        cp.need(sc, 2)
        sc.fn.add(f"{x} = data[o] << 8 | data[o + 1]; o += 2")
        sc.fn.add(f"if {x} >> 12 != {FORMAT_TYPE_3}: raise _Fail")
        sc.fn.add(f"{v} = Container(format_type={FORMAT_TYPE_3}, segmentation=bool({x} & 0x0800), "
                  f"length={x} & 0x07FF)")
        return v

    def _build(self, obj, stream, context, path):
        obj = obj or Container()
        length = obj.get("length")
        if length is None:
            info = context.get("information")
            length = header_length(context) + 2 + (2 + len(info) if info is not None else 0)
        if not 0 <= int(length) <= 0x7FF:
            raise c.ConstructError(f"HDLC frame length {length} does not fit 11 bits", path=path)
        value = FORMAT_TYPE_3 << 12 | (0x0800 if obj.get("segmentation") else 0) | int(length)
        c.stream_write(stream, value.to_bytes(2, "big"), 2, path)
        return Container(
            format_type=FORMAT_TYPE_3,
            segmentation=bool(obj.get("segmentation")),
            length=int(length),
        )

    def _sizeof(self, context, path):
        return 2


class _Address(c.Construct):
    """An HDLC address of 1, 2 or 4 octets; the LSB of each octet is 1 on the last one."""

    def _parse(self, stream, context, path):
        groups = []
        while True:
            octet = c.stream_read(stream, 1, path)[0]
            groups.append(octet >> 1)
            if octet & 1:
                break
            if len(groups) == 4:
                raise Expected(
                    "an HDLC address of 1, 2 or 4 octets (extension bit set on the last)",
                    "no extension bit in 4 octets",
                )
        size = len(groups)
        if size == 3:
            raise Expected("an HDLC address of 1, 2 or 4 octets", "3 octets")
        address = 0
        for g in groups:
            address = address << 7 | g
        if size == 1:
            return Container(size=1, address=address, upper=None, lower=None)
        half = 7 * size // 2
        return Container(
            size=size, address=address, upper=address >> half, lower=address & ((1 << half) - 1)
        )

    def _emitfast(self, cp, sc):
        v, x = cp.var(), cp.var("x")
        sc.avail = 0
        sc.fn.add(f"if o < {sc.end} and data[o] & 1: "
                  f"{v} = Container(size=1, address=data[o] >> 1, upper=None, lower=None); o += 1")
        # two octets (a server's upper and lower address), the first without the extension bit
        sc.fn.add(f"elif o + 1 < {sc.end} and data[o + 1] & 1: "
                  f"{x} = data[o] >> 1 << 7 | data[o + 1] >> 1; "
                  f"{v} = Container(size=2, address={x}, upper={x} >> 7, lower={x} & 0x7F); o += 2")
        # four octets (14-bit upper and lower addresses), else construct names the error
        sc.fn.add(f"elif o + 3 < {sc.end} and not (data[o] | data[o + 1] | data[o + 2]) & 1 "
                  f"and data[o + 3] & 1: {x} = data[o] >> 1 << 21 | data[o + 1] >> 1 << 14 | "
                  f"data[o + 2] >> 1 << 7 | data[o + 3] >> 1; {v} = Container(size=4, "
                  f"address={x}, upper={x} >> 14, lower={x} & 0x3FFF); o += 4")
        sc.fn.add("else: raise _Fail")
        return v

    def _build(self, obj, stream, context, path):
        size = _address_size(obj)
        if size not in (1, 2, 4):
            raise c.ConstructError(f"HDLC address size {size} (must be 1, 2 or 4)", path=path)
        upper, lower = obj.get("upper"), obj.get("lower")
        half = 7 * size // 2
        if size > 1 and upper is not None and lower is not None:
            if not (0 <= upper < 1 << half and 0 <= lower < 1 << half):
                raise c.ConstructError(
                    f"HDLC address {upper}/{lower} does not fit {size} octets", path=path
                )
            address = int(upper) << half | int(lower)
        else:
            address = int(obj["address"])
        if not 0 <= address < 1 << (7 * size):
            raise c.ConstructError(
                f"HDLC address {address} does not fit {size} octet(s)", path=path
            )
        data = bytes(
            ((address >> (7 * (size - 1 - i))) & 0x7F) << 1 | (i == size - 1) for i in range(size)
        )
        c.stream_write(stream, data, size, path)
        if size == 1:
            return Container(size=1, address=address, upper=None, lower=None)
        return Container(
            size=size, address=address, upper=address >> half, lower=address & ((1 << half) - 1)
        )

    def _sizeof(self, context, path):
        raise c.SizeofError("1, 2 or 4 octets", path=path)


def _decode_control(value: int) -> Container:
    pf = bool(value & 0x10)
    if not value & 0x01:
        return Container(kind="i", pf=pf, ns=(value >> 1) & 7, nr=value >> 5, value=value)
    if not value & 0x02:
        kind = _SUPERVISORY.get(value & 0x0F, "unknown")
        return Container(kind=kind, pf=pf, ns=None, nr=value >> 5, value=value)
    return Container(
        kind=_UNNUMBERED.get(value & 0xEF, "unknown"), pf=pf, ns=None, nr=None, value=value
    )


def control_octet(control) -> int:
    """The control octet of a control container: from kind/pf/ns/nr, ``value`` for unknown kinds."""
    kind = control.get("kind")
    pf = 0x10 if control.get("pf") else 0
    if kind == "i":
        return (int(control.get("nr") or 0) & 7) << 5 | pf | (int(control.get("ns") or 0) & 7) << 1
    if kind in _SUPERVISORY_CODE:
        return (int(control.get("nr") or 0) & 7) << 5 | pf | _SUPERVISORY_CODE[kind]
    if kind in _UNNUMBERED_CODE:
        return _UNNUMBERED_CODE[kind] | pf
    if control.get("value") is None:
        raise ValueError(f"HDLC control kind {kind!r} needs a value")
    return int(control["value"])


class _Control(c.Construct):
    """The control field, decoded to its frame kind, P/F bit and sequence numbers."""

    def _parse(self, stream, context, path):
        return _decode_control(c.stream_read(stream, 1, path)[0])

    def _emitfast(self, cp, sc):
        v = cp.var()
        cp.need(sc, 1)
        sc.fn.add(f"{v} = {cp.const(_decode_control, 'g')}(data[o]); o += 1")
        return v

    def _build(self, obj, stream, context, path):
        try:
            value = control_octet(obj)
        except (ValueError, TypeError) as e:
            raise c.ConstructError(str(e), path=path) from None
        c.stream_write(stream, bytes([value]), 1, path)
        return _decode_control(value)

    def _sizeof(self, context, path):
        return 1


class CheckSequence(bytes):
    """The two octets of an HCS or FCS as received, with ``ok`` telling whether they match."""

    ok: bool

    def __new__(cls, value: bytes, ok: bool):
        self = super().__new__(cls, value)
        self.ok = ok
        return self

    def __reduce__(self):
        return (CheckSequence, (bytes(self), self.ok))


class _Check(c.Construct):
    """CRC-16/X.25 over the ``covered(ctx)`` octets just before it; kept and marked on parse.
    With ``when``, present only where ``when(ctx)`` is true (else None, nothing read)."""

    def __init__(self, covered, when=None):
        super().__init__()
        self.covered = covered
        self.when = when
        self.flagbuildnone = True

    def _covered_octets(self, stream, context, path) -> bytes:
        n = self.covered(context)
        here = stream.tell()
        stream.seek(here - n)
        data = stream.read(n)
        stream.seek(here)
        if len(data) != n:
            raise c.ConstructError("check sequence: covered octets not in the stream", path=path)
        return data

    def _parse(self, stream, context, path):
        if self.when is not None and not self.when(context):
            return None
        covered = self._covered_octets(stream, context, path)
        value = c.stream_read(stream, 2, path)
        return CheckSequence(value, check_sequence(covered) == value)

    def _emitfast(self, cp, sc):
        fn, n, v = sc.fn, cp.var("n"), cp.var("r")
        sc.avail = 0
        if self.when is not None:
            fn.add(f"{v} = None")
            fn.add(f"if {cp.expr(self.when, sc)}:")
            fn.ind += 1
        fn.add(f"{n} = {cp.expr(self.covered, sc)}")
        # construct would seek outside its window (ValueError) or read to the end: let it decide
        fn.add(f"if {n} < 0 or o - {n} < {sc.ws}: raise _Bail")
        fn.add(f"if o + 2 > {sc.end}: raise _Fail")
        fn.add(f"{v} = {cp.const(CheckSequence, 'g')}(data[o:o + 2], "
               f"{cp.const(check_sequence, 'g')}(data[o - {n}:o]) == data[o:o + 2]); o += 2")
        if self.when is not None:
            fn.ind -= 1
        return v

    def _build(self, obj, stream, context, path):
        if self.when is not None and not self.when(context):
            return obj  # as If does
        if obj is None:
            obj = check_sequence(self._covered_octets(stream, context, path))
        if len(obj) != 2:
            raise c.ConstructError("a check sequence is 2 octets", path=path)
        c.stream_write(stream, bytes(obj), 2, path)
        return obj

    def _sizeof(self, context, path):
        return 2


def _information_length(ctx) -> int | None:
    """Octets of the information field, None when the frame has none (then it has no HCS either)."""
    if not ctx._parsing:
        info = ctx.get("information")
        return None if info is None else len(info)
    length, header = ctx.format.length, header_length(ctx)
    if length == header + 2:
        return None
    if length < header + 4:
        e = Expected(
            f"a frame length of {header + 2} (no information field) or at least {header + 4}",
            str(length),
        )
        e.offset = ctx._io.tell() - header  # the format field, which holds the length
        raise e
    return length - header - 4


def _emit_information_length(cp, sc) -> str:
    """A variable: None or the length; a bad length hands over to construct (which names it)."""
    fn, length, header, v = sc.fn, cp.var("ln"), cp.var("hl"), cp.var("il")
    fn.add(f"{length} = {sc.field('format')}['length']; {header} = {_emit_header_length(cp, sc)}")
    fn.add(f"if {length} == {header} + 2: {v} = None")
    fn.add(f"elif {length} < {header} + 4: raise _Bail")
    fn.add(f"else: {v} = {length} - {header} - 4")
    return v


_information_length._emitfast = _emit_information_length


def _has_information(ctx) -> bool:
    return _information_length(ctx) is not None


_has_information._emitfast = lambda cp, sc: f"({_emit_information_length(cp, sc)} is not None)"


class _Information(c.Construct):
    """The information field: as many octets as the frame length leaves, or None."""

    def __init__(self):
        super().__init__()
        self.flagbuildnone = True

    def _parse(self, stream, context, path):
        n = _information_length(context)
        return None if n is None else c.stream_read(stream, n, path)

    def _emitfast(self, cp, sc):
        fn, n, v = sc.fn, _emit_information_length(cp, sc), cp.var()
        sc.avail = 0
        fn.add(f"if {n} is None: {v} = None")
        fn.add(f"elif o + {n} > {sc.end}: raise _Fail")
        fn.add(f"else: {v} = data[o:o + {n}]; o += {n}")
        return v

    def _build(self, obj, stream, context, path):
        if obj is not None:
            c.stream_write(stream, bytes(obj), len(obj), path)
        return obj

    def _sizeof(self, context, path):
        raise c.SizeofError("variable length", path=path)


HdlcFrame = Struct(
    "opening_flag" / _FlagPresent(),
    "format" / _Format(),
    "destination_address" / _Address(),
    "source_address" / _Address(),
    "control" / _Control(),
    "hcs" / _Check(header_length, when=_has_information),
    "hcs_ok" / c.Computed(ok_of("hcs")),
    "information" / _Information(),
    "fcs" / _Check(this.format.length - 2),
    "fcs_ok" / c.Computed(ok_of("fcs")),
    "closing_flag" / _FlagPresent(),
)

# The same frame on a link that octet-stuffs (0x7D escapes); its container has one more key,
# ``escaped``.
HdlcStuffedFrame = Stuffed(
    HdlcFrame,
    lambda obj: (obj.get("opening_flag") is not False, obj.get("closing_flag") is not False),
)


# --- SNRM / UA information field: HDLC parameter negotiation (IEC 62056-46 6.4.4.4.3.2) ---


class HdlcParameterValue(int):
    """A parameter value remembering how many octets it was sent in (1, 2 or 4)."""

    width: int

    def __new__(cls, value: int, width: int):
        self = super().__new__(cls, value)
        self.width = width
        return self

    def __reduce__(self):
        return (HdlcParameterValue, (int(self), self.width))


_PARAMETER_IDS = {
    "max_info_field_length_transmit": 0x05,
    "max_info_field_length_receive": 0x06,
    "window_size_transmit": 0x07,
    "window_size_receive": 0x08,
}


class _ParameterValue(c.Construct):
    """A length octet then the value: an unsigned integer for known parameters, bytes otherwise."""

    def _parse(self, stream, context, path):
        n = c.stream_read(stream, 1, path)[0]
        data = c.stream_read(stream, n, path)
        if isinstance(context.parameter_id, c.EnumIntegerString) and n in (1, 2, 4):
            return HdlcParameterValue(int.from_bytes(data, "big"), n)
        return data

    def _emitfast(self, cp, sc):
        fn, n, raw, v = sc.fn, cp.var("n"), cp.var("x"), cp.var()
        cp.need(sc, 1)
        sc.avail = 0
        fn.add(f"{n} = data[o]; o += 1")
        fn.add(f"if o + {n} > {sc.end}: raise _Fail")
        fn.add(f"{raw} = data[o:o + {n}]; o += {n}")
        fn.add(f"if isinstance({sc.field('parameter_id')}, EnumIntegerString) and {n} in (1, 2, 4): "
               f"{v} = {cp.const(HdlcParameterValue, 'g')}(int.from_bytes({raw}, 'big'), {n})")
        fn.add(f"else: {v} = {raw}")
        return v

    def _build(self, obj, stream, context, path):
        if isinstance(obj, (bytes, bytearray)):
            data = bytes(obj)
        else:
            value = int(obj)
            width = getattr(obj, "width", None) or (
                1 if value < 0x100 else 2 if value < 0x10000 else 4
            )
            data = value.to_bytes(width, "big")
        if len(data) > 0xFF:
            raise c.ConstructError("an HDLC parameter value is at most 255 octets", path=path)
        c.stream_write(stream, bytes([len(data)]) + data, 1 + len(data), path)
        return obj

    def _sizeof(self, context, path):
        raise c.SizeofError("variable length", path=path)


_Parameter = Struct(
    "parameter_id" / c.Enum(c.Int8ub, **_PARAMETER_IDS),
    "value" / _ParameterValue(),
)


_ParameterList = UntilEnd(_Parameter, "an HDLC parameter")

HdlcParameters = Struct(
    "format_identifier" / c.Const(0x81, c.Int8ub),
    "group_identifier" / c.Const(0x80, c.Int8ub),
    "group_length" / c.Rebuild(c.Int8ub, lambda ctx: len(_ParameterList.build(ctx.parameters))),
    "parameters" / c.FixedSized(c.this.group_length, _ParameterList),
    # parameters after the group its length declares: Gurux's server writes group length 0
    # before all four; kept (and reported by the pipeline) so such a UA still shows its values
    "outside_group" / _ParameterList,
)


# --- FRMR information field (ISO/IEC 13239 basic format, as IEC 62056-46 uses it) ---

FrameReject = Struct(
    "rejected_control" / _Control(),
    "state" / BitFields(("reserved", 0, 1), ("vs", 1, 3), ("cr", 4, 1), ("vr", 5, 3)),
    "reasons" / BitFields(("w", 0, 1), ("x", 1, 1), ("y", 2, 1), ("z", 3, 1), ("unused", 4, 4)),
)
"""Why a frame was rejected: the rejected frame's control field (decoded as any control field);
the sender's V(S), C/R (the rejected frame was a response) and V(R); then W (control field
undefined or not implemented), X (an information field where none is permitted: W is set
too), Y (information field longer than the receiver accepts) and Z (an N(R) that is no valid
one). Every bit is kept, so a field with unusual bits rebuilds exactly."""


def parameters_dict(parameters) -> dict:
    """The parameters of a parsed ``HdlcParameters`` by name (unknown ids as ``"0xNN"``)."""
    out = {}
    for p in [*parameters.parameters, *(parameters.get("outside_group") or ())]:
        pid = p.parameter_id
        name = str(pid) if isinstance(pid, c.EnumIntegerString) else f"0x{int(pid):02X}"
        out[name] = p.value
    return out


# --- building frames and parameter fields for a station (the client's link layer) ---

# The values a station assumes when SNRM/UA carry no parameter (IEC 62056-46 6.4.4.4.3.2).
DEFAULT_PARAMETERS = {
    "max_info_field_length_transmit": 128,
    "max_info_field_length_receive": 128,
    "window_size_transmit": 1,
    "window_size_receive": 1,
}


def address_container(size: int, address: int | None = None, upper: int | None = None,
                      lower: int | None = None) -> Container:
    """An address tree for ``HdlcFrame``: 1 octet from ``address``, 2 or 4 from upper/lower."""
    if size == 1:
        return Container(size=1, address=int(address if address is not None else upper or 0),
                         upper=None, lower=None)
    return Container(size=size, address=None, upper=int(upper or 0), lower=int(lower or 0))


def build_frame(kind: str, destination, source, *, pf: bool = True, ns: int | None = None,
                nr: int | None = None, information: bytes | None = None,
                segmentation: bool = False) -> bytes:
    """The octets of one flagged frame, HCS and FCS computed: what a station transmits."""
    from ._core import build

    tree = Container(
        opening_flag=True,
        format=Container(segmentation=segmentation, length=None),
        destination_address=destination,
        source_address=source,
        control=Container(kind=kind, pf=pf, ns=ns, nr=nr, value=None),
        hcs=None,
        information=None if information is None else bytes(information),
        fcs=None,
        closing_flag=True,
    )
    return build(HdlcFrame, tree, "hdlc")


def build_parameters(values: dict) -> bytes:
    """The SNRM/UA information field for ``values`` (names of ``DEFAULT_PARAMETERS``).

    Window sizes go in 4 octets and lengths in the fewest that hold them, as the Green Book's
    SNRM example writes them."""
    from ._core import build

    params = []
    for name in _PARAMETER_IDS:
        if name in values:
            value = int(values[name])
            width = 4 if name.startswith("window") else (1 if value < 0x100 else 2)
            params.append(Container(parameter_id=name, value=HdlcParameterValue(value, width)))
    return build(HdlcParameters, Container(parameters=params, outside_group=[]), "hdlc")


def parse_parameters(information: bytes) -> dict:
    """The negotiation values of an SNRM/UA information field by name (``parameters_dict``)."""
    from ._core import parse

    return parameters_dict(parse(HdlcParameters, information, "hdlc"))
