"""Fixed UTC offsets ("Z", "+05:30", "-0400") and timestamps that carry one.

Timestamps look like "2024-03-01T10:00+05:30" or "2024-03-01 10:00:15Z"; the offset says how far the local
clock is ahead of UTC, so local time = UTC + offset.
"""
import re
from datetime import datetime, timedelta

OFFSET_RE = re.compile(r"^(?P<sign>[+-])(?P<hours>\d{2}):?(?P<minutes>\d{2})$")
TIMESTAMP_RE = re.compile(r"^(?P<local>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(?P<offset>Z|[+-]\d{2}:?\d{2})$")
MAX_OFFSET = timedelta(hours=14)


def parse_offset(text):
    """The offset as a timedelta: "Z" -> 0, "+05:30" -> 5h30m, "-0400" -> -4h."""
    text = text.strip()
    if text.upper() == "Z":
        return timedelta(0)
    match = OFFSET_RE.match(text)
    if not match:
        raise ValueError(f"not a UTC offset: {text!r}")
    hours, minutes = int(match["hours"]), int(match["minutes"])
    if minutes >= 60:
        raise ValueError(f"offset minutes out of range: {text!r}")
    offset = timedelta(hours=hours, minutes=minutes)
    if offset > MAX_OFFSET:
        raise ValueError(f"offset too large: {text!r}")
    return -offset if match["sign"] == "-" else offset


def format_offset(offset):
    """timedelta -> "+HH:MM" (UTC itself is "+00:00")."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def parse_timestamp(text):
    """(naive local datetime, offset) from a timestamp with an offset."""
    match = TIMESTAMP_RE.match(text.strip())
    if not match:
        raise ValueError(f"not a timestamp with a UTC offset: {text!r}")
    local = datetime.fromisoformat(match["local"].replace(" ", "T"))
    return local, parse_offset(match["offset"])


def to_utc(text):
    """The naive UTC datetime a timestamp with an offset refers to."""
    local, offset = parse_timestamp(text)
    return local + offset


def convert(text, target_offset):
    """Re-express a timestamp in another offset, as "YYYY-MM-DDTHH:MM[:SS]+HH:MM"."""
    target = parse_offset(target_offset)
    local = to_utc(text) + target
    spec = "seconds" if local.second else "minutes"
    return local.isoformat(timespec=spec) + format_offset(target)
