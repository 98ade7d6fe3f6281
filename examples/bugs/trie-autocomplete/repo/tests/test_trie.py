import pytest

from suggest.trie import Autocomplete


def make():
    ac = Autocomplete(["cat", "car", "cart", "dog", "door"])
    ac.add("car", weight=3)
    ac.add("door", weight=2)
    return ac


def test_add_and_contains():
    ac = make()
    assert "car" in ac
    assert "CART" in ac
    assert "ca" not in ac
    assert "cow" not in ac
    assert len(ac) == 5


def test_counts_accumulate():
    ac = make()
    assert ac.count("car") == 4
    assert ac.count("  Door ") == 3
    assert ac.count("do") == 0


def test_suggest_by_prefix():
    ac = make()
    assert ac.suggest("ca") == ["car", "cart", "cat"]
    assert ac.suggest("do") == ["door", "dog"]


def test_suggest_respects_limit_and_full_word_prefix():
    ac = make()
    assert ac.suggest("car", limit=1) == ["car"]
    assert ac.suggest("cart") == ["cart"]


def test_empty_prefix_ranks_everything():
    ac = make()
    assert ac.suggest("", limit=3) == ["car", "door", "cart"]


def test_unknown_prefix():
    assert make().suggest("x") == []


def test_rejects_empty_term():
    with pytest.raises(ValueError):
        Autocomplete().add("   ")
