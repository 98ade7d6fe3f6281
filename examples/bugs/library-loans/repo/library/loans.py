"""Track library loans: what is overdue, and the late fees members owe."""
from dataclasses import dataclass
from datetime import date, timedelta

LOAN_DAYS = 21
FEE_PER_DAY = 0.25
MAX_FEE = 10.00


@dataclass
class Loan:
    title: str
    member: str
    borrowed_on: date
    due_on: date = None
    returned_on: date = None

    def __post_init__(self):
        if self.due_on is None:
            self.due_on = self.borrowed_on + timedelta(days=LOAN_DAYS)

    def renew(self, days=LOAN_DAYS):
        """Push the due date back; a returned book cannot be renewed."""
        if self.returned_on is not None:
            raise ValueError(f"{self.title!r} has already been returned")
        self.due_on += timedelta(days=days)


def days_overdue(loan, today):
    """Days past the due date, counted up to the return date (or today, if the book is still out); 0 if on time."""
    end = loan.returned_on or today
    return max(0, (end - loan.borrowed_on).days)


def late_fee(loan, today):
    """FEE_PER_DAY for every day overdue, capped at MAX_FEE per loan."""
    return min(MAX_FEE, round(days_overdue(loan, today) * FEE_PER_DAY, 2))


def overdue_loans(loans, today):
    """Loans still out whose due date has passed, the longest overdue first."""
    late = [loan for loan in loans if loan.returned_on is None and days_overdue(loan, today) > 0]
    return sorted(late, key=lambda loan: loan.due_on)


def fees_by_member(loans, today):
    """{member: total late fees} for members who owe anything."""
    fees = {}
    for loan in loans:
        fee = late_fee(loan, today)
        if fee:
            fees[loan.member] = round(fees.get(loan.member, 0) + fee, 2)
    return fees
