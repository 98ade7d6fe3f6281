"""Render e-mail templates: {{ name }} placeholders, with an optional default: {{ name | friend }}.

Placeholder names are letters, digits and underscores, and are matched case-insensitively,
so {{ First_Name }} and {{ first_name }} are the same placeholder.
"""
import re

PLACEHOLDER = r"\{\{\s*([a-z_][a-z0-9_]*)\s*(?:\|\s*([^}]*?)\s*)?\}\}"


class MissingValue(KeyError):
    """A placeholder has no value in the context and no default."""


def placeholders(template):
    """The placeholder names a template uses, lower-cased, in order of first use."""
    names = []
    for match in re.finditer(PLACEHOLDER, template, re.IGNORECASE):
        name = match.group(1).lower()
        if name not in names:
            names.append(name)
    return names


def render(template, context, strict=True):
    """Fill every placeholder from `context` (a dict; its keys are matched case-insensitively).

    A placeholder whose value is missing or None gets its default; without a default it raises
    MissingValue when `strict`, and is left empty otherwise.
    """
    values = {str(key).lower(): value for key, value in context.items()}

    def fill(match):
        name, default = match.group(1).lower(), match.group(2)
        if values.get(name) is not None:
            return str(values[name])
        if default is not None:
            return default
        if strict:
            raise MissingValue(name)
        return ""

    return re.sub(PLACEHOLDER, fill, template, re.IGNORECASE)


def missing(template, context):
    """Placeholders that would be left without a value (no context value and no default)."""
    values = {str(key).lower() for key, value in context.items() if value is not None}
    return [
        match.group(1).lower()
        for match in re.finditer(PLACEHOLDER, template, re.IGNORECASE)
        if match.group(1).lower() not in values and match.group(2) is None
    ]
