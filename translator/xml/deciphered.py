"""The cleartext of a protected APDU as real XML, inside the protected APDU's element.

Why an element and not a comment: Gurux shows decrypted content in comments, and its Python port
then nests comments and writes malformed XML; an element in our namespace stays well-formed and
can be queried like the rest of the document. The element is a view: ``from_xml`` gives back
the protected octets exactly as they came and never re-encrypts. So that an edited cleartext is
not dropped silently, ``sha256`` holds a short digest of the plaintext and ``from_xml`` refuses a
document whose deciphered part no longer encodes to it (protect anew with ``dlms encode
--protect``). Key material the plaintext reveals (an InitiateRequest's dedicated key) is shown
as zeros, named in ``redacted``, unless ``to_xml(show_keys=True)``; the digest is then the one of
the zeroed plaintext.

    <glo_GetRequest Value="2001234567...">
      <dt:Deciphered verified="false" note="encryption only: ..." sha256="...">
        <GetRequest> ... the cleartext APDU, as Gurux writes its simple XML ... </GetRequest>
      </dt:Deciphered>
    </glo_GetRequest>

In a standard-dialect document the view's APDU is written in the standard dialect as well, in
its ``<x:xDLMS-APDU>`` wrapper (standard.py converts it both ways; a view still in the simple
dialect is read as it is), and the digest is checked on the simple APDU it maps back to.

A protected APDU that no frame shows whole (joined from HDLC or M-Bus segments or from
general-block-transfer blocks) is shown after the frames, in ``<dt:Reassembled>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from ..errors import XmlError
from ..security.redaction import blanked
from .context import OUR, InCtx, OutCtx, fail
from .formats import hexstr
from .spec import NS_PREFIX
from .writer import Comment, El

__all__ = ["DECIPHERED", "REASSEMBLED", "EditedView", "Views", "check", "detach", "element",
           "pending", "reassembled"]

DECIPHERED = "Deciphered"
REASSEMBLED = "Reassembled"
_DIGEST_OCTETS = 8


class EditedView(XmlError):
    """A deciphered part that was edited: the protected octets would not carry it."""


def digest(plaintext: bytes) -> str:
    """The first octets of the plaintext's SHA-256, in hex (edit detection, not security)."""
    return hashlib.sha256(plaintext).hexdigest()[:2 * _DIGEST_OCTETS].upper()


# --- output -------------------------------------------------------------------------------------

def pending(msg: Any) -> Any:
    """The message's ``security.Unprotected`` (keys given and a protected APDU found), or None."""
    return getattr(msg, "security", None)


def element(sec: Any, ctx: OutCtx) -> El:
    """``<dt:Deciphered>`` of one ``security.Unprotected``: its state and the cleartext APDU.

    Key material the cleartext reveals (a dedicated key) is zeroed unless ``ctx.show_keys``,
    and ``redacted`` names the fields; ``sha256`` is then the digest of the zeroed plaintext,
    which the view still encodes to."""
    apdu, plaintext, hidden = sec.apdu, sec.plaintext, []
    if not ctx.show_keys and apdu is not None:
        apdu, plaintext, hidden = blanked(apdu, plaintext)
    attrs = {"verified": "true" if sec.verified else "false"}
    if sec.note:
        attrs["note"] = sec.note
    if sec.apdu is None and sec.error is not None:
        attrs["error"] = str(sec.error)
    if hidden:
        attrs["redacted"] = " ".join(hidden)
    attrs["sha256"] = digest(plaintext)
    el = El(f"{NS_PREFIX}:{DECIPHERED}", attrs, container=True)
    ctx.ns_used = True
    if ctx.comments:
        what = str(sec.apdu["tag"]) if sec.apdu is not None else "no APDU"
        state = "tag verified" if sec.verified else "tag not verified"
        el.add(Comment(f"deciphered ({state}): {what}, {len(sec.plaintext)} octets"))
    saved, ctx.deciphered = ctx.deciphered, None  # the cleartext is never decorated itself
    try:
        if apdu is None:
            from .spec import simple_spec
            el.add(El(simple_spec()["framing"]["raw"], {"Value": hexstr(plaintext)}))
        else:
            ctx.tables.apdu_write(apdu, el, ctx, need_el=True)
    finally:
        ctx.deciphered = saved
    return el


def reassembled(msg: Any, ctx: OutCtx) -> El:
    """``<dt:Reassembled>``: the joined protected APDU (with its ``<dt:Deciphered>``)."""
    el = El(f"{NS_PREFIX}:{REASSEMBLED}", {"octets": str(len(msg.apdu_bytes or b""))},
            container=True)
    ctx.ns_used = True
    ctx.tables.apdu_write(msg.apdu, el, ctx, need_el=True)
    return el


# --- input --------------------------------------------------------------------------------------

Views = list[Any]


def detach(root: Any) -> Views:
    """Take every ``<dt:Deciphered>`` and ``<dt:Reassembled>`` out of the parsed document, so
    that the readers see the protected APDUs alone; returns the ``Deciphered`` ones to check."""
    views = list(root.iter(OUR + DECIPHERED))
    for el in views + list(root.iter(OUR + REASSEMBLED)):
        parent = el.getparent()
        if parent is None:
            raise fail(el, "a view of a protected APDU, not a message")
        parent.remove(el)
    return views


def check(views: Views, ctx: InCtx, read: Callable[[Any, InCtx], bytes]) -> None:
    """Each deciphered part must still encode to the plaintext its ``sha256`` names."""
    for view in views:
        want = view.get("sha256")
        children = [c for c in view if isinstance(c.tag, str)]
        if len(children) != 1:
            raise EditedView(str(fail(view, "holds exactly one APDU (the cleartext)")))
        if want is None:
            continue  # written by hand: nothing to compare with, and nothing is re-encrypted
        try:
            got = digest(read(children[0], ctx))
        except XmlError as e:
            raise EditedView(f"{e} (in the deciphered view)") from None
        if got != want.strip().upper():
            raise EditedView(str(fail(view, "the deciphered APDU was edited; from_xml gives the "
                                            "protected octets as they are and does not encrypt "
                                            "again (use dlms encode --protect)")))
