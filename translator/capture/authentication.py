"""HLS passes 3 and 4 of a captured association, checked with the keyring (Green Book 9.2.7.4).

The AARQ names the mechanism and carries the client's challenge CtoS, the AARE the server's
StoC. In pass 3 the client proves itself with f(StoC), the parameter of an ACTION on the
Association LN object (class 15, 0.0.40.0.0.255, method 1 reply_to_HLS_authentication); in pass
4 the server's ACTION response returns f(CtoS). Whoever holds the keys (mechanism 5: block cipher
and authentication key; 7: the responder's public key) or the HLS secret (3, 4 and 6) can check
both proofs; a proof that does not verify is a finding, as a failed GCM tag is.

Not checked: mechanism 2 (manufacturer specific, no standard function) and short-name
referencing, where the method is reached through the object's base name in a Read or Write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..schema.acse import component
from ..security import SecurityError, hls_verify
from ..security.hls import MECHANISMS
from ..security.unprotecting import as_keyring

__all__ = ["HlsExchange", "hls_exchange"]

_ASSOCIATION_LN = (15, bytes((0, 0, 40, 0, 0, 255)), 1)
"""class id, logical name and method of reply_to_HLS_authentication."""
_MECHANISM_ARCS = "2.16.756.5.8.2."
"""mechanism-name OIDs: {joint-iso-ccitt country(16) country-name(756) identified-organization(5)
DLMS-UA(8) authentication-mechanism-name(2) N}."""


@dataclass
class HlsExchange:
    """One association's HLS: mechanism, both challenges, and what became of both proofs."""

    mechanism: int
    ctos: bytes | None = None
    stoc: bytes | None = None
    pending: int | None = None    # invoke-id of the pass-3 ACTION awaiting its response
    client_proof: str | None = None   # "verified", "failed" or why it was not checked
    server_proof: str | None = None

    @property
    def name(self) -> str:
        return MECHANISMS.get(self.mechanism, "manufacturer specific"
                              if self.mechanism == 2 else f"mechanism {self.mechanism}")

    def summary(self) -> dict[str, Any]:
        return {"mechanism": self.mechanism, "name": self.name,
                "client_proof": self.client_proof, "server_proof": self.server_proof}

    def observe(self, apdu: Any, keys: Any, client_title: bytes | None,
                server_title: bytes | None) -> dict[str, Any] | None:
        """Check the proof a cleartext APDU of this association carries: the ``hls`` record
        (proof, verified True/False/None, note) or None when it carries none."""
        proof = _pass3(apdu)
        if proof is not None:
            self.pending, response = proof
            verified, note = self._verify(True, response, keys, client_title, server_title)
            self.client_proof = _state(verified, note)
            return _record("f(StoC)", "client", self, verified, note)
        proof = _pass4(apdu)
        if proof is not None and self.pending is not None and proof[0] == self.pending:
            self.pending = None
            verified, note = self._verify(False, proof[1], keys, client_title, server_title)
            self.server_proof = _state(verified, note)
            return _record("f(CtoS)", "server", self, verified, note)
        return None

    def _verify(self, by_client: bool, response: bytes, keys: Any, client_title: bytes | None,
                server_title: bytes | None) -> tuple[bool | None, str | None]:
        if self.mechanism not in MECHANISMS:
            return None, f"not checked: {self.name} has no standard function"
        if keys is None:
            return None, "not checked: no keys given"
        own, peer = (client_title, server_title) if by_client else (server_title, client_title)
        answered, sent = (self.stoc, self.ctos) if by_client else (self.ctos, self.stoc)
        if answered is None:
            return None, "not checked: the challenge it answers was not seen"
        ring = as_keyring(keys)
        if self.mechanism in (3, 4, 6):  # a secret shared by the association's two ends
            secret = ring.lookup(server_title, client_title).hls_secret
            if secret is None:
                return None, "not checked: no hls_secret"
            material: Any = secret
        elif self.mechanism == 7:        # the responder's own key pair
            material = ring.table(own) or ring.default
        else:                            # 5: the association's global keys
            material = ring.lookup(own, peer)
        try:
            return hls_verify(self.mechanism, material, answered, response, own,
                              peer_system_title=peer, sent_challenge=sent), None
        except SecurityError as e:  # a missing key or title: says which, never a key
            return None, f"not checked: {e}"


def hls_exchange(aarq: Any) -> HlsExchange | None:
    """The HLS exchange an AARQ opens (mechanism 2 and up), or None for none/LLS."""
    name = component(aarq, "mechanism_name")
    oid = str(name.get("oid") or "") if isinstance(name, Mapping) else ""
    if not oid.startswith(_MECHANISM_ARCS) or not oid[len(_MECHANISM_ARCS):].isdigit():
        return None
    mechanism = int(oid[len(_MECHANISM_ARCS):])
    if mechanism < 2:
        return None
    return HlsExchange(mechanism, ctos=challenge(aarq, "calling_authentication_value"))


def challenge(apdu: Any, field: str) -> bytes | None:
    """The authentication value (a challenge in HLS) of an AARQ or AARE."""
    value = component(apdu, field)
    octets = value.get("value") if isinstance(value, Mapping) else None
    return bytes(octets) if isinstance(octets, (bytes, bytearray)) else None


def _pass3(apdu: Any) -> tuple[int, bytes] | None:
    """(invoke-id, f(StoC)) of an ACTION-Request-Normal invoking reply_to_HLS_authentication."""
    request = _normal(apdu, "action_request", "action_request_normal", "action_request")
    if request is None:
        return None
    target = request.get("cosem_method_descriptor")
    if not isinstance(target, Mapping) or (
            target.get("class_id"), bytes(target.get("instance_id") or b""),
            target.get("method_id")) != _ASSOCIATION_LN:
        return None
    return _octets(request, request.get("method_invocation_parameters"))


def _pass4(apdu: Any) -> tuple[int, bytes] | None:
    """(invoke-id, f(CtoS)) of an ACTION-Response-Normal returning data."""
    response = _normal(apdu, "action_response", "action_response_normal", "action_response")
    if response is None:
        return None
    single = response.get("single_response")
    returned = single.get("return_parameters") if isinstance(single, Mapping) else None
    if not isinstance(returned, Mapping) or returned.get("tag") != "data":
        return None
    return _octets(response, returned.get("value"))


def _normal(apdu: Any, tag: str, choice: str, field: str) -> Mapping | None:
    if not isinstance(apdu, Mapping) or apdu.get("tag") != tag:
        return None
    body = apdu.get("body")
    if not isinstance(body, Mapping) or body.get("tag") != choice:
        return None
    inner = body.get(field)
    return inner if isinstance(inner, Mapping) else None


def _octets(container: Mapping, data: Any) -> tuple[int, bytes] | None:
    if not isinstance(data, Mapping) or data.get("tag") != "octet_string":
        return None
    return int(container.get("invoke_id_and_priority", 0)) & 0x0F, bytes(data.get("value"))


def _state(verified: bool | None, note: str | None) -> str:
    return "verified" if verified else "failed" if verified is False else str(note)


def _record(proof: str, by: str, exchange: HlsExchange, verified: bool | None,
            note: str | None) -> dict[str, Any]:
    return {"mechanism": exchange.mechanism, "name": exchange.name, "proof": proof, "by": by,
            "verified": verified, "note": note}
