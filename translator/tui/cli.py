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

keys: arrows and Enter select, Tab moves between panes, / filters (search in tree and hex),
a follows an association, p jumps between request and response, ? help, q quits.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``dlms tui`` (for ``translator/cli.py``)."""
    parser.add_argument("file", help="pcap/pcapng capture, or a hex trace (text)")
    parser.add_argument("--keys", metavar="FILE",
                        help="keys TOML file; without it DLMS_BLOCK_CIPHER_KEY / "
                             "DLMS_AUTHENTICATION_KEY are used when set")
    parser.add_argument("--filter", metavar="WORDS", default="",
                        help="start with this filter, e.g. 'service:get errors'")


def run_tui(args: argparse.Namespace) -> int:
    """``dlms tui FILE``: 0 when the user quits, 1 (one line on stderr) when it cannot start."""
    from ..capture.cli import _keys  # --keys FILE, else the DLMS_* variables, as capture does
    from ..errors import TranslatorError
    from .filtering import FilterError, parse_filter

    path = args.file
    if not os.path.isfile(path):
        print(f"dlms: error: no such file: {path}", file=sys.stderr)
        return 1
    try:
        with open(path, "rb"):
            pass
        keys = _keys(args.keys)
        parse_filter(getattr(args, "filter", "") or "")
    except FilterError as e:
        print(f"dlms: error: --filter: {e}", file=sys.stderr)
        return 1
    except (TranslatorError, ValueError, OSError) as e:  # one line, never key material
        print(f"dlms: error: {e}", file=sys.stderr)
        return 1
    try:
        from .app import InspectorApp
        from .source import CaptureSource
    except ImportError as e:
        print(f"dlms: error: the TUI needs Textual ({e})", file=sys.stderr)
        return 1
    app = InspectorApp(CaptureSource(path, keys), initial_filter=getattr(args, "filter", ""))
    app.run()
    return app.return_code or 0
