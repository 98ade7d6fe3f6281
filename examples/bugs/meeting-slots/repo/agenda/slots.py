"""Find free meeting slots in a working day, given the meetings already booked."""
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Meeting:
    title: str
    start: datetime
    end: datetime

    def __post_init__(self):
        if self.end <= self.start:
            raise ValueError(f"meeting {self.title!r} must end after it starts")


def busy_periods(meetings):
    """Merge overlapping or back-to-back meetings into sorted (start, end) busy periods."""
    periods = []
    for meeting in sorted(meetings, key=lambda m: m.start):
        if periods and meeting.start <= periods[-1][1]:
            periods[-1] = (periods[-1][0], max(periods[-1][1], meeting.end))
        else:
            periods.append((meeting.start, meeting.end))
    return periods


def free_slots(day_start, day_end, meetings, min_length=timedelta(minutes=30)):
    """(start, end) gaps between day_start and day_end that no meeting covers and that are
    at least min_length long, in order."""
    slots = []
    cursor = day_start
    for start, end in busy_periods(meetings):
        if end <= day_start or start >= day_end:
            continue
        if start - cursor > min_length:
            slots.append((cursor, start))
        cursor = max(cursor, end)
    if day_end - cursor >= min_length:
        slots.append((cursor, day_end))
    return slots


def first_free_slot(day_start, day_end, meetings, length):
    """The earliest (start, end) of a meeting of `length` that fits in the day, or None."""
    for start, _ in free_slots(day_start, day_end, meetings, min_length=length):
        return start, start + length
    return None


def busy_time(day_start, day_end, meetings):
    """Total time within the day taken up by meetings (overlaps counted once)."""
    total = timedelta()
    for start, end in busy_periods(meetings):
        start, end = max(start, day_start), min(end, day_end)
        if end > start:
            total += end - start
    return total
