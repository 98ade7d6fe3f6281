import pytest

from pager.paginate import page_count, page_links, paginate

RESULTS = [f"r{i}" for i in range(1, 26)]


def test_page_count():
    assert page_count(25, 10) == 3
    assert page_count(30, 10) == 3
    assert page_count(0, 10) == 1


def test_first_page():
    page = paginate(RESULTS, 1, 10)
    assert page.items == [f"r{i}" for i in range(1, 11)]


def test_last_page_is_partial():
    page = paginate(RESULTS, 3, 10)
    assert page.items == ["r21", "r22", "r23", "r24", "r25"]


def test_navigation_flags():
    assert paginate(RESULTS, 1).has_next
    assert not paginate(RESULTS, 1).has_previous
    assert not paginate(RESULTS, 3).has_next


def test_out_of_range_page():
    with pytest.raises(ValueError):
        paginate(RESULTS, 4, 10)
    with pytest.raises(ValueError):
        paginate(RESULTS, 0, 10)


def test_bad_page_size():
    with pytest.raises(ValueError):
        page_count(10, 0)


def test_page_links():
    assert page_links(5, 10) == [3, 4, 5, 6, 7]
    assert page_links(1, 3) == [1, 2, 3]
