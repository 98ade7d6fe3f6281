"""Monthly payments and amortization schedules for fixed-rate loans."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Installment:
    month: int
    payment: float
    interest: float
    principal: float
    balance: float


def monthly_payment(principal, annual_rate, months):
    """Level monthly payment, rounded to cents, that repays `principal` over `months` at `annual_rate`
    (0.06 for 6 % a year, compounded monthly)."""
    if months < 1:
        raise ValueError("months must be at least 1")
    if annual_rate == 0:
        return round(principal / months, 2)
    r = annual_rate / 12
    payment = principal * r / (1 - (1 - r) ** -months)
    return round(payment, 2)


def schedule(principal, annual_rate, months):
    """One Installment per month; the last payment absorbs the rounding so the balance ends at 0."""
    payment = monthly_payment(principal, annual_rate, months)
    r = annual_rate / 12
    balance = principal
    rows = []
    for month in range(1, months + 1):
        interest = round(balance * r, 2)
        amount = round(balance + interest, 2) if month == months else payment
        repaid = round(amount - interest, 2)
        balance = round(balance - repaid, 2)
        rows.append(Installment(month, amount, interest, repaid, balance))
    return rows


def total_interest(principal, annual_rate, months):
    """Interest paid over the whole loan."""
    return round(sum(row.interest for row in schedule(principal, annual_rate, months)), 2)


def affordable_principal(payment, annual_rate, months):
    """The largest loan a monthly `payment` can repay (the inverse of monthly_payment, unrounded)."""
    if annual_rate == 0:
        return payment * months
    r = annual_rate / 12
    return round(payment * (1 - (1 + r) ** -months) / r, 2)
