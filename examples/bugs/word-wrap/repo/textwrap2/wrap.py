"""Greedy word wrapping for fixed-width output (receipts, terminal tables)."""


def wrap(text, width):
    """Lines of at most `width` characters; words are never split (a longer word gets its own line)."""
    if width < 1:
        raise ValueError("width must be at least 1")
    lines = []
    current = ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) < width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def fill(text, width):
    return "\n".join(wrap(text, width))


def indent(text, width, prefix="  "):
    """Wrap to `width` including the prefix, then prefix every line."""
    if len(prefix) >= width:
        raise ValueError("prefix leaves no room for text")
    return [prefix + line for line in wrap(text, width - len(prefix))]


def columns(left, right, width):
    """One receipt row: left text, right text flush right, at least one space between."""
    gap = width - len(left) - len(right)
    if gap < 1:
        left = left[: max(0, width - len(right) - 1)]
        gap = 1
    return left + " " * gap + right
