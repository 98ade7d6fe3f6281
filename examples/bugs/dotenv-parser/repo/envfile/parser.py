"""Read KEY=value environment files (.env style) into a dict."""
import re

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class EnvFileError(ValueError):
    def __init__(self, lineno, message):
        super().__init__(f"line {lineno}: {message}")
        self.lineno = lineno


def _value(raw):
    """Unquote a value; double quotes understand \\n and \\", unquoted values may end in ' # comment'."""
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        inner = raw[1:-1]
        if raw[0] == '"':
            inner = inner.replace("\\n", "\n").replace('\\"', '"')
        return inner
    return raw.split(" #", 1)[0].strip()


def parse(text):
    env = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        if "=" not in line:
            raise EnvFileError(lineno, f"expected KEY=value, got {raw!r}")
        key, value = line.split("=")
        key = key.strip()
        if not _KEY.match(key):
            raise EnvFileError(lineno, f"invalid key {key!r}")
        env[key] = _value(value.strip())
    return env


def expand(env, outer=None):
    """Replace ${NAME} in values with earlier entries of `env`, else with `outer` (e.g. os.environ), else ''."""
    outer = outer or {}
    result = {}
    for key, value in env.items():
        result[key] = _REFERENCE.sub(lambda m: result.get(m.group(1), outer.get(m.group(1), "")), value)
    return result


def load(path, outer=None):
    with open(path, encoding="utf-8") as handle:
        return expand(parse(handle.read()), outer)
