"""The hex pane: every frame of the message in 16-octet lines, the selected node's octets lit.

Sections come from ``layout.sections`` (frames, reassembled payload, deciphered plaintext);
marks are (space, offset, length) ranges from ``layout.locate``, so a field of a reassembled
APDU is lit in each frame holding part of it. Search hits are lit in a second style.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..layout import Section

__all__ = ["HexPane", "find"]

Marks = list[tuple[str, int, int]]
_WIDTH = 16


def _lit(section: Section, marks: Marks) -> set[int]:
    """Indices into ``section.data`` covered by the marks of its space."""
    out: set[int] = set()
    end = section.base + len(section.data)
    for space, offset, length in marks:
        if space != section.space:
            continue
        lo, hi = max(offset, section.base), min(offset + length, end)
        out.update(range(lo - section.base, hi - section.base))
    return out


def render(sections: list[Section], marks: Marks, found: Marks,
           styles: dict[str, Style]) -> tuple[Text, int | None]:
    """The dump and the line of the first lit octet (to scroll to); ``styles`` has "lit",
    "found" and "title"."""
    text = Text(no_wrap=True)
    first: int | None = None
    for section in sections:
        text.append(f"── {section.title} ──\n", style=styles["title"])
        lit, hits = _lit(section, marks), _lit(section, found)
        data = section.data
        for start in range(0, len(data), _WIDTH):
            chunk = data[start:start + _WIDTH]
            text.append(f"{section.base + start:06x}  ", style="dim")
            for i, octet in enumerate(chunk):
                index = start + i
                style = styles["lit"] if index in lit else styles["found"] if index in hits else ""
                if index in lit and first is None:
                    first = text.plain.count("\n")
                text.append(f"{octet:02X}", style=style)
                joined = style and index + 1 in (lit if index in lit else hits) and i + 1 < len(chunk)
                text.append("  " if i == 7 else " ", style=style if joined else "")
            text.append("   " * (_WIDTH - len(chunk)) + (" " if len(chunk) <= 8 else "") + " ")
            for i, octet in enumerate(chunk):
                index = start + i
                style = styles["lit"] if index in lit else styles["found"] if index in hits else ""
                text.append(chr(octet) if 0x20 <= octet < 0x7F else ".", style=style)
            text.append("\n")
    text.rstrip()
    return text, first


def find(sections: list[Section], needle: bytes, after: tuple[str, int] | None) -> Marks:
    """The next occurrence of ``needle`` after ``after`` (space, offset), wrapping around."""
    hits: Marks = []
    for section in sections:
        pos = section.data.find(needle)
        while pos >= 0:
            hits.append((section.space, section.base + pos, len(needle)))
            pos = section.data.find(needle, pos + 1)
    if not hits:
        return []
    if after is not None:
        order = [h for h in hits if (h[0], h[1]) > after] or hits
        return [order[0]]
    return [hits[0]]


class HexPane(VerticalScroll, can_focus=True):
    """A scrolling dump of the selected message."""

    COMPONENT_CLASSES = {"hex-pane--lit", "hex-pane--found", "hex-pane--title"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sections: list[Section] = []
        self.marks: Marks = []
        self.found: Marks = []
        self._body = Static("", id="hex-body", markup=False)

    def compose(self):
        yield self._body

    def show(self, sections: list[Section], marks: Marks | None = None) -> None:
        self.sections = sections
        self.found = []
        self.mark(marks or [])

    def mark(self, marks: Marks) -> None:
        self.marks = marks
        self._draw()

    def _styles(self) -> dict[str, Style]:
        return {name: self.get_component_rich_style(f"hex-pane--{name}")
                for name in ("lit", "found", "title")}

    def _draw(self) -> None:
        text, first = render(self.sections, self.marks, self.found, self._styles())
        self._body.update(text)
        if first is not None:
            self.call_after_refresh(self._reveal, first)

    def _reveal(self, line: int) -> None:
        top = int(self.scroll_offset.y)
        if not top <= line < top + self.size.height:
            self.scroll_to(y=max(0, line - 1), animate=False)

    def search(self, needle: bytes) -> bool:
        after = (self.found[0][0], self.found[0][1]) if self.found else None
        self.found = find(self.sections, needle, after)
        text, _ = render(self.sections, self.marks, self.found, self._styles())
        self._body.update(text)
        if self.found:
            line = self._line_of(self.found[0])
            if line is not None:
                self.call_after_refresh(self._reveal, line)
        return bool(self.found)

    def _line_of(self, mark: tuple[str, int, int]) -> int | None:
        line = 0
        for section in self.sections:
            line += 1
            if section.space == mark[0] and section.base <= mark[1] < section.base + len(
                    section.data):
                return line + (mark[1] - section.base) // _WIDTH
            line += (len(section.data) + _WIDTH - 1) // _WIDTH
        return None

    def lit_octets(self) -> bytes:
        """The octets currently lit, in pane order (what the tests and "copy" read)."""
        out = bytearray()
        for section in self.sections:
            for i in sorted(_lit(section, self.marks)):
                out.append(section.data[i])
        return bytes(out)
