from brackets.matcher import first_error, is_balanced, max_depth


def test_balanced():
    assert is_balanced("{[()()]}")
    assert is_balanced("")


def test_mismatched_and_stray_closers():
    assert not is_balanced("(]")
    assert not is_balanced("())")


def test_unclosed_openers():
    assert not is_balanced("((")
    assert not is_balanced('{"a": [1, 2]')


def test_brackets_inside_strings_are_ignored():
    assert is_balanced('{"text": "a ) b \\" ]"}')


def test_first_error():
    assert first_error("(a)(b]") == 5
    assert first_error("x(y") == 1
    assert first_error("()") is None


def test_max_depth():
    assert max_depth("(()[{}])") == 3
