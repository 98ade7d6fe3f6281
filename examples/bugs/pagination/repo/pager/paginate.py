"""Split a list of results into pages; pages are numbered from 1."""
import math
from dataclasses import dataclass


@dataclass
class Page:
    items: list
    number: int
    total_pages: int
    total_items: int

    @property
    def has_next(self):
        return self.number < self.total_pages

    @property
    def has_previous(self):
        return self.number > 1


def page_count(total_items, per_page):
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    return max(1, math.ceil(total_items / per_page))


def paginate(items, page=1, per_page=10):
    total = page_count(len(items), per_page)
    if page < 1 or page > total:
        raise ValueError(f"page {page} out of range 1..{total}")
    start = page * per_page
    end = start + per_page
    return Page(items[start:end], page, total, len(items))


def page_links(current, total, window=2):
    """Page numbers to show around the current page, e.g. [3, 4, 5, 6, 7]."""
    first = max(1, current - window)
    last = min(total, current + window)
    return list(range(first, last + 1))
