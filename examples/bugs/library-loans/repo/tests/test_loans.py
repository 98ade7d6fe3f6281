from datetime import date

import pytest

from library.loans import MAX_FEE, Loan, days_overdue, fees_by_member, late_fee, overdue_loans


def test_default_due_date_is_three_weeks_later():
    assert Loan("Dune", "ana", date(2024, 3, 1)).due_on == date(2024, 3, 22)


def test_renew_pushes_the_due_date_back():
    loan = Loan("Dune", "ana", date(2024, 3, 1))
    loan.renew()
    assert loan.due_on == date(2024, 4, 12)


def test_returned_book_cannot_be_renewed():
    loan = Loan("Dune", "ana", date(2024, 3, 1), returned_on=date(2024, 3, 5))
    with pytest.raises(ValueError):
        loan.renew()


def test_days_overdue():
    loan = Loan("Dune", "ana", date(2024, 3, 1))
    assert days_overdue(loan, date(2024, 3, 10)) == 0
    assert days_overdue(loan, date(2024, 3, 22)) == 0
    assert days_overdue(loan, date(2024, 3, 25)) == 3


def test_nothing_overdue_on_the_day_it_is_borrowed():
    loan = Loan("Emma", "ben", date(2024, 3, 1))
    assert days_overdue(loan, date(2024, 3, 1)) == 0
    assert late_fee(loan, date(2024, 3, 1)) == 0


def test_fee_is_capped():
    loan = Loan("Ulysses", "ben", date(2023, 9, 1))
    assert late_fee(loan, date(2024, 3, 1)) == MAX_FEE


def test_overdue_report():
    loans = [
        Loan("Dune", "ana", date(2024, 2, 1)),
        Loan("Emma", "ben", date(2024, 2, 20)),
        Loan("Persuasion", "ben", date(2024, 1, 25)),
        Loan("Middlemarch", "cai", date(2024, 1, 10), returned_on=date(2024, 2, 1)),
    ]
    loans[0].renew()
    report = overdue_loans(loans, date(2024, 3, 1))
    assert [loan.title for loan in report] == ["Persuasion"]


def test_fees_by_member():
    loans = [
        Loan("Dune", "ana", date(2024, 2, 1), returned_on=date(2024, 2, 20)),
        Loan("Emma", "ben", date(2024, 2, 1), returned_on=date(2024, 2, 26)),
        Loan("Persuasion", "ben", date(2024, 2, 5)),
    ]
    assert fees_by_member(loans, date(2024, 3, 1)) == {"ben": 2.0}


def test_no_loans_no_fees():
    assert fees_by_member([], date(2024, 3, 1)) == {}
    assert overdue_loans([], date(2024, 3, 1)) == []
