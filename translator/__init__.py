"""DLMS/COSEM translator: decode and encode every IEC 62056 layer through one set of schemas."""

from .capture import read_capture
from .decoding import decode, decode_all, encode
from .errors import (
    ChecksumError,
    DecodeError,
    EncodeError,
    SecurityError,
    TranslatorError,
    XmlError,
)
from .message import Message
from .xml import from_xml, from_xml_messages, to_xml

__all__ = [
    "decode", "decode_all", "encode", "Message", "to_xml", "from_xml", "from_xml_messages",
    "read_capture",
    "DecodeError", "ChecksumError", "EncodeError", "SecurityError", "TranslatorError", "XmlError",
]
__version__ = "0.1.0"
