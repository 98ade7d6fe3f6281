import pytest

from semver.version import Version, compare, newest, parse


def test_parse():
    assert parse("v1.2.3-rc.1+build.5") == Version(1, 2, 3, ("rc", "1"))


def test_parse_rejects_garbage():
    with pytest.raises(ValueError):
        parse("1.2")


def test_core_ordering():
    assert compare("1.10.0", "1.9.9") == 1
    assert compare("1.2.3", "1.2.3") == 0
    assert compare("0.9.0", "1.0.0") == -1


def test_prerelease_is_lower_than_release():
    assert compare("2.0.0-rc.1", "2.0.0") == -1


def test_release_is_higher_than_prerelease():
    assert compare("2.0.0", "2.0.0-rc.1") == 1


def test_prerelease_identifiers():
    assert compare("1.0.0-alpha", "1.0.0-alpha.1") == -1
    assert compare("1.0.0-alpha.2", "1.0.0-alpha.10") == -1
    assert compare("1.0.0-beta", "1.0.0-alpha.9") == 1


def test_newest():
    assert newest(["2.0.0-rc.1", "2.0.0", "1.9.0"]) == "2.0.0"
