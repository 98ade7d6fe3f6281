from sales.report import monthly_totals, orders_for, revenue_by_customer, top_customer, total_revenue

CUSTOMERS = {"c-7": {"name": "Ann Lee", "country": "DE"}, "c-9": {"name": "Bo Chen", "country": "FR"}}
ORDERS = [
    {"id": "o-1001", "customer_id": "c-7", "date": "2024-03-02", "amount": 1250, "status": "paid"},
    {"id": "o-1002", "customer_id": "c-9", "date": "2024-03-05", "amount": 4000, "status": "paid"},
    {"id": "o-1003", "customer_id": "c-7", "date": "2024-04-01", "amount": 500, "status": "paid"},
    {"id": "o-1004", "customer_id": "c-7", "date": "2024-04-09", "amount": 9999, "status": "cancelled"},
]


def test_total_revenue_skips_cancelled():
    assert total_revenue(ORDERS) == 5750


def test_monthly_totals():
    assert monthly_totals(ORDERS) == {"2024-03": 5250, "2024-04": 500}


def test_orders_for_customer():
    assert orders_for(ORDERS, "c-7") == ["o-1001", "o-1003", "o-1004"]


def test_revenue_by_customer():
    assert revenue_by_customer(ORDERS, CUSTOMERS) == {"Bo Chen": 4000, "Ann Lee": 1750}


def test_top_customer():
    assert top_customer(ORDERS, CUSTOMERS) == "Bo Chen"


def test_no_orders():
    assert top_customer([], CUSTOMERS) is None
    assert total_revenue([]) == 0
