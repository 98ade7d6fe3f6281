from spelling.suggest import did_you_mean, edit_distance, similarity, suggest

FRUIT = ["apple", "Ample", "maple", "banana", "grape", "grapefruit", "papaya"]


def test_edit_distance():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("flaw", "lawn") == 2
    assert edit_distance("", "abc") == 3
    assert edit_distance("same", "same") == 0


def test_similarity():
    assert similarity("", "") == 1.0
    assert similarity("abcd", "abcf") == 0.75
    assert similarity("abc", "xyz") == 0.0


def test_suggest_closest_first_then_alphabetical():
    assert suggest("aple", FRUIT) == ["ample", "apple", "maple"]


def test_suggest_respects_limit_and_distance():
    assert suggest("grap", FRUIT, limit=5) == ["grape"]
    assert suggest("bananna", FRUIT, limit=1, max_distance=1) == ["banana"]


def test_suggest_nothing_close():
    assert suggest("kiwi", FRUIT) == []


def test_did_you_mean():
    assert did_you_mean("Bananna", FRUIT) == 'Did you mean "banana"?'


def test_did_you_mean_known_word_or_nothing_close():
    assert did_you_mean("Grape", FRUIT) is None
    assert did_you_mean("kiwi", FRUIT) is None
