import pytest

from jobs.queue import JobQueue


def test_most_urgent_first():
    queue = JobQueue()
    queue.push("nightly backup", 7)
    queue.push("page on-call", 0)
    queue.push("resize images", 5)
    assert queue.drain() == ["page on-call", "resize images", "nightly backup"]


def test_equal_priorities_run_in_queue_order():
    queue = JobQueue()
    for job in ("send invoices", "archive logs", "rebuild index"):
        queue.push(job, 3)
    assert queue.drain() == ["send invoices", "archive logs", "rebuild index"]


def test_cancel_one_job():
    queue = JobQueue()
    first = queue.push("send invoices")
    queue.push("archive logs")
    queue.cancel(first)
    assert len(queue) == 1
    assert queue.pop() == "archive logs"


def test_len_and_peek():
    queue = JobQueue()
    queue.push("a", 2)
    queue.push("b", 1)
    assert len(queue) == 2
    assert queue.peek() == "b"
    assert len(queue) == 2


def test_empty_queue():
    queue = JobQueue()
    assert queue.peek() is None
    with pytest.raises(IndexError):
        queue.pop()


def test_invalid_priority():
    with pytest.raises(ValueError):
        JobQueue().push("x", 10)
