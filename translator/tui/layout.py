"""What the tree and hex panes show of one message, and where a tree node's octets are.

The layers of a message name their spans in one of three spaces: the wire octets of its frames
(frames, HDLC parameters, and LLC/APDU of a single frame), the payload joined from several frames
(LLC/APDU of a reassembled message, DESIGN section 4), or the deciphered plaintext. ``locate``
turns a node's span into ranges of the sections the hex pane draws, so a field of a reassembled
APDU lights up in every frame it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..message import Message
from ..tree import Node, nodes

__all__ = ["WIRE", "PAYLOAD", "PLAIN", "Layer", "Section", "layers", "locate", "sections"]

WIRE, PAYLOAD, PLAIN = "wire", "payload", "plain"
_PAYLOAD_FIELD = {"hdlc": "information", "wrapper": "apdu", "mbus": "data"}
_FRAME_LAYERS = frozenset(_PAYLOAD_FIELD) | {"hdlc_parameters"}


@dataclass(frozen=True, slots=True)
class Layer:
    """A top-level node of the tree pane and the space its spans are in."""

    name: str       # the layer ("hdlc", "apdu", "plaintext", ...)
    space: str      # WIRE, PAYLOAD or PLAIN
    node: Node


@dataclass(frozen=True, slots=True)
class Section:
    """A run of octets the hex pane draws under a title; ``base`` is its first octet's offset
    in its space."""

    space: str
    title: str
    data: bytes
    base: int


def _joined(msg: Message) -> bool:
    return msg.apdu_bytes is not None and msg.apdu_offset is None


def layers(msg: Message) -> list[Layer]:
    """The tree pane's layers: the earlier segments' frames first (Wireshark lists reassembled
    segments too), then the message's own layers; key material stays redacted."""
    out: list[Layer] = []
    count = len(msg.all_frames)
    for i, frame in enumerate(f for part in msg.parts for f in part.frames):
        out.append(Layer(frame.layer, WIRE, nodes(f"{frame.layer} (frame {i + 1} of {count})",
                                                  frame.frame)))
    own = msg.view_tree(show_keys=False).children
    for node in own:
        if node.name == "plaintext":
            space = PLAIN
        elif node.name in _FRAME_LAYERS or not _joined(msg):
            space = WIRE
        else:
            space = PAYLOAD
        if node.name in _PAYLOAD_FIELD and msg.parts:
            node.name = f"{node.name} (frame {count} of {count})"
        out.append(Layer(node.name.split(" ")[0], space, node))
    return out


def _payload_pieces(msg: Message) -> list[tuple[int, int, int]] | None:
    """(payload offset, wire offset, length) of each frame's payload; None when one is not
    contiguous on the wire (escaped) or the APDU came from general-block-transfer blocks."""
    if msg.blocks:
        return None
    pieces, pos = [], 0
    for frame in msg.all_frames:
        name = _PAYLOAD_FIELD.get(frame.layer)
        payload = frame.frame.get(name) if name else None
        span = frame.frame.get("_spans", {}).get(name) if name else None
        if not payload:
            continue
        if span is None or frame.frame.get("escaped"):
            return None
        pieces.append((pos, span[0], len(payload)))
        pos += len(payload)
    return pieces


def sections(msg: Message) -> list[Section]:
    """The hex pane's sections: each frame's wire octets; the reassembled payload when its
    fields cannot be shown on the frames; the deciphered plaintext."""
    out: list[Section] = []
    frames = msg.all_frames
    wire = b"".join(p.raw for p in msg.parts) + msg.raw
    start = msg.parts[0].offset if msg.parts else msg.offset
    if frames:
        for i, f in enumerate(frames):
            title = f"{f.layer} frame {i + 1} of {len(frames)}" if len(frames) > 1 else \
                f"{f.layer} frame"
            out.append(Section(WIRE, f"{title} · {f.end - f.start} octets",
                               wire[f.start - start:f.end - start], f.start))
    else:
        out.append(Section(WIRE, f"{msg.framing} · {len(wire)} octets", wire, start))
    if _joined(msg) and _payload_pieces(msg) is None:
        payload = msg.apdu_bytes if msg.blocks else _payload(msg)
        out.append(Section(PAYLOAD, f"reassembled · {len(payload)} octets", payload, 0))
    plain = getattr(msg.security, "plaintext", None)
    if plain:
        out.append(Section(PLAIN, f"deciphered ({msg.security.protected_name}) · "
                                  f"{len(plain)} octets", bytes(plain), 0))
    return out


def _payload(msg: Message) -> bytes:
    out = b""
    for frame in msg.all_frames:
        name = _PAYLOAD_FIELD.get(frame.layer)
        out += (frame.frame.get(name) if name else b"") or b""
    return out


def locate(msg: Message, layer: Layer, offset: int | None, length: int | None
           ) -> list[tuple[str, int, int]]:
    """(space, offset, length) ranges holding a node's octets; empty when it has no span."""
    if offset is None or not length:
        return []
    if layer.space != PAYLOAD:
        return [(layer.space, offset, length)]
    pieces = _payload_pieces(msg)
    if pieces is None:
        return [(PAYLOAD, offset, length)]
    out, end = [], offset + length
    for pstart, wstart, size in pieces:
        lo, hi = max(offset, pstart), min(end, pstart + size)
        if lo < hi:
            out.append((WIRE, wstart + lo - pstart, hi - lo))
    return out
