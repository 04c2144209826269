"""The live palette's language: ``objects``, ``get``, ``set``, ``action``, ``profile``.

Typed in Textual's command palette, so each command is one line of words (the options of
``dlms read`` would not fit there); ``parse_command`` says what is wrong with a line before
anything is sent, ``execute`` runs one on an open ``Client`` and returns a ``Result``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..cosem.obis import ObisCode

__all__ = ["USAGE", "Command", "CommandError", "Result", "execute", "parse_command"]

USAGE = {
    "objects": "objects                         the association view",
    "get": "get OBIS[/ATTR] [CLASS]         read an attribute (2 by default; the class is "
           "the association view's unless given)",
    "set": "set OBIS ATTR JSON              write, e.g. set 1.0.1.8.0.255 2 "
           '{"double_long_unsigned": 5}',
    "action": "action OBIS METHOD [JSON]       call a method",
    "profile": "profile OBIS [entries] A..B     profile rows A to B (1-based)",
}


class CommandError(ValueError):
    """A palette line that cannot be run; the text says how to write it."""


@dataclass(frozen=True)
class Command:
    verb: str
    obis: ObisCode | None = None
    number: int = 2                 # the attribute (get, set) or the method (action)
    value: Any = None               # the typed JSON of set/action, as given
    entries: tuple[int, int] | None = None
    class_id: int | None = None     # get: for an object the association view does not list

    def title(self) -> str:
        if self.obis is None:
            return self.verb
        what = {"get": f"/{self.number}", "set": f" attribute {self.number}",
                "action": f" method {self.number}"}.get(self.verb, "")
        if self.entries:
            what = f" entries {self.entries[0]}..{self.entries[1]}"
        return f"{self.verb} {self.obis.dotted()}{what}"


@dataclass(frozen=True)
class Result:
    command: Command
    ok: bool
    text: str                       # one line (objects: one line per object)
    value: Any = None               # the plain value (get), the rows (profile)


def parse_command(text: str) -> Command:
    words = text.split(None, 3)
    if not words or words[0].lower() not in USAGE:
        raise CommandError("commands: " + ", ".join(USAGE))
    verb = words[0].lower()
    usage = "usage: " + USAGE[verb].split("  ")[0]
    if verb == "objects":
        if len(words) > 1:
            raise CommandError(usage)
        return Command(verb)
    if len(words) < 2:
        raise CommandError(usage)
    name, _, attribute = words[1].partition("/")
    try:
        obis = ObisCode(name)
    except (ValueError, TypeError) as e:
        raise CommandError(f"{usage} ({e})") from None
    rest = words[2:]
    try:
        if verb == "get":
            if len(rest) > 1:
                raise CommandError(usage)
            return Command(verb, obis, int(attribute or 2),
                           class_id=int(rest[0]) if rest else None)
        if verb == "profile":
            span = " ".join(rest).removeprefix("entries").strip()
            if not span:
                return Command(verb, obis)
            first, last = (int(x) for x in span.split(".."))
            return Command(verb, obis, entries=(first, last))
        if len(rest) < 1 or (verb == "set" and len(rest) < 2):
            raise CommandError(usage)
        value = json.loads(rest[1]) if len(rest) > 1 else None
        return Command(verb, obis, int(rest[0]), value)
    except json.JSONDecodeError as e:
        raise CommandError(f"{usage} (JSON: {e.msg})") from None
    except ValueError:
        raise CommandError(usage) from None


async def execute(client: Any, command: Command) -> Result:
    """Run ``command``; a refusal by the meter is a Result with ``ok`` False, a broken session
    raises ``ClientError``."""
    from ..client.values import ValueSpecError, data_tree, to_python
    from ..client.views import render, scaled

    verb, obis = command.verb, command.obis
    if verb == "objects":
        from ..xml.comments import class_text

        objects = await client.objects()
        lines = [f"{o['obis'].display():<18} {class_text(o['class_id'])}, version {o['version']}"
                 for o in objects]
        return Result(command, True, "\n".join(lines), objects)
    if verb == "profile":
        return await _profile(client, command)
    if verb == "get":
        class_id = await client.class_of(obis, command.class_id)
        got = await client.get(obis, command.number, class_id)
        if not got.ok:
            return Result(command, False, f"{command.title()}: {got.error}")
        value, text = to_python(got.data), render(got.data)
        if class_id in (3, 4, 5) and command.number == 2:
            scaler_unit = await client.get(obis, 3, class_id)
            if scaler_unit.ok:
                amount, unit = scaled(value, scaler_unit.data)
                text = f"{amount} {unit or ''}".rstrip()
        return Result(command, True, f"{obis.display()} attribute {command.number}: {text}",
                      value)
    try:
        tree = data_tree(command.value) if command.value is not None else None
    except ValueSpecError as e:
        return Result(command, False, f"{command.title()}: value: {e}")
    if verb == "set":
        outcome = await client.set(obis, command.number, tree)
        return Result(command, outcome == "success", f"{command.title()}: {outcome}")
    outcome, data = await client.action(obis, command.number, tree)
    shown = render(data) if isinstance(data, dict) and "tag" in data else ""
    return Result(command, outcome == "success",
                  f"{command.title()}: {outcome}" + (f" -> {shown}" if shown else ""), data)


async def _profile(client: Any, command: Command) -> Result:
    from ..client.cli import read_profile_columns
    from ..client.views import capture_columns, profile_rows, selective_by_entry
    from ..views.csvview import column_name, row_cells

    obis = command.obis
    class_id = await client.class_of(obis, None)
    columns = await client.get(obis, 3, class_id)
    if not columns.ok:
        return Result(command, False, f"{command.title()}: capture objects: {columns.error}")
    # named and scaled as dlms read/capture --to csv show them (views/csvview.py)
    named = await read_profile_columns(client, capture_columns(columns.data))
    selection = selective_by_entry(*command.entries) if command.entries else None
    buffer = await client.get(obis, 2, class_id, selection)
    if not buffer.ok:
        return Result(command, False, f"{command.title()}: buffer: {buffer.error}")
    rows = profile_rows(buffer.data)
    lines = (["  ".join(column_name(c, i) for i, c in enumerate(named))]
             + ["  ".join(row_cells(row, named)) for row in buffer.data["value"]])
    return Result(command, True, "\n".join(lines), rows)
