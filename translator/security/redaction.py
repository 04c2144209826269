"""Key material that only deciphering revealed stays out of views unless the user asks for it.

A ciphered InitiateRequest (a glo-initiate-request, or general-glo-ciphering of one) may carry
the association's dedicated key. Whoever holds the global keys can read it, but a decoded view
written to a terminal, a log or a file must not spread it: keys never appear in default output.
The API keeps the cleartext whole (``msg.security.apdu``); views replace the secret octets with a
``Redacted`` marker (XML: zeros, see ``blanked``) and show them only with ``show_keys``. Octets
seen in clear on the wire are never hidden: they are no secret of ours, and views of them must
stay byte-exact. The one exception is the LLS password: sent in clear by design, it is still a
secret of the user's, so text, JSON and capture views show it as ``Redacted`` too, and the XML
view writes zeros marked ``dt:redacted="password"``, which ``from_xml`` refuses until the user
puts the password back (no other octets hold it, unlike a deciphered key).
"""

from __future__ import annotations

from typing import Any

__all__ = ["LOW_LEVEL_SECURITY", "SECRET_FIELDS", "Redacted", "blanked", "password_redacted",
           "redacted"]

SECRET_FIELDS: dict[str, tuple[str, ...]] = {"initiate_request": ("dedicated_key",)}
"""Cleartext APDU name -> the fields of its body that hold key material."""


class Redacted:
    """Stands for octets a view does not show; only their number is told."""

    __slots__ = ("length",)

    def __init__(self, length: int) -> None:
        self.length = length

    def __str__(self) -> str:
        return f"redacted ({self.length} octets)"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Redacted) and other.length == self.length

    __hash__ = None  # type: ignore[assignment]


def _secrets(apdu: Any) -> list[str]:
    """The secret fields ``apdu`` holds a value for."""
    if not isinstance(apdu, dict):
        return []
    names = SECRET_FIELDS.get(str(apdu.get("tag")), ())
    body = apdu.get("body")
    if not names or not isinstance(body, dict):
        return []
    return [name for name in names if body.get(name)]


LOW_LEVEL_SECURITY = "2.16.756.5.8.2.1"
"""The LLS mechanism: its AARQ carries the password itself as calling-authentication-value."""


def _lls_redacted(apdu: Any) -> Any:
    """An AARQ whose LLS password is replaced by ``Redacted`` (a copy; spans kept), or None
    when ``apdu`` carries no password (another APDU, HLS: a challenge is no secret)."""
    body = apdu.get("body")
    components = body.get("components") if isinstance(body, dict) else None
    if not isinstance(components, list):
        return None
    mechanism = next((c["value"] for c in components if c.get("tag") == "mechanism_name"), None)
    if not isinstance(mechanism, dict) or mechanism.get("oid") != LOW_LEVEL_SECURITY:
        return None
    out = []
    for item in components:
        value = item.get("value")
        if item.get("tag") == "calling_authentication_value" and isinstance(value, dict) \
                and isinstance(value.get("value"), (bytes, bytearray)):
            value = value.copy()
            value["value"] = Redacted(len(value["value"]))
            item = item.copy()
            item["value"] = value
        out.append(item)
    return _with_body(apdu, {"components": type(components)(out)})


def password_redacted(apdu: Any) -> Any:
    """An APDU as seen on the wire, its LLS password (the one secret sent in clear) replaced by
    ``Redacted``; ``apdu`` itself when it carries none."""
    if isinstance(apdu, dict) and str(apdu.get("tag")) == "aarq":
        return _lls_redacted(apdu) or apdu
    return apdu


def redacted(apdu: Any) -> Any:
    """``apdu`` with its secret fields replaced by ``Redacted`` (a copy; spans kept), or ``apdu``
    itself when it holds none: key material deciphering revealed, and an AARQ's LLS password."""
    if isinstance(apdu, dict) and str(apdu.get("tag")) == "aarq":
        return password_redacted(apdu)
    names = _secrets(apdu)
    if not names:
        return apdu
    return _with_body(apdu, {name: Redacted(len(apdu["body"][name])) for name in names})


def blanked(apdu: Any, plaintext: bytes) -> tuple[Any, bytes, list[str]]:
    """For views that must still encode (XML): ``apdu`` and ``plaintext`` with each secret value's
    octets zeroed (the field keeps its length), and the names of the fields blanked."""
    names = _secrets(apdu)
    if not names:
        return apdu, plaintext, []
    body = apdu["body"]
    text = bytearray(plaintext)
    zeros = {}
    for name in names:
        start, length = body["_spans"][name]
        size = len(body[name])
        zeros[name] = bytes(size)
        text[start + length - size:start + length] = bytes(size)  # after presence flag, length
    return _with_body(apdu, zeros), bytes(text), names


def _with_body(apdu: Any, changes: dict[str, Any]) -> Any:
    """A copy of ``apdu`` whose body has ``changes`` (the original is left as it is)."""
    body = apdu["body"].copy()
    body.update(changes)
    out = apdu.copy()
    out["body"] = body
    return out
