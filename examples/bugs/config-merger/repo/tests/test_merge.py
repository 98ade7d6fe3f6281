from layered.merge import deep_merge, from_env, get, merge_layers

DEFAULTS = {"db": {"host": "localhost", "port": 5432}, "log": {"level": "info"}, "workers": 2}


def test_scalar_override():
    assert deep_merge(DEFAULTS, {"workers": 8})["workers"] == 8


def test_nested_override_keeps_other_keys():
    merged = deep_merge(DEFAULTS, {"db": {"host": "db.internal"}})
    assert merged["db"] == {"host": "db.internal", "port": 5432}
    assert merged["log"] == {"level": "info"}


def test_inputs_are_not_modified():
    site = {"db": {"port": 6432}}
    merged = deep_merge(DEFAULTS, site)
    merged["db"]["host"] = "changed"
    assert DEFAULTS["db"] == {"host": "localhost", "port": 5432}
    assert site == {"db": {"port": 6432}}


def test_site_file_adds_a_section():
    merged = deep_merge(DEFAULTS, {"cache": {"backend": "redis", "ttl": 60}})
    assert merged["cache"] == {"backend": "redis", "ttl": 60}
    assert merged["db"]["port"] == 5432


def test_environment_adds_a_section():
    config = merge_layers(DEFAULTS, None, from_env({"APP_CACHE__TTL": "30", "APP_DB__PORT": "6432"}))
    assert get(config, "cache.ttl") == "30"
    assert get(config, "db.port") == "6432"


def test_from_env():
    environ = {"APP_DB__HOST": "db", "APP_WORKERS": "4", "HOME": "/root"}
    assert from_env(environ) == {"db": {"host": "db"}, "workers": "4"}


def test_get_with_default():
    assert get(DEFAULTS, "db.port") == 5432
    assert get(DEFAULTS, "db.user", "app") == "app"
    assert get(DEFAULTS, "workers.count") is None
