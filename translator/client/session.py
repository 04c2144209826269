"""The client: a transport, a link (HDLC or wrapper) and an association, driven on asyncio.

``Client`` owns the loop the sans-io layers leave to their caller: it writes what they queue,
reads with a timeout, retries HDLC frames, and turns every failure into one ``ClientError`` line
that says what to check. ``connect`` opens one; ``SyncClient`` runs the same for scripts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from ..cosem.obis import ObisCode
from . import requests as rq
from .association import (
    Associated,
    Association,
    AssociationError,
    AssociationWarning,
    GetResult,
    Notification,
    Released,
    Response,
)
from .errors import ClientError
from .events import ApduReceived, LinkEstablished, LinkReleased, LinkWarning, ProtocolError
from .hdlc import HdlcAddress, HdlcLink
from .record import Recorder
from .settings import AssociationSettings
from .transport import ConnectionClosed, SerialTransport, Transport, open_transport
from .url import MeterUrl, parse_url
from .wrapper import WrapperLink

__all__ = ["Client", "ClientError", "SyncClient", "connect"]


class Client:
    """One meter session. Use ``async with connect(...) as meter`` or ``open``/``close``."""

    def __init__(self, url: str | MeterUrl, settings: AssociationSettings | None = None, *,
                 client_address: int = 16, server_address: int | None = None,
                 logical: int = 1, physical: int | None = None, address_size: int | None = None,
                 window: int = 1, max_info_length: int = 128, timeout: float = 5.0,
                 retries: int = 2, record: str | None = None,
                 on_warning: Callable[[str], None] | None = None,
                 on_octets: Callable[[str, bytes], None] | None = None) -> None:
        self.url = parse_url(url) if isinstance(url, str) else url
        self.settings = settings or AssociationSettings()
        self.timeout = timeout
        self.retries = retries
        self.record = record
        self.on_warning = on_warning
        self.on_octets = on_octets
        self.warnings: list[str] = []
        self.notifications: list[Any] = []
        self.association = Association(self.settings)
        self.client_address = client_address
        if self.url.framing == "hdlc":
            if server_address is not None:
                server = HdlcAddress.combined(server_address, address_size)
            else:
                server = HdlcAddress(logical=logical,
                                     physical=17 if physical is None else physical,
                                     size=address_size or 2)
            self.server_name = f"server {server}"
            self.link: Any = HdlcLink(client_address=client_address, server=server,
                                      window=window, max_info_length=max_info_length,
                                      strict=self.settings.strict)
        else:
            wport = 1 if server_address is None else server_address
            self.server_name = f"server wPort {wport}"
            self.link = WrapperLink(client_wport=client_address, server_wport=wport)
        self.transport: Transport = open_transport(self.url)
        self.associated: Associated | None = None
        self._objects: list[dict] | None = None
        self.last_response: Response | None = None
        self._open = False

    # --- opening and closing ---------------------------------------------------------------

    async def open(self) -> Associated:
        try:
            await self._open_transport()
            if self.url.framing == "hdlc":
                self.link.connect()
                await self._wait(lambda e: isinstance(e, LinkEstablished), "UA",
                                 "check the server address (--logical/--physical) and the "
                                 "client address", retry=True)
            self.association.associate()
            self.associated = await self._wait(
                lambda e: e if isinstance(e, Associated) else None, "AARE",
                "check the client address, the server address and the authentication")
            self._open = True
            return self.associated
        except BaseException:
            await self._disconnect_quietly()
            await self.transport.close()
            raise

    async def _disconnect_quietly(self) -> None:
        """After a refused association, leave the HDLC link as a polite client does (DISC);
        the error being raised is the one the user sees, not any from this."""
        if self.url.framing != "hdlc" or self.link.state != "connected":
            return
        with contextlib.suppress(Exception):
            self.link.disconnect()
            await self._flush()
            data = await asyncio.wait_for(self.transport.read(self.timeout),
                                          min(self.timeout, 1.0))
            if self.on_octets is not None:
                self.on_octets("received", data)

    async def _open_transport(self) -> None:
        try:
            await self.transport.open()
        except ConnectionError as e:
            raise ClientError(str(e)) from None
        if isinstance(self.transport, SerialTransport) and self.url.iec:
            await self._iec_opening()
        if self.record:
            ends = getattr(self.transport, "endpoints", None)
            client, server = ends() if ends else (("127.0.0.1", 0), ("127.0.0.1", 0))
            self.transport.recorder = Recorder(self.record, self.url.transport, client, server)

    async def _iec_opening(self) -> None:
        from .iec62056_21 import run_mode_e
        try:
            await run_mode_e(self.transport, self.timeout)
        except (ConnectionError, ValueError) as e:
            raise ClientError(f"IEC 62056-21 opening on {self.url.device} failed: {e}") from None

    async def close(self) -> None:
        """Release the association (RLRQ/RLRE), disconnect the link (DISC), close the transport."""
        try:
            if self._open and self.association.state == "associated":
                self.association.release()
                try:
                    await self._wait(lambda e: isinstance(e, Released), "RLRE")
                except ClientError as e:
                    self._warn(str(e))
            if self._open and self.url.framing == "hdlc" and self.link.state == "connected":
                self.link.disconnect()
                try:
                    await self._wait(lambda e: isinstance(e, LinkReleased), "UA or DM to DISC")
                except ClientError as e:
                    self._warn(str(e))
        finally:
            self._open = False
            await self.transport.close()

    async def __aenter__(self) -> Client:
        await self.open()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # --- services --------------------------------------------------------------------------

    async def get_many(self, refs: list[rq.AttributeRef]) -> list[GetResult]:
        """GET of several attributes: with-list when the meter offers multiple references."""
        if len(refs) > 1 and "multiple_references" not in self.association.conformance:
            return [(await self._request(lambda r=r: self.association.get(r))).results[0]
                    for r in refs]
        return list((await self._request(lambda: self.association.get(*refs))).results)

    async def get(self, obis: str | bytes, attribute: int = 2, class_id: int | None = None,
                  selection: tuple[int, dict] | None = None) -> GetResult:
        """One attribute; ``selection`` is (selector, parameters Data tree) for selective access."""
        if self.settings.referencing == "sn":
            name = await self._variable(obis, attribute)
            return (await self._request(
                lambda: self.association.read(name, selection=selection))).results[0]
        ref = rq.AttributeRef(await self.class_of(obis, class_id), ObisCode(obis), attribute,
                              selection)
        return (await self._request(lambda: self.association.get(ref))).results[0]

    async def set(self, obis: str | bytes, attribute: int, value: dict,
                  class_id: int | None = None) -> str:
        if self.settings.referencing == "sn":
            name = await self._variable(obis, attribute)
            return (await self._request(lambda: self.association.write([name], [value]))).results[0]
        ref = rq.AttributeRef(await self.class_of(obis, class_id), ObisCode(obis), attribute)
        return (await self._request(lambda: self.association.set([ref], [value]))).results[0]

    async def action(self, obis: str | bytes, method: int, parameters: dict | None = None,
                     class_id: int | None = None) -> tuple[str, Any]:
        if self.settings.referencing == "sn":
            raise ClientError("ACTION over short-name referencing is not supported yet")
        ref = rq.MethodRef(await self.class_of(obis, class_id), ObisCode(obis), method)
        return (await self._request(lambda: self.association.action(ref, parameters))).results[0]

    async def objects(self) -> list[dict]:
        """The association view: class, version, OBIS and access rights (LN, 0.0.40.0.0.255
        attribute 2), or class, version, OBIS and base name (SN, 0xFA00 attribute 2)."""
        if self._objects is None:
            from .views import object_list, sn_object_list
            if self.settings.referencing == "sn":
                result = (await self._request(
                    lambda: self.association.read(rq.ASSOCIATION_SN + 8))).results[0]
            else:
                result = await self._plain_get(rq.AttributeRef(15, rq.ASSOCIATION_LN, 2))
            if not result.ok:
                raise ClientError(f"reading the association view failed: {result.error}")
            self._objects = (sn_object_list(result.data) if self.settings.referencing == "sn"
                             else object_list(result.data))
        return self._objects

    async def _variable(self, obis: str | bytes, attribute: int) -> int:
        """The SN variable name of an attribute: its object's base name + 8 * (attribute - 1)."""
        code = ObisCode(obis)
        for item in await self.objects():
            if item["obis"] == code:
                return (item["base_name"] + 8 * (attribute - 1)) & 0xFFFF
        raise ClientError(f"{code} is not in the meter's association view")

    async def class_of(self, obis: str | bytes, class_id: int | None) -> int:
        """``class_id`` when given, else the class the association view lists for ``obis``."""
        if class_id is not None:
            return int(class_id)
        code = ObisCode(obis)
        for item in await self.objects():
            if item["obis"] == code:
                return item["class_id"]
        raise ClientError(f"{code} is not in the meter's association view: give --class")

    async def _plain_get(self, ref: rq.AttributeRef) -> GetResult:
        return (await self._request(lambda: self.association.get(ref))).results[0]

    async def request(self, apdu: bytes) -> Response:
        """Send a plaintext GET/SET/ACTION request APDU as given (a script's) and wait for its
        whole answer."""
        return await self._request(lambda: self.association.request(apdu))

    async def _request(self, start: Callable[[], Any]) -> Response:
        try:
            start()
        except AssociationError as e:
            raise ClientError(str(e)) from None
        response = await self._wait(lambda e: e if isinstance(e, Response) else None,
                                    "response")
        self.last_response = response
        return response

    # --- the loop --------------------------------------------------------------------------

    def _warn(self, text: str) -> None:
        self.warnings.append(text)
        if self.on_warning is not None:
            self.on_warning(text)

    async def _flush(self) -> None:
        for apdu in self.association.apdus_to_send():
            self.link.send_apdu(apdu)
        data = self.link.data_to_send()
        if data:
            if self.on_octets is not None:
                self.on_octets("sent", data)
            await self.transport.write(data)

    async def _wait(self, want: Callable[[Any], Any], what: str, hint: str = "",
                    retry: bool = False) -> Any:
        """Pump octets until ``want(event)`` gives a true value (returned); ``what`` names the
        awaited reply in errors, ``hint`` says what to check when it does not come."""
        timeout_text = (f"no {what} from {self.server_name} within {self.timeout:g} s"
                        + (f": {hint}" if hint else ""))
        tries = self.retries if (retry or self.url.framing == "hdlc") else 0
        try:
            await self._flush()
            while True:
                try:
                    data = await self.transport.read(self.timeout)
                except TimeoutError:
                    if tries <= 0:
                        raise ClientError(timeout_text) from None
                    tries -= 1
                    self.link.resend()
                    await self._flush()
                    continue
                if self.on_octets is not None:
                    self.on_octets("received", data)
                for event in self._events(data):
                    got = want(event)
                    if got:
                        await self._flush()
                        return got
                await self._flush()
        except ConnectionClosed as e:
            raise ClientError(f"{e} while waiting for the {what}") from None
        except AssociationError as e:
            raise ClientError(str(e)) from None

    def _events(self, data: bytes) -> list[Any]:
        out: list[Any] = []
        for event in self.link.receive_data(data):
            if isinstance(event, ApduReceived):
                if event.llc_missing:
                    text = ("an APDU came without the LLC header E6 E7 00 (Gurux-based meters "
                            "send their RLRE so)")
                    if self.settings.strict:
                        raise ClientError(text + "; refused (--strict)")
                    self._warn(text)
                for inner in self.association.receive_apdu(event.apdu):
                    if isinstance(inner, AssociationWarning):
                        self._warn(inner.text)
                    elif isinstance(inner, Notification):
                        self.notifications.append(inner)
                    else:
                        out.append(inner)
            elif isinstance(event, LinkWarning):
                self._warn(event.text)
            elif isinstance(event, ProtocolError):
                raise ClientError(event.message)
            else:
                out.append(event)
        return out


def connect(url: str | MeterUrl, settings: AssociationSettings | None = None,
            **options: Any) -> Client:
    """A ``Client`` for ``async with connect(url, settings) as meter: ...``."""
    return Client(url, settings, **options)


class SyncClient:
    """The same client for scripts without asyncio: each call runs the loop to completion."""

    def __init__(self, url: str | MeterUrl, settings: AssociationSettings | None = None,
                 **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self.client = Client(url, settings, **options)

    def _run(self, coro: Any) -> Any:
        return self._loop.run_until_complete(coro)

    def open(self) -> Associated:
        return self._run(self.client.open())

    def close(self) -> None:
        try:
            self._run(self.client.close())
        finally:
            self._loop.close()

    def __enter__(self) -> SyncClient:
        self.open()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)
        if not asyncio.iscoroutinefunction(method):
            return method
        return lambda *a, **k: self._run(method(*a, **k))
