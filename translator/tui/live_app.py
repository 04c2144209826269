"""The inspector over a live session: ``--connect`` (a client and its palette) or ``--proxy``.

Everything the capture mode does still works (the list is a ``RecordFeed`` that does not end
until the session does); this adds the session's start in a worker, the meter commands of the
command palette (Ctrl+P) with a result pane, and a quit that releases the association first so
its RLRQ/RLRE are listed too.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.widgets import Static

from ..client.errors import ClientError
from .app import InspectorApp
from .commands import USAGE, Command, CommandError, Result, parse_command
from .live import LiveConnection
from .proxy import Proxy

__all__ = ["LiveApp"]

_CLOSE_SECONDS = 5.0


class MeterCommands(Provider):
    """The palette line is parsed as typed: a valid one is offered to run, else the usages."""

    async def search(self, query: str) -> Hits:
        app = self.app
        if not isinstance(app, LiveApp) or app.connection is None:
            return
        try:
            command = parse_command(query)
        except CommandError as e:
            matcher = self.matcher(query.split(None, 1)[0] if query.strip() else query)
            for verb, usage in USAGE.items():
                score = matcher.match(verb)
                if score > 0:
                    yield Hit(score * 0.5, Text(usage),
                              partial(app.notify, str(e), title=verb, timeout=6, markup=False),
                              usage, help=escape(str(e)))
            return
        yield Hit(1.0, Text(f"run: {command.title()}"), partial(app.run_command, command),
                  command.title(), help="on the meter; its frames appear in the list")

    async def discover(self) -> Hits:
        app = self.app
        if not isinstance(app, LiveApp) or app.connection is None:
            return
        yield DiscoveryHit(Text("objects"), partial(app.run_command, Command("objects")),
                           help=escape(USAGE["objects"]))
        for verb, usage in USAGE.items():
            if verb != "objects":
                yield DiscoveryHit(Text(usage), partial(app.notify, "type: " + usage, title=verb,
                                                           markup=False),
                                   help="type the command with its arguments")


class LiveApp(InspectorApp):
    """``dlms tui --connect URL`` and ``dlms tui --proxy LISTEN --to URL``."""

    COMMANDS = InspectorApp.COMMANDS | {MeterCommands}
    HELP = InspectorApp.HELP + [
        ("Ctrl+P", escape("palette: " + "; ".join(u.split("  ")[0] for u in USAGE.values()))),
        ("q", "release the association (or stop the proxy), then quit"),
    ]
    DEFAULT_CSS = """
    #result { height: auto; max-height: 8; padding: 0 1; background: $boost; }
    #result.-error { background: $error 30%; }
    """

    def __init__(self, *, connection: LiveConnection | None = None, proxy: Proxy | None = None,
                 initial_filter: str = "") -> None:
        feed = connection.feed if connection is not None else proxy.feed  # type: ignore[union-attr]
        super().__init__(feed, initial_filter=initial_filter)
        self.connection = connection
        self.proxy = proxy
        self.session_state = "starting"
        self.last_result: Result | None = None
        self._stopped = False

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if widget.id == "status":
                yield Static("", id="result", markup=False)
            yield widget

    def on_mount(self) -> None:
        self.query_one("#result").display = False
        if self.connection is not None:   # the client's warnings (quirks of the meter) shown
            self.connection.client.on_warning = partial(self.notify, title="warning",
                                                        severity="warning", markup=False)
        self._start()

    async def on_unmount(self) -> None:
        await self.stop_session()

    def state_text(self) -> str:
        if self.proxy is not None and self.session_state == "listening":
            return f"proxy on port {self.proxy.port}, {self.proxy.connections} connection(s)"
        return self.session_state

    # -- the session -------------------------------------------------------------------------------
    @work(exclusive=True, group="session")
    async def _start(self) -> None:
        try:
            if self.connection is not None:
                self.session_state = "associating"
                text = await self.connection.open()
                self.session_state = "associated"
                self.notify(text, title="connect", timeout=4, markup=False)
            elif self.proxy is not None:
                await self.proxy.start()
                self.session_state = "listening"
                self.notify(f"relaying port {self.proxy.port} to {self.proxy.meter}",
                            title="proxy", timeout=4, markup=False)
        except (ClientError, OSError) as e:
            self.session_state = "failed"
            self._show_result(str(e), error=True)
            self.notify(str(e), title="connect", severity="error", timeout=10, markup=False)
        self._status()

    async def stop_session(self) -> None:
        """Release the association (or stop the proxy), once; its last frames are listed."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self.connection is not None:
                await asyncio.wait_for(self.connection.close(), _CLOSE_SECONDS)
            if self.proxy is not None:
                await asyncio.wait_for(self.proxy.close(), _CLOSE_SECONDS)
        except TimeoutError:
            pass
        self.session_state = "closed"

    async def action_quit(self) -> None:
        await self.stop_session()
        self.exit()

    def _keys_given(self, values: dict[str, str] | None) -> None:
        """The keys dialog: the rows to come are deciphered with them too."""
        super()._keys_given(values)
        keys = self.source.keys
        if self.connection is not None:
            self.connection.octets.session.keys = keys
        if self.proxy is not None:
            self.proxy.use_keys(keys)

    # -- meter commands ----------------------------------------------------------------------------
    def run_command(self, command: Command | str) -> None:
        """Run a palette command (or its text) on the meter, in a worker."""
        if isinstance(command, str):
            try:
                command = parse_command(command)
            except CommandError as e:
                self.notify(str(e), severity="error", markup=False)
                return
        self._command(command)

    @work(group="command")
    async def _command(self, command: Command) -> None:
        assert self.connection is not None
        self.session_state = f"running {command.title()}"
        self._status()
        try:
            result = await self.connection.run(command)
        except ClientError as e:
            result = Result(command, False, f"{command.title()}: {e}")
        self.session_state = self.connection.state
        self.last_result = result
        self._show_result(result.text, error=not result.ok)
        self.notify(result.text.splitlines()[0] if result.text else command.title(),
                    title=command.verb, severity="information" if result.ok else "error",
                    timeout=6, markup=False)
        self._status()

    def _show_result(self, text: str, error: bool = False) -> None:
        pane: Any = self.query_one("#result", Static)
        pane.update(text)
        pane.set_class(error, "-error")
        pane.display = True
