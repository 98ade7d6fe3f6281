"""Star-rating summaries shown on product pages."""
from dataclasses import dataclass


@dataclass
class Review:
    author: str
    stars: int
    text: str = ""

    def __post_init__(self):
        if not 1 <= self.stars <= 5:
            raise ValueError(f"stars must be 1..5, got {self.stars}")


def average_rating(reviews):
    """Mean stars rounded to one decimal; 0.0 when there are no reviews."""
    return round(sum(r.stars for r in reviews) / len(reviews), 1)


def star_histogram(reviews):
    counts = {stars: 0 for stars in range(5, 0, -1)}
    for review in reviews:
        counts[review.stars] += 1
    return counts


def summary_line(product, reviews):
    average = average_rating(reviews)
    if not reviews:
        return f"{product}: no reviews yet"
    noun = "review" if len(reviews) == 1 else "reviews"
    return f"{product}: {average:.1f} stars from {len(reviews)} {noun}"


def most_helpful(reviews, limit=3):
    """Longest texts first, as a cheap proxy for helpfulness."""
    return sorted(reviews, key=lambda r: (-len(r.text), r.author))[:limit]
