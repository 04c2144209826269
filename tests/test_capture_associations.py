"""``--stats``: the SNRM/UA that open an HDLC link belong to the association that follows."""

from __future__ import annotations

from tests.test_capture import capture_path, needs_tshark
from tests.test_capture_streams import read


@needs_tshark
def test_snrm_and_ua_before_the_aarq_are_of_its_association():
    # the note: one session, SNRM/UA, AARQ/AARE ... RLRQ/RLRE, DISC
    records, stats = read(capture_path("gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng"))
    assert stats.associations_total == 1
    (assoc,) = stats.associations
    assert assoc["index"] == 1 and assoc["services"]["SNRM"] == 1
    assert assoc["services"]["AARQ"] == 1 and assoc["messages"] == stats.messages
    snrm = next(r for r in records if r.service == "SNRM")
    assert snrm.association == 1


@needs_tshark
def test_a_second_snrm_starts_the_next_association(tmp_path):
    from tests.test_capture_links import write
    from translator.capture.tshark import tcp_exchange

    exchange = tcp_exchange(capture_path("gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng"))
    records, stats = read(write(tmp_path / "twice.pcap", exchange + exchange))
    assert stats.associations_total == 2
    assert [a["services"]["SNRM"] for a in stats.associations] == [1, 1]
    assert [a["services"]["AARQ"] for a in stats.associations] == [1, 1]
    assert {r.association for r in records} == {1, 2}
