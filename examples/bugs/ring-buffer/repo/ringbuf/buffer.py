"""A fixed-capacity FIFO ring buffer: pushing onto a full buffer overwrites the oldest item."""


class RingBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._items = [None] * capacity
        self._start = 0  # index of the oldest item
        self._size = 0

    def __len__(self):
        return self._size

    def is_full(self):
        return self._size == self.capacity

    def push(self, item):
        """Append `item`; returns the item it overwrote, or None when there was room."""
        end = (self._start + self._size) % self.capacity
        dropped = None
        if self.is_full():
            dropped = self._items[end]
            self._start = (self._start + 1) % self.capacity
        else:
            self._size += 1
        self._items[end] = item
        return dropped

    def popleft(self):
        """Remove and return the oldest item."""
        if not self._size:
            raise IndexError("pop from an empty ring buffer")
        item = self._items[self._start]
        self._items[self._start] = None
        self._start = (self._start + 1) % self.capacity
        return item

    def peek(self):
        if not self._size:
            raise IndexError("peek at an empty ring buffer")
        return self._items[self._start]

    def __iter__(self):
        for offset in range(self._size):
            yield self._items[(self._start + offset) % self.capacity]

    def to_list(self):
        return list(self)

    def latest(self, n):
        """The newest `n` items, oldest first."""
        items = self.to_list()
        return items[-n:] if n > 0 else []

    def clear(self):
        self._items = [None] * self.capacity
        self._start = 0
        self._size = 0
