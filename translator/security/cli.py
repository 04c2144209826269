"""``dlms encode --protect``: cleartext APDUs (XML or hex) in, protected APDUs out.

For making test messages: the user gives the security control, system title, invocation counter
and keys, and gets what a meter or client would send. The cipher work is ``protect``'s; this
module only reads the options, the input and the keys. Keys come from a file or the environment,
never from the command line (where ``ps`` and shell histories would show them), and nothing
printed here ever contains one.

Several APDUs in one input (a ``<Messages>`` file, or hex lines) are protected with consecutive
invocation counters: a GCM IV must never repeat under one key.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["SERVICES", "add_protect_arguments", "cleartexts", "encode_protected", "load_keys",
           "wants_protect"]

SERVICES = ("glo", "ded", "general-glo", "general-ded")
"""What ``--protect`` offers: the service-specific glo-/ded- APDU of the cleartext's service,
or the general-glo/ded-ciphering APDU (which also carries the system title)."""

_DEFAULT_SC = 0x30

EPILOG = """\
protecting (--protect): the input is one cleartext APDU (XML, or hex) or several (a <Messages>
file, or one hex APDU per line); keys come from --keys FILE or DLMS_BLOCK_CIPHER_KEY /
DLMS_AUTHENTICATION_KEY, never from the command line:
  dlms encode --protect glo --sc 30 --system-title 4D4D4D0000BC614E \\
              --invocation-counter 0x01234567 --keys keys.toml --hex C0010000080000010000FF0200
  dlms encode --protect general-glo --sc 30 --system-title 2F19229199164103 \\
              --invocation-counter 485 --keys keys.toml --wrapper --client 1 --server 1 note.xml
"""


def _octet(text: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a hex octet") from None
    if not 0 <= value <= 0xFF:
        raise argparse.ArgumentTypeError(f"{text!r} is not one octet")
    return value


def _title(text: str) -> bytes:
    cleaned = "".join(text.split())
    try:
        title = bytes.fromhex(cleaned[2:] if cleaned[:2].lower() == "0x" else cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not hex") from None
    if len(title) != 8:
        raise argparse.ArgumentTypeError(f"a system title has 8 octets, {text!r} has {len(title)}")
    return title


def _counter(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (decimal, or 0x hex)") from None
    if not 0 <= value < 1 << 32:
        raise argparse.ArgumentTypeError(f"{text!r} does not fit 32 bits")
    return value


def add_protect_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--protect`` options of ``dlms encode``."""
    group = parser.add_argument_group("protecting a cleartext APDU")
    group.add_argument("--protect", choices=SERVICES,
                       help="protect the input APDU(s): glo-/ded- service APDU or "
                            "general-glo/ded-ciphering")
    group.add_argument("--sc", metavar="HEX", type=_octet,
                       help="security control octet (default 30: authenticated and encrypted, "
                            "suite 0; 10 authentication only, 20 encryption only)")
    group.add_argument("--system-title", metavar="HEX", type=_title,
                       help="the sender's system title (8 octets; forms the IV)")
    group.add_argument("--invocation-counter", metavar="N", type=_counter,
                       help="the first APDU's invocation counter (decimal or 0x hex); each "
                            "further APDU takes the next")
    group.add_argument("--keys", metavar="FILE",
                       help="keys TOML file; without it DLMS_BLOCK_CIPHER_KEY / "
                            "DLMS_AUTHENTICATION_KEY are used")
    group.add_argument("--hex", metavar="HEX",
                       help="the cleartext APDU as hex, instead of an XML or hex file")


def load_keys(path: str | None) -> Any:
    """The keyring: ``path`` (TOML), else the environment, else None."""
    from .keyring import ENV_VARIABLES, Keyring

    if path:
        return Keyring.load(path)
    if any(os.environ.get(var) for var in ENV_VARIABLES):
        return Keyring.from_env()
    return None


_OPTIONS = ("protect", "sc", "system_title", "invocation_counter", "keys", "hex")


def wants_protect(args: argparse.Namespace) -> bool:
    """True when any ``--protect`` option was given (then ``encode_protected`` runs)."""
    return any(getattr(args, name, None) is not None for name in _OPTIONS)


def _usage(message: str) -> SystemExit:
    """A usage error: one line on stderr, exit 2 (DESIGN section 3)."""
    print(f"dlms: usage error: {message}", file=sys.stderr)
    return SystemExit(2)


def _input_text(args: argparse.Namespace) -> bytes:
    if args.hex is not None:
        if args.file not in (None, "-"):
            raise _usage("give the cleartext either as --hex or as a file, not both")
        return args.hex.encode()
    if args.file in (None, "-"):
        if sys.stdin.isatty():
            raise _usage("give --hex HEX, a file, or pipe the cleartext APDU to stdin")
        return sys.stdin.buffer.read()
    with open(args.file, "rb") as f:
        return f.read()


def cleartexts(text: bytes, numbers: str | None = None) -> list[bytes]:
    """The cleartext APDUs of an input: XML (one APDU or a ``<Messages>`` file), else hex with
    one APDU per non-empty line."""
    from ..hexinput import parse_hex
    from ..xml import from_xml_apdus

    if text.lstrip()[:1] == b"<" or text[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return from_xml_apdus(text, numbers)
    lines = text.decode("utf-8", "replace").splitlines()
    return [parse_hex(line) for line in lines if line.strip()]


def encode_protected(args: argparse.Namespace) -> int:
    """``dlms encode --protect``: print each protected APDU (framed with --hdlc/--wrapper)."""
    from . import protect

    if args.protect is None:
        raise _usage("--hex, --sc, --system-title, --invocation-counter and --keys go with "
                     "--protect")
    if args.system_title is None:
        raise _usage("--protect needs --system-title (the sender's; it forms the IV)")
    if args.invocation_counter is None:
        raise _usage("--protect needs --invocation-counter (never reuse one under the same key)")
    keys = load_keys(args.keys)
    if keys is None:
        raise _usage("--protect needs keys: --keys FILE, or DLMS_BLOCK_CIPHER_KEY and "
                     "DLMS_AUTHENTICATION_KEY")
    apdus = cleartexts(_input_text(args), args.numbers)
    if not apdus:
        raise _usage("no cleartext APDU in the input")
    last = args.invocation_counter + len(apdus) - 1
    if last >= 1 << 32:
        raise _usage(f"{len(apdus)} APDUs from invocation counter {args.invocation_counter} "
                     "would pass 2^32 - 1")
    sc = _DEFAULT_SC if args.sc is None else args.sc
    framer = None
    if getattr(args, "hdlc", False) or getattr(args, "wrapper", False):
        from ..xml.wrap import Framer
        framer = Framer("hdlc" if args.hdlc else "wrapper", args.client, args.server)
    out = []
    for n, plaintext in enumerate(apdus):
        data = protect(plaintext, sc, args.system_title, args.invocation_counter + n, keys,
                       args.protect)
        out.append(framer.frame(data) if framer is not None else data)
    for data in out:  # nothing is printed unless every APDU could be protected
        print(data.hex(" ").upper() if getattr(args, "spaces", False) else data.hex().upper())
    return 0
