"""Format and parse durations such as "1d 2h 3m 4s"."""
import re

UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def split_duration(seconds):
    """(days, hours, minutes, seconds) for a non-negative number of seconds."""
    if seconds < 0:
        raise ValueError("duration must not be negative")
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest / 60
    secs = rest % 60
    return days, hours, minutes, secs


def format_duration(seconds):
    parts = split_duration(seconds)
    text = " ".join(f"{n}{u}" for n, u in zip(parts, "dhms") if n)
    return text or "0s"


def as_clock(seconds):
    days, hours, minutes, secs = split_duration(seconds)
    return f"{days * 24 + hours:02d}:{minutes:02d}:{secs:02d}"


def parse_duration(text):
    total = 0
    pos = 0
    for match in re.finditer(r"\s*(\d+)([dhms])", text):
        if match.start() != pos:
            break
        total += int(match.group(1)) * UNITS[match.group(2)]
        pos = match.end()
    if pos == 0 or text[pos:].strip():
        raise ValueError(f"cannot parse duration {text!r}")
    return total
