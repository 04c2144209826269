"""Parsers generated from the construct schemas: the tree of ``_core.parse``, several times faster.

Why: construct interprets a schema node by node (several Python calls per field, a context
Container per Struct); the same layout read with offsets into the bytes runs about 19 times faster
(DESIGN section 6). Writing those parsers by hand would declare every layout twice, so this module
*generates* them: it walks the construct object graph of a schema once and emits straight-line
Python (``data[o]``, ``struct.unpack_from``, one function per recursion point or large CHOICE),
compiled with ``compile()`` on first use and cached per schema object.

Who emits what: this module emits construct's own classes (``_CONSTRUCT``) and drives the
walk. Every class of ``_core`` and of the schema modules carries its own emitter, ``_emitfast``,
right below the ``_parse`` (or an Adapter's ``_decode``) it mirrors; ``emitter_of`` accepts it
only from the class that defines that parsing code, so a subclass overriding ``_parse`` without
an emitter of its own is never emitted with its parent's. ``this`` expressions are translated to
the fields' local variables; other callables are called with a context (``_View``), unless they
carry an ``_emitfast`` too (a function attribute, next to the function).

Contract: ``fast_parse`` returns what ``_core.parse`` returns (same Container/ListContainer types
and keys, ``_spans``/``_span``, value types such as ``Len``, ``Octets``, enum strings) and raises
its ``DecodeError``: on any failure the generated code stops and the interpreted parse runs
instead (errors are rare), which produces the canonical error. A parse that construct completes
after the generated code gave up is counted in ``FALLBACKS`` (the tests require none on the
vectors). A node without an emitter is parsed by construct from a stream (``coverage`` lists it;
the tests require none in the schemas). Known approximation: the ``_index`` a context shows a
callable is only tracked where a ``CountedArray`` sits directly in a Struct with a context.

Read what is generated: ``python -m translator.schema apdu.Apdu`` (any ``module.NAME`` of
``translator.schema``) prints the source.
"""

from __future__ import annotations

import linecache
import operator
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import FunctionType
from typing import Any

import construct as c
from construct import Container, ListContainer
from construct.expr import BinExpr, Path, UniExpr

from . import _core
from ._core import Len, _minimal_width, _with_width

__all__ = [
    "FALLBACKS",
    "MAX_DEPTH",
    "compile_parser",
    "coverage",
    "emitter_of",
    "fast_parse",
    "generated_source",
]

MAX_DEPTH = 12
"""Calls of a recursive schema's function (each covers ``_UNROLL + 1`` levels of Data in Data)
beyond which the fast path hands over to the interpreted parse, which then fails or not with its
own RecursionError (construct spends about 12 frames per level, so it copes with about 80 levels
from a shallow stack; the hand-over happens at about 39)."""

_SUPPORTED = c.version[:2] == (2, 10)

FALLBACKS: Counter = Counter()
"""(schema class, reason) -> parses the generated code gave up on and construct completed."""


# --- runtime helpers used by the generated code -----------------------------------------------

class _Fail(Exception):
    """The input does not parse here: construct would raise a ConstructError."""


class _Bail(Exception):
    """The fast path will not reproduce this parse (too deep, a context's ``_io`` used)."""


class _NoStream:
    """Stands for ``context._io`` in generated code: any use hands over to construct."""

    __slots__ = ()

    def __getattr__(self, name):
        raise _Bail(f"context._io.{name}")


_NOIO = _NoStream()

_FLAGS = {"_parsing": True, "_building": False, "_sizing": False, "_io": _NOIO}
_LAZY = frozenset({"_", "_params", "_root", "_index", "_subcons"})


class _View(dict):
    """The context a callable gets from generated code: the Struct's fields so far and the
    parsing flags as keys, also readable as attributes (its ``__dict__`` is itself, so no
    ``Container.__getattr__`` call), and the parent's keys (``_``, ``_root``...) made on use."""

    __slots__ = ("__dict__", "up", "subcons")

    def __missing__(self, key):
        if key == "_subcons":
            return self.subcons
        if key not in _LAZY:
            raise KeyError(key)
        parent = _ctx_of(self.up)
        if key == "_":
            return parent
        if key == "_root":
            return parent.get("_root", self)
        return parent["_params"] if key == "_params" else parent.get("_index")

    def __getattr__(self, name):
        try:
            return self.__missing__(name)
        except KeyError:
            raise AttributeError(name) from None

    def get(self, key, default=None):
        if key in self:
            return dict.__getitem__(self, key)
        return self.__missing__(key) if key in _LAZY else default


def _ctx_of(up):
    """A context from what generated code passes down: None (the root), a ``_View``, or a lazy
    ``(fields so far, parent, subcons)`` of a Struct that kept no view of its own."""
    if up is None:
        return _core._context()
    if type(up) is tuple:
        obj, parent, subcons = up
        view = _View(_FLAGS)
        view.__dict__, view.up, view.subcons = view, parent, subcons
        view.update(obj)
        return view
    return up


def _long_len(data: bytes, o: int, end: int) -> tuple[int, int, int]:
    """A long-form length at ``o`` (0x81..0x84): (value, width in octets, offset after it)."""
    count = data[o] & 0x7F
    if count == 0 or count > 4 or o + 1 + count > end:
        raise _Fail
    return int.from_bytes(data[o + 1:o + 1 + count], "big"), 1 + count, o + 1 + count


def _stream(data: bytes, ws: int, end: int, b: int):
    """The stream construct would hold for the window ``data[ws:end]`` (absolute offsets)."""
    return c.core.BytesIOWithOffsets(data[ws:end], None, ws + b)


_RUNTIME: dict[str, Any] = {
    "_Fail": _Fail, "_Bail": _Bail, "_NOIO": _NOIO, "_View": _View, "_FLAGS": _FLAGS,
    "_ctx_of": _ctx_of, "_long_len": _long_len, "_stream": _stream, "Container": Container,
    "ListContainer": ListContainer, "Len": Len, "_mw": _minimal_width, "_ww": _with_width,
    "EnumInteger": c.EnumInteger, "EnumIntegerString": c.EnumIntegerString,
    "ConstructError": c.ConstructError, "ExplicitError": c.ExplicitError,
}


# --- which code emits a node ------------------------------------------------------------------

def emitter_of(cls: type) -> Callable | None:
    """The ``_emitfast`` of the class whose code ``cls`` parses with (the class defining its
    ``_parse``, or for an Adapter its ``_decode``); None when that class has none."""
    hook = "_decode" if cls._parse is c.Adapter._parse else "_parse"
    for k in cls.__mro__:
        if hook in vars(k):
            return vars(k).get("_emitfast")
    return None


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _fixed(node) -> int | None:
    """Octets a node always takes when it is emitted as a plain read (None: not such a node)."""
    t = type(node)
    if t is c.FormatField:
        return node.length
    if t is c.Bytes:
        return node.length if type(node.length) is int and node.length >= 0 else None
    if t is c.BytesInteger:
        ok = type(node.length) is int and node.length > 0 and type(node.swapped) is bool
        return node.length if ok else None
    if t in (c.Renamed, c.Const, c.Rebuild, c.Enum, _core.Const):
        return _fixed(node.subcon)
    return None


_OPS = {op: text for op, text in c.expr.opnames.items() if op not in (operator.contains,)}


# --- code generation ---------------------------------------------------------------------------

class _Unsupported(Exception):
    """Compile time: this node cannot be emitted here; use its fallback."""


class _NeedView(Exception):
    """Compile time: the Struct ``node`` must keep a context for a callable; emit it again."""

    def __init__(self, node):
        super().__init__()
        self.node = node


class _Fn:
    """One generated function."""

    def __init__(self, name: str, doc: str, root=None):
        self.root = root
        self.unrolled = 0
        self.name = name
        self.doc = doc
        self.lines: list[str] = []
        self.ind = 1

    def add(self, text: str) -> None:
        self.lines.append("    " * self.ind + text)

    def mark(self) -> tuple[int, int]:
        return len(self.lines), self.ind

    def source(self) -> str:
        head = f"def {self.name}(data, b, o, ws, end, up, d):\n    # {self.doc}\n"
        return head + "\n".join(self.lines) + "\n"

    def truncate(self, mark: tuple[int, int]) -> None:
        """Forget the code emitted since ``mark`` (from ``mark()``) and its indentation."""
        del self.lines[mark[0]:]
        self.ind = mark[1]


@dataclass
class _StructState:
    """The Struct (or FocusedSeq) being emitted: its fields so far and how it holds a context."""

    node: Any
    obj: str | None
    view: str | None
    here_up: str
    subcons: str
    forbid: bool = False
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class _Scope:
    """Where the code being emitted stands: function, stream window [ws, end), enclosing Struct,
    path, and ``avail``: octets known to be there from ``o`` on (checked once for a run)."""

    fn: _Fn
    ws: str
    end: str
    struct: _StructState | None
    path: str
    avail: int = 0

    def copy(self, **kw) -> _Scope:
        return replace(self, **kw)

    def here(self) -> str:
        """The expression of the context construct would hand to the node being emitted."""
        st = self.struct
        if st is None:
            return "up"
        if st.view:
            return st.view
        if st.forbid:
            raise _Unsupported("a context inside FocusedSeq")
        return f"({st.obj}, {st.here_up}, {st.subcons})"

    def ctx(self) -> str:
        """A variable holding a context for callables and fallbacks (a ``_View`` in a Struct)."""
        st = self.struct
        if st is None:
            return "_ctx_of(up)"
        if st.view:
            return st.view
        if st.forbid:
            raise _Unsupported("a context inside FocusedSeq")
        raise _NeedView(st.node)

    def field(self, name: str) -> str:
        """``context[name]``: the local variable of a field the enclosing Struct parsed."""
        st = self.struct
        if st is not None and name in st.fields:
            return st.fields[name]
        return f"{self.ctx()}[{name!r}]"


class _Compiler:
    """Emits the functions of one schema; ``run`` returns their source, ``ns`` their globals."""

    def __init__(self, schema):
        self.schema = schema
        self.ns: dict[str, Any] = dict(_RUNTIME)
        self.consts: dict[int, str] = {}
        self.funcs: dict[int, str] = {}
        self.queue: list[tuple[Any, str, str]] = []
        self.done: list[_Fn] = []
        self.post: list[str] = []
        self.n = 0
        self.views: set[int] = set()
        self.native: Counter = Counter()
        self.fallback: Counter = Counter()

    # names and constants
    def var(self, prefix: str = "v") -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def const(self, obj, prefix: str = "k") -> str:
        if obj is None or type(obj) in (bool, int) or (type(obj) is str and len(obj) < 40):
            return repr(obj)
        name = self.consts.get(id(obj))
        if name is None:
            name = self.consts[id(obj)] = self.var(prefix)
            self.ns[name] = obj
        return name

    def function(self, node, path: str) -> str:
        """The name of the generated function parsing ``node`` (queued on first use)."""
        name = self.funcs.get(id(node))
        if name is None:
            name = self.funcs[id(node)] = self.var("f")
            self.ns.setdefault("_keep", []).append(node)
            self.queue.append((node, name, path))
        return name

    def run(self) -> str:
        top = self.function(self.schema, "(parsing)")
        while self.queue:
            node, name, path = self.queue.pop(0)
            fn = _Fn(name, f"{type(node).__name__} at {path}"[:100], node)
            fn.add(f"return {self.emit(node, _Scope(fn, 'ws', 'end', None, path))}, o")
            self.done.append(fn)
        body = "\n".join(f.source() for f in self.done)
        return body + ("\n" + "\n".join(self.post) + "\n" if self.post else "") + \
            f"\nTOP = {top}\n"

    # dispatch
    def emit(self, node, sc: _Scope) -> str:
        """Emit ``node`` at ``sc``; the expression of its value (code added to ``sc.fn``)."""
        t = type(node)
        handler = _CONSTRUCT.get(t) or emitter_of(t)
        if node.parsed is not None or handler is None:
            why = "parsed hook" if node.parsed is not None else "no emitter"
            return self.fallback_emit(node, sc, why)
        mark, avail = sc.fn.mark(), sc.avail
        while True:
            try:
                v = handler(node, self, sc)
                break
            except _NeedView as e:
                if e.node is not node:
                    raise
                sc.fn.truncate(mark)
                sc.avail = avail
                self.views.add(id(node))
            except _Unsupported:
                sc.fn.truncate(mark)
                sc.avail = avail
                return self.fallback_emit(node, sc, "unsupported here")
        self.native[_qualname(t)] += 1
        return v

    def fallback_emit(self, node, sc: _Scope, why: str) -> str:
        """``node`` parsed by construct from a stream positioned at ``o``."""
        self.fallback[_qualname(type(node))] += 1
        return self.by_construct(node, sc, f"fallback: {why}")

    def by_construct(self, node, sc: _Scope, why: str) -> str:
        cx, fn, v, st = sc.ctx(), sc.fn, self.var(), self.var("st")
        sc.avail = 0
        fn.add(f"{st} = _stream(data, {sc.ws}, {sc.end}, b); {st}.seek(o + b)")
        fn.add(f"{v} = {self.const(node, 'n')}._parsereport({st}, {cx}, {sc.path!r})  # {why}")
        fn.add(f"o = {st}.tell() - b")
        return v

    # expressions: constants, ``this`` expressions, callables
    def expr(self, f, sc: _Scope) -> str:
        """``f(context)`` (or the constant ``f``) as an expression."""
        t = type(f)
        if t is Path:
            names = _path_names(f)
            if not names:
                return sc.ctx()
            return sc.field(names[0]) + "".join(f"[{n!r}]" for n in names[1:])
        if t is BinExpr:
            lhs, rhs = self.expr(f.lhs, sc), self.expr(f.rhs, sc)
            if f.op is operator.contains:
                return f"({rhs} in {lhs})"
            return f"({lhs} {_OPS[f.op]} {rhs})"
        if t is UniExpr:
            return f"({_OPS[f.op]} {self.expr(f.operand, sc)})"
        if type(f) is FunctionType:
            emit = getattr(f, "_emitfast", None)
            if emit is not None:
                return emit(self, sc)
        if callable(f):
            return f"{self.const(f)}({sc.ctx()})"
        return self.const(f)

    # helpers for emitters
    def need(self, sc: _Scope, size: int | str) -> None:
        """Fail unless ``size`` octets are left in the window (skipped inside a checked run)."""
        if isinstance(size, int) and sc.avail >= size:
            sc.avail -= size
            return
        sc.avail = 0
        sc.fn.add(f"if o + {size} > {sc.end}: raise _Fail")

    def block(self, sc: _Scope, header: str, body: Callable[[_Scope], str], res: str) -> None:
        """``header:`` then the body's code, its value stored in ``res``."""
        sc.fn.add(header)
        sc.fn.ind += 1
        v = body(sc.copy(avail=0))
        sc.fn.add(f"{res} = {v}")
        sc.fn.ind -= 1

    def length(self, sc: _Scope, n: str, w: str) -> None:
        """A definite length at ``o`` into ``n`` (plain int) and its width into ``w``."""
        fn = sc.fn
        self.need(sc, 1)
        fn.add(f"{n} = data[o]")
        fn.add(f"if {n} < 0x80: o += 1; {w} = 1")
        fn.add(f"else: {n}, {w}, o = _long_len(data, o, {sc.end})")
        sc.avail = 0

    def window(self, sc: _Scope, size: str) -> _Scope:
        """A sub-window of ``size`` octets from ``o`` (already checked to be there)."""
        ws, end = self.var("w"), self.var("e")
        sc.fn.add(f"{ws} = o; {end} = o + {size}")
        return sc.copy(ws=ws, end=end, avail=0)

    def within(self, node, sc: _Scope, size: str) -> tuple[str, str]:
        """``node`` parsed in a window of ``size`` octets from ``o`` (checked to be there): its
        value and the window's end, which ``o`` may not have reached."""
        inner = self.window(sc, size)
        return self.emit(node, inner), inner.end

    def open_struct(self, node, sc: _Scope, obj: str | None, forbid: bool = False) -> _StructState:
        """The state of a Struct about to emit its fields; with a ``_View`` when a callable in
        it needs a context (``_NeedView`` from a first attempt)."""
        here = sc.here() if not forbid else ""
        subcons = self.const(node._subcons, "sub") if not forbid else ""
        view = None
        if id(node) in self.views:
            view = self.var("fv")
            sc.fn.add(f"{view} = _View(_FLAGS); {view}.__dict__ = {view}; {view}.up = {here}; "
                      f"{view}.subcons = {subcons}")
        return _StructState(node, obj, view, here, subcons, forbid)

    def fields(self, node, sc: _Scope, st: _StructState, start: str) -> list[tuple[str, str]]:
        """Emit the fields of a Struct/FocusedSeq into ``st``; their (name, span expression).

        One length check covers each run of fixed-size fields, and a field's start offset is an
        expression (``h7 + 3``) rather than a variable while only fixed-size fields precede it.
        """
        fn = sc.fn
        inner = sc.copy(struct=st, avail=0)
        subcons = node.subcons
        spans = []
        base, off = start, 0
        for i, sub in enumerate(subcons):
            if inner.avail == 0:
                run = count = 0
                for nxt in subcons[i:]:
                    size = _fixed(nxt)
                    if size is None:
                        break
                    run += size
                    count += 1
                if count > 1 and run:
                    fn.add(f"if o + {run} > {inner.end}: raise _Fail")
                    inner.avail = run
            name = sub.name
            here = f"{base} + {off}" if off else base
            v = self.emit(sub, inner)
            size = _fixed(sub)
            if size is not None:
                length = str(size)
                off += size
            elif i + 1 < len(subcons):
                h = self.var("h")
                fn.add(f"{h} = o")
                length = f"{h} - ({here})" if off else f"{h} - {here}"
                base, off = h, 0
            else:
                length = f"o - ({here})" if off else f"o - {here}"
            if name:
                if not v.isidentifier():
                    tmp = self.var()
                    fn.add(f"{tmp} = {v}")
                    v = tmp
                if st.obj:
                    fn.add(f"{st.obj}[{name!r}] = {v}")
                if st.view:
                    fn.add(f"{st.view}[{name!r}] = {v}")
                st.fields[name] = v
                spans.append((name, f"({here} + b, {length})"))
        sc.avail = 0
        return spans


def _path_names(f) -> list | None:
    """``this.a.b`` -> ["a", "b"]; None for another root than ``this``."""
    names = []
    while True:
        d = vars(f)
        parent = d["_Path__parent"]
        if parent is None:
            if d["_Path__name"] != "this":
                raise _Unsupported(f"a path from {d['_Path__name']}")
            return names[::-1]
        names.append(d["_Path__field"])
        f = parent


# --- emitters of construct's own classes -------------------------------------------------------

def _renamed(node, cp: _Compiler, sc: _Scope) -> str:
    return _pass_through(node, cp, sc, f"{sc.path} -> {node.name}")


def _pass_through(node, cp: _Compiler, sc: _Scope, path: str | None = None) -> str:
    old = sc.path
    if path is not None:
        sc.path = path
    try:
        return cp.emit(node.subcon, sc)
    finally:
        sc.path = old


def _format_field(node, cp: _Compiler, sc: _Scope) -> str:
    v = cp.var()
    cp.need(sc, node.length)
    fmt = node.fmtstr
    if fmt in (">B", "<B", "B", "=B"):
        sc.fn.add(f"{v} = data[o]; o += 1")
    elif fmt in (">H", "!H"):
        sc.fn.add(f"{v} = data[o] << 8 | data[o + 1]; o += 2")
    else:
        unpack = cp.const(struct.Struct(fmt).unpack_from, "u")
        sc.fn.add(f"{v} = {unpack}(data, o)[0]; o += {node.length}")
    return v


def _bytes(node, cp: _Compiler, sc: _Scope) -> str:
    v = cp.var()
    if type(node.length) is int:
        if node.length < 0:
            sc.fn.add("raise _Fail")
            return "None"
        cp.need(sc, node.length)
        sc.fn.add(f"{v} = data[o:o + {node.length}]; o += {node.length}")
        return v
    n = cp.var("n")
    sc.fn.add(f"{n} = {cp.expr(node.length, sc)}")
    sc.fn.add(f"if {n} < 0 or o + {n} > {sc.end}: raise _Fail")
    sc.fn.add(f"{v} = data[o:o + {n}]; o += {n}")
    sc.avail = 0
    return v


def _bytes_integer(node, cp: _Compiler, sc: _Scope) -> str:
    if _fixed(node) is None:
        raise _Unsupported("BytesInteger with a computed length")
    n = node.length
    v = cp.var()
    cp.need(sc, n)
    order = "little" if node.swapped else "big"
    sc.fn.add(f"{v} = int.from_bytes(data[o:o + {n}], {order!r}, signed={node.signed!r}); "
              f"o += {n}")
    return v


def _greedy_bytes(node, cp: _Compiler, sc: _Scope) -> str:
    v = cp.var()
    sc.fn.add(f"{v} = data[o:{sc.end}]; o = {sc.end}")
    sc.avail = 0
    return v


def _pass(node, cp: _Compiler, sc: _Scope) -> str:
    return "None"


def _const(node, cp: _Compiler, sc: _Scope) -> str:
    v = cp.emit(node.subcon, sc)
    sc.fn.add(f"if not {v} == {cp.const(node.value)}: raise _Fail")
    return v


def _enum(node, cp: _Compiler, sc: _Scope) -> str:
    raw = cp.emit(node.subcon, sc)
    v = cp.var()
    sc.fn.add(f"{v} = {cp.const(node.decmapping, 'm')}.get({raw})")
    sc.fn.add(f"if {v} is None: {v} = EnumInteger({raw})")
    return v


def _computed(node, cp: _Compiler, sc: _Scope) -> str:
    v = cp.var()
    sc.fn.add(f"{v} = {cp.expr(node.func, sc)}")
    return v


def _if_then_else(node, cp: _Compiler, sc: _Scope) -> str:
    cond, res = cp.expr(node.condfunc, sc), cp.var("r")
    sc.avail = 0
    cp.block(sc, f"if {cond}:", lambda s: cp.emit(node.thensubcon, s), res)
    cp.block(sc, "else:", lambda s: cp.emit(node.elsesubcon, s), res)
    return res


_INLINE_WEIGHT = 6


def _weight(node, budget: int = _INLINE_WEIGHT + 1) -> int:
    """Roughly how much code a node emits (nodes below it, LazyBound counted once), capped."""
    total = 1
    kids = []
    if isinstance(node, c.Subconstruct):
        kids.append(node.subcon)
    kids += list(getattr(node, "subcons", ()))
    if isinstance(node, c.Switch):
        return budget
    if isinstance(node, c.IfThenElse):
        kids += [node.thensubcon, node.elsesubcon]
    for k in kids:
        if total >= budget:
            break
        if isinstance(k, c.Construct):
            total += _weight(k, budget - total)
    return min(total, budget)


def _switch(node, cp: _Compiler, sc: _Scope) -> str:
    """CHOICE: small cases inline behind a binary search over their index, the others through
    a table of generated functions; keys are looked up as construct's Switch does."""
    fn = sc.fn
    key = cp.expr(node.keyfunc, sc)
    if not key.isidentifier():
        tmp = cp.var("key")
        fn.add(f"{tmp} = {key}")
        key = tmp
    sc.avail = 0
    groups: dict[int, list] = {}
    for k, case in node.cases.items():
        groups.setdefault(id(case), [case, []])[1].append(k)
    res = cp.var("r")

    def emit_default(s: _Scope) -> str:
        return cp.emit(node.default, s)

    inline = [g for g in groups.values() if _weight(g[0]) <= _INLINE_WEIGHT]
    table = {}
    for case, keys in groups.values():
        if _weight(case) > _INLINE_WEIGHT:
            fname = cp.function(case, f"{sc.path} -> case {keys[0]!r}")
            table.update(dict.fromkeys(keys, fname))
    tname = None
    if table:
        tname = cp.var("cases")
        kname = cp.const(tuple(table), "keys")
        cp.post.append(f"{tname} = dict(zip({kname}, ({', '.join(table.values())},)))")

    def call(s: _Scope) -> str:
        v = cp.var()
        s.fn.add(f"{v}, o = {tname}[{key}](data, b, o, {s.ws}, {s.end}, {s.here()}, d)")
        return v

    if not inline:  # every case a function: one lookup
        f = cp.var("fn")
        fn.add(f"{f} = {tname}.get({key})")
        cp.block(sc, f"if {f} is None:", emit_default, res)
        fn.add(f"else: {res}, o = {f}(data, b, o, {sc.ws}, {sc.end}, {sc.here()}, d)")
        return res
    order = [(case, keys, None) for case, keys in inline]
    if table:
        order.append((None, list(table), call))
    kinds = {k: i for i, (_, keys, _) in enumerate(order) for k in keys}
    kk = cp.var("kk")
    fn.add(f"{kk} = {cp.const(kinds, 'kinds')}.get({key}, -1)")
    cp.block(sc, f"if {kk} < 0:", emit_default, res)
    fn.add("else:")
    fn.ind += 1

    def tree(lo: int, hi: int) -> None:
        if hi - lo == 1:
            case, keys, emit = order[lo]
            inner = sc.copy(avail=0, path=f"{sc.path} -> case {keys[0]!r}")
            v = emit(inner) if emit else cp.emit(case, inner)
            fn.add(f"{res} = {v}")
            return
        mid = (lo + hi) // 2
        for header, a, z in ((f"if {kk} < {mid}:", lo, mid), ("else:", mid, hi)):
            fn.add(header)
            fn.ind += 1
            tree(a, z)
            fn.ind -= 1

    tree(0, len(order))
    fn.ind -= 1
    return res


def _peek(node, cp: _Compiler, sc: _Scope) -> str:
    fn = sc.fn
    save, res = cp.var("p"), cp.var("r")
    sc.avail = 0
    fn.add(f"{save} = o")
    cp.block(sc, "try:", lambda s: cp.emit(node.subcon, s), res)
    fn.add(f"except _Fail: {res} = None")
    fn.add("except ExplicitError: raise")
    fn.add(f"except ConstructError: {res} = None")
    fn.add(f"o = {save}")
    return res


_UNROLL = 2
"""Levels of self-recursion (Data in Data) emitted inline in a recursive target's function."""


def _lazy_bound(node, cp: _Compiler, sc: _Scope) -> str:
    """A call of the target's function; ``_UNROLL`` levels of self-recursion are emitted inline, so
    the leaves of nested Data cost no call."""
    target = node.subconfunc()
    if sc.fn.root is target and sc.fn.unrolled < _UNROLL:
        sc.fn.unrolled += 1
        try:
            return cp.emit(target, sc)
        finally:
            sc.fn.unrolled -= 1
    fname = cp.function(target, sc.path)
    v = cp.var()
    sc.avail = 0
    sc.fn.add(f"if d > {MAX_DEPTH}: raise _Bail")
    sc.fn.add(f"{v}, o = {fname}(data, b, o, {sc.ws}, {sc.end}, {sc.here()}, d + 1)")
    return v


def _fixed_sized(node, cp: _Compiler, sc: _Scope) -> str:
    fn = sc.fn
    n = cp.var("n")
    fn.add(f"{n} = {cp.expr(node.length, sc)}")
    fn.add(f"if {n} < 0 or o + {n} > {sc.end}: raise _Fail")
    sc.avail = 0
    if type(node.subcon) is type(c.GreedyBytes):
        v = cp.var()
        fn.add(f"{v} = data[o:o + {n}]; o += {n}")
        return v
    v, end = cp.within(node.subcon, sc, n)
    fn.add(f"o = {end}")
    return v


def _focused_seq(node, cp: _Compiler, sc: _Scope) -> str:
    if not isinstance(node.parsebuildfrom, str):
        raise _Unsupported("FocusedSeq with a computed focus")
    st = cp.open_struct(node, sc, None, forbid=True)
    start = cp.var("h")
    sc.fn.add(f"{start} = o")
    cp.fields(node, sc, st, start)
    if node.parsebuildfrom not in st.fields:
        raise _Unsupported("FocusedSeq without its focused field")
    return st.fields[node.parsebuildfrom]


_CONSTRUCT: dict[type, Callable] = {
    c.Renamed: _renamed,
    c.Rebuild: _pass_through,
    c.FormatField: _format_field,
    c.Bytes: _bytes,
    c.BytesInteger: _bytes_integer,
    type(c.GreedyBytes): _greedy_bytes,
    type(c.Pass): _pass,
    c.Const: _const,
    c.Enum: _enum,
    c.Computed: _computed,
    c.IfThenElse: _if_then_else,
    c.Switch: _switch,
    c.Peek: _peek,
    c.LazyBound: _lazy_bound,
    c.FixedSized: _fixed_sized,
    c.FocusedSeq: _focused_seq,
}


# --- the public API ------------------------------------------------------------------------------

class _Compiled:
    """A schema's generated parser: the function, its source and what it emitted natively."""

    def __init__(self, schema):
        cp = _Compiler(schema)
        self.source = cp.run()
        self.native = cp.native
        self.fallback = cp.fallback
        filename = f"<generated parser {type(schema).__name__} {id(schema):x}>"
        code = compile(self.source, filename, "exec")
        linecache.cache[filename] = (len(self.source), None, self.source.splitlines(True),
                                     filename)
        exec(code, cp.ns)  # noqa: S102  (our own generated source)
        self.top = cp.ns["TOP"]
        self.schema = schema


_CACHE: dict[int, _Compiled] = {}


def _compiled(schema) -> _Compiled:
    got = _CACHE.get(id(schema))
    if got is None or got.schema is not schema:
        got = _CACHE[id(schema)] = _Compiled(schema)
    return got


def compile_parser(schema) -> Callable[..., Any]:
    """``parser(data, base=0) -> container``, generated from ``schema`` (compiled once, cached).

    It raises on bad input without naming the error: use ``fast_parse`` for ``DecodeError``."""
    compiled = _compiled(schema)

    def parser(data: bytes, base: int = 0):
        return compiled.top(bytes(data), base, 0, 0, len(data), None, 0)[0]

    parser.source = compiled.source
    return parser


def fast_parse(schema, data: bytes, layer: str, base: int = 0, whole: bool = True):
    """``_core.parse(schema, data, layer, base, whole)``, through the generated parser."""
    if type(data) is not bytes:
        data = bytes(data)
    if not _SUPPORTED:
        return _core.parse(schema, data, layer, base, whole)
    compiled = _CACHE.get(id(schema))
    if compiled is None or compiled.schema is not schema:
        compiled = _compiled(schema)
    try:
        obj, o = compiled.top(data, base, 0, 0, len(data), None, 0)
    except Exception as e:  # noqa: BLE001  (any failure: construct gives the canonical answer)
        return _interpreted(schema, data, layer, base, whole, type(e).__name__)
    if whole and o != len(data):
        return _interpreted(schema, data, layer, base, whole, "trailing octets")
    return obj


def _interpreted(schema, data: bytes, layer: str, base: int, whole: bool, why: str):
    """construct's parse after the generated one gave up; counted when construct succeeds."""
    obj = _core.parse(schema, data, layer, base, whole)
    FALLBACKS[(type(schema).__name__, why)] += 1
    return obj


def generated_source(schema) -> str:
    """The Python source generated for ``schema`` (for reading and debugging)."""
    return _compiled(schema).source


def coverage(schema) -> dict[str, Counter]:
    """Node classes of ``schema`` emitted natively and those parsed by fallback, with counts."""
    compiled = _compiled(schema)
    return {"native": Counter(compiled.native), "fallback": Counter(compiled.fallback)}
