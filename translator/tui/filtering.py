"""The filter box's language: words that must all hold, checked as the user types.

    get                      service name contains "get" (any bare word: service or summary)
    service:GetRequest       service name contains it (case-insensitive)
    obis:1-0:1.8.0*255       the APDU names that logical name (any OBIS notation)
    invoke:1  id:0xC1        the invoke-id, or the whole invoke-id-and-priority
    title:4142434445464748   a system title of the message or its association (hex, or a prefix)
    assoc:tcp:0#1            one association (what "follow association" puts here)
    stream:tcp:0             one connection
    errors  warnings  ciphered  deciphered  reassembled    flags
    !word                    the word must not hold

termshark filters with Wireshark's display filters; ours names DLMS facts directly, so a
head-end engineer can type ``obis:1.0.1.8.0.255 errors`` without learning a grammar.
"""

from __future__ import annotations

from collections.abc import Callable

from ..cosem.obis import ObisCode
from .rows import CIPHERED, DECIPHERED, ERROR, REASSEMBLED, WARNING, Row

__all__ = ["FilterError", "Predicate", "parse_filter"]

Predicate = Callable[[Row], bool]

_FLAGS = {"errors": ERROR, "error": ERROR, "warnings": WARNING, "warning": WARNING,
          "ciphered": CIPHERED, "deciphered": DECIPHERED, "reassembled": REASSEMBLED}


class FilterError(ValueError):
    """A filter that does not parse; the message says which word and why."""


def _int(text: str, what: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise FilterError(f"{what}: {text!r} is not a number") from None


def _term(word: str) -> Predicate:
    key, sep, value = word.partition(":")
    key = key.lower()
    if not sep:
        if key in _FLAGS:
            bit = _FLAGS[key]
            return lambda row: bool(row.flags & bit)
        low = word.lower()
        return lambda row: low in (row.service or "").lower() or low in row.summary.lower()
    if not value:
        raise FilterError(f"{key}: a value is missing")
    if key == "service":
        low = value.lower()
        return lambda row: low in (row.service or "").lower()
    if key == "obis":
        try:
            code = bytes(ObisCode(value))
        except ValueError as e:
            raise FilterError(str(e)) from None
        return lambda row: code in row.obis
    if key in ("invoke", "id"):
        number = _int(value, key)
        return lambda row: row.invoke_id is not None and number in (row.invoke_id,
                                                                    row.invoke_number)
    if key == "title":
        text = value.replace(" ", "").upper()
        try:
            bytes.fromhex(text if len(text) % 2 == 0 else text + "0")
        except ValueError:
            raise FilterError(f"title: {value!r} is not hex") from None
        return lambda row: any(t.hex().upper().startswith(text) for t in row.titles)
    if key == "assoc":
        return lambda row: row.association_key == value
    if key == "stream":
        return lambda row: row.stream == value
    raise FilterError(f"unknown filter {key!r} (service, obis, invoke, title, assoc, stream, "
                      "errors, warnings, ciphered, deciphered, reassembled)")


def parse_filter(text: str) -> Predicate | None:
    """A predicate over rows (None for an empty filter); ``FilterError`` when it is invalid."""
    terms: list[Predicate] = []
    for word in text.split():
        negate = word.startswith("!")
        if negate:
            word = word[1:]
            if not word:
                raise FilterError("! needs a word after it")
        term = _term(word)
        terms.append((lambda t: lambda row: not t(row))(term) if negate else term)
    if not terms:
        return None
    if len(terms) == 1:
        return terms[0]
    return lambda row: all(t(row) for t in terms)
