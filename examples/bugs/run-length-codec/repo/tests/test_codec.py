import pytest

from rle.codec import decode, encode, ratio


def test_encode_single_run():
    assert encode("aaaa") == "4a"
    assert encode("") == ""


def test_encode_several_runs():
    assert encode("aaabcc") == "3a1b2c"


def test_decode_single_digit_counts():
    assert decode("3a1b2c") == "aaabcc"


def test_decode_multi_digit_count():
    assert decode("12x1y") == "x" * 12 + "y"


def test_roundtrip_long_runs():
    row = "." * 14 + "##" + "." * 10
    assert decode(encode(row)) == row


def test_errors():
    with pytest.raises(ValueError):
        encode("a1")
    with pytest.raises(ValueError):
        decode("a")
    with pytest.raises(ValueError):
        decode("3a2")


def test_ratio():
    assert ratio("aaaa") == 0.5
