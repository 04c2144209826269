"""Building blocks shared by every schema: span-recording structs, DLMS lengths, strict choices.

Why these exist beside construct's own classes:

* ``Struct`` records, for every field it parses, the absolute ``(offset, length)`` of its bytes in
  ``obj._spans`` and its own span in ``obj._span`` (like Wireshark's proto_tree items), so views
  can highlight a field and errors can name the offset where parsing stopped.
* ``Length`` is the definite length of BER and A-XDR (short form below 0x80, ``0x81..0x84`` long
  forms). It parses to ``Len``, an ``int`` that remembers how many octets it used, and builds it
  back the same way when the value is unchanged, so a non-minimal length round-trips byte-exact.
* ``Counted``/``CountedArray`` are a length (count) then content bounded by it: a length beyond
  the data is refused at once, so no input allocates or loops beyond its size.
* ``AxdrOptional`` is A-XDR's OPTIONAL/DEFAULT presence octet.
* ``Choice`` is a ``Switch`` that refuses an unknown tag instead of silently returning ``None``;
  ``Layer`` names the protocol layer of any error raised inside it.
* ``parse``/``build`` turn construct's exceptions into ``DecodeError``/``EncodeError`` carrying
  the layer and the absolute offset.

Each class carries its generated form, ``_emitfast(cp, sc)``, right below the ``_parse`` (or
``_decode``) it mirrors: the code ``_compile`` emits for it (``cp`` is the compiler, ``sc`` where
the code goes; the return value is the expression of the parsed value).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import construct as c
from construct import Construct, ConstructError, Container, ListContainer

from ..errors import DecodeError, EncodeError

__all__ = [
    "Struct", "Len", "Length", "Const", "Choice", "Reject",
    "parse", "build", "Layer", "Container", "ListContainer", "span_of", "Counted", "CountedArray",
    "Octets", "Expected", "remaining", "AxdrOptional", "UntilEnd",
    "StrictEnum", "BitFields", "ok_of", "parse_lenient", "Quirk", "MAX_NESTING", "Nested",
]

MAX_NESTING = 50
"""Arrays/structures (and compact-array type descriptions) one A-XDR value may nest, in every
entry point (decode, decode_all, streams, captures, XML, encode). construct spends about 13
frames per level, so 50 levels fit in Python's default recursion limit with room for callers;
real meters nest 4 or 5. The generated parser hands over to construct well below it."""

NESTING_ERROR = f"A-XDR nesting of at most {MAX_NESTING} arrays/structures"


class Expected(ConstructError):
    """A construct-level error that already says what was expected and what was found."""

    def __init__(self, expected: str, got: str = "") -> None:
        self.expected = expected
        self.got = got
        super().__init__(f"expected {expected}" + (f", got {got}" if got else ""))


class Nested(c.LazyBound):
    """A ``LazyBound`` one nesting level down: deeper than ``MAX_NESTING`` is an error naming the
    bound, on parse and on build, instead of a RecursionError somewhere below."""

    def _parse(self, stream, context, path):
        return self._deeper(context, self.subconfunc()._parsereport, stream, context, path)

    def _emitfast(self, cp, sc):
        """A call, as for LazyBound: the generated code hands over to this class's ``_parse``
        at ``_compile.MAX_DEPTH`` calls, below ``MAX_NESTING``."""
        from ._compile import _lazy_bound
        return _lazy_bound(self, cp, sc)

    def _build(self, obj, stream, context, path):
        return self._deeper(context, self.subconfunc()._build, obj, stream, context, path)

    @staticmethod
    def _deeper(context, step, *args):
        """``step(*args)`` one level deeper (the level counted in the context's parameters)."""
        params = context._params
        depth = params.get("_nesting", 0)
        if depth >= MAX_NESTING:
            raise Expected(NESTING_ERROR, "deeper")
        params._nesting = depth + 1
        try:
            return step(*args)
        finally:
            params._nesting = depth


class Struct(c.Struct):
    """construct's Struct, plus the absolute span of every field and the offset of a failure."""

    def _parse(self, stream, context, path):
        obj = Container()
        spans: dict[str, tuple[int, int]] = {}
        start = stream.tell()
        context = Container(_=context, _params=context._params, _root=None,
                            _parsing=context._parsing, _building=context._building,
                            _sizing=context._sizing, _subcons=self._subcons, _io=stream,
                            _index=context.get("_index", None))
        context._root = context._.get("_root", context)
        for sc in self.subcons:
            here = stream.tell()
            try:
                subobj = sc._parsereport(stream, context, path)
            except c.StopFieldError:
                break
            except ConstructError as e:
                if not hasattr(e, "offset"):
                    e.offset = here
                    e.field = sc.name
                if context._params.get("_lenient") is not None:
                    _keep_partial(e, obj, spans, sc.name or "undecoded", here, start)
                raise
            if sc.name:
                obj[sc.name] = subobj
                context[sc.name] = subobj
                spans[sc.name] = (here, stream.tell() - here)
        obj._spans = spans
        obj._span = (start, stream.tell() - start)
        return obj

    def _emitfast(self, cp, sc):
        """A Container filled field by field, then the spans ``_parse`` records."""
        fn, obj, start = sc.fn, cp.var("r"), cp.var("h")
        fn.add(f"{obj} = Container(); {start} = o")
        st = cp.open_struct(self, sc, obj)
        spans = cp.fields(self, sc, st, start)
        fn.add(f"{obj}['_spans'] = {{{', '.join(f'{n!r}: {q}' for n, q in spans)}}}")
        fn.add(f"{obj}['_span'] = ({start} + b, o - {start})")
        return obj


def _keep_partial(e: ConstructError, obj: Container, spans: dict, name: str, here: int,
                  start: int) -> None:
    """A lenient decode's partial tree: ``obj`` keeps the fields decoded before ``name`` failed
    and takes the failing field's partial value (None when it failed itself); spans that run to
    the end are completed by ``parse_lenient``."""
    obj[name] = getattr(e, "partial", None)
    spans[name] = (here, None)
    obj._spans = spans
    obj._span = (start, None)
    obj._failed = name
    e.partial = obj


def ok_of(field: str) -> Callable:
    """A Computed's function: the ``ok`` mark of a check field (CRC, checksum), None when the
    field is absent."""
    def ok(ctx):
        return getattr(ctx.get(field), "ok", None)
    ok._emitfast = lambda cp, sc: f"getattr({sc.field(field)}, 'ok', None)"
    return ok


def span_of(obj: Any, field: str | None = None) -> tuple[int, int] | None:
    """The ``(offset, length)`` of a parsed container, or of one of its fields."""
    if not isinstance(obj, dict):
        return None
    if field is None:
        return obj.get("_span")
    return obj.get("_spans", {}).get(field)


class Len(int):
    """A length or count as decoded, remembering the number of octets its encoding used."""

    width: int

    def __new__(cls, value: int, width: int = 0):
        self = super().__new__(cls, value)
        self.width = width or _minimal_width(value)
        return self

    def __reduce__(self):
        return (Len, (int(self), self.width))


def _minimal_width(n: int) -> int:
    if n < 0x80:
        return 1
    return 1 + (n.bit_length() + 7) // 8


class _Length(Construct):
    """Definite length (X.690 8.1.3 / A-XDR): one octet below 0x80, else 0x8N and N octets."""

    def _parse(self, stream, context, path):
        first = c.stream_read(stream, 1, path)[0]
        if first < 0x80:
            return Len(first, 1)
        count = first & 0x7F
        if count == 0 or count > 4:
            raise Expected("a length (short form, or long form 0x81..0x84)", f"0x{first:02X}")
        data = c.stream_read(stream, count, path)
        return Len(int.from_bytes(data, "big"), 1 + count)

    def _emitfast(self, cp, sc):
        v, w = cp.var("n"), cp.var("w")
        cp.length(sc, v, w)
        sc.fn.add(f"{v} = Len({v}, {w})")
        return v

    def _build(self, obj, stream, context, path):
        n = int(obj)
        if n < 0 or n >= 1 << 32:
            raise c.ConstructError(f"length {n} out of range", path=path)
        width = getattr(obj, "width", 0) or _minimal_width(n)
        if width < _minimal_width(n):
            width = _minimal_width(n)
        if width == 1:
            c.stream_write(stream, bytes([n]), 1, path)
        else:
            c.stream_write(stream, bytes([0x80 | (width - 1)]) + n.to_bytes(width - 1, "big"),
                           width, path)
        return obj

    def _sizeof(self, context, path):
        raise c.SizeofError("variable length", path=path)


Length = _Length()


class Reject(Construct):
    """Fail parsing with what was expected; used as the default branch of a Choice."""

    def __init__(self, expected: str, got: Callable[[Any], Any] | None = None):
        super().__init__()
        self.expected = expected
        self.got = got
        self.flagbuildnone = True

    def _parse(self, stream, context, path):
        got = self.got(context) if self.got else ""
        if isinstance(got, int):
            got = f"0x{got:02X}"
        raise Expected(self.expected, str(got))

    def _emitfast(self, cp, sc):
        sc.fn.add("raise _Fail")
        return "None"

    def _build(self, obj, stream, context, path):
        raise c.ConstructError(f"cannot build: expected {self.expected}", path=path)


class Quirk(Reject):
    """A Choice's default that refuses any other key, except, in a lenient decode, the keys of
    ``quirks`` (key -> (what a real stack does, schema)): read with that schema and a warning
    that names the quirk, and built back the same way."""

    def __init__(self, expected: str, got: Callable[[Any], Any], quirks: dict):
        super().__init__(expected, got)
        self.quirks = quirks

    def _parse(self, stream, context, path):
        state = context._params.get("_lenient")
        quirk = self.quirks.get(self.got(context)) if state is not None else None
        if quirk is None:
            return super()._parse(stream, context, path)
        at = stream.tell()
        context._params._lenient = None  # strictly: a quirk's body must fit exactly, so that
        try:                             # octets that merely start so (a segment) are no quirk
            obj = quirk[1]._parsereport(stream, context, path)
        except ConstructError:
            return super()._parse(stream, context, path)  # the unknown tag, as without quirks
        finally:
            context._params._lenient = state
        state["notes"].append([at, None, f"{quirk[0]}: decoded as such"])
        return obj

    def _emitfast(self, cp, sc):
        sc.fn.add("raise _Fail")  # a quirk is read only by the lenient decode
        return "None"

    def _build(self, obj, stream, context, path):
        quirk = self.quirks.get(self.got(context))
        if quirk is None:
            return super()._build(obj, stream, context, path)
        return quirk[1]._build(obj, stream, context, path)


def Choice(keyfunc, cases: dict, what: str, quirks: dict | None = None) -> Construct:
    """A Switch over ``cases`` that raises ``Expected`` for any other key (but the keys of
    ``quirks`` in a lenient decode, see ``Quirk``)."""
    if len(cases) <= 8:
        what = f"{what} ({', '.join(str(k) for k in cases)})"
    default = Quirk(what, keyfunc, quirks) if quirks else Reject(what, keyfunc)
    return c.Switch(keyfunc, cases, default=default)


class Layer(c.Subconstruct):
    """Names the protocol layer of errors raised inside ``subcon`` (the innermost layer wins)."""

    def __init__(self, name: str, subcon):
        super().__init__(subcon)
        self.layer = name

    def _parse(self, stream, context, path):
        try:
            obj = self.subcon._parsereport(stream, context, path)
        except ConstructError as e:
            if not hasattr(e, "layer"):
                e.layer = self.layer
            raise
        state = context._params.get("_lenient")
        if state is not None:
            for note in state["notes"]:
                note[1] = note[1] or self.layer
        return obj

    def _emitfast(self, cp, sc):
        return cp.emit(self.subcon, sc)  # generated code raises no named errors


def _describe(e: ConstructError) -> tuple[str, str]:
    field = getattr(e, "field", None) or "field"
    if isinstance(e, Expected):
        return e.expected, e.got
    text = str(e).splitlines()[-1] if str(e) else type(e).__name__
    if isinstance(e, c.StreamError):
        m = re.search(r"expected (\d+), found (\d+)", text)
        if m:
            return f"{m.group(1)} more octet(s) for {field}", f"{m.group(2)} (end of data)"
        return f"more octets for {field}", "end of data"
    if isinstance(e, c.ConstError):
        m = re.search(r"expected (.+) but parsed (.+)", text)
        if m:
            return f"{field} = {m.group(1)}", m.group(2)
    if isinstance(e, c.MappingError):
        return f"a known value for {field}", text.replace("parsing failed, ", "")
    return f"a valid {field}", text


def parse(schema: Construct, data: bytes, layer: str, base: int = 0, whole: bool = True,
          context: Container | None = None):
    """Parse ``data`` with ``schema``; offsets in spans and errors are ``base`` + position.

    With ``whole`` the schema must consume every octet: trailing octets are a ``DecodeError``.
    """
    stream = c.core.BytesIOWithOffsets(bytes(data), None, base)
    try:
        obj = schema._parsereport(stream, context or _context(), "(parsing)")
    except ConstructError as e:
        expected, got = _describe(e)
        error = DecodeError(getattr(e, "layer", layer), getattr(e, "offset", base), expected, got)
        partial = getattr(e, "partial", None)
        if partial is not None:
            _finish_partial(partial, bytes(data), base, error)
            error.partial = partial
        raise error from None
    except RecursionError:
        raise DecodeError(layer, base, "a nesting depth this decoder supports", "deeper") from None
    if whole:
        rest = len(data) - (stream.tell() - base)
        if rest:
            raise DecodeError(layer, stream.tell(), "end of data", f"{rest} more octet(s)")
    return obj


def parse_lenient(schema: Construct, data: bytes, layer: str, base: int = 0,
                  quirk: Callable[..., str | None] | None = None):
    """``parse`` for input the strict parse refused: lengths that disagree with their content
    are read as the content really is (a note each; ``encode`` still gives the declared length
    back). Returns ``(obj, notes)``, notes as ``(offset, layer, text)``; ``quirk(tags)`` names a
    known stack's habit from the tag names around a length (outermost first); ``quirk(tags, True)``
    names only those habits whose content may end before its container does.

    When it fails too, the ``DecodeError`` carries ``partial``: the tree decoded up to the
    failure, whose failing field holds the raw octets from there to the end of ``data`` and
    whose container has that field's name in ``_error_at`` and the error in ``_error``.
    """
    data = bytes(data)
    first = None
    for cut in (False, True):  # widening a short length first; cutting a long one last
        state = {"notes": [], "cut": cut, "budget": 256, "quirk": quirk}
        ctx = _context()
        ctx._lenient = state
        try:
            obj = parse(schema, data, layer, base, True, ctx)
        except DecodeError as e:
            first = first or e
            continue
        return obj, sorted((at, where or layer, text) for at, where, text in state["notes"])
    # kept by messages long after: without its traceback it holds no frames (and no buffers)
    raise first.with_traceback(None)


def _finish_partial(value: Any, data: bytes, base: int, error: DecodeError) -> None:
    """Complete a partial tree's spans to the end of ``data`` and put the raw octets and the
    error on the field that failed."""
    end = base + len(data)
    while isinstance(value, dict) and "_failed" in value:
        name = value.pop("_failed")
        value["_span"] = (value["_span"][0], end - value["_span"][0])
        here = value["_spans"][name][0]
        value["_spans"][name] = (here, end - here)
        inner = value[name]
        if isinstance(inner, list) and getattr(inner, "partial", None) is not None:
            if inner[-1] is None:  # an element that is no container failed: the list is the node
                inner[-1] = data[inner.partial - base:]
                value["_error_at"], value["_error"] = name, error
                return
            inner = inner[-1]
        if inner is None:
            value[name] = data[here - base:]
            value["_error_at"] = name
            value["_error"] = error
            return
        value = inner


def _context() -> Container:
    ctx = Container()
    ctx._parsing = True
    ctx._building = False
    ctx._sizing = False
    ctx._params = ctx
    return ctx


def build(schema: Construct, obj: Any, layer: str) -> bytes:
    """Build ``obj`` with ``schema``; construct's failures become ``EncodeError``."""
    try:
        return schema.build(obj)
    except ConstructError as e:
        raise EncodeError(f"{layer}: {str(e).splitlines()[-1]}") from None
    except (KeyError, TypeError, ValueError) as e:
        raise EncodeError(f"{layer}: missing or invalid field ({e})") from None
    except RecursionError:  # the decoder refuses the same depth: one bound for both ways
        raise EncodeError(f"{layer}: nested deeper than this encoder supports") from None


class Octets(bytes):
    """Bytes as decoded from a length-prefixed field, remembering the width of that length."""

    width: int

    def __new__(cls, value: bytes = b"", width: int = 0):
        self = super().__new__(cls, value)
        self.width = width
        return self

    def __reduce__(self):
        return (Octets, (bytes(self), self.width))


def remaining(stream) -> int:
    """Octets left in a (sub)stream, whatever its base offset."""
    return stream.getbuffer().nbytes - io.BytesIO.tell(stream)


def _width_of(obj) -> int:
    if isinstance(obj, dict):
        return obj.get("_width", 0)
    return getattr(obj, "width", 0)


def _with_width(obj, width: int):
    if isinstance(obj, (bytes, bytearray)):
        return Octets(obj, width)
    if isinstance(obj, dict):
        obj["_width"] = width
    elif isinstance(obj, list):
        obj.width = width
    return obj


def _declared_of(obj) -> Len | None:
    if isinstance(obj, dict):
        return obj.get("_declared")
    return getattr(obj, "declared", None)


def _with_declared(obj, n: Len):
    """``obj`` remembering the length that was declared for it (it disagreed with the content)."""
    if isinstance(obj, dict):
        obj["_declared"] = n
    elif isinstance(obj, (bytes, bytearray)):
        obj = Octets(obj, getattr(obj, "width", 0))
        obj.declared = n
    elif isinstance(obj, ListContainer):
        obj.declared = n
    return obj


def _tags(context) -> list:
    """The tag names around a field, outermost first (the APDU's, then the component's)."""
    tags, ctx = [], context
    while ctx is not None:
        if "tag" in ctx:
            tags.append(ctx["tag"])
        ctx = ctx.get("_")
    return tags[::-1]


def _ends_early(state: dict, context) -> bool:
    """A known quirk whose content, read by its own inner lengths, ends before its container:
    the short length is then the stack's habit, not a broken one (any other such reading is
    refused: a bad OID's length must not swallow what follows)."""
    return bool(state["quirk"] and state["quirk"](_tags(context), True))


def _note(state: dict, context, offset: int, text: str) -> None:
    """A lenient decode's warning at ``offset``, named after a known quirk when one matches."""
    quirk = state["quirk"](_tags(context)) if state["quirk"] else None
    state["notes"].append([offset, None, f"{quirk}: {text}" if quirk else text])


class Counted(c.Subconstruct):
    """A length (``Length``) then ``subcon`` parsed within exactly that many octets.

    The value is ``subcon``'s value; when it is bytes, a container or a list it remembers the
    length's encoding width so that building gives back a non-minimal length unchanged.
    """

    def _parse(self, stream, context, path):
        at = stream.tell()
        n = Length._parsereport(stream, context, path)
        state = context._params.get("_lenient")
        if state is None:
            return self._within(stream, context, path, n)
        rel = io.BytesIO.tell(stream)
        try:
            return self._within(stream, context, path, n)
        except ConstructError as e:
            io.BytesIO.seek(stream, rel)
            got = self._disagreeing(stream, context, path, n, state)
            if got is None:
                raise e from None
        obj, used = got
        _note(state, context, at, f"length says {int(n)}, the content takes {used}")
        return _with_declared(obj, n)

    def _disagreeing(self, stream, context, path, n: int, state: dict):
        """A lenient decode's reading of a length that disagrees with its content: a container
        that, decoded with every octet left of the enclosing one, ends exactly where that one
        ends and takes more than the length says (or, cutting, a length beyond the end); octets,
        cut. None when the content cannot be read so: a content that would end elsewhere is
        no short length but a broken one (a bad OID's length must not swallow what follows)."""
        left, rel = remaining(stream), io.BytesIO.tell(stream)
        if isinstance(self.subcon, (c.Struct, UntilEnd)) and state["budget"] > 0:
            state["budget"] -= 1
            sub = c.core.BytesIOWithOffsets.from_reading(stream, left, path)
            try:
                obj = self.subcon._parsereport(sub, context, path)
            except ConstructError:
                obj = None
            used = io.BytesIO.tell(sub)
            if obj is not None and used == left and (used > n or (state["cut"] and n > left)):
                io.BytesIO.seek(stream, rel + used)
                return obj, used
            if obj is not None and n < used < left and _ends_early(state, context):
                io.BytesIO.seek(stream, rel + used)  # a known quirk's self-delimited content
                return obj, used
            io.BytesIO.seek(stream, rel)
        elif state["cut"] and n > left and type(self.subcon) is type(c.GreedyBytes):
            return Octets(c.stream_read(stream, left, path), 0), left
        return None

    def _within(self, stream, context, path, n: int):
        """The content, within exactly the ``n`` octets its length says."""
        if n > remaining(stream):
            raise Expected(f"{int(n)} octet(s) as the length says", f"{remaining(stream)} left")
        sub = c.core.BytesIOWithOffsets.from_reading(stream, n, path)
        obj = self.subcon._parsereport(sub, context, path)
        left = remaining(sub)
        if left:
            e = Expected(f"{int(n)} octet(s) of content as the length says", f"{left} octet(s) unused")
            e.offset = sub.tell()
            raise e
        return _with_width(obj, n.width) if n.width > _minimal_width(n) else obj

    def _emitfast(self, cp, sc):
        return self._emit_counted(cp, sc)[0]

    def _emit_counted(self, cp, sc) -> tuple[str, str, str]:
        """The variables of the value, of the length and of the length's width."""
        fn, n, w, v = sc.fn, cp.var("n"), cp.var("w"), cp.var()
        cp.length(sc, n, w)
        fn.add(f"if {n} > {sc.end} - o: raise _Fail")
        if type(self.subcon) is type(c.GreedyBytes):
            fn.add(f"{v} = data[o:o + {n}]; o += {n}")
        else:
            got, end = cp.within(self.subcon, sc, n)
            fn.add(f"if o != {end}: raise _Fail")
            fn.add(f"{v} = {got}")
        fn.add(f"if {w} > 1 and {w} > _mw({n}): {v} = _ww({v}, {w})")
        return v, n, w

    def _build(self, obj, stream, context, path):
        sub = io.BytesIO()
        self.subcon._build(obj, sub, context, path)
        data = sub.getvalue()
        width = _width_of(obj)
        n = Len(len(data), width) if width > _minimal_width(len(data)) else len(data)
        declared = _declared_of(obj)
        if declared is not None:  # a length that disagreed with its content, given back
            n = declared
        Length._build(n, stream, context, path)
        c.stream_write(stream, data, len(data), path)
        return obj

    def _sizeof(self, context, path):
        raise c.SizeofError("variable length", path=path)


class CountedArray(c.Subconstruct):
    """A count (``Length`` encoding, as A-XDR SEQUENCE OF) then that many ``subcon`` elements.

    Every element must take at least one octet: a count larger than the octets left is refused
    at once, so no input makes the parser loop or allocate beyond its size.
    """

    def _parse(self, stream, context, path):
        at = stream.tell()
        n = Length._parsereport(stream, context, path)
        state = context._params.get("_lenient")
        if state is not None and state["cut"]:
            return self._parse_cut(stream, context, path, n, at, state)
        if n > remaining(stream):
            raise Expected(f"{int(n)} element(s) as the count says",
                           f"only {remaining(stream)} octet(s) left")
        items = ListContainer()
        for i in range(n):
            context._index = i
            _append_element(self.subcon, items, stream, context, path)
        return _with_width(items, n.width) if n.width > _minimal_width(n) else items

    def _parse_cut(self, stream, context, path, n: Len, at: int, state: dict):
        """A lenient decode's last resort: a count larger than the elements that follow, when
        the enclosing octets end exactly after the last whole element (a note says so)."""
        items = ListContainer()
        for i in range(n):
            if not remaining(stream):
                _note(state, context, at, f"count says {int(n)}, {i} element(s) follow")
                return _with_declared(items, n)
            context._index = i
            _append_element(self.subcon, items, stream, context, path)
        return _with_width(items, n.width) if n.width > _minimal_width(n) else items

    def _emitfast(self, cp, sc):
        fn, n, w, items, i = sc.fn, cp.var("n"), cp.var("w"), cp.var("items"), cp.var("i")
        cp.length(sc, n, w)
        fn.add(f"if {n} > {sc.end} - o: raise _Fail")
        fn.add(f"{items} = ListContainer()")
        fn.add(f"for {i} in range({n}):")
        fn.ind += 1
        if sc.struct is not None and sc.struct.view:
            fn.add(f"{sc.struct.view}['_index'] = {i}")
        fn.add(f"{items}.append({cp.emit(self.subcon, sc.copy(avail=0))})")
        fn.ind -= 1
        fn.add(f"if {w} > 1 and {w} > _mw({n}): {items} = _ww({items}, {w})")
        return items

    def _build(self, obj, stream, context, path):
        width = _width_of(obj)
        n = Len(len(obj), width) if width > _minimal_width(len(obj)) else len(obj)
        Length._build(_declared_of(obj) or n, stream, context, path)
        for i, item in enumerate(obj):
            context._index = i
            self.subcon._build(item, stream, context, path)
        return obj

    def _sizeof(self, context, path):
        raise c.SizeofError("variable count", path=path)


def _keep_partial_list(e: ConstructError, items: ListContainer, before: int, context) -> None:
    """A lenient decode's partial list: the elements before the failing one, then its partial
    value (None when it is no container); ``partial`` is where the failing element starts."""
    if context._params.get("_lenient") is None:
        return
    items.append(getattr(e, "partial", None))
    items.partial = before
    e.partial = items


def _append_element(subcon, items: ListContainer, stream, context, path) -> int:
    """One element parsed onto ``items``; returns where it started. A failure keeps the list
    decoded so far (a lenient decode's partial tree)."""
    before = stream.tell()
    try:
        items.append(subcon._parsereport(stream, context, path))
    except ConstructError as e:
        _keep_partial_list(e, items, before, context)
        raise
    return before


class UntilEnd(c.Subconstruct):
    """Elements of ``subcon`` until the enclosing (sub)stream ends: BER components of an ACSE
    APDU, HDLC parameters. An element that consumes nothing is an error, never a loop."""

    def __init__(self, subcon, what: str):
        super().__init__(subcon)
        self.what = what

    def _parse(self, stream, context, path):
        items = ListContainer()
        while remaining(stream) > 0:
            before = _append_element(self.subcon, items, stream, context, path)
            if stream.tell() == before:
                raise Expected(self.what, "nothing consumed")
        return items

    def _emitfast(self, cp, sc):
        fn, items, before = sc.fn, cp.var("items"), cp.var("p")
        sc.avail = 0
        fn.add(f"{items} = ListContainer()")
        fn.add(f"while {sc.end} - o > 0:")
        fn.ind += 1
        fn.add(f"{before} = o")
        fn.add(f"{items}.append({cp.emit(self.subcon, sc.copy(avail=0))})")
        fn.add(f"if o == {before}: raise _Fail")
        fn.ind -= 1
        return items

    def _build(self, obj, stream, context, path):
        for item in obj:
            self.subcon._build(item, stream, context, path)
        return obj

    def _sizeof(self, context, path):
        raise c.SizeofError("variable count", path=path)


class StrictEnum(c.Enum):
    """An Enum refusing unknown values where they are read, so the error names the tag's offset.

    The error says ``what`` was expected, followed by the known values unless ``list_known`` is
    false (for long tables whose ``what`` already summarizes them)."""

    def __init__(self, subcon, what: str, *, list_known: bool = True, **mapping: int):
        super().__init__(subcon, **mapping)
        self.what = what
        if list_known:
            known = ", ".join(f"{v} {k}" for k, v in self.encmapping.items())
            self.what = f"{what} ({known})"

    def _decode(self, obj, context, path):
        if obj not in self.decmapping:
            raise Expected(self.what, f"0x{obj:02X}")
        return self.decmapping[obj]

    def _emitfast(self, cp, sc):
        raw, v = cp.emit(self.subcon, sc), cp.var()
        sc.fn.add(f"{v} = {cp.const(self.decmapping, 'm')}.get({raw})")
        sc.fn.add(f"if {v} is None: raise _Fail")
        return v


class Const(c.Const):
    """construct's Const whose error says, in the schema's words, what was expected; the value
    found is shown in hex, as wide as the field."""

    def __init__(self, value: int, subcon, expected: str):
        super().__init__(value, subcon)
        self.expected = expected

    def _parse(self, stream, context, path):
        obj = self.subcon._parsereport(stream, context, path)
        if obj != self.value:
            raise Expected(self.expected, f"0x{obj:0{2 * self.subcon.sizeof()}X}")
        return obj

    def _emitfast(self, cp, sc):
        v = cp.emit(self.subcon, sc)
        sc.fn.add(f"if {v} != {self.value!r}: raise _Fail")
        return v


class BitFields(c.Adapter):
    """One octet shown as named bit fields (low bit, width[, value names]).

    Every one of the eight bits belongs to a field, so building the fields gives back exactly
    the octet that was read; there is no separate raw value that could disagree with them.
    One-bit fields without names are booleans.
    """

    def __init__(self, *fields: tuple):
        super().__init__(c.Int8ub)
        self.fields = [(f[0], f[1], f[2], f[3] if len(f) > 3 else None) for f in fields]
        covered = sum(((1 << width) - 1) << low for _, low, width, _ in self.fields)
        if covered != 0xFF:
            raise ValueError("BitFields must name all eight bits")
        # Octet <-> fields, remembered: a security control octet is read and built for every
        # protected APDU, and there are only 256 octets (the field values are immutable).
        self._decoded: dict[int, dict] = {}
        self._encoded: dict[tuple, int] = {}

    def _decode(self, obj, context, path):
        fields = self._decoded.get(obj)
        if fields is None:
            fields = self._decoded[obj] = self._fields_of(obj)
        return Container(fields)

    def _emitfast(self, cp, sc):
        v = cp.var()
        sc.fn.add(f"{v} = {cp.const(self._decode, 'a')}({cp.emit(self.subcon, sc)}, None, None)")
        return v  # _decode reads no context

    def _fields_of(self, obj: int) -> dict:
        out = {}
        for name, low, width, names in self.fields:
            value = (obj >> low) & ((1 << width) - 1)
            if names is not None:
                known = value in names
                out[name] = c.EnumIntegerString.new(value, names[value]) if known else value
            elif width == 1:
                out[name] = bool(value)
            else:
                out[name] = value
        return out

    def _encode(self, obj, context, path):
        if isinstance(obj, int):
            return obj
        try:
            key = tuple([obj[name] for name, _, _, _ in self.fields])
            octet = self._encoded.get(key)
        except (KeyError, TypeError):  # a missing field or an unhashable value: said below
            key = octet = None
        if octet is None:
            octet = self._octet_of(obj, path)
            if key is not None and len(self._encoded) < 4096:
                self._encoded[key] = octet
        return octet

    def _octet_of(self, obj, path) -> int:
        octet = 0
        for name, low, width, names in self.fields:
            value = obj[name]
            if isinstance(value, c.EnumIntegerString):
                value = int(value)
            elif isinstance(value, str):
                reverse = {v: k for k, v in (names or {}).items()}
                if value not in reverse:
                    raise c.ConstructError(f"{name}: unknown value {value!r}", path=path)
                value = reverse[value]
            value = int(value)
            if not 0 <= value < 1 << width:
                raise c.ConstructError(f"{name}: {value} does not fit in {width} bit(s)", path=path)
            octet |= value << low
        return octet


class AxdrOptional(c.Subconstruct):
    """A-XDR OPTIONAL (and DEFAULT): a presence octet, 0x00 absent (value None), 0x01 then the value."""

    def __init__(self, subcon):
        super().__init__(subcon)
        self.flagbuildnone = True

    def _parse(self, stream, context, path):
        flag = c.stream_read(stream, 1, path)[0]
        if flag == 0:
            return None
        if flag != 1:
            raise Expected("a presence octet 0x00 or 0x01", f"0x{flag:02X}")
        return self.subcon._parsereport(stream, context, path)

    def _emitfast(self, cp, sc):
        fn, flag, res = sc.fn, cp.var("f"), cp.var("r")
        cp.need(sc, 1)
        fn.add(f"{flag} = data[o]; o += 1")
        fn.add(f"if {flag} == 0: {res} = None")
        cp.block(sc, f"elif {flag} == 1:", lambda s: cp.emit(self.subcon, s), res)
        fn.add("else: raise _Fail")
        sc.avail = 0
        return res

    def _build(self, obj, stream, context, path):
        if obj is None:
            c.stream_write(stream, b"\x00", 1, path)
            return None
        c.stream_write(stream, b"\x01", 1, path)
        return self.subcon._build(obj, stream, context, path)

    def _sizeof(self, context, path):
        raise c.SizeofError("optional", path=path)
