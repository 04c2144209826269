"""The simulator's object model: a TOML file read into COSEM objects (``objects.py``).

``load_model(path)`` (None: the bundled ``default_model.toml``) gives a ``Model`` shared by
every association of a running simulator, so a SET made by one client is what the next one
reads. A mistake in the file is a ``ModelError`` of one line naming the table and key. The
format is documented at the top of the bundled model, which is its example.
"""

from __future__ import annotations

import datetime as _dt
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from ..client.views import date_time_octets
from ..cosem.obis import ObisCode
from ..schema._core import parse
from ..schema.cosem_datetime import DateTime, to_datetime
from .association_ln import AssociationLN
from .clock import Clock
from .device import DisconnectControl, ImageTransfer, SecuritySetup
from .objects import CosemObject, Data
from .profile import ProfileGeneric
from .registers import DemandRegister, ExtendedRegister, Register
from .tables import ModelError, Table

__all__ = ["ALL_CLASSES", "Model", "ModelError", "PushSettings", "load_model"]

ALL_CLASSES: dict[str, type[CosemObject]] = {cls.kind: cls for cls in (
    AssociationLN, Clock, Data, DemandRegister, DisconnectControl, ExtendedRegister,
    ImageTransfer, ProfileGeneric, Register, SecuritySetup)}
"""Model ``class`` name -> the class serving it."""
_BY_ID = {cls.class_id: cls for cls in ALL_CLASSES.values()}


class PushSettings:
    """``[push]``: a DataNotification of ``objects`` to ``destination`` every ``interval`` s."""

    def __init__(self, table: Table, model: Model) -> None:
        destination = table.take("destination", str)
        host, _, port = destination.rpartition(":")
        if not host or not port.isdigit():
            raise table.error("destination", "host:port expected")
        self.host, self.port = host, int(port)
        self.interval = table.take("interval", (int, float), 60,
                                   check=lambda v: None if v > 0 else "a positive number")
        self.framing = table.take("framing", str, "wrapper",
                                  check=lambda v: None if v in ("wrapper", "hdlc")
                                  else "wrapper or hdlc")
        self.columns: list[tuple[CosemObject, int]] = []
        for spec in table.take("objects", list):
            name, _, attribute = str(spec).partition(":")
            try:
                obj = model.objects.get(bytes(ObisCode(name)))
            except ValueError:
                obj = None
            if obj is None:
                raise table.error("objects", f"{spec!r} is not an object of this model")
            self.columns.append((obj, int(attribute) if attribute.isdigit() else 2))
        table.done()


class Model:
    """The objects by logical name, the meter's identity, and its clock."""

    def __init__(self, source: str = "model",
                 system_now: Callable[[], _dt.datetime] | None = None) -> None:
        self.source = source
        self.objects: dict[bytes, CosemObject] = {}
        self.clock: Any = None
        self.system_title = b""
        self.password: bytes | None = None
        self.max_pdu_size = 1024
        self.push: PushSettings | None = None
        self.keys: Any = None   # a Keyring from the model's [keys] (test keys), or None
        self._system_now = system_now or (lambda: _dt.datetime.now(_dt.UTC))

    def system_now(self) -> _dt.datetime:
        return self._system_now()

    def now(self) -> _dt.datetime:
        """The meter's time: its clock object's, else the system's."""
        return self.clock.now() if self.clock is not None else self.system_now()

    def now_octets(self) -> bytes:
        return date_time_octets(self.now())

    @staticmethod
    def date_time(value: dict) -> _dt.datetime | None:
        """A COSEM date-time given as an octet-string (or date_time) ``Data``, as a UTC moment;
        None when it is not one or not complete."""
        tag = str(value["tag"])
        if tag == "date_time":
            moment = to_datetime(value["value"])
        elif tag == "octet_string" and len(value["value"]) == 12:
            try:
                moment = to_datetime(parse(DateTime, bytes(value["value"]), "axdr"))
            except Exception:
                return None
        else:
            return None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=_dt.UTC)
        return moment

    def find(self, class_id: int, logical_name: bytes) -> CosemObject | None:
        obj = self.objects.get(bytes(logical_name))
        return obj if obj is not None and obj.class_id == class_id else None


def load_model(path: str | Path | None = None,
               system_now: Callable[[], _dt.datetime] | None = None) -> Model:
    """Read a model file (None: the bundled default model)."""
    if path is None:
        text = resources.files(__package__).joinpath("default_model.toml").read_text("utf-8")
        source = "default_model.toml"
    else:
        source = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except OSError as e:
            raise ModelError(f"{source}: cannot read the model ({e.strerror})") from None
    return loads_model(text, source, system_now)


def loads_model(text: str, source: str = "model",
                system_now: Callable[[], _dt.datetime] | None = None) -> Model:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ModelError(f"{source}: not TOML: {e}") from None
    root = Table(source, "", document)
    model = Model(source, system_now)
    meter = root.sub("meter") or Table(source, "meter", {})
    _meter(meter, model)
    objects = root.sub("objects")
    if objects is None:
        raise ModelError(f"{source}: no [objects.\"OBIS\"] table: the model serves nothing")
    tables = []
    for name in objects.mapping:
        table = objects.sub(name)
        assert table is not None
        table.name = f'objects."{name}"'
        try:
            logical_name = bytes(ObisCode(name))
        except ValueError as e:
            raise table.error(None, str(e)) from None
        if logical_name in model.objects:
            raise table.error(None, "the same logical name twice")
        kind = table.take("class", (str, int))
        cls = ALL_CLASSES.get(kind) if isinstance(kind, str) else _BY_ID.get(kind)
        if cls is None:
            known = ", ".join(ALL_CLASSES)
            raise table.error("class", f"{kind!r} is not a class the simulator serves ({known})")
        model.objects[logical_name] = cls(logical_name, table, model)
        tables.append(table)
    for obj, table in zip(model.objects.values(), tables, strict=True):
        obj.link(table)
        table.done()
    if not any(isinstance(obj, AssociationLN) for obj in model.objects.values()):
        raise objects.error(None, "the model needs an association_ln object "
                            "(0.0.40.0.0.255) to list it")
    push = root.sub("push")
    if push is not None:
        model.push = PushSettings(push, model)
    keys = root.take("keys", dict, None)
    if keys is not None:
        model.keys = _keyring(keys, source)
    root.done()
    return model


def _keyring(document: dict, source: str) -> Any:
    """``[keys]`` in the keys file format (``[keys.default]``, ``[keys.system_title.<hex>]``)."""
    from ..security import Keyring, KeyringError

    try:
        return Keyring.from_mapping(document, f"{source}: [keys]")
    except KeyringError as e:   # its text names the table and never a key's value
        raise ModelError(str(e)) from None


def _meter(table: Table, model: Model) -> None:
    title = table.take("system_title", str, "5452414E534C4154")
    try:
        model.system_title = bytes.fromhex(title)
    except ValueError:
        raise table.error("system_title", "8 octets in hex expected") from None
    if len(model.system_title) != 8:
        raise table.error("system_title", "8 octets in hex expected")
    password = table.take("password", str, None)
    model.password = password.encode() if password is not None else None
    model.max_pdu_size = table.take("max_pdu_size", int, 1024,
                                    check=lambda v: None if 64 <= v <= 0xFFFF else "64..65535")
    table.done()
