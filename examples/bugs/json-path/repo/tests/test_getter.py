from jpath.getter import get_path, pluck, set_path

ORDER = {
    "id": 7,
    "customer": {"name": "Ann", "address": None},
    "items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 1}],
}


def test_nested_dict():
    assert get_path(ORDER, "customer.name") == "Ann"


def test_list_index_and_negative_index():
    assert get_path(ORDER, "items.1.sku") == "B2"
    assert get_path(ORDER, "items.-1.qty") == 1


def test_missing_key_and_bad_index_give_default():
    assert get_path(ORDER, "customer.email", "-") == "-"
    assert get_path(ORDER, "items.5.sku") is None
    assert get_path(ORDER, "items.first") is None


def test_null_in_the_middle_gives_default():
    assert get_path(ORDER, "customer.address.city", "n/a") == "n/a"


def test_scalar_in_the_middle_gives_default():
    assert get_path(ORDER, "customer.name.first", "?") == "?"


def test_set_path_creates_dicts():
    doc = {"items": [{"sku": "A1"}]}
    set_path(doc, "meta.source", "api")
    set_path(doc, "items.0.qty", 3)
    assert doc == {"items": [{"sku": "A1", "qty": 3}], "meta": {"source": "api"}}


def test_pluck():
    assert pluck(ORDER["items"], "sku") == ["A1", "B2"]
