import pytest

from tasks.board import Board, Task


def test_explicit_tags_and_dedup():
    task = Task("deploy", ["ops"])
    task.tag("ops", "friday")
    assert task.tags == ["ops", "friday"]


def test_new_tasks_do_not_share_tags():
    first = Task("write report")
    first.tag("urgent")
    second = Task("call bob")
    assert second.tags == []


def test_filter_by_tag():
    board = Board()
    board.add("write report")
    board.add("call bob")
    board.find("write report").tag("urgent")
    assert board.with_tag("urgent") == ["write report"]


def test_filter_with_explicit_tags():
    board = Board()
    board.add("a", ["home"])
    board.add("b", ["work"])
    assert board.with_tag("work") == ["b"]


def test_complete_and_open_titles():
    board = Board()
    board.add("a", [])
    board.add("b", [])
    board.complete("a")
    assert board.open_titles() == ["b"]


def test_duplicates_and_unknown():
    board = Board()
    board.add("a", [])
    with pytest.raises(ValueError):
        board.add("a", [])
    with pytest.raises(KeyError):
        board.complete("zzz")
