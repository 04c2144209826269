"""Acceptance 3 of issue 12: a faulty peer is answered or dropped alone.

Each test runs the simulator in this event loop over loopback, opens a well-behaved association
with our client first, lets a faulty peer do its worst on its own socket, and asserts both what
the faulty peer got (octets decoded by the schemas, or the connection closed) and that the good
association kept getting the model's values the whole time.
"""

from __future__ import annotations

import asyncio
import contextlib
import tomllib
from pathlib import Path

import pytest

from translator.client import requests as rq
from translator.client.association import Association
from translator.client.errors import ClientError
from translator.client.session import Client
from translator.client.settings import AssociationSettings
from translator.client.values import to_python
from translator.client.wrapper import WrapperLink
from translator.schema._core import parse
from translator.schema.apdu import Apdu
from translator.security import Keyring
from translator.simulator import LinkOptions, ServerSettings, Simulator, load_model

from .peers import CLIENT_TITLE, KEYS

MODEL = Path(__file__).resolve().parents[1] / "translator" / "simulator" / "default_model.toml"
VALUE = tomllib.loads(MODEL.read_text())["objects"]["1.0.1.8.0.255"]["value"][
    "double_long_unsigned"]
REGISTER = rq.AttributeRef(3, bytes([1, 0, 1, 8, 0, 255]), 2)


async def _serve(framing: str = "wrapper", frame_timeout: float = 2.0) -> tuple[Simulator, int]:
    simulator = Simulator(load_model(), ServerSettings(keys=Keyring.load(KEYS)),
                          LinkOptions(framing=framing, frame_timeout=frame_timeout))
    server = await simulator.serve_tcp("127.0.0.1", 0)
    return simulator, server.sockets[0].getsockname()[1]


async def _good_reader(framing: str, port: int, stop: asyncio.Event) -> int:
    """Reads the register again and again until ``stop``; every value must be the model's."""
    url = f"{'hdlc+tcp' if framing == 'hdlc' else 'tcp'}://127.0.0.1:{port}"
    reads = 0
    async with Client(url, AssociationSettings(authentication="low", password=b"12345678"),
                      timeout=5) as meter:
        while not stop.is_set():
            result = await meter.get("1.0.1.8.0.255", 2, class_id=3)
            assert to_python(result.data) == VALUE
            reads += 1
            await asyncio.sleep(0.02)
    return reads


async def _with_good_reader(framing: str, fault) -> tuple[object, int]:
    """Run ``fault(port)`` while a good association reads; returns its result and the reads."""
    simulator, port = await _serve(framing)
    stop = asyncio.Event()
    try:
        good = asyncio.create_task(_good_reader(framing, port, stop))
        await asyncio.sleep(0.3)
        got = await fault(port)
        await asyncio.sleep(0.3)
        stop.set()
        reads = await good
    finally:
        await simulator.close()
    return got, reads


async def _drain(reader: asyncio.StreamReader, within: float) -> tuple[bytes, bool]:
    """Everything the simulator sends until it closes the connection (True) or ``within``."""
    data = b""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(within):
            while True:
                chunk = await reader.read(4096)
                if not chunk:
                    return data, True
                data += chunk
    return data, False


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def _sending(octets: bytes):
    """A fault: send ``octets``, then take what comes back until the meter closes (or 5 s)."""
    async def fault(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(octets)
        got = await _drain(reader, 5)
        writer.close()
        return got
    return fault


def _huge_length() -> bytes:
    """A wrapper header announcing 65535 octets, and two of them."""
    frame = WrapperLink()
    frame.send_apdu(b"\x60" * 0xFFFF)
    return frame.data_to_send()[:8] + b"\x60\x1d"


@pytest.mark.parametrize("octets", [b"GET / HTTP/1.1\r\nHost: meter\r\n\r\n", _huge_length()],
                         ids=["garbage", "huge-length"])
def test_no_wrapper_frame_drops_that_peer_alone_at_once(octets):
    """Garbage, or a header announcing more than the meter takes: that connection is closed
    without an answer (and without waiting for the rest)."""
    (data, closed), reads = run(_with_good_reader("wrapper", _sending(octets)))
    assert (data, closed) == (b"", True)
    assert reads > 5


def test_garbage_on_hdlc_is_line_noise_and_the_link_still_opens():
    async def fault(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        link_client = __import__("translator.client.hdlc", fromlist=["HdlcLink"]).HdlcLink()
        writer.write(b"\x00\xff\x7e\x12\x34\x7e" + bytes(range(40)))
        link_client.connect()
        writer.write(link_client.data_to_send())
        data = await asyncio.wait_for(reader.read(4096), 5)
        events = link_client.receive_data(data)
        writer.close()
        return [type(e).__name__ for e in events]

    events, reads = run(_with_good_reader("hdlc", fault))
    assert "LinkEstablished" in events
    assert reads > 5


@pytest.mark.parametrize("framing", ["wrapper", "hdlc"])
def test_a_peer_closing_mid_frame(framing):
    async def fault(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        association = Association(AssociationSettings())
        association.associate()
        if framing == "wrapper":
            link = WrapperLink()
        else:
            from translator.client.hdlc import HdlcLink
            link = HdlcLink()
            link.connect()
            writer.write(link.data_to_send())
            link.receive_data(await asyncio.wait_for(reader.read(4096), 5))
        link.send_apdu(association.apdus_to_send()[0])
        frame = link.data_to_send()
        writer.write(frame[: len(frame) // 2])
        await writer.drain()
        writer.close()
        return len(frame)

    size, reads = run(_with_good_reader(framing, fault))
    assert size > 10
    assert reads > 5


def test_a_replayed_invocation_counter_is_rejected():
    """The same ciphered GET sent twice: the first answered, the repeat refused with an
    exception-response invocation-counter-error naming the counter the meter expects."""
    async def fault(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        association = Association(AssociationSettings(
            security_control=0x30, keys=Keyring.load(KEYS),
            system_title=bytes.fromhex(CLIENT_TITLE)))
        link = WrapperLink()

        async def exchange(apdus):
            for apdu in apdus:
                link.send_apdu(apdu)
            writer.write(link.data_to_send())
            while True:
                events = link.receive_data(await asyncio.wait_for(reader.read(4096), 5))
                if events:
                    return [e.apdu for e in events]

        association.associate()
        for apdu in await exchange(association.apdus_to_send()):
            association.receive_apdu(apdu)
        association.get(REGISTER)
        request = association.apdus_to_send()
        first = await exchange(request)
        association.receive_apdu(first[0])
        replay = await exchange(request)
        writer.close()
        return parse(Apdu, first[0], "apdu"), parse(Apdu, replay[0], "apdu")

    (first, replay), reads = run(_with_good_reader("wrapper", fault))
    assert str(first["tag"]) == "glo_get_response"
    assert str(replay["tag"]) == "exception_response"
    assert str(replay["body"]["service_error"]) == "invocation_counter_error"
    assert replay["body"]["invocation_counter"] == 3   # AARQ used 1, the GET 2
    assert reads > 5


def test_one_byte_a_second_is_dropped_when_the_frame_takes_too_long():
    async def fault(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        association = Association(AssociationSettings())
        association.associate()
        link = WrapperLink()
        link.send_apdu(association.apdus_to_send()[0])
        frame = link.data_to_send()
        loop = asyncio.get_running_loop()
        start = loop.time()
        sent = 0
        with contextlib.suppress(ConnectionError):
            for octet in frame:
                writer.write(bytes([octet]))
                await writer.drain()
                sent += 1
                data, closed = await _drain(reader, 1.0)
                if closed:
                    break
        elapsed = loop.time() - start
        writer.close()
        return sent, len(frame), elapsed

    (sent, total, elapsed), reads = run(_with_good_reader("wrapper", fault))
    assert sent < total          # dropped before the frame was whole
    assert 1.5 < elapsed < 6     # after the 2 s frame timeout
    assert reads > 20


def test_a_client_that_never_associates_gets_exception_responses():
    """A GET before any AARQ is refused with an exception-response, the connection kept."""
    async def fault(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        link = WrapperLink()
        link.send_apdu(rq.get_request(rq.invoke_id_and_priority(1), [REGISTER]))
        link.send_apdu(b"\xff\x01\x02")   # no APDU at all
        writer.write(link.data_to_send())
        events = []
        while len(events) < 2:
            events += link.receive_data(await asyncio.wait_for(reader.read(4096), 5))
        writer.close()
        return [parse(Apdu, e.apdu, "apdu") for e in events]

    replies, reads = run(_with_good_reader("wrapper", fault))
    assert [str(r["tag"]) for r in replies] == ["exception_response"] * 2
    assert str(replies[0]["body"]["state_error"]) == "service_not_allowed"
    assert str(replies[1]["body"]["state_error"]) == "service_unknown"
    assert reads > 5


def test_unknown_client_error_is_not_raised_for_good_reader():
    """A good client that asks for an object the model lacks gets object-undefined, no drop."""
    async def go():
        simulator, port = await _serve()
        try:
            async with Client(f"tcp://127.0.0.1:{port}", AssociationSettings(), timeout=5) as m:
                result = await m.get("1.0.2.8.0.255", 2, class_id=3)
                assert result.error == "object_undefined"
                with pytest.raises(ClientError):
                    await m.get("1.0.2.8.0.255", 2)   # not in the association view
                assert to_python((await m.get("1.0.1.8.0.255", 2, class_id=3)).data) == VALUE
        finally:
            await simulator.close()
    run(go())


def test_hdlc_frame_announcing_more_than_it_sends_is_dropped_after_the_frame_timeout():
    """An HDLC frame whose format field announces about 2000 octets, of which 12 come: the
    meter waits the 2 s frame timeout, then drops that peer."""
    from translator.client.hdlc import HdlcAddress
    from translator.schema.hdlc import address_container, build_frame

    frame = build_frame("snrm", HdlcAddress(1, 17, 2).container(), address_container(1, 16),
                        information=bytes(1990))

    async def fault(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        start = asyncio.get_running_loop().time()
        writer.write(frame[:12])
        data, closed = await _drain(reader, 8)
        writer.close()
        return data, closed, asyncio.get_running_loop().time() - start

    (data, closed, elapsed), reads = run(_with_good_reader("hdlc", fault))
    assert (data, closed) == (b"", True)
    assert 1.5 < elapsed < 6
    assert reads > 20


def test_before_hls_pass_3_only_the_hls_method_is_served():
    """An HLS-GMAC client that skips pass 3 and calls remote_disconnect at once: refused
    (read-write-denied), and the relay is still connected for everyone else."""
    from translator.security import protect

    async def fault(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        keys = Keyring.load(KEYS)
        title = bytes.fromhex(CLIENT_TITLE)
        association = Association(AssociationSettings(
            authentication="gmac", security_control=0x30, keys=keys, system_title=title))
        link = WrapperLink()
        association.associate()
        link.send_apdu(association.apdus_to_send()[0])
        writer.write(link.data_to_send())
        (aare,) = link.receive_data(await asyncio.wait_for(reader.read(4096), 5))
        association.receive_apdu(aare.apdu)   # queues pass 3, which is never sent
        disconnect = rq.action_request(rq.invoke_id_and_priority(2), [
            rq.MethodRef(70, bytes([0, 0, 96, 3, 10, 255]), 1)], [{"tag": "integer",
                                                                   "value": 0}])
        link.send_apdu(protect(disconnect, 0x30, title, 100, keys))
        writer.write(link.data_to_send())
        (reply,) = link.receive_data(await asyncio.wait_for(reader.read(4096), 5))
        writer.close()
        from translator.security import unprotect
        return unprotect(reply.apdu, keys, association.server_system_title).apdu

    async def relay_state(port):
        async with Client(f"tcp://127.0.0.1:{port}", AssociationSettings(), timeout=5) as m:
            return to_python((await m.get("0.0.96.3.10.255", 3, class_id=70)).data)

    async def go():
        simulator, port = await _serve()
        try:
            reply = await fault(port)
            return reply, await relay_state(port)
        finally:
            await simulator.close()

    reply, state = run(go())
    assert str(reply["tag"]) == "action_response"
    assert str(reply["body"]["action_response"]["single_response"]["result"]) == \
        "read_write_denied"
    assert state == 1   # still connected


def test_a_peer_that_never_reads_is_dropped_and_connections_are_bounded():
    """A peer that asks for 1900 octets again and again and never reads: once the socket
    buffers are full its task waits at most the write timeout, then that peer alone is dropped.
    Connections beyond ``max_connections`` are closed at once."""
    async def go():
        simulator = Simulator(load_model(), ServerSettings(),
                              LinkOptions(write_timeout=2, max_connections=3))
        server = await simulator.serve_tcp("127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            good = Client(f"tcp://127.0.0.1:{port}", AssociationSettings(), timeout=5)
            await good.open()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            association = Association(AssociationSettings())
            association.associate()
            link = WrapperLink()
            link.send_apdu(association.apdus_to_send()[0])
            name = rq.AttributeRef(1, bytes([0, 0, 42, 0, 0, 255]), 2)
            link.send_apdu(rq.set_request(rq.invoke_id_and_priority(1), [name], [
                {"tag": "octet_string", "value": bytes(1900)}]))
            for _ in range(3000):   # about 6 MB of replies: more than loopback buffers hold
                link.send_apdu(rq.get_request(rq.invoke_id_and_priority(2), [name]))
            writer.write(link.data_to_send())   # never read from here on
            extra = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
            refused = await _drain(extra[1][0], 2)
            values = []
            for _ in range(10):
                values.append(to_python((await good.get("1.0.1.8.0.255", 2, class_id=3)).data))
                await asyncio.sleep(0.3)
            await good.close()
            for _, w in extra:
                w.close()
            writer.close()
            return refused, values, simulator.dropped
        finally:
            await simulator.close()

    refused, values, dropped = run(go())
    assert refused == (b"", True)   # closed at once, nothing said
    assert values == [VALUE] * 10
    assert dropped >= 2   # the refused connection and the peer that never reads
