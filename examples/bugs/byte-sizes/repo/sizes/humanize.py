"""Format and parse byte counts with binary (IEC) units."""
import re

UNITS = ["B", "KiB", "MiB", "GiB", "TiB"]
STEP = 1000


def human_size(n):
    if n < 0:
        raise ValueError("size must not be negative")
    size = float(n)
    for unit in UNITS:
        if size < STEP or unit == UNITS[-1]:
            if unit == "B":
                return f"{int(size)} B"
            return f"{size:.1f} {unit}"
        size /= STEP


def parse_size(text):
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*", text)
    if not match:
        raise ValueError(f"cannot parse size {text!r}")
    number, unit = float(match.group(1)), (match.group(2) or "B")
    unit = unit if unit == "B" or "i" in unit else unit[0] + "iB"
    return int(number * STEP ** UNITS.index(unit))


def total_size(sizes):
    return human_size(sum(sizes))
