from __future__ import annotations

from units._table import UNITS
from units.model import IncompatibleUnits, Unit, UnknownUnit


def lookup(name: str) -> Unit:
    try:
        return UNITS[name]
    except KeyError:
        raise UnknownUnit(f"unknown unit {name!r}; known: {', '.join(sorted(UNITS))}") from None


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert `value` from one unit to another of the same dimension."""
    source, target = lookup(from_unit), lookup(to_unit)
    if source.dimension != target.dimension:
        raise IncompatibleUnits(f"cannot convert {source.dimension} ({from_unit}) to {target.dimension} ({to_unit})")
    base = value * source.scale + source.offset
    return base / target.scale - target.offset
