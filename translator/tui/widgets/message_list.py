"""The message list: a virtual table drawing only the lines on screen.

No widget and no renderable per row (toolong's lesson): the list holds the shared ``rows`` and
the filtered ``view`` (indices into ``rows``), and ``render_line`` formats a row when it scrolls
into sight, so 100k messages cost one ``Row`` each and the list opens as fast as 100.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..rows import ERROR, WARNING, Row
from ..store import RowStore

__all__ = ["MessageList"]


class MessageList(ScrollView, can_focus=True):
    """Rows ``rows[view[i]]`` of a ``RowStore``; the cursor is a position in ``view``."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "choose", "Select", show=False),
    ]
    COMPONENT_CLASSES = {"message-list--header", "message-list--cursor", "message-list--error",
                         "message-list--warning", "message-list--dim"}

    cursor: reactive[int] = reactive(0, always_update=True, repaint=True, init=False)

    class Highlighted(TextualMessage):
        """The cursor moved onto ``row`` (None when the list is empty)."""

        def __init__(self, row: Row | None) -> None:
            super().__init__()
            self.row = row

    class Chosen(Highlighted):
        """Enter on ``row``: the user wants to look inside it."""

    def __init__(self, rows: RowStore, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows = rows
        self.view = array("q")
        self.origin: float | None = None        # the time shown as 0
        self._last_posted: int | None = None

    # -- data ------------------------------------------------------------------------------------
    def set_view(self, view: array, keep: int | None = None) -> None:
        """Show ``view``; the cursor goes to the row ``keep`` (a row index) when it is there."""
        self.view = view
        position = 0
        if keep is not None:
            position = _bisect(view, keep)
        self._resize()
        self._last_posted = None
        self.cursor = min(position, max(0, len(view) - 1))
        self.scroll_to_cursor()

    def extend(self, indices: Sequence[int]) -> None:
        """Rows appended by the loader (the cursor stays where the user put it)."""
        if self.origin is None and len(self.rows):
            self.origin = self.rows.first_time()
        was_empty = not self.view
        self.view.extend(indices)
        self._resize()
        if was_empty and self.view:
            self._last_posted = None
            self.cursor = 0

    def _resize(self) -> None:
        self.virtual_size = Size(0, len(self.view) + 1)
        self.refresh()

    @property
    def current(self) -> Row | None:
        if 0 <= self.cursor < len(self.view):
            return self.rows[self.view[self.cursor]]
        return None

    def select_row(self, index: int) -> bool:
        """Put the cursor on row ``index`` if the filtered view shows it."""
        position = _bisect(self.view, index)
        if position < len(self.view) and self.view[position] == index:
            self.cursor = position
            self.scroll_to_cursor()
            return True
        return False

    # -- keys ------------------------------------------------------------------------------------
    def watch_cursor(self, cursor: int) -> None:
        if self._last_posted != cursor:
            self._last_posted = cursor
            self.post_message(self.Highlighted(self.current))

    def action_cursor(self, delta: int) -> None:
        if self.view:
            self.cursor = max(0, min(len(self.view) - 1, self.cursor + delta))
            self.scroll_to_cursor()

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        if self.view:
            self.cursor = 0 if where == 0 else len(self.view) - 1
            self.scroll_to_cursor()

    def action_choose(self) -> None:
        self.post_message(self.Chosen(self.current))

    def on_click(self, event) -> None:
        position = event.y + int(self.scroll_offset.y) - 1
        if 0 <= position < len(self.view):
            self.cursor = position

    def scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        height = max(1, self.size.height - 1)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    # -- drawing ---------------------------------------------------------------------------------
    def _columns(self, width: int) -> list[tuple[str, int]]:
        wide = width >= 120
        cols = [("No.", 6 if wide else 5), ("Time", 9 if wide else 8), ("Dir", 3),
                ("Layer", 7 if wide else 6), ("Service", 22 if wide else 19), ("Inv", 3),
                ("Flags", 5)]
        if wide:
            cols.insert(3, ("Source → Destination", 41))
        used = sum(w + 1 for _, w in cols)
        cols.append(("Summary", max(10, width - used)))
        return cols

    def _cells(self, row: Row, width: int) -> list[str]:
        when = "" if row.time is None or self.origin is None else f"{row.time - self.origin:.3f}"
        invoke = "" if row.invoke_number is None else str(row.invoke_number)
        summary = row.summary
        if row.service and summary.startswith(row.service):   # the Service column says it
            summary = summary[len(row.service):].lstrip()
        cells = [str(row.number or "-"), when, row.arrow, row.layer or "", row.service or "",
                 invoke, row.flag_text(), summary]
        if width >= 120:
            cells.insert(3, f"{row.src or '?'} → {row.dst or '?'}")
        return cells

    def _line(self, cells: list[str], width: int) -> str:
        parts = []
        for (_, size), text in zip(self._columns(width), cells):
            parts.append(text[:size].ljust(size) if size else text)
        return " ".join(parts)[:width].ljust(width)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            header = self._line([name for name, _ in self._columns(width)], width)
            style = base + self.get_component_rich_style("message-list--header")
            return Strip([Segment(header, style)], width)
        position = y - 1 + int(self.scroll_offset.y)
        if position >= len(self.view):
            return Strip.blank(width, base)
        row = self.rows[self.view[position]]
        style: Style = base
        if row.flags & ERROR:
            style += self.get_component_rich_style("message-list--error")
        elif row.flags & WARNING:
            style += self.get_component_rich_style("message-list--warning")
        if position == self.cursor:
            style += self.get_component_rich_style("message-list--cursor")
        text = self._line(self._cells(row, width), width)
        return Strip([Segment(text, style)], width)

    def on_resize(self) -> None:
        self._resize()


def _bisect(view: array, index: int) -> int:
    lo, hi = 0, len(view)
    while lo < hi:
        mid = (lo + hi) // 2
        if view[mid] < index:
            lo = mid + 1
        else:
            hi = mid
    return lo

