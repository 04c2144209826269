"""IEC 62056-21 mode E opening: octets against the standard's text, real identifications.

Expected octets: the request ``/?!`` CR LF (6.3.1) and the acknowledgement/option select
message ACK V Z Y CR LF (6.3.3) with V = '2' (HDLC protocol procedure, Annex E) and Y = '2'
(binary mode (HDLC)), the characters as the standard's item lists define them. Identification
strings are real meters' answers quoted in public sources.
"""

from __future__ import annotations

import asyncio

import pytest

from translator.client.iec62056_21 import (
    SERIAL_7E1,
    SERIAL_8N1,
    BaudRateSwitch,
    IdentificationError,
    IdentificationReceived,
    ModeEOpening,
    ack_message,
    parse_identification,
    request_message,
    run_mode_e,
)

# baud rate character -> baud, IEC 62056-21 6.3.2 item 13 (modes C and E)
STANDARD_BAUDS = [("0", 300), ("1", 600), ("2", 1200), ("3", 2400), ("4", 4800), ("5", 9600),
                  ("6", 19200)]


def test_request_message():
    assert request_message() == bytes([0x2F, 0x3F, 0x21, 0x0D, 0x0A])
    assert request_message("12345678") == b"/?12345678!\r\n"
    with pytest.raises(ValueError):
        request_message("12!4")


@pytest.mark.parametrize(("char", "baud"), STANDARD_BAUDS)
def test_ack_for_each_baud_character(char, baud):
    assert ack_message(char) == bytes([0x06, 0x32, ord(char), 0x32, 0x0D, 0x0A])
    # the 06 30 Z 32 would be V '0' (normal protocol procedure): still reachable
    assert ack_message(char, protocol="0") == bytes([0x06, 0x30, ord(char), 0x32, 0x0D, 0x0A])
    ident = parse_identification(f"/ABC{char}\\2TEST\r\n".encode())
    assert ident.baud_rate == baud and ack_message(ident) == ack_message(char)


def test_ack_refuses_mode_b_characters():
    with pytest.raises(ValueError):
        ack_message("E")


@pytest.mark.parametrize(("line", "manufacturer", "baud", "mode_e", "ident", "fast"), [
    (b"/ISk5ME162-0000\r\n", "ISk", 9600, False, "ME162-0000", True),
    (b"/LGZ4ZMD3104100.B40\r\n", "LGZ", 4800, False, "ZMD3104100.B40", False),
    # quoted as hex (2F 4C 47 5A 34 5A 4D 46 ...) beside the 62056-21 item list in a public
    # C header of a meter reader
    (bytes.fromhex("2F4C475A345A4D4631303041432E4D32390D0A"), "LGZ", 4800, False,
     "ZMF100AC.M29", False),
    (b"/ISk5\\2MT382-1000\r\n", "ISk", 9600, True, "MT382-1000", True),
])
def test_real_identifications(line, manufacturer, baud, mode_e, ident, fast):
    parsed = parse_identification(line)
    assert (parsed.manufacturer, parsed.baud_rate, parsed.mode_e, parsed.ident,
            parsed.fast_reaction, parsed.raw) == (manufacturer, baud, mode_e, ident, fast, line)


@pytest.mark.parametrize("garbage", [b"", b"\x7e\xa0\x08", b"/IS\r\n", b"ISk5ME162\r\n",
                                     b"/IS15ME162\r\n", b"/ISk5ME1/62\r\n"])
def test_garbage_identification_refused(garbage):
    with pytest.raises(IdentificationError):
        parse_identification(garbage)


def test_opening_state_machine():
    opening = ModeEOpening()
    assert opening.state == "idle"
    assert opening.start() == b"/?!\r\n"
    assert opening.state == "waiting_identification"
    # an optical head echoes the request; the answer comes in pieces
    assert opening.receive_data(b"/?!\r\n/LGZ4ZMD31") == []
    events = opening.receive_data(b"04100.B40\r\n")
    assert isinstance(events[0], IdentificationReceived)
    switch = events[1]
    assert switch == BaudRateSwitch(b"\x06242\r\n", 4800, SERIAL_8N1, ModeEOpening.SWITCH_DELAY)
    assert opening.state == "switching"
    opening.switched()
    assert opening.state == "done"
    with pytest.raises(RuntimeError):
        opening.start()


def test_opening_caps_the_baud_rate():
    opening = ModeEOpening("", max_baud=2400)
    opening.start()
    events = opening.receive_data(b"/ISk5\\2MT382-1000\r\n")
    assert events[1].ack == b"\x06232\r\n" and events[1].baud_rate == 2400


def test_opening_refuses_mode_b_meter_and_garbage():
    opening = ModeEOpening()
    opening.start()
    with pytest.raises(IdentificationError):
        opening.receive_data(b"/ABCE1234\r\n")  # 'E' is a mode B baud character
    opening = ModeEOpening()
    opening.start()
    with pytest.raises(IdentificationError):
        opening.receive_data(bytes(200))
    assert opening.state == "failed"


def test_serial_parameters_for_pyserial():
    assert SERIAL_7E1 == {"bytesize": 7, "parity": "E", "stopbits": 1}
    assert SERIAL_8N1 == {"bytesize": 8, "parity": "N", "stopbits": 1}
    serial = pytest.importorskip("serial")
    assert (serial.SEVENBITS, serial.PARITY_EVEN, serial.STOPBITS_ONE) == (7, "E", 1)
    assert (serial.EIGHTBITS, serial.PARITY_NONE) == (8, "N")


class LoopbackMeter:
    """A serial port whose far end answers the request with a fixed identification: the
    transport interface ``run_mode_e`` drives (write, read, reconfigure)."""

    def __init__(self, answer: bytes) -> None:
        self.answer, self.baud = answer, 9600
        self.log: list = []
        self.inbox: asyncio.Queue = asyncio.Queue()

    def reconfigure(self, **settings) -> None:
        self.log.append(("settings", settings))

    async def write(self, data: bytes) -> None:
        self.log.append(("write", data))
        if data.startswith(b"/?"):
            await self.inbox.put(self.answer)

    async def read(self, timeout: float) -> bytes:
        return await asyncio.wait_for(self.inbox.get(), timeout)


def test_run_mode_e_drives_a_port(monkeypatch):
    monkeypatch.setattr(ModeEOpening, "SWITCH_DELAY", 0.0)
    port = LoopbackMeter(b"/ISk5\\2MT382-1000\r\n")
    ident = asyncio.run(run_mode_e(port, 1.0))
    assert ident.mode_e
    assert port.log == [
        ("settings", {"baudrate": 300, **SERIAL_7E1}),
        ("write", b"/?!\r\n"),
        ("write", bytes.fromhex("06 32 35 32 0d 0a")),
        ("settings", {"baudrate": 9600, **SERIAL_8N1}),
    ]
