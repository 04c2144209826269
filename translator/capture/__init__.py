"""Captures: pcap/pcapng files (through tshark) and hex traces to decoded DLMS messages.

``read_capture(path, keys=None, port=None, display_filter=None)`` yields one ``Record`` per
DLMS message (or reported problem), streaming: memory does not grow with the file's size.
"""

from .reader import CaptureDecoder, read_capture, read_trace
from .records import CLIENT_TO_SERVER, SERVER_TO_CLIENT, Record, Stats
from .session import SECURITY_AVAILABLE, Session
from .tshark import CaptureError, find_tshark

__all__ = [
    "CLIENT_TO_SERVER",
    "SECURITY_AVAILABLE",
    "SERVER_TO_CLIENT",
    "CaptureDecoder",
    "CaptureError",
    "Record",
    "Session",
    "Stats",
    "find_tshark",
    "read_capture",
    "read_trace",
]
