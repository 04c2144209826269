"""``dlms read`` and ``dlms run``: the live client on the command line (DESIGN section 9).

Thin: options become ``AssociationSettings`` and ``Client`` arguments, results are printed in
the chosen format; every failure is one ``dlms: error:`` line (raised as ``ClientError``).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as _dt
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..cosem.obis import ObisCode
from .errors import ClientError
from .settings import AUTHENTICATION, CIPHERING, AssociationSettings
from .url import parse_url

__all__ = ["EPILOG", "RUN_EPILOG", "add_read_arguments", "add_run_arguments", "run_read",
           "run_run"]

EPILOG = """\
examples:
  dlms read tcp://127.0.0.1:4059 objects                         the association view
  dlms read tcp://127.0.0.1:4059 get 0.0.1.0.0.255               the clock (class from the view)
  dlms read hdlc+tcp://127.0.0.1:4061 --auth low --password 12345678 get 1-0:1.8.0*255
  dlms read tcp://meter:4059 --auth gmac --keys keys.toml --system-title 4142434445464748 \\
      --sc 30 profile 1.0.99.1.0.255 --entries 1..3 --to csv
  dlms read serial:///dev/ttyUSB0?baud=9600&iec=1 get 0.0.42.0.0.255
  dlms read tcp://127.0.0.1:4059 set 0.0.1.0.0.255 -a 2 --value '{"octet_string": "07E9..."}'
  dlms read tcp://127.0.0.1:4059 action 0.0.10.0.0.255 -m 1 --value '{"long_unsigned": 1}'
URL: tcp:// (IEC 62056-47 wrapper), hdlc+tcp://, udp://, serial://DEVICE?baud=N&iec=1.
Gurux XmlClient letters are accepted: -c client, -s server, -a auth (before the action),
-P password, -r ln|sn, -w window, -t (ignored).
"""

RUN_EPILOG = """\
examples:
  dlms run tcp://127.0.0.1:4059 script.xml          each reply printed as simple XML
  dlms run hdlc+tcp://127.0.0.1:4061 scripts/       a folder: each file in its own association
The association, framing, ciphering and invoke ids of the script's requests come from the options.
"""


def _int(text: str) -> int:
    return int(text, 0)


def _hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text.replace(" ", "").removeprefix("0x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not hex: {text!r}") from None


def _association_options(parser: argparse.ArgumentParser, gurux_letters: bool) -> None:
    """The options every client command shares (``default=SUPPRESS`` on sub-commands so a value
    given before or after the action word counts)."""
    g = parser.add_argument_group("association")
    a = ["--auth"] + (["-a"] if gurux_letters else [])
    g.add_argument(*a, choices=list(AUTHENTICATION), help="authentication (default none)")
    g.add_argument("--password", "-P", help="LLS password or HLS secret (never printed)")
    g.add_argument("--keys", metavar="FILE", help="keys TOML file (or DLMS_BLOCK_CIPHER_KEY / "
                                                  "DLMS_AUTHENTICATION_KEY)")
    g.add_argument("--system-title", type=_hex, metavar="HEX", help="the client's system title")
    g.add_argument("--sc", type=lambda t: int(t, 16), metavar="HEX",
                   help="security control for ciphering, e.g. 30 (suite 0, A+E); none: plain")
    g.add_argument("--cipher", choices=CIPHERING, help="protection service (default glo)")
    g.add_argument("--invocation-counter", type=_int, metavar="N",
                   help="the first invocation counter to use (default 1)")
    g.add_argument("--ic-file", metavar="FILE",
                   help="keep the invocation counter per system title in FILE")
    g.add_argument("--sn", action="store_const", const="sn", dest="referencing",
                   help="short-name referencing")
    g.add_argument("-r", dest="referencing", choices=("ln", "sn"), help=argparse.SUPPRESS)
    g.add_argument("--max-pdu", type=_int, metavar="N", help="client max receive PDU size")
    g.add_argument("--gbt", action="store_true",
                   help="propose general-block-transfer (long replies in GBT blocks)")
    g.add_argument("--strict", action="store_true",
                   help="refuse real-world quirks instead of warning")
    link = parser.add_argument_group("addresses and link")
    link.add_argument("--client", "-c", type=_int, metavar="N",
                      help="client address / wPort (default 16)")
    link.add_argument("--server", "-s", type=_int, metavar="N",
                      help="server wPort (wrapper) or combined HDLC server address")
    link.add_argument("--logical", type=_int, metavar="N", help="HDLC logical device (default 1)")
    link.add_argument("--physical", type=_int, metavar="N",
                      help="HDLC physical device (default 17)")
    link.add_argument("--address-size", type=int, choices=(1, 2, 4),
                      help="HDLC server address octets")
    link.add_argument("--window", "-w", type=int, metavar="N", help="HDLC window (default 1)")
    link.add_argument("--max-info", type=int, metavar="N",
                      help="HDLC max information field length (default 128)")
    link.add_argument("--timeout", type=float, metavar="S", help="seconds per reply (default 5)")
    link.add_argument("--retries", type=int, metavar="N", help="HDLC retries (default 2)")
    link.add_argument("--record", metavar="FILE", help="write the session as pcap/pcapng")
    link.add_argument("-t", dest="trace", help=argparse.SUPPRESS)
    link.add_argument("--frames", action="store_true",
                      help="print every octet sent and received on stderr (hex)")


def add_read_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="tcp://HOST:PORT, hdlc+tcp://, udp://, serial://DEVICE")
    _association_options(parser, gurux_letters=True)
    parser.add_argument("--to", choices=("text", "json", "xml", "csv"), default="text")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, text: str) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=text, description=text,
                               argument_default=argparse.SUPPRESS)
        _association_options(p, gurux_letters=False)
        p.add_argument("--to", choices=("text", "json", "xml", "csv"))
        return p

    action("objects", "the association view: class, version, OBIS, access rights")
    get = action("get", "read an attribute (value with scaler-unit when the class has one)")
    get.add_argument("obis", help="1-0:1.8.0*255, 1.0.1.8.0.255 or 0100010800FF")
    get.add_argument("--attribute", "-a", type=int, default=2)
    get.add_argument("--class", dest="class_id", type=int)
    set_ = action("set", "write an attribute")
    set_.add_argument("obis")
    set_.add_argument("--attribute", "-a", type=int, default=2)
    set_.add_argument("--class", dest="class_id", type=int)
    value = set_.add_mutually_exclusive_group(required=True)
    value.add_argument("--value", help='typed JSON, e.g. {"long_unsigned": 5}')
    value.add_argument("--xml", metavar="FILE", help="the value as simple XML data")
    act = action("action", "call a method")
    act.add_argument("obis")
    act.add_argument("--method", "-m", type=int, required=True)
    act.add_argument("--class", dest="class_id", type=int)
    act.add_argument("--value", help="method parameters as typed JSON")
    prof = action("profile", "profile generic rows, by entry or by range")
    prof.add_argument("obis")
    prof.add_argument("--class", dest="class_id", type=int)
    rng = prof.add_mutually_exclusive_group()
    rng.add_argument("--entries", metavar="A..B", help="entries A to B (1-based)")
    rng.add_argument("--from", dest="start", metavar="T", help="ISO 8601 start (with --to-time)")
    prof.add_argument("--until", dest="end", metavar="T", help="ISO 8601 end of the range")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url")
    parser.add_argument("script", help="an XmlClient-style XML file, or a folder of them")
    _association_options(parser, gurux_letters=True)


# --- turning options into a client --------------------------------------------------------

def _opt(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    value = getattr(args, name, None)
    return default if value is None else value


def _keyring(args: argparse.Namespace) -> Any:
    from ..security import Keyring
    from ..security.keyring import ENV_VARIABLES

    if _opt(args, "keys"):
        return Keyring.load(args.keys)
    if any(os.environ.get(var) for var in ENV_VARIABLES):
        return Keyring.from_env()
    return None


def make_client(args: argparse.Namespace) -> Any:
    """The ``Client`` the options describe (the asyncio stack is imported only here)."""
    from .session import Client

    password = _opt(args, "password")
    auth = _opt(args, "auth", "none")
    try:
        url = parse_url(args.url)
        settings = AssociationSettings(
            referencing=_opt(args, "referencing", "ln"), authentication=auth,
            password=password.encode() if password is not None else None,
            keys=_keyring(args), system_title=_opt(args, "system_title"),
            security_control=_opt(args, "sc"), ciphering=_opt(args, "cipher", "glo"),
            invocation_counter=_opt(args, "invocation_counter", 1),
            invocation_counter_file=_opt(args, "ic_file"),
            max_pdu_size=_opt(args, "max_pdu", 0xFFFF), strict=bool(_opt(args, "strict")),
            gbt=bool(_opt(args, "gbt")))
    except ValueError as e:
        raise ClientError(str(e)) from None
    frames = bool(_opt(args, "frames"))
    return Client(
        url, settings, client_address=_opt(args, "client", 16),
        server_address=_opt(args, "server"), logical=_opt(args, "logical", 1),
        physical=_opt(args, "physical"), address_size=_opt(args, "address_size"),
        window=_opt(args, "window", 1), max_info_length=_opt(args, "max_info", 128),
        timeout=_opt(args, "timeout", 5.0), retries=_opt(args, "retries", 2),
        record=_opt(args, "record"),
        on_warning=lambda text: print(f"dlms: warning: {text}", file=sys.stderr),
        on_octets=_print_octets if frames else None)


def _print_octets(direction: str, data: bytes) -> None:
    arrow = "->" if direction == "sent" else "<-"
    print(f"{arrow} {data.hex(' ').upper()}", file=sys.stderr)


# --- dlms read ----------------------------------------------------------------------------

def run_read(args: argparse.Namespace) -> int:
    return asyncio.run(_read(args))


async def _read(args: argparse.Namespace) -> int:
    client = make_client(args)
    fmt = _opt(args, "to", "text")
    await client.open()
    try:
        return await _ACTIONS[args.action](client, args, fmt)
    finally:
        await client.close()


async def _objects(client: Any, args: argparse.Namespace, fmt: str) -> int:
    from ..xml.comments import class_text

    objects = await client.objects()
    if fmt == "json":
        print(json.dumps([_jsonable(o) for o in objects], indent=1))
    elif fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(["class_id", "version", "obis", "attributes", "methods"])
        for o in objects:
            w.writerow([o["class_id"], o["version"], o["obis"].display(),
                        _rights(o["attributes"]), _rights(o["methods"])])
    else:
        for o in objects:
            print(f"{o['obis'].display():<18} {class_text(o['class_id'])}, version "
                  f"{o['version']}  attributes {_rights(o['attributes'])}"
                  + (f"  methods {_rights(o['methods'])}" if o["methods"] else ""))
    return 0


def _rights(rights: dict) -> str:
    return " ".join(f"{k}:{v}" for k, v in rights.items())


async def _get(client: Any, args: argparse.Namespace, fmt: str) -> int:
    from .values import to_python
    from .views import render, scaled

    obis = ObisCode(args.obis)
    class_id = await client.class_of(obis, getattr(args, "class_id", None))
    attribute = getattr(args, "attribute", 2)
    result = await client.get(obis, attribute, class_id)
    if not result.ok:
        raise ClientError(f"GET {obis} attribute {attribute}: {result.error}")
    if fmt == "xml":
        _print_xml(client)
        return 0
    unit = None
    value: Any = to_python(result.data)
    if class_id in (3, 4, 5) and attribute == 2:
        su = await client.get(obis, 3, class_id)
        if su.ok:
            value, unit = scaled(value, su.data)
    if fmt == "json":
        print(json.dumps({"obis": obis.dotted(), "class_id": class_id, "attribute": attribute,
                          "type": str(result.data["tag"]), "value": _jsonable(value),
                          "unit": unit, "text": render(result.data)}))
    elif fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(["obis", "class_id", "attribute", "value", "unit"])
        w.writerow([obis.dotted(), class_id, attribute, _cell(value, result), unit or ""])
    else:
        text = render(result.data) if unit is None else f"{value} {unit}"
        print(f"{obis.display()} attribute {attribute}: {text}")
    return 0


def _cell(value: Any, result: Any) -> str:
    from .views import render
    return str(value) if isinstance(value, (int, float)) else render(result.data)


def _print_xml(client: Any) -> None:
    from .. import decode
    from ..xml import to_xml

    for octets in client.last_response.received:
        print(to_xml(decode(octets, keys=client.settings.keys, layer="apdu",
                            system_title=client.association.server_system_title)))


def _value(args: argparse.Namespace) -> dict | None:
    from .values import ValueSpecError, data_tree

    if getattr(args, "xml", None):
        from ..schema._core import parse
        from ..schema.axdr import Data
        from ..xml import from_xml
        octets = from_xml(Path(args.xml).read_bytes())
        return parse(Data, octets, "axdr")
    text = getattr(args, "value", None)
    if text is None:
        return None
    try:
        return data_tree(json.loads(text))
    except (json.JSONDecodeError, ValueSpecError) as e:
        raise ClientError(f"--value: {e}") from None


async def _set(client: Any, args: argparse.Namespace, fmt: str) -> int:
    obis = ObisCode(args.obis)
    value = _value(args)
    attribute = getattr(args, "attribute", 2)
    result = await client.set(obis, attribute, value, getattr(args, "class_id", None))
    if result != "success":
        raise ClientError(f"SET {obis} attribute {attribute}: {result}")
    print(json.dumps({"result": result}) if fmt == "json" else
          f"{obis.display()} attribute {attribute}: {result}")
    return 0


async def _action(client: Any, args: argparse.Namespace, fmt: str) -> int:
    from .views import render

    obis = ObisCode(args.obis)
    result, data = await client.action(obis, args.method, _value(args),
                                       getattr(args, "class_id", None))
    if result != "success":
        raise ClientError(f"ACTION {obis} method {args.method}: {result}")
    shown = render(data) if isinstance(data, dict) and "tag" in data else None
    if fmt == "json":
        print(json.dumps({"result": result, "return": shown}))
    else:
        print(f"{obis.display()} method {args.method}: {result}"
              + (f" -> {shown}" if shown else ""))
    return 0


async def _profile(client: Any, args: argparse.Namespace, fmt: str) -> int:
    from .views import capture_columns, profile_rows, selective_by_entry, selective_by_range

    obis = ObisCode(args.obis)
    class_id = await client.class_of(obis, getattr(args, "class_id", None))
    columns_result = await client.get(obis, 3, class_id)
    if not columns_result.ok:
        raise ClientError(f"GET {obis} capture objects: {columns_result.error}")
    columns = capture_columns(columns_result.data)
    selection = None
    if getattr(args, "entries", None):
        try:
            first, last = (int(x) for x in args.entries.split(".."))
        except ValueError:
            raise ClientError("--entries takes A..B, e.g. 1..10") from None
        selection = selective_by_entry(first, last)
    elif getattr(args, "start", None):
        if not columns:
            raise ClientError(f"{obis} has no capture objects to select a range on")
        try:
            start = _moment(args.start)
            end = _moment(getattr(args, "end", None)) if getattr(args, "end", None) else \
                _dt.datetime.now(_dt.UTC)
        except ValueError as e:
            raise ClientError(f"--from/--until: {e}") from None
        first = columns[0]
        selection = selective_by_range((first["class_id"], first["obis"], first["attribute"]),
                                       start, end)
    # the registers' scaler-units before the buffer, so the session's record reads the same
    scaled_columns = await read_profile_columns(client, columns) if fmt == "csv" else None
    result = await client.get(obis, 2, class_id, selection)
    if not result.ok:
        raise ClientError(f"GET {obis} buffer: {result.error}")
    rows = profile_rows(result.data)
    names = [f"{c['obis'].dotted()}:{c['attribute']}" for c in columns]
    if fmt == "json":
        print(json.dumps({"columns": [_jsonable(c) for c in columns],
                          "rows": [[_jsonable(v) for v in row] for row in rows]}, indent=1))
    elif fmt == "xml":
        _print_xml(client)
    elif fmt == "csv":  # the CSV of dlms capture/decode --to csv, scaled the same way
        from ..views.csvview import BufferCsv

        BufferCsv(sys.stdout).write(result.data, scaled_columns)
    else:
        w = csv.writer(sys.stdout, delimiter="\t")
        w.writerow(names)
        for row in rows:
            w.writerow([_text(v) for v in row])
    return 0


async def read_profile_columns(client: Any, columns: list[dict[str, Any]]) -> list[Any]:
    """The capture objects as CSV columns, each register value with its scaler_unit (attribute
    3, read once per register; a refused read leaves the column unscaled)."""
    from ..capture.knowledge import Column

    out = []
    for c in columns:
        scaler_unit = None
        if c["class_id"] in (3, 4) and c["attribute"] == 2:
            su = await client.get(c["obis"], 3, c["class_id"])
            scaler_unit = su.data if su.ok else None
        out.append(Column(c["class_id"], bytes(c["obis"]), c["attribute"],
                          c.get("data_index") or 0, scaler_unit))
    return out


def _moment(text: str) -> _dt.datetime:
    moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, ObisCode):
        return value.dotted()
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


_ACTIONS = {"objects": _objects, "get": _get, "set": _set, "action": _action,
            "profile": _profile}


# --- dlms run -----------------------------------------------------------------------------

def run_run(args: argparse.Namespace) -> int:
    path = Path(args.script)
    files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".xml") if path.is_dir() \
        else [path]
    if not files:
        raise ClientError(f"no .xml script in {path}")
    for file in files:
        asyncio.run(_run_script(args, file))
    return 0


async def _run_script(args: argparse.Namespace, file: Path) -> None:
    from .. import decode
    from ..xml import from_xml_messages, to_xml

    requests = from_xml_messages(file.read_bytes())
    client = make_client(args)
    await client.open()
    try:
        for apdu in requests:
            response = await client.request(apdu)
            for octets in response.received:
                print(to_xml(decode(octets, keys=client.settings.keys, layer="apdu",
                                    system_title=client.association.server_system_title)))
    finally:
        await client.close()
