from urltools.query import build_query, build_url, search_url


def test_build_query():
    assert build_query({"q": "green tea", "page": 2}) == "q=green%20tea&page=2"


def test_bools_and_lists():
    assert build_query({"in_stock": True, "tag": ["a", "b"]}) == "in_stock=true&tag=a&tag=b"


def test_none_values_are_left_out():
    assert build_query({"q": "tea", "page": None}) == "q=tea"


def test_build_url_joins_path():
    assert build_url("https://api.example.com/v1/", "items", {"id": 5}) == "https://api.example.com/v1/items?id=5"


def test_build_url_keeps_existing_query():
    assert build_url("https://x.io/list?sort=name", params={"page": 3}) == "https://x.io/list?sort=name&page=3"


def test_build_url_without_params():
    assert build_url("https://x.io/a#top") == "https://x.io/a#top"


def test_search_url_with_every_option():
    url = search_url("https://x.io", "tea", page=2, per_page=20, tags=["green", "loose"])
    assert url == "https://x.io/search?q=tea&page=2&per_page=20&tag=green&tag=loose"


def test_search_url_with_only_text():
    assert search_url("https://x.io", "tea") == "https://x.io/search?q=tea"
