import pytest

from ringbuf.buffer import RingBuffer


def test_push_until_full():
    buf = RingBuffer(3)
    for line in ("a", "b", "c"):
        assert buf.push(line) is None
    assert buf.is_full()
    assert buf.to_list() == ["a", "b", "c"]


def test_overwrites_oldest_when_full():
    buf = RingBuffer(3)
    for line in "abcde":
        buf.push(line)
    assert buf.to_list() == ["c", "d", "e"]
    assert buf.push("f") == "c"
    assert len(buf) == 3


def test_popleft_returns_oldest_and_shrinks():
    buf = RingBuffer(3)
    for n in (1, 2, 3):
        buf.push(n)
    assert buf.popleft() == 1
    assert len(buf) == 2
    assert buf.to_list() == [2, 3]
    assert not buf.is_full()


def test_pop_everything_then_empty():
    buf = RingBuffer(4)
    buf.push("x")
    buf.push("y")
    assert [buf.popleft(), buf.popleft()] == ["x", "y"]
    with pytest.raises(IndexError):
        buf.popleft()


def test_peek_and_latest():
    buf = RingBuffer(5)
    for n in range(8):
        buf.push(n)
    assert buf.peek() == 3
    assert buf.latest(2) == [6, 7]
    assert buf.latest(0) == []


def test_clear():
    buf = RingBuffer(2)
    buf.push(1)
    buf.push(2)
    buf.clear()
    assert len(buf) == 0
    with pytest.raises(IndexError):
        buf.peek()


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        RingBuffer(0)
