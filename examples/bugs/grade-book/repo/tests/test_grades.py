import pytest

from gradebook.grades import GradeBook, letter_for


def make_book():
    return GradeBook({"homework": 30, "exams": 70})


def test_letters_inside_bands():
    assert letter_for(97.5) == "A"
    assert letter_for(84) == "B"
    assert letter_for(71.25) == "C"
    assert letter_for(65) == "D"
    assert letter_for(12) == "F"


def test_average_exactly_on_a_cutoff_gets_that_letter():
    assert letter_for(90) == "A"
    assert letter_for(80) == "B"
    assert letter_for(60) == "D"


def test_weighted_average():
    book = make_book()
    book.add_score("ana", "homework", 18, 20)
    book.add_score("ana", "homework", 9, 10)
    book.add_score("ana", "exams", 75)
    assert book.category_percent("ana", "homework") == 90
    assert book.average("ana") == 79.5
    assert book.letter("ana") == "C"


def test_missing_category_is_left_out_of_the_average():
    book = make_book()
    book.add_score("ben", "homework", 42, 50)
    assert book.average("ben") == 84
    assert book.letter("ben") == "B"


def test_report_orders_by_average_and_grades_boundaries():
    book = make_book()
    book.add_score("cara", "homework", 70)
    book.add_score("cara", "exams", 70)
    book.add_score("dev", "homework", 100)
    book.add_score("dev", "exams", 95)
    book.add_score("eli", "homework", 40)
    book.add_score("eli", "exams", 50)
    assert book.report() == [("dev", 96.5, "A"), ("cara", 70.0, "C"), ("eli", 47.0, "F")]


def test_rejects_bad_input():
    book = make_book()
    with pytest.raises(KeyError):
        book.add_score("ana", "quizzes", 5)
    with pytest.raises(ValueError):
        book.add_score("ana", "exams", 105)
    with pytest.raises(KeyError):
        book.average("nobody")
    with pytest.raises(ValueError):
        GradeBook({"homework": 0})
