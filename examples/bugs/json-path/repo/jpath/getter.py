"""Read and write values in nested dicts/lists with paths like "orders.0.items.2.sku"."""

_MISSING = object()


def get_path(doc, path, default=None):
    cur = doc
    for part in path.split("."):
        if isinstance(cur, list):
            try:
                index = int(part)
            except ValueError:
                return default
            if not -len(cur) <= index < len(cur):
                return default
            cur = cur[index]
            continue
        cur = cur.get(part, _MISSING)
        if cur is _MISSING:
            return default
    return cur


def set_path(doc, path, value):
    """Set a value, creating intermediate dicts; lists must already exist."""
    *parents, last = path.split(".")
    cur = doc
    for part in parents:
        if isinstance(cur, list):
            cur = cur[int(part)]
        else:
            cur = cur.setdefault(part, {})
    if isinstance(cur, list):
        cur[int(last)] = value
    else:
        cur[last] = value
    return doc


def pluck(docs, path, default=None):
    return [get_path(d, path, default) for d in docs]
