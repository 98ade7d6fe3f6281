"""greenloop.toml: the documented shape loads unchanged; errors name the file, the key and the fix."""

from __future__ import annotations

import pytest

from greenloop.loop.config import Config, load_config, start_order
from greenloop.loop.errors import ConfigError

ISSUE_SHAPE = '''
[setup]
command = "pip install -e ."         # optional; once per workspace, before services and tests

[test]
command = "python -m pytest -q tests"
known_failures = []                  # optional

[[services]]
name = "stations"
command = "python stations/app.py"   # run from the workspace root
port_env = "PORT"                    # greenloop picks a free port and passes it in this variable
health = "/healthz"                  # GET must answer 2xx when ready
paths = ["stations/"]                # files that belong to this service
url_env = "STATIONS_URL"             # every service and the tests get this service's URL in this variable
'''


def load(tmp_path, text: str, name: str = "greenloop.toml") -> Config:
    (tmp_path / name).write_text(text)
    return load_config(tmp_path)[0]


def test_the_documented_shape_loads_unchanged(tmp_path):
    config = load(tmp_path, ISSUE_SHAPE)
    (service,) = config.services
    assert service.health.http == "/healthz" and service.url_env == "STATIONS_URL"
    assert config.setup.command == "pip install -e ." and config.test.known_failures == []
    assert "**/tests/**" in config.test.protected_paths


def test_pyproject_tool_table(tmp_path):
    config = load(tmp_path, '[project]\nname = "x"\n[tool.greenloop.test]\ncommand = "make test"\n', "pyproject.toml")
    assert config.test.command == "make test"
    with pytest.raises(ConfigError, match=r"tool\.greenloop\.test\.comand: unknown key; did you mean 'command'"):
        load(tmp_path, '[tool.greenloop.test]\ncomand = "make test"\n', "pyproject.toml")


def test_health_forms(tmp_path):
    config = load(tmp_path, '''
[[services]]
name = "a"
command = "a"
health = "tcp"
[[services]]
name = "b"
command = "b"
health = { command = "curl -sf localhost" }
depends_on = ["a"]
''')
    assert config.services[0].health.tcp and config.services[1].health.command == "curl -sf localhost"


def test_start_order_follows_depends_on(tmp_path):
    config = load(tmp_path, '''
[[services]]
name = "web"
command = "w"
depends_on = ["api"]
[[services]]
name = "api"
command = "a"
depends_on = ["db"]
[[services]]
name = "db"
command = "d"
''')
    assert [s.name for s in start_order(config.services)] == ["db", "api", "web"]


@pytest.mark.parametrize("text, expected", [
    ('[[services]]\nname = "a"\ncommand = "a"\ndepends_on = ["a"]\n', "depends_on has a cycle: a -> a"),
    ('[[services]]\nname = "a"\ncommand = "a"\ndepends_on = ["b"]\n', "depends_on unknown service(s) ['b']"),
    ('[[services]]\nname = "a"\ncommand = "a"\n[[services]]\nname = "a"\ncommand = "b"\n', "repeated: a"),
    ('[[services]]\nname = "a"\n', "services[0].command: required key is missing"),
    ('[services]\nname = "a"\n', "services"),
    ('[budget]\nmax_steps = 0\n', "budget.max_steps"),
    ('[sandbox]\nisolation = "vm"\n', "sandbox.isolation"),
    ('[logz]\n', "logz: unknown key; did you mean 'logs'?"),
])
def test_invalid_configs_name_the_key(tmp_path, text, expected):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, text)
    assert expected in str(error.value)
    assert str(tmp_path / "greenloop.toml") in str(error.value)
    assert error.value.exit_code == 2


def test_no_config_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="no greenloop config") as error:
        load_config(tmp_path)
    assert "[test]" in error.value.fix
