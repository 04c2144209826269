"""The server side of an application association, sans-io: request APDUs in, response APDUs out.

``ServerAssociation.receive_apdu(octets)`` returns the APDUs to send back (none, one or, never
more than one per request). It checks the AARQ (application context, authentication mechanism,
LLS password, the ciphered InitiateRequest), answers the AARE with the negotiated conformance
and max PDU, runs the HLS passes 3 and 4 (the client's f(StoC) checked, our f(CtoS) returned),
deciphers requests and answers them protected in kind (glo-/ded-/general-glo-/general-ded-
ciphering with the request's security control), and refuses a repeated or older client
invocation counter. GET/SET/ACTION themselves are ``services.Services``.

States (explicit table ``_SERVICES``)::

    idle --AARQ ok--> associated                 (no authentication, LLS)
    idle --AARQ ok, HLS--> authenticating --f(StoC) ok--> associated
    associated --RLRQ--> idle                    (a new AARQ may follow on the same link)
    any --AARQ refused, or f(StoC) wrong--> idle
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass, field
from typing import Any

from ..client.counters import InvocationCounter
from ..client.settings import AUTHENTICATION
from ..errors import DecodeError
from ..schema._compile import fast_parse
from ..schema._core import build
from ..schema.acse import XdlmsApdu, component
from ..schema.apdu import Apdu
from ..schema.initiate import conformance_value
from ..security import (
    Keyring,
    Keys,
    SecurityContext,
    SecurityError,
    f_ctos,
    hls_verify,
    protect,
    unprotect,
)
from ..security.unprotecting import PROTECTED_NAMES, service_of, unprotect_message_apdu
from .gbt import BlockTransfer
from .objects import Refused
from .services import Services
from .short_names import ShortNames

__all__ = ["SERVER_CONFORMANCE", "ServerAssociation", "ServerSettings"]

SERVER_CONFORMANCE = {
    "ln": ("general_block_transfer", "block_transfer_with_get_or_read",
           "block_transfer_with_set_or_write", "block_transfer_with_action",
           "multiple_references", "get", "set", "selective_access", "action"),
    "sn": ("block_transfer_with_get_or_read", "multiple_references", "read", "write",
           "parameterized_access"),
}
"""What the simulator implements per referencing; the AARE offers its intersection with the
client's proposal."""

_CONTEXTS = {"2.16.756.5.8.1.1": ("ln", False), "2.16.756.5.8.1.2": ("sn", False),
             "2.16.756.5.8.1.3": ("ln", True), "2.16.756.5.8.1.4": ("sn", True)}
_VAA_NAME = {"ln": 7, "sn": -0x600}   # 0x0007; the Association SN base name 0xFA00
_MECHANISM_PREFIX = "2.16.756.5.8.2."
_MECHANISM_NAMES = {v: k for k, v in AUTHENTICATION.items()}

# state -> the plaintext services it answers
_SERVICES = {
    "idle": frozenset({"aarq"}),
    "authenticating": frozenset({"aarq", "action_request", "rlrq"}),
    "associated": frozenset({"aarq", "get_request", "set_request", "action_request", "rlrq",
                             "read_request", "write_request"}),
}

_PROTECTION_OVERHEAD = 32
"""Octets a ciphered response adds to its plaintext at most (general-glo: tag, length, title,
security control, invocation counter, 12-octet tag), kept free under the client's max PDU."""


@dataclass(frozen=True)
class ServerSettings:
    """What the simulated meter accepts; secrets are never shown by ``repr``."""

    authentication: tuple[str, ...] = ()        # accepted mechanisms by name; empty: any
    password: bytes | None = field(default=None, repr=False)   # LLS / HLS 3,4,6 secret
    keys: Keyring | None = field(default=None, repr=False)
    security_control: int | None = None         # required on every xDLMS APDU when set
    system_title: bytes | None = None           # None: the model's [meter] system_title
    max_pdu_size: int | None = None             # server-max-receive-pdu-size; None: the model's
    invocation_counter: int = 1                 # the first one the meter uses


class ServerAssociation:
    """One client's association with the simulated meter (see the module docstring)."""

    def __init__(self, model: Any, settings: ServerSettings, client_address: int = 16,
                 counter: InvocationCounter | None = None) -> None:
        """``counter``: the meter's invocation counter, shared by every association of one
        meter (a counter per association would repeat GCM nonces under the same key)."""
        self.model = model
        self.settings = settings
        self.system_title = settings.system_title or model.system_title
        self.max_pdu_size = settings.max_pdu_size or model.max_pdu_size
        self.keys = settings.keys if settings.keys is not None else model.keys
        self.client_address = client_address
        self.state = "idle"
        self.counter = counter or InvocationCounter(settings.invocation_counter)
        self.services = Services(model, self)
        self.short_names = ShortNames(model, self)
        self.gbt = BlockTransfer()
        self._reset()

    def _reset(self) -> None:
        self.state = "idle"
        self.ciphered = False
        self.mechanism = 0
        self.client_system_title: bytes | None = None
        self.context = SecurityContext(server_system_title=self.system_title)
        self._client_ic: int | None = None
        self._ctos = b""
        self._stoc = b""
        self.referencing = "ln"
        self.gbt = BlockTransfer()
        for services in (self.services, self.short_names):
            services.client_max_pdu = 0xFFFF
            services.overhead = 0

    # --- the one entry point ------------------------------------------------------------------

    def receive_apdu(self, data: bytes) -> list[bytes]:
        """The response APDUs for one APDU from the client (GBT blocks when the response is
        longer than the client takes and general-block-transfer was negotiated)."""
        out = []
        responses = self._receive(data)
        for apdu in responses:
            out += self.gbt.send(apdu)
        return out

    def _receive(self, data: bytes) -> list[bytes]:
        try:
            apdu = fast_parse(Apdu, bytes(data), "apdu")
        except DecodeError:
            return [self._exception("service_unknown", "service_not_supported")]
        name = str(apdu["tag"])
        if name == "aarq":
            return [self._aarq(apdu)]
        if name == "general_block_transfer" and self.gbt.enabled:
            joined, blocks = self.gbt.receive(apdu["body"])
            if joined is None:
                return blocks   # each shorter than the client's max PDU: sent as they are
            return self._receive(joined)
        protection = None
        if name in PROTECTED_NAMES:
            if not self.ciphered:
                return [self._exception("service_not_allowed", "operation_not_possible")]
            try:
                result = unprotect(apdu, self._keys(), self.client_system_title,
                                   context=self.context)
            except SecurityError:
                return [self._exception("service_not_allowed", "deciphering_error")]
            if result.apdu is None:
                return [self._exception("service_unknown", "service_not_supported")]
            ic = result.invocation_counter
            if ic is not None and self._client_ic is not None and ic <= self._client_ic:
                return [self._exception("service_not_allowed", "invocation_counter_error",
                                        self._client_ic + 1)]
            if ic is not None:
                self._client_ic = ic
            required = self.settings.security_control
            if required is not None and result.security_control != required:
                return [self._exception("service_not_allowed", "operation_not_possible")]
            protection = (service_of(name), result.security_control)
            apdu = result.apdu
            name = str(apdu["tag"])
        elif self.ciphered and name not in ("rlrq",):
            return [self._exception("service_not_allowed", "operation_not_possible")]
        if name not in _SERVICES[self.state]:
            return [self._exception("service_not_allowed", "service_not_supported")]
        if name == "rlrq":
            return [self._rlrq(apdu)]
        body = apdu["body"]
        if name in ("read_request", "write_request") or self.referencing == "sn":
            plain = self._short_name(name, body)
        elif self.state == "authenticating":
            plain = self.services.action(body, hls=self._pass3)
        elif name == "get_request":
            plain = self.services.get(body)
        elif name == "set_request":
            plain = self.services.set(body)
        else:
            plain = self.services.action(body)
        return [self._protect(plain, protection)]

    def receive_released(self) -> None:
        """The link under the association went down (DISC): the association ends with it."""
        self._reset()

    def _short_name(self, name: str, body: Any) -> bytes:
        if self.referencing != "sn" or self.state != "associated":
            return self._exception("service_not_allowed", "service_not_supported")
        if name == "read_request":
            return self.short_names.read(body)
        if name == "write_request":
            return self.short_names.write(body)
        return self._exception("service_not_allowed", "service_not_supported")

    # --- ACSE ---------------------------------------------------------------------------------

    def _aarq(self, apdu: Any) -> bytes:
        self._reset()
        context = component(apdu, "application_context_name")
        oid = str(context["oid"]) if context else ""
        title = component(apdu, "calling_ap_title")
        self.client_system_title = bytes(title["value"]) if title and title.get("value") else None
        self.context.client_system_title = self.client_system_title
        mechanism_name = component(apdu, "mechanism_name")
        mech_oid = str(mechanism_name["oid"]) if mechanism_name else ""
        mechanism = int(mech_oid.rsplit(".", 1)[1]) if mech_oid.startswith(_MECHANISM_PREFIX) \
            else (0 if not mech_oid else -1)
        value = component(apdu, "calling_authentication_value")
        secret = bytes(value["value"]) if value and isinstance(value.get("value"), bytes) else b""
        if oid not in _CONTEXTS:
            return self._aare_refused(oid, "application_context_name_not_supported")
        referencing, ciphered = _CONTEXTS[oid]
        if ciphered and (self.keys is None or not self.client_system_title):
            return self._aare_refused(oid, "application_context_name_not_supported"
                                      if self.keys is None
                                      else "calling_ap_title_not_recognized")
        if not ciphered and self.settings.security_control is not None:
            return self._aare_refused(oid, "application_context_name_not_supported")
        accepted = self.settings.authentication
        name = _MECHANISM_NAMES.get(mechanism)
        if name is None or name == "high" or (accepted and name not in accepted):
            return self._aare_refused(oid, "authentication_mechanism_name_not_recognised")
        if mechanism == 1 and not _same_secret(secret, self.password()):
            return self._aare_refused(oid, "authentication_failure")
        if mechanism >= 2 and not 8 <= len(secret) <= 64:
            return self._aare_refused(oid, "authentication_failure")
        info = component(apdu, "user_information")
        xdlms = info["value"] if info else None
        if xdlms is None:
            return self._aare_refused(oid, "no_reason_given")
        initiate_service = None
        if str(xdlms["tag"]) in PROTECTED_NAMES:
            if not ciphered:
                return self._aare_refused(oid, "no_reason_given")
            try:
                result = unprotect_message_apdu(apdu, self._keys(), self.context)
            except SecurityError:
                return self._aare_refused(oid, "no_reason_given", xdlms_error="deciphering")
            if result is None or result.apdu is None:
                return self._aare_refused(oid, "no_reason_given")
            self._client_ic = result.invocation_counter
            initiate_service = (service_of(str(xdlms["tag"])), result.security_control)
            xdlms = result.apdu
        elif ciphered:
            return self._aare_refused(oid, "no_reason_given")
        if str(xdlms["tag"]) != "initiate_request":
            return self._aare_refused(oid, "no_reason_given")
        request = xdlms["body"]
        if int(request["proposed_dlms_version_number"]) < 6:
            return self._aare_refused(oid, "no_reason_given", xdlms_error="dlms_version_too_low")
        proposed = set(request["proposed_conformance"]["named"])
        offered = tuple(n for n in SERVER_CONFORMANCE[referencing] if n in proposed)
        if not offered:
            return self._aare_refused(oid, "no_reason_given",
                                      xdlms_error="incompatible_conformance")
        client_max = int(request["client_max_receive_pdu_size"]) or 0xFFFF
        if client_max < 12:
            return self._aare_refused(oid, "no_reason_given", xdlms_error="pdu_size_too_short")
        if referencing == "sn" and mechanism >= 2:
            return self._aare_refused(oid, "authentication_mechanism_name_not_recognised")
        self.ciphered = ciphered
        self.mechanism = mechanism
        self.referencing = referencing
        self.gbt.enabled = "general_block_transfer" in offered
        self.gbt.client_max_pdu = client_max
        for services in (self.services, self.short_names):
            # with GBT a long response goes in GBT blocks instead of service blocks
            services.client_max_pdu = 0xFFFF if self.gbt.enabled else client_max
            services.overhead = _PROTECTION_OVERHEAD if ciphered else 0
        self._ctos = secret
        initiate = build(XdlmsApdu, {"tag": "initiate_response", "body": {
            "negotiated_quality_of_service": None, "negotiated_dlms_version_number": 6,
            "negotiated_conformance": {"unused_bits": 0, "value": conformance_value(offered)},
            "server_max_receive_pdu_size": self.max_pdu_size,
            "vaa_name": _VAA_NAME[referencing]}}, "acse")
        if initiate_service is not None:
            initiate = self._protect(initiate, initiate_service, glo_only=True)
        components = self._aare_head(oid, "accepted",
                                     "authentication_required" if mechanism >= 2 else "null")
        if mechanism >= 1:
            components += [
                {"tag": "responder_acse_requirements", "value": {"unused_bits": 7,
                                                                 "bits": b"\x80"}},
                {"tag": "mechanism_name", "value": {"oid": mech_oid}}]
        if mechanism >= 2:
            self._stoc = os.urandom(16)
            components.append({"tag": "responding_authentication_value",
                               "value": {"tag": "charstring", "value": self._stoc}})
        components.append(_user_information(initiate))
        self.state = "authenticating" if mechanism >= 2 else "associated"
        return build(Apdu, {"tag": "aare", "body": {"components": components}}, "apdu")

    def _aare_head(self, oid: str, result: str, diagnostic: str) -> list[dict]:
        components = [
            {"tag": "application_context_name",
             "value": {"tag": 6, "oid": oid or "2.16.756.5.8.1.1"}},
            {"tag": "result", "value": {"tag": 2, "value": result}},
            {"tag": "result_source_diagnostic",
             "value": {"tag": "acse_service_user", "value": {"tag": 2, "value": diagnostic}}}]
        if self.system_title:
            components.append({"tag": "responding_ap_title",
                               "value": {"tag": 4, "value": self.system_title}})
        return components

    def _aare_refused(self, oid: str, diagnostic: str, xdlms_error: str | None = None) -> bytes:
        """AARE rejected-permanent; an xDLMS problem also carries a ConfirmedServiceError."""
        self._reset()
        components = self._aare_head(oid if oid in _CONTEXTS else "", "rejected_permanent",
                                     diagnostic)
        if xdlms_error is not None:
            error = ({"tag": "application_reference", "value": "deciphering_error"}
                     if xdlms_error == "deciphering" else
                     {"tag": "initiate", "value": xdlms_error})
            components.append(_user_information(build(XdlmsApdu, {
                "tag": "confirmed_service_error",
                "body": {"tag": "initiate_error", "service_error": error}}, "acse")))
        return build(Apdu, {"tag": "aare", "body": {"components": components}}, "apdu")

    def _rlrq(self, apdu: Any) -> bytes:
        components: list[dict] = [{"tag": "reason", "value": "normal"}]
        info = component(apdu, "user_information")
        if info and self.ciphered and str(info["value"]["tag"]) in PROTECTED_NAMES:
            initiate = build(XdlmsApdu, {"tag": "initiate_response", "body": {
                "negotiated_quality_of_service": None, "negotiated_dlms_version_number": 6,
                "negotiated_conformance": {"unused_bits": 0,
                                           "value": conformance_value(
                                               SERVER_CONFORMANCE[self.referencing])},
                "server_max_receive_pdu_size": self.max_pdu_size,
                "vaa_name": _VAA_NAME[self.referencing]}},
                "acse")
            try:
                result = unprotect_message_apdu(apdu, self._keys(), self.context)
            except SecurityError:
                result = None
            sc = result.security_control if result is not None else None
            service = service_of(str(info["value"]["tag"]))
            components.append(_user_information(
                self._protect(initiate, (service, sc), glo_only=True)))
        self._reset()
        return build(Apdu, {"tag": "rlre", "body": {"components": components}}, "apdu")

    # --- HLS pass 3 and 4 ---------------------------------------------------------------------

    def _pass3(self, parameters: dict | None) -> dict:
        """Check the client's f(StoC); the association opens and f(CtoS) goes back."""
        if parameters is None or str(parameters["tag"]) != "octet_string":
            self._reset()
            raise Refused("type_unmatched")
        m = self.mechanism
        client_secret = self._secret(self.client_system_title)
        try:
            ok = hls_verify(m, client_secret, self._stoc, bytes(parameters["value"]),
                            self.client_system_title, peer_system_title=self.system_title,
                            sent_challenge=self._ctos)
        except (SecurityError, ValueError):
            ok = False
        if not ok:
            self._reset()
            raise Refused("other_reason")
        suite = (self.settings.security_control or 0x30) & 0x0F
        proof = f_ctos(m, self._secret(self.system_title), ctos=self._ctos,
                       stoc=self._stoc, client_system_title=self.client_system_title,
                       server_system_title=self.system_title,
                       invocation_counter=self.counter.take() if m == 5 else 0,
                       security_suite=suite)
        self.state = "associated"
        return {"tag": "octet_string", "value": proof}

    def _secret(self, title: bytes | None) -> Any:
        if self.mechanism in (5, 7):
            return self._keys().lookup(title)
        return self.password()

    # --- protection ---------------------------------------------------------------------------

    def password(self) -> bytes | None:
        return self.settings.password if self.settings.password is not None \
            else self.model.password

    def _keys(self) -> Keyring:
        return self.keys if self.keys is not None else Keyring()

    def _protect(self, plain: bytes, protection: tuple[str, int | None] | None,
                 glo_only: bool = False) -> bytes:
        if protection is None:
            return plain
        service, sc = protection
        if service not in ("glo", "ded", "general-glo", "general-ded"):
            service = "general-glo"
        keys: Any = self._keys()
        if service.endswith("ded"):
            if glo_only or self.context.dedicated_key is None:
                service = service.replace("ded", "glo")
            else:
                table = keys.lookup(self.system_title)
                keys = Keyring(Keys(block_cipher_key=self.context.dedicated_key,
                                    authentication_key=table.authentication_key,
                                    dedicated_key=self.context.dedicated_key))
        sc = self.settings.security_control if sc is None else sc
        return protect(plain, 0x30 if sc is None else sc, self.system_title,
                       self.counter.take(), keys, service)

    def _exception(self, state_error: str, service_error: str,
                   invocation_counter: int | None = None) -> bytes:
        return build(Apdu, {"tag": "exception_response", "body": {
            "state_error": state_error, "service_error": service_error,
            "invocation_counter": invocation_counter}}, "apdu")


def _same_secret(given: bytes, expected: bytes | None) -> bool:
    """The LLS password check, in constant time; no password configured refuses LLS."""
    return expected is not None and hmac.compare_digest(given, expected)


def _user_information(xdlms_octets: bytes) -> dict:
    return {"tag": "user_information",
            "value": {"tag": 4, "value": XdlmsApdu.parse(xdlms_octets)}}
