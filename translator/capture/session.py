"""What a connection says over time: associations, directions, keys, pairs, security findings.

One ``Session`` per connection (or serial line) sees its records in order and fills in what no
single message tells: which side is the client, which association a message belongs to, the
parameters the AARQ/AARE and SNRM/UA negotiated, the system titles (so glo- APDUs can be
deciphered with the keyring), which response answers which request (by invoke-id) and how
long it took, and security findings:

* ``invocation_counter_reuse``: one sender (system title, key set) used an invocation counter
  twice - with one key that is GCM nonce reuse;
* ``invocation_counter_backwards``: a sender's counter went down;
* ``lls_password_in_clear``: an AARQ with low-level security carries its password (the value is
  never shown);
* ``unprotected_service``: an xDLMS service APDU in clear inside a ciphered association;
* ``authentication_failed``: a GCM/GMAC tag or signature that does not verify;
* ``hls_failed``: an HLS proof, f(StoC) of the client or f(CtoS) of the server, that does not
  verify with the keys or the HLS secret given (see ``authentication.py``).

Decryption goes through ``translator.security`` when it is installed; without it the security
headers are still read (through the schemas) and reported, marked as not deciphered.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..schema.acse import component
from ..schema.hdlc import parameters_dict
from ..schema.protection import APDUS as _PROTECTED_APDUS
from ..schema.protection import QUIRK_APDUS, security_header
from .knowledge import Knowledge
from .records import CLIENT_TO_SERVER, SERVER_TO_CLIENT, Record, Stats, _Latency, apdu_service

try:  # the security package is optional at this layer: decrypt only when it is there
    from ..assembly import unprotect_into
    from ..security import SecurityContext, SignatureError, TagMismatchError
    from .authentication import challenge as authentication_value
    from .authentication import hls_exchange
except ImportError:  # pragma: no cover - exercised only without translator.security
    unprotect_into = None  # type: ignore[assignment]
    SecurityContext = None  # type: ignore[assignment,misc]
    hls_exchange = None  # type: ignore[assignment]

__all__ = ["SECURITY_AVAILABLE", "Association", "CounterWatch", "Session", "content_direction"]

SECURITY_AVAILABLE = unprotect_into is not None and SecurityContext is not None

PROTECTED_NAMES = frozenset(name for name, _ in _PROTECTED_APDUS.values())

_CLIENT_APDUS = frozenset({
    "aarq", "rlrq", "initiate_request", "read_request", "write_request",
    "unconfirmed_write_request", "get_request", "set_request", "action_request", "access_request",
})
_SERVER_APDUS = frozenset({
    "aare", "rlre", "initiate_response", "read_response", "write_response", "get_response",
    "set_response", "action_response", "access_response", "data_notification",
    "event_notification_request", "information_report_request", "exception_response",
    "confirmed_service_error",
})
_XDLMS_SERVICES = frozenset({
    "read_request", "write_request", "unconfirmed_write_request", "get_request", "set_request",
    "action_request", "access_request", "read_response", "write_response", "get_response",
    "set_response", "action_response", "access_response", "data_notification",
    "event_notification_request", "information_report_request",
})
_ACSE_NAMES = frozenset({"aarq", "aare", "rlrq", "rlre"})
_HDLC_FROM_CLIENT = frozenset({"snrm", "disc"})
_HDLC_FROM_SERVER = frozenset({"ua", "dm", "frmr"})
_PAIRS = {"get_request": "get", "get_response": "get", "set_request": "set",
          "set_response": "set", "action_request": "action", "action_response": "action",
          "access_request": "access", "access_response": "access", "aarq": "aa", "aare": "aa",
          "rlrq": "rl", "rlre": "rl", "read_request": "read", "read_response": "read",
          "write_request": "write", "write_response": "write",
          "initiate_request": "initiate", "initiate_response": "initiate"}
_MAX_PENDING = 256


def plain_name(name: str) -> str:
    """``glo_get_request`` / ``ded_get_request`` -> ``get_request``; others unchanged."""
    if name.startswith(("glo_", "ded_")):
        return name[4:]
    return name


def content_direction(record: Record) -> str | None:
    """The direction the message itself tells (requests come from the client), else None."""
    msg = record.message
    if msg is None:
        return None
    apdu = record.apdu
    if isinstance(apdu, dict) and "tag" in apdu and not msg.extra:  # extra octets: a wrong tag?
        name = plain_name(str(apdu["tag"]))
        if name in _CLIENT_APDUS:
            return CLIENT_TO_SERVER
        if name in _SERVER_APDUS:
            return SERVER_TO_CLIENT
    if msg.llc is not None:
        llc_dir = msg.llc.get("direction")
        if llc_dir == "command":
            return CLIENT_TO_SERVER
        if llc_dir == "response":
            return SERVER_TO_CLIENT
    if msg.framing == "hdlc" and msg.frames:
        kind = str(msg.frames[0].frame.control.kind)
        if kind in _HDLC_FROM_CLIENT:
            return CLIENT_TO_SERVER
        if kind in _HDLC_FROM_SERVER:
            return SERVER_TO_CLIENT
    return None


def _address_key(record: Record) -> tuple | None:
    """Link addresses of the message (HDLC destination/source, wrapper wPorts)."""
    msg = record.message
    if msg is None or not msg.frames:
        return None
    f = msg.frames[0].frame
    if msg.framing == "hdlc":
        return ("hdlc", f.destination_address.get("address"), f.source_address.get("address"))
    if msg.framing == "wrapper":
        return ("wrapper", f.source_wport, f.destination_wport)
    return None


class CounterWatch:
    """Invocation counters per key (system title, key set): reuse and going backwards.

    The GCM nonce is the sender's system title and its invocation counter, so a counter seen
    twice under one title and key is a reuse, whichever side sent it (two sides that share a
    title share the nonce space). "Backwards" is judged per sending side. Only the last
    ``window`` counters of each key are remembered (memory stays flat).
    """

    def __init__(self, window: int = 4096, keys: int = 4096) -> None:
        self.window = window
        self.max_keys = keys
        self._seen: OrderedDict[tuple, OrderedDict[int, int | None]] = OrderedDict()
        self._last: OrderedDict[tuple, int] = OrderedDict()

    def check(self, key: tuple, counter: int, number: int | None,
              sender: str | None = None) -> list[str]:
        seen = self._seen.get(key)
        if seen is None:
            seen = self._seen[key] = OrderedDict()
            if len(self._seen) > self.max_keys:  # e.g. a dedicated key per association
                self._seen.popitem(last=False)
        else:
            self._seen.move_to_end(key)
        who = f"system title {key[0]}" + (f", {key[1]} key" if key[1] else "")
        out = []
        mine = key + (sender,)
        if counter in seen:
            first = seen[counter]
            out.append(f"invocation_counter_reuse: invocation counter {counter} (0x{counter:08X}) "
                       f"used again under {who}" + (f", first in packet {first}" if first else "")
                       + " (GCM nonce reuse under one key)")
        elif mine in self._last and counter < self._last[mine]:
            out.append(f"invocation_counter_backwards: invocation counter {counter} "
                       f"(0x{counter:08X}) under {who} is below the previous {self._last[mine]}")
        seen[counter] = number
        if len(seen) > self.window:
            seen.popitem(last=False)
        self._last[mine] = max(counter, self._last.get(mine, counter))
        self._last.move_to_end(mine)
        if len(self._last) > 2 * self.max_keys:
            self._last.popitem(last=False)
        return out


@dataclass
class Association:
    """One application association (``index`` 0: traffic before any AARQ in the capture)."""

    stream: str
    index: int
    client: str | None = None
    server: str | None = None
    context: str | None = None
    mechanism: str | None = None
    result: str | None = None
    client_system_title: str | None = None
    server_system_title: str | None = None
    dlms_version: int | None = None
    proposed_conformance: list[str] = field(default_factory=list)
    negotiated_conformance: list[str] = field(default_factory=list)
    client_max_pdu: int | None = None
    server_max_pdu: int | None = None
    hdlc: dict[str, Any] = field(default_factory=dict)
    released: bool = False
    messages: int = 0
    errors: int = 0
    services: Counter = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)
    latency: _Latency = field(default_factory=_Latency)
    first: float | None = None
    last: float | None = None
    security: Any = None   # translator.security.SecurityContext, when available
    hls: Any = None        # authentication.HlsExchange of an HLS association
    link_only: bool = False  # opened by an SNRM, its AARQ not seen yet
    knowledge: Knowledge = field(default_factory=Knowledge)  # requests, scaler-units, columns

    @property
    def ciphered(self) -> bool:
        return bool(self.context and "with_ciphering" in self.context)

    def summary(self) -> dict[str, Any]:
        return {
            "stream": self.stream, "index": self.index, "client": self.client,
            "server": self.server, "context": self.context, "mechanism": self.mechanism,
            "result": self.result, "client_system_title": self.client_system_title,
            "server_system_title": self.server_system_title, "dlms_version": self.dlms_version,
            "conformance": self.negotiated_conformance or self.proposed_conformance,
            "client_max_pdu": self.client_max_pdu, "server_max_pdu": self.server_max_pdu,
            "hdlc": self.hdlc, "released": self.released, "messages": self.messages,
            "errors": self.errors, "services": dict(self.services.most_common()),
            "latency": self.latency.to_dict(), "findings": list(self.findings),
            "first": self.first, "last": self.last,
            "hls": None if self.hls is None else self.hls.summary(),
        }


class Session:
    """The records of one connection, in order; see the module docstring."""

    def __init__(self, stream: str, keys: Any = None, stats: Stats | None = None,
                 counters: CounterWatch | None = None) -> None:
        self.stream = stream
        self.keys = keys
        self.stats = stats
        self.counters = counters if counters is not None else CounterWatch()
        self.client: str | None = None            # the client's endpoint, once known
        self.hdlc: dict[str, Any] = {}
        self._addresses: dict[tuple, str] = {}
        self._count = 0
        self.association = self._new_association(0)
        self._pending: OrderedDict[tuple, tuple[float | None, int | None]] = OrderedDict()
        self._user_information: Any = None   # a deciphered xDLMS APDU of an AARQ/AARE
        self._ic: tuple | None = None            # (counter key, invocation counter) to check

    # -- public --------------------------------------------------------------------------------
    def process(self, record: Record) -> None:
        """Fill in the record's direction, association, security, pairing and findings."""
        msg = record.message
        self._user_information = None
        if msg is not None and msg.apdu is not None and msg.framing != "garbage":
            self._before(record)
            self._security(record)
        elif _frame_kind(msg) == "snrm":
            self._link_opened()
        self._direction(record)
        if self._ic is not None:
            key, counter = self._ic
            self._ic = None
            record.findings.extend(self.counters.check(key, counter, record.number,
                                                       record.direction))
        if msg is not None and msg.apdu is not None:
            self._after(record)
            if self.association.hls is not None:
                self._hls(record)
        elif msg is not None and msg.framing == "hdlc":
            self._hdlc(record)
        if record.error is None and msg is not None and msg.errors:
            record.error = _message_error(msg)
        self._pair(record)
        self._learn(record)
        self._account(record)

    def close(self) -> None:
        """Hand the open association to the stats (end of the connection or the capture)."""
        self._close_association()

    # -- associations ----------------------------------------------------------------------------
    def _new_association(self, index: int) -> Association:
        assoc = Association(self.stream, index, hdlc=dict(self.hdlc))
        if SECURITY_AVAILABLE:
            assoc.security = SecurityContext()
        return assoc

    def _close_association(self) -> None:
        assoc = self.association
        if self.stats is not None and (assoc.messages or assoc.index):
            self.stats.add_association(assoc.summary())

    def _before(self, record: Record) -> None:
        """An AARQ opens a new association before its own record is accounted (unless an SNRM
        just opened one for it)."""
        name = str(record.message.apdu.get("tag"))
        if name == "aarq":
            if self.association.link_only:
                self.association.link_only = False
                return
            self._open_association()

    def _link_opened(self) -> None:
        """An SNRM: it and its UA belong to the association that follows on the link."""
        if not self.association.link_only:
            self._open_association()
            self.association.link_only = True

    def _open_association(self) -> None:
        self._close_association()
        self._count += 1
        self.association = self._new_association(self._count)

    def _after(self, record: Record) -> None:
        assoc = self.association
        apdu = record.message.apdu
        name = str(apdu.get("tag"))
        if name in ("aarq", "aare"):
            self._acse(record, apdu, name)
        elif name in ("rlrq", "rlre"):
            assoc.released = True
        service = plain_name(str((record.apdu or {}).get("tag", name)))
        if (assoc.ciphered and service in _XDLMS_SERVICES and name not in PROTECTED_NAMES
                and record.plain is None and name != "general_block_transfer"):
            record.findings.append(f"unprotected_service: {apdu_service(apdu)} in clear inside "
                                   f"an association with {assoc.context}")

    def _acse(self, record: Record, apdu: Any, name: str) -> None:
        assoc = self.association
        context = component(apdu, "application_context_name")
        if isinstance(context, Mapping) and context.get("name"):
            assoc.context = str(context["name"])
        if name == "aarq":
            mechanism = component(apdu, "mechanism_name")
            if isinstance(mechanism, Mapping) and mechanism.get("name"):
                assoc.mechanism = str(mechanism["name"])
            title = component(apdu, "calling_ap_title")
            if isinstance(title, Mapping) and title.get("value"):
                assoc.client_system_title = bytes(title["value"]).hex().upper()
            if hls_exchange is not None:
                assoc.hls = hls_exchange(apdu)
            secret = component(apdu, "calling_authentication_value")
            if assoc.mechanism == "low_level_security" and isinstance(secret, Mapping):
                value = secret.get("value")
                size = len(value) if isinstance(value, (bytes, bytearray)) else "some"
                record.findings.append(f"lls_password_in_clear: the AARQ carries a low-level-"
                                       f"security password in clear ({size} octets, redacted)")
        else:
            result = component(apdu, "result")
            if isinstance(result, Mapping):
                assoc.result = str(result.get("value"))
            if assoc.hls is not None:
                assoc.hls.stoc = authentication_value(apdu, "responding_authentication_value")
            title = component(apdu, "responding_ap_title")
            if isinstance(title, Mapping) and title.get("value"):
                assoc.server_system_title = bytes(title["value"]).hex().upper()
                if assoc.server_system_title == assoc.client_system_title:
                    record.findings.append(
                        f"shared_system_title: client and server both use system title "
                        f"{assoc.server_system_title}, so under one key their invocation "
                        "counters share one GCM nonce space")
        info = component(apdu, "user_information")
        inner = info.get("value") if isinstance(info, Mapping) else None
        if self._user_information is not None:
            inner, self._user_information = self._user_information, None
        if isinstance(inner, Mapping):
            self._initiate(inner)

    def _initiate(self, inner: Mapping) -> None:
        assoc = self.association
        name = str(inner.get("tag"))
        body = inner.get("body")
        if not isinstance(body, Mapping):
            return
        if name == "initiate_request":
            assoc.client_max_pdu = body.get("client_max_receive_pdu_size")
            conformance = body.get("proposed_conformance")
            if isinstance(conformance, Mapping):
                assoc.proposed_conformance = list(conformance.get("named") or [])
            assoc.dlms_version = body.get("proposed_dlms_version_number")
        elif name == "initiate_response":
            assoc.server_max_pdu = body.get("server_max_receive_pdu_size")
            conformance = body.get("negotiated_conformance")
            if isinstance(conformance, Mapping):
                assoc.negotiated_conformance = list(conformance.get("named") or [])
            assoc.dlms_version = body.get("negotiated_dlms_version_number")

    def _hdlc(self, record: Record) -> None:
        msg = record.message
        kind = str(msg.frames[0].frame.control.kind)
        if msg.parameters is not None:
            params = parameters_dict(msg.parameters)
            prefix = "proposed" if kind == "snrm" else "negotiated"
            self.hdlc.update({f"{prefix}_{k}": v for k, v in params.items()})
            self.association.hdlc = dict(self.hdlc)
        if kind == "disc":
            self.association.released = True

    def _hls(self, record: Record) -> None:
        """HLS pass 3 or 4 in the cleartext APDU: the proof checked (``authentication.py``)."""
        assoc = self.association
        context = assoc.security
        result = assoc.hls.observe(record.apdu, self.keys,
                                   getattr(context, "client_system_title", None),
                                   getattr(context, "server_system_title", None))
        if result is None:
            return
        record.hls = result
        if result["verified"] is False:
            who = "client's f(StoC)" if result["by"] == "client" else "server's f(CtoS)"
            record.findings.append(f"hls_failed: the {who} does not verify (HLS mechanism "
                                   f"{result['mechanism']}, {result['name']})")

    # -- directions ------------------------------------------------------------------------------
    def _direction(self, record: Record) -> None:
        told = content_direction(record)
        key = _address_key(record)
        if key is not None and key[1] == key[2]:
            key = None  # the same address both ways tells nothing (andrebdo, htanwar samples)
        endpoints = bool(record.src) and record.src != record.dst
        if told is not None:
            if key is not None:
                self._addresses[key] = told
            if endpoints and self.client is None:
                self.client = record.src if told == CLIENT_TO_SERVER else record.dst
            record.direction = told
        elif endpoints and self.client is not None:
            record.direction = CLIENT_TO_SERVER if record.src == self.client else SERVER_TO_CLIENT
        elif key is not None and key in self._addresses:
            record.direction = self._addresses[key]
        if record.direction is not None:
            assoc = self.association
            if record.src and record.dst:
                client, server = ((record.src, record.dst) if record.direction == CLIENT_TO_SERVER
                                  else (record.dst, record.src))
                assoc.client = assoc.client or client
                assoc.server = assoc.server or server

    # -- security --------------------------------------------------------------------------------
    def _security(self, record: Record) -> None:
        """Decipher/verify through the core (``unprotect_into``) with this association's
        security context, shared by both directions: titles from AARQ/AARE, the dedicated key
        from a deciphered InitiateRequest."""
        msg = record.message
        apdu = msg.apdu
        name = str(apdu.get("tag"))
        header = None
        quirk = apdu.get("tag") in QUIRK_APDUS  # a ciphered ACCESS under tag 0x00
        if quirk:
            name = apdu_service(apdu)
        if (name in PROTECTED_NAMES or quirk) and name != "general_signing":
            try:
                header = security_header(apdu["body"])
            except (ValueError, KeyError, TypeError):
                header = None
        if header is None and name not in _ACSE_NAMES and name not in PROTECTED_NAMES:
            return  # nothing protected in it (cheap check first: most APDUs in a capture)
        if not SECURITY_AVAILABLE:
            if header is not None:
                record.security = _header_summary(name, header, None)
                record.security["note"] = "not deciphered: translator.security is not installed"
                self._counter(record, name, header, None)
            return
        context = self.association.security
        notes, errors = len(msg.notes), len(msg.errors)
        if msg.security is None:
            try:
                unprotect_into(msg, self.keys, context)
            except Exception as e:  # noqa: BLE001 - a bug in one message must not stop a capture
                msg.errors.append(e)
        result = msg.security
        new_notes, new_errors = msg.notes[notes:], msg.errors[errors:]
        if result is None:
            if header is None and not new_notes and not new_errors:
                return  # not protected
            record.security = _header_summary(name, header, context)
            if new_notes:
                record.security["note"] = "; ".join(new_notes)
            for error in new_errors:
                record.security["error"] = str(error)
                if isinstance(error, (TagMismatchError, SignatureError)):
                    record.findings.append(f"authentication_failed: {error}")
            self._counter(record, name, header, context)
            return
        summary = result.summary()
        summary["protected"] = result.protected_name
        if result.location != "apdu":
            summary["location"] = result.location
        if new_errors:
            summary["error"] = str(new_errors[0])
        if new_notes:  # e.g. which keyring system title deciphered a lone glo- APDU
            summary["note"] = "; ".join(n for n in (summary["note"], *new_notes) if n)
        record.security = summary
        if result.location == "apdu":
            if result.apdu is not None:
                record.plain = result.apdu
        elif result.apdu is not None:
            self._user_information = result.apdu
        self._counter(record, result.protected_name if quirk else name, result.header or header,
                      context)

    def _counter(self, record: Record, name: str, header: Any, context: Any) -> None:
        if header is None:
            return
        title = header.system_title
        if not title and context is not None:
            title = context.sender_title(plain_name(name))
        if not title:
            return
        family = "dedicated" if name.startswith(("ded_", "general_ded")) else header.key_set
        key = (bytes(title).hex().upper(), family,
               self.association.index if family == "dedicated" else None)
        self._ic = (key, header.invocation_counter)   # checked once the direction is known

    # -- request/response pairs ------------------------------------------------------------------
    def _pair(self, record: Record) -> None:
        msg = record.message
        if msg is None:
            return
        apdu = record.apdu
        if isinstance(apdu, dict) and "tag" in apdu:
            name = plain_name(str(apdu["tag"]))
        elif msg.framing == "hdlc" and msg.frames:
            name = str(msg.frames[0].frame.control.kind)
        else:
            return
        if name in ("snrm", "disc", "ua", "dm"):
            family, request = "hdlc", name in ("snrm", "disc")
        elif name in _PAIRS:
            family, request = _PAIRS[name], name.endswith(("request", "rq")) or name == "aarq"
        else:
            return
        invoke = record.invoke_id
        if invoke is not None:
            invoke &= 0x0F if family in ("get", "set", "action") else 0xFFFFFF
        key = (family, invoke)
        if request:
            self._pending[key] = (record.time, record.number)
            self._pending.move_to_end(key)
            if len(self._pending) > _MAX_PENDING:
                self._pending.popitem(last=False)
            return
        asked = self._pending.pop(key, None)
        if asked is None:
            return
        time, number = asked
        record.reply_to = number
        if time is not None and record.time is not None:
            record.latency = max(0.0, record.time - time)

    def _learn(self, record: Record) -> None:
        """GET requests and responses through the association's ``Knowledge``."""
        if record.message is not None:
            self.association.knowledge.learn(record, record.apdu)

    def _account(self, record: Record) -> None:
        assoc = self.association
        record.association = assoc.index
        if record.message is not None:
            assoc.messages += 1
            assoc.services[record.service or record.layer or "?"] += 1
        if record.error:
            assoc.errors += 1
        assoc.findings.extend(f for f in record.findings if len(assoc.findings) < 20)
        if record.latency is not None:
            assoc.latency.add(record.latency)
        if record.time is not None:
            assoc.first = record.time if assoc.first is None else assoc.first
            assoc.last = record.time
        if record.direction is not None and record.src and record.dst:
            client, server = ((record.src, record.dst) if record.direction == CLIENT_TO_SERVER
                              else (record.dst, record.src))
            assoc.client = assoc.client or client
            assoc.server = assoc.server or server


def _frame_kind(msg: Any) -> str | None:
    """The HDLC frame kind (snrm, ua, i, ...) of a message without an APDU, else None."""
    if msg is None or msg.framing != "hdlc" or not msg.frames:
        return None
    return str(msg.frames[0].frame.control.kind)


def _message_error(msg: Any) -> str:
    text = str(msg.errors[0]).replace("\n", " ")
    if len(msg.errors) > 1:
        text += f" (+{len(msg.errors) - 1} more)"
    return text


def _header_summary(name: str, header: Any, context: Any) -> dict[str, Any]:
    """The ``security`` record of a protected APDU that was not deciphered."""
    title = None if header is None else header.system_title
    if not title and context is not None:
        title = context.sender_title(plain_name(name))
    return {
        "sc": None if header is None else f"{header.security_control:02X}",
        "system_title": bytes(title).hex().upper() if title else None,
        "invocation_counter": None if header is None else header.invocation_counter,
        "decrypted": False,
        "verified": False,
        "note": None,
        "protected": name,
    }
