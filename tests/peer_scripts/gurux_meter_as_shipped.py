"""The peers' gurux meter with one of its fix-ups undone, so that its AARE carries the
responding-authentication-value as gurux-dlms 1.0.203 itself writes it: ``AA 10 80 10`` and 16
octets of challenge, the outer length 2 short (../shared/peers/README.md, "What had to be fixed").

Run in the peers' interpreter: ``python gurux_meter_as_shipped.py PEERS_DIR [meter options]``.
It only imports the peer (never part of the product) and rewrites the one length octet back.
"""

import sys

sys.path.insert(0, sys.argv[1])

import gurux_meter  # noqa: E402

_fixed = gurux_meter.PeerMeter.handleAarqRequest


def _as_shipped(self, data, connection_info):
    start = len(self.replyData)
    _fixed(self, data, connection_info)
    challenge = self.settings.stoCChallenge
    if not challenge:
        return
    n = len(challenge)
    written = bytes(self.replyData._data[start:len(self.replyData)])
    at = written.find(bytes([0xAA, n + 2, 0x80, n]) + bytes(challenge))
    if at >= 0:
        self.replyData.setUInt8(n, start + at + 1)


gurux_meter.PeerMeter.handleAarqRequest = _as_shipped
sys.exit(gurux_meter.main(sys.argv[2:]))
