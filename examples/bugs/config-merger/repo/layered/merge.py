"""Layered configuration: built-in defaults, then the site file, then environment overrides."""
import copy


def deep_merge(base, override):
    """A new dict with `override` on top of `base`.

    Nested dicts are merged key by key; any other value in `override` replaces the one in `base`,
    and keys that only one side has are kept. Neither input is modified.
    """
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def merge_layers(*layers):
    """Merge layers left to right, later layers winning; None layers (a missing file) are skipped."""
    present = [layer for layer in layers if layer is not None]
    if not present:
        return {}
    result = copy.deepcopy(present[0])
    for layer in present[1:]:
        result = deep_merge(result, layer)
    return result


def from_env(environ, prefix="APP_"):
    """APP_DB__HOST=x -> {"db": {"host": "x"}}: a double underscore separates nesting levels."""
    config = {}
    for name, value in sorted(environ.items()):
        if not name.startswith(prefix):
            continue
        path = name[len(prefix):].lower().split("__")
        node = config
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return config


def get(config, dotted, default=None):
    """get(config, "db.port") -> config["db"]["port"], or `default` if any part is missing."""
    node = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node
