"""Map (method, path) to a handler. Patterns look like "/users/<int:user_id>/posts/<slug>"."""

CONVERTERS = {"str": str, "int": int}


class NotFound(Exception):
    pass


class MethodNotAllowed(Exception):
    def __init__(self, path, allowed):
        super().__init__(f"{path}: allowed methods are {', '.join(sorted(allowed))}")
        self.allowed = set(allowed)


def _split(path):
    return [part for part in path.strip("/").split("/") if part]


class Route:
    def __init__(self, method, pattern, handler):
        self.method = method.upper()
        self.pattern = pattern
        self.handler = handler
        self.parts = []
        for part in _split(pattern):
            if part.startswith("<") and part.endswith(">"):
                kind, _, name = part[1:-1].rpartition(":")
                kind = kind or "str"
                if kind not in CONVERTERS:
                    raise ValueError(f"unknown converter {kind!r} in {pattern!r}")
                self.parts.append((name, CONVERTERS[kind]))
            else:
                self.parts.append(part)

    def match(self, path):
        """The path parameters if `path` fits this route's pattern, else None."""
        segments = _split(path)
        params = {}
        for want, got in zip(self.parts, segments):
            if isinstance(want, tuple):
                name, convert = want
                try:
                    params[name] = convert(got)
                except ValueError:
                    return None
            elif want != got:
                return None
        return params


class Router:
    def __init__(self):
        self.routes = []

    def add(self, method, pattern, handler):
        self.routes.append(Route(method, pattern, handler))

    def route(self, pattern, methods=("GET",)):
        def decorator(handler):
            for method in methods:
                self.add(method, pattern, handler)
            return handler
        return decorator

    def resolve(self, method, path):
        """(handler, params) for the first route that matches; NotFound / MethodNotAllowed otherwise."""
        allowed = set()
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method == method.upper():
                return route.handler, params
            allowed.add(route.method)
        if allowed:
            raise MethodNotAllowed(path, allowed)
        raise NotFound(path)

    def dispatch(self, method, path):
        handler, params = self.resolve(method, path)
        return handler(**params)
