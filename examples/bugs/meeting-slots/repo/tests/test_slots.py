from datetime import datetime, timedelta

import pytest

from agenda.slots import Meeting, busy_periods, busy_time, first_free_slot, free_slots

DAY_START = datetime(2024, 5, 6, 9, 0)
DAY_END = datetime(2024, 5, 6, 17, 0)


def at(hour, minute=0):
    return datetime(2024, 5, 6, hour, minute)


def test_busy_periods_merge_overlapping_meetings():
    meetings = [
        Meeting("review", at(11), at(12)),
        Meeting("standup", at(9), at(9, 15)),
        Meeting("lunch talk", at(11, 30), at(13)),
    ]
    assert busy_periods(meetings) == [(at(9), at(9, 15)), (at(11), at(13))]


def test_free_slots_between_meetings():
    meetings = [Meeting("standup", at(9), at(9, 15)), Meeting("planning", at(13), at(14, 30))]
    assert free_slots(DAY_START, DAY_END, meetings) == [(at(9, 15), at(13)), (at(14, 30), at(17))]


def test_short_gaps_are_skipped():
    meetings = [Meeting("a", at(9), at(10)), Meeting("b", at(10, 15), at(16, 50))]
    assert free_slots(DAY_START, DAY_END, meetings) == []


def test_gap_of_exactly_min_length_is_offered():
    meetings = [Meeting("standup", at(9), at(10)), Meeting("design", at(10, 30), at(12))]
    slots = free_slots(DAY_START, DAY_END, meetings, min_length=timedelta(minutes=30))
    assert slots == [(at(10), at(10, 30)), (at(12), at(17))]


def test_first_free_slot_uses_a_gap_that_fits_exactly():
    meetings = [Meeting("1:1", at(9), at(11)), Meeting("demo", at(12), at(13)), Meeting("retro", at(14), at(17))]
    assert first_free_slot(DAY_START, DAY_END, meetings, timedelta(hours=1)) == (at(11), at(12))


def test_last_slot_of_exactly_min_length_is_offered():
    meetings = [Meeting("workshop", at(9), at(16, 30))]
    assert free_slots(DAY_START, DAY_END, meetings) == [(at(16, 30), at(17))]


def test_empty_day_is_one_slot():
    assert free_slots(DAY_START, DAY_END, []) == [(DAY_START, DAY_END)]
    assert first_free_slot(DAY_START, DAY_END, [], timedelta(hours=9)) is None


def test_meetings_outside_the_day_are_ignored():
    meetings = [Meeting("early call", at(7), at(8)), Meeting("dinner", at(18), at(20))]
    assert free_slots(DAY_START, DAY_END, meetings) == [(DAY_START, DAY_END)]


def test_busy_time_counts_overlaps_once():
    meetings = [Meeting("a", at(8), at(10)), Meeting("b", at(9, 30), at(10, 30)), Meeting("c", at(16), at(18))]
    assert busy_time(DAY_START, DAY_END, meetings) == timedelta(hours=2, minutes=30)


def test_meeting_must_end_after_start():
    with pytest.raises(ValueError):
        Meeting("oops", at(10), at(10))
