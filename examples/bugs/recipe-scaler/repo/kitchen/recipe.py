"""Scale recipes to a different number of servings and convert between kitchen units."""
from dataclasses import dataclass
from fractions import Fraction

# unit -> (base unit, how many of the base unit one of it is)
UNITS = {
    "tsp": ("ml", Fraction(5)), "tbsp": ("ml", Fraction(15)), "cup": ("ml", Fraction(240)),
    "ml": ("ml", Fraction(1)), "l": ("ml", Fraction(1000)),
    "g": ("g", Fraction(1)), "kg": ("g", Fraction(1000)),
    "oz": ("g", Fraction("28.35")), "lb": ("g", Fraction("453.6")),
}


class UnitError(ValueError):
    """An unknown unit, or a conversion between a volume and a weight."""


@dataclass(frozen=True)
class Ingredient:
    name: str
    amount: Fraction
    unit: str = ""  # "" for things that are counted: 2 eggs


def _unit(unit):
    try:
        return UNITS[unit.lower()]
    except IndexError:
        raise UnitError(f"unknown unit {unit!r}") from None


def convert(amount, from_unit, to_unit):
    """Convert between two volume units or two weight units: convert(2, "cup", "ml") == 480."""
    from_base, from_factor = _unit(from_unit)
    to_base, to_factor = _unit(to_unit)
    if from_base != to_base:
        raise UnitError(f"cannot convert {from_unit} to {to_unit}")
    return Fraction(amount) * from_factor / to_factor


def parse_amount(text):
    """'2', '3/4', '1 1/2' or '0.5' -> Fraction."""
    whole, _, rest = text.strip().partition(" ")
    return Fraction(whole) + Fraction(rest) if rest else Fraction(whole)


def parse_ingredient(line):
    """'1 1/2 cup flour' -> Ingredient('flour', 3/2, 'cup'); '2 eggs' -> Ingredient('eggs', 2)."""
    tokens = line.split()
    count = 2 if len(tokens) > 2 and "/" in tokens[1] else 1
    amount = parse_amount(" ".join(tokens[:count]))
    rest = tokens[count:]
    if len(rest) > 1 and rest[0].lower().rstrip("s") in UNITS:
        return Ingredient(" ".join(rest[1:]), amount, rest[0].lower().rstrip("s"))
    return Ingredient(" ".join(rest), amount)


def scale(ingredients, servings, new_servings):
    """The ingredients for `new_servings` instead of `servings`."""
    factor = Fraction(new_servings, servings)
    return [Ingredient(item.name, item.amount * factor, item.unit) for item in ingredients]


def to_metric(ingredients):
    """Spoons and cups in ml, ounces and pounds in g; counted ingredients stay as they are."""
    out = []
    for item in ingredients:
        if item.unit:
            base, factor = _unit(item.unit)
            item = Ingredient(item.name, item.amount * factor, base)
        out.append(item)
    return out


def format_amount(amount):
    """Fraction(3, 2) -> '1 1/2', Fraction(2) -> '2', Fraction(1, 3) -> '1/3'."""
    whole, rest = divmod(amount, 1)
    if not rest:
        return str(whole)
    return f"{whole} {rest}" if whole else str(rest)
