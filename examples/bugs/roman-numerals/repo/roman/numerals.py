"""Convert between integers 1..3999 and canonical Roman numerals."""

NUMERALS = [
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "LX"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
]
VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def to_roman(number):
    if not isinstance(number, int) or not 0 < number < 4000:
        raise ValueError(f"cannot write {number!r} in Roman numerals")
    out = []
    for value, symbol in NUMERALS:
        count, number = divmod(number, value)
        out.append(symbol * count)
    return "".join(out)


def from_roman(text):
    text = text.strip().upper()
    if not text:
        raise ValueError("empty numeral")
    total = 0
    biggest = 0
    for ch in reversed(text):
        if ch not in VALUES:
            raise ValueError(f"invalid character {ch!r} in {text!r}")
        value = VALUES[ch]
        if value < biggest:
            total -= value
        else:
            total += value
            biggest = value
    if not 0 < total < 4000 or to_roman(total) != text:
        raise ValueError(f"{text!r} is not a canonical numeral")
    return total
