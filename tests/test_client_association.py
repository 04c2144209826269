"""The client's association state machine driven by real sessions, with no socket.

The two Gurux sessions in ``captures/`` (recorded between gurux-dlms's client and its server)
are replayed APDU for APDU: configured as the Gurux client was (its conformance, max PDU,
challenge, system title, invocation counter, fixed invoke id 1), ``Association`` must send the
very octets the Gurux client sent, and must make of the server's octets what the capture notes
say they hold.
"""

from __future__ import annotations

import datetime
import shutil

import pytest

from translator import read_capture
from translator.assembly import payload_bytes
from translator.client import requests as rq
from translator.client.association import (
    Associated,
    Association,
    AssociationError,
    AssociationWarning,
    Released,
    Response,
)
from translator.client.settings import AssociationSettings
from translator.client.values import to_python
from translator.schema.initiate import conformance_names
from translator.security import Keyring, unprotect

from .peers import KEYS, ROOT

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")

WRAPPER = ROOT / "captures" / "gurux_session_wrapper_tcp4059.pcapng"
HDLC_HLS = ROOT / "captures" / "gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng"
CLOCK = bytes((0, 0, 1, 0, 0, 255))
REGISTER = bytes((1, 0, 1, 8, 0, 255))
PROFILE = bytes((1, 0, 99, 1, 0, 255))


def _apdus(path, strip_llc: bool) -> list[tuple[str, bytes]]:
    """(direction, APDU) in capture order, segments joined (messages that carry an APDU)."""
    out = []
    for rec in read_capture(str(path)):
        data = payload_bytes(rec.message)
        if not data or rec.message.part_of is not None:
            continue
        side = "client" if rec.dst.endswith(":4059") else "server"
        out.append((side, data[3:] if strip_llc else data))
    return out


def _gurux_conformance(aarq: bytes) -> tuple[str, ...]:
    """The conformance bits the Gurux client proposed (read from its AARQ's last octets:
    5F 1F 04 00 b1 b2 b3 then the max PDU size)."""
    i = aarq.index(b"\x5f\x1f\x04\x00")
    return tuple(conformance_names(int.from_bytes(aarq[i + 4:i + 7], "big")))


def test_wrapper_session_replayed():
    apdus = _apdus(WRAPPER, strip_llc=False)
    client = [a for side, a in apdus if side == "client"]
    server = [a for side, a in apdus if side == "server"]
    settings = AssociationSettings(conformance=_gurux_conformance(client[0]), invoke_id=1)
    assoc = Association(settings)
    assoc.associate()
    assert assoc.apdus_to_send() == [client[0]]          # the AARQ, octet for octet
    (event,) = assoc.receive_apdu(server[0])
    assert isinstance(event, Associated) and not event.authenticated
    assert assoc.state == "associated"

    reads = [(15, rq.ASSOCIATION_LN, 2, None), (8, CLOCK, 2, None),
             (1, bytes((0, 0, 42, 0, 0, 255)), 2, None), (3, REGISTER, 2, None),
             (3, REGISTER, 3, None), (7, PROFILE, 3, None), (7, PROFILE, 7, None)]
    results = []
    for i, (class_id, obis, attribute, sel) in enumerate(reads, start=1):
        assoc.get(rq.AttributeRef(class_id, obis, attribute, sel))
        assert assoc.apdus_to_send() == [client[i]]
        (event,) = assoc.receive_apdu(server[i])
        assert isinstance(event, Response) and event.results[0].ok
        results.append(to_python(event.results[0].data))
    objects, clock, name, energy, scaler_unit, columns, entries = results
    # the peer meter's README: five objects, register 12345678 with scaler -1 and unit 30 (Wh),
    # logical device name GRXPEER000000001, capture objects clock.2 + register.2, 5 entries
    assert sorted(o[0] for o in objects) == [1, 3, 7, 8, 15]
    assert name == b"GRXPEER000000001" and energy == 12345678 and scaler_unit == [-1, 30]
    assert columns == [[8, CLOCK, 2, 0], [3, REGISTER, 2, 0]] and entries == 5
    assert len(clock) == 12

    # by entry 1..3, then by range: the same octets as the Gurux client's selective access
    from translator.client.views import selective_by_entry
    assoc.get(rq.AttributeRef(7, PROFILE, 2, selective_by_entry(1, 3)))
    assert assoc.apdus_to_send() == [client[8]]
    (event,) = assoc.receive_apdu(server[8])
    rows = to_python(event.results[0].data)
    assert [r[1] for r in rows] == [12344678, 12344928, 12345178]

    from translator.client.views import selective_by_range
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    assoc.get(rq.AttributeRef(7, PROFILE, 2, selective_by_range(
        (8, CLOCK, 2), start, start + datetime.timedelta(minutes=30))))
    assert assoc.apdus_to_send() == [client[9]]
    (event,) = assoc.receive_apdu(server[9])
    assert [r[1] for r in to_python(event.results[0].data)] == [12344678, 12344928, 12345178]

    assoc.release()
    assert assoc.apdus_to_send() == [client[10]]
    (event,) = assoc.receive_apdu(server[10])
    assert isinstance(event, Released) and assoc.state == "released"


def test_hdlc_hls_gmac_session_replayed():
    """Suite 0, HLS-GMAC: the AARQ (ciphered InitiateRequest) and the HLS pass 3 come out as the
    Gurux client's octets; the server's f(CtoS) verifies; every general-glo response deciphers."""
    keys = Keyring.load(KEYS)
    apdus = _apdus(HDLC_HLS, strip_llc=True)
    client = [a for side, a in apdus if side == "client"]
    server = [a for side, a in apdus if side == "server"]
    aarq = client[0]
    ctos = bytes.fromhex("21B734F473D1E2495E53E532959A2340")   # the capture's challenge
    plain_aarq_info = unprotect(aarq[aarq.index(b"\x21\x1f"):], keys,
                                bytes.fromhex("4142434445464748")).plaintext
    settings = AssociationSettings(
        authentication="gmac", keys=keys, system_title=bytes.fromhex("4142434445464748"),
        security_control=0x30, challenge=ctos, invoke_id=1,
        conformance=_gurux_conformance(plain_aarq_info),
        max_pdu_size=int.from_bytes(plain_aarq_info[-2:], "big"))
    assoc = Association(settings)
    assoc.associate()
    assert assoc.apdus_to_send() == [aarq]
    assert assoc.receive_apdu(server[0]) == []                 # HLS: pass 3 queued
    assert assoc.state == "authenticating"
    assert assoc.apdus_to_send() == [client[1]]                # glo-action-request, IC 3
    events = assoc.receive_apdu(server[1])
    assert [type(e) for e in events] == [Associated] and events[0].authenticated

    # later requests go as glo- here (Gurux's client used general-glo): compare plaintexts
    for request, response in zip(client[2:-1], server[2:-1]):
        plain = unprotect(request, keys).apdu
        assoc.request(_build(plain))
        (ours,) = assoc.apdus_to_send()
        assert unprotect(ours, keys, settings.system_title).plaintext == \
            unprotect(request, keys).plaintext
        events = [e for e in assoc.receive_apdu(response) if not isinstance(e, AssociationWarning)]
        assert isinstance(events[-1], Response)
    assoc.release()
    assert assoc.apdus_to_send() == [client[-1]]
    assert isinstance(assoc.receive_apdu(server[-1])[-1], Released)


def _build(tree) -> bytes:
    from translator.schema._core import build
    from translator.schema.apdu import Apdu
    return build(Apdu, tree, "apdu")


def test_wrong_key_is_refused_in_one_line():
    keys = Keyring.loads('[default]\nblock_cipher_key = "000102030405060708090A0B0C0D0E0F"\n'
                         'authentication_key = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDE"\n')
    apdus = _apdus(HDLC_HLS, strip_llc=True)
    server = [a for side, a in apdus if side == "server"]
    settings = AssociationSettings(authentication="gmac", keys=keys,
                                   system_title=bytes.fromhex("4142434445464748"),
                                   security_control=0x30)
    assoc = Association(settings)
    assoc.associate()
    assoc.apdus_to_send()
    with pytest.raises(AssociationError, match="check the keys"):
        assoc.receive_apdu(server[0])


def test_state_table_refuses_out_of_order_requests():
    assoc = Association(AssociationSettings())
    with pytest.raises(AssociationError) as e:
        assoc.get(rq.AttributeRef(8, CLOCK, 2))
    assert not e.value.remote and "state idle" in str(e.value)
    assoc.associate()
    with pytest.raises(AssociationError):
        assoc.associate()


# --- SET and ACTION octets against the vectors (the gurux-dlms meter is read-only) ----------

def _vector(name: str) -> bytes:
    from ._vectors import data
    return data(name)


def _associated(invoke_id: int, aare: bytes | None = None) -> Association:
    """An association opened with a real AARE (the Gurux wrapper session's, max PDU 0xFFFF)."""
    apdus = _apdus(WRAPPER, strip_llc=False)
    assoc = Association(AssociationSettings(invoke_id=invoke_id))
    assoc.associate()
    assoc.apdus_to_send()
    assoc.receive_apdu(aare or apdus[1][1])
    assert assoc.state == "associated"
    return assoc


def test_set_request_normal_is_the_vectors_octets():
    expected = _vector("xdlms-set-request-clock")
    assoc = _associated(invoke_id=1)
    clock = expected[-12:]        # the date-time the vector writes
    assoc.set([rq.AttributeRef(8, CLOCK, 2)], [{"tag": "octet_string", "value": clock}])
    assert assoc.apdus_to_send() == [expected]
    (event,) = assoc.receive_apdu(_vector("xdlms-c501c100-4"))
    assert event.results == ("success",)


def test_action_request_normal_is_the_vectors_octets():
    assoc = _associated(invoke_id=0)
    assoc.action(rq.MethodRef(15, rq.ASSOCIATION_LN, 1))
    assert assoc.apdus_to_send() == [_vector("xdlms-c301c000-13")]
    (event,) = assoc.receive_apdu(_vector("xdlms-c701c000-5"))
    assert event.results == (("success", None),)


def test_a_5_kb_set_goes_in_blocks_the_server_accepts():
    """The server's max PDU (500, from the dlms-cosem AARE vector) bounds every block; the joined
    raw data is the A-XDR octet string (09 82 13 88 and the 5,000 octets); the server's
    block acknowledgements (written here from the Green Book ASN.1) drive the next blocks."""
    from translator import decode
    value = bytes(range(256)) * 19 + bytes(136)
    assert len(value) == 5000
    assoc = _associated(invoke_id=1, aare=_vector("acse-aare-58"))
    assert assoc.server_max_pdu == 500
    assoc.set([rq.AttributeRef(1, bytes((0, 0, 96, 1, 0, 255)), 2)],
              [{"tag": "octet_string", "value": value}])
    raw, number, events = b"", 1, []
    while True:
        (apdu,) = assoc.apdus_to_send()
        assert len(apdu) <= 500
        body = decode(apdu, layer="apdu").apdu["body"]
        block = body["set_request"]["datablock"]
        assert int(block["block_number"]) == number
        assert str(body["tag"]) == ("set_request_with_first_datablock" if number == 1
                                    else "set_request_with_datablock")
        raw += bytes(block["raw_data"])
        if block["last_block"]:
            events = assoc.receive_apdu(bytes.fromhex(f"C503C100{number:08X}"))
            break
        assert assoc.receive_apdu(bytes.fromhex(f"C502C1{number:08X}")) == []
        number += 1
    assert number > 10 and raw == bytes.fromhex("09821388") + value
    assert events[0].results == ("success",)


def test_gurux_rlre_with_short_lengths_is_a_warning_or_refused():
    """Gurux's server writes its RLRE with both lengths short (63 0E .. BE 0F: peers README);
    the client takes it as the release with a warning, or refuses it with ``strict``."""
    rlre = bytes.fromhex("630E800100BE0F040E0800065F1F0400401E5DFFFF0007")
    for strict in (False, True):
        assoc = _associated(invoke_id=1)
        assoc.settings = AssociationSettings(strict=strict)
        assoc.release()
        assoc.apdus_to_send()
        if strict:
            with pytest.raises(AssociationError, match="--strict"):
                assoc.receive_apdu(rlre)
        else:
            *warnings, released = assoc.receive_apdu(rlre)
            # both lengths: the RLRE's (14 for 21 octets) and the user-information's (15 for 16)
            assert [w.text for w in warnings] == [
                "acse at offset 1: Gurux RLRE, its lengths too short: length says 14, the "
                "content takes 21",
                "acse at offset 6: Gurux RLRE, its lengths too short: length says 15, the "
                "content takes 16"]
            assert isinstance(released, Released)


def test_invocation_counter_file_never_repeats(tmp_path):
    from translator.client.counters import InvocationCounter
    path = tmp_path / "ic.json"
    first = InvocationCounter(1, b"ABCDEFGH", path)
    assert [first.take(), first.take()] == [1, 2]
    again = InvocationCounter(1, b"ABCDEFGH", path)     # a new session starts after the last one
    assert again.take() == 3
    other = InvocationCounter(1, b"OTHERTTL", path)
    assert other.take() == 1


def test_general_block_transfer_blocks_join_into_the_push():
    """The Landis+Gyr E450 push: three GBT blocks (E0 40 0001, E0 40 0002, E0 C0 0003) in HDLC
    frames; the association joins them into the DataNotification that the decoder's own GBT
    reassembly (``decode_all``) finds, and streaming blocks are not acknowledged."""
    from translator import decode_all
    from translator.client.association import Notification
    from translator.schema._core import parse
    from translator.schema.hdlc import HdlcFrame
    from translator.schema.llc import LLC_RESPONSE

    from ._vectors import frames

    assoc = Association(AssociationSettings())
    events = []
    for frame in frames("push-lg-e450-unencrypted-valid-data1"):
        info = parse(HdlcFrame, frame, "hdlc")["information"]
        # the meter puts the LLC E6 E7 00 in front of the first block only
        events += assoc.receive_apdu(info[3:] if info.startswith(LLC_RESPONSE) else info)
    assert assoc.apdus_to_send() == []
    (event,) = events
    assert isinstance(event, Notification)
    joined = [m for m in decode_all(b"".join(frames("push-lg-e450-unencrypted-valid-data1")))
              if m.service == "data_notification"]
    assert event.apdu == joined[-1].apdu


def test_a_gbt_window_is_acknowledged():
    """A block that ends a window (streaming bit clear, not the last) gets an acknowledgement:
    E0, block control 01 (window 1), our block number 1, the acknowledged block, no data."""
    assoc = Association(AssociationSettings(gbt=True))
    assert "general_block_transfer" in assoc.settings.proposed_conformance
    assert assoc.receive_apdu(bytes.fromhex("E00000010000030F0000")) == []
    assert assoc.apdus_to_send() == [bytes.fromhex("E0010001000100")]
