"""The generated parsers (``_compile.fast_parse``) against the interpreted schemas (``_core.parse``).

The oracle is construct itself: for every real vector and every schema the pipeline runs on it,
the generated parser must give the same tree (types, key order, values, ``_spans``, widths) or
the same ``DecodeError``; prefixes and random corruptions of the same inputs must too. A few facts
from the vectors' ``expected`` text are checked on the fast results directly.
"""

from __future__ import annotations

import math
import sys

import construct as c
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._vectors import VECTORS, data, frames
from translator.errors import DecodeError
from translator.schema import _compile, _core
from translator.schema.apdu import Apdu
from translator.schema.axdr import Data
from translator.schema.hdlc import HdlcFrame, HdlcParameters
from translator.schema.llc import LlcHeader
from translator.schema.mbus import MbusFrame
from translator.schema.wrapper import WrapperFrame

LLC = (b"\xe6\xe6\x00", b"\xe6\xe7\x00")


# --- deep equality, types included ----------------------------------------------------------------

def difference(a, b, path: str = "$") -> str | None:
    """Where ``a`` and ``b`` differ: type, key order, value, or instance attributes (``width``,
    ``raw``, ``ok``, enum ``intvalue``); None when they are the same tree."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} != {type(b).__name__} ({a!r} / {b!r})"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            d = difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = difference(x, y, f"{path}[{i}]")
            if d:
                return d
    elif not (a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))):
        return f"{path}: {a!r} != {b!r}"
    if getattr(a, "__dict__", None) != getattr(b, "__dict__", None):
        return f"{path}: attributes {a.__dict__} != {b.__dict__}"
    return None


def test_difference_sees_what_matters():
    """The comparison itself must catch a span, a width or a type that differs."""
    x = bytes.fromhex("0203" "09060000010000ff" "12000a" "0f05")
    a, b = _core.parse(Data, x, "axdr"), _core.parse(Data, x, "axdr")
    assert difference(a, b) is None
    b["value"][1]["_spans"]["value"] = (99, 2)
    assert "_spans" in difference(a, b)
    wide = _core.parse(Data, bytes.fromhex("09 81 02 abcd"), "axdr")
    short = _core.parse(Data, bytes.fromhex("09 02 abcd"), "axdr")
    short["_span"], short["_spans"] = wide["_span"], wide["_spans"]
    assert "value" in difference(wide, short)  # Octets(width=2) against bytes
    enum = _core.parse(Data, bytes.fromhex("1603"), "axdr")
    plain = _core.parse(Data, bytes.fromhex("1103"), "axdr")
    plain["tag"] = enum["tag"]
    assert difference(enum, plain) is None
    plain["tag"] = "enum"
    assert "tag" in difference(enum, plain)


# --- the inputs: what the pipeline parses, derived from every vector ------------------------------

def _info(frame: bytes):
    try:
        f = _core.parse(HdlcFrame, frame, "hdlc", whole=False)
    except DecodeError:
        return None, 0
    return f["information"], f["_spans"]["information"][0]


def _derived_cases() -> list[tuple[str, c.Construct, bytes, str, int]]:
    """(label, schema, octets, layer, base) for every vector, schema by schema."""
    cases = []

    def apdu(vid, x, base):
        if x[:3] in LLC:
            cases.append((vid, LlcHeader, x[:3], "llc", base))
            x, base = x[3:], base + 3
        if x:
            cases.append((vid, Apdu, x, "apdu", base))

    for vid, v in VECTORS.items():
        layer = v["layer"]
        parts = frames(vid) or [data(vid)]
        if layer == "axdr":
            cases += [(vid, Data, x, "axdr", 0) for x in parts]
        elif layer == "apdu":
            for x in {data(vid), *frames(vid)}:
                apdu(vid, x, 0)
        elif layer == "hdlc":
            for x in parts:
                cases.append((vid, HdlcFrame, x, "hdlc", 5))
                info, at = _info(x)
                if info and info[:1] == b"\x81":
                    cases.append((vid, HdlcParameters, info, "hdlc", at))
                elif info:
                    apdu(vid, info, at)
        elif layer == "wrapper":
            cases.append((vid, WrapperFrame, data(vid), "wrapper", 0))
            apdu(vid, data(vid)[8:], 8)
        elif layer == "mbus":
            cases.append((vid, MbusFrame, data(vid), "mbus", 0))
    return cases


def _recorded_cases() -> list[tuple[str, c.Construct, bytes, str, int]]:
    """Every ``_core.parse`` call the decode pipeline makes on the vectors, recorded as made."""
    try:
        from translator import decoding
    except Exception:  # noqa: BLE001  (the pipeline is another module's; derived cases still run)
        return []
    calls = []
    reals = {_core.parse, _compile.fast_parse}

    def recorder(real):
        def recording(schema, octets, layer, base=0, whole=True):
            calls.append((schema, bytes(octets), layer, base, whole))
            return real(schema, octets, layer, base, whole)
        return recording

    # every module-level name bound to either parser (the pipeline uses fast_parse)
    patched = [(m, name, real) for m in list(sys.modules.values())
               if getattr(m, "__name__", "").startswith("translator")
               for name in ("parse", "fast_parse")
               for real in [getattr(m, name, None)] if real in reals]
    for m, name, real in patched:
        setattr(m, name, recorder(real))
    try:
        for vid, v in VECTORS.items():
            if v["layer"] == "crypto":
                continue
            for x in [data(vid), *frames(vid)]:
                try:
                    decoding.decode_all(x, layer="data" if v["layer"] == "axdr" else None)
                except Exception:  # noqa: BLE001, S110  (only the calls made matter here)
                    pass
    finally:
        for m, name, real in patched:
            setattr(m, name, real)
    return [(f"pipeline:{layer}", schema, x, layer, base) for schema, x, layer, base, whole in calls
            if whole]


CASES = _derived_cases()
RECORDED = _recorded_cases()
SCHEMAS = {"Apdu": Apdu, "Data": Data, "HdlcFrame": HdlcFrame, "HdlcParameters": HdlcParameters,
           "WrapperFrame": WrapperFrame, "MbusFrame": MbusFrame, "LlcHeader": LlcHeader}


def _name(schema) -> str:
    return next((k for k, v in SCHEMAS.items() if v is schema), type(schema).__name__)


def _outcome(parse, schema, x: bytes, layer: str, base: int, whole: bool = True):
    try:
        return parse(schema, x, layer, base, whole)
    except DecodeError as e:
        return e


def assert_same(schema, x: bytes, layer: str, base: int, whole: bool = True) -> None:
    """fast_parse gives the interpreted tree, or the interpreted DecodeError, field for field."""
    slow = _outcome(_core.parse, schema, x, layer, base, whole)
    fast = _outcome(_compile.fast_parse, schema, x, layer, base, whole)
    if isinstance(slow, DecodeError):
        assert isinstance(fast, DecodeError), f"{_name(schema)} {x.hex()}: parsed, {slow}"
        assert (fast.layer, fast.offset, fast.expected, fast.got) == \
            (slow.layer, slow.offset, slow.expected, slow.got)
        return
    assert not isinstance(fast, DecodeError), f"{_name(schema)} {x.hex()}: {fast}"
    d = difference(slow, fast)
    assert d is None, f"{_name(schema)} {x.hex()}: {d}"


def test_every_schema_of_the_pipeline_has_cases():
    kinds = {_name(s) for _, s, *_ in CASES}
    assert kinds == set(SCHEMAS)
    assert len(CASES) > 150


@pytest.mark.parametrize("label,schema,x,layer,base", CASES,
                         ids=[f"{_name(s)}-{lab}-{i}" for i, (lab, s, *_) in enumerate(CASES)])
def test_fast_equals_interpreted_on_vectors(label, schema, x, layer, base):
    assert_same(schema, x, layer, base)
    assert_same(schema, x, layer, base + 1000, whole=False)


def test_fast_equals_interpreted_on_what_the_pipeline_parses():
    if not RECORDED:
        pytest.skip("translator.decoding not importable")
    kinds = {_name(s) for _, s, *_ in RECORDED}
    assert {"HdlcFrame", "Apdu", "LlcHeader"} <= kinds
    for _label, schema, x, layer, base in RECORDED:
        assert_same(schema, x, layer, base)


def test_the_fast_path_itself_parses_every_vector():
    """The generated code (not its fallback to construct) parses every input construct parses:
    otherwise fast_parse would only be as fast as before."""
    for label, schema, x, layer, base in CASES + RECORDED:
        try:
            expected = _core.parse(schema, x, layer, base, whole=False)
        except DecodeError:
            continue
        got = _compile.compile_parser(schema)(x, base)
        assert difference(expected, got) is None, (label, _name(schema), x.hex())


def test_errors_name_the_same_layer_and_offset():
    bad = [
        (Apdu, bytes.fromhex("c401c100"), "apdu"),                  # Data cut after its tag
        (Apdu, bytes.fromhex("c4ff"), "apdu"),                      # unknown GET-Response choice
        (Apdu, bytes.fromhex("61 29 a1 09 06 07 60"), "apdu"),      # AARE cut inside an OID
        (Data, bytes.fromhex("0203 1200"), "axdr"),                 # structure of 3, one cut
        (Data, bytes.fromhex("07"), "axdr"),                        # data type tag 7 is unused
        (HdlcFrame, data("hdlc-dlms-cosem-199")[:-5], "hdlc"),
        (WrapperFrame, bytes.fromhex("0002 0001 0001 0002 c001"), "wrapper"),  # version 2
    ]
    for schema, x, layer in bad:
        slow = _outcome(_core.parse, schema, x, layer, 40)
        assert isinstance(slow, DecodeError)
        assert_same(schema, x, layer, 40)


# --- prefixes and corruptions --------------------------------------------------------------------

def _prefix_lengths(n: int) -> list[int]:
    if n <= 160:
        return list(range(n))
    step = n // 120
    return sorted(set(range(0, n, step)) | set(range(n - 24, n)) | set(range(24)))


@pytest.mark.parametrize("label,schema,x,layer,base", CASES,
                         ids=[f"{_name(s)}-{lab}-{i}" for i, (lab, s, *_) in enumerate(CASES)])
def test_every_prefix_gives_the_same_result_or_error(label, schema, x, layer, base):
    for n in _prefix_lengths(len(x)):
        assert_same(schema, x[:n], layer, base)


_SMALL = [case for case in CASES if len(case[2]) <= 400]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_corruptions_give_the_same_result_or_error(draw):
    _label, schema, x, layer, base = draw.draw(st.sampled_from(_SMALL))
    buf = bytearray(x)
    for _ in range(draw.draw(st.integers(1, 4))):
        kind = draw.draw(st.sampled_from(["set", "insert", "delete"]))
        at = draw.draw(st.integers(0, max(len(buf) - 1, 0)))
        octet = draw.draw(st.integers(0, 255) | st.sampled_from([0x00, 0x01, 0x7E, 0x80, 0x81,
                                                                  0x82, 0x84, 0xFF]))
        if kind == "set" and buf:
            buf[at] = octet
        elif kind == "insert":
            buf.insert(at, octet)
        elif buf:
            del buf[at]
    assert_same(schema, bytes(buf), layer, base)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64), st.sampled_from(sorted(SCHEMAS)))
def test_arbitrary_octets_give_the_same_result_or_error(x, name):
    layer = {"Apdu": "apdu", "Data": "axdr", "LlcHeader": "llc", "WrapperFrame": "wrapper",
             "MbusFrame": "mbus"}.get(name, "hdlc")
    assert_same(SCHEMAS[name], x, layer, 3)


def test_deep_nesting_hands_over_to_construct():
    """Nesting beyond MAX_DEPTH: the fast path gives up and construct decides (value or
    RecursionError turned DecodeError), so both agree at any depth."""
    for depth in (_compile.MAX_DEPTH - 1, _compile.MAX_DEPTH + 3, 400):
        x = b"\x02\x01" * depth + b"\x11\x07"
        assert_same(Data, x, "axdr", 0)


def test_stuffed_frames_give_the_same_result_or_error():
    """HdlcStuffedFrame: unstuffed in the generated code, then the frame's own generated parser."""
    from translator.schema.hdlc import HdlcStuffedFrame
    from translator.schema.transparency import stuff

    frame = data("hdlc-dlms-cosem-199")
    stuffed = frame[:1] + stuff(frame[1:-1], [3, 10]) + frame[-1:]
    assert stuffed != frame
    for x in (frame, stuffed, stuffed[:-1], stuffed[1:], stuffed[:20], stuffed + b"\x7e"):
        assert_same(HdlcStuffedFrame, x, "hdlc", 7)
    assert not _compile.coverage(HdlcStuffedFrame)["fallback"]
    got = _compile.compile_parser(HdlcStuffedFrame)(stuffed)
    assert got["escaped"] == (4, 11) and got["fcs_ok"]


def test_non_minimal_lengths_keep_their_width():
    """A-XDR and BER long-form lengths where the short form would do (X.690 8.1.3.5) must give
    the same Octets/Len widths through both paths."""
    for x in ("09 81 03 414243", "09 82 0003 414243", "01 81 02 1101 1102", "04 81 0a 1234"):
        assert_same(Data, bytes.fromhex(x), "axdr", 0)
    aare = bytearray(data("acse-aare-14"))
    # result [2] INTEGER 0 (A2 03 02 01 00) with its outer length sent as 81 03
    i = aare.index(bytes.fromhex("a203020100"))
    long_form = bytes(aare[:i + 1]) + b"\x81" + bytes(aare[i + 1:])
    long_form = long_form[:1] + bytes([long_form[1] + 1]) + long_form[2:]
    assert_same(Apdu, long_form, "apdu", 0)
    result = _compile.fast_parse(Apdu, long_form, "apdu", 0)["body"]["components"][1]
    assert result["value"]["_width"] == 2  # what lets the length rebuild as 81 03
    assert _core.build(Apdu, _compile.fast_parse(Apdu, long_form, "apdu"), "apdu") == long_form
    # the same for a scalar (acse._Counted): INTEGER 0 inside 02 81 01 00
    j = long_form.index(bytes.fromhex("020100"), i)
    scalar = long_form[:j + 1] + b"\x81" + long_form[j + 1:]
    scalar = scalar[:1] + bytes([scalar[1] + 1]) + scalar[2:i + 2] + bytes([scalar[i + 2] + 1]) \
        + scalar[i + 3:]
    assert_same(Apdu, scalar, "apdu", 0)
    value = _compile.fast_parse(Apdu, scalar, "apdu")["body"]["components"][1]["value"]["value"]
    assert (str(value), value.width) == ("accepted", 2)


# --- facts from the vectors, read from the fast results ------------------------------------------

def _fast(schema, x, layer="apdu", base=0):
    return _compile.fast_parse(schema, x, layer, base)


def test_facts_aare_frame():
    """hdlc-dlms-cosem-199: I-frame control 0x30, CRCs ok, AARE accepted, conformance 001E1D,
    max PDU 0x04C8 = 1224, vaa 0007."""
    f = _fast(HdlcFrame, data("hdlc-dlms-cosem-199"), "hdlc")
    assert f["control"]["value"] == 0x30 and f["hcs_ok"] and f["fcs_ok"]
    info = f["information"]
    assert _fast(LlcHeader, info[:3], "llc")["direction"] == "response"
    body = _fast(Apdu, info[3:])["body"]
    values = {str(x["tag"]): x["value"] for x in body["components"]}
    assert str(values["result"]["value"]) == "accepted"
    init = values["user_information"]["value"]["body"]
    assert init["negotiated_conformance"]["value"] == 0x001E1D
    assert init["server_max_receive_pdu_size"] == 1224
    assert init["vaa_name"] == 7


def test_facts_aidon_push():
    """hdlc-ui-aidon-se-push: UI frame 0x13, DataNotification 0x40000000, no date-time, an
    array of 27 starting with the clock 0.0.1.0.0.255 = 07E30C1001073B28FF8000FF."""
    f = _fast(HdlcFrame, data("hdlc-ui-aidon-se-push"), "hdlc")
    assert f["control"]["value"] == 0x13 and f["fcs_ok"]
    assert f["information"][:3] == bytes.fromhex("E6E700")
    body = _fast(Apdu, f["information"][3:])["body"]
    assert body["long_invoke_id_and_priority"] == 0x40000000
    assert body["date_time"]["value"] == b""
    items = body["notification_body"]["data_value"]["value"]
    assert len(items) == 27
    clock = items[0]["value"]
    assert clock[0]["value"] == bytes.fromhex("0000010000FF")
    assert clock[1]["value"] == bytes.fromhex("07E30C1001073B28FF8000FF")


def test_facts_get_response_with_list():
    body = _fast(Apdu, data("xdlms-get-response-with-list"))["body"]
    results = body["get_response"]["result"]
    assert results[0]["value"]["value"] == b"ISK1030777764366"
    assert results[1]["value"]["value"] == bytes.fromhex("07E50603040E091700FFC400")


def test_facts_ua_parameters():
    """hdlc-ua-kmethy: max info field lengths 128, windows 1."""
    info, at = _info(data("hdlc-ua-kmethy"))
    params = _fast(HdlcParameters, info, "hdlc", at)["parameters"]
    got = {str(p["parameter_id"]): int(p["value"]) for p in params}
    assert got == {"max_info_field_length_transmit": 128, "max_info_field_length_receive": 128,
                   "window_size_transmit": 1, "window_size_receive": 1}


def test_facts_wrapper():
    w = _fast(WrapperFrame, data("wrapper-udp-ggc-ic-0001e502"), "wrapper")
    assert (w["version"], w["source_wport"], w["destination_wport"], w["length"]) == (1, 1, 1, 70)
    body = _fast(Apdu, w["apdu"], "apdu", 8)["body"]
    assert body["system_title"] == bytes.fromhex("2F19229199164103")
    content = body["ciphered_content"]
    assert body["_spans"]["ciphered_content"][1] == 1 + 0x3B  # length 0x3B
    sc = content["security_control"]  # SC 0x30: suite 0, authenticated and encrypted
    assert (sc["security_suite_id"], sc["authentication"], sc["encryption"]) == (0, True, True)


# --- the compiler's own guarantees ---------------------------------------------------------------

def test_every_class_of_the_pipeline_schemas_is_emitted_natively():
    """No node of the pipeline's schemas is left to construct's parse by the generator."""
    for name, schema in SCHEMAS.items():
        assert not _compile.coverage(schema)["fallback"], name


def _schema_classes() -> list[type]:
    import importlib
    import pkgutil

    import translator.schema as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"translator.schema.{info.name}")
        found += [k for k in vars(module).values() if isinstance(k, type)
                  and issubclass(k, c.Construct) and k.__module__ == module.__name__]
    return found


def test_every_schema_class_carries_its_emitter():
    """A class of _core or of a schema module without ``_emitfast`` beside its parsing code
    would be parsed by construct at a fraction of the speed: that is a failure here."""
    classes = _schema_classes()
    assert len(classes) > 20
    missing = [k.__qualname__ for k in classes if _compile.emitter_of(k) is None]
    assert not missing, missing


def test_an_override_of_parse_needs_its_own_emitter():
    class Odd(_core.Counted):
        def _parse(self, stream, context, path):
            return super()._parse(stream, context, path)[::-1]

    assert _compile.emitter_of(_core.Counted) is not None
    assert _compile.emitter_of(Odd) is None
    schema = _core.Struct("x" / Odd(c.GreedyBytes))
    assert set(_compile.coverage(schema)["fallback"]) == {f"{__name__}.{Odd.__qualname__}"}
    assert_same(schema, bytes.fromhex("03 616263"), "test", 0)


def test_no_vector_falls_back_to_construct():
    """Every input construct parses is parsed by the generated code itself: ``fast_parse``
    counts each hand-over that construct then completes."""
    _compile.FALLBACKS.clear()
    for _label, schema, x, layer, base in CASES + RECORDED:
        _outcome(_compile.fast_parse, schema, x, layer, base)
        _outcome(_compile.fast_parse, schema, x, layer, base, whole=False)
    assert not _compile.FALLBACKS
    deep = b"\x02\x01" * (3 * _compile.MAX_DEPTH + 6) + b"\x11\x07"
    _compile.fast_parse(Data, deep, "axdr")  # beyond MAX_DEPTH: handed over, and counted
    assert sum(_compile.FALLBACKS.values()) == 1


def test_no_module_reads_code_or_source_of_another():
    """The generator works from the construct objects and the emitters alone: no bytecode,
    no ``ast`` dumps, no re-reading of source files (what made it differ between versions)."""
    import pathlib
    import re

    root = pathlib.Path(_compile.__file__).parent
    for path in root.glob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(import|from) (ast|dis|inspect)\b", text, re.M), path.name
        assert "getsource" not in text and "linecache.getlines" not in text, path.name


def test_the_generated_source_is_printed_by_one_command(capsys):
    """``python -m translator.schema hdlc.HdlcFrame`` prints what fast_parse runs."""
    from translator.schema.__main__ import main

    main(["hdlc.HdlcFrame"])
    assert capsys.readouterr().out.strip() == _compile.generated_source(HdlcFrame).strip()


def test_generated_source_is_python_and_cached():
    src = _compile.generated_source(Apdu)
    compile(src, "<test>", "exec")
    assert "def f1(data, b, o, ws, end, up, d):" in src
    assert _compile.compile_parser(Apdu).source is _compile.compile_parser(Apdu).source


def test_parent_context_reaches_lambdas():
    """A lambda reading the parent Struct's field through ``_`` sees what construct shows it."""
    inner = _core.Struct("n" / c.Int8ub, "x" / c.Bytes(lambda ctx: ctx._.size + ctx.n))
    schema = _core.Struct("size" / c.Int8ub, "body" / inner, "tail" / c.Computed(c.this.size))
    x = bytes.fromhex("02 01 aabbcc")
    assert_same(schema, x, "test", 0)
    assert _compile.compile_parser(schema)(x)["body"]["x"] == bytes.fromhex("aabbcc")
