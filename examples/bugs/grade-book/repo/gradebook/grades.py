"""Weighted grade book for one course.

Scores are recorded per student and category ("homework", "exams", ...). A student's average is the
weighted mean of their category percentages, over the categories they have scores in, rounded to two
decimals; the letter grade comes from the cutoff table below.
"""

# (minimum average, letter), highest first. A student at exactly a cutoff gets that letter.
LETTER_CUTOFFS = [
    (90, "A"),
    (80, "B"),
    (70, "C"),
    (60, "D"),
]


def letter_for(average):
    """The letter grade for a 0-100 average."""
    for cutoff, letter in LETTER_CUTOFFS:
        if average > cutoff:
            return letter
    return "F"


class GradeBook:
    def __init__(self, weights):
        if not weights:
            raise ValueError("at least one category weight is required")
        if any(w <= 0 for w in weights.values()):
            raise ValueError("category weights must be positive")
        self.weights = dict(weights)
        self._scores = {}  # student -> category -> list of (points, max_points)

    def add_score(self, student, category, points, max_points=100):
        if category not in self.weights:
            raise KeyError(f"unknown category {category!r}")
        if max_points <= 0 or not 0 <= points <= max_points:
            raise ValueError(f"invalid score {points}/{max_points}")
        self._scores.setdefault(student, {}).setdefault(category, []).append((points, max_points))

    def students(self):
        return sorted(self._scores)

    def category_percent(self, student, category):
        """Percentage of the available points the student earned in one category, or None."""
        entries = self._scores.get(student, {}).get(category)
        if not entries:
            return None
        earned = sum(points for points, _ in entries)
        possible = sum(max_points for _, max_points in entries)
        return 100 * earned / possible

    def average(self, student):
        if student not in self._scores:
            raise KeyError(f"no scores for {student!r}")
        total = weight_sum = 0
        for category, weight in self.weights.items():
            percent = self.category_percent(student, category)
            if percent is not None:
                total += weight * percent
                weight_sum += weight
        return round(total / weight_sum, 2)

    def letter(self, student):
        return letter_for(self.average(student))

    def report(self):
        """One (student, average, letter) row per student, best average first, then by name."""
        rows = [(s, self.average(s), self.letter(s)) for s in self.students()]
        return sorted(rows, key=lambda row: (-row[1], row[0]))
