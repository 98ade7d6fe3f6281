"""Check (), [] and {} nesting; characters inside string literals are ignored."""

PAIRS = {")": "(", "]": "[", "}": "{"}
OPENERS = set(PAIRS.values())


def _brackets(text):
    """(index, char) for each bracket outside double-quoted strings."""
    in_string = escaped = False
    for index, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in OPENERS or ch in PAIRS:
            yield index, ch


def is_balanced(text):
    stack = []
    for _, ch in _brackets(text):
        if ch in OPENERS:
            stack.append(ch)
        elif not stack or stack.pop() != PAIRS[ch]:
            return False
    return True


def first_error(text):
    """Index of the first bracket that breaks nesting, or None if the text is balanced."""
    stack = []
    for index, ch in _brackets(text):
        if ch in OPENERS:
            stack.append((index, ch))
        elif not stack or stack.pop()[1] != PAIRS[ch]:
            return index
    return stack[0][0] if stack else None


def max_depth(text):
    depth = deepest = 0
    for _, ch in _brackets(text):
        depth += 1 if ch in OPENERS else -1
        deepest = max(deepest, depth)
    return deepest
