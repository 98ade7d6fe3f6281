from __future__ import annotations

from typing import NamedTuple


class Unit(NamedTuple):
    name: str
    dimension: str
    scale: float
    """Base-unit value of 1 of this unit, not counting the offset."""
    offset: float
    """Base-unit value of 0 of this unit (non-zero only for temperatures)."""


class UnknownUnit(ValueError):
    pass


class IncompatibleUnits(ValueError):
    pass
