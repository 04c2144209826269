"""``dlms tui``: arguments, the one-line errors, and running the inspector.

``add_arguments`` declares the options on the parser ``translator/cli.py`` makes, ``EPILOG`` is
its help text, ``run_tui(args)`` returns the exit status (0, or 1 with ``dlms: error: ...`` when
the file or the keys cannot be read). Textual is imported only here, when the command runs.
"""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["EPILOG", "add_arguments", "run_tui"]

EPILOG = """\
examples:
  dlms tui session.pcapng                         list, decoded tree, hex with the field lit
  dlms tui protected.pcapng --keys keys.toml      deciphered (or press k for the keys dialog)
  dlms tui trace.hex                              Gurux/jDLMS/plain hex traces too
  dlms tui --connect tcp://127.0.0.1:4059         live: every frame listed as it goes;
                                                  Ctrl+P: get 1.0.1.8.0.255/2, objects, ...
  dlms tui --connect hdlc+tcp://meter:4061 --auth low --password 12345678 --record s.pcapng
  dlms tui --proxy 127.0.0.1:4060 --to tcp://meter:4059
                                                  head-end -> port 4060 -> meter, shown live

live palette (Ctrl+P): objects | get OBIS[/ATTR] | set OBIS ATTR JSON |
action OBIS METHOD [JSON] | profile OBIS entries A..B. --connect takes the association
options of dlms read; q releases the association before quitting. Passwords are not shown:
the AARQ's LLS password is listed as '*' octets.

keys: arrows and Enter select, Tab moves between panes, / filters (search in tree and hex),
a follows an association, p jumps between request and response, ? help, q quits.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``dlms tui`` (for ``translator/cli.py``); ``--connect`` shares the
    association options of ``dlms read`` (their declarations, not a copy)."""
    from ..client.cli import _association_options

    parser.add_argument("file", nargs="?",
                        help="pcap/pcapng capture, or a hex trace (text); not with --connect "
                             "or --proxy")
    parser.add_argument("--filter", metavar="WORDS", default="",
                        help="start with this filter, e.g. 'service:get errors'")
    live = parser.add_argument_group("live")
    live.add_argument("--connect", metavar="URL",
                      help="open an association (tcp://, hdlc+tcp://, udp://, serial://) and "
                           "list its frames as they go")
    live.add_argument("--proxy", metavar="LISTEN",
                      help="HOST:PORT to listen on for a head-end, relayed to --to")
    live.add_argument("--to", metavar="URL", help="the meter --proxy relays to "
                                                  "(tcp:// or hdlc+tcp://)")
    _association_options(parser, gurux_letters=True)


def _mode_error(args: argparse.Namespace) -> str | None:
    """What is wrong with the combination of FILE, --connect, --proxy and --to, if anything."""
    if args.connect and args.proxy:
        return "--connect and --proxy do not go together"
    if args.proxy and not args.to:
        return "--proxy needs --to URL (the meter)"
    if args.to and not args.proxy:
        return "--to goes with --proxy LISTEN"
    if args.file and (args.connect or args.proxy):
        return "give a FILE, or --connect, or --proxy, not both"
    if not (args.file or args.connect or args.proxy):
        return "give a FILE, --connect URL or --proxy LISTEN --to URL"
    return None


def run_tui(args: argparse.Namespace) -> int:
    """``dlms tui``: 0 when the user quits, 1 (one line on stderr) when it cannot start."""
    from ..capture.cli import _keys  # --keys FILE, else the DLMS_* variables, as capture does
    from ..client.errors import ClientError
    from ..errors import TranslatorError
    from .filtering import FilterError, parse_filter

    problem = _mode_error(args)
    path = args.file
    if problem is None and path and not os.path.isfile(path):
        problem = f"no such file: {path}"
    if problem is not None:
        print(f"dlms: error: {problem}", file=sys.stderr)
        return 1
    try:
        parse_filter(getattr(args, "filter", "") or "")
        if path:
            with open(path, "rb"):
                pass
            keys = _keys(args.keys)
        elif args.connect:
            from .live import LiveConnection

            args.url = args.connect
            connection = LiveConnection(args)
        else:
            from .proxy import Proxy

            proxy = Proxy(args.proxy, args.to, _keys(args.keys))
    except FilterError as e:
        print(f"dlms: error: --filter: {e}", file=sys.stderr)
        return 1
    except (TranslatorError, ClientError, ValueError, OSError) as e:  # one line, no key material
        text = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"dlms: error: {text}", file=sys.stderr)
        return 1
    try:
        from .app import InspectorApp
        from .live_app import LiveApp
        from .source import CaptureSource
    except ImportError as e:
        print(f"dlms: error: the TUI needs Textual ({e})", file=sys.stderr)
        return 1
    initial = getattr(args, "filter", "")
    if path:
        app: InspectorApp = InspectorApp(CaptureSource(path, keys), initial_filter=initial)
    elif args.connect:
        app = LiveApp(connection=connection, initial_filter=initial)
    else:
        app = LiveApp(proxy=proxy, initial_filter=initial)
    app.run()
    return app.return_code or 0
