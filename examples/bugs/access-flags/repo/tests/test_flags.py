import pytest

from perms.flags import COMMENT, DELETE, EDIT, READ, ROLES, SHARE, apply_changes, describe, grant, has, parse, \
    revoke, role_of


def test_parse():
    assert parse("read, Edit") == READ | EDIT
    assert parse("") == 0
    with pytest.raises(ValueError):
        parse("read,admin")


def test_has():
    assert has(ROLES["editor"], EDIT)
    assert has(ROLES["editor"], READ | COMMENT)
    assert not has(ROLES["viewer"], EDIT)
    assert not has(ROLES["editor"], EDIT | DELETE)


def test_grant():
    assert grant(ROLES["viewer"], COMMENT) == ROLES["commenter"]
    assert grant(ROLES["editor"], EDIT) == ROLES["editor"]


def test_revoke_a_held_permission():
    assert revoke(ROLES["editor"], EDIT) == ROLES["commenter"]


def test_revoke_a_permission_not_held():
    assert revoke(ROLES["viewer"], EDIT) == ROLES["viewer"]
    assert not has(revoke(ROLES["commenter"], SHARE | DELETE), SHARE)


def test_apply_changes():
    owner = ROLES["owner"]
    assert role_of(apply_changes(owner, ["-delete", "-share"])) == "editor"
    with pytest.raises(ValueError):
        apply_changes(owner, ["edit"])


def test_apply_changes_to_a_viewer():
    assert role_of(apply_changes(ROLES["viewer"], ["-edit", "+comment"])) == "commenter"


def test_describe_and_role():
    assert describe(ROLES["commenter"]) == "read, comment"
    assert describe(0) == "no access"
    assert role_of(READ | SHARE) == "custom"
