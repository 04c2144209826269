"""A decoded DLMS message: the frames it came from, its LLC header, its APDU, and what went wrong.

A message is what one COSEM service exchange puts on the wire: one frame, or several frames
(HDLC segments, general-block-transfer blocks, M-Bus segments) whose payloads were joined. A run of
octets that is no frame at all is a message too, of framing ``garbage``, so that the messages of
a stream always cover every input octet exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from .errors import ChecksumError
from .schema.protection import QUIRK_NAMES
from .security.redaction import password_redacted, redacted
from .tree import Node, attach, nodes


@dataclass
class Message:
    """One decoded message; ``encode`` turns it back into exactly the octets it came from."""

    framing: str                          # "hdlc", "wrapper", "mbus", "apdu", "data", "garbage"
    offset: int = 0                       # first input octet of the message
    raw: bytes = b""                      # every input octet the message covers
    frames: list[Any] = field(default_factory=list)     # its own stream.framing.Frame items
    llc: Any = None                       # the parsed LLC header, if any
    blocks: list[Any] = field(default_factory=list)   # general-block-transfer APDUs joined here
    parts: list[Message] = field(default_factory=list)  # earlier segments/blocks joined here
    part_of: Message | None = None      # the message this segment or block was joined into
    apdu: Any = None                      # the decoded APDU (or A-XDR Data for framing "data")
    apdu_bytes: bytes | None = None       # its octets (joined when it came in several parts)
    apdu_offset: int | None = None        # its offset in the input; None when it was joined
    extra: bytes = b""                    # octets after a complete APDU (an error, kept)
    parameters: Any = None                # HDLC SNRM/UA parameters
    reject: Any = None                    # HDLC FRMR information field (why a frame was refused)
    security: Any = None                  # security.Unprotected: plaintext, its APDU, verified
    notes: list[str] = field(default_factory=list)   # e.g. which key is missing
    errors: list[Exception] = field(default_factory=list)  # DecodeError, SecurityError
    warnings: list[Any] = field(default_factory=list)  # errors.ExpertNote: decoded anyway
    partial: Any = None                   # the APDU decoded up to its error (``apdu`` is None)
    whole: bool = False                   # stands for its parts too (``decode`` of segments):
                                          # ``encode`` then gives every frame, theirs first

    # -- what a user asks first -------------------------------------------------------------
    @property
    def all_frames(self) -> list[Any]:
        """Every frame the message's octets came from, its parts' first (in arrival order)."""
        return [f for p in self.parts for f in p.frames] + self.frames

    @property
    def fatal(self) -> bool:
        """True when a structural error (not merely a bad checksum) stopped decoding."""
        errors = self.errors
        return bool(errors) and any(not isinstance(e, ChecksumError) for e in errors)

    @property
    def cleartext(self) -> Any:
        """The APDU in clear: the deciphered one when the message was protected, else ``apdu``."""
        if self.security is not None and self.security.apdu is not None:
            return self.security.apdu
        return self.apdu

    @property
    def service(self) -> str | None:
        """The APDU's service name, e.g. ``get_request_normal``, ``aarq``, ``data_notification``."""
        if self.apdu is None or self.framing == "data":
            return None
        return apdu_service(self.apdu)

    @property
    def invoke_id(self) -> int | None:
        """The (long-)invoke-id-and-priority field of the APDU in clear, if it has one."""
        return _find(self.cleartext, ("invoke_id_and_priority", "long_invoke_id_and_priority"))

    @property
    def layers(self) -> list[tuple[str, Any]]:
        """(layer name, parsed container) from the outside in."""
        out: list[tuple[str, Any]] = [(f.layer, f.frame) for f in self.frames]
        if self.parameters is not None:
            out.append(("hdlc_parameters", self.parameters))
        if self.reject is not None:
            out.append(("frame_reject", self.reject))
        if self.llc is not None:
            out.append(("llc", self.llc))
        out.extend(("gbt", b) for b in self.blocks)
        if self.apdu is not None:
            out.append(("data" if self.framing == "data" else "apdu", self.apdu))
        elif self.partial is not None:
            out.append(("data" if self.framing == "data" else "apdu", self.partial))
        if self.extra:
            out.append(("extra_octets", self.extra))
        if self.security is not None and self.security.apdu is not None:
            out.append(("plaintext", self.security.apdu))
        return out

    @property
    def tree(self) -> Node:
        """The generic node tree of every layer, with spans (APDU spans are into ``apdu_bytes``
        when the APDU was joined from several frames); key material that deciphering revealed
        is redacted (``view_tree(show_keys=True)`` shows it)."""
        return self.view_tree()

    def view_tree(self, show_keys: bool = False) -> Node:
        """``tree``, with the deciphered APDU's key material shown when ``show_keys``."""
        root = Node(self.framing, None, self.offset, len(self.raw))
        for name, container in self.layers:
            if name == "plaintext" and not show_keys:
                container = redacted(container)
            elif name == "apdu" and not show_keys:
                container = password_redacted(container)
            root.children.append(nodes(name, container, self._extra_span()
                                       if name == "extra_octets" else None))
        if self.warnings:  # offsets into the APDU's octets, as its spans
            apdu = next((n for n in root.children if n.name in ("apdu", "data")), root)
            for note in self.warnings:
                attach(apdu, note.offset, note)
        return root

    def _extra_span(self) -> tuple[int, int]:
        """Where the octets after the APDU are (into ``apdu_bytes`` when the APDU was joined)."""
        end = (self.apdu_offset or 0) + len(self.apdu_bytes or b"")
        return end - len(self.extra), len(self.extra)

    @property
    def spans(self) -> dict[str, tuple[int, int]]:
        """Dotted field path -> (offset, length), for every field that has a span."""
        out: dict[str, tuple[int, int]] = {}

        def walk(node: Node, prefix: str) -> None:
            for child in node.children:
                path = f"{prefix}.{child.name}" if prefix else child.name
                if child.offset is not None:
                    out[path] = (child.offset, child.length)
                walk(child, path)

        walk(self.tree, "")
        return out

    def __repr__(self) -> str:
        what = self.service or self.framing
        err = f", {len(self.errors)} error(s)" if self.errors else ""
        return f"<Message {self.framing} {what} at {self.offset}+{len(self.raw)}{err}>"


# Python 3.12 and 3.13 do not specialize the store of an instance attribute that the class also
# holds (a dataclass keeps each plain default as a class attribute): 12 of the 19 stores of
# ``Message.__init__`` stayed generic there, which doubled its cost (0.37 -> 0.74 us). Every
# instance sets all its fields in ``__init__``, so the class copies of the defaults are dropped;
# the defaults themselves live in ``__init__`` (and ``dataclasses.fields``).
for _f in fields(Message):
    if _f.name in vars(Message) and not isinstance(vars(Message)[_f.name], property):
        delattr(Message, _f.name)
del _f


def _find(value: Any, names: tuple[str, ...]) -> Any:
    """The first field named one of ``names``, depth first through containers and lists."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if key in names:
                return sub
            if isinstance(sub, (dict, list)) and not key.startswith("_"):
                found = _find(sub, names)
                if found is not None:
                    return found
    elif isinstance(value, list):
        for sub in value:
            found = _find(sub, names)
            if found is not None:
                return found
    return None


_SERVICE_CHOICES = {
    "get_request", "get_response", "set_request", "set_response", "action_request",
    "action_response",
}


def apdu_service(apdu: Any) -> str | None:
    """The service of a decoded APDU container: the CHOICE alternative for get/set/action, the
    APDU's name otherwise (a quirk tag's service when the schema kept its number)."""
    if not isinstance(apdu, dict) or "tag" not in apdu:
        return None
    tag = apdu["tag"]
    if isinstance(tag, int) and not isinstance(tag, str):  # a tag the Enum has no name for
        return QUIRK_NAMES.get(int(tag), f"apdu_0x{int(tag):02X}")
    name = str(tag)
    body = apdu.get("body")
    if name in _SERVICE_CHOICES and isinstance(body, dict) and "tag" in body:
        return str(body["tag"])
    return name
