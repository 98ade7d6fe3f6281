"""Parse raw HTTP header blocks and read the headers the crawler cares about."""


class Headers:
    """Case-insensitive header fields, in the order they arrived; a name may repeat."""

    def __init__(self, fields=()):
        self._fields = [(name.strip(), value.strip()) for name, value in fields]

    @classmethod
    def parse(cls, raw):
        """Parse 'Name: value' lines (CRLF or LF line ends); a line starting with a space or tab
        continues the previous field's value."""
        fields = []
        for line in raw.replace("\r\n", "\n").split("\n"):
            if not line.strip():
                continue
            if line[0] in " \t" and fields:
                name, value = fields[-1]
                fields[-1] = (name, f"{value} {line.strip()}")
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                raise ValueError(f"malformed header line: {line!r}")
            fields.append((name, value))
        return cls(fields)

    def get_all(self, name):
        wanted = name.lower()
        return [value for key, value in self._fields if key.lower() == wanted]

    def get(self, name, default=None):
        """Every value of the field joined by ', ' (as HTTP allows), or `default` if it is absent."""
        values = self.get_all(name)
        return ", ".join(values) if values else default

    def __contains__(self, name):
        return bool(self.get_all(name))

    def __len__(self):
        return len(self._fields)


def split_params(value):
    """'text/html; charset="UTF-8"' -> ('text/html', {'charset': 'UTF-8'})."""
    main, *rest = value.split(";")
    params = {}
    for item in rest:
        key, _, val = item.partition("=")
        if key.strip():
            params[key.strip().lower()] = val.strip().strip('"')
    return main.strip().lower(), params


def content_type(headers):
    """(media type, charset) of the body, e.g. ('text/html', 'utf-8'); None for whatever is not given."""
    value = headers.get("Content-Type")
    media_type, params = split_params(value)
    return media_type or None, params.get("charset", "").lower() or None


def content_length(headers):
    """The body length in bytes, or None when the header is absent."""
    value = headers.get("Content-Length")
    if value is None:
        return None
    return int(value)


def is_html(headers):
    return content_type(headers)[0] in ("text/html", "application/xhtml+xml")
