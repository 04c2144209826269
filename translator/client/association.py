"""The client side of an application association, sans-io: APDUs in, events out.

``Association`` never touches a socket or a clock. The caller asks for a service (``associate``,
``get``, ``set``, ``action``, ``release``), sends what ``apdus_to_send`` returns through a link
(HDLC or wrapper), and feeds every APDU the link delivers to ``receive_apdu``, which returns
events. Block transfer, the HLS passes 3 and 4, ciphering and invocation counters happen inside:
one ``get`` may take several exchanges and still end in one ``Response``.

States (explicit table ``_ALLOWED``)::

    idle --associate--> associating --AARE accepted--> associated
                                    --AARE accepted, HLS--> authenticating --f(CtoS) ok--> associated
    associated --get/set/action--> associated (one request in flight)
    associated --release--> releasing --RLRE--> released
    any --fatal protocol error--> closed
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ..errors import DecodeError, TranslatorError
from ..schema._compile import fast_parse
from ..schema._core import CountedArray, Length, build, parse, parse_lenient
from ..schema.acse import component, quirk_name
from ..schema.apdu import Apdu
from ..schema.axdr import Data
from ..schema.sn import ReadResponse
from ..schema.xdlms import GetDataResult
from ..security import SecurityContext, SecurityError, f_stoc, hls_verify, protect, unprotect
from ..security.unprotecting import PROTECTED_NAMES, unprotect_message_apdu
from . import requests as rq
from .counters import InvocationCounter
from .settings import AssociationSettings

__all__ = [
    "Associated", "Association", "AssociationError", "AssociationWarning", "GetResult",
    "Notification", "Released", "Response",
]


class AssociationError(TranslatorError):
    """The association cannot go on. ``remote`` True: the server broke the protocol or refused;
    False: the caller asked for something this state does not allow."""

    def __init__(self, message: str, remote: bool = True) -> None:
        super().__init__(message)
        self.remote = remote


@dataclass(frozen=True, slots=True)
class Associated:
    """The association is open (HLS passes 3 and 4 done when authenticating)."""

    conformance: tuple[str, ...]
    max_pdu_size: int
    server_system_title: bytes | None
    authenticated: bool
    apdu: Any = field(repr=False, default=None)


@dataclass(frozen=True, slots=True)
class GetResult:
    """One attribute's result: the ``Data`` tree, or the data-access-result name on failure."""

    data: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def value(self) -> Any:
        """The plain Python value (``values.to_python``), None on failure."""
        from .values import to_python
        return None if self.data is None else to_python(self.data)


@dataclass(frozen=True, slots=True)
class Response:
    """The answer to one request (all its blocks joined). ``results``: for GET a list of
    ``GetResult``; for SET the result names; for ACTION (result name, ``Data`` or None) pairs."""

    invoke_id: int
    service: str
    results: tuple
    apdus: tuple = field(repr=False, default=())       # the decoded (deciphered) APDUs
    received: tuple = field(repr=False, default=())    # their octets as received


@dataclass(frozen=True, slots=True)
class Notification:
    """A data-notification, event-notification or information-report (decoded APDU tree)."""

    apdu: Any


@dataclass(frozen=True, slots=True)
class Released:
    apdu: Any = field(repr=False, default=None)


@dataclass(frozen=True, slots=True)
class AssociationWarning:
    """A real-world quirk the client coped with (``strict`` turns it into an error)."""

    text: str


# state -> services allowed to start in it
_ALLOWED = {
    "idle": {"associate"},
    "associating": set(),
    "authenticating": set(),
    "associated": {"get", "set", "action", "request", "read", "write", "release"},
    "releasing": set(),
    "released": set(),
    "closed": set(),
}

_RESULT_LIST = CountedArray(GetDataResult)
"""What the joined data blocks of a GET-with-list carry: the list of Get-Data-Results."""

_SERVICE_OVERHEAD = 32
"""Octets a block request adds around its raw data (header, descriptor, block number, ciphering
header and tag), kept free when splitting a long SET or ACTION into blocks."""


@dataclass
class _Pending:
    service: str                       # get, set, action, hls, read, write
    invoke: int
    refs: tuple = ()
    with_list: bool = False
    blocks: list[bytes] = field(default_factory=list)     # received raw data
    next_block: int = 1
    outgoing: list[bytes] = field(default_factory=list)   # raw data still to send (SET/ACTION)
    apdus: list = field(default_factory=list)
    received: list = field(default_factory=list)


class Association:
    """One client association; see the module docstring for the flow."""

    def __init__(self, settings: AssociationSettings) -> None:
        self.settings = settings
        self.state = "idle"
        self.context = SecurityContext(client_system_title=settings.system_title)
        self.counter = InvocationCounter(settings.invocation_counter, settings.system_title,
                                         settings.invocation_counter_file)
        self.conformance: tuple[str, ...] = ()
        self.server_max_pdu = 0xFFFF
        self.server_system_title: bytes | None = None
        self._out: list[bytes] = []
        self._pending: _Pending | None = None
        self._invoke = 0
        self._ctos = b""
        self._stoc = b""
        self._server_ic: int | None = None
        self._dedicated_key: bytes | None = None
        self._gbt_blocks: list[bytes] = []
        self._gbt_sent = 0

    # --- caller side ----------------------------------------------------------------------

    def apdus_to_send(self) -> list[bytes]:
        """Every APDU queued since the last call, in order (then forgotten)."""
        out, self._out = self._out, []
        return out

    def associate(self) -> None:
        """Queue the AARQ."""
        self._start("associate")
        s = self.settings
        mechanism = s.mechanism
        auth_value = None
        if mechanism == 1:
            auth_value = s.password
        elif mechanism >= 2:
            self._ctos = s.challenge or os.urandom(16)
            auth_value = self._ctos
        if s.ciphering in ("ded", "general-ded") and s.ciphered:
            self._dedicated_key = os.urandom(16 if _suite(s.security_control) != 2 else 32)
        info = rq.initiate_request(s.proposed_conformance, s.max_pdu_size, s.dlms_version,
                                   self._dedicated_key)
        if s.ciphered:
            info = self._protect(info, service="glo" if s.ciphering in ("glo", "ded")
                                 else s.ciphering.replace("ded", "glo"))
        title = s.system_title if (s.ciphered or mechanism >= 5) else None
        self._out.append(rq.aarq(s.referencing, s.ciphered, mechanism, info,
                                 calling_ap_title=title, authentication_value=auth_value))
        self.state = "associating"

    def get(self, *refs: rq.AttributeRef) -> int:
        """Queue a GET of one attribute or, with several, GET-with-list; returns the invoke id."""
        self._start("get")
        invoke = self._next_invoke()
        self._pending = _Pending("get", invoke, refs, with_list=len(refs) > 1)
        self._send(rq.get_request(invoke, refs))
        return invoke & 0x0F

    def set(self, refs: list[rq.AttributeRef], values: list[dict]) -> int:
        """Queue a SET; values longer than the server accepts go in data blocks."""
        self._start("set")
        invoke = self._next_invoke()
        pending = _Pending("set", invoke, tuple(refs), with_list=len(refs) > 1)
        self._pending = pending
        apdu = rq.set_request(invoke, refs, values)
        if len(apdu) + (_SERVICE_OVERHEAD if self.settings.ciphered else 0) <= self.server_max_pdu:
            self._send(apdu)
            return invoke & 0x0F
        raw = b"".join(build(Data, v, "axdr") for v in values)
        if len(refs) > 1:
            raw = _count(len(values)) + raw
        pending.outgoing = self._split(raw)
        first = pending.outgoing.pop(0)
        self._send(rq.set_request_block(invoke, refs, 1, not pending.outgoing, first))
        pending.next_block = 2
        return invoke & 0x0F

    def action(self, ref: rq.MethodRef, parameters: dict | None = None) -> int:
        """Queue an ACTION; long parameters go in pblocks."""
        self._start("action")
        invoke = self._next_invoke()
        pending = _Pending("action", invoke, (ref,))
        self._pending = pending
        apdu = rq.action_request(invoke, [ref], [parameters])
        if len(apdu) + (_SERVICE_OVERHEAD if self.settings.ciphered else 0) <= self.server_max_pdu:
            self._send(apdu)
            return invoke & 0x0F
        pending.outgoing = self._split(build(Data, parameters, "axdr"))
        first = pending.outgoing.pop(0)
        self._send(rq.action_request_block(invoke, ref, 1, not pending.outgoing, first))
        pending.next_block = 2
        return invoke & 0x0F

    def read(self, *names: int, selection: tuple[int, dict] | None = None) -> int:
        """Queue an SN ReadRequest of variable names (base name + 8 * (attribute - 1)); one
        name may carry a parameterized access (selector, parameter)."""
        self._start("read")
        self._pending = _Pending("read", 0, tuple(names), with_list=len(names) > 1)
        if selection is not None:
            (name,) = names
            self._send(rq.read_request_parameterized(name, *selection))
        else:
            self._send(rq.read_request(names))
        return 0

    def write(self, names: list[int], values: list[dict]) -> int:
        """Queue an SN WriteRequest."""
        self._start("write")
        self._pending = _Pending("write", 0, tuple(names), with_list=len(names) > 1)
        self._send(rq.write_request(names, values))
        return 0

    def request(self, apdu: bytes) -> int:
        """Queue a request given as plaintext APDU octets (a script's GET, SET or ACTION, its
        own invoke id kept); protected and answered like the services above."""
        self._start("request")
        tree = fast_parse(Apdu, bytes(apdu), "apdu")
        name = str(tree["tag"])
        service = {"get_request": "get", "set_request": "set", "action_request": "action"}.get(name)
        if service is None:
            raise AssociationError(f"a script may send GET, SET or ACTION requests, not {name}",
                                   remote=False)
        body = tree["body"]
        inner = body[name]
        invoke = int(inner["invoke_id_and_priority"])
        kind = str(body["tag"])
        refs: tuple = ()
        if kind.endswith("with_list"):
            refs = tuple(inner.get("attribute_descriptor_list") or
                         inner.get("cosem_method_descriptor_list") or ())
        self._pending = _Pending(service, invoke, refs or (None,),
                                 with_list=kind.endswith("with_list"))
        self._send(bytes(apdu))
        return invoke & 0x0F

    def release(self) -> None:
        """Queue the RLRQ."""
        self._start("release")
        self._out.append(rq.rlrq())
        self.state = "releasing"

    # --- receiving -------------------------------------------------------------------------

    def receive_apdu(self, data: bytes) -> list[Any]:
        """Events for one APDU received from the server."""
        events: list[Any] = []
        apdu = self._parse(bytes(data), events)
        name = str(apdu["tag"])
        if name == "general_block_transfer":
            return self._gbt_block(apdu["body"])
        if name in ("data_notification", "event_notification_request",
                    "information_report_request"):
            return [Notification(apdu)]
        if name in PROTECTED_NAMES:
            apdu = self._unprotect(apdu, events)
            name = str(apdu["tag"])
            if name in ("data_notification", "event_notification_request"):
                return events + [Notification(apdu)]
        if name == "exception_response":
            raise AssociationError(f"the server answered with an exception-response: "
                                   f"{_exception_text(apdu)}")
        if name == "confirmed_service_error":
            raise AssociationError(f"the server answered with a confirmed-service-error: "
                                   f"{_service_error_text(apdu)}")
        if self.state == "associating" and name == "aare":
            return events + self._aare(apdu)
        if self.state == "releasing" and name == "rlre":
            return events + self._released(apdu)
        if self.state in ("associated", "authenticating") and self._pending is not None:
            self._pending.received.append(bytes(data))
            return events + self._response(apdu, name)
        raise AssociationError(f"unexpected {name} in state {self.state}")

    def _parse(self, data: bytes, events: list[Any]) -> Any:
        """The APDU's tree; lengths real meters get wrong (Gurux's AARE responding-AP-title and
        challenge, its RLRE) are read as the content really is, each a warning (``strict``:
        refused)."""
        try:
            return fast_parse(Apdu, data, "apdu")
        except DecodeError as e:
            first = e
        try:
            apdu, notes = parse_lenient(Apdu, data, "apdu", quirk=quirk_name)
        except DecodeError:
            raise AssociationError(f"the server sent an APDU that does not decode: {first}") \
                from None
        for offset, layer, text in notes:
            self._quirk(events, f"{layer} at offset {offset}: {text}")
        return apdu

    # --- association establishment --------------------------------------------------------

    def _aare(self, apdu: Any) -> list[Any]:
        events: list[Any] = []
        result = component(apdu, "result")
        verdict = str(result["value"]) if result else "missing"
        diagnostic = component(apdu, "result_source_diagnostic")
        why = str(diagnostic["value"]["value"]) if diagnostic else "no diagnostic"
        info = component(apdu, "user_information")
        title = component(apdu, "responding_ap_title")
        if title and title.get("value"):
            self.server_system_title = bytes(title["value"])
            self.context.server_system_title = self.server_system_title
        xdlms = info["value"] if info else None
        if xdlms is not None and str(xdlms["tag"]) in PROTECTED_NAMES:
            try:
                unprotected = unprotect_message_apdu(apdu, self.settings.keys, self.context)
            except SecurityError as e:
                self.state = "closed"
                raise AssociationError(f"the AARE's user-information does not decipher: {e} "
                                       "(check the keys)") from None
            self._check_server_counter(unprotected.invocation_counter, events)
            xdlms = unprotected.apdu
        if verdict != "accepted":
            self.state = "closed"
            extra = ""
            if xdlms is not None and str(xdlms["tag"]) == "confirmed_service_error":
                extra = f"; {_service_error_text(xdlms)}"
            hint = _REJECT_HINTS.get(why, "")
            if not hint and self.settings.ciphered:
                hint = " (a meter that cannot decipher our InitiateRequest says so: check the keys "\
                       "and --system-title)"
            raise AssociationError(f"association {verdict.replace('_', ' ')}: {why}{extra}{hint}")
        if xdlms is None or str(xdlms["tag"]) != "initiate_response":
            self.state = "closed"
            raise AssociationError("the AARE accepts but carries no InitiateResponse")
        body = xdlms["body"]
        self.conformance = tuple(body["negotiated_conformance"]["named"])
        self.server_max_pdu = int(body["server_max_receive_pdu_size"]) or 0xFFFF
        if self.settings.mechanism >= 2:
            value = component(apdu, "responding_authentication_value")
            if not value:
                self.state = "closed"
                raise AssociationError("HLS: the AARE carries no server challenge (StoC)")
            self._stoc = bytes(value["value"])
            self.state = "authenticating"
            self._pass3(events)
            return events
        self.state = "associated"
        return events + [self._associated(apdu, authenticated=self.settings.mechanism == 1)]

    def _associated(self, apdu: Any, authenticated: bool) -> Associated:
        return Associated(self.conformance, self.server_max_pdu, self.server_system_title,
                          authenticated, apdu)

    def _pass3(self, events: list[Any]) -> None:
        """HLS pass 3: f(StoC) through the association object's reply_to_HLS_authentication."""
        s = self.settings
        mechanism = s.mechanism
        if mechanism == 5:
            secret: Any = s.keys.lookup(s.system_title) if s.keys else None
        elif mechanism == 7:
            secret = s.keys.lookup(s.system_title) if s.keys else None
        else:
            secret = s.password
        ic = self.counter.peek() if mechanism == 5 else 0
        proof = f_stoc(mechanism, secret, stoc=self._stoc, ctos=self._ctos,
                       client_system_title=s.system_title,
                       server_system_title=self.server_system_title, invocation_counter=ic,
                       security_suite=_suite(s.security_control))
        if mechanism == 5:
            self.counter.take()
        if s.referencing == "sn":
            raise AssociationError("HLS over short-name referencing is not supported yet",
                                   remote=False)
        invoke = self._next_invoke()
        self._pending = _Pending("hls", invoke)
        method = rq.MethodRef(15, rq.ASSOCIATION_LN, 1)
        self._send(rq.action_request(invoke, [method], [{"tag": "octet_string", "value": proof}]))

    def _pass4(self, apdu: Any, results: tuple) -> list[Any]:
        result, data = results[0]
        if result != "success":
            self.state = "closed"
            raise AssociationError(f"HLS pass 3 refused by the server: {result} (the server "
                                   "did not accept our f(StoC): check the keys or secret)")
        if data is None or str(data["tag"]) != "octet_string":
            self.state = "closed"
            raise AssociationError("HLS pass 4: the server sent no f(CtoS)")
        s = self.settings
        mechanism = s.mechanism
        if mechanism in (5, 7):
            secret: Any = s.keys.lookup(self.server_system_title) if s.keys else None
        else:
            secret = s.password
        ok = hls_verify(mechanism, secret, self._ctos, bytes(data["value"]),
                        self.server_system_title, peer_system_title=s.system_title,
                        sent_challenge=self._stoc)
        if not ok:
            self.state = "closed"
            raise AssociationError("HLS pass 4: the server's f(CtoS) does not verify (wrong "
                                   "keys or secret, or not the meter we think)")
        self.state = "associated"
        return [self._associated(apdu, authenticated=True)]

    def _released(self, apdu: Any) -> list[Any]:
        self.state = "released"
        self.counter.save()
        return [Released(apdu)]

    # --- responses -------------------------------------------------------------------------

    def _response(self, apdu: Any, name: str) -> list[Any]:
        pending = self._pending
        assert pending is not None
        pending.apdus.append(apdu)
        body = apdu["body"]
        if name == "get_response" and pending.service == "get":
            return self._get_response(pending, body)
        if name == "set_response" and pending.service == "set":
            return self._set_response(pending, body)
        if name == "action_response" and pending.service in ("action", "hls"):
            return self._action_response(pending, apdu, body)
        if name == "read_response" and pending.service == "read":
            return self._read_response(pending, body)
        if name == "write_response" and pending.service == "write":
            return self._done(pending, tuple("success" if str(r["tag"]) == "success"
                                             else str(r["value"]) for r in body))
        raise AssociationError(f"unexpected {name} while waiting for a {pending.service} "
                               "response")

    def _check_invoke(self, pending: _Pending, body: Any, field_name: str) -> None:
        got = int(body[field_name]["invoke_id_and_priority"]) & 0x0F
        if got != pending.invoke & 0x0F:
            raise AssociationError(f"response invoke id {got}, expected {pending.invoke & 0x0F}")

    def _done(self, pending: _Pending, results: tuple) -> list[Any]:
        self._pending = None
        return [Response(pending.invoke & 0x0F, pending.service, results, tuple(pending.apdus),
                         tuple(pending.received))]

    def _get_response(self, pending: _Pending, body: Any) -> list[Any]:
        self._check_invoke(pending, body, "get_response")
        kind = str(body["tag"])
        inner = body["get_response"]
        if kind == "get_response_normal":
            return self._done(pending, (_get_result(inner["result"]),))
        if kind == "get_response_with_list":
            return self._done(pending, tuple(_get_result(r) for r in inner["result"]))
        block = inner["result"]
        number = int(block["block_number"])
        if number != pending.next_block:
            raise AssociationError(f"GET data block {number}, expected block {pending.next_block}")
        if str(block["result"]["tag"]) == "data_access_result":
            error = str(block["result"]["value"])
            return self._done(pending, tuple(GetResult(error=error) for _ in pending.refs))
        pending.blocks.append(bytes(block["result"]["value"]))
        if not block["last_block"]:
            pending.next_block += 1
            self._send(rq.get_request_next(pending.invoke, number))
            return []
        raw = b"".join(pending.blocks)
        try:
            if pending.with_list:
                results = tuple(_get_result(r) for r in
                                parse(_RESULT_LIST, raw, "xdlms"))
            else:
                results = (GetResult(data=fast_parse(Data, raw, "axdr")),)
        except DecodeError as e:  # a joined block that does not decode
            raise AssociationError(f"the joined GET data blocks do not decode: {e}") from None
        return self._done(pending, results)

    def _read_response(self, pending: _Pending, body: Any) -> list[Any]:
        if len(body) == 1 and str(body[0]["tag"]) == "data_block_result":
            block = body[0]["value"]
            number = int(block["block_number"])
            if number != pending.next_block:
                raise AssociationError(f"read data block {number}, expected block "
                                       f"{pending.next_block}")
            pending.blocks.append(bytes(block["raw_data"]))
            if not block["last_block"]:
                pending.next_block += 1
                self._send(rq.read_request((), block_number=number))
                return []
            raw = b"".join(pending.blocks)
            try:
                if pending.with_list:
                    body = parse(ReadResponse, raw, "xdlms")
                else:
                    return self._done(pending, (GetResult(data=fast_parse(Data, raw, "axdr")),))
            except DecodeError as e:
                raise AssociationError(f"the joined read data blocks do not decode: {e}") from None
        results = tuple(GetResult(data=r["value"]) if str(r["tag"]) == "data"
                        else GetResult(error=str(r["value"])) for r in body)
        return self._done(pending, results)

    def _next_block(self, pending: _Pending, request: Any, what: str) -> list[Any]:
        """The server acknowledged a block of a long SET or ACTION: send the next one."""
        if not pending.outgoing:
            raise AssociationError(f"the server asks for a {what} block we do not have")
        raw = pending.outgoing.pop(0)
        self._send(request(pending.invoke, None, pending.next_block, not pending.outgoing, raw))
        pending.next_block += 1
        return []

    def _set_response(self, pending: _Pending, body: Any) -> list[Any]:
        self._check_invoke(pending, body, "set_response")
        kind = str(body["tag"])
        inner = body["set_response"]
        if kind == "set_response_datablock":
            return self._next_block(pending, rq.set_request_block, "SET")
        result = inner["result"]
        results = tuple(str(r) for r in result) if isinstance(result, list) else (str(result),)
        return self._done(pending, results)

    def _action_response(self, pending: _Pending, apdu: Any, body: Any) -> list[Any]:
        self._check_invoke(pending, body, "action_response")
        kind = str(body["tag"])
        inner = body["action_response"]
        if kind == "action_response_next_pblock":
            return self._next_block(pending, rq.action_request_block, "ACTION")
        if kind == "action_response_with_pblock":
            block = inner["pblock"]
            pending.blocks.append(bytes(block["raw_data"]))
            if not block["last_block"]:
                self._send(rq.action_request_next(pending.invoke, int(block["block_number"])))
                return []
            data = fast_parse(Data, b"".join(pending.blocks), "axdr")
            results: tuple = (("success", data),)
        elif kind == "action_response_normal":
            results = (_action_result(inner["single_response"]),)
        else:
            results = tuple(_action_result(r) for r in inner["list_of_responses"])
        if pending.service == "hls":
            self._pending = None
            return self._pass4(apdu, results)
        return self._done(pending, results)

    # --- general-block-transfer ------------------------------------------------------------

    def _gbt_block(self, body: Any) -> list[Any]:
        """One GBT block from the server: gathered until the last block, whose joined data is
        then an APDU like any other; a window that ends before it is acknowledged."""
        number = int(body["block_number"])
        if number == 1:
            self._gbt_blocks = []
        elif number != len(self._gbt_blocks) + 1:
            raise AssociationError(f"general-block-transfer block {number}, expected block "
                                   f"{len(self._gbt_blocks) + 1}")
        self._gbt_blocks.append(bytes(body["block_data"]))
        control = body["block_control"]
        if control["last_block"]:
            joined, self._gbt_blocks = b"".join(self._gbt_blocks), []
            return self.receive_apdu(joined)
        if not control["streaming"]:
            self._gbt_sent += 1
            self._out.append(rq.gbt_acknowledgement(self._gbt_sent, number,
                                                    self.settings.gbt_window))
        return []

    # --- protection ------------------------------------------------------------------------

    def _send(self, apdu: bytes) -> None:
        s = self.settings
        if s.ciphered:
            apdu = self._protect(apdu, s.ciphering)
        self._out.append(apdu)

    def _protect(self, apdu: bytes, service: str) -> bytes:
        s = self.settings
        keys = s.keys
        if service in ("ded", "general-ded"):
            from ..security import Keyring, Keys
            table = keys.lookup(s.system_title)
            keys = Keyring(Keys(block_cipher_key=self._dedicated_key,
                                authentication_key=table.authentication_key,
                                dedicated_key=self._dedicated_key))
        return protect(apdu, s.security_control, s.system_title, self.counter.take(), keys,
                       service)

    def _unprotect(self, apdu: Any, events: list[Any]) -> Any:
        s = self.settings
        if s.keys is None:
            raise AssociationError("the server sent a protected APDU and no keys were given")
        if self._dedicated_key is not None:
            self.context.dedicated_key = self._dedicated_key
        try:
            result = unprotect(apdu, s.keys, self.server_system_title, context=self.context)
        except SecurityError as e:
            raise AssociationError(f"a response does not decipher: {e} (check the keys)") from None
        if result.apdu is None:
            raise AssociationError(f"a deciphered response does not decode: {result.error}")
        self._check_server_counter(result.invocation_counter, events)
        return result.apdu

    def _check_server_counter(self, ic: int | None, events: list[Any]) -> None:
        """The server's invocation counter must grow: the same value again is the known quirk
        of Gurux-based meters (not advanced after the ciphered AARE), a smaller one a replay."""
        if ic is None:
            return
        last = self._server_ic
        self._server_ic = ic if last is None else max(ic, last)
        if last is None or ic > last:
            return
        if ic == last:
            self._quirk(events, f"the server used invocation counter {ic} twice (Gurux-based "
                        "meters do not advance it after the ciphered AARE)")
            return
        raise AssociationError(f"the server's invocation counter went back from {last} to {ic}: "
                               "a replayed or forged response")

    def _quirk(self, events: list[Any], text: str) -> list[Any]:
        if self.settings.strict:
            raise AssociationError(f"{text}; refused (--strict)")
        events.append(AssociationWarning(text))
        return events

    # --- helpers ---------------------------------------------------------------------------

    def _start(self, service: str) -> None:
        if service not in _ALLOWED[self.state]:
            raise AssociationError(f"cannot {service} in state {self.state}", remote=False)
        if service in ("get", "set", "action", "request", "read", "write") and \
                self._pending is not None:
            raise AssociationError(f"a {self._pending.service} request is still waiting for its "
                                   "response", remote=False)

    def _next_invoke(self) -> int:
        fixed = self.settings.invoke_id
        self._invoke = (self._invoke + 1) & 0x0F if fixed is None else fixed & 0x0F
        return rq.invoke_id_and_priority(self._invoke)

    def _split(self, raw: bytes) -> list[bytes]:
        size = max(16, self.server_max_pdu - _SERVICE_OVERHEAD - (
            _SERVICE_OVERHEAD if self.settings.ciphered else 0))
        return [raw[i:i + size] for i in range(0, len(raw), size)] or [b""]


def _suite(security_control: int | None) -> int:
    return 0 if security_control is None else security_control & 0x0F


def _count(n: int) -> bytes:
    return Length.build(n)


def _get_result(result: Any) -> GetResult:
    if str(result["tag"]) == "data":
        return GetResult(data=result["value"])
    return GetResult(error=str(result["value"]))


def _action_result(response: Any) -> tuple[str, Any]:
    data = None
    ret = response.get("return_parameters")
    if ret is not None:
        data = ret["value"] if str(ret["tag"]) == "data" else None
        if str(ret["tag"]) != "data":
            return (str(response["result"]), {"error": str(ret["value"])})
    return (str(response["result"]), data)


def _service_error_text(apdu: Any) -> str:
    body = apdu.get("body", apdu)
    try:
        error = body["service_error"]
        return f"{body['tag']}: {error['tag']} {error['value']}"
    except (KeyError, TypeError):
        return "unknown error"


def _exception_text(apdu: Any) -> str:
    body = apdu["body"]
    return ", ".join(f"{k} {v}" for k, v in body.items() if not k.startswith("_"))


_REJECT_HINTS = {
    "authentication_failure": " (check the password or keys)",
    "authentication_required": " (the meter wants authentication: --auth)",
    "authentication_mechanism_name_not_recognised": " (the meter does not offer this --auth)",
    "application_context_name_not_supported": " (try --sn, or ciphering on or off)",
    "calling_ap_title_not_recognized": " (check --system-title)",
}
