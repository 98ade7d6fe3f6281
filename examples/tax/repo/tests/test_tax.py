def test_standard_rate(get):
    assert get("/quote?amount=100.00&kind=standard") == {"net": "100.00", "rate": "0.19", "tax": "19.00",
                                                         "total": "119.00"}


def test_food_is_reduced(get):
    assert get("/quote?amount=10.00&kind=food")["total"] == "10.70"
