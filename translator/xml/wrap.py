"""Put bare APDUs into frames, as Gurux's XmlClient does with the messages of a script.

XmlClient message files hold bare APDUs; to send them it frames each one for the link. ``Framer``
does the same for ``dlms encode --hdlc/--wrapper``: an HDLC I-frame per APDU (client -> server,
N(S) and N(R) counting up together, poll bit set, LLC E6 E6 00 before a request and E6 E7 00
before anything else) or an IEC 62056-47 wrapper header. The frames are built by the schemas.
"""

from __future__ import annotations

from ..schema import _core
from ..schema.apdu import APDU_NAMES
from ..schema.hdlc import HdlcFrame, address_size
from ..schema.llc import LLC_COMMAND, LLC_RESPONSE
from ..schema.wrapper import WrapperFrame
from .spec import simple_spec

__all__ = ["FRAMINGS", "Framer"]

FRAMINGS = ("hdlc", "wrapper")
_COMMANDS = frozenset(simple_spec()["command_apdus"])


def _address(value: int) -> dict:
    return {"size": address_size(value), "address": value}


class Framer:
    """Frames APDUs one after another for one association (keeps the HDLC sequence numbers).

    ``client``/``server`` are the HDLC addresses (server: the joined logical/physical address, as
    in ``<TargetAddress>``) or the wrapper wPorts.
    """

    def __init__(self, framing: str, client: int = 0x10, server: int = 1) -> None:
        if framing not in FRAMINGS:
            raise ValueError(f"framing must be one of {', '.join(FRAMINGS)}, not {framing!r}")
        self.framing = framing
        self.client = client
        self.server = server
        self.sequence = 0

    def frame(self, apdu: bytes) -> bytes:
        if self.framing == "wrapper":
            return _core.build(WrapperFrame, {"version": None, "source_wport": self.client,
                                              "destination_wport": self.server, "length": None,
                                              "apdu": apdu}, "wrapper")
        name = APDU_NAMES.get(apdu[0]) if apdu else None
        llc = LLC_COMMAND if name in _COMMANDS else LLC_RESPONSE
        n = self.sequence
        self.sequence = (n + 1) % 8
        frame = {
            "opening_flag": True, "format": {"segmentation": False, "length": None},
            "destination_address": _address(self.server), "source_address": _address(self.client),
            "control": {"kind": "i", "pf": True, "ns": n, "nr": n},
            "hcs": None, "information": llc + apdu, "fcs": None, "closing_flag": True,
        }
        return _core.build(HdlcFrame, frame, "hdlc")
