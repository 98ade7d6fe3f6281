from __future__ import annotations

import pytest

from greenloop.loop.errors import TicketError
from greenloop.loop.tickets import FileTicketSource, TextTicketSource, named_tests, slug


def test_named_tests_are_pytest_node_ids_in_order_without_repeats():
    text = ("Fails: `tests/test_trips.py::test_fare[z3]`, tests/api/test_x.py::TestQuote::test_zero and "
            "again tests/test_trips.py::test_fare[z3]. Not a test: trips.py or ::nothing")
    assert named_tests(text) == ["tests/test_trips.py::test_fare[z3]", "tests/api/test_x.py::TestQuote::test_zero"]


def test_file_ticket_title_and_targets(tmp_path):
    path = tmp_path / "t.md"
    path.write_text("\n# Quotes 502 for KGX\n\nSee tests/test_trips.py::test_quote.\n")
    ticket = FileTicketSource().load(str(path))
    assert ticket.title == "Quotes 502 for KGX" and ticket.named_tests == ["tests/test_trips.py::test_quote"]
    assert ticket.source == str(path)


@pytest.mark.parametrize("ref, message", [("missing.md", "not found"), ("", "not found")])
def test_missing_ticket_file(tmp_path, ref, message):
    with pytest.raises(TicketError, match=message):
        FileTicketSource().load(str(tmp_path / ref) if ref else str(tmp_path))


def test_empty_tickets_are_refused(tmp_path):
    (tmp_path / "e.md").write_text("  \n")
    with pytest.raises(TicketError, match="empty"):
        FileTicketSource().load(str(tmp_path / "e.md"))
    with pytest.raises(TicketError, match="empty"):
        TextTicketSource().load("   ")


def test_slug_is_branch_safe_and_cut_at_a_word():
    assert slug("Trips: 502 for zone-3 stations!!") == "trips-502-for-zone-3-stations"
    assert slug("a" * 10 + " " + "b" * 60, limit=20) == "aaaaaaaaaa"
    assert slug("!!!") == "fix"
