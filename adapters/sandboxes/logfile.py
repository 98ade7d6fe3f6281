"""The sandbox log format: one line per output line, `<UTC ISO-8601 time with microseconds> <text>`.

Written as output arrives (by each service's pump, `pump.py`, and by the routing proxy) and parsed back on
demand, so the files on disk are the only record: a person can `tail -f` them and `logs(since)` sees exactly
what they see.

Imports nothing heavy at module level: every service's pump imports `stamp` from here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from greenloop.adapters.protocols import LogLine


def stamp(text: str) -> str:
    """`text` as one log line, timestamped now."""
    return f"{datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')} {text}\n"


def read_log(path: Path, service: str, since: float | None = None) -> list[LogLine]:
    """The lines of one service's log, oldest first, optionally only those at or after `since` (epoch seconds)."""
    from greenloop.adapters.protocols import LogLine  # pydantic: kept out of the pumps, which only need `stamp`

    try:
        # newline="": split on "\n" only, so a "\r" inside a line (progress bars) stays part of its text.
        with path.open(encoding="utf-8", errors="replace", newline="") as file:
            content = file.read()
    except FileNotFoundError:
        return []
    lines = []
    for line in content.split("\n")[:-1]:  # whatever follows the last newline is still being written
        moment, _, text = line.partition(" ")
        time = datetime.fromisoformat(moment).timestamp()
        if since is None or time >= since:
            lines.append(LogLine(service=service, time=time, text=text))
    return lines
