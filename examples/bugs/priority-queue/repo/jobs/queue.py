"""A job queue ordered by priority (0 = most urgent, 9 = least); equal priorities run first in, first out."""
import heapq


class JobQueue:
    def __init__(self):
        self._heap = []  # (priority, ticket, job); tickets increase, so ties go to the older job
        self._next_ticket = 0
        self._cancelled = set()

    def push(self, job, priority=5):
        """Queue `job` and return its ticket, which cancel() accepts."""
        if not 0 <= priority <= 9:
            raise ValueError(f"priority must be 0..9, got {priority}")
        ticket = self._next_ticket
        heapq.heappush(self._heap, (priority, ticket, job))
        return ticket

    def cancel(self, ticket):
        """Drop a queued job; it will never be returned by pop()."""
        self._cancelled.add(ticket)

    def _discard_cancelled(self):
        while self._heap and self._heap[0][1] in self._cancelled:
            _, ticket, _ = heapq.heappop(self._heap)
            self._cancelled.discard(ticket)

    def pop(self):
        """Remove and return the most urgent job."""
        self._discard_cancelled()
        if not self._heap:
            raise IndexError("pop from an empty job queue")
        return heapq.heappop(self._heap)[2]

    def peek(self):
        self._discard_cancelled()
        return self._heap[0][2] if self._heap else None

    def __len__(self):
        return sum(1 for _, ticket, _ in self._heap if ticket not in self._cancelled)

    def drain(self):
        """Pop every queued job, most urgent first."""
        jobs = []
        while len(self):
            jobs.append(self.pop())
        return jobs
