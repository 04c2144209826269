"""XML views of decoded messages: the Gurux simple dialect, both ways, with a hardened parser.

``to_xml(message)`` renders a ``translator.Message`` (or a list of them); ``from_xml(text)`` turns
such XML, Gurux's own output or a Gurux XmlClient message file back into bytes, byte-exact.
"""

from ..errors import XmlError
from .simple import apdu_xml, from_xml, from_xml_apdus, from_xml_messages, to_xml

__all__ = ["XmlError", "apdu_xml", "from_xml", "from_xml_apdus", "from_xml_messages", "to_xml"]
