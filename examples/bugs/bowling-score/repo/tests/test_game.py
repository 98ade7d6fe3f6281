import pytest

from bowling.game import Game


def test_gutter_game():
    game = Game([0] * 20)
    assert game.score() == 0
    assert game.is_complete()


def test_all_ones():
    assert Game([1] * 20).score() == 20


def test_one_spare_counts_the_next_roll():
    game = Game([5, 5, 3] + [0] * 17)
    assert game.score() == 16


def test_spare_frame_totals():
    game = Game([7, 3, 4, 2])
    assert game.frame_scores() == [14, 20]


def test_all_fives_is_150():
    assert Game([5] * 21).score() == 150


def test_one_strike_counts_the_next_two_rolls():
    game = Game([10, 3, 4] + [0] * 16)
    assert game.score() == 24


def test_perfect_game():
    game = Game([10] * 12)
    assert game.score() == 300
    assert game.is_complete()


def test_frames_waiting_for_a_bonus_are_not_scored_yet():
    game = Game([10, 4])
    assert game.frame_scores() == []
    game.roll(5)
    assert game.frame_scores() == [19, 28]
    assert not game.is_complete()


def test_invalid_rolls():
    with pytest.raises(ValueError):
        Game().roll(11)
    with pytest.raises(ValueError):
        Game([6, 7]).score()
