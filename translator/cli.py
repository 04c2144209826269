"""The ``dlms`` command: parse arguments, call the API, print. No protocol knowledge lives here."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence

from .errors import DecodeError, TranslatorError
from .hexinput import parse_hex

LAYERS = ("hdlc", "wrapper", "mbus", "apdu", "data")

DECODE_EPILOG = """\
examples:
  dlms decode 7E A0 19 03 21 32 6F D8 E6 E6 00 C0 01 C1 00 01 00 00 2A 00 00 FF 02 00 12 80 7E
  dlms decode -f session.hex              several frames: segments and blocks are reassembled
  dlms decode --layer data 0204120008090600000100 00FF0F021200 00
  echo c001c1000100002a0000ff0200 | dlms decode -
  dlms decode --keys keys.toml db08...      deciphers and verifies protected APDUs
  dlms decode --to json 0f40000000000101020309060100010700ff060000067d02020f00161b
  dlms decode --to simple --comments 7EA0...7E   Gurux simple XML with OBIS names
  dlms decode --to standard --xsd DLMS.xsd 7EA0...7E   DLMS UA standard XML, checked by an XSD
"""


ENCODE_EPILOG = """\
examples:
  dlms encode message.xml                 XML from 'dlms decode --to simple' or Gurux's translator
  dlms encode --hdlc --client 16 --server 1 script.xml   an XmlClient file, PDUs framed in HDLC
  dlms decode --to simple 7EA0...7E | dlms encode        byte-exact round trip
  dlms encode --xsd DLMS.xsd standard.xml  standard XML, validated by the XSD first
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors: one line, exit 2
        self.exit(2, f"dlms: usage error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dlms", description="DLMS/COSEM translator, analyzer and client.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    dec = sub.add_parser("decode", help="decode hex frames, APDUs or A-XDR data",
                         description="Decode DLMS frames or APDUs given as hex (framing auto-detected).",
                         epilog=DECODE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    dec.add_argument("hex", nargs="*", help="hex octets (spaces, 0x, commas allowed); '-' reads stdin")
    dec.add_argument("-f", "--file", help="read hex from FILE ('-' for stdin)")
    dec.add_argument("--layer", choices=LAYERS, help="skip auto-detection")
    dec.add_argument("--to", choices=("text", "json", "simple", "standard", "csv"),
                     default="text",
                     help="output: a readable tree, JSON lines, Gurux simple XML, the DLMS UA "
                          "standard XML, or the profile generic buffers as CSV (columns named by "
                          "capture objects in the input)")
    dec.add_argument("--xsd", metavar="PATH",
                     help="with --to standard: validate the XML against this XSD (the official "
                          "DLMS UA one, if you hold it)")
    dec.add_argument("--numbers", choices=("hex", "dec"), default="hex",
                     help="XML numbers in hex (Gurux translator) or decimal (XmlClient files)")
    dec.add_argument("--comments", action="store_true",
                     help="XML comments: OBIS and class names, date-times, scaled values")
    dec.add_argument("--pdu-only", action="store_true", help="show the APDU only, not the framing")
    dec.add_argument("--raw", action="store_true",
                     help="the schema's own field names and values, as decoded (text and JSON)")
    dec.add_argument("--keys", metavar="FILE",
                     help="keys TOML file ([default] and [system_title.<hex>] tables); without it "
                          "DLMS_BLOCK_CIPHER_KEY / DLMS_AUTHENTICATION_KEY are used when set")
    dec.add_argument("--show-keys", action="store_true",
                     help="show key material that deciphering revealed (the dedicated key of a "
                          "ciphered InitiateRequest); redacted by default")
    dec.add_argument("--strict", action="store_true",
                     help="warnings (lengths that disagree, known quirks) are errors too")
    dec.add_argument("--system-title", metavar="HEX",
                     help="the sender's system title, for glo-/ded- APDUs seen without their AARQ/AARE")
    from .security.cli import EPILOG as PROTECT_EPILOG
    from .security.cli import add_protect_arguments

    enc = sub.add_parser("encode", help="XML (Gurux simple dialect, XmlClient files) to hex",
                         description="Turn Gurux simple XML, our own XML or a Gurux XmlClient "
                                     "message file into hex, one message per line; with "
                                     "--protect, cleartext APDUs into protected ones.",
                         epilog=ENCODE_EPILOG + "\n" + PROTECT_EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    enc.add_argument("file", nargs="?", default="-", help="XML file ('-' or nothing: stdin)")
    enc.add_argument("--numbers", choices=("hex", "dec"),
                     help="read numbers as hex or decimal (default: as the document says)")
    framing = enc.add_mutually_exclusive_group()
    framing.add_argument("--hdlc", action="store_true", help="wrap bare PDUs in HDLC I-frames")
    framing.add_argument("--wrapper", action="store_true", help="wrap bare PDUs in the TCP wrapper")
    enc.add_argument("--client", type=_int, default=0x10, help="client address / wPort (default 16)")
    enc.add_argument("--server", type=_int, default=1, help="server address / wPort (default 1)")
    enc.add_argument("--spaces", action="store_true", help="octets separated by spaces")
    enc.add_argument("--xsd", metavar="PATH",
                     help="validate standard XML against this XSD before encoding")
    add_protect_arguments(enc)

    from .capture import cli as capture_cli
    from .client import cli as client_cli
    from .simulator import cli as simulator_cli
    from .tui import cli as tui_cli

    _command(sub, "capture", "decode a pcap/pcapng capture or a serial hex trace",
             "Decode the DLMS messages of a capture (found by content on any port) or of a "
             "serial hex trace.", capture_cli.EPILOG, capture_cli.add_arguments)
    _command(sub, "read", "read, write and call a meter (live client)",
             "Open an association with a meter and read the association view, attributes or "
             "profile rows, write an attribute or call a method.", client_cli.EPILOG,
             client_cli.add_read_arguments)
    _command(sub, "run", "send the requests of an XmlClient-style script",
             "Send each request of a Gurux XmlClient-style message file to a meter and print "
             "each reply as simple XML.", client_cli.RUN_EPILOG, client_cli.add_run_arguments)
    _command(sub, "simulate", "a meter simulator serving an object model",
             "Serve a COSEM object model (TOML) as a meter over the TCP wrapper, HDLC over TCP "
             "or a serial line.", simulator_cli.EPILOG, simulator_cli.add_arguments)
    _command(sub, "tui", "the terminal inspector for captures and traces",
             "Browse the messages of a capture or trace: list, decoded tree, and hex with the "
             "selected field's octets lit.", tui_cli.EPILOG, tui_cli.add_arguments)
    return parser


def _command(sub, name: str, summary: str, description: str, epilog: str, add) -> None:
    """One sub-command whose options its own module declares (``add``)."""
    add(sub.add_parser(name, help=summary, description=description, epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter))


def _int(text: str) -> int:
    return int(text, 0)


def _cmd_encode(args) -> int:
    from .security.cli import encode_protected, wants_protect
    from .xml import from_xml_messages

    if wants_protect(args):
        return encode_protected(args)

    if args.file == "-":
        if sys.stdin.isatty():
            raise SystemExit("dlms: usage error: give an XML file or pipe XML to stdin")
        text = sys.stdin.buffer.read()
    else:
        with open(args.file, "rb") as f:
            text = f.read()
    framing = "hdlc" if args.hdlc else "wrapper" if args.wrapper else None
    if args.xsd:
        from .xml.validate import validate_standard
        validate_standard(text, args.xsd)
    for data in from_xml_messages(text, numbers=args.numbers, framing=framing,
                                  client=args.client, server=args.server):
        print(data.hex(" ").upper() if args.spaces else data.hex().upper())
    return 0


def _keys(args):
    """The keyring the user asked for: --keys FILE, else the environment, else none."""
    import os

    from .security import Keyring
    from .security.keyring import ENV_VARIABLES

    if args.keys:
        return Keyring.load(args.keys)
    if any(os.environ.get(var) for var in ENV_VARIABLES):
        return Keyring.from_env()
    return None


def _read_input(args) -> bytes:
    if args.file:
        text = sys.stdin.read() if args.file == "-" else open(args.file, encoding="utf-8").read()
    elif args.hex == ["-"] or not args.hex:
        if not args.hex and sys.stdin.isatty():
            raise SystemExit("dlms: usage error: give hex octets, -f FILE or '-' for stdin")
        text = sys.stdin.read()
    else:
        text = " ".join(args.hex)
    try:
        return parse_hex(text)
    except DecodeError:
        # not bare hex: a tool's trace (Gurux TX:/RX: lines, GXDLMSDirector logs, timestamps),
        # read by the same reader as ``dlms capture``
        from .capture.traces import parse_trace

        chunks = [chunk.data for chunk in parse_trace(text.splitlines())]
        if not chunks:
            raise
        return b"".join(chunks)


def _cmd_decode(args) -> int:
    from . import decode_all
    from .views import jsonview
    from .views import text as text_view

    data = _read_input(args)
    if not data:
        raise SystemExit("dlms: usage error: no input octets")
    messages = decode_all(data, keys=_keys(args), layer=args.layer, system_title=args.system_title)
    if args.xsd and args.to != "standard":
        raise SystemExit("dlms: usage error: --xsd goes with --to standard")
    if args.to in ("simple", "standard"):
        from .xml import to_xml

        xml = to_xml(messages[0] if len(messages) == 1 else messages, dialect=args.to,
                     numbers=args.numbers, comments=args.comments, show_keys=args.show_keys)
        if args.xsd:
            from .xml.validate import validate
            validate(xml, args.xsd)
        print(xml)
    elif args.to == "csv":
        from .views.csvview import write_decoded

        if not write_decoded(messages, sys.stdout):
            print("dlms: note: no profile generic buffer in the input", file=sys.stderr)
    elif args.to == "json":
        for msg in messages:
            print(json.dumps(jsonview.message_to_json(msg, pdu_only=args.pdu_only,
                                                      show_keys=args.show_keys, raw=args.raw)))
    else:
        text_view.print_messages(messages, pdu_only=args.pdu_only, show_keys=args.show_keys,
                                 raw=args.raw)
    for msg in messages:
        for note in msg.notes:
            print(f"dlms: note: {note}", file=sys.stderr)
        for warning in msg.warnings:
            print(f"dlms: {warning}", file=sys.stderr)
    # a bad FCS too is an error (the frame is shown); warnings are errors only with --strict
    failed = [m for m in messages if m.errors or (args.strict and m.warnings)]
    if failed:
        first = (failed[0].errors or failed[0].warnings)[0]
        print(f"dlms: error: {first}", file=sys.stderr)
        return 1
    return 0


_RUNNERS = {
    "capture": (".capture.cli", "run_capture"),
    "read": (".client.cli", "run_read"),
    "run": (".client.cli", "run_run"),
    "simulate": (".simulator.cli", "run_simulate"),
    "tui": (".tui.cli", "run_tui"),
}
"""Sub-command -> (module, function): imported only when that command runs."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "decode":
            return _cmd_decode(args)
        if args.command == "encode":
            return _cmd_encode(args)
        module, function = _RUNNERS[args.command]
        return getattr(importlib.import_module(module, __package__), function)(args)
    except TranslatorError as e:
        if args.debug:
            raise
        print(f"dlms: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader stopped early (| head): not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:
        if args.debug:
            raise
        print(f"dlms: error: {e.strerror or e}: {getattr(e, 'filename', '') or ''}".rstrip(": "),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
