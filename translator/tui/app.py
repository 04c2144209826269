"""The inspector: message list, decoded tree and hex pane over one ``MessageSource``.

The loader runs in a thread worker and hands rows over in batches (kept in a ``RowStore``),
so the list scrolls and filters while the file is still being read (and a live source, later,
is just a source that does not end). The selected message is decoded again from its row
(``rows.materialize``); the tree's highlighted node lights its octets in the hex pane through
``layout.locate``.
"""

from __future__ import annotations

import time
from array import array
from collections import OrderedDict
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widgets import Footer, Input, Static, Tree
from textual.worker import get_current_worker

from ..message import Message
from .export import message_json, message_xml, rows_jsonl
from .filtering import FilterError, Predicate, parse_filter
from .layout import locate, sections
from .rows import Row, materialize
from .screens.export import ExportScreen
from .screens.help import HelpScreen
from .screens.keys import KeysScreen
from .source import CaptureSource, MessageSource
from .store import RowStore
from .widgets.hex_pane import HexPane
from .widgets.message_list import MessageList
from .widgets.tree_pane import TreePane

__all__ = ["InspectorApp"]

_BATCH_SECONDS = 0.15
_FILTER_AT_ONCE = 20000   # rows; a longer list is filtered once the typing pauses
_CACHE = 64


class InspectorApp(App[int]):
    """``dlms tui FILE``: three panes in termshark's order, keys as termshark users expect."""

    CSS_PATH = "app.tcss"
    TITLE = "dlms tui"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("slash", "slash", "Filter/Search"),
        Binding("a", "follow", "Follow assoc"),
        Binding("p", "pair", "Req/Resp"),
        Binding("k", "keys", "Keys"),
        Binding("x", "export('xml')", "XML"),
        Binding("j", "export('json')", "JSON"),
        Binding("e", "export('jsonl')", "JSONL", show=False),
        Binding("c", "copy", "Copy hex", show=False),
        Binding("t", "toggle_theme", "Theme", show=False),
        Binding("n", "search_next", "Next hit", show=False),
        Binding("escape", "leave", "Back", show=False),
    ]
    HELP = [
        ("q", "quit"), ("?", "this help"), ("a", "follow the message's association"),
        ("p", "jump between request and response"),
        ("k", "keys dialog: decipher in place"),
        ("x / j", "export the message as simple XML / JSON"),
        ("e", "export the filtered list as JSONL"),
        ("c", "copy the lit octets (or message) as hex"), ("t", "light / dark theme"),
    ]

    def __init__(self, source: MessageSource, initial_filter: str = "") -> None:
        super().__init__()
        self.source = source
        self.initial_filter = initial_filter
        self.keys = source.keys
        self.rows = RowStore()
        self.predicate: Predicate | None = None
        self.filter_error: str | None = None
        self.progress = 0.0
        self.loaded = False
        self.load_seconds: float | None = None
        self.first_rows_seconds: float | None = None
        self.selected: Row | None = None
        self.message: Message | None = None
        self._cache: OrderedDict[int, Message | None] = OrderedDict()
        self._generation = 0
        self._started = time.perf_counter()
        self._search_target: str | None = None
        self._keep: int | None = None
        self._filter_timer: Timer | None = None

    # -- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter: service:get obis:1.0.1.8.0.255 invoke:1 errors …  (/)",
                    id="filter")
        yield MessageList(self.rows, id="list")
        yield TreePane(id="tree")
        yield HexPane(id="hex")
        yield Input(placeholder="search: hex octets (C0 01) or text", id="search")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.source.name
        self.query_one("#search").display = False
        self.query_one(MessageList).focus()
        if self.initial_filter:
            self.query_one("#filter", Input).value = self.initial_filter
        self._load(self.source, self._generation)
        self.set_interval(0.5, self._status)

    def on_unmount(self) -> None:
        self.rows.close()
        close = getattr(self.source, "close", None)   # a live feed: let its reader end
        if close is not None:
            close()

    # -- loading ---------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="load")
    def _load(self, source: MessageSource, generation: int) -> None:
        worker = get_current_worker()
        source_is_live = getattr(source, "live", False)   # show each message as it comes
        batch: list[Row] = []
        last = time.perf_counter()
        fraction = [0.0]

        def progress(value: float) -> None:
            fraction[0] = value

        try:
            for row in source.rows(progress):
                if worker.is_cancelled:
                    return
                batch.append(row)
                now = time.perf_counter()
                if now - last >= _BATCH_SECONDS or len(batch) >= 5000 or source_is_live:
                    self.call_from_thread(self._add_rows, batch, generation, fraction[0])
                    batch, last = [], now
        except Exception as e:  # noqa: BLE001 - a reader failure is shown, the app stays up
            self.call_from_thread(self._failed, str(e).splitlines()[0] if str(e) else repr(e))
            batch = []
        if not worker.is_cancelled:
            self.call_from_thread(self._add_rows, batch, generation, 1.0, True)

    def _add_rows(self, batch: list[Row], generation: int, fraction: float,
                  done: bool = False) -> None:
        if generation != self._generation:
            return
        start = len(self.rows)
        self.rows.extend(batch)
        matching = self.rows.matching(self.predicate, start)
        listing = self.query_one(MessageList)
        listing.extend(matching)
        if self._keep is not None and self._keep < len(self.rows):
            keep, self._keep = self._keep, None
            listing.select_row(keep)
        if batch and self.first_rows_seconds is None:
            self.first_rows_seconds = time.perf_counter() - self._started
        self.progress = fraction
        if done:
            self.loaded = True
            self.load_seconds = time.perf_counter() - self._started
        self._status()

    def _failed(self, text: str) -> None:
        self.notify(text, title="capture", severity="error", timeout=10)

    def reload(self, source: MessageSource) -> None:
        """Read ``source`` again (new keys): rows replaced, the selected row kept."""
        keep = self.selected.index if self.selected is not None else None
        self._generation += 1
        self.source, self.keys = source, source.keys
        self.rows.close()
        self.rows = RowStore()
        self.query_one(MessageList).rows = self.rows
        self._cache.clear()
        self.loaded = False
        self._started = time.perf_counter()
        self.first_rows_seconds = None
        self._keep = keep
        self.query_one(MessageList).set_view(array("q"))
        self._load(source, self._generation)

    def _status(self) -> None:
        try:
            listing = self.query_one(MessageList)
        except NoMatches:   # a timer tick while the app is closing: nothing left to update
            return
        text = (f" {self.source.name} · {len(listing.view)}/{len(self.rows)} messages · "
                f"{self.state_text()}")
        if self.filter_error:
            text += f" · filter: {self.filter_error}"
        self.query_one("#status", Static).update(text)

    def state_text(self) -> str:
        """The status line's last word on the source (a live app says what its session does)."""
        return "loaded" if self.loaded else f"loading {self.progress:.0%}"

    # -- selection ---------------------------------------------------------------------------------
    def on_message_list_highlighted(self, event: MessageList.Highlighted) -> None:
        self.show_row(event.row)

    def on_message_list_chosen(self, event: MessageList.Chosen) -> None:
        """Enter on a message opens its tree, as termshark moves to the details pane."""
        if event.row is not None:
            if self.selected is None or self.selected.index != event.row.index:
                self.show_row(event.row)
            self.query_one(TreePane).focus()

    def show_row(self, row: Row | None) -> None:
        self.selected = row
        self.message = None if row is None else self._materialize(row)
        tree = self.query_one(TreePane)
        hexpane = self.query_one(HexPane)
        if row is None:
            tree.show(None)
            hexpane.show([])
            return
        tree.show(self.message, [row.error] if row.error else [])
        hexpane.show(sections(self.message) if self.message is not None else [])

    def _materialize(self, row: Row) -> Message | None:
        if row.index in self._cache:
            self._cache.move_to_end(row.index)
            return self._cache[row.index]
        msg = materialize(row, self.keys)
        self._cache[row.index] = msg
        if len(self._cache) > _CACHE:
            self._cache.popitem(last=False)
        return msg

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        data = event.node.data
        if data is None or self.message is None:
            self.query_one(HexPane).mark([])
            return
        layer, node = data
        self.query_one(HexPane).mark(locate(self.message, layer, node.offset, node.length))

    # -- filter and search -----------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "filter":
            return
        try:
            predicate = parse_filter(event.value)
        except FilterError as e:
            self.filter_error = str(e)
            event.input.add_class("-invalid")
            self._status()
            return
        self.filter_error = None
        event.input.remove_class("-invalid")
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if len(self.rows) < _FILTER_AT_ONCE:
            self.apply_filter(predicate)
        else:  # a scan of 100k rows takes about half a second: wait until typing pauses
            self._filter_timer = self.set_timer(0.3, lambda: self.apply_filter(predicate))

    def apply_filter(self, predicate: Predicate | None) -> None:
        self.predicate = predicate
        view = self.rows.matching(predicate)
        keep = self.selected.index if self.selected is not None else None
        self.query_one(MessageList).set_view(view, keep)
        self._status()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.query_one(MessageList).focus()
        elif event.input.id == "search":
            self.action_search_next()

    def action_slash(self) -> None:
        focused = self.focused
        if isinstance(focused, (TreePane, HexPane)):
            self._search_target = focused.id
            search = self.query_one("#search", Input)
            search.display = True
            search.focus()
        else:
            self.query_one("#filter", Input).focus()

    def action_search_next(self) -> None:
        search = self.query_one("#search", Input)
        text = search.value.strip()
        if not text or self._search_target is None:
            return
        if self._search_target == "hex":
            found = self.query_one(HexPane).search(_needle(text))
        else:
            found = self._search_tree(text)
        if not found:
            self.notify(f"not found: {text}", timeout=3)

    def _search_tree(self, text: str) -> bool:
        from .widgets.tree_pane import label

        tree = self.query_one(TreePane)
        if self.message is None:
            return False
        low = text.lower()
        paths = []
        for top in tree.root.children:
            if top.data is None:
                continue
            layer, root = top.data
            stack = [(root, [root])]
            while stack:
                node, path = stack.pop()
                if low in label(node).plain.lower():
                    paths.append(path)
                stack.extend((c, path + [c]) for c in reversed(node.children))
        if not paths:
            return False
        current = tree.cursor_node.data[1] if tree.cursor_node and tree.cursor_node.data else None
        index = next((i for i, p in enumerate(paths) if p[-1] is current), -1)
        target = tree.expand_path(paths[(index + 1) % len(paths)])
        if target is not None:
            tree.move_cursor(target)
            tree.scroll_to_node(target)
        return True

    def action_leave(self) -> None:
        search = self.query_one("#search", Input)
        if search.display:
            search.display = False
            target = self.query_one(f"#{self._search_target or 'list'}")
            target.focus()
        elif self.focused is self.query_one("#filter"):
            self.query_one(MessageList).focus()

    # -- commands ----------------------------------------------------------------------------------
    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.HELP))

    def action_follow(self) -> None:
        if self.selected is not None:
            self.query_one("#filter", Input).value = f"assoc:{self.selected.association_key}"

    def action_pair(self) -> None:
        row = self.selected
        if row is None:
            return
        target = self.rows.pair(row.index)
        if target is None:
            self.notify("no request/response pair for this message", timeout=3)
        elif not self.query_one(MessageList).select_row(target):
            self.notify(f"message {self.rows.number(target)} is hidden by the filter", timeout=3)

    def action_keys(self) -> None:
        self.push_screen(KeysScreen(), self._keys_given)

    def _keys_given(self, values: dict[str, str] | None) -> None:
        if not values:
            return
        from ..security import Keyring

        try:
            keyring = Keyring.from_mapping({"default": values}, where="keys dialog")
        except Exception:  # noqa: BLE001 - never echo what was typed
            self.notify("keys dialog: a key must be 16, 24 or 32 octets of hex", title="keys",
                        severity="error")
            return
        if getattr(self.source, "live", False):
            # a live session cannot be read again: new messages and the selected one are
            # deciphered with the keys (rows already listed keep their summaries)
            self.keys = self.source.keys = keyring
            self._cache.clear()
            self.show_row(self.selected)
            return
        self.reload(_with_keys(self.source, keyring))

    def action_export(self, kind: str) -> None:
        if kind == "jsonl":
            default = f"{Path(self.source.name).stem}-filtered.jsonl"
            self.push_screen(ExportScreen("the filtered list (JSONL)", default),
                             lambda path: path and self.export(kind, path))
            return
        if self.message is None or self.selected is None:
            self.notify("no message selected", timeout=3)
            return
        default = f"dlms-{self.selected.number or self.selected.index}.{kind}"
        self.push_screen(ExportScreen(f"message {self.selected.number} ({kind.upper()})", default),
                         lambda path: path and self.export(kind, path))

    def export(self, kind: str, path: str) -> bool:
        """Write the selected message (xml, json) or the filtered list (jsonl) to ``path``."""
        try:
            if kind == "jsonl":
                listing = self.query_one(MessageList)
                text = rows_jsonl(self.rows[i] for i in listing.view)
            elif self.message is None:
                return False
            else:
                text = message_xml(self.message) if kind == "xml" else message_json(self.message)
            Path(path).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        except Exception as e:  # noqa: BLE001 - shown, the app stays up
            self.notify(f"export: {e}", severity="error")
            return False
        self.notify(f"written: {path}", timeout=3)
        return True

    def action_copy(self) -> None:
        octets = self.query_one(HexPane).lit_octets()
        if not octets and self.selected is not None:
            octets = self.selected.wire
        if octets:
            self.copy_to_clipboard(octets.hex(" ").upper())
            self.notify(f"copied {len(octets)} octet(s) as hex", timeout=2)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"


def _needle(text: str) -> bytes:
    """Hex octets when the text is hex (``C0 01``, ``c001``), else the text's ASCII octets."""
    compact = text.replace(" ", "")
    if compact and len(compact) % 2 == 0:
        try:
            return bytes.fromhex(compact)
        except ValueError:
            pass
    return text.encode("utf-8", "replace")


def _with_keys(source: MessageSource, keys: Any) -> MessageSource:
    if isinstance(source, CaptureSource):
        return CaptureSource(source.path, keys)
    source.keys = keys
    return source
