import pytest

from buildorder.resolve import CycleError, build_order, needs_of, parse_spec

SPEC = """
# web app
app: lib ui
lib: core
ui: core   # both use core
core:
"""


def test_parse_spec():
    assert parse_spec(SPEC) == {"app": ["lib", "ui"], "lib": ["core"], "ui": ["core"], "core": []}
    with pytest.raises(ValueError):
        parse_spec("app lib")


def test_targets_without_needs_are_alphabetical():
    assert build_order({"zlib": [], "docs": [], "app": []}) == ["app", "docs", "zlib"]


def test_chain():
    assert build_order(parse_spec("app: lib\nlib: utils")) == ["utils", "lib", "app"]


def test_shared_dependency():
    assert build_order(parse_spec(SPEC)) == ["core", "lib", "ui", "app"]


def test_cycle_is_reported():
    with pytest.raises(CycleError, match="a, b"):
        build_order({"a": ["b"], "b": ["a"]})


def test_needs_of():
    assert needs_of(parse_spec(SPEC), "app") == {"lib", "ui", "core"}
    assert needs_of(parse_spec(SPEC), "core") == set()
