"""The message list's index: one small ``Row`` per message, and the full message on demand.

A decoded ``Record`` weighs tens of kilobytes (containers, spans, deciphered trees); a capture of
100k messages cannot keep them all. A ``Row`` keeps what the list shows and filters on, plus the
message's wire octets and the association's security context, so ``materialize`` can decode the
one message the user selects again, exactly as the capture reader did (the toolong idea: index
everything, render only what is looked at).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..capture.records import CLIENT_TO_SERVER, SERVER_TO_CLIENT, Record
from ..decoding import decode_all
from ..message import Message

__all__ = ["ERROR", "WARNING", "CIPHERED", "DECIPHERED", "REASSEMBLED", "FLAG_LETTERS", "Row",
           "SecuritySnapshot", "make_row", "Interner", "materialize", "row_json"]

ERROR, WARNING, CIPHERED, DECIPHERED, REASSEMBLED = 1, 2, 4, 8, 16
FLAG_LETTERS = ((ERROR, "E"), (WARNING, "W"), (CIPHERED, "C"), (DECIPHERED, "D"),
                (REASSEMBLED, "R"))
ARROWS = {CLIENT_TO_SERVER: "C→S", SERVER_TO_CLIENT: "S→C"}

SecuritySnapshot = tuple  # (client system title, server system title, dedicated key), or ()

_MAX_WALK = 400   # containers looked at for OBIS codes: a profile's rows hold none


@dataclass(slots=True, eq=False)
class Row:
    """What the list needs of one message (strings are shared between rows where they repeat)."""

    index: int                   # position in the capture's message order
    number: int | None           # first packet (trace line) of the message
    time: float | None
    stream: str
    association: int | None
    direction: str | None
    src: str | None
    dst: str | None
    layer: str | None
    service: str | None
    invoke_id: int | None
    summary: str
    flags: int
    size: int
    error: str | None
    obis: tuple[bytes, ...]      # every logical name the APDU in clear names
    titles: tuple[bytes, ...]    # system titles seen on the message and its association
    security: dict | None        # the record's security summary (never key material)
    reply_to: int | None         # first packet of the request this response answers
    wire: bytes                  # the octets of its parts and its own, in arrival order
    context: SecuritySnapshot    # shared by the rows of one association

    @property
    def arrow(self) -> str:
        return ARROWS.get(self.direction or "", "   ")

    @property
    def association_key(self) -> str:
        return f"{self.stream}#{self.association if self.association is not None else '-'}"

    @property
    def invoke_number(self) -> int | None:
        """The invoke-id alone: the low 4 bits of invoke-id-and-priority, the low 24 of the
        long form (its 4 octets are told apart by value: the short form is one octet)."""
        value = self.invoke_id
        if value is None:
            return None
        return value & 0xFFFFFF if value > 0xFF else value & 0x0F

    def flag_text(self) -> str:
        return "".join(letter if self.flags & bit else "·" for bit, letter in FLAG_LETTERS)


def _flags(record: Record) -> int:
    msg = record.message
    flags = ERROR if record.error else 0
    if record.findings or (msg is not None and msg.notes) or (record.security or {}).get("note"):
        flags |= WARNING
    sec = record.security
    if sec:
        flags |= DECIPHERED if sec.get("decrypted") or record.plain is not None else CIPHERED
    if msg is not None and (msg.parts or msg.blocks or record.joined):
        flags |= REASSEMBLED
    return flags


def _obis_codes(apdu: Any) -> tuple[bytes, ...]:
    found: list[bytes] = []
    todo = [apdu]
    budget = _MAX_WALK
    while todo and budget:
        item = todo.pop()
        budget -= 1
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "instance_id" and isinstance(value, (bytes, bytearray)):
                    if bytes(value) not in found:
                        found.append(bytes(value))
                elif key[:1] != "_" and isinstance(value, (dict, list)):
                    todo.append(value)
        elif isinstance(item, list):
            todo.extend(v for v in item[:64] if isinstance(v, (dict, list)))
    return tuple(found)


class Interner:
    """One copy of each repeated value: endpoints, summaries, OBIS and title tuples, security
    snapshots repeat across a capture, so a 100k list holds a few thousand of them."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        if value is None:
            return None
        return self._seen.setdefault(value, value)


def make_row(index: int, record: Record, context: SecuritySnapshot, intern: Interner) -> Row:
    """The row of one record, ``context`` being its association's security facts so far."""
    msg = record.message
    wire = b""
    if msg is not None:
        wire = b"".join(p.raw for p in msg.parts) + msg.raw if msg.parts else msg.raw
    titles = []
    sec = record.security
    if sec and sec.get("system_title"):
        titles.append(bytes.fromhex(sec["system_title"]))
    titles.extend(t for t in context[:2] if t and t not in titles)
    apdu = record.apdu
    return Row(index, record.number, record.time, intern(record.stream), record.association,
               record.direction, intern(record.src), intern(record.dst), intern(record.layer),
               intern(record.service), record.invoke_id, intern(record.summary()),
               _flags(record), record.size, record.error,
               intern(_obis_codes(apdu)) if apdu is not None else (), intern(tuple(titles)),
               sec, record.reply_to, wire, intern(context))


def materialize(row: Row, keys: Any = None) -> Message | None:
    """The row's message decoded again from its octets, deciphered with the association's
    context; spans are offsets into ``row.wire``."""
    if not row.wire:
        return None
    data = row.wire
    layer = row.layer if row.layer not in (None, "garbage") else None
    try:
        messages = decode_all(data, layer=layer)
    except ValueError:  # a layer the reader named that decode does not take: detect it
        messages = decode_all(data)
    msg = messages[-1]
    if keys and msg.apdu is not None and msg.framing != "garbage":
        _decipher(msg, keys, row.context)
    return msg


def _decipher(msg: Message, keys: Any, context: SecuritySnapshot) -> None:
    try:
        from ..assembly import unprotect_into
        from ..security import SecurityContext
    except ImportError:  # pragma: no cover - translator.security is part of the package
        return
    ctx = SecurityContext(*context) if context else SecurityContext()
    try:
        unprotect_into(msg, keys, ctx)
    except Exception as e:  # noqa: BLE001 - one bad message must not stop the viewer
        msg.errors.append(e)


def row_json(row: Row) -> dict[str, Any]:
    """The row as ``dlms capture --to jsonl`` names its fields (without the APDU tree)."""
    return {
        "number": row.number, "time": None if row.time is None else round(row.time, 6),
        "stream": row.stream, "src": row.src, "dst": row.dst, "direction": row.direction,
        "layer": row.layer, "service": row.service, "invoke_id": row.invoke_id,
        "bytes": row.size, "error": row.error, "security": row.security,
        "summary": row.summary, "association": row.association,
        "flags": row.flag_text().replace("·", ""),
        "reply_to": row.reply_to,
    }
