import pytest

from lending.amortization import Installment, affordable_principal, monthly_payment, schedule, total_interest


def test_zero_rate_payment():
    assert monthly_payment(1200, 0, 12) == 100.0


def test_term_must_be_positive():
    with pytest.raises(ValueError):
        monthly_payment(1000, 0.05, 0)


def test_mortgage_payment():
    assert monthly_payment(100_000, 0.06, 360) == 599.55
    assert monthly_payment(20_000, 0.045, 60) == 372.86


def test_schedule_for_a_one_year_loan():
    rows = schedule(5000, 0.12, 12)
    assert rows[0] == Installment(1, 444.24, 50.0, 394.24, 4605.76)
    assert rows[-1] == Installment(12, 444.29, 4.4, 439.89, 0.0)
    assert total_interest(5000, 0.12, 12) == 330.93


def test_zero_rate_schedule():
    rows = schedule(1200, 0, 12)
    assert [row.payment for row in rows] == [100.0] * 12
    assert rows[-1].balance == 0
    assert total_interest(1200, 0, 12) == 0


def test_schedule_length():
    assert len(schedule(10_000, 0.05, 48)) == 48


def test_affordable_principal():
    assert affordable_principal(599.55, 0.06, 360) == pytest.approx(100_000, abs=1)
    assert affordable_principal(250, 0, 24) == 6000
