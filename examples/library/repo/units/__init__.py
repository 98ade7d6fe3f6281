"""units: convert between units of length, mass and temperature.

The unit table (units/_table.py) is generated: run `python tools/gen_table.py` first.
"""

from units._table import UNITS
from units.convert import convert, lookup
from units.model import IncompatibleUnits, Unit, UnknownUnit

__all__ = ["UNITS", "IncompatibleUnits", "Unit", "UnknownUnit", "convert", "lookup"]
