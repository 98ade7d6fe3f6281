import pytest

from notes.buffer import Buffer


def test_insert_and_delete():
    buf = Buffer("hello")
    buf.insert(5, " world")
    buf.delete(0, 1)
    assert buf.text == "ello world"


def test_out_of_range_edits_are_rejected():
    buf = Buffer("abc")
    with pytest.raises(IndexError):
        buf.insert(4, "x")
    with pytest.raises(IndexError):
        buf.delete(2, 5)


def test_replace():
    buf = Buffer("tea for two")
    assert buf.replace("two", "three")
    assert not buf.replace("coffee", "tea")
    assert buf.text == "tea for three"


def test_undo_reverts_edits_in_reverse_order():
    buf = Buffer("draft")
    buf.insert(0, "first ")
    buf.replace("draft", "copy")
    assert buf.undo() and buf.text == "first draft"
    assert buf.undo() and buf.text == "draft"
    assert not buf.undo()


def test_undo_then_redo():
    buf = Buffer("abc")
    buf.delete(1, 2)
    buf.undo()
    assert buf.can_redo
    assert buf.redo() and buf.text == "ac"
    assert not buf.redo()


def test_new_edit_after_undo_discards_redo():
    buf = Buffer("hello")
    buf.insert(5, " world")
    buf.undo()
    buf.insert(5, "!")
    assert buf.text == "hello!"
    assert not buf.can_redo
    assert buf.redo() is False
    assert buf.text == "hello!"


def test_undo_all_after_branching_restores_the_original():
    buf = Buffer("abc")
    buf.delete(0, 1)
    buf.undo()
    buf.insert(3, "def")
    buf.redo()
    while buf.undo():
        pass
    assert buf.text == "abc"


def test_redo_after_a_new_edit_does_nothing():
    buf = Buffer("one two")
    buf.replace("two", "three")
    buf.undo()
    buf.replace("one", "1")
    assert buf.redo() is False
    assert buf.text == "1 two"
    assert buf.undo() and buf.text == "one two"
