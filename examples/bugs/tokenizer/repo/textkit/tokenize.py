"""A small tokenizer: lowercase words; apostrophes and hyphens inside words are kept."""
from collections import Counter

STOPWORDS = {"a", "an", "and", "the", "of", "on", "to"}


def tokenize(text):
    tokens = []
    buf = []

    def flush():
        if buf:
            word = "".join(buf).strip("'-")
            if word:
                tokens.append(word)
            buf.clear()

    for ch in text:
        if ch.isalnum() or (ch in "'-" and buf):
            buf.append(ch.lower())
        else:
            flush()
    return tokens


def word_counts(text, drop_stopwords=False):
    words = tokenize(text)
    if drop_stopwords:
        words = [w for w in words if w not in STOPWORDS]
    return Counter(words)


def ngrams(tokens, n):
    if n < 1:
        raise ValueError("n must be at least 1")
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
