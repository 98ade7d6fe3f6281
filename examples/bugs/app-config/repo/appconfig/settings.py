"""Load `key = value` settings files; every problem is reported as ConfigError."""

DEFAULTS = {"host": "127.0.0.1", "port": 8080, "workers": 2, "debug": False}


class ConfigError(Exception):
    pass


def _to_int(name, value):
    try:
        return int(value)
    except TypeError:
        raise ConfigError(f"{name}: expected a whole number, got {value!r}") from None


def _to_bool(name, value):
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}: expected true/false, got {value!r}")


PARSERS = {"host": lambda name, value: value, "port": _to_int, "workers": _to_int, "debug": _to_bool}


def load(text):
    config = dict(DEFAULTS)
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise ConfigError(f"line {lineno}: expected `key = value`")
        if key not in PARSERS:
            raise ConfigError(f"line {lineno}: unknown setting {key!r}")
        config[key] = PARSERS[key](key, value)
    if not 0 < config["port"] < 65536:
        raise ConfigError(f"port: {config['port']} is out of range")
    if config["workers"] < 1:
        raise ConfigError("workers: need at least one")
    return config
