"""Aggregate orders for the monthly sales report.

orders:    [{"id": "o-1001", "customer_id": "c-7", "date": "2024-03-02", "amount": 1250, "status": "paid"}]
customers: {"c-7": {"name": "Ann Lee", "country": "DE"}}
Amounts are integer cents; cancelled orders never count.
"""
from collections import defaultdict


def _counted(orders):
    return [o for o in orders if o["status"] != "cancelled"]


def total_revenue(orders):
    return sum(o["amount"] for o in _counted(orders))


def monthly_totals(orders):
    totals = defaultdict(int)
    for order in _counted(orders):
        totals[order["date"][:7]] += order["amount"]
    return dict(sorted(totals.items()))


def orders_for(orders, customer_id):
    return [o["id"] for o in orders if o["customer_id"] == customer_id]


def revenue_by_customer(orders, customers):
    """{customer name: revenue}, biggest first (ties by name)."""
    totals = defaultdict(int)
    for order in _counted(orders):
        name = customers[order["id"]]["name"]
        totals[name] += order["amount"]
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))


def top_customer(orders, customers):
    ranking = revenue_by_customer(orders, customers)
    return next(iter(ranking), None)
