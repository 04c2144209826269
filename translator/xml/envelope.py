"""Frame envelopes both ways: ``<HDLC>``, ``<WRAPPER>`` and ``<WiredMBus>``, one per frame.

What Gurux shows of a frame (addresses, frame type, the PDU) is rendered as Gurux does; what it
leaves out (LLC header, address sizes, shared flags, a stored bad CRC, the segmentation bit, octet
stuffing, M-Bus C/A/CI fields) travels in our ``dt:`` attributes, only when it differs from what
the rest of the element implies. Frames are always rebuilt by their schemas (lengths, HCS/FCS and
checksums recomputed unless a bad one was kept).
"""

from __future__ import annotations

from typing import Any

from ..errors import DecodeError, EncodeError
from ..schema import _core
from ..schema.apdu import APDU_NAMES, Apdu
from ..schema.hdlc import (
    HdlcFrame,
    HdlcParameters,
    HdlcStuffedFrame,
    address_size,
    carries_information,
)
from ..schema.llc import LLC_COMMAND, LLC_RESPONSE, llc_length
from ..schema.mbus import MBUS_ACK, MBUS_LONG_START, MBUS_SHORT_START, MbusFrame
from ..schema.wrapper import WrapperFrame
from .context import OUR, Cursor, InCtx, OutCtx, fail, ours, value_of
from .formats import hexstr, num_parse, parse_hex
from .spec import NS_PREFIX, simple_spec
from .writer import El

__all__ = ["ENVELOPES", "Body", "frame_element", "read_frame"]

_SPEC = simple_spec()
_F = _SPEC["framing"]
_H = _F["hdlc"]
_W = _F["wrapper"]
_M = _F["mbus"]
PDU, NEXT, RAW = _F["pdu"], _F["next_frame"], _F["raw"]
ENVELOPES = {_H["element"]: "hdlc", _W["element"]: "wrapper", _M["element"]: "mbus"}
_COMMANDS = frozenset(_SPEC["command_apdus"])
_NO_INFO = _H["no_information"]
_NO_INFO_TAGS = frozenset(_NO_INFO.values())
_PARAM_TAGS = {v: k for k, v in _H["parameters"].items()}
_PARAM_NAMES = _H["parameter_names"]
_PARAM_BY_ELEMENT = {v: k for k, v in _PARAM_NAMES.items()}
_PARAM_WIDTHS = _H["parameter_widths"]


class Body:
    """What a frame carries, as decided from its message: kind and content."""

    __slots__ = ("apdu", "extra", "kind", "parameters")

    def __init__(self, kind: str, apdu: Any = None, parameters: Any = None,
                 extra: bytes = b"") -> None:
        self.kind = kind            # "apdu", "parameters", "next", "raw", "none"
        self.apdu = apdu            # decoded APDU container {tag, body} for "apdu"
        self.parameters = parameters
        self.extra = extra          # octets after the complete APDU (an error, kept)


EXTRA = "Extra"
"""``<dt:Extra Value=".."/>`` after an APDU: octets that followed it in the frame (no element of
the dialect has room for them, and encode must give them back)."""


def extra_element(extra: bytes, ctx: OutCtx) -> El:
    ctx.ns_used = True
    return El(f"{NS_PREFIX}:{EXTRA}", {"Value": hexstr(extra)})


def read_extra(cur: Cursor) -> bytes:
    """The octets of a ``<dt:Extra>`` at the cursor (taken), or nothing."""
    el = cur.peek()
    if el is None or el.tag != OUR + EXTRA:
        return b""
    cur.take()
    return parse_hex(el, value_of(el))


# --- helpers ------------------------------------------------------------------------------------

def _num(n: int, ctx: OutCtx) -> str:
    return format(int(n), "X") if ctx.hex else str(int(n))


def _read_num(el: Any, text: str, ctx: InCtx, bits: int = 32) -> int:
    return num_parse(el, text, bits, False, ctx.hex)


def _split_llc(payload: bytes) -> tuple[bytes, bytes]:
    n = llc_length(payload, plc=False)  # Gurux's XML knows IEC 62056-46's header only
    return payload[:n], payload[n:]


def _default_llc(framing: str, control: int | None, kind: str, name: str | None,
                 block_number: int | None) -> bytes:
    """The LLC header Gurux's XML implies (it never shows one): see ``dt:llc`` in the spec."""
    if framing != "hdlc" or control is None or kind in ("next", "parameters", "none"):
        return b""
    if not carries_information(control):
        return b""
    if name is None:
        return b""
    if name == "general_block_transfer" and block_number not in (None, 1):
        return b""
    return LLC_COMMAND if name in _COMMANDS else LLC_RESPONSE


def _name_of_raw(data: bytes) -> str | None:
    return APDU_NAMES.get(data[0]) if data else None


def _mark_llc(el: El, actual: bytes, default: bytes, ctx: OutCtx) -> None:
    if actual != default:
        ctx.mark(el, "llc", hexstr(actual) if actual else "none")


def _llc_in(el: Any, default: bytes) -> bytes:
    text = ours(el, "llc")
    if text is None:
        return default
    if text.strip().lower() == "none":
        return b""
    return parse_hex(el, text)


def _pdu(body: Body, payload: bytes, ctx: OutCtx) -> tuple[El | None, str | None, int | None]:
    """The body element(s) of a frame: (element, APDU name for the LLC default, block number)."""
    if body.kind == "apdu":
        pdu = El(PDU, container=True)
        ctx.tables.apdu_write(body.apdu, pdu, ctx)
        if body.extra:
            pdu.add(extra_element(body.extra, ctx))
        name = str(body.apdu["tag"])
        block = body.apdu["body"].get("block_number") if name == "general_block_transfer" else None
        return pdu, name, block
    if body.kind == "raw":
        pdu = El(PDU, container=True)
        pdu.add(El(RAW, {"Value": hexstr(payload)}))
        return pdu, _name_of_raw(payload), None
    if body.kind == "next":
        return El(NEXT, {"Value": hexstr(payload)}), None, None
    return None, None, None


def _apdu_bytes(pdu: Any, ctx: InCtx) -> tuple[bytes, str | None, int | None]:
    """The octets of a ``<PDU>``'s content, with the APDU name and GBT block number."""
    cur = Cursor(pdu)
    child = cur.peek()
    if child is None:
        return b"", None, None
    if child.tag == RAW:
        cur.take()
        cur.done()
        data = parse_hex(child, value_of(child))
        return data, _name_of_raw(data), None
    apdu = ctx.tables.apdu_read(cur, pdu, ctx)
    extra = read_extra(cur)
    cur.done()
    data = _core.build(Apdu, apdu, "apdu") + extra
    block = apdu["body"].get("block_number") if apdu["tag"] == "general_block_transfer" else None
    return data, apdu["tag"], block


# --- HDLC ---------------------------------------------------------------------------------------

def _address_el(tag: str, addr: Any, ctx: OutCtx) -> El | str:
    value = int(addr["address"])
    size = int(addr["size"])
    if size == address_size(value):
        return "<" + tag + ' Value="' + (format(value, "X") if ctx.hex else str(value)) + '" />'
    el = El(tag, {"Value": _num(value, ctx)})
    ctx.mark(el, "size", str(size))
    return el


def _size(el: Any) -> int | None:
    """Our ``dt:size`` attribute as a number of octets, or None."""
    text = ours(el, "size")
    if text is None:
        return None
    if not text.strip().isdigit():
        raise fail(el, f"dt:size {text!r} is not a number of octets")
    return int(text)


def _address_in(el: Any, ctx: InCtx) -> dict:
    value = _read_num(el, value_of(el), ctx, 28)
    n = _size(el) or address_size(value)
    if n not in (1, 2, 4):
        raise fail(el, "an HDLC address is 1, 2 or 4 octets")
    return {"size": n, "address": value}


_H_ELEMENT, _H_TARGET, _H_SOURCE = _H["element"], _H["target"], _H["source"]
_H_FRAME_TYPE = f'<{_H["frame_type"]} Value="'


def _hdlc(item: Any, body: Body, ctx: OutCtx) -> El:
    f = item.frame
    info = f.get("information")
    length = int(f["format"]["length"])
    el = El(_H_ELEMENT, {"len": _num(length - 1 if info is not None else length + 2, ctx)},
            container=True)
    add = el.children.append
    add(_address_el(_H_TARGET, f["destination_address"], ctx))
    add(_address_el(_H_SOURCE, f["source_address"], ctx))
    control = int(f["control"]["value"])
    add(_H_FRAME_TYPE + format(control, "02X") + '" />')
    get = f.get
    if (get("opening_flag") is False or get("closing_flag") is False or get("hcs_ok") is False
            or get("fcs_ok") is False or get("escaped")):  # a frame Gurux cannot show as is
        _mark_frame(el, f, ctx)
    segmented = bool(f["format"]["segmentation"])
    if segmented != (body.kind == "next"):
        ctx.mark(el, "segmented", "true" if segmented else "false")
    kind = str(f["control"]["kind"])
    if info is None:
        if kind in _NO_INFO:
            el.add(El(_NO_INFO[kind], container=True))
        elif kind in ("rr", "rnr", "rej", "srej"):
            el.add(El(_H["supervisory"]["element"], {"Value": _H["supervisory"]["value"]}))
        return el
    if body.kind == "parameters":
        pdu = el.add(El(PDU, container=True))
        pdu.add(_parameters(kind, body.parameters, ctx))
        return el
    llc, rest = _split_llc(bytes(info))
    child, name, block = _pdu(body, rest, ctx)
    _mark_llc(el, llc, _default_llc("hdlc", control, body.kind, name, block), ctx)
    if child is not None:
        el.add(child)
    return el


def _mark_frame(el: El, f: Any, ctx: OutCtx) -> None:
    """Our attributes for missing flags, a stored bad HCS/FCS and octet stuffing."""
    if f.get("opening_flag") is False:
        ctx.mark(el, "opening-flag", "false")
    if f.get("closing_flag") is False:
        ctx.mark(el, "closing-flag", "false")
    if f.get("hcs_ok") is False:
        ctx.mark(el, "hcs", hexstr(f["hcs"]))
    if f.get("fcs_ok") is False:
        ctx.mark(el, "fcs", hexstr(f["fcs"]))
    if f.get("escaped"):
        ctx.mark(el, "escaped", " ".join(str(i) for i in f["escaped"]))


def _parameters(kind: str, parameters: Any, ctx: OutCtx) -> El:
    el = El(_H["parameters"].get(kind, _H["parameters"]["ua"]), container=True)
    outside = list(parameters.get("outside_group") or ())
    for p in [*parameters["parameters"], *outside]:
        pid = p["parameter_id"]
        value = p["value"]
        name = _PARAM_NAMES.get(str(pid))
        if name is None or isinstance(value, (bytes, bytearray)):
            child = El("Parameter", {"Id": format(int(pid), "02X"), "Value": hexstr(bytes(value))
                                     if isinstance(value, (bytes, bytearray)) else str(int(value))})
            el.add(child)
            continue
        child = El(name, {"Value": str(int(value))})
        width = int(getattr(value, "width", 0) or 0)
        if width and width != _param_width(str(pid), int(value)):
            ctx.mark(child, "size", str(width))
        el.add(child)
    for child in el.children[len(el.children) - len(outside):]:
        ctx.mark(child, "outside", "1")  # after the group its length declares (Gurux servers)
    return el


def _param_width(pid: str, value: int) -> int:
    fixed = _PARAM_WIDTHS.get(pid, 0)
    if fixed:
        return fixed
    return 1 if value < 0x100 else 2 if value < 0x10000 else 4


def _read_parameters(el: Any) -> bytes:
    from ..schema.hdlc import HdlcParameterValue
    inside: list = []
    outside: list = []
    for child in Cursor(el).items:
        params = outside if ours(child, "outside") else inside
        if child.tag == "Parameter":
            pid = num_parse(child, child.get("Id") or "", 8, False, True)
            params.append({"parameter_id": pid, "value": parse_hex(child, value_of(child))})
            continue
        name = _PARAM_BY_ELEMENT.get(child.tag)
        if name is None:
            raise fail(child, "not an HDLC parameter")
        value = num_parse(child, value_of(child), 32, False, False)
        width = _size(child) or _param_width(name, value)
        if width not in (1, 2, 4) or value >= 1 << (8 * width):
            raise fail(child, f"{value} does not fit {width} octet(s)")
        params.append({"parameter_id": name, "value": HdlcParameterValue(value, width)})
    return _core.build(HdlcParameters, {"parameters": inside, "outside_group": outside}, "hdlc")


def _read_hdlc(el: Any, ctx: InCtx) -> bytes:
    cur = Cursor(el)
    dst = _address_in(cur.take(_H["target"]), ctx)
    src = _address_in(cur.take(_H["source"]), ctx)
    ft = cur.take(_H["frame_type"])
    control = num_parse(ft, value_of(ft), 8, False, True)
    info: bytes | None = None
    next_frame = False
    body = cur.peek()
    if body is not None:
        cur.take()
        if body.tag == PDU:
            inner = Cursor(body).peek()
            if inner is not None and inner.tag in _PARAM_TAGS:
                info = _read_parameters(inner)
                if len(Cursor(body).items) != 1:
                    raise fail(body, "one parameter element expected")
            else:
                data, name, block = _apdu_bytes(body, ctx)
                info = _llc_in(el, _default_llc("hdlc", control, "apdu", name, block)) + data
        elif body.tag == NEXT:
            next_frame = True
            info = _llc_in(el, b"") + parse_hex(body, value_of(body))
        elif body.tag not in _NO_INFO_TAGS and body.tag != _H["supervisory"]["element"]:
            raise fail(body, f"expected <{PDU}>, <{NEXT}> or a command element")
    cur.done()
    seg = ours(el, "segmented")
    frame = {
        "opening_flag": (ours(el, "opening-flag") or "true").lower() != "false",
        "format": {"segmentation": next_frame if seg is None else seg.lower() == "true",
                   "length": None},
        "destination_address": dst,
        "source_address": src,
        "control": {"kind": "unknown", "value": control},
        "hcs": _stored(el, "hcs"),
        "information": info,
        "fcs": _stored(el, "fcs"),
        "closing_flag": (ours(el, "closing-flag") or "true").lower() != "false",
    }
    escaped = ours(el, "escaped")
    if escaped is not None:
        try:
            frame["escaped"] = tuple(int(x) for x in escaped.split())
        except ValueError:
            raise fail(el, "dt:escaped is a list of positions") from None
        return _core.build(HdlcStuffedFrame, frame, "hdlc")
    return _core.build(HdlcFrame, frame, "hdlc")


def _stored(el: Any, name: str) -> bytes | None:
    text = ours(el, name)
    if text is None:
        return None
    data = parse_hex(el, text)
    if len(data) != 2:
        raise fail(el, f"dt:{name} is 2 octets")
    return data


# --- wrapper ------------------------------------------------------------------------------------

def _wrapper(item: Any, body: Body, ctx: OutCtx) -> El:
    f = item.frame
    el = El(_W["element"], {"len": _num(8 + len(f["apdu"]), ctx)}, container=True)
    el.add(f'<{_W["target"]} Value="{_num(f["source_wport"], ctx)}" />')
    el.add(f'<{_W["source"]} Value="{_num(f["destination_wport"], ctx)}" />')
    llc, rest = _split_llc(bytes(f["apdu"]))
    child, _, _ = _pdu(body if body.kind != "next" else Body("raw"), rest, ctx)
    _mark_llc(el, llc, b"", ctx)
    if child is not None:
        el.add(child)
    return el


def _read_wrapper(el: Any, ctx: InCtx) -> bytes:
    cur = Cursor(el)
    t = cur.take(_W["target"])
    s = cur.take(_W["source"])
    data = b""
    if cur.more():
        data, _, _ = _apdu_bytes(cur.take(PDU), ctx)
    cur.done()
    frame = {"version": None, "source_wport": _read_num(t, value_of(t), ctx, 16),
             "destination_wport": _read_num(s, value_of(s), ctx, 16), "length": None,
             "apdu": _llc_in(el, b"") + data}
    return _core.build(WrapperFrame, frame, "wrapper")


# --- wired M-Bus --------------------------------------------------------------------------------

def _mbus(item: Any, body: Body, ctx: OutCtx) -> El:
    f = item.frame
    kind = str(f["frame_type"])
    el = El(_M["element"], {"len": _num(item.end - item.start - 2, ctx)}, container=True)
    if kind == "single_character":
        ctx.mark(el, "frame", "ack")
        return el
    if f.get("checksum_ok") is False:
        ctx.mark(el, "checksum", format(int(f["checksum"]), "02X"))
    if int(f["control"]) != _M["default_control"]:
        ctx.mark(el, "c", format(int(f["control"]), "02X"))
    if int(f["address"]) != _M["default_address"]:
        ctx.mark(el, "a", format(int(f["address"]), "02X"))
    if kind == "short_frame":
        ctx.mark(el, "frame", "short")
        return el
    ci = int(f["control_information"])
    if f.get("dtsap") is not None:
        el.add(El(_M["target"], {"Value": _num(f["dtsap"], ctx)}))
        el.add(El(_M["source"], {"Value": _num(f["stsap"], ctx)}))
    if ci != (0x00 if body.kind == "next" else 0x10):
        ctx.mark(el, "ci", format(ci, "02X"))
    llc, rest = _split_llc(bytes(f["data"] or b""))
    child, _, _ = _pdu(body, rest, ctx)
    _mark_llc(el, llc, b"", ctx)
    if child is not None:
        el.add(child)
    return el


def _read_mbus(el: Any, ctx: InCtx) -> bytes:
    kind = (ours(el, "frame") or "long").lower()
    if kind == "ack":
        return _core.build(MbusFrame, {"frame_type": _frame_type(MBUS_ACK, "single_character")},
                           "mbus")

    def byte(name: str, default: int) -> int:
        text = ours(el, name)
        return default if text is None else num_parse(el, text, 8, False, True)

    frame: dict[str, Any] = {
        "frame_type": (_frame_type(MBUS_SHORT_START, "short_frame") if kind == "short"
                       else _frame_type(MBUS_LONG_START, "long_frame")),
        "length": None, "control": byte("c", _M["default_control"]),
        "address": byte("a", _M["default_address"]),
        "checksum": None if ours(el, "checksum") is None else byte("checksum", 0),
    }
    cur = Cursor(el)
    if kind == "short":
        cur.done()
        return _core.build(MbusFrame, frame, "mbus")
    dtsap = stsap = None
    if cur.peek_tag() == _M["target"]:
        t = cur.take()
        s = cur.take(_M["source"])
        dtsap = _read_num(t, value_of(t), ctx, 8)
        stsap = _read_num(s, value_of(s), ctx, 8)
    data = b""
    next_frame = False
    if cur.more():
        body = cur.take()
        if body.tag == PDU:
            data, _, _ = _apdu_bytes(body, ctx)
        elif body.tag == NEXT:
            next_frame = True
            data = parse_hex(body, value_of(body))
        else:
            raise fail(body, f"expected <{PDU}> or <{NEXT}>")
    cur.done()
    frame.update(control_information=byte("ci", 0x00 if next_frame else 0x10), stsap=stsap,
                 dtsap=dtsap, data=_llc_in(el, b"") + data)
    try:
        return _core.build(MbusFrame, frame, "mbus")
    except EncodeError as e:  # a CI with STSAP/DTSAP but none given, and the like
        raise fail(el, f"cannot build the M-Bus frame: {e}") from None


def _frame_type(code: int, name: str) -> Any:
    """The frame type as the M-Bus schema's enum gives it (it refuses anything else)."""
    import construct as c
    return c.EnumIntegerString.new(code, name)


# --- entry points -------------------------------------------------------------------------------

_WRITERS = {"hdlc": _hdlc, "wrapper": _wrapper, "mbus": _mbus}
_READERS = {"hdlc": _read_hdlc, "wrapper": _read_wrapper, "mbus": _read_mbus}


def frame_element(item: Any, body: Body, ctx: OutCtx) -> El:
    """The envelope element of one frame (``item`` is a ``stream.framing.Frame``)."""
    return _WRITERS[item.layer](item, body, ctx)


def read_frame(el: Any, ctx: InCtx) -> bytes:
    """The octets of one envelope element."""
    try:
        return _READERS[ENVELOPES[el.tag]](el, ctx)
    except DecodeError as e:
        raise fail(el, str(e)) from None

