"""The fuzzed entry points: ``TARGETS[name](octets)`` runs one input through one of them.

A target may raise the project's own errors (``translator.errors.TranslatorError`` and its
subclasses): that is hostile input refused. Anything else escaping, or an ``AssertionError``
from a broken contract (``encode(decode(x)) == x`` for what decodes without errors, every octet
of ``decode_all`` given back, XML that encodes to the same octets), is a finding. Randomness a
target needs (chunk sizes, a keyring) comes from the input's CRC, so the octets alone replay it.
"""

from __future__ import annotations

import functools
import random
import zlib
from collections.abc import Callable

from translator import decode, decode_all, encode
from translator.errors import TranslatorError
from translator.security import Keyring, Keys

__all__ = ["OWN_ERRORS", "TARGETS", "run"]

OWN_ERRORS: tuple[type[BaseException], ...] = (TranslatorError,)
"""What hostile input may raise: ``DecodeError``, ``EncodeError``, ``XmlError``,
``SecurityError`` (and their subclasses) all derive from ``TranslatorError``."""


def _rng(data: bytes) -> random.Random:
    return random.Random(zlib.crc32(data))


def _round_trip(msg, data: bytes) -> None:
    if not msg.errors:
        again = encode(msg)
        assert again == data, f"encode(decode(x)) != x ({len(again)} vs {len(data)} octets)"


def _decode(layer: str | None) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        if not data:
            return
        try:
            msg = decode(data, layer=layer)
        except TranslatorError as e:
            refused = e
        else:
            _round_trip(msg, data)
            refused = None
        decode(data, layer=layer, strict=False)  # partial trees: the same input, leniently
        if refused is not None:
            raise refused  # counted by type in the long run
    return target


def _joined(msgs, data: bytes) -> None:
    got = b"".join(encode(m) for m in msgs)
    assert got == data, f"decode_all gave back {len(got)} of {len(data)} octets (or others)"


def decode_all_target(data: bytes) -> None:
    if data:
        _joined(decode_all(data), data)


def stream_target(data: bytes) -> None:
    """``StreamDecoder`` fed in chunks of 1 to 64 octets (sizes from the input's CRC)."""
    from translator.decoding import StreamDecoder

    if not data:
        return
    rng = _rng(data)
    layer = rng.choice((None, "hdlc", "wrapper", "mbus"))
    decoder = StreamDecoder(layer=layer)
    out, at = [], 0
    while at < len(data):
        size = rng.choice((1, 2, 3, 7, 16, 64))
        out += decoder.feed(data[at:at + size])
        at += size
    out += decoder.finish()
    _joined(out, data)


def xml_target(data: bytes) -> None:
    """to_xml of what decodes without errors encodes back to its octets, in both dialects
    (keys shown: an LLS password is redacted otherwise, and encode rightly asks for it)."""
    from translator.xml import from_xml, to_xml

    if not data:
        return
    msg = decode(data)
    if msg.errors:
        return
    for dialect in ("simple", "standard"):
        xml = to_xml(msg, dialect=dialect, show_keys=True)
        assert from_xml(xml) == data, f"from_xml(to_xml(decode(x), {dialect!r})) != x"


def from_xml_target(data: bytes) -> None:
    """Any document, hostile or mutated: the XML reader answers with an encoding or an error."""
    from translator.xml import from_xml

    out = from_xml(data.decode("utf-8", "replace"))
    assert isinstance(out, bytes)


@functools.cache
def _keyrings() -> tuple[Keyring, ...]:
    gurux = Keys(block_cipher_key="000102030405060708090A0B0C0D0E0F",
                 authentication_key="D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")
    dummy = Keys(block_cipher_key="4D5944554D4D59474C4F42414C4B4559",
                 authentication_key="4D5944554D4D59474C4F42414C4B4559")
    lg = Keys(block_cipher_key="101112131415161718191A1B1C1D1E1F")
    return (Keyring(gurux), Keyring(dummy), Keyring(lg),
            Keyring(dummy, {"4B464D1010000023": lg, "4D4D4D0000BC614E": gurux}))


def keys_target(data: bytes) -> None:
    """decode_all with published test keys (Gurux, the vectors'): mutated protected APDUs."""
    if not data:
        return
    rng = _rng(data)
    keys = rng.choice(_keyrings())
    title = rng.choice((None, bytes.fromhex("4D4D4D0000BC614E")))
    layer = "apdu" if data[0] in (0xDB, 0xDC, 0xC8, 0xCC, 0xCD, 0xD0, 0xD4, 0xD5, 0xDD, 0xDF,
                                  0xE0, 0x61, 0x60) and rng.random() < 0.7 else None
    _joined(decode_all(data, keys=keys, layer=layer, system_title=title), data)


def trace_target(data: bytes) -> None:
    """The serial trace reader (hex dumps, GXDLMSDirector logs) on any text."""
    from translator.capture.reader import read_trace

    for rec in read_trace(data.decode("utf-8", "replace").splitlines()):
        assert rec.error is None or "\n" not in rec.error, "a multi-line error"


def capture_lines_target(data: bytes) -> None:
    """The capture pipeline behind tshark: its field export (one line per packet), mutated, into
    ``CaptureDecoder`` (TCP reassembly, sessions, associations). Lines tshark would never write
    (not its number format) are skipped: tshark's own output is trusted."""
    from translator.capture import tshark
    from translator.capture.reader import CaptureDecoder

    rng = _rng(data)
    decoder = CaptureDecoder(rng.choice((None, _keyrings()[0])))
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            packet = tshark.parse_line(line)
        except ValueError:
            continue
        if packet is not None:
            for rec in decoder.packet(packet):
                assert rec.error is None or "\n" not in rec.error, "a multi-line error"
    decoder.finish()


@functools.cache
def _client_ready():
    from translator.client.association import Association
    from translator.client.requests import AttributeRef
    from translator.client.settings import AssociationSettings

    # the AARE of the Gurux wrapper session (LN, no security, max PDU 0xFFFF)
    aare = bytes.fromhex("6129a109060760857405080101a203020100a305a103020100be10040e0800065f1f"
                         "0400401e5dffff0007")
    return Association, AttributeRef, AssociationSettings, aare


def client_target(data: bytes) -> None:
    """The client's sans-io association: an AARE, then any reply to a GET (or any AARE)."""
    Association, AttributeRef, AssociationSettings, aare = _client_ready()
    assoc = Association(AssociationSettings())
    assoc.associate()
    assoc.apdus_to_send()
    if _rng(data).random() < 0.2:
        assoc.receive_apdu(data)  # the reply to the AARQ itself
        return
    assoc.receive_apdu(aare)
    assoc.get(AttributeRef(8, bytes((0, 0, 1, 0, 0, 255)), 2))
    assoc.apdus_to_send()
    assoc.receive_apdu(data)
    assoc.apdus_to_send()


@functools.cache
def _meter_model():
    from translator.simulator import load_model
    return load_model()


def simulator_target(data: bytes) -> None:
    """The simulator's association answers any request with APDUs (or refuses it)."""
    from translator.simulator import ServerSettings
    from translator.simulator.association import ServerAssociation

    meter = ServerAssociation(_meter_model(), ServerSettings())
    replies = meter.receive_apdu(data)
    assert all(isinstance(r, bytes) for r in replies)


def _chunks(data: bytes):
    rng = _rng(data)
    at = 0
    while at < len(data):
        size = rng.choice((1, 5, 17, 64, 1000))
        yield data[at:at + size]
        at += size


def client_link_target(data: bytes) -> None:
    """The client's sans-io links (HDLC as Gurux's meter addresses it, wrapper) fed mutated
    server octets in chunks, answering what they queue; an APDU sent now and then."""
    from translator.client.hdlc import HdlcAddress, HdlcLink
    from translator.client.wrapper import WrapperLink

    if data[:2] == b"\x00\x01":
        link = WrapperLink(16, 1)
    else:
        link = HdlcLink(client_address=1, server=HdlcAddress(logical=1, physical=17, size=2))
        link.connect()
    link.data_to_send()
    for i, chunk in enumerate(_chunks(data)):
        link.receive_data(chunk)
        if i % 3 == 1 and getattr(link, "state", "connected") == "connected":
            link.send_apdu(bytes.fromhex("c001c100080000010000ff0200"))
        assert isinstance(link.data_to_send(), bytes)


def server_link_target(data: bytes) -> None:
    """The simulator's links (HDLC at 1/17, wrapper) fed mutated client octets in chunks."""
    from translator.simulator.hdlc import ServerHdlcLink
    from translator.simulator.wrapper import ServerWrapperLink

    link = ServerWrapperLink() if data[:2] == b"\x00\x01" else ServerHdlcLink()
    for chunk in _chunks(data):
        link.receive_data(chunk)
        assert isinstance(link.data_to_send(), bytes)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "decode_auto": _decode(None),
    "decode_hdlc": _decode("hdlc"),
    "decode_wrapper": _decode("wrapper"),
    "decode_mbus": _decode("mbus"),
    "decode_apdu": _decode("apdu"),
    "decode_data": _decode("data"),
    "decode_all": decode_all_target,
    "stream": stream_target,
    "xml": xml_target,
    "from_xml": from_xml_target,
    "keys": keys_target,
    "trace": trace_target,
    "capture_lines": capture_lines_target,
    "client": client_target,
    "simulator": simulator_target,
    "client_link": client_link_target,
    "server_link": server_link_target,
}
"""Target name -> function of one input; ``dlms capture`` on files is fuzzed apart (a
subprocess each: tests/fuzz/test_capture_cli_mutations.py and ``bench/fuzz_long.py --capture``)."""


def run(target: str, data: bytes) -> BaseException | None:
    """Run one input; the exception that is a finding (not the project's own), else None."""
    try:
        TARGETS[target](data)
    except OWN_ERRORS:
        return None
    except RecursionError as e:  # before Exception: never caught as "own" by accident
        return e
    except Exception as e:  # noqa: BLE001  (any other exception is what the fuzzer looks for)
        return e
    return None
