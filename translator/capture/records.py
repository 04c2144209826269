"""The record of one DLMS message in a capture (DESIGN section 3) and the ``--stats`` report.

A ``Record`` is what ``read_capture`` yields: the decoded ``Message`` plus where it came from
(packets, stream, endpoints, direction) and what the session made of it (association,
decryption, request/response pairing, security findings). ``Record.to_json`` is one line of
``dlms capture --to jsonl``; ``Stats`` folds records into the per-association report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..message import Message, apdu_service
from ..security.redaction import password_redacted, redacted
from ..tree import nodes, obis

__all__ = [
    "CLIENT_TO_SERVER",
    "SERVER_TO_CLIENT",
    "Record",
    "Stats",
    "apdu_service",
    "find_field",
    "service_name",
]

CLIENT_TO_SERVER = "client_to_server"
SERVER_TO_CLIENT = "server_to_client"

_ACRONYMS = {"aarq": "AARQ", "aare": "AARE", "rlrq": "RLRQ", "rlre": "RLRE", "snrm": "SNRM",
             "ua": "UA", "rr": "RR", "rnr": "RNR", "rej": "REJ", "srej": "SREJ", "disc": "DISC",
             "dm": "DM", "frmr": "FRMR", "ui": "UI", "i": "I"}
_SECRETS = frozenset({(15, 7)})  # Association LN secret (the LLS password): never shown


@lru_cache(maxsize=1024)
def service_name(name: str | None) -> str | None:
    """``get_request_normal`` -> ``GetRequestNormal``; ACSE and HDLC names stay acronyms."""
    if not name:
        return None
    if name in _ACRONYMS:
        return _ACRONYMS[name]
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def find_field(container: Any, key: str, depth: int = 4) -> Any:
    """The first value called ``key`` in nested containers (breadth first, ``depth`` levels)."""
    level = [container]
    for _ in range(depth):
        below = []
        for item in level:
            if isinstance(item, dict):
                if key in item:
                    return item[key]
                below.extend(v for k, v in item.items() if k[:1] != "_"
                             and isinstance(v, (dict, list)))
            elif isinstance(item, list):
                below.extend(v for v in item[:8] if isinstance(v, (dict, list)))
        level = below
        if not level:
            break
    return None


_INVOKE_KEYS = ("invoke_id_and_priority", "long_invoke_id_and_priority")


def invoke_id_of(apdu: Any) -> int | None:
    """The invoke-id-and-priority octet (or long invoke-id-and-priority) of an APDU container."""
    body = apdu.get("body") if isinstance(apdu, dict) else None
    if isinstance(body, dict):  # fast path: body.<service>.invoke_id_and_priority, or body.<id>
        for key in _INVOKE_KEYS:
            if key in body:
                return int(body[key])
        for value in body.values():
            if isinstance(value, dict):
                for key in _INVOKE_KEYS:
                    if key in value:
                        return int(value[key])
    for key in _INVOKE_KEYS:
        value = find_field(apdu, key, 3)
        if value is not None:
            return int(value)
    return None


@dataclass(slots=True)
class Record:
    """One DLMS message (or one reported problem) of a capture or trace."""

    number: int | None                # first packet (trace: first line) its octets came from
    packets: list[int]
    time: float | None                # epoch seconds of that packet (trace: as the trace says)
    stream: str                       # "tcp:3", "udp:1", "serial", "pdu:0"
    src: str | None = None
    dst: str | None = None
    direction: str | None = None      # CLIENT_TO_SERVER, SERVER_TO_CLIENT, or None (unknown)
    message: Message | None = None
    error: str | None = None          # one line, or None
    security: dict[str, Any] | None = None
    plain: Any = None                 # the deciphered APDU (decoded), when there was one
    offset: int | None = None         # stream position of the first octet
    association: int | None = None    # 1, 2, ... per stream; 0 before any AARQ was seen
    latency: float | None = None      # seconds since the request this response answers
    reply_to: int | None = None       # first packet of that request
    findings: list[str] = field(default_factory=list)
    joined: list[int] | None = None   # all packets of the segments/blocks this message completes
    hls: dict[str, Any] | None = None  # the HLS proof it carries, checked (authentication.py)
    target: Any = None                # a GET response: the attribute its request asked for
    scaler_unit: Any = None           # a register value's scaler_unit read in the association
    columns: Any = None               # a profile buffer's capture objects read in the association
    value: Any = None                 # a GET response's Data (joined from its datablocks)
    _invoke: tuple | None = field(default=None, repr=False, compare=False)

    # -- what views ask ----------------------------------------------------------------------------
    @property
    def apdu(self) -> Any:
        """The cleartext APDU: the deciphered one when there is one, else the message's."""
        if self.plain is not None:
            return self.plain
        return None if self.message is None else self.message.apdu

    @property
    def layer(self) -> str | None:
        return None if self.message is None else self.message.framing

    @property
    def service_key(self) -> str | None:
        """The snake_case service (cleartext when deciphered), or the HDLC frame kind."""
        msg = self.message
        if msg is None:
            return None
        if self.plain is not None:
            return apdu_service(self.plain)
        if msg.apdu is not None and msg.framing != "data":
            return apdu_service(msg.apdu)
        if msg.framing == "hdlc" and msg.frames:
            return str(msg.frames[-1].frame.control.kind)
        return None

    @property
    def service(self) -> str | None:
        return service_name(self.service_key)

    @property
    def invoke_id(self) -> int | None:
        apdu = self.apdu
        if apdu is None:
            return None
        if self._invoke is None or self._invoke[0] is not apdu:
            self._invoke = (apdu, invoke_id_of(apdu))
        return self._invoke[1]

    @property
    def size(self) -> int:
        return 0 if self.message is None else len(self.message.raw)

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        """One line saying what the message is."""
        msg = self.message
        if msg is None:
            return self.error or ""
        if msg.framing == "garbage":
            return f"{len(msg.raw)} octet(s) that are no frame"
        parts = [self.service or msg.framing.upper()]
        apdu = self.apdu
        if apdu is not None:
            parts.extend(_apdu_details(apdu, self))
        elif msg.framing in ("hdlc", "mbus") and msg.frames:
            if msg.part_of is not None or _segment(msg):
                parts.append("segment")
            if msg.framing == "hdlc":
                parts.extend(_hdlc_details(msg))
        if apdu is None and msg.partial is not None:  # decoded up to its error
            parts.append(f"{service_name(apdu_service(msg.partial))} (partial)")
        if msg.parts:
            parts.append(f"(joined from {len(msg.parts) + 1} parts)")
        sec = self.security
        readable = self.plain is not None and (sec or {}).get("verified")
        if sec and not sec.get("decrypted") and not readable:
            parts.append(f"ciphered ({sec.get('protected', '')})".replace(" ()", ""))
        elif sec and self.plain is not None:
            parts.append(f"[{sec.get('protected')}: "
                         f"{'tag verified' if sec.get('verified') else 'not verified'}]")
        hls = self.hls
        if hls is not None:
            state = {True: "verified", False: "FAILED"}.get(hls["verified"], "not checked")
            parts.append(f"[HLS {hls['proof']} {state}]")
        return " ".join(p for p in parts if p)

    def to_json(self, tree: bool = True, show_keys: bool = False) -> dict[str, Any]:
        """The JSONL object of DESIGN section 3 (``tree``: with the cleartext APDU's fields; key
        material that deciphering revealed only with ``show_keys``)."""
        out: dict[str, Any] = {
            "number": self.number,
            "packets": self.packets,
            "time": None if self.time is None else round(self.time, 6),
            "stream": self.stream,
            "src": self.src,
            "dst": self.dst,
            "direction": self.direction,
            "layer": self.layer,
            "service": self.service,
            "invoke_id": self.invoke_id,
            "bytes": self.size,
            "error": self.error,
            "security": self.security,
            "summary": self.summary(),
            "association": self.association,
            "offset": self.offset,
        }
        if self.reply_to is not None:
            out["reply_to"] = self.reply_to
            out["latency"] = None if self.latency is None else round(self.latency, 6)
        if self.joined:
            out["joined_packets"] = self.joined
        if self.findings:
            out["findings"] = self.findings
        if self.hls is not None:
            out["hls"] = self.hls
        if tree and self.apdu is not None:
            from ..views.jsonview import node_to_json

            apdu = (self.apdu if show_keys else password_redacted(self.apdu)
                    if self.plain is None else redacted(self.plain))
            out["apdu"] = node_to_json(nodes("apdu", apdu))
        elif tree and self.message is not None and self.message.partial is not None:
            from ..views.jsonview import node_to_json  # decoded up to its error, marked there

            out["apdu"] = node_to_json(nodes("apdu", self.message.partial))
        if self.message is not None and self.message.warnings:
            out["warnings"] = [str(w) for w in self.message.warnings]
        return out


def _apdu_details(apdu: Any, record: Record | None = None) -> list[str]:
    out = []
    name = str(apdu.get("tag")) if isinstance(apdu, Mapping) else ""
    if name in ("aarq", "aare"):
        from ..schema.acse import component

        for key in ("application_context_name", "mechanism_name"):
            value = component(apdu, key)
            if isinstance(value, Mapping) and value.get("name"):
                out.append(str(value["name"]))
        result = component(apdu, "result")
        if isinstance(result, Mapping):
            out.append(f"result {result.get('value')}")
        return out
    for key in ("cosem_attribute_descriptor", "cosem_method_descriptor"):
        desc = find_field(apdu, key, 4)
        if isinstance(desc, Mapping):
            member = desc.get("attribute_id", desc.get("method_id"))
            what = "attribute" if "attribute_id" in desc else "method"
            out.append(f"class {desc.get('class_id')} {obis(bytes(desc['instance_id']))} "
                       f"{what} {member}")
            break
    block = find_field(apdu, "block_number", 4)
    if block is not None:
        last = find_field(apdu, "last_block", 4)
        out.append(f"block {block}" + (" (last)" if last else ""))
        value = getattr(record, "value", None)
        if value is not None:  # the Data the blocks make together
            out.append(f"-> {_value_text(value, record)}")
            return out
    result = find_field(apdu, "result", 4)
    if isinstance(result, Mapping) and "tag" in result:
        value = result.get("value")
        if str(result["tag"]) == "data" and isinstance(value, Mapping):
            out.append(f"-> {_value_text(value, record)}")
        else:
            out.append(f"-> {result['tag']} {value if not isinstance(value, Mapping) else ''}"
                       .rstrip())
    elif result is not None and not isinstance(result, (Mapping, list)):
        out.append(f"-> {result}")
    return out


def _value_text(value: Mapping[str, Any], record: Record | None) -> str:
    """A response's value in a few words, scaled by what the session knows (``knowledge.py``)."""
    from ..views.brief import brief

    target = getattr(record, "target", None)
    if target is not None and (target.class_id, target.attribute) in _SECRETS:
        return f"{value.get('tag')} (secret, redacted)"
    try:
        return brief(value, getattr(record, "scaler_unit", None), getattr(record, "columns", None))
    except Exception:  # noqa: BLE001 - a value the renderer cannot read keeps its type only
        return str(value.get("tag"))


def _segment(msg: Message) -> bool:
    f = msg.frames[-1].frame
    if msg.framing == "hdlc":
        return bool(f.format.segmentation)
    return f.get("last_segment") is False


def _hdlc_details(msg: Message) -> list[str]:
    f = msg.frames[-1].frame
    ctl = f.control
    out = []
    if ctl.get("ns") is not None:
        out.append(f"N(S)={ctl.ns}")
    if ctl.get("nr") is not None:
        out.append(f"N(R)={ctl.nr}")
    out.append(f"{f.source_address.get('address')}->{f.destination_address.get('address')}")
    return out


# --- --stats --------------------------------------------------------------------------------------


class Stats:
    """Counts over a whole capture, plus each association's own summary (see ``session``).

    Per-association detail is kept for the first ``max_associations`` associations; the totals
    cover all of them (a capture of a million connections must not hold a million reports).
    """

    def __init__(self, max_associations: int = 1000) -> None:
        self.max_associations = max_associations
        self.messages = 0
        self.errors = 0
        self.services: Counter[str] = Counter()
        self.error_samples: list[str] = []
        self.warnings = 0                        # messages decoded with expert warnings
        self.warning_samples: list[str] = []
        self.associations: list[dict[str, Any]] = []
        self.associations_total = 0
        self.findings: Counter[str] = Counter()
        self.finding_samples: list[str] = []
        self.latency = _Latency()
        self.skipped: Counter[str] = Counter()   # non-DLMS packets by top protocol
        self.skipped_streams = 0
        self.retransmitted = 0
        self.retransmitted_packets: list[int] = []   # the first 1000 of them
        self.gaps = 0
        self.problems: list[str] = []
        self.packets = 0
        self.dlms_streams = 0
        self.source: str | None = None   # "capture" (pcap/pcapng) or "trace" (hex text)
        self.foreign_links: Counter[str] = Counter()  # packets of links read as neither IP,
        #                                               serial nor exported PDUs, by link name

    def add(self, record: Record) -> None:
        if record.message is not None:
            self.messages += 1
            self.services[record.service or record.layer or "?"] += 1
        if record.error:
            self.errors += 1
            if len(self.error_samples) < 20:
                self.error_samples.append(f"#{record.number}: {record.error}")
        warnings = record.message.warnings if record.message is not None else ()
        if warnings:
            self.warnings += 1
            if len(self.warning_samples) < 20:
                self.warning_samples.append(f"#{record.number}: {warnings[0]}")
        if record.latency is not None:
            self.latency.add(record.latency)
        for finding in record.findings:
            self.findings[finding.split(":", 1)[0]] += 1
            if len(self.finding_samples) < 50:
                self.finding_samples.append(f"#{record.number}: {finding}")

    def add_association(self, summary: dict[str, Any]) -> None:
        self.associations_total += 1
        if len(self.associations) < self.max_associations:
            self.associations.append(summary)

    def add_retransmitted(self, numbers: list[int]) -> None:
        """Packets of DLMS streams whose octets had all been delivered before (dropped)."""
        self.retransmitted += len(numbers)
        room = 1000 - len(self.retransmitted_packets)
        if room > 0:
            self.retransmitted_packets.extend(numbers[:room])

    def skip(self, protocols: str, count: int = 1) -> None:
        top = protocols.rsplit(":", 1)[-1] if protocols else "?"
        self.skipped[top] += count

    @property
    def message_errors(self) -> int:
        """Messages with an error (``errors`` also counts the capture file's own problems)."""
        return self.errors - len(self.problems)

    def unread_link(self) -> str | None:
        """Why a capture gave no message when every packet was of a link not understood."""
        if self.messages or not self.foreign_links or self.foreign_links.total() < self.packets:
            return None
        names = ", ".join(sorted(self.foreign_links))
        return (f"link type not understood ({names}): none of the {self.packets} packet(s) "
                "holds IP, a serial line or an exported PDU")

    def to_dict(self) -> dict[str, Any]:
        return {
            "packets": self.packets,
            "messages": self.messages,
            "errors": self.errors,
            "error_samples": self.error_samples,
            "warnings": self.warnings,
            "warning_samples": self.warning_samples,
            "services": dict(self.services.most_common()),
            "latency": self.latency.to_dict(),
            "dlms_streams": self.dlms_streams,
            "associations_total": self.associations_total,
            "associations": self.associations,
            "security_findings": dict(self.findings),
            "security_finding_samples": self.finding_samples,
            "skipped_packets": dict(self.skipped.most_common()),
            "skipped_streams": self.skipped_streams,
            "retransmitted_packets": self.retransmitted,
            "retransmitted_packet_numbers": self.retransmitted_packets,
            "stream_gaps": self.gaps,
            "capture_problems": self.problems,
        }

    def to_text(self) -> str:
        d = self.to_dict()
        lines = [(f"packets {d['packets']}, DLMS messages {d['messages']}, errors {d['errors']}, "
                  f"warnings {d['warnings']}, DLMS streams {d['dlms_streams']}, "
                  f"associations {d['associations_total']}")]
        if d["skipped_packets"]:
            skipped = ", ".join(f"{k} {v}" for k, v in d["skipped_packets"].items())
            lines.append(f"skipped (not DLMS): {sum(self.skipped.values())} packets "
                         f"in {self.skipped_streams} streams ({skipped})")
        if self.retransmitted or self.gaps:
            lines.append(f"TCP: {self.retransmitted} retransmitted packets dropped, "
                         f"{self.gaps} holes in streams")
        lines.extend(f"capture problem: {p}" for p in self.problems)
        lines.append("services: " + ", ".join(f"{k} {v}" for k, v in d["services"].items()))
        if self.latency.count:
            lines.append("latency: " + _latency_text(self.latency.to_dict()))
        for a in self.associations:
            lines.append("")
            lines.extend(_association_text(a))
        if self.associations_total > len(self.associations):
            lines.append(f"... and {self.associations_total - len(self.associations)} more "
                         "associations")
        if self.findings:
            lines.append("")
            lines.append("security findings: " + ", ".join(f"{k} {v}"
                                                           for k, v in self.findings.items()))
            lines.extend(f"  {s}" for s in self.finding_samples)
        if self.error_samples:
            lines.append("")
            lines.append("errors:")
            lines.extend(f"  {s}" for s in self.error_samples)
        if self.warning_samples:
            lines.append("")
            lines.append("warnings:")
            lines.extend(f"  {s}" for s in self.warning_samples)
        return "\n".join(lines)


class _Latency:
    __slots__ = ("count", "high", "low", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.low = float("inf")
        self.high = 0.0

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.low = min(self.low, value)
        self.high = max(self.high, value)

    def to_dict(self) -> dict[str, Any]:
        if not self.count:
            return {"count": 0}
        return {"count": self.count, "min": round(self.low, 6),
                "mean": round(self.total / self.count, 6), "max": round(self.high, 6)}


def _latency_text(d: Mapping[str, Any]) -> str:
    if not d.get("count"):
        return "none paired"
    return (f"{d['count']} pairs, min {d['min'] * 1000:.3f} ms, mean {d['mean'] * 1000:.3f} ms, "
            f"max {d['max'] * 1000:.3f} ms")


def _association_text(a: Mapping[str, Any]) -> Iterable[str]:
    yield (f"association {a['stream']}#{a['index']}: {a.get('client') or '?'} -> "
           f"{a.get('server') or '?'}" + ("" if a["index"] else " (no AARQ in the capture)"))
    for key in ("context", "mechanism", "result", "client_system_title", "server_system_title",
                "dlms_version", "client_max_pdu", "server_max_pdu", "conformance", "hdlc"):
        value = a.get(key)
        if value not in (None, [], {}):
            yield f"  {key.replace('_', ' ')}: {value}"
    hls = a.get("hls")
    if hls:
        yield (f"  HLS {hls['name']} (mechanism {hls['mechanism']}): client f(StoC) "
               f"{hls['client_proof'] or 'not seen'}, server f(CtoS) "
               f"{hls['server_proof'] or 'not seen'}")
    yield f"  messages {a['messages']}, errors {a['errors']}"
    if a.get("services"):
        yield "  services: " + ", ".join(f"{k} {v}" for k, v in a["services"].items())
    yield "  latency: " + _latency_text(a.get("latency", {}))
    for finding in a.get("findings", []):
        yield f"  finding: {finding}"
