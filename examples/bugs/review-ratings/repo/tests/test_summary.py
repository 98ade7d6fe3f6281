import pytest

from reviews.summary import Review, average_rating, most_helpful, star_histogram, summary_line

REVIEWS = [Review("ann", 5, "great"), Review("bob", 4), Review("cy", 4, "good value for money")]


def test_average_rating():
    assert average_rating(REVIEWS) == 4.3


def test_average_of_no_reviews():
    assert average_rating([]) == 0.0


def test_summary_line():
    assert summary_line("Kettle", REVIEWS) == "Kettle: 4.3 stars from 3 reviews"
    assert summary_line("Mug", [Review("ann", 3)]) == "Mug: 3.0 stars from 1 review"


def test_summary_line_without_reviews():
    assert summary_line("Teapot", []) == "Teapot: no reviews yet"


def test_histogram():
    assert star_histogram(REVIEWS) == {5: 1, 4: 2, 3: 0, 2: 0, 1: 0}


def test_invalid_stars():
    with pytest.raises(ValueError):
        Review("eve", 6)


def test_most_helpful():
    assert [r.author for r in most_helpful(REVIEWS, 2)] == ["cy", "ann"]
