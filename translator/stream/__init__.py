"""Byte streams: frame finders (resync after garbage), reassembly and session tracking."""

from .framing import FINDERS, Frame, Garbage, Item, detect, find_hdlc, find_mbus, find_wrapper

__all__ = [
    "FINDERS",
    "Frame",
    "Garbage",
    "Item",
    "detect",
    "find_hdlc",
    "find_mbus",
    "find_wrapper",
]
