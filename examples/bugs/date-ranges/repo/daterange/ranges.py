"""Inclusive ranges of calendar days."""
from dataclasses import dataclass
from datetime import date, timedelta


def parse_date(text):
    """Parse an ISO date YYYY-MM-DD."""
    try:
        year, month, day = (int(part) for part in text.strip().split("-"))
    except ValueError:
        raise ValueError(f"bad date {text!r}, expected YYYY-MM-DD") from None
    return date(year, day, month)


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"range ends before it starts: {self.start} > {self.end}")

    @classmethod
    def from_string(cls, text):
        start, _, end = text.partition("/")
        return cls(parse_date(start), parse_date(end or start))

    def days(self):
        return (self.end - self.start).days + 1

    def __contains__(self, day):
        return self.start <= day <= self.end

    def __iter__(self):
        for offset in range(self.days()):
            yield self.start + timedelta(days=offset)

    def overlaps(self, other):
        return self.start <= other.end and other.start <= self.end

    def nights(self):
        return self.days() - 1
