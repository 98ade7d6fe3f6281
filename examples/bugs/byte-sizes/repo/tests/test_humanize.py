import pytest

from sizes.humanize import human_size, parse_size, total_size


def test_small_sizes_in_bytes():
    assert human_size(0) == "0 B"
    assert human_size(512) == "512 B"


def test_thousand_bytes_is_not_a_kib():
    assert human_size(1000) == "1000 B"


def test_gibibytes():
    assert human_size(5 * 1024 ** 3) == "5.0 GiB"


def test_parse_size():
    assert parse_size("1 KiB") == 1024
    assert parse_size("1.5MB") == 1572864


def test_parse_plain_bytes_and_garbage():
    assert parse_size("512") == 512
    assert parse_size("64 B") == 64
    with pytest.raises(ValueError):
        parse_size("lots")


def test_negative_rejected():
    with pytest.raises(ValueError):
        human_size(-1)


def test_total_size_of_small_files():
    assert total_size([100, 200, 12]) == "312 B"
