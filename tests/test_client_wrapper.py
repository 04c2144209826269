"""The client's wrapper link against the real Gurux wrapper session, with no socket."""

from __future__ import annotations

from tests.test_capture import capture_path, needs_tshark
from translator import decode_all
from translator.capture.tshark import tcp_exchange
from translator.client.events import ApduReceived, ProtocolError
from translator.client.wrapper import WrapperLink
from translator.schema._core import build
from translator.schema.wrapper import WrapperFrame

GURUX = "gurux_session_wrapper_tcp4059.pcapng"


def apdus(stream: bytes) -> list[bytes]:
    return [m.apdu_bytes for m in decode_all(stream) if m.apdu_bytes]


@needs_tshark
def test_gurux_wrapper_session_replayed():
    """Each client segment is what the link builds for the APDUs the decoder finds in it; each
    server segment gives back the decoder's APDUs."""
    exchange = tcp_exchange(str(capture_path(GURUX)))
    link = WrapperLink(client_wport=16, server_wport=1)
    got, want = [], []
    for side, octets in exchange:
        if side == 0:
            for apdu in apdus(octets):
                link.send_apdu(apdu)
            assert link.data_to_send() == octets
        else:
            events = link.receive_data(octets)
            assert all(isinstance(e, ApduReceived) for e in events)
            got += [e.apdu for e in events]
            want += apdus(octets)
    assert got == want and len(got) == sum(side for side, _ in exchange)


@needs_tshark
def test_gurux_wrapper_server_stream_one_octet_at_a_time():
    exchange = tcp_exchange(str(capture_path(GURUX)))
    server = b"".join(o for side, o in exchange if side == 1)
    link = WrapperLink(16, 1)
    events = [e for b in server for e in link.receive_data(bytes([b]))]
    assert [e.apdu for e in events] == apdus(server)
    assert b"".join(e.frames[0] for e in events) == server


def frame(source: int, destination: int, apdu: bytes) -> bytes:
    return build(WrapperFrame, {"source_wport": source, "destination_wport": destination,
                                "length": None, "apdu": apdu}, "wrapper")


def test_unexpected_wports_refused():
    link = WrapperLink(16, 1)
    (event,) = link.receive_data(frame(2, 16, bytes.fromhex("c401c1000900")))
    assert isinstance(event, ProtocolError) and event.remote and "wPort 2" in event.message


def test_garbage_refused_and_the_next_frame_still_read():
    link = WrapperLink(16, 1)
    good = frame(1, 16, bytes.fromhex("c401c1000900"))
    events = link.receive_data(b"\xde\xad" + good)
    assert isinstance(events[0], ProtocolError) and events[0].remote
    assert events[1] == ApduReceived(bytes.fromhex("c401c1000900"), False, (good,))
