"""URL slugs for post titles."""
import re
import unicodedata


def slugify(text, max_length=50, sep="-"):
    """ASCII, lowercase, words joined by `sep`, at most `max_length` characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    lowered = ascii_text.lower()
    slug = re.sub(r"[^a-z0-9]+", sep, ascii_text).strip(sep)
    if len(slug) > max_length:
        slug = slug[:max_length - 1].rstrip(sep)
    return slug


def unique_slug(title, existing, max_length=50):
    base = slugify(title, max_length) or "post"
    if base not in existing:
        return base
    n = 2
    while f"{base}-{n}" in existing:
        n += 1
    return f"{base}-{n}"
