"""CRC-16/X.25, the HCS and FCS of IEC 62056-46 HDLC frames, computed at C speed.

The standard library has no reflected CRC-16, but ``binascii.crc_hqx`` (CRC-CCITT, MSB first) over
bit-reversed octets, with its result bit-reversed and inverted, equals the reflected X.25 CRC.
A per-octet Python loop would cost more than the rest of a frame's decoding.
"""

from __future__ import annotations

from binascii import crc_hqx

__all__ = ["check_sequence", "crc16_x25"]

# Each octet with its bit order reversed: 0x01 -> 0x80, 0x03 -> 0xC0 ...
_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))
# ... and inverted: the final XOR with 0xFFFF, applied octet by octet.
_REVERSED_INVERTED = bytes(x ^ 0xFF for x in _REVERSED)


def crc16_x25(data: bytes) -> int:
    """CRC-16/X.25 of ``data`` (0x1021 reflected, init/xorout 0xFFFF); b"123456789" -> 0x906E."""
    return int.from_bytes(check_sequence(data), "little")


def check_sequence(data: bytes) -> bytes:
    """The two octets of an HCS or FCS over ``data``, as sent: least significant octet first.

    The register's high octet, bit-reversed and inverted, is the first octet sent (two C-level
    translations instead of Python arithmetic: this runs twice per HDLC frame)."""
    if type(data) is not bytes:
        data = bytes(data)
    return crc_hqx(data.translate(_REVERSED), 0xFFFF).to_bytes(2, "big").translate(
        _REVERSED_INVERTED)
