"""Traffic capture: each keyed request through a routing proxy, and its response, as one JSON line per exchange.

A sandbox's flows land in `<capture-dir>/<key>.jsonl`, whatever service's proxy saw them, so the evidence can name
the calls a test run made. Several proxies append to the same file: each record is one `write` on a file opened with
O_APPEND, which the kernel does not interleave with another's. Credentials never reach the file: secret-looking
headers are elided outright and everything else goes through `redact`.
"""

from __future__ import annotations

import base64
import codecs
import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from greenloop.loop.redact import redact

BODY_LIMIT = 64 * 1024
"""Bytes of each body kept in a record; the rest is counted, not stored."""
ELIDED = "[elided]"
_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
_SECRET_WORDS = re.compile(r"token|secret|key|password", re.IGNORECASE)


class BodyTap:
    """The first `limit` bytes of a body streaming through, and its full size."""

    def __init__(self, limit: int = BODY_LIMIT) -> None:
        self.limit = limit
        self.head = bytearray()
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.head += chunk[:max(0, self.limit - len(self.head))]
        self.size += len(chunk)

    def record(self, secrets: list[str]) -> dict:
        """The kept head as UTF-8 text when it is text (a character cut at the limit dropped), else base64."""
        truncated = self.size > len(self.head)
        try:
            text = codecs.getincrementaldecoder("utf-8")().decode(bytes(self.head), final=not truncated)
            body, encoding = redact(text, secrets), "text"
        except UnicodeDecodeError:
            # Latin-1 maps bytes to characters one to one, so secrets spelled in ASCII are masked in binary too.
            masked = redact(self.head.decode("latin-1"), secrets).encode("latin-1")
            body, encoding = base64.b64encode(masked).decode("ascii"), "base64"
        return {"body": body, "body_encoding": encoding, "body_bytes": self.size, "body_truncated": truncated}


@dataclass
class Exchange:
    """One request through the proxy, as the hop log and the capture see it."""

    service: str
    method: str
    path: str
    """With the query, as received."""
    key: str | None
    route: str
    """`fork:<key>` or `baseline`."""
    upstream: str
    request_headers: list[tuple[str, str]]
    started: float = field(default_factory=time.time)
    clock: float = field(default_factory=time.perf_counter)
    """`started` on the monotonic clock, for `duration_ms`."""
    status: int = 0
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: BodyTap = field(default_factory=BodyTap)
    response_body: BodyTap = field(default_factory=BodyTap)
    duration_ms: float = 0.0
    recorded: bool = False


def elide_headers(headers: Iterable[tuple[str, str]], secrets: list[str]) -> dict[str, str]:
    """Headers as a name → value object (repeats joined with ", "), secret-looking ones elided, the rest redacted."""
    out: dict[str, str] = {}
    for name, value in headers:
        secret = name.lower() in _SECRET_HEADERS or _SECRET_WORDS.search(name)
        value = ELIDED if secret else redact(value, secrets)
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def capture_record(exchange: Exchange, secrets: list[str]) -> dict:
    return {
        "time": datetime.fromtimestamp(exchange.started, UTC).isoformat().replace("+00:00", "Z"),
        "service": exchange.service,
        "key": exchange.key,
        "route": exchange.route,
        "upstream": exchange.upstream,
        "method": exchange.method,
        "path": redact(exchange.path, secrets),
        "status": exchange.status,
        "duration_ms": round(exchange.duration_ms, 3),
        "request": {"headers": elide_headers(exchange.request_headers, secrets),
                    **exchange.request_body.record(secrets)},
        "response": {"headers": elide_headers(exchange.response_headers, secrets),
                     **exchange.response_body.record(secrets)},
    }


def append_capture(directory: Path, exchange: Exchange, secrets: list[str]) -> None:
    """Append the exchange to its key's file in one write (owner-only: it holds request data)."""
    line = (json.dumps(capture_record(exchange, secrets), ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(directory / f"{exchange.key}.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
