"""Merge the shopping lists of everyone in the household into one list for the trip."""
from dataclasses import dataclass

# Units we recognise after a quantity, and how to add them up: unit -> (base unit, factor).
UNITS = {
    "g": ("g", 1), "kg": ("g", 1000), "ml": ("ml", 1), "l": ("ml", 1000),
    "pack": ("pack", 1), "can": ("can", 1), "bottle": ("bottle", 1),
}
PLURALS = {"packs": "pack", "cans": "can", "bottles": "bottle"}


@dataclass(frozen=True)
class Item:
    name: str
    quantity: float = 1
    unit: str = ""


def normalize_name(name):
    """'  Green  Apples ' -> 'green apples'."""
    return " ".join(name.lower().split())


def parse_line(line):
    """'2 kg potatoes' -> Item('potatoes', 2, 'kg'); '3 lemons' -> Item('lemons', 3); 'milk' -> Item('milk')."""
    parts = line.split()
    if not parts:
        raise ValueError("empty line")
    try:
        quantity = float(parts[0])
    except ValueError:
        return Item(normalize_name(line))
    rest = parts[1:]
    unit = PLURALS.get(rest[0], rest[0]) if rest else ""
    if len(rest) >= 2 and unit in UNITS:
        return Item(normalize_name(" ".join(rest[1:])), quantity, unit)
    return Item(normalize_name(" ".join(rest)), quantity)


def _tidy(quantity, unit):
    """Show large gram and millilitre amounts in kg and l."""
    if unit in ("g", "ml") and quantity >= 1000:
        return quantity / 1000, {"g": "kg", "ml": "l"}[unit]
    return quantity, unit


def merge(*lists):
    """Combine several lists of Items into one, sorted by name.

    The same item on several lists (names compared ignoring case and extra spaces) is listed once
    with the quantities added up; kg and g, or l and ml, are added together, other units are kept apart.
    """
    totals = {}
    for items in lists:
        for item in items:
            name = normalize_name(item.name)
            unit, factor = UNITS.get(item.unit, (item.unit, 1))
            key = (item.name, unit)
            totals[key] = totals.get(key, 0) + item.quantity * factor
    return [Item(name, *_tidy(quantity, unit)) for (name, unit), quantity in sorted(totals.items())]


def to_text(items):
    """One line per item: '1.5 kg flour', '3 lemons'."""
    lines = []
    for item in items:
        amount = f"{item.quantity:g} {item.unit}".rstrip()
        lines.append(f"{amount} {item.name}")
    return "\n".join(lines)
