"""Build request URLs with query strings for the shop API client."""
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit


def build_query(params):
    """Encode `params` as a query string, in the dict's order.

    Values may be str, int, float, bool (sent as true/false) or a list of those (the key is repeated).
    Parameters whose value is None are left out, so optional arguments can be passed straight through.
    """
    pairs = []
    for key, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if isinstance(item, bool):
                item = "true" if item else "false"
            pairs.append((key, str(item)))
    return urlencode(pairs, quote_via=quote)


def build_url(base, path="", params=None):
    """Join `path` onto `base` and append `params` after any query `base` already has."""
    scheme, netloc, base_path, query, fragment = urlsplit(base)
    if path:
        base_path = base_path.rstrip("/") + "/" + path.lstrip("/")
    existing = urlencode(parse_qsl(query, keep_blank_values=True), quote_via=quote)
    extra = build_query(params or {})
    query = "&".join(part for part in (existing, extra) if part)
    return urlunsplit((scheme, netloc, base_path, query, fragment))


def search_url(base, text, page=None, per_page=None, tags=None):
    return build_url(base, "search", {"q": text, "page": page, "per_page": per_page, "tag": tags})
