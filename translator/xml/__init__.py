"""XML views of decoded messages: the Gurux simple dialect and the DLMS UA standard dialect
(``dialect="standard"``, standard.py), both ways, with a hardened parser.

``to_xml(message)`` renders a ``translator.Message`` (or a list of them); ``from_xml(text)`` turns
such XML (either dialect, detected), Gurux's own output or a Gurux XmlClient message file back
into bytes, byte-exact.
"""

from ..errors import XmlError
from .simple import apdu_xml, from_xml, from_xml_apdus, from_xml_messages, to_xml

__all__ = ["XmlError", "apdu_xml", "from_xml", "from_xml_apdus", "from_xml_messages", "to_xml"]
