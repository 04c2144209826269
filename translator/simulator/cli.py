"""``dlms simulate``: options, and the loop that serves until SIGINT/SIGTERM.

``add_arguments(parser)``, ``EPILOG`` and ``run_simulate(args)`` are what ``translator/cli.py``
wires in; ``python -m translator.simulator`` runs the same command on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from typing import Any

__all__ = ["EPILOG", "add_arguments", "run_simulate"]

EPILOG = """\
examples:
  dlms simulate                                   # wrapper on 127.0.0.1:4059, bundled model
  dlms simulate --hdlc --port 4061 --logical 1 --physical 17
  dlms simulate --udp                             # the wrapper over UDP
  dlms simulate --keys keys.toml --auth gmac --sc 30      # HLS-GMAC, suite 0, every APDU ciphered
  dlms simulate --model my_meter.toml --record session.pcapng
  dlms simulate --serial /dev/pts/5 --iec          # HDLC on a serial line after the mode E opening

Without --auth every mechanism the meter can check is accepted: none, low (--password or the
model's [meter] password), md5/sha1/sha256 (the password as HLS secret), gmac and ecdsa (--keys).
The bundled model (translator/simulator/default_model.toml) documents the model format.
Keys come from --keys, else DLMS_BLOCK_CIPHER_KEY / DLMS_AUTHENTICATION_KEY, else the model's
[keys] (the bundled model carries the published Gurux test keys); they are never printed.
"""

_AUTH = ("none", "low", "high", "md5", "sha1", "gmac", "sha256", "ecdsa")
_HLS = ("md5", "sha1", "gmac", "sha256", "ecdsa")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4059, help="TCP port (default 4059)")
    parser.add_argument("--hdlc", action="store_true", help="HDLC over TCP instead of the wrapper")
    parser.add_argument("--udp", action="store_true",
                        help="the wrapper over UDP (IEC 62056-47) instead of TCP")
    parser.add_argument("--serial", metavar="DEVICE", help="HDLC on a serial port or pty")
    parser.add_argument("--baud", type=int, default=9600, help="serial speed (default 9600)")
    parser.add_argument("--iec", action="store_true",
                        help="answer the IEC 62056-21 mode E opening on --serial first")
    parser.add_argument("--model", metavar="FILE", help="object model TOML (default: bundled)")
    parser.add_argument("--keys", metavar="FILE", help="keys TOML file")
    parser.add_argument("--auth", action="append", choices=_AUTH,
                        help="accept only this authentication (repeatable; high: every HLS "
                        "mechanism; default: any)")
    parser.add_argument("--password", help="LLS password / HLS secret (default: the model's)")
    parser.add_argument("--sc", metavar="HEX", help="security control every xDLMS APDU must "
                        "carry, e.g. 30 (suite 0, authenticated and encrypted)")
    parser.add_argument("--system-title", metavar="HEX", help="the meter's system title "
                        "(default: the model's)")
    parser.add_argument("--logical", type=int, default=1, help="HDLC upper address (default 1)")
    parser.add_argument("--physical", type=int, default=17, help="HDLC lower address (default 17)")
    parser.add_argument("--address-size", type=int, choices=(1, 2, 4), default=2,
                        help="HDLC server address octets (default 2)")
    parser.add_argument("--window", type=int, default=1, help="HDLC window offered (1..7)")
    parser.add_argument("--max-info", type=int, default=128,
                        help="HDLC maximum information length offered (32..2030)")
    parser.add_argument("--max-pdu", type=int, help="server max receive PDU size "
                        "(default: the model's)")
    parser.add_argument("--invocation-counter", type=int, default=1,
                        help="the meter's first invocation counter")
    parser.add_argument("--frame-timeout", type=float, default=10.0,
                        help="seconds a begun frame may take to finish (default 10)")
    parser.add_argument("--idle-timeout", type=float, default=120.0,
                        help="seconds of silence before a connection is dropped (default 120)")
    parser.add_argument("--max-connections", type=int, default=1024,
                        help="connections served at once (default 1024)")
    parser.add_argument("--record", metavar="FILE", help="write the traffic to pcap/pcapng")
    parser.add_argument("-v", "--verbose", action="store_true", help="log connections to stderr")


def _settings(args: argparse.Namespace, model: Any) -> Any:
    from ..security import Keyring
    from ..security.keyring import ENV_VARIABLES
    from .association import ServerSettings

    keys = model.keys
    if args.keys:
        keys = Keyring.load(args.keys)
    elif any(os.environ.get(var) for var in ENV_VARIABLES):
        keys = Keyring.from_env()
    sc = int(args.sc, 16) if args.sc else None
    if sc is not None and keys is None:
        raise ValueError("--sc needs keys (--keys or DLMS_BLOCK_CIPHER_KEY)")
    if args.auth and any(a in ("gmac", "ecdsa") for a in args.auth) and keys is None:
        raise ValueError("--auth gmac/ecdsa needs keys (--keys)")
    title = bytes.fromhex(args.system_title) if args.system_title else model.system_title
    if len(title) != 8:
        raise ValueError("--system-title is 8 octets in hex")
    accepted = tuple(dict.fromkeys(
        name for a in args.auth or () for name in (_HLS if a == "high" else (a,))))
    return ServerSettings(
        authentication=accepted,
        password=args.password.encode() if args.password is not None else None,
        keys=keys, security_control=sc, system_title=title,
        max_pdu_size=args.max_pdu or model.max_pdu_size,
        invocation_counter=args.invocation_counter)


def _link(args: argparse.Namespace) -> Any:
    from ..client.hdlc import HdlcAddress
    from .server import LinkOptions

    if not 1 <= args.window <= 7:
        raise ValueError("--window is 1..7")
    if not 32 <= args.max_info <= 2030:
        raise ValueError("--max-info is 32..2030")
    if args.udp and (args.hdlc or args.serial):
        raise ValueError("--udp carries the wrapper (IEC 62056-47): not with --hdlc or --serial")
    physical = None if args.address_size == 1 else args.physical
    return LinkOptions(framing="hdlc" if (args.hdlc or args.serial) else "wrapper",
                       address=HdlcAddress(args.logical, physical, args.address_size),
                       window=args.window, max_info_length=args.max_info,
                       idle_timeout=args.idle_timeout, frame_timeout=args.frame_timeout,
                       max_connections=args.max_connections)


def run_simulate(args: argparse.Namespace) -> int:
    """Serve until interrupted; 0 when stopped by a signal, 1 on a bad model or option."""
    from ..errors import TranslatorError
    from .model import load_model

    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        model = load_model(args.model)
        settings = _settings(args, model)
        link = _link(args)
    except (TranslatorError, ValueError) as e:
        print(f"dlms: error: {e}", file=sys.stderr)
        return 1
    try:
        return asyncio.run(_serve(args, model, settings, link))
    except OSError as e:
        print(f"dlms: error: cannot serve: {e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


async def _serve(args: argparse.Namespace, model: Any, settings: Any, link: Any) -> int:
    from .push import pusher
    from .server import Simulator

    simulator = Simulator(model, settings, link, record=args.record, serial=bool(args.serial))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    tasks = []
    if args.serial:
        from .serial import serve_serial
        tasks.append(asyncio.create_task(serve_serial(simulator, args.serial, args.baud,
                                                      args.iec)))
        where = f"{args.serial} at {args.baud} baud{' after mode E' if args.iec else ''}"
    elif args.udp:
        from .udp import serve_udp
        endpoint = await serve_udp(simulator, args.host, args.port)
        where = f"{args.host}:{endpoint.get_extra_info('sockname')[1]} (wrapper over UDP)"
    else:
        server = await simulator.serve_tcp(args.host, args.port)
        port = server.sockets[0].getsockname()[1]   # the one bound, when --port 0 asked for any
        where = f"{args.host}:{port} ({link.framing})"
    if model.push is not None:
        tasks.append(asyncio.create_task(pusher(model, settings, simulator.counter)))
    print(f"dlms simulate: serving {model.source} on {where}", file=sys.stderr, flush=True)
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    for task in [waiter, *tasks]:
        task.cancel()
    await simulator.close()
    for task in done:
        if task is not waiter and task.exception() is not None:
            print(f"dlms: error: {task.exception()}", file=sys.stderr)
            return 1
    return 0
