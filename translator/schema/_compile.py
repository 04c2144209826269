"""Parsers generated from the construct schemas: the tree of ``_core.parse``, several times faster.

Why: construct interprets a schema node by node (several Python calls per field, a context
Container per Struct); the same layout read with offsets into the bytes runs about 19 times faster
(DESIGN section 6). Writing those parsers by hand would declare every layout twice, so this module
*generates* them: it walks the construct object graph of a schema once and emits straight-line
Python (``data[o]``, ``struct.unpack_from``, one function per recursion point or large CHOICE),
compiled with ``compile()`` on first use and cached per schema object.

Contract: ``fast_parse`` returns what ``_core.parse`` returns (same Container/ListContainer types
and keys, ``_spans``/``_span``, value types such as ``Len``, ``Octets``, enum strings) and raises
its ``DecodeError``: on any failure the generated code stops and the interpreted parse runs
instead (errors are rare), which produces the canonical error.

Coverage: the construct classes the schemas use are emitted natively. A class the compiler does
not know is parsed by its own ``_parsereport`` on a stream positioned at the offset (fallback), so
the compiler can grow class by class. Schema-specific classes (hdlc, acse, ...) are emitted from a
restatement of their ``_parse``; each such emitter is tied to a fingerprint of its class's code and
switches itself off (fallback) when that code changes, until reviewed (``stale_emitters``).
Callables of the schemas: a lambda over sibling fields is inlined as an expression (its file's
text must compile to the very code it runs); a few helper functions the HDLC and LLC headers call
are restated inline (``_RESTATED``, fingerprinted the same way); pure helpers and the OBJECT
IDENTIFIER adapter, called with the same values message after message, are memoized (bounded,
fresh copies of mutable results). Anything else is called, with a fields view or a context.
Known approximation: the ``_index`` key of a context that a lambda receives is not tracked
(no schema reads it).
"""

from __future__ import annotations

import ast
import builtins
import dis
import hashlib
import inspect
import linecache
import struct
import sys
import textwrap
from collections import Counter
from collections.abc import Callable
from typing import Any

import construct as c
from construct import Container, ListContainer
from construct.expr import Path

from . import _core
from ._core import Len, _minimal_width, _with_width

__all__ = [
    "EMITTER_FINGERPRINTS",
    "compile_parser",
    "coverage",
    "fast_parse",
    "fingerprint",
    "generated_source",
    "stale_emitters",
]

MAX_DEPTH = 12
"""Calls of a recursive schema's function (each covers ``_UNROLL + 1`` levels of Data in Data)
beyond which the fast path hands over to the interpreted parse, which then fails or not with its
own RecursionError (construct spends about 12 frames per level, so it copes with about 80 levels
from a shallow stack; the hand-over happens at about 39)."""

_SUPPORTED = c.version[:2] == (2, 10)


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


class _Fields(dict):
    """The fields of a Struct parsed so far, also readable as attributes (its ``__dict__`` is
    itself): what a callable that only reads sibling fields (``_ctx_use`` "fields") gets instead
    of a context, because ``Container`` attribute access costs a Python call."""

    __slots__ = ("__dict__",)


_DICT_NAMES = frozenset(dir(dict)) | frozenset(dir(Container))

_FLAGS = {"_parsing": True, "_building": False, "_sizing": False, "_io": _NOIO}
"""The keys of a parsing context that a ``_Fields`` view carries too (``_io`` hands over)."""


def _mkctx(up, subcons) -> Container:
    """The context a ``_core.Struct`` makes for its fields, ``up`` being its parent's context."""
    parent = _ctx_of(up)
    ctx = Container()
    ctx["_"] = parent
    ctx["_params"] = parent["_params"]
    ctx["_root"] = None
    ctx["_parsing"] = parent["_parsing"]
    ctx["_building"] = parent["_building"]
    ctx["_sizing"] = parent["_sizing"]
    ctx["_subcons"] = subcons
    ctx["_io"] = _NOIO
    ctx["_index"] = parent.get("_index", None)
    ctx["_root"] = parent.get("_root", ctx)
    return ctx


def _ctx_of(up) -> Container:
    """A real context from what generated code passes down: None (the root), a Container, or a
    lazy ``(fields so far, parent, subcons)`` of a Struct that kept no context of its own."""
    if up is None:
        return _core._context()
    if type(up) is tuple:
        obj, parent, subcons = up
        ctx = _mkctx(parent, subcons)
        for k, v in obj.items():
            ctx[k] = v
        return ctx
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
    "_Fail": _Fail, "_Bail": _Bail, "_NOIO": _NOIO, "_mkctx": _mkctx, "_ctx_of": _ctx_of,
    "_long_len": _long_len, "_stream": _stream, "Container": Container, "_Fields": _Fields,
    "_FLAGS": _FLAGS,
    "ListContainer": ListContainer, "Len": Len, "_mw": _minimal_width, "_ww": _with_width,
    "EnumInteger": c.EnumInteger, "EnumIntegerString": c.EnumIntegerString,
    "ConstructError": c.ConstructError, "ExplicitError": c.ExplicitError,
}


# --- fingerprints of the classes whose parse logic an emitter restates ------------------------

def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return tree


def fingerprint(cls) -> str | None:
    """A short hash of the parsing code of ``cls`` (its methods but the build/size ones; or the
    function itself), insensitive to formatting, comments and docstrings; None when its source
    is not available."""
    parts = []
    members = [("", cls)] if inspect.isfunction(cls) else sorted(vars(cls).items())
    for name, member in members:
        if not inspect.isfunction(member) or name.startswith(("_build", "_encode", "_sizeof",
                                                               "_emit")):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(member)))
        except (OSError, TypeError, SyntaxError):
            return None
        parts.append(ast.dump(_strip_docstrings(tree), include_attributes=False))
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()[:12]


EMITTER_FINGERPRINTS: dict[str, str] = {}
"""``module.Class`` -> fingerprint of the code its emitter restates (filled below, reviewed by
hand: when a class changes, compare its new ``_parse`` with the emitter, then update)."""

_NATIVE: dict[str, Callable] = {}


def _native(qualname: str, fp: str, *extra: str):
    """Register an emitter for the class ``qualname`` whose code (and that of ``extra``
    classes it builds on) has the fingerprint(s) ``fp`` (``+``-joined)."""
    def deco(fn):
        EMITTER_FINGERPRINTS[qualname] = fp
        _NATIVE[qualname] = fn
        fn.extra = extra
        return fn
    return deco


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


_FP_CACHE: dict[type, bool] = {}


def _current(cls: type) -> bool:
    """Whether the registered emitter of ``cls`` still matches the class's code."""
    ok = _FP_CACHE.get(cls)
    if ok is None:
        fn = _NATIVE[_qualname(cls)]
        want = EMITTER_FINGERPRINTS[_qualname(cls)]
        classes = [cls] + [_resolve_class(cls, q) for q in fn.extra]
        got = "+".join(fingerprint(k) or "?" for k in classes)
        ok = _FP_CACHE[cls] = got == want
    return ok


def _resolve_class(cls: type, qualname: str) -> type:
    for k in cls.__mro__:
        if _qualname(k) == qualname:
            return k
    raise LookupError(qualname)


def stale_emitters() -> dict[str, tuple[str, str]]:
    """Emitters switched off because their class changed: qualname -> (expected, found).

    Only classes already imported are checked (the schema modules import them all)."""
    out = {}
    for qualname, want in EMITTER_FINGERPRINTS.items():
        module, _, name = qualname.rpartition(".")
        mod = sys.modules.get(module)
        cls = getattr(mod, name, None) if mod else None
        if cls is None:
            continue
        fn = _NATIVE[qualname]
        got = "+".join(fingerprint(k) or "?" for k in
                       [cls] + [_resolve_class(cls, q) for q in fn.extra])
        if got != want:
            out[qualname] = (want, got)
    for qualname, want in FUNCTION_FINGERPRINTS.items():
        module, _, name = qualname.rpartition(".")
        mod = sys.modules.get(module)
        func = getattr(mod, name, None) if mod else None
        if func is None:
            continue
        got = _function_fingerprints(func)
        if got != want:
            out[qualname] = (want, got)
    for qualname, want in _PURE.items():
        module, _, name = qualname.rpartition(".")
        mod = sys.modules.get(module)
        func = getattr(mod, name, None) if mod else None
        if func is not None and (fingerprint(func) or "?") != want:
            out[qualname] = (want, fingerprint(func) or "?")
    return out


FUNCTION_FINGERPRINTS: dict[str, str] = {}
"""``module.function`` -> fingerprint of a schema helper function that ``_RESTATED`` emits inline
(and of the helpers it builds on); reviewed by hand like ``EMITTER_FINGERPRINTS``."""

_RESTATED: dict[str, Callable] = {}
_FN_FP_CACHE: dict[Any, bool] = {}


def _restates(qualname: str, fp: str, *extra: str):
    """Register an inline restatement of the module-level function ``qualname`` (and of the
    functions ``extra`` of the same module it builds on), valid while their code has ``fp``."""
    def deco(fn):
        FUNCTION_FINGERPRINTS[qualname] = fp
        _RESTATED[qualname] = fn
        fn.extra = extra
        return fn
    return deco


def _function_fingerprints(func) -> str:
    extra = _RESTATED[f"{func.__module__}.{func.__qualname__}"].extra
    funcs = [func] + [func.__globals__.get(q.rpartition(".")[2]) for q in extra]
    return "+".join(fingerprint(f) or "?" if inspect.isfunction(f) else "?" for f in funcs)


def _restated(cp, func, sc) -> str | None:
    """The variable holding ``func(context)`` computed by its reviewed restatement, emitted at
    this point; None when there is none (or its code changed, or it cannot apply here)."""
    if not inspect.isfunction(func):
        return None
    qualname = f"{func.__module__}.{func.__qualname__}"
    emit = _RESTATED.get(qualname)
    if emit is None:
        return None
    ok = _FN_FP_CACHE.get(func)
    if ok is None:
        ok = _FN_FP_CACHE[func] = _function_fingerprints(func) == FUNCTION_FINGERPRINTS[qualname]
    if not ok:
        return None
    mark = sc.fn.mark()
    got = emit(cp, func, sc)
    if got is None:
        _truncate(sc.fn, mark)
    return got


# --- static facts about nodes and callables ----------------------------------------------------

_MAPPING_METHODS = frozenset(n for n in dir(Container) if not n.startswith("_")) - {"get"}


_LEVELS = ("none", "fields", "flags", "full")


def _ctx_use(func, index: int = 0, _seen: frozenset = frozenset()) -> str:
    """How ``func`` uses its positional parameter ``index`` (a construct context).

    "none": never read. "fields": only as ``ctx.name``, ``ctx["name"]`` or ``ctx.get("name")``
    with constant names not starting with "_", so the fields parsed so far can stand in for the
    context. "flags": the same plus ``_parsing``/``_building``/``_sizing``/``_io``. "full":
    anything else, or not sure. Passing the context on as the only argument of a module-level
    function counts as that function's use of it.
    """
    if inspect.ismethod(func):
        func, index = func.__func__, index + 1
    code = getattr(func, "__code__", None)
    if code is None or index >= code.co_argcount or code in _seen:
        return "full"
    name = code.co_varnames[index]
    if name in code.co_cellvars:
        return "full"
    cells = {}
    for var, cell in zip(code.co_freevars, func.__closure__ or ()):
        try:
            cells[var] = cell.cell_contents
        except ValueError:
            pass
    ins = [i for i in dis.get_instructions(code) if i.opname not in ("CACHE", "EXTENDED_ARG")]

    def constant_name(i: int) -> str | None:
        op = ins[i] if i < len(ins) else None
        if op is None:
            return None
        value = op.argval if op.opname == "LOAD_CONST" else (
            cells.get(op.argval) if op.opname == "LOAD_DEREF" else None)
        return value if isinstance(value, str) else None

    def level_of(key: str | None) -> int:
        if key is None:
            return 3
        if key in _FLAGS:
            return 2
        return 3 if key.startswith("_") else 1

    level = 0
    for i, op in enumerate(ins):
        if name not in (op.argval if isinstance(op.argval, tuple) else (op.argval,)):
            continue
        if op.opname not in ("LOAD_FAST", "LOAD_FAST_CHECK") or i + 1 >= len(ins):
            return "full"
        nxt = ins[i + 1]
        if nxt.opname in ("LOAD_ATTR", "LOAD_METHOD"):
            attr = nxt.argval
            if attr == "get":
                use = level_of(constant_name(i + 2))
            elif not isinstance(attr, str) or attr in _MAPPING_METHODS:
                use = 3
            else:
                use = level_of(attr)
        elif (constant_name(i + 1) is not None and i + 2 < len(ins)
              and ins[i + 2].opname == "BINARY_SUBSCR"):
            use = level_of(constant_name(i + 1))
        elif (i > 0 and ins[i - 1].opname == "LOAD_GLOBAL" and nxt.opname in ("PRECALL", "CALL")
              and nxt.arg == 1):
            callee = func.__globals__.get(ins[i - 1].argval)
            use = 3
            if inspect.isfunction(callee):
                use = _LEVELS.index(_ctx_use(callee, 0, _seen | {code}))
        else:
            use = 3
        level = max(level, use)
        if level == 3:
            return "full"
    return _LEVELS[level]


def _path_names(f) -> list | None:
    """``this.a.b`` -> ["a", "b"]; None for any other expression."""
    if type(f) is not Path:
        return None
    names = []
    while True:
        d = vars(f)
        parent = d["_Path__parent"]
        if parent is None:
            return names[::-1] if d["_Path__name"] == "this" else None
        names.append(d["_Path__field"])
        f = parent


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
    if t in (c.Renamed, c.Const, c.Rebuild, _core.KeepRebuild, c.Enum):
        return _fixed(node.subcon)
    return None


# --- inlining the schemas' lambdas ---------------------------------------------------------------
#
# A lambda such as ``lambda ctx: ctx.format.length - 2`` costs a call, a context (or fields view)
# to call it with and, on a Container, an attribute read that goes through a failed lookup
# (about 0.4 us each). Its body is one expression over sibling fields, so it is emitted in place:
# ``ctx.x`` becomes the field's local variable. Anything the translation does not know for sure
# (a context key other than fields and flags, a comprehension, a name it cannot resolve) keeps
# the call. Other names are bound to their values when the parser is generated, as the
# emitters already do for helpers (``_glob``).

class _NoInline(Exception):
    """Compile time: keep calling this lambda."""


_MODULE_CODES: dict[str, tuple[dict[int, list[ast.Lambda]], list] | None] = {}

_BANNED = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.NamedExpr,
           ast.Await, ast.Yield, ast.YieldFrom, ast.Starred)
_PLAIN = (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Tuple, ast.List, ast.Dict,
          ast.Set, ast.Slice, ast.JoinedStr, ast.FormattedValue, ast.operator, ast.unaryop,
          ast.cmpop, ast.boolop, ast.expr_context)


def _module_codes(filename: str) -> tuple[dict[int, list[ast.Lambda]], list] | None:
    """The lambdas of a source file by line, and the lambdas' code objects compiling the file
    gives (None: unreadable)."""
    if filename not in _MODULE_CODES:
        got = None
        linecache.checkcache(filename)
        src = "".join(linecache.getlines(filename))
        if src:
            try:
                tree = ast.parse(src, filename)
                codes, todo = [], [compile(tree, filename, "exec")]
                while todo:
                    code = todo.pop()
                    if code.co_name == "<lambda>":
                        codes.append(code)
                    todo += [k for k in code.co_consts if inspect.iscode(k)]
                lambdas: dict[int, list[ast.Lambda]] = {}
                for n in ast.walk(tree):
                    if isinstance(n, ast.Lambda):
                        lambdas.setdefault(n.lineno, []).append(n)
                got = lambdas, codes
            except (SyntaxError, ValueError):
                got = None
        _MODULE_CODES[filename] = got
    return _MODULE_CODES[filename]


def _lambda_ast(func) -> ast.Lambda | None:
    """The AST of a one-argument lambda, when its file still holds exactly the code it runs."""
    code = getattr(func, "__code__", None)
    if (code is None or getattr(func, "__name__", None) != "<lambda>" or code.co_argcount != 1
            or code.co_kwonlyargcount or code.co_flags & (inspect.CO_VARARGS
                                                          | inspect.CO_VARKEYWORDS)):
        return None
    module = _module_codes(code.co_filename)
    if module is None or not any(k == code for k in module[1]):
        return None  # the file changed since import: its text is not this code
    spots = {(p[0], p[2]) for p in code.co_positions() if p[0] is not None and p[3]}
    found = [n for n in module[0].get(code.co_firstlineno, ()) if len(n.args.args) == 1
             and not n.args.defaults and n.args.args[0].arg == code.co_varnames[0]
             and all((n.body.lineno, n.body.col_offset) <= s <= (n.body.end_lineno,
                                                                 n.body.end_col_offset)
                     for s in spots)]
    return found[0] if len(found) == 1 else None


class _Inliner:
    """Translates one lambda's body into an expression over the enclosing Struct's locals."""

    def __init__(self, cp: _Compiler, func, lam: ast.Lambda, sc: _Scope, depth: int):
        self.cp, self.func, self.sc, self.depth = cp, func, sc, depth
        self.ctx = lam.args.args[0].arg
        self.locals: set[str] = set()  # generated names holding a field's value

    def is_ctx(self, n: ast.AST) -> bool:
        return isinstance(n, ast.Name) and n.id == self.ctx

    def const(self, value) -> ast.expr:
        text = self.cp.const(value)
        return ast.Name(text, ast.Load()) if text.isidentifier() and text not in (
            "None", "True", "False") else ast.Constant(value)

    def name(self, ident: str) -> ast.expr:
        code = self.func.__code__
        if ident in code.co_freevars:
            try:
                value = self.func.__closure__[code.co_freevars.index(ident)].cell_contents
            except ValueError:
                raise _NoInline from None
        elif ident in self.func.__globals__:
            value = self.func.__globals__[ident]
        elif hasattr(builtins, ident):
            value = getattr(builtins, ident)
        else:
            raise _NoInline
        return self.const(value)

    def field(self, key: str, default: ast.expr | None = None) -> ast.expr:
        """``ctx.key``; with ``default``, ``ctx.get(key, default)``."""
        if key == "_parsing":
            return ast.Constant(True)
        if key in ("_building", "_sizing"):
            return ast.Constant(False)
        st = self.sc.struct
        if key.startswith("_") or st is None:
            raise _NoInline
        if key in st.fields:
            var = st.fields[key]
            if not var.isidentifier():
                raise _NoInline
            self.locals.add(var)
            return ast.Name(var, ast.Load())
        if default is None:
            raise _NoInline  # construct raises here; let the call do it
        return default

    def tr(self, n: ast.AST, cond: bool = False) -> ast.AST:
        """The translated node; ``cond``: evaluated only on some paths (no hoisting there)."""
        if isinstance(n, ast.Name):
            if n.id == self.ctx:
                raise _NoInline
            return self.name(n.id)
        if isinstance(n, ast.Attribute):
            if self.is_ctx(n.value):
                return self.field(n.attr)
            value = self.tr(n.value, cond)
            if (isinstance(value, ast.Name) and value.id in self.locals
                    and n.attr not in _DICT_NAMES and not n.attr.startswith("_")):
                # a Container's attribute is its key (read by key, skipping the failed lookup)
                return ast.IfExp(
                    ast.Compare(ast.Call(ast.Name(self.cp.const(type), ast.Load()), [value], []),
                                [ast.Is()], [ast.Name("Container", ast.Load())]),
                    ast.Subscript(value, ast.Constant(n.attr), ast.Load()),
                    ast.Attribute(value, n.attr, ast.Load()))
            return ast.Attribute(value, n.attr, ast.Load())
        if isinstance(n, ast.Subscript):
            if self.is_ctx(n.value):
                key = self.tr(n.slice, cond)
                if isinstance(key, ast.Constant) and type(key.value) is str:
                    return self.field(key.value)
                raise _NoInline
            return ast.Subscript(self.tr(n.value, cond), self.tr(n.slice, cond), ast.Load())
        if isinstance(n, ast.Call):
            return self.call(n, cond)
        if isinstance(n, ast.IfExp):
            return ast.IfExp(self.tr(n.test, cond), self.tr(n.body, True),
                             self.tr(n.orelse, True))
        if isinstance(n, ast.BoolOp):
            return ast.BoolOp(n.op, [self.tr(v, cond or i > 0) for i, v in enumerate(n.values)])
        if isinstance(n, _PLAIN):
            out = type(n)()
            for name, value in ast.iter_fields(n):
                if isinstance(value, list):
                    value = [self.tr(v, cond) if isinstance(v, ast.AST) else v for v in value]
                elif isinstance(value, ast.AST):
                    value = self.tr(value, cond)
                setattr(out, name, value)
            return out
        raise _NoInline

    def call(self, n: ast.Call, cond: bool) -> ast.expr:
        f = n.func
        if isinstance(f, ast.Attribute) and self.is_ctx(f.value):
            if f.attr != "get" or n.keywords or not 1 <= len(n.args) <= 2:
                raise _NoInline
            key = self.tr(n.args[0], cond)
            if not (isinstance(key, ast.Constant) and type(key.value) is str):
                raise _NoInline
            default = self.tr(n.args[1], cond) if len(n.args) == 2 else ast.Constant(None)
            return self.field(key.value, default)
        if len(n.args) == 1 and not n.keywords and self.is_ctx(n.args[0]):
            if not isinstance(f, ast.Name) or f.id == self.ctx:
                raise _NoInline
            target = self.name(f.id)
            value = self.cp.ns.get(target.id) if isinstance(target, ast.Name) else None
            if not inspect.isfunction(value):
                raise _NoInline
            text = self.cp.call(value, self.sc, hoist=not cond, depth=self.depth + 1)
            return ast.parse(text, mode="eval").body
        if any(k.arg is None for k in n.keywords):
            raise _NoInline
        func = self.tr(f, cond)
        target = self.cp.ns.get(func.id) if isinstance(func, ast.Name) else None
        if inspect.isfunction(target) and not n.keywords:
            memo = _memoized(target)
            if memo is not None:
                func = ast.Name(self.cp.const(memo, "h"), ast.Load())
        return ast.Call(func, [self.tr(a, cond) for a in n.args],
                        [ast.keyword(k.arg, self.tr(k.value, cond)) for k in n.keywords])


_PURE: dict[str, str] = {
    # module.function -> fingerprint: reviewed functions of their arguments alone (module
    # constants aside) whose result is a list of immutable items; called with the same values
    # on message after message (a link's conformance block)
    "translator.schema.initiate.conformance_names": "4a1fbaa50fe7",
}
_PURE_MEMOS: dict[Any, Callable | None] = {}


def _memoized(func) -> Callable | None:
    """A memoizing stand-in for a ``_PURE`` function (fresh list per call), or None."""
    if func not in _PURE_MEMOS:
        qualname = f"{func.__module__}.{func.__qualname__}"
        want = _PURE.get(qualname)
        _PURE_MEMOS[func] = None if want is None or fingerprint(func) != want else \
            _list_memo(func)
    return _PURE_MEMOS[func]


def _list_memo(func) -> Callable:
    memo: dict = {}

    def call(*args):
        # one int, str or bytes argument (exactly those types: 1, 1.0 and True are equal keys)
        if len(args) != 1 or type(args[0]) not in (int, str, bytes):
            return func(*args)
        key = args[0]
        got = memo.get(key)
        if got is None:
            got = func(key)
            if type(got) is not list:
                return got
            if len(memo) >= _OID_MEMO_SIZE:
                memo.clear()  # bounded: arbitrary input cannot grow it
            memo[key] = got = tuple(got)
        return list(got)
    return call


def _inline(cp: _Compiler, func, sc: _Scope, depth: int) -> str | None:
    """``func(ctx)`` as an expression over the Struct's locals, or None (keep the call)."""
    if depth > 8:
        return None
    lam = _lambda_ast(func)
    if lam is None or any(isinstance(n, _BANNED) for n in ast.walk(lam.body)):
        return None
    mark = sc.fn.mark()
    try:
        body = _Inliner(cp, func, lam, sc, depth).tr(lam.body)
    except _NoInline:
        _truncate(sc.fn, mark)  # statements hoisted for a restated helper, if any
        return None
    return "(" + ast.unparse(ast.fix_missing_locations(body)) + ")"


# --- code generation ---------------------------------------------------------------------------

class _Unsupported(Exception):
    """Compile time: this node cannot be emitted here; use its fallback."""


class _NeedCtx(Exception):
    """Compile time: a Struct emitted without a context (``what`` "ctx") or a fields view
    (``what`` "view") needs one; emit it again with one."""

    def __init__(self, state, what: str):
        super().__init__()
        self.state = state
        self.what = what


class _Fn:
    """One generated function."""

    def __init__(self, name: str, doc: str, root=None):
        self.root = root
        self.unrolled = 0
        self.name = name
        self.doc = doc
        self.lines: list[str | None] = []
        self.ind = 1
        self.slots: dict[int, str] = {}
        self.memo: dict[Any, tuple[int, str, int, str]] = {}

    def add(self, text: str) -> None:
        self.lines.append("    " * self.ind + text)

    def remember(self, key, var: str) -> None:
        """``var``, assigned by the last line added, holds the value named by ``key``."""
        i = len(self.lines) - 1
        self.memo[key] = (i, self.lines[i], self.ind, var)

    def recall(self, key) -> str | None:
        """The variable ``remember`` named for ``key`` if it is assigned on every path to here:
        its line is still there and no line since left its block (dedented below it)."""
        got = self.memo.get(key)
        if got is None:
            return None
        i, text, ind, var = got
        if i >= len(self.lines) or self.lines[i] is not text or self.ind < ind:
            return None
        for j in range(i + 1, len(self.lines)):
            line = self.lines[j]
            lead = self.slots[j] if line is None else line
            if (len(lead) - len(lead.lstrip(" "))) // 4 < ind:
                return None
        return var

    def mark(self) -> tuple[int, int]:
        return len(self.lines), self.ind

    def slot(self) -> int:
        """A line to fill in later (or leave out): things a block needs only if used below."""
        self.lines.append(None)
        self.slots[len(self.lines) - 1] = "    " * self.ind
        return len(self.lines) - 1

    def fill(self, i: int, text: str) -> None:
        self.lines[i] = self.slots[i] + text

    def source(self) -> str:
        head = f"def {self.name}(data, b, o, ws, end, up, d):\n    # {self.doc}\n"
        return head + "\n".join(x for x in self.lines if x is not None) + "\n"


def _truncate(fn: _Fn, mark: tuple[int, int]) -> None:
    """Forget the code emitted since ``mark`` (from ``fn.mark()``), its slots and indentation."""
    mark, fn.ind = mark
    del fn.lines[mark:]
    for i in [i for i in fn.slots if i >= mark]:
        del fn.slots[i]


class _StructState:
    """The Struct (or FocusedSeq) being emitted: its fields so far and how it holds a context."""

    def __init__(self, node, obj: str | None, cx: str | None, here_up: str, subcons: str,
                 forbid: bool = False, view: str | None = None):
        self.view = view
        names = {sc.name for sc in getattr(node, "subcons", ()) if sc.name}
        self.viewable = not forbid and not names & _DICT_NAMES
        self.node = node
        self.fields: dict[str, str] = {}
        self.obj = obj
        self.cx = cx
        self.here_up = here_up
        self.subcons = subcons
        self.forbid = forbid


class _Window:
    """A stream window [ws, end): the lazily made stream fallbacks read from."""

    def __init__(self, fn: _Fn, ws: str, end: str, var: str):
        self.ws = ws
        self.end = end
        self.var = var
        self.slot = fn.slot()
        self.used = False


class _Scope:
    """Where the code being emitted stands: function, window, enclosing Struct, path."""

    def __init__(self, fn: _Fn, win: _Window, struct: _StructState | None, fnctx: list,
                 path: str, fnfields: list | None = None):
        self.fnfields = fnfields
        self.fn = fn
        self.win = win
        self.struct = struct
        self.fnctx = fnctx  # [var, slot, used] of the function-level materialized context
        self.path = path
        self.avail = 0  # octets known to be there from ``o`` on (checked once for a run)

    def copy(self, **kw) -> _Scope:
        s = _Scope(self.fn, self.win, self.struct, self.fnctx, self.path, self.fnfields)
        for k, v in kw.items():
            setattr(s, k, v)
        return s

    @property
    def end(self) -> str:
        return self.win.end

    @property
    def ws(self) -> str:
        return self.win.ws

    def here(self) -> str:
        """The expression of the context construct would hand to the node being emitted."""
        st = self.struct
        if st is None:
            return "up"
        if st.cx:
            return st.cx
        if st.forbid:
            raise _Unsupported("a context inside FocusedSeq")
        return f"({st.obj}, {st.here_up}, {st.subcons})"

    def fields_ctx(self) -> str:
        """A Container with the enclosing Struct's fields so far: enough for a callable whose
        ``_ctx_use`` is "fields" (a Struct emitted without a context keeps no other)."""
        st = self.struct
        if st is None:
            self.fnfields[2] = True
            return self.fnfields[0]
        if st.forbid:
            raise _Unsupported("a context inside FocusedSeq")
        if st.view:
            return st.view
        if st.viewable:
            raise _NeedCtx(st, "view")
        return st.cx or st.obj

    def call_ctx(self, func, index: int = 0) -> str:
        """What to pass as the context argument ``index`` of ``func``."""
        use = _ctx_use(func, index)
        if use == "none":
            return "None"
        if use == "full" or (use == "flags" and not (self.struct and self.struct.viewable)):
            return self.ctx()
        return self.fields_ctx()

    def ctx(self) -> str:
        """A variable holding a real context Container for lambdas and fallbacks."""
        st = self.struct
        if st is None:
            self.fnctx[2] = True
            return self.fnctx[0]
        if st.cx:
            return st.cx
        if st.forbid:
            raise _Unsupported("a context inside FocusedSeq")
        raise _NeedCtx(st, "ctx")

    def stream(self) -> str:
        self.win.used = True
        return self.win.var


class _Compiler:
    """Emits the functions of one schema; ``source`` and ``namespace`` once ``run`` is done."""

    def __init__(self, schema):
        self.schema = schema
        self.ns: dict[str, Any] = dict(_RUNTIME)
        self.consts: dict[int, str] = {}
        self.funcs: dict[int, str] = {}
        self.queue: list[tuple[Any, str, str]] = []
        self.done: list[_Fn] = []
        self.post: list[str] = []
        self.n = 0
        self.ctx_memo: dict[int, frozenset] = {}
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
            self.done.append(self._function_body(node, name, path))
        body = "\n".join(f.source() for f in self.done)
        return body + ("\n" + "\n".join(self.post) + "\n" if self.post else "") + \
            f"\nTOP = {top}\n"

    def _function_body(self, node, name: str, path: str) -> _Fn:
        fn = _Fn(name, f"{type(node).__name__} at {path}"[:100], node)
        fnctx = [self.var("u"), fn.slot(), False]
        fnfields = [self.var("uf"), fn.slot(), False]
        win = _Window(fn, "ws", "end", self.var("st"))
        sc = _Scope(fn, win, None, fnctx, path, fnfields)
        v = self.emit(node, sc)
        fn.add(f"return {v}, o")
        self._close_window(fn, win)
        if fnctx[2]:
            fn.fill(fnctx[1], f"{fnctx[0]} = _ctx_of(up)")
        if fnfields[2]:
            fn.fill(fnfields[1], f"{fnfields[0]} = up[0] if type(up) is tuple else _ctx_of(up)")
        return fn

    def _close_window(self, fn: _Fn, win: _Window) -> None:
        if win.used:
            fn.fill(win.slot, f"{win.var} = None")

    # checks
    def need(self, sc: _Scope, size: int | str) -> None:
        """Fail unless ``size`` octets are left in the window (skipped inside a checked run)."""
        if isinstance(size, int) and sc.avail >= size:
            sc.avail -= size
            return
        sc.avail = 0
        sc.fn.add(f"if o + {size} > {sc.end}: raise _Fail")

    # expressions: constants, this.x paths, callables
    def value_of(self, f, sc: _Scope) -> str:
        names = _path_names(f)
        st = sc.struct
        if names and st is not None and names[0] in st.fields and not names[0].startswith("_"):
            return st.fields[names[0]] + "".join(f"[{n!r}]" for n in names[1:])
        if callable(f):
            return self.call(f, sc)
        return self.const(f)

    def call(self, func, sc: _Scope, hoist: bool = True, depth: int = 0) -> str:
        """``func(context)`` as an expression: a reviewed restatement of a schema helper (its
        statements emitted here, so only where ``hoist`` allows), the lambda's body inlined, or
        else a call with what ``_ctx_use`` says it needs."""
        if hoist:
            got = _restated(self, func, sc)
            if got is not None:
                return got
        got = _inline(self, func, sc, depth)
        if got is not None:
            return got
        return f"{self.const(func)}({sc.call_ctx(func)})"

    # dispatch
    def emit(self, node, sc: _Scope) -> str:
        t = type(node)
        if node.parsed is not None:
            return self.fallback_emit(node, sc, "parsed hook")
        qual = _qualname(t)
        handler = _CORE.get(t)
        if handler is None and qual in _NATIVE and _current(t):
            handler = _NATIVE[qual]
        if handler is None and isinstance(node, c.Adapter) and t._parse is c.Adapter._parse:
            handler = _adapter
        if handler is None:
            return self.fallback_emit(node, sc, "no emitter")
        mark = sc.fn.mark()
        try:
            v = handler(self, node, sc)
        except _Unsupported:
            _truncate(sc.fn, mark)
            return self.fallback_emit(node, sc, "unsupported here")
        self.native[qual] += 1
        return v

    def fallback_emit(self, node, sc: _Scope, why: str) -> str:
        cx = sc.ctx()
        st = sc.stream()
        fn = sc.fn
        sc.avail = 0
        v = self.var()
        fn.add(f"if {st} is None: {st} = _stream(data, {sc.ws}, {sc.end}, b)")
        fn.add(f"{st}.seek(o + b)")
        fn.add(f"{v} = {self.const(node, 'n')}._parsereport({st}, {cx}, {sc.path!r})  "
               f"# fallback: {why}")
        fn.add(f"o = {st}.tell() - b")
        self.fallback[_qualname(type(node))] += 1
        return v

    # helpers for emitters
    def block(self, sc: _Scope, header: str, body: Callable[[_Scope], str], res: str) -> None:
        """``header:`` then the body's code, its value stored in ``res``."""
        sc.fn.add(header)
        sc.fn.ind += 1
        inner = sc.copy(avail=0)
        v = body(inner)
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
        return sc.copy(win=_Window(sc.fn, ws, end, self.var("st")), avail=0)


# --- emitters of construct's classes -----------------------------------------------------------

def _renamed(cp: _Compiler, node, sc: _Scope) -> str:
    return _pass_through(cp, node, sc, f"{sc.path} -> {node.name}")


def _pass_through(cp: _Compiler, node, sc: _Scope, path: str | None = None) -> str:
    old = sc.path
    if path is not None:
        sc.path = path
    try:
        return cp.emit(node.subcon, sc)
    finally:
        sc.path = old


def _format_field(cp: _Compiler, node, sc: _Scope) -> str:
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


def _bytes(cp: _Compiler, node, sc: _Scope) -> str:
    v = cp.var()
    if type(node.length) is int:
        if node.length < 0:
            sc.fn.add("raise _Fail")
            return "None"
        cp.need(sc, node.length)
        sc.fn.add(f"{v} = data[o:o + {node.length}]; o += {node.length}")
        return v
    n = cp.var("n")
    sc.fn.add(f"{n} = {cp.value_of(node.length, sc)}")
    sc.fn.add(f"if {n} < 0 or o + {n} > {sc.end}: raise _Fail")
    sc.fn.add(f"{v} = data[o:o + {n}]; o += {n}")
    sc.avail = 0
    return v


def _bytes_integer(cp: _Compiler, node, sc: _Scope) -> str:
    if _fixed(node) is None:
        raise _Unsupported("BytesInteger with a computed length")
    n = node.length
    v = cp.var()
    cp.need(sc, n)
    order = "little" if node.swapped else "big"
    sc.fn.add(f"{v} = int.from_bytes(data[o:o + {n}], {order!r}, signed={node.signed!r}); "
              f"o += {n}")
    return v


def _greedy_bytes(cp: _Compiler, node, sc: _Scope) -> str:
    v = cp.var()
    sc.fn.add(f"{v} = data[o:{sc.end}]; o = {sc.end}")
    sc.avail = 0
    return v


def _pass(cp: _Compiler, node, sc: _Scope) -> str:
    return "None"


def _const(cp: _Compiler, node, sc: _Scope) -> str:
    v = cp.emit(node.subcon, sc)
    sc.fn.add(f"if not {v} == {cp.const(node.value)}: raise _Fail")
    return v


def _enum(cp: _Compiler, node, sc: _Scope) -> str:
    raw = cp.emit(node.subcon, sc)
    v = cp.var()
    sc.fn.add(f"{v} = {cp.const(node.decmapping, 'm')}.get({raw})")
    sc.fn.add(f"if {v} is None: {v} = EnumInteger({raw})")
    return v


def _adapter(cp: _Compiler, node, sc: _Scope) -> str:
    raw = cp.emit(node.subcon, sc)
    decode = type(node)._decode
    ctx = sc.call_ctx(decode, 2)
    v = cp.var()
    sc.fn.add(f"{v} = {cp.const(node._decode, 'a')}({raw}, {ctx}, {sc.path!r})")
    return v


def _computed(cp: _Compiler, node, sc: _Scope) -> str:
    v = cp.var()
    sc.fn.add(f"{v} = {cp.value_of(node.func, sc)}")
    return v


def _if_then_else(cp: _Compiler, node, sc: _Scope) -> str:
    cond = cp.value_of(node.condfunc, sc)
    res = cp.var("r")
    sc.avail = 0
    if type(node.elsesubcon) is type(c.Pass):
        sc.fn.add(f"{res} = None")
        cp.block(sc, f"if {cond}:", lambda s: cp.emit(node.thensubcon, s), res)
        return res
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


def _switch(cp: _Compiler, node, sc: _Scope) -> str:
    """CHOICE: small cases inline behind a binary search over their index, the others through
    a table of generated functions; keys are looked up as construct's Switch does."""
    fn = sc.fn
    key = cp.value_of(node.keyfunc, sc)
    if not key.isidentifier():
        tmp = cp.var("key")
        fn.add(f"{tmp} = {key}")
        key = tmp
    sc.avail = 0
    groups: dict[int, list] = {}
    for k, case in node.cases.items():
        groups.setdefault(id(case), [case, []])[1].append(k)
    res = cp.var("r")
    default = node.default
    reject = type(default) is _core.Reject

    def emit_default(s: _Scope) -> str:
        if reject:
            s.fn.add("raise _Fail")
            return "None"
        return cp.emit(default, s)

    inline = [g for g in groups.values() if _weight(g[0]) <= _INLINE_WEIGHT]
    called = [g for g in groups.values() if _weight(g[0]) > _INLINE_WEIGHT]
    table = {}
    for case, keys in called:
        fname = cp.function(case, f"{sc.path} -> case {keys[0]!r}")
        for k in keys:
            table[k] = fname
    tname = None
    if table:
        tname = cp.var("cases")
        kname = cp.const(tuple(table), "keys")
        cp.post.append(f"{tname} = dict(zip({kname}, ({', '.join(table.values())},)))")

    def call(s: _Scope) -> str:
        v = cp.var()
        s.fn.add(f"{v}, o = {tname}[{key}](data, b, o, {s.ws}, {s.end}, {s.here()}, d)")
        return v

    if not inline:
        f = cp.var("fn")
        fn.add(f"{f} = {tname}.get({key})")
        cp.block(sc, f"if {f} is None:", emit_default, res)
        fn.add("else:")
        fn.add(f"    {res}, o = {f}(data, b, o, {sc.ws}, {sc.end}, {sc.here()}, d)")
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
        fn.add(f"if {kk} < {mid}:")
        fn.ind += 1
        tree(lo, mid)
        fn.ind -= 1
        fn.add("else:")
        fn.ind += 1
        tree(mid, hi)
        fn.ind -= 1

    tree(0, len(order))
    fn.ind -= 1
    return res


def _peek(cp: _Compiler, node, sc: _Scope) -> str:
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


def _lazy_bound(cp: _Compiler, node, sc: _Scope) -> str:
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


def _fixed_sized(cp: _Compiler, node, sc: _Scope) -> str:
    fn = sc.fn
    n = cp.var("n")
    fn.add(f"{n} = {cp.value_of(node.length, sc)}")
    fn.add(f"if {n} < 0 or o + {n} > {sc.end}: raise _Fail")
    sc.avail = 0
    if type(node.subcon) is type(c.GreedyBytes):
        v = cp.var()
        fn.add(f"{v} = data[o:o + {n}]; o += {n}")
        return v
    inner = cp.window(sc, n)
    v = cp.emit(node.subcon, inner)
    cp._close_window(fn, inner.win)
    fn.add(f"o = {inner.ws} + {n}")
    return v


def _struct(cp: _Compiler, node, sc: _Scope) -> str:
    while True:
        mark = sc.fn.mark()
        try:
            return _struct_once(cp, node, sc, cp.ctx_memo.get(id(node), frozenset()))
        except _NeedCtx as e:
            if e.state.node is not node:
                raise
            _truncate(sc.fn, mark)
            cp.ctx_memo[id(node)] = cp.ctx_memo.get(id(node), frozenset()) | {e.what}


def _fields(cp: _Compiler, node, sc: _Scope, st: _StructState, inner: _Scope, start: str,
            spans: list | None) -> None:
    """Emit the fields of a Struct/FocusedSeq into ``st``, and their spans into ``spans``.

    One length check covers each run of fixed-size fields, and a field's start offset is an
    expression (``h7 + 3``) rather than a variable while only fixed-size fields precede it.
    """
    fn = sc.fn
    subcons = node.subcons
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
        v = cp.emit(sub, inner)
        size = _fixed(sub)
        if size is not None:
            length = str(size)
            off += size
        elif i + 1 < len(subcons):
            h = cp.var("h")
            fn.add(f"{h} = o")
            length = f"{h} - ({here})" if off else f"{h} - {here}"
            base, off = h, 0
        else:
            length = f"o - ({here})" if off else f"o - {here}"
        if name:
            if not v.isidentifier():
                tmp = cp.var()
                fn.add(f"{tmp} = {v}")
                v = tmp
            if st.obj:
                fn.add(f"{st.obj}[{name!r}] = {v}")
            if st.cx:
                fn.add(f"{st.cx}[{name!r}] = {v}")
            if st.view:
                fn.add(f"{st.view}[{name!r}] = {v}")
            st.fields[name] = v
            if spans is not None:
                spans.append((name, f"({here} + b, {length})"))


def _struct_once(cp: _Compiler, node, sc: _Scope, needs: frozenset) -> str:
    """A Struct: a Container filled field by field, its spans, and, when its callables need
    them, a real context (``_mkctx``) and/or a fast view of the fields (``_Fields``)."""
    fn = sc.fn
    obj = cp.var("r")
    subcons = cp.const(node._subcons, "sub")
    here = sc.here()
    fn.add(f"{obj} = Container()")
    cx = view = None
    if "ctx" in needs:
        cx = cp.var("c")
        fn.add(f"{cx} = _mkctx({here}, {subcons})")
    if "view" in needs:
        view = cp.var("fv")
        fn.add(f"{view} = _Fields(_FLAGS); {view}.__dict__ = {view}")
    st = _StructState(node, obj, cx, here, subcons, view=view)
    h0 = cp.var("h")
    fn.add(f"{h0} = o")
    inner = sc.copy(struct=st, avail=0)
    spans: list = []
    _fields(cp, node, sc, st, inner, h0, spans)
    fn.add(f"{obj}['_spans'] = {{{', '.join(f'{n!r}: {q}' for n, q in spans)}}}")
    fn.add(f"{obj}['_span'] = ({h0} + b, o - {h0})")
    sc.avail = 0
    return obj


def _focused_seq(cp: _Compiler, node, sc: _Scope) -> str:
    if not isinstance(node.parsebuildfrom, str):
        raise _Unsupported("FocusedSeq with a computed focus")
    st = _StructState(node, None, None, sc.here(), "", forbid=True)
    inner = sc.copy(struct=st, avail=0)
    start = cp.var("h")
    sc.fn.add(f"{start} = o")
    _fields(cp, node, sc, st, inner, start, None)
    sc.avail = 0
    if node.parsebuildfrom not in st.fields:
        raise _Unsupported("FocusedSeq without its focused field")
    return st.fields[node.parsebuildfrom]


# --- emitters of _core's classes -----------------------------------------------------------------

def _length(cp: _Compiler, node, sc: _Scope) -> str:
    v, w = cp.var("n"), cp.var("w")
    cp.length(sc, v, w)
    sc.fn.add(f"{v} = Len({v}, {w})")
    return v


def _counted(cp: _Compiler, node, sc: _Scope) -> str:
    return _counted_parts(cp, node, sc)[0]


def _counted_parts(cp: _Compiler, node, sc: _Scope) -> tuple[str, str, str]:
    """Counted: the value's variable, and those of the length and its width."""
    fn = sc.fn
    n, w = cp.var("n"), cp.var("w")
    cp.length(sc, n, w)
    fn.add(f"if {n} > {sc.end} - o: raise _Fail")
    v = cp.var()
    if type(node.subcon) is type(c.GreedyBytes):
        fn.add(f"{v} = data[o:o + {n}]; o += {n}")
    else:
        inner = cp.window(sc, n)
        got = cp.emit(node.subcon, inner)
        cp._close_window(fn, inner.win)
        fn.add(f"if o != {inner.end}: raise _Fail")
        fn.add(f"{v} = {got}")
    fn.add(f"if {w} > 1 and {w} > _mw({n}): {v} = _ww({v}, {w})")
    return v, n, w


def _counted_array(cp: _Compiler, node, sc: _Scope) -> str:
    fn = sc.fn
    n, w = cp.var("n"), cp.var("w")
    cp.length(sc, n, w)
    fn.add(f"if {n} > {sc.end} - o: raise _Fail")
    items, i = cp.var("items"), cp.var("i")
    fn.add(f"{items} = ListContainer()")
    fn.add(f"for {i} in range({n}):")
    fn.ind += 1
    if sc.struct is not None and sc.struct.cx:
        fn.add(f"{sc.struct.cx}['_index'] = {i}")
    v = cp.emit(node.subcon, sc.copy(avail=0))
    fn.add(f"{items}.append({v})")
    fn.ind -= 1
    fn.add(f"if {w} > 1 and {w} > _mw({n}): {items} = _ww({items}, {w})")
    sc.avail = 0
    return items


def _axdr_optional(cp: _Compiler, node, sc: _Scope) -> str:
    fn = sc.fn
    flag, res = cp.var("f"), cp.var("r")
    cp.need(sc, 1)
    fn.add(f"{flag} = data[o]; o += 1")
    fn.add(f"if {flag} == 0: {res} = None")
    cp.block(sc, f"elif {flag} == 1:", lambda s: cp.emit(node.subcon, s), res)
    fn.add("else: raise _Fail")
    sc.avail = 0
    return res


def _reject(cp: _Compiler, node, sc: _Scope) -> str:
    sc.fn.add("raise _Fail")
    return "None"


_CORE: dict[type, Callable] = {
    c.Renamed: _renamed,
    c.Rebuild: _pass_through,
    _core.KeepRebuild: _pass_through,
    _core.Layer: _pass_through,
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
    _core.Struct: _struct,
    type(_core.Length): _length,
    _core.Counted: _counted,
    _core.CountedArray: _counted_array,
    _core.AxdrOptional: _axdr_optional,
    _core.Reject: _reject,
}


# --- emitters of the schema modules' own classes (each restates its class's _parse) -------------
#
# Fingerprints: ``python3 -m translator.schema._compile`` prints the current ones. When one no
# longer matches, that emitter is off (its class is parsed by fallback) until someone compares
# the class's new ``_parse`` with the emitter below and updates the fingerprint.

def _glob(cp: _Compiler, node, name: str) -> str:
    """A module-level name of the node's own module (helpers are called, not restated)."""
    return cp.const(type(node)._parse.__globals__[name], "g")


def _field(sc: _Scope, name: str) -> str:
    """``context.name`` of the enclosing Struct: its local variable when parsed there."""
    st = sc.struct
    if st is not None and name in st.fields:
        return st.fields[name]
    return f"{sc.fields_ctx()}[{name!r}]"


@_native("translator.schema.axdr._Tag", "e44bd3743598")
@_native("translator.schema._core.StrictEnum", "ba278a49b326")
def _strict_enum(cp: _Compiler, node, sc: _Scope) -> str:
    """An Enum whose ``_decode`` refuses values outside its mapping."""
    raw = cp.emit(node.subcon, sc)
    v = cp.var()
    sc.fn.add(f"{v} = {cp.const(node.decmapping, 'm')}.get({raw})")
    sc.fn.add(f"if {v} is None: raise _Fail")
    return v


@_native("translator.schema.axdr._IEEEFloat", "70dd9ee598f2")
def _ieee_float(cp: _Compiler, node, sc: _Scope) -> str:
    raw, v = cp.var("x"), cp.var()
    cp.need(sc, node.size)
    sc.fn.add(f"{raw} = data[o:o + {node.size}]; o += {node.size}")
    unpack = cp.const(struct.Struct(node.fmt).unpack, "u")
    sc.fn.add(f"{v} = {_glob(cp, node, 'Float')}({unpack}({raw})[0], {raw})")
    return v


@_native("translator.schema.acse._Tag", "fb32ab153b7a")
def _ber_tag(cp: _Compiler, node, sc: _Scope) -> str:
    v = cp.var()
    cp.need(sc, 1)
    sc.fn.add(f"{v} = data[o]; o += 1")
    sc.fn.add(f"if {v} != {node.tag!r}: raise _Fail")
    return v


def _acse_scalar_width(obj, width: int):
    """acse._Counted: a scalar inside a non-minimal length carries the length's width."""
    if isinstance(obj, c.EnumIntegerString):
        obj = c.EnumIntegerString.new(obj.intvalue, str(obj))
    try:
        obj.width = width
    except AttributeError:
        pass
    return obj


@_native("translator.schema.acse._Counted", "bdd4dde048c1+8b5e851d33bb", "translator.schema._core.Counted")
def _acse_counted(cp: _Compiler, node, sc: _Scope) -> str:
    v, n, w = _counted_parts(cp, node, sc)
    scalar = cp.const(_acse_scalar_width, "h")
    sc.fn.add(f"if {w} > 1 and {w} > {_glob(cp, node, '_minimal_width')}({n}) and not "
              f"isinstance({v}, (bytes, dict, list)): {v} = {scalar}({v}, {w})")
    return v


_OID_MEMO_SIZE = 256


def _oid_memo(decode, memo: dict):
    """acse._ObjectIdentifier._decode is a function of its octets alone (reviewed: no context,
    no state), and a message carries the same few OIDs again and again; its result is a str
    that a non-minimal length may later mark (``width``), so every parse gets a fresh copy."""
    def parse(raw: bytes, path: str):
        got = memo.get(raw)
        if got is None:
            got = decode(raw, None, path)  # errors are raised, never kept
            if len(memo) >= _OID_MEMO_SIZE:
                memo.clear()  # bounded: arbitrary input cannot grow it
            memo[raw] = type(got)(got)
            return got
        return type(got)(got)
    return parse


@_native("translator.schema.acse._ObjectIdentifier", "c149edbba691")
def _object_identifier(cp: _Compiler, node, sc: _Scope) -> str:
    if _ctx_use(type(node)._decode, 2) != "none":
        raise _Unsupported("an OBJECT IDENTIFIER decoded from its context")
    raw = cp.emit(node.subcon, sc)
    v = cp.var()
    parse = cp.const(_oid_memo(node._decode, {}), "h")
    sc.fn.add(f"{v} = {parse}({raw}, {sc.path!r})")
    return v


@_native("translator.schema._core.UntilEnd", "0c0b75a882de")
def _until_end(cp: _Compiler, node, sc: _Scope, stuck: str = "_Fail") -> str:
    """Items until the window ends; an item that consumes nothing is an error."""
    fn = sc.fn
    items, before = cp.var("items"), cp.var("p")
    sc.avail = 0
    fn.add(f"{items} = ListContainer()")
    fn.add(f"while {sc.end} - o > 0:")
    fn.ind += 1
    fn.add(f"{before} = o")
    v = cp.emit(node.subcon, sc.copy(avail=0))
    fn.add(f"{items}.append({v})")
    fn.add(f"if o == {before}: raise {stuck}")
    fn.ind -= 1
    return items


@_native("translator.schema.initiate._ConformanceTag", "9f4f0e25aa2b")
def _conformance_tag(cp: _Compiler, node, sc: _Scope) -> str:
    fn, v = sc.fn, cp.var()
    cp.need(sc, 1)
    sc.avail = 0
    fn.add(f"if data[o] != {node.SHORT[0]}: raise _Fail")
    fn.add("o += 1")
    fn.add(f"if o < {sc.end} and data[o] == 0x1F: o += 1; {v} = {cp.const(node.FULL)}")
    fn.add(f"elif o < {sc.end} and data[o] == 0x04: {v} = {cp.const(node.SHORT)}")
    fn.add("else: raise _Fail")
    return v


@_native("translator.schema.protection._CipheredText", "caa128e1008b")
def _ciphered_text(cp: _Compiler, node, sc: _Scope) -> str:
    fn, v, keep = sc.fn, cp.var(), cp.var("n")
    sc.avail = 0
    taglen = _glob(cp, node, "AUTHENTICATION_TAG_LENGTH")
    fn.add(f"{keep} = {taglen} if {_field(sc, 'security_control')}['authentication'] else 0")
    fn.add(f"if {sc.end} - o < {keep}: raise _Fail")
    fn.add(f"{v} = data[o:{sc.end} - {keep}]; o = {sc.end} - {keep}")
    return v


@_native("translator.schema.xdlms._LooksTagged", "e879b8676a31")
def _looks_tagged(cp: _Compiler, node, sc: _Scope) -> str:
    v = cp.var()
    head = _glob(cp, node, "_TAGGED_DATE_TIME")
    sc.fn.add(f"{v} = data[o:min(o + 2, {sc.end})] == {head}")
    return v


@_native("translator.schema.hdlc._FlagPresent", "e1e4855ea1df")
def _flag_present(cp: _Compiler, node, sc: _Scope) -> str:
    v = cp.var()
    sc.avail = 0
    sc.fn.add(f"if o < {sc.end} and data[o] == 0x7E: {v} = True; o += 1")
    sc.fn.add(f"else: {v} = False")
    return v


@_native("translator.schema.hdlc._Format", "aaa1d98ffd2c")
def _hdlc_format(cp: _Compiler, node, sc: _Scope) -> str:
    fn, x, v = sc.fn, cp.var("x"), cp.var()
    kind = _glob(cp, node, "FORMAT_TYPE_3")
    cp.need(sc, 2)
    fn.add(f"{x} = data[o] << 8 | data[o + 1]; o += 2")
    fn.add(f"if {x} >> 12 != {kind}: raise _Fail")
    fn.add(f"{v} = Container(format_type={kind}, segmentation=bool({x} & 0x0800), "
           f"length={x} & 0x07FF)")
    return v


def _hdlc_address(data: bytes, o: int, end: int):
    """hdlc._Address: 1, 2 or 4 octets, the low bit set on the last; (Container, offset)."""
    if o + 4 <= end and not (data[o] | data[o + 1] | data[o + 2]) & 1 and data[o + 3] & 1:
        # four octets (a server's upper and lower address of 14 bits each), without the loop
        a = data[o] >> 1 << 21 | data[o + 1] >> 1 << 14 | data[o + 2] >> 1 << 7 | data[o + 3] >> 1
        return Container(size=4, address=a, upper=a >> 14, lower=a & 0x3FFF), o + 4
    groups = []
    while True:
        if o >= end:
            raise _Fail
        octet = data[o]
        o += 1
        groups.append(octet >> 1)
        if octet & 1:
            break
        if len(groups) == 4:
            raise _Fail
    size = len(groups)
    if size == 3:
        raise _Fail
    address = 0
    for g in groups:
        address = address << 7 | g
    if size == 1:
        return Container(size=1, address=address, upper=None, lower=None), o
    half = 7 * size // 2
    return Container(size=size, address=address, upper=address >> half,
                     lower=address & ((1 << half) - 1)), o


@_native("translator.schema.hdlc._Address", "9c7c0dce11a3")
def _hdlc_address_emit(cp: _Compiler, node, sc: _Scope) -> str:
    v = cp.var()
    sc.avail = 0
    helper = cp.const(_hdlc_address, "h")
    x = cp.var("x")
    sc.fn.add(f"if o < {sc.end} and data[o] & 1: "
              f"{v} = Container(size=1, address=data[o] >> 1, upper=None, lower=None); o += 1")
    # two octets (a server's upper and lower address), the first without the extension bit
    sc.fn.add(f"elif o + 1 < {sc.end} and data[o + 1] & 1: "
              f"{x} = data[o] >> 1 << 7 | data[o + 1] >> 1; "
              f"{v} = Container(size=2, address={x}, upper={x} >> 7, lower={x} & 0x7F); o += 2")
    sc.fn.add(f"else: {v}, o = {helper}(data, o, {sc.end})")
    return v


@_native("translator.schema.hdlc._Control", "21f3d0ec2f60")
def _hdlc_control(cp: _Compiler, node, sc: _Scope) -> str:
    v = cp.var()
    cp.need(sc, 1)
    sc.fn.add(f"{v} = {_glob(cp, node, '_decode_control')}(data[o]); o += 1")
    return v


def _covered(cp: _Compiler, node, sc: _Scope) -> str:
    """The octets a check sequence covers: the ``covered(ctx)`` octets just before ``o``."""
    n, cov = cp.var("n"), cp.var("x")
    sc.fn.add(f"{n} = {cp.call(node.covered, sc)}")
    # construct would seek outside its window (ValueError) or read to the end: let it decide
    sc.fn.add(f"if {n} < 0 or o - {n} < {sc.ws}: raise _Bail")
    sc.fn.add(f"{cov} = data[o - {n}:o]")
    return cov


@_native("translator.schema.hdlc._Check", "d7f4aeb3ef5f")
def _hdlc_check(cp: _Compiler, node, sc: _Scope) -> str:
    sc.avail = 0
    cov = _covered(cp, node, sc)
    raw, v = cp.var("x"), cp.var()
    cp.need(sc, 2)
    sc.fn.add(f"{raw} = data[o:o + 2]; o += 2")
    sc.fn.add(f"{v} = {_glob(cp, node, 'CheckSequence')}({raw}, "
              f"{_glob(cp, node, 'check_sequence')}({cov}) == {raw})")
    return v


@_native("translator.schema.hdlc._Information", "17fb7f48a4bd")
def _hdlc_information(cp: _Compiler, node, sc: _Scope) -> str:
    fn, n, v = sc.fn, cp.var("n"), cp.var()
    sc.avail = 0
    length = type(node)._parse.__globals__["_information_length"]
    fn.add(f"{n} = {cp.call(length, sc)}")
    fn.add(f"if {n} is None: {v} = None")
    fn.add("else:")
    fn.add(f"    if {n} < 0 or o + {n} > {sc.end}: raise _Fail")
    fn.add(f"    {v} = data[o:o + {n}]; o += {n}")
    return v


def _hdlc_address_size(cp: _Compiler, sc: _Scope, helper, address: str) -> str:
    """hdlc._address_size of a parsed address: its ``size`` (the helper for anything else)."""
    fn, v = sc.fn, cp.var("s")
    fn.add(f"{v} = {address}.get('size')")
    fn.add(f"if not {v}: {v} = {cp.const(helper)}({address})")
    fn.add(f"elif type({v}) is not int: {v} = int({v})")
    return v


@_restates("translator.schema.hdlc.header_length", "5eaa3bb595c4+dfa373baa987",
           "translator.schema.hdlc._address_size")
def _hdlc_header_length(cp: _Compiler, func, sc: _Scope) -> str | None:
    """Octets of format, addresses and control, from the addresses parsed in this Struct."""
    st = sc.struct
    if st is None or not {"destination_address", "source_address"} <= st.fields.keys():
        return None
    dst, src = st.fields["destination_address"], st.fields["source_address"]
    key = ("header_length", dst, src)
    v = sc.fn.recall(key)
    if v is not None:
        return v
    helper = func.__globals__["_address_size"]
    a = _hdlc_address_size(cp, sc, helper, dst)
    b = _hdlc_address_size(cp, sc, helper, src)
    v = cp.var("hl")
    sc.fn.add(f"{v} = 2 + {a} + {b} + 1")
    sc.fn.remember(key, v)
    return v


@_restates("translator.schema.hdlc._information_length", "54d0d0d2626a+5eaa3bb595c4+dfa373baa987",
           "translator.schema.hdlc.header_length", "translator.schema.hdlc._address_size")
def _hdlc_information_length(cp: _Compiler, func, sc: _Scope) -> str | None:
    """The information field's length (None: no information field) while parsing; a length
    that leaves no room for one hands over to construct, which names the error."""
    st = sc.struct
    if st is None or "format" not in st.fields:
        return None
    header = _hdlc_header_length(cp, func.__globals__["header_length"], sc)
    if header is None:
        return None
    fn, fmt = sc.fn, st.fields["format"]
    key = ("information_length", fmt, header)
    v = fn.recall(key)
    if v is not None:
        return v
    n, v = cp.var("ln"), cp.var("il")
    fn.add(f"{n} = {fmt}['length'] if type({fmt}) is Container else {fmt}.length")
    fn.add(f"if {n} == {header} + 2: {v} = None")
    fn.add(f"elif {n} < {header} + 4: raise _Bail")
    fn.add(f"else: {v} = {n} - {header} - 4")
    fn.remember(key, v)
    return v


@_restates("translator.schema.llc._direction", "582f4df5a794")
def _llc_direction(cp: _Compiler, func, sc: _Scope) -> str | None:
    """"command"/"response" from the source LSAP of an IEC 62056-46 header, else None."""
    st = sc.struct
    if st is None or not {"profile", "source_lsap"} <= st.fields.keys():
        return None
    v = cp.var()
    names = cp.const({0xE6: "command", 0xE7: "response"}, "m")
    sc.fn.add(f"{v} = None if {st.fields['profile']} != 'iec62056_46' else "
              f"{names}.get({st.fields['source_lsap']})")
    return v


@_native("translator.schema.hdlc._ParameterValue", "483356c93a85")
def _hdlc_parameter_value(cp: _Compiler, node, sc: _Scope) -> str:
    fn, n, raw, v = sc.fn, cp.var("n"), cp.var("x"), cp.var()
    cp.need(sc, 1)
    sc.avail = 0
    fn.add(f"{n} = data[o]; o += 1")
    fn.add(f"if o + {n} > {sc.end}: raise _Fail")
    fn.add(f"{raw} = data[o:o + {n}]; o += {n}")
    fn.add(f"if isinstance({_field(sc, 'parameter_id')}, EnumIntegerString) and "
           f"{n} in (1, 2, 4): {v} = {_glob(cp, node, 'HdlcParameterValue')}"
           f"(int.from_bytes({raw}, 'big'), {n})")
    fn.add(f"else: {v} = {raw}")
    return v


@_native("translator.schema.mbus._RepeatedLength", "376112b24924")
def _mbus_repeated_length(cp: _Compiler, node, sc: _Scope) -> str:
    v = cp.var()
    cp.need(sc, 1)
    sc.fn.add(f"{v} = data[o]; o += 1")
    sc.fn.add(f"if {v} != {_field(sc, 'length')}: raise _Fail")
    return v


@_native("translator.schema.mbus._Checksum", "b7df5f8937b6")
def _mbus_checksum(cp: _Compiler, node, sc: _Scope) -> str:
    sc.avail = 0
    cov = _covered(cp, node, sc)
    x, v = cp.var("x"), cp.var()
    cp.need(sc, 1)
    sc.fn.add(f"{x} = data[o]; o += 1")
    sc.fn.add(f"{v} = {_glob(cp, node, 'MbusChecksum')}({x}, "
              f"{_glob(cp, node, 'mbus_checksum')}({cov}) == {x})")
    return v


@_native("translator.schema.wrapper._Version", "ccd8c586887f")
def _wrapper_version(cp: _Compiler, node, sc: _Scope) -> str:
    v = cp.var()
    cp.need(sc, 2)
    sc.fn.add(f"{v} = data[o] << 8 | data[o + 1]; o += 2")
    sc.fn.add(f"if {v} != {_glob(cp, node, 'WRAPPER_VERSION')}: raise _Fail")
    return v


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

    def parse(self, data: bytes, base: int = 0):
        """The container, and the offset after it; raises whatever the fast path hit."""
        obj, o = self.top(data, base, 0, 0, len(data), None, 0)
        return obj, o


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
    except Exception:  # noqa: BLE001  (any failure: construct gives the canonical answer)
        return _core.parse(schema, data, layer, base, whole)
    if whole and o != len(data):
        return _core.parse(schema, data, layer, base, whole)
    return obj


def generated_source(schema) -> str:
    """The Python source generated for ``schema`` (for reading and debugging)."""
    return _compiled(schema).source


def coverage(schema) -> dict[str, Counter]:
    """Node classes of ``schema`` emitted natively and those parsed by fallback, with counts."""
    compiled = _compiled(schema)
    return {"native": Counter(compiled.native), "fallback": Counter(compiled.fallback)}


if __name__ == "__main__":  # print the fingerprints the emitters were written against
    from . import apdu, hdlc, llc, mbus, wrapper  # noqa: F401  (import every schema class)

    for _q, _want in EMITTER_FINGERPRINTS.items():
        _m, _, _n = _q.rpartition(".")
        _cls = getattr(sys.modules[_m], _n)
        _got = "+".join(fingerprint(k) or "?" for k in
                        [_cls] + [_resolve_class(_cls, e) for e in _NATIVE[_q].extra])
        print(f"{_q:50} {_got}{'' if _got == _want else '  (changed)'}")
    for _q, _want in FUNCTION_FINGERPRINTS.items():
        _m, _, _n = _q.rpartition(".")
        _got = _function_fingerprints(getattr(sys.modules[_m], _n))
        print(f"{_q:50} {_got}{'' if _got == _want else '  (changed)'}")
    for _q, _want in _PURE.items():
        _m, _, _n = _q.rpartition(".")
        _got = fingerprint(getattr(sys.modules[_m], _n)) or "?"
        print(f"{_q:50} {_got}{'' if _got == _want else '  (changed)'}")
