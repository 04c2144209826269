"""Structure-aware inputs: well-formed envelopes around hostile content, which blind mutation
of real octets rarely reaches (deep nesting, huge declared lengths, odd compact-array type
descriptions, flags and escapes inside HDLC frames, a wrapper length of 0xFFFF, GBT and
datablock chains with gaps and repeats).

Every generator is ``gen(rng) -> (target, octets)``: the entry point it is meant for and its
input. The frames are laid out here by hand, from the standards (IEC 62056-46 HDLC, -47
wrapper, Green Book GBT and GET-Response-with-datablock), not by the code under test.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from translator.crc import check_sequence
from translator.schema._core import MAX_NESTING

__all__ = ["GENERATORS", "axdr_leaf", "hdlc_frame", "nested_axdr", "wrapper_frame"]

_LEAVES = ("00", "0300", "0301", "0f80", "1100", "12ffff", "0600000001", "090100",
           "0a03414243", "0402c0", "1601", "1700000000", "19" + "ff" * 12, "1b" + "ff" * 4,
           "14" + "00" * 8, "ff", "0d12")


def axdr_leaf(rng: random.Random) -> bytes:
    return bytes.fromhex(rng.choice(_LEAVES))


def nested_axdr(rng: random.Random, depth: int | None = None) -> bytes:
    """Arrays and structures nested ``depth`` deep (around the nesting bound by default), some
    levels with siblings."""
    if depth is None:
        depth = rng.choice((MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 1, rng.randint(1, 200)))
    out = axdr_leaf(rng)
    for _ in range(depth):
        siblings = [axdr_leaf(rng) for _ in range(rng.choice((0, 0, 0, 1, 2)))]
        tag = rng.choice((b"\x01", b"\x02"))
        out = tag + bytes([1 + len(siblings)]) + b"".join(siblings[:1]) + out + b"".join(
            siblings[1:])
    return out


def _huge_length(rng: random.Random) -> bytes:
    return rng.choice((b"\x84\xff\xff\xff\xff", b"\x83\xff\xff\xff", b"\x82\xff\xff",
                       b"\x81\xff", b"\x7f", b"\x80", b"\x85\x01\x00\x00\x00\x00"))


def huge_lengths(rng: random.Random) -> bytes:
    """A-XDR strings, arrays and bit-strings whose length says far more than follows."""
    tag = rng.choice((b"\x09", b"\x0a", b"\x0c", b"\x01", b"\x02", b"\x04", b"\x13\x01\x00\x11"))
    return tag + _huge_length(rng) + bytes(rng.randrange(256) for _ in range(rng.randint(0, 12)))


def _type_description(rng: random.Random, depth: int = 0) -> bytes:
    kind = rng.randrange(6) if depth < 60 else 5
    if kind == 0:  # array: count (Unsigned16), element type
        count = rng.choice((0, 1, 2, 0xFFFF, rng.randrange(65536)))
        return b"\x01" + count.to_bytes(2, "big") + _type_description(rng, depth + 1)
    if kind == 1:  # structure: count, member types
        n = rng.choice((0, 1, 2, 3, 0x7F))
        members = [_type_description(rng, depth + 1) for _ in range(min(n, 3))]
        return b"\x02" + bytes([n]) + b"".join(members)
    if kind == 2:  # null-data / dont-care: zero octets per value
        return rng.choice((b"\x00", b"\xff"))
    if kind == 3:  # a tag no type description has (compact-array itself, unknown)
        return bytes([rng.choice((0x13, 0x07, 0x08, 0x0b, 0x0e, 0x22, 0xfe))])
    return bytes([rng.choice((0x03, 0x04, 0x06, 0x09, 0x0a, 0x11, 0x12, 0x17, 0x19, 0x1b))])


def compact_array(rng: random.Random) -> bytes:
    """compact-array (tag 19) with odd type descriptions and contents of any length."""
    contents = bytes(rng.randrange(256) for _ in range(rng.choice((0, 1, 5, 40))))
    length = rng.choice((len(contents).to_bytes(1, "big") if len(contents) < 0x80 else b"\x81" +
                         bytes([len(contents)]), _huge_length(rng)))
    return b"\x13" + _type_description(rng) + length + contents


def hdlc_frame(info: bytes, rng: random.Random | None = None, control: int = 0x10,
               segmented: bool = False) -> bytes:
    """One HDLC frame (format type 3, one-octet addresses) with HCS and FCS over ``info``."""
    dst, src = b"\x03", b"\x21"
    length = 2 + len(dst) + len(src) + 1 + (2 + len(info) + 2 if info else 2)
    head = bytes([0xA0 | (0x08 if segmented else 0) | (length >> 8) & 0x07, length & 0xFF])
    head += dst + src + bytes([control])
    body = head + (check_sequence(head) + info if info else b"")
    return b"\x7e" + body + check_sequence(body) + b"\x7e"


def hdlc_with_flags(rng: random.Random) -> bytes:
    """Frames whose information field (and so maybe HCS/FCS) holds 0x7E and 0x7D octets."""
    info = b"\xe6\xe7\x00" + bytes(rng.choice((0x7E, 0x7D, 0x5E, 0x5D, rng.randrange(256)))
                                   for _ in range(rng.randint(0, 40)))
    frames = [hdlc_frame(info, rng, control=rng.choice((0x10, 0x13, 0x32, 0x54)),
                         segmented=rng.random() < 0.3) for _ in range(rng.randint(1, 3))]
    return b"".join(frames)


def wrapper_frame(apdu: bytes, length: int | None = None) -> bytes:
    """A wrapper header (version 1, wPorts 0x10/0x01) and ``apdu``; ``length`` overrides the
    header's length field."""
    n = len(apdu) if length is None else length
    return b"\x00\x01\x00\x10\x00\x01" + n.to_bytes(2, "big") + apdu


def wrapper_ffff(rng: random.Random) -> bytes:
    """Wrapper length 0xFFFF with fewer, exactly as many, or more octets behind it."""
    size = rng.choice((0, 10, 0xFFFF, 0xFFFF + 9))
    apdu = bytes([0xC4]) + bytes(rng.randrange(256) for _ in range(min(size, 64))) + bytes(
        max(0, size - 65))
    return wrapper_frame(apdu, 0xFFFF)


def _gbt_block(number: int, ack: int, last: bool, data: bytes, window: int = 1) -> bytes:
    control = (0x80 if last else 0) | (window & 0x3F)
    return (b"\xe0" + bytes([control]) + number.to_bytes(2, "big") + ack.to_bytes(2, "big") +
            _len(len(data)) + data)


def _len(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else b"\x82" + n.to_bytes(2, "big")


def _chain_numbers(rng: random.Random, count: int) -> list[int]:
    numbers = list(range(1, count + 1))
    for _ in range(rng.randint(0, 2)):
        op = rng.randrange(3)
        i = rng.randrange(len(numbers))
        if op == 0 and len(numbers) > 1:
            del numbers[i]                          # a gap
        elif op == 1:
            numbers.insert(i, numbers[i])           # a repeat
        else:
            numbers[i] = rng.randrange(65536)       # out of order
    return numbers


def gbt_chain(rng: random.Random) -> bytes:
    """General-block-transfer blocks of one GET-Response in wrapper frames, with gaps, repeats
    and a last block that may be missing or early."""
    apdu = b"\xc4\x01\xc1\x00" + nested_axdr(rng, rng.randint(1, 6)) + bytes(rng.randint(0, 60))
    numbers = _chain_numbers(rng, rng.randint(1, 5))
    size = max(1, len(apdu) // len(numbers) + 1)
    out = b""
    for k, number in enumerate(numbers):
        last = k == len(numbers) - 1 if rng.random() < 0.8 else rng.random() < 0.5
        out += wrapper_frame(_gbt_block(number, rng.choice((0, number - 1)), last,
                                        apdu[k * size:(k + 1) * size]))
    return out


def datablock_chain(rng: random.Random) -> bytes:
    """GET-Response-with-datablock (C4 02) blocks in HDLC frames, with gaps and repeats."""
    raw = nested_axdr(rng, rng.randint(1, 5)) + bytes(rng.randint(0, 30))
    numbers = _chain_numbers(rng, rng.randint(1, 4))
    size = max(1, len(raw) // len(numbers) + 1)
    out = b""
    for k, number in enumerate(numbers):
        last = k == len(numbers) - 1
        part = raw[k * size:(k + 1) * size]
        apdu = (b"\xc4\x02\xc1" + bytes([last]) + number.to_bytes(4, "big") + b"\x00" +
                _len(len(part)) + part)
        out += hdlc_frame(b"\xe6\xe7\x00" + apdu, rng, control=0x10 + 0x22 * k % 0x100)
    return out


def get_response(rng: random.Random) -> bytes:
    """A GET-Response-Normal (C4 01 C1 00) around a generated value."""
    value = rng.choice((nested_axdr, huge_lengths, compact_array))(rng)
    return b"\xc4\x01\xc1\x00" + value


_XML_LEAVES = ('<NullData />', '<UInt8 Value="07" />', '<OctetString Value="0102" />',
               '<OctetString Value="0" />', '<UInt16 Value="FFFFF" />', '<Boolean Value="2" />',
               '<VisibleString Value="&amp;#x0;" />', '<Float64 Value="nan" />',
               '<BitString Value="1012" />', '<DateTime Value="FFFFFFFFFFFFFFFFFFFFFFFF" />')


def hostile_xml(rng: random.Random) -> bytes:
    """Simple-dialect XML: nesting around the bound, counts that lie, odd values, DTDs."""
    depth = rng.choice((MAX_NESTING, MAX_NESTING + 1, rng.randint(0, 120)))
    inner = rng.choice(_XML_LEAVES)
    for _ in range(depth):
        kind = rng.choice(("Array", "Structure"))
        qty = rng.choice(("01", "02", "00", "FFFF", "x", ""))
        inner = f'<{kind} Qty="{qty}">{inner}</{kind}>'
    doc = rng.choice((inner, f"<GetResponse><GetResponseNormal><InvokeIdAndPriority "
                             f'Value="C1" /><Result><Data>{inner}</Data></Result>'
                             "</GetResponseNormal></GetResponse>"))
    if rng.random() < 0.1:
        doc = '<!DOCTYPE x [<!ENTITY e "' + "a" * 50 + '">]>' + doc.replace("07", "&e;")
    return doc.encode()


GENERATORS: dict[str, Callable[[random.Random], tuple[str, bytes]]] = {
    "nested_data": lambda rng: ("decode_data", nested_axdr(rng)),
    "nested_apdu": lambda rng: ("decode_apdu", get_response(rng)),
    "nested_wrapper": lambda rng: ("decode_all", wrapper_frame(get_response(rng))),
    "nested_hdlc": lambda rng: ("decode_hdlc", hdlc_frame(b"\xe6\xe7\x00" + get_response(rng))),
    "huge_lengths": lambda rng: ("decode_data", huge_lengths(rng)),
    "compact_array": lambda rng: ("decode_data", compact_array(rng)),
    "hdlc_flags": lambda rng: ("stream", hdlc_with_flags(rng)),
    "wrapper_ffff": lambda rng: ("decode_all", wrapper_ffff(rng)),
    "gbt_chain": lambda rng: ("decode_all", gbt_chain(rng)),
    "datablock_chain": lambda rng: ("decode_all", datablock_chain(rng)),
    "hostile_xml": lambda rng: ("from_xml", hostile_xml(rng)),
}
"""Name -> generator of ``(target, octets)``."""
