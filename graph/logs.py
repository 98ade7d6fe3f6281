"""Rank service log lines so the ones that explain a failure reach the model first, within a character budget.

Lines are grouped into events (a whole traceback is one event), events that repeat (the same error on every
request) are kept once with a count, and the most severe, most recent events are taken first, each with a few
lines of context from the same service.
"""

from __future__ import annotations

import re

from greenloop.adapters.protocols import LogLine

ERROR = re.compile(r"\b(ERROR|CRITICAL|FATAL|Traceback|[A-Z]\w*(Error|Exception)\b|exception|failed|panic)", re.I)
WARNING = re.compile(r"\b(WARN|WARNING)\b")
TRACEBACK_START = "Traceback (most recent call last)"
VOLATILE = re.compile(r"\d+")  # times, ports, ids: the same error on another request differs only in these


def _events(lines: list[LogLine]) -> list[list[int]]:
    """Indices of `lines` grouped into events: one per line, except a traceback and its exception line."""
    events: list[list[int]] = []
    open_traceback: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        current = open_traceback.get(line.service)
        if TRACEBACK_START in line.text:
            open_traceback[line.service] = current = [i]
            events.append(current)
        elif current is not None:
            current.append(i)
            if line.text[:1] not in (" ", "\t"):  # the exception line closes the traceback
                del open_traceback[line.service]
        else:
            events.append([i])
    return events


def _severity(lines: list[LogLine], event: list[int]) -> int:
    text = "\n".join(lines[i].text for i in event)
    if len(event) > 1 or ERROR.search(text):
        return 3
    return 2 if WARNING.search(text) else 0


def _context(lines: list[LogLine], event: list[int], width: int) -> list[int]:
    """The event's lines plus up to `width` lines of the same service on each side."""
    service = lines[event[0]].service
    same = [i for i, line in enumerate(lines) if line.service == service]
    first, last = same.index(event[0]), same.index(event[-1])
    return sorted(set(same[max(0, first - width):first]) | set(event) | set(same[last + 1:last + 1 + width]))


def rank(lines: list[LogLine], max_chars: int, context: int = 2) -> list[str]:
    """The lines that matter, as `service | text`, in time order, at most `max_chars` characters."""
    events = [e for e in _events(lines) if _severity(lines, e)]
    counts: dict[str, int] = {}
    latest: dict[str, list[int]] = {}
    for event in events:
        signature = lines[event[0]].service + VOLATILE.sub("#", "\n".join(lines[i].text for i in event))
        counts[signature] = counts.get(signature, 0) + 1
        latest[signature] = event
    ordered = sorted(latest.items(), key=lambda item: (_severity(lines, item[1]), item[1][-1]), reverse=True)
    chosen: dict[int, str] = {}
    used = 0
    for signature, event in ordered:
        block = {i: _format(lines[i]) for i in _context(lines, event, context) if i not in chosen}
        if counts[signature] > 1 and event[-1] in block:
            block[event[-1]] += f"  [seen {counts[signature]} times]"
        size = sum(len(text) + 1 for text in block.values())
        if used + size > max_chars:
            if chosen:
                continue
            block = _tail(block, max_chars)  # one event larger than the budget: its end says the most
            size = sum(len(text) + 1 for text in block.values())
        chosen.update(block)
        used += size
    return [chosen[i] for i in sorted(chosen)]


def _tail(block: dict[int, str], max_chars: int) -> dict[int, str]:
    kept: dict[int, str] = {}
    used = 0
    for i in sorted(block, reverse=True):
        text = block[i][:max_chars]
        if used + len(text) + 1 > max_chars:
            break
        kept[i] = text
        used += len(text) + 1
    return kept


def _format(line: LogLine) -> str:
    return f"{line.service} | {line.text}"


def decisive(ranked: list[str], limit: int = 6) -> list[str]:
    """The error lines of a ranked excerpt, each once: what a reader of a summary or commit message needs."""
    errors = [line for line in ranked if ERROR.search(line.partition(" | ")[2])
              and TRACEBACK_START not in line and not line.partition(" | ")[2][:1].isspace()]
    return list(dict.fromkeys(errors))[:limit]
