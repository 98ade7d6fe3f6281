import pytest

from textkit.tokenize import ngrams, tokenize, word_counts


def test_punctuation_is_dropped():
    assert tokenize("Hello, world!") == ["hello", "world"]


def test_last_word_is_kept():
    assert tokenize("the cat sat on the mat") == ["the", "cat", "sat", "on", "the", "mat"]


def test_apostrophes_and_hyphens():
    assert tokenize("Don't re-use 'quoted' words.") == ["don't", "re-use", "quoted", "words"]


def test_word_counts_without_stopwords():
    counts = word_counts("The cat and the hat", drop_stopwords=True)
    assert counts == {"cat": 1, "hat": 1}


def test_empty_text():
    assert tokenize("") == []
    assert tokenize(" ... ") == []


def test_ngrams():
    assert ngrams(["a", "b", "c"], 2) == [("a", "b"), ("b", "c")]
    with pytest.raises(ValueError):
        ngrams(["a"], 0)
