import pytest

from appconfig.settings import DEFAULTS, ConfigError, load


def test_defaults():
    assert load("") == DEFAULTS


def test_values_and_comments():
    text = "# service\nhost = 0.0.0.0\nport = 9000  # public\ndebug = yes\n"
    assert load(text) == {"host": "0.0.0.0", "port": 9000, "workers": 2, "debug": True}


def test_port_must_be_a_number():
    with pytest.raises(ConfigError, match="port"):
        load("port = http")


def test_workers_must_be_a_number():
    with pytest.raises(ConfigError, match="workers"):
        load("workers = many")


def test_bad_boolean():
    with pytest.raises(ConfigError, match="debug"):
        load("debug = maybe")


def test_ranges_and_unknown_keys():
    with pytest.raises(ConfigError):
        load("port = 70000")
    with pytest.raises(ConfigError):
        load("workers = 0")
    with pytest.raises(ConfigError):
        load("colour = blue")
