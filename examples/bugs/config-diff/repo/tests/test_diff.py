from confdiff.diff import Change, apply, diff, summarize

OLD = {
    "debug": False,
    "name": "shop",
    "db": {"host": "db1", "port": 5432, "pool": {"size": 5, "timeout": 30}},
    "cache": {"ttl": 60},
}
NEW = {
    "debug": False,
    "name": "shop",
    "db": {"host": "db2", "port": 5432, "pool": {"size": 10, "timeout": 30, "recycle": 3600}},
    "features": ["search"],
}


def test_flat_changes():
    old = {"a": 1, "b": 2, "c": 3}
    new = {"a": 1, "b": 20, "d": 4}
    assert diff(old, new) == [
        Change("changed", "b", old=2, new=20),
        Change("removed", "c", old=3),
        Change("added", "d", new=4),
    ]


def test_identical_configs_have_no_changes():
    assert diff(OLD, OLD) == []


def test_one_level_of_nesting():
    assert diff({"db": {"host": "a", "port": 1}}, {"db": {"host": "b", "port": 1}}) == [
        Change("changed", "db.host", old="a", new="b"),
    ]


def test_dict_replaced_by_scalar_is_a_change():
    assert diff({"cache": {"ttl": 60}}, {"cache": None}) == [Change("changed", "cache", old={"ttl": 60}, new=None)]


def test_deeply_nested_paths():
    assert summarize(diff(OLD, NEW)) == [
        "- cache",
        "~ db.host: 'db1' -> 'db2'",
        "+ db.pool.recycle = 3600",
        "~ db.pool.size: 5 -> 10",
        "+ features = ['search']",
    ]


def test_apply_round_trip():
    assert apply(OLD, diff(OLD, NEW)) == NEW
    assert OLD["db"]["pool"]["size"] == 5


def test_apply_flat():
    old = {"a": 1, "b": 2}
    new = {"a": 1, "c": 3}
    assert apply(old, diff(old, new)) == new
