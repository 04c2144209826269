"""``dlms capture``: a capture file or trace to records (JSONL, XML, text) or ``--stats``.

``add_arguments`` declares the subcommand's options on the parser ``translator/cli.py`` creates;
``run_capture(args)`` does the work and returns the exit status (0 fine, 1 when a message
had an error or the file could not be read). Progress goes to stderr, only when it is a TTY.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
from typing import Any, TextIO

from ..errors import TranslatorError
from .reader import read_capture
from .records import Record, Stats
from .tshark import CaptureError

__all__ = ["EPILOG", "add_arguments", "run_capture"]

EPILOG = """\
examples:
  dlms capture session.pcapng                     one line per DLMS message
  dlms capture session.pcapng --to jsonl          one JSON object per message (DESIGN section 3)
  dlms capture protected.pcapng --keys keys.toml  deciphered and verified
  dlms capture mixed.pcap --stats                 per association: services, errors, latency,
                                                  security findings; non-DLMS traffic counted
  dlms capture meter.pcap --port 5025 --filter "ip.addr==10.0.0.7"
  dlms capture director-trace.txt                 Gurux/jDLMS/plain hex traces too
  dlms capture session.pcapng --time absolute     packet times in ISO 8601 (UTC)
  dlms capture session.pcapng --to csv            profile generic buffers as CSV

Text lines show a response's value (scaled with its unit when the association read the
register's scaler_unit before). --to csv writes each profile generic buffer (attribute 2 of
class 7) read in the capture: a '# packet N ...' comment line, a header row named from the
capture objects the association read (attribute 3; else col1..colN), one row per entry with
date-times in ISO 8601 and values scaled, units in the header; blocks are separated by a blank
line (pandas: read_csv(..., comment="#")). --csv-dir DIR writes one plain CSV file per buffer.

DLMS streams are found by content on any port; --port forces a port's traffic to be decoded.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``dlms capture`` (for ``translator/cli.py``)."""
    parser.add_argument("file", help="pcap/pcapng capture, or a hex trace (text)")
    parser.add_argument("--filter", metavar="DISPLAY_FILTER",
                        help="tshark display filter applied first (pcap only)")
    parser.add_argument("--keys", metavar="FILE",
                        help="keys TOML file; without it DLMS_BLOCK_CIPHER_KEY / "
                             "DLMS_AUTHENTICATION_KEY are used when set")
    parser.add_argument("--to", choices=("text", "jsonl", "xml", "csv"), default="text",
                        help="output format (default: text, one line per message); csv: the "
                             "profile generic buffers read, one CSV block each (see below)")
    parser.add_argument("--csv-dir", metavar="DIR",
                        help="with --to csv: one file per buffer in DIR "
                             "(buffer_<packet>_<OBIS>.csv) instead of blocks on stdout")
    parser.add_argument("--time", choices=("relative", "absolute"), default="relative",
                        help="text lines: seconds since the first DLMS message (default, +0.123456) or "
                             "the packet's time in ISO 8601, UTC")
    parser.add_argument("--stats", action="store_true",
                        help="print statistics per association instead of the messages "
                             "(as one JSON object with --to jsonl)")
    parser.add_argument("--port", type=int, metavar="N",
                        help="decode this TCP/UDP port's traffic even if not recognised")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="text output: the decoded tree under each message")
    parser.add_argument("--raw", action="store_true",
                        help="with -v: the schema's own field names and values, as decoded")
    parser.add_argument("--strict", action="store_true",
                        help="warnings (lengths that disagree, known quirks) count as errors")
    parser.add_argument("--show-keys", action="store_true",
                        help="show key material that deciphering revealed (the dedicated key of "
                             "a ciphered InitiateRequest); redacted by default")


def _keys(path: str | None) -> Any:
    from ..security import Keyring
    from ..security.keyring import ENV_VARIABLES

    if path:
        return Keyring.load(path)
    if any(os.environ.get(var) for var in ENV_VARIABLES):
        return Keyring.from_env()
    return None


def _when(time: float | None, first: float | None, absolute: bool) -> str:
    """A packet's time: ``+1.234567`` seconds after the first packet, or ISO 8601 in UTC."""
    if time is None:
        return ""
    if absolute:
        moment = _dt.datetime.fromtimestamp(time, _dt.UTC)
        return moment.isoformat(timespec="microseconds") + " "
    return f"+{time - (first if first is not None else time):.6f} "


def _text_line(record: Record, first: float | None = None, absolute: bool = False) -> str:
    when = _when(record.time, first, absolute)
    arrow = {"client_to_server": "C->S", "server_to_client": "S->C"}.get(record.direction or "",
                                                                        "    ")
    assoc = "" if record.association is None else f"#{record.association}"
    line = f"{record.number or '-':>6} {when}{record.stream}{assoc} {arrow} {record.summary()}"
    if record.latency is not None:
        line += f"  [{record.latency * 1000:.1f} ms after #{record.reply_to}]"
    if record.security and record.security.get("note"):
        line += f"  (note: {record.security['note']})"
    if record.error:
        line += f"  ERROR: {record.error}"
    for warning in record.message.warnings if record.message is not None else ():
        line += f"  WARNING: {warning.layer} at offset {warning.offset}: {warning.text}"
    for finding in record.findings:
        line += f"  FINDING: {finding}"
    return line


class _Progress:
    """A rich progress bar on stderr (only when it is a terminal)."""

    def __init__(self, path: str) -> None:
        self.bar = None
        if not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.fields[packets]} packets"), TimeElapsedColumn(),
                            console=Console(file=sys.stderr), transient=True)
        size = os.path.getsize(path) if os.path.exists(path) else 1
        self.task = self.bar.add_task(os.path.basename(path), total=max(1, size), packets=0)
        self.bar.start()

    def update(self, packets: int, octets: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=octets, packets=packets)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def run_capture(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """``dlms capture``: exit 0, or 1 when the file cannot be read or a message had an error."""
    out = out or sys.stdout
    try:
        keys = _keys(args.keys)
    except (TranslatorError, ValueError, OSError) as e:  # one line, never the key material
        print(f"dlms: error: {e}", file=sys.stderr)
        return 1
    stats = Stats()
    progress = _Progress(args.file)
    xml = None
    if args.to == "xml" and not args.stats:
        try:
            from ..xml import to_xml as xml
        except ImportError:
            progress.stop()
            print("dlms: usage error: XML output needs translator.xml", file=sys.stderr)
            return 2
    first_error: Record | None = None      # of a message
    first_problem: Record | None = None    # of the capture file itself (message None)
    warned: list[Record] = []              # with --strict: messages with warnings only
    first_time: float | None = None        # of the first packet, for relative times
    csv_out = None
    if getattr(args, "csv_dir", None) and args.to != "csv":
        progress.stop()
        print("dlms: usage error: --csv-dir goes with --to csv", file=sys.stderr)
        return 2
    if args.to == "csv" and not args.stats:
        from ..views.csvview import BufferCsv, BufferFiles

        try:
            csv_out = BufferFiles(args.csv_dir) if args.csv_dir else BufferCsv(out)
        except OSError as e:
            progress.stop()
            print(f"dlms: error: {e.strerror or e}: {args.csv_dir}", file=sys.stderr)
            return 1
    absolute = getattr(args, "time", "relative") == "absolute"
    try:
        if xml is not None:
            print("<Capture>", file=out)
        for record in read_capture(args.file, keys=keys, port=args.port,
                                   display_filter=args.filter, stats=stats,
                                   progress=progress.update):
            if record.error and record.message is None:
                first_problem = first_problem or record
            elif record.error and first_error is None:
                first_error = record
            elif args.strict and record.message is not None and record.message.warnings:
                warned.append(record)
            if args.stats:
                continue
            if csv_out is not None:
                _write_buffer(record, csv_out)
            elif args.to == "jsonl":
                print(json.dumps(record.to_json(show_keys=args.show_keys), default=str),
                      file=out)
            elif xml is not None:
                _print_xml(record, xml, out, args.show_keys)
            else:
                if first_time is None:
                    first_time = record.time
                print(_text_line(record, first_time, absolute), file=out)
                if args.verbose and record.message is not None:
                    _print_tree(record, out, args.show_keys, args.raw)
        if xml is not None:
            print("</Capture>", file=out)
    except CaptureError as e:
        progress.stop()
        print(f"dlms: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        progress.stop()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        return 0
    except OSError as e:
        progress.stop()
        print(f"dlms: error: {e.strerror or e}: {e.filename or args.file}", file=sys.stderr)
        return 1
    finally:
        progress.stop()
    if csv_out is not None and not csv_out.blocks:
        print("dlms: note: no profile generic buffer (class 7 attribute 2) read in the capture",
              file=sys.stderr)
    if args.stats:
        if args.to == "jsonl":
            print(json.dumps(stats.to_dict(), default=str), file=out)
        else:
            print(stats.to_text(), file=out)
    failure = _failure(args, stats, first_error, first_problem) or _warned(warned)
    if failure:
        print(f"dlms: error: {failure}", file=sys.stderr)
        return 1
    return 0


def _write_buffer(record: Record, csv_out: Any) -> None:
    """A profile generic buffer in the record (a GET response to attribute 2 of class 7, or an
    array of structures answering a request the capture did not show) as CSV."""
    from ..cosem.obis import ObisCode
    from .knowledge import profile_buffer

    target = record.target
    data = profile_buffer(target, record.value, record.apdu)
    if data is None:
        return
    what = ObisCode(target.obis).display() + " buffer" if target is not None else "buffer"
    source = f"packet {record.number} {record.stream}#{record.association} {what}"
    csv_out.write(data, record.columns, source, None if target is None else target.obis,
                  record.number)


def _warned(warned: list[Record]) -> str | None:
    """With ``--strict``: the one line of the messages whose warnings count as errors."""
    if not warned:
        return None
    first = warned[0]
    return (f"{len(warned)} message(s) with warnings (--strict); first in packet {first.number}: "
            f"{first.message.warnings[0]}")


def _failure(args: argparse.Namespace, stats: Stats, first_error: Record | None,
             first_problem: Record | None) -> str | None:
    """The one line of what went wrong, or None: bad messages, a damaged file, a file that is
    no capture or trace at all, or a capture of links whose packets were not understood."""
    parts = []
    if first_problem is not None:
        after = f" (after packet {first_problem.number})" if first_problem.number else ""
        parts.append(f"{first_problem.error}{after}")
    if first_error is not None:
        parts.append(f"{stats.message_errors} of {stats.messages} message(s) with errors; first "
                     f"in packet {first_error.number}: {first_error.error}")
    if parts:
        return "; ".join(parts)
    if stats.packets == 0 and not args.filter:
        return _nothing_read(args.file, stats.source)
    return stats.unread_link()


def _nothing_read(path: str, source: str | None) -> str:
    """What a file that gave no packet (or no trace line) is not."""
    if os.path.getsize(path) == 0:
        return f"{path} is empty: no pcap/pcapng capture and no hex trace"
    if source == "capture":
        return f"{path} is a capture file without packets"
    return f"{path} is no pcap/pcapng capture and holds no hex trace line"


def _print_xml(record: Record, to_xml: Any, out: TextIO, show_keys: bool = False) -> None:
    head = (f"#{record.number} {record.stream} {record.direction or ''} "
            f"{record.service or record.layer or ''}").replace("--", "- -")
    print(f"<!-- {head.strip()} -->", file=out)
    if record.message is None or record.message.framing == "garbage":
        print(f"<!-- error: {(record.error or '').replace('--', '- -')} -->", file=out)
        return
    try:
        print(to_xml(record.message, show_keys=show_keys), file=out)
    except Exception as e:  # noqa: BLE001 - one message a view cannot render must not stop it
        print(f"<!-- no XML: {str(e).replace('--', '- -')} -->", file=out)


def _print_tree(record: Record, out: TextIO, show_keys: bool = False, raw: bool = False) -> None:
    from rich.console import Console

    from ..views.text import message_tree

    Console(file=out, highlight=False, soft_wrap=True, width=4096).print(
        message_tree(record.message, show_keys=show_keys, raw=raw))
