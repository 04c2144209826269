"""Events the sans-io client layers return: small frozen records, never changed once returned.

The link layers (``HdlcLink``, ``WrapperLink``) give these from ``receive_data``; the transport
loop reacts to them. ``ProtocolError`` is an event rather than an exception because a peer's
mistake is news to report, not a crash of the caller; asking a layer to do something its state
does not allow is the caller's bug and raises ``LocalProtocolError`` instead (h11's split).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ApduReceived",
    "LinkEstablished",
    "LinkReleased",
    "LinkWarning",
    "LocalProtocolError",
    "ProtocolError",
    "RemoteProtocolError",
]


class LocalProtocolError(RuntimeError):
    """The caller asked a layer for something its state does not allow (a bad transition)."""


class RemoteProtocolError(ValueError):
    """The peer broke the protocol so that the layer cannot go on (raised by callers that
    prefer exceptions to ``ProtocolError`` events)."""


@dataclass(frozen=True, slots=True)
class LinkEstablished:
    """UA answered SNRM; ``parameters`` are the negotiated values seen from the client:
    ``max_info_transmit``, ``max_info_receive``, ``window_transmit``, ``window_receive``."""

    parameters: dict


@dataclass(frozen=True, slots=True)
class ApduReceived:
    """One whole APDU from the server, LLC header removed and segments joined.

    ``llc_missing``: the frames carried no E6 E7 00 (Gurux-based meters send their RLRE so);
    ``frames``: the octets of every frame that carried it, as received."""

    apdu: bytes
    llc_missing: bool = False
    frames: tuple = ()


@dataclass(frozen=True, slots=True)
class LinkReleased:
    """The link is down: UA or DM answered DISC, or the server sent DM on its own."""

    reason: str


@dataclass(frozen=True, slots=True)
class LinkWarning:
    """Something was wrong on the line and was dealt with (a bad FCS frame discarded, garbage
    skipped, a repeated frame dropped); the session goes on."""

    text: str


@dataclass(frozen=True, slots=True)
class ProtocolError:
    """The session cannot go on as it was: ``remote`` True when the peer broke the protocol
    (DM to SNRM, FRMR, a wrong N(S)), False when the fault is on this side."""

    message: str
    remote: bool = True

    @property
    def local(self) -> bool:
        return not self.remote
