"""Deciphered APDUs in the simple XML (issue 5): real elements inside the protected APDU.

References, all from the vectors: ``reference_xml_gurux_decrypted`` (Gurux's simple XML of the
plaintext), ``reference_xml_gurux_simple`` (Gurux's XML of the protected message: where the
security control, invocation counter and system title are read from, independently of our
decoder), ``gurux_decrypted_plaintext`` / ``checks`` (the plaintext octets) and ``hex``.
"""

from __future__ import annotations

import re

import pytest
from lxml import etree

from tests._vectors import data, vector, with_password
from translator import XmlError, decode, decode_all
from translator.security import Keyring, Keys
from translator.xml import from_xml, from_xml_apdus, to_xml

NS = "urn:dlms-translator:xml:1"
OUR = "{" + NS + "}"

# vector id -> the key (in the vector's ``keys``) of the sender's system title when the APDU
# does not carry it (glo- services, and the RLRE, whose AARE is not in the vector)
KEYED = {
    "wrapper-udp-ggc-ic-0001e502": None, "wrapper-udp-ggc-ic-0001e603": None,
    "xdlms-ggc-dummykey-notification": None, "acse-aarq-glo-initiate-greenbook": None,
    "acse-rlre-glo-initiate-response-greenbook": "server_system_title",
    "crypto-glo-get-request-sc20": "system_title", "crypto-glo-get-request-sc10": "system_title",
    "push-lg-e570-encrypted-valid-data": None, "mbus-kaifa-tinetz-ciphered": None,
}
SINGLE = sorted(v for v in KEYED if isinstance(vector(v)["reference_xml_gurux_simple"], str))
JOINED = sorted(set(KEYED) - set(SINGLE))


def keyring(vid: str, authentication: bool = True) -> Keyring:
    k = vector(vid)["keys"]
    ak = k.get("authentication_key") if authentication else None
    return Keyring(Keys(block_cipher_key=k["encryption_key"], authentication_key=ak))


def title(vid: str) -> str | None:
    name = KEYED[vid]
    return vector(vid)["keys"][name] if name else None


def keyed(vid: str, **kw):
    return decode(data(vid), keys=keyring(vid, **kw), system_title=title(vid))


def plain(vid: str):
    return decode(data(vid), system_title=title(vid))


def parse(text: str):
    """Strict parse: our output must be well-formed XML, comments included."""
    return etree.fromstring(text.encode("utf-8"),
                            etree.XMLParser(resolve_entities=False, no_network=True))


def tree(el) -> tuple:
    """(tag, attributes, children) with comments and whitespace ignored."""
    return (el.tag, dict(el.attrib), [tree(c) for c in el if isinstance(c.tag, str)])


def without_ours(t: tuple) -> tuple:
    """The tree without our elements and attributes: what Gurux writes of the message."""
    tag, attrs, children = t
    return (tag, {k: v for k, v in attrs.items() if not k.startswith(OUR)},
            [without_ours(c) for c in children if not c[0].startswith(OUR)])


def views(root) -> list:
    return list(root.iter(OUR + "Deciphered"))


def gurux_security(vid: str) -> tuple[int, int]:
    """(security control, invocation counter) as Gurux's XML of the protected APDU shows them:
    the first octets of the ciphered service (glo-: the Value; general-glo: CipheredService)."""
    ref = vector(vid)["reference_xml_gurux_simple"]
    text = ref if isinstance(ref, str) else "".join(ref)
    m = re.search(r'<(?:glo_\w+|CipheredService) Value="([0-9A-F]{10})', text)
    if m is None:  # joined messages: the general-glo-ciphering is in the first block or segment
        head = re.search(r'Value="DB08[0-9A-F]{16}(?:82[0-9A-F]{4}|81[0-9A-F]{2}|[0-9A-F]{2})'
                         r'([0-9A-F]{10})', text)
        octets = bytes.fromhex(head.group(1))
    else:
        octets = bytes.fromhex(m.group(1))
    return octets[0], int.from_bytes(octets[1:5], "big")


# --- the view is real XML, equal to Gurux's XML of the plaintext -----------------------------------

@pytest.mark.parametrize("vid", sorted(KEYED))
def test_cleartext_is_real_xml_equal_to_gurux_decrypted(vid):
    # show_keys: Gurux shows the AARQ's dedicated key, which we redact by default
    # (test_redaction.py)
    root = parse(to_xml(keyed(vid), show_keys=True))
    found = views(root)
    assert len(found) == 1
    inner = [c for c in found[0] if isinstance(c.tag, str)]
    assert len(inner) == 1
    assert tree(inner[0]) == tree(parse(vector(vid)["reference_xml_gurux_decrypted"]))


@pytest.mark.parametrize("vid", sorted(KEYED))
def test_cleartext_encodes_to_the_plaintext(vid):
    root = parse(to_xml(keyed(vid), show_keys=True))
    inner = next(c for c in views(root)[0] if isinstance(c.tag, str))
    assert from_xml(etree.tostring(inner)) == bytes.fromhex(vector(vid)["gurux_decrypted_plaintext"])


@pytest.mark.parametrize("vid", SINGLE)
def test_view_sits_inside_the_protected_apdu_as_gurux_writes_it(vid):
    """Take our view away and the document is Gurux's XML of the protected message; the view is
    a child of the element that carries the ciphered octets."""
    root = parse(to_xml(keyed(vid), show_keys=True))  # Gurux shows an LLS password
    assert without_ours(tree(root)) == tree(parse(vector(vid)["reference_xml_gurux_simple"]))
    holder = views(root)[0].getparent()
    assert holder.tag.startswith("glo_") or holder.tag == "GeneralGloCiphering"
    ciphered = holder.get("Value") or holder.find("CipheredService").get("Value")
    sc, ic = gurux_security(vid)
    assert bytes.fromhex(ciphered)[:5] == bytes([sc]) + ic.to_bytes(4, "big")


@pytest.mark.parametrize("vid", JOINED)
def test_joined_apdu_is_shown_after_its_frames(vid):
    """Blocks and segments show no protected APDU whole: it follows the frames, in
    <dt:Reassembled>, and the frames are Gurux's, one per reference document."""
    root = parse(to_xml(keyed(vid)))
    assert root.tag == "Messages"
    frames = [c for c in root if isinstance(c.tag, str) and not c.tag.startswith(OUR)]
    refs = vector(vid)["reference_xml_gurux_simple"]
    assert [without_ours(tree(f)) for f in frames] == [without_ours(tree(parse(r))) for r in refs]
    joined = root.findall(OUR + "Reassembled")
    assert len(joined) == 1 and joined[0] is root[-1]
    protected = joined[0][0]
    assert protected.tag == "GeneralGloCiphering"
    assert views(root)[0].getparent() is protected
    assert protected.find("SystemTitle").get("Value") == vector(vid)["checks"]["ggc"]["system_title"].upper()


@pytest.mark.parametrize("vid", sorted(KEYED))
def test_verified_says_whether_a_tag_was_checked(vid):
    """verified="true" exactly when the security control has the A bit and the vector gives the
    authentication key; otherwise "false" with a note saying why."""
    sc, _ = gurux_security(vid)
    view = views(parse(to_xml(keyed(vid))))[0]
    expected = bool(sc & 0x10) and "authentication_key" in vector(vid)["keys"]
    assert view.get("verified") == ("true" if expected else "false")
    if not expected:
        assert view.get("note")


def test_only_the_block_cipher_key_marks_the_tag_not_verified():
    vid = "xdlms-ggc-dummykey-notification"  # SC 30: authenticated and encrypted
    assert gurux_security(vid)[0] == 0x30
    view = views(parse(to_xml(keyed(vid, authentication=False))))[0]
    assert view.get("verified") == "false"
    assert "tag not verified" in view.get("note")


# --- the view is a view: the bytes come back from the protected APDU -----------------------------

LLS_PASSWORDS = {"acse-aarq-glo-initiate-greenbook": b"12345678"}
"""LLS passwords the vectors' descriptions state."""


@pytest.mark.parametrize("numbers", ["hex", "dec"])
@pytest.mark.parametrize("comments", [False, True])
@pytest.mark.parametrize("vid", sorted(KEYED))
def test_round_trip_gives_the_protected_octets(vid, numbers, comments):
    text = to_xml(keyed(vid), numbers=numbers, comments=comments)
    parse(text)
    if 'dt:redacted="password"' in text:  # an LLS AARQ: its owner puts the password back
        text = with_password(text, LLS_PASSWORDS[vid])
    assert from_xml(text) == data(vid)


@pytest.mark.parametrize("vid", JOINED)
def test_round_trip_of_a_message_list(vid):
    msgs = decode_all(data(vid), keys=keyring(vid))
    text = to_xml(msgs)
    assert len(views(parse(text))) == 1
    assert from_xml(text) == data(vid)


@pytest.mark.parametrize("vid", sorted(KEYED))
def test_without_keys_the_output_is_unchanged(vid):
    ours = to_xml(keyed(vid))
    bare = to_xml(plain(vid))
    assert "Deciphered" not in bare and "Reassembled" not in bare
    assert without_ours(tree(parse(ours))) == without_ours(tree(parse(bare)))


def test_a_wrong_key_shows_no_cleartext():
    vid = "crypto-glo-get-request-sc10"
    wrong = Keyring(Keys(block_cipher_key="00" * 16, authentication_key="11" * 16))
    msg = decode(data(vid), keys=wrong, system_title=title(vid), strict=False)
    assert msg.errors
    assert to_xml(msg) == to_xml(plain(vid))


def test_an_edited_cleartext_is_refused_not_dropped():
    """Changing the deciphered GetRequest (attribute 2 -> 3) would be lost on the way back: the
    protected octets do not change without encrypting again, so from_xml says so."""
    vid = "crypto-glo-get-request-sc10"
    text = to_xml(keyed(vid))
    edited = text.replace('<AttributeId Value="02" />', '<AttributeId Value="03" />')
    assert edited != text
    with pytest.raises(XmlError, match="edited"):
        from_xml(edited)
    with pytest.raises(XmlError, match="edited"):
        from_xml(edited, numbers="hex")


def test_a_view_without_digest_is_ignored_and_a_removed_view_changes_nothing():
    vid = "wrapper-udp-ggc-ic-0001e502"
    text = to_xml(keyed(vid))
    assert from_xml(re.sub(r' sha256="[0-9A-F]+"', "", text)) == data(vid)
    root = parse(text)
    view = views(root)[0]
    view.getparent().remove(view)
    assert from_xml(etree.tostring(root)) == data(vid)


def test_a_view_outside_a_message_is_refused():
    vid = "crypto-glo-get-request-sc10"
    root = parse(to_xml(keyed(vid)))
    with pytest.raises(XmlError):
        from_xml(etree.tostring(views(root)[0]))


def test_comments_stay_flat_and_cleartext_gets_its_own_comments():
    """With comments, the view holds one summary comment and the cleartext's usual comments
    (OBIS names): never a comment inside a comment, as Gurux writes."""
    vid = "crypto-glo-get-request-sc10"
    text = to_xml(keyed(vid), comments=True)
    parse(text)
    for body in re.findall(r"<!--(.*?)-->", text, flags=re.DOTALL):
        assert "<" not in body and "--" not in body
    assert len(re.findall(r"<!--deciphered \(tag verified\)", text)) == 1


# --- bare APDUs for protecting ------------------------------------------------------------------

def test_bare_apdus_from_gurux_xml_of_the_plaintext():
    vid = "crypto-glo-get-request-sc10"
    got = from_xml_apdus(vector(vid)["reference_xml_gurux_decrypted"])
    assert got == [bytes.fromhex(vector(vid)["expected"]["plaintext"])]


def test_bare_apdus_refuse_a_framed_message():
    vid = "wrapper-udp-ggc-ic-0001e502"
    with pytest.raises(XmlError, match="not a bare APDU"):
        from_xml_apdus(vector(vid)["reference_xml_gurux_simple"])
