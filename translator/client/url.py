"""Where a meter is: ``tcp://host:4059`` (wrapper), ``hdlc+tcp://host:4061`` (HDLC over TCP),
``udp://host:4059`` (wrapper over UDP), ``serial:///dev/ttyUSB0?baud=9600&iec=1`` (HDLC on a
serial line, opened with IEC 62056-21 mode E when ``iec=1``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

__all__ = ["MeterUrl", "parse_url"]

_SCHEMES = {"tcp": ("tcp", "wrapper"), "udp": ("udp", "wrapper"),
            "hdlc+tcp": ("tcp", "hdlc"), "tcp+hdlc": ("tcp", "hdlc"),
            "serial": ("serial", "hdlc"), "hdlc+serial": ("serial", "hdlc")}


@dataclass(frozen=True)
class MeterUrl:
    transport: str          # tcp, udp, serial
    framing: str            # wrapper, hdlc
    host: str = ""
    port: int = 0
    device: str = ""
    baud: int = 9600
    iec: bool = False

    def __str__(self) -> str:
        if self.transport == "serial":
            return f"serial://{self.device}?baud={self.baud}" + ("&iec=1" if self.iec else "")
        scheme = {"wrapper": self.transport, "hdlc": "hdlc+" + self.transport}[self.framing]
        return f"{scheme}://{self.host}:{self.port}"


def parse_url(text: str) -> MeterUrl:
    """A ``MeterUrl``; a ValueError names what is wrong."""
    parts = urlsplit(text)
    if parts.scheme not in _SCHEMES:
        raise ValueError(f"unknown meter URL scheme {parts.scheme!r} in {text!r}: use tcp://, "
                         "hdlc+tcp://, udp:// or serial://")
    transport, framing = _SCHEMES[parts.scheme]
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if transport == "serial":
        device = parts.path or parts.netloc
        if not device:
            raise ValueError(f"no serial device in {text!r} (serial:///dev/ttyUSB0)")
        try:
            baud = int(query.get("baud", 9600))
        except ValueError:
            raise ValueError(f"baud must be a number in {text!r}") from None
        iec = query.get("iec", "0").lower() in ("1", "true", "yes")
        return MeterUrl("serial", "hdlc", device=device, baud=baud, iec=iec)
    if not parts.hostname:
        raise ValueError(f"no host in {text!r}")
    try:
        port = parts.port or 4059
    except ValueError:
        raise ValueError(f"bad port in {text!r}") from None
    return MeterUrl(transport, framing, host=parts.hostname, port=port)
