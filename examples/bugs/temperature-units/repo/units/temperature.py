"""Temperature conversions between C, F and K (always through Celsius)."""

ABSOLUTE_ZERO_C = -273.15


def c_to_f(c):
    return c * 9 / 5 + 32


def f_to_c(f):
    return (f - 32) * 5 / 9


def c_to_k(c):
    if c < ABSOLUTE_ZERO_C:
        raise ValueError(f"{c} C is below absolute zero")
    return c - ABSOLUTE_ZERO_C


def k_to_c(k):
    if k < 0:
        raise ValueError(f"{k} K is below absolute zero")
    return k - ABSOLUTE_ZERO_C


_TO_C = {"C": lambda v: v, "F": f_to_c, "K": k_to_c}
_FROM_C = {"C": lambda v: v, "F": c_to_f, "K": c_to_k}


def convert(value, from_unit, to_unit):
    try:
        to_c, from_c = _TO_C[from_unit.upper()], _FROM_C[to_unit.upper()]
    except KeyError as exc:
        raise ValueError(f"unknown unit {exc.args[0]!r}") from None
    return from_c(to_c(value))


def format_temp(value, unit):
    symbol = {"C": "°C", "F": "°F", "K": " K"}[unit.upper()]
    return f"{value:.1f}{symbol}"
