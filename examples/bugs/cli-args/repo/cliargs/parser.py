"""Parse argv lists: --name=value, --name value, boolean --flags, and -- to end options."""


class UsageError(Exception):
    pass


def parse_args(argv, flags=()):
    """Return (options, positionals); names in `flags` take no value and become True."""
    options, positionals = {}, []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            positionals.extend(argv[i + 1:])
            break
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            if not name:
                raise UsageError(f"bad option {arg!r}")
            if eq:
                options[name] = value
                i += 1
            elif name in flags:
                options[name] = True
            else:
                if i + 1 >= len(argv):
                    raise UsageError(f"--{name} needs a value")
                options[name] = argv[i + 1]
                i += 2
        else:
            positionals.append(arg)
            i += 1
    return options, positionals


def get_int(options, name, default):
    if name not in options:
        return default
    try:
        return int(options[name])
    except ValueError:
        raise UsageError(f"--{name} must be a number, got {options[name]!r}") from None
