"""Tickets from a file or a line of text; the test ids they name become the run's targets."""

from __future__ import annotations

import re
from pathlib import Path

from greenloop.adapters.protocols import Ticket
from greenloop.loop.errors import TicketError

# A pytest node id as people paste it: path/to/test_x.py::test_name[param] or ::Class::test.
TEST_ID = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.py::[\w\[\]:.,=-]+[\w\]])")


def named_tests(text: str) -> list[str]:
    """The pytest node ids a ticket names, in order, without repeats."""
    return list(dict.fromkeys(TEST_ID.findall(text)))


def _from_text(text: str, source: str) -> Ticket:
    lines = [line.strip() for line in text.strip().splitlines()]
    title = next((line.lstrip("#").strip() for line in lines if line.strip("# ")), "")
    return Ticket(title=title, body=text.strip(), source=source, named_tests=named_tests(text))


class TextTicketSource:
    """`--ticket-text "..."`: the first line is the title."""

    def load(self, ref: str) -> Ticket:
        if not ref.strip():
            raise TicketError("the ticket text is empty", "describe the problem: --ticket-text 'trips 502 for zone 3'")
        return _from_text(ref, "text")


class FileTicketSource:
    """`--ticket FILE`: markdown or plain text; the first non-empty line is the title."""

    def load(self, ref: str) -> Ticket:
        path = Path(ref)
        if not path.is_file():
            raise TicketError(f"ticket file not found: {path}", "pass an existing file to --ticket, or use --ticket-text")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise TicketError(f"ticket file {path} cannot be read: {error}") from None
        if not text.strip():
            raise TicketError(f"ticket file {path} is empty", "write the problem in it: a title line, then details")
        return _from_text(text, str(path))


def slug(title: str, limit: int = 48) -> str:
    """A branch-safe slug of a ticket title."""
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    if len(words) > limit:
        words = words[:limit + 1].rsplit("-", 1)[0]  # cut at a word boundary
    return words[:limit].strip("-") or "fix"
