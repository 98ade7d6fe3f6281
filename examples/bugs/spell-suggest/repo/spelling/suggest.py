"""'Did you mean ...?' suggestions for the shop's search box, by edit distance."""


def edit_distance(a, b):
    """Levenshtein distance: inserting, deleting or substituting one character costs 1."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def similarity(a, b):
    """1.0 for identical strings, down to 0.0 when every character has to change."""
    longest = max(len(a), len(b))
    if longest == 0:
        return 1.0
    return 1 - edit_distance(a, b) / longest


def suggest(word, vocabulary, limit=3, max_distance=2):
    """Up to `limit` words from `vocabulary` within `max_distance` edits of `word` (ignoring case),
    closest first and alphabetically among equally close ones. The word itself is not suggested."""
    word = word.lower()
    ranked = []
    for candidate in {entry.lower() for entry in vocabulary}:
        if candidate == word:
            continue
        distance = edit_distance(word, candidate)
        if distance <= max_distance:
            ranked.append((distance, candidate))
    ranked.sort()
    return ranked[:limit]


def did_you_mean(word, vocabulary):
    """'Did you mean "apple"?' for a misspelt word, or None when the word is known or nothing is close."""
    if word.lower() in {entry.lower() for entry in vocabulary}:
        return None
    best = suggest(word, vocabulary, limit=1)
    return f'Did you mean "{best[0]}"?' if best else None
