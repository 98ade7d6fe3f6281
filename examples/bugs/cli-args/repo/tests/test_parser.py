import pytest

from cliargs.parser import UsageError, get_int, parse_args


def test_positionals_only():
    assert parse_args(["report", "2024"]) == ({}, ["report", "2024"])


def test_option_with_equals():
    assert parse_args(["report", "--format=csv"]) == ({"format": "csv"}, ["report"])


def test_option_with_separate_value():
    assert parse_args(["--format", "csv", "report"]) == ({"format": "csv"}, ["report"])


def test_double_dash_ends_options():
    assert parse_args(["--", "--not-an-option"]) == ({}, ["--not-an-option"])


def test_missing_value():
    with pytest.raises(UsageError):
        parse_args(["--format"])


def test_get_int():
    assert get_int({"limit": "20"}, "limit", 10) == 20
    assert get_int({}, "limit", 10) == 10
    with pytest.raises(UsageError):
        get_int({"limit": "lots"}, "limit", 10)


def test_boolean_flag():
    options, positionals = parse_args(["report", "--verbose", "--format=csv"], flags=("verbose",))
    assert options == {"verbose": True, "format": "csv"}
    assert positionals == ["report"]
