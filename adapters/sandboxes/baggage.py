"""Routing: which sandbox a request belongs to (the key in its W3C `baggage` header), and where that sandbox's fork
of a service listens (the route table).

A sandbox's requests carry `baggage: greenloop-routing-key=<key>` and every service passes the header on, so each
routing proxy along the way can send them to that sandbox's fork. Parsing follows the W3C Baggage grammar
(https://www.w3.org/TR/baggage/): comma-separated list-members `key=value;property`, optional whitespace, values
percent-encoded, the header possibly repeated. A malformed member is skipped, as OpenTelemetry's propagator does, so
another tool's sloppy member cannot take a sandbox's request off its route; a malformed or ambiguous routing member
means no key, and the request goes to the baseline.

The route table is a JSON file, key → fork base URL, that greenloop rewrites while the proxies run; each proxy
checks it with a stat per request, so a new route holds from the next request on.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote

ROUTING_KEY = "greenloop-routing-key"
ROUTE_HEADER = "x-greenloop-route"
REFUSED = "refused"
"""The route logged (and sent in `x-greenloop-route`) for a keyed write the shared baseline must not take."""
"""On every answer of a routing proxy: `fork:<key>` or `baseline`, the route the request took (readiness checks it)."""
HEALTH_PATH = "/__greenloop/health"
"""Answered by every routing proxy and ingress itself, without touching an upstream."""
KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,127}")
"""Keys need no percent-encoding and are safe as file names (captures are `<key>.jsonl`) and in log lines."""

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_VALUE = r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"  # baggage-octet: no space, '"', ',', ';' or '\'
_MEMBER = re.compile(rf"({_TOKEN})[ \t]*=[ \t]*({_VALUE})(?:[ \t]*;.*)?")


def routing_key(headers: Iterable[str]) -> str | None:
    """The routing key the `baggage` header values carry, or None: absent, malformed, or two different keys."""
    found = set()
    for header in headers:
        for member in header.split(","):
            match = _MEMBER.fullmatch(member.strip(" \t"))
            if match and match[1] == ROUTING_KEY:
                found.add(unquote(match[2], errors="replace"))
    key = found.pop() if len(found) == 1 else None
    return key if key is not None and KEY_PATTERN.fullmatch(key) else None


def baggage_member(key: str) -> str:
    """The list-member to send (alone, or appended to other baggage) so that requests reach `key`'s forks."""
    if not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"not a routing key: {key!r} (letters, digits, '.', '_', '~', '-'; at most 128)")
    return f"{ROUTING_KEY}={key}"


def with_routing_key(headers: Iterable[str], key: str) -> list[str]:
    """The `baggage` header values with `key`'s member appended to the last one, every other member kept as sent.

    Values that already name a routing key, even a malformed one, come back unchanged: a request that chose its
    route (or broke it) keeps that choice rather than being moved to `key`'s forks.
    """
    values = list(headers)
    for header in values:
        for member in header.split(","):
            if member.partition("=")[0].partition(";")[0].strip(" \t") == ROUTING_KEY:
                return values
    added = baggage_member(key)
    last = values[-1].rstrip(" \t") if values else ""
    if not last.strip(" \t,"):  # no baggage, or only separators: nothing to keep in the last value
        return [*values[:-1], added]
    return [*values[:-1], last + ("" if last.endswith(",") else ",") + added]


def write_routes(path: Path, routes: Mapping[str, str]) -> None:
    """Replace a route table in one step (`os.replace`), so a proxy never reads half of one."""
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(dict(routes), file)
        os.replace(partial, path)
    except BaseException:
        os.unlink(partial)
        raise


class RouteTable:
    """The route file as last read, read again whenever a stat shows another file or other content."""

    def __init__(self, path: Path, note: Callable[[str], None]):
        self.path = path
        self._note = note
        self._signature: tuple[int, int, int] | None = None
        self._routes: dict[str, str] = {}

    def current(self) -> dict[str, str]:
        try:
            info = os.stat(self.path)
            signature = (info.st_ino, info.st_mtime_ns, info.st_size)  # os.replace always changes the inode
        except FileNotFoundError:
            signature = None
        if signature != self._signature:
            self._signature = signature
            self._routes = self._read() if signature else {}
        return self._routes

    def _read(self) -> dict[str, str]:
        try:
            routes = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(routes, dict) or not all(isinstance(url, str) for url in routes.values()):
                raise ValueError("not a JSON object of key → URL")
        except (OSError, ValueError) as error:  # a writer that skipped os.replace: keep routing as before
            self._note(f"routes {self.path} unreadable, keeping the previous ones: {error}")
            return self._routes
        return routes
