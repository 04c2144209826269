"""CRC-16/X.25, the HCS and FCS of IEC 62056-46 HDLC frames, computed at C speed.

The standard library has no reflected CRC-16, but ``binascii.crc_hqx`` (CRC-CCITT, MSB first) over
bit-reversed octets, with its result bit-reversed and inverted, equals the reflected X.25 CRC.
A per-octet Python loop would cost more than the rest of a frame's decoding.
"""

from __future__ import annotations

from binascii import crc_hqx

__all__ = ["check_ok", "check_sequence", "crc16_x25"]

# Each octet with its bit order reversed: 0x01 -> 0x80, 0x03 -> 0xC0 ...
_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def crc16_x25(data: bytes) -> int:
    """CRC-16/X.25 of ``data`` (0x1021 reflected, init/xorout 0xFFFF); b"123456789" -> 0x906E."""
    r = crc_hqx(bytes(data).translate(_REVERSED), 0xFFFF)
    return ((_REVERSED[r & 0xFF] << 8) | _REVERSED[r >> 8]) ^ 0xFFFF


def check_sequence(data: bytes) -> bytes:
    """The two octets of an HCS or FCS over ``data``, as sent: least significant octet first."""
    return crc16_x25(data).to_bytes(2, "little")


def check_ok(data: bytes, sequence: bytes) -> bool:
    """Whether ``sequence`` is the HCS/FCS of ``data``."""
    return check_sequence(data) == bytes(sequence)
