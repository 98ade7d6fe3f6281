"""Convert lengths, masses and temperatures between units.

Each unit has a dimension and a pair of functions to and from its dimension's base unit
(metre, kilogram, kelvin). Most units are a plain factor of the base; temperatures need an offset.
"""
import re

LENGTH = {"mm": 0.001, "cm": 0.01, "m": 1.0, "km": 1000.0, "in": 0.0254, "ft": 0.3048, "yd": 0.9144,
          "mi": 1609.344}
MASS = {"g": 0.001, "kg": 1.0, "oz": 0.028349523125, "lb": 0.45359237}

UNITS = {
    "K": ("temperature", lambda v: v, lambda v: v),
    "C": ("temperature", lambda v: v + 273.15, lambda v: v - 273.15),
    "F": ("temperature", lambda v: (v - 32) * 5 / 9 + 273.15, lambda v: (v - 273.15) * 9 / 5 + 32),
}


def _add_scaled(dimension, factors):
    for unit, factor in factors.items():
        UNITS[unit] = (dimension, lambda v: v * factor, lambda v: v / factor)


_add_scaled("length", LENGTH)
_add_scaled("mass", MASS)

_QUANTITY = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")


def convert(value, from_unit, to_unit):
    for unit in (from_unit, to_unit):
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r}")
    source_dimension, to_base, _ = UNITS[from_unit]
    target_dimension, _, from_base = UNITS[to_unit]
    if source_dimension != target_dimension:
        raise ValueError(f"cannot convert {source_dimension} ({from_unit}) to {target_dimension} ({to_unit})")
    return from_base(to_base(value))


def parse_quantity(text):
    """'12.5 kg' -> (12.5, 'kg')."""
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"not a quantity: {text!r}")
    return float(match.group(1)), match.group(2)


def format_quantity(value, unit, places=2):
    return f"{round(value, places):g} {unit}"
