"""Permission bit flags for shared documents: a user's access is an int with one bit per permission."""

READ = 1
COMMENT = 2
EDIT = 4
SHARE = 8
DELETE = 16

NAMES = {"read": READ, "comment": COMMENT, "edit": EDIT, "share": SHARE, "delete": DELETE}

ROLES = {
    "viewer": READ,
    "commenter": READ | COMMENT,
    "editor": READ | COMMENT | EDIT,
    "owner": READ | COMMENT | EDIT | SHARE | DELETE,
}


def parse(names):
    """'read, edit' -> READ | EDIT."""
    mask = 0
    for name in names.split(","):
        name = name.strip().lower()
        if not name:
            continue
        if name not in NAMES:
            raise ValueError(f"unknown permission: {name!r}")
        mask |= NAMES[name]
    return mask


def has(mask, flag):
    """True when `mask` includes every permission in `flag`."""
    return mask & flag == flag


def grant(mask, flag):
    """`mask` plus the permissions in `flag`."""
    return mask | flag


def revoke(mask, flag):
    """`mask` without the permissions in `flag`; permissions it never had stay absent."""
    return mask ^ flag


def apply_changes(mask, changes):
    """Apply changes such as ["+edit", "-share"] in order."""
    for change in changes:
        sign, name = change[:1], change[1:]
        if sign not in ("+", "-") or not name:
            raise ValueError(f"bad change {change!r}: expected +name or -name")
        flag = parse(name)
        mask = grant(mask, flag) if sign == "+" else revoke(mask, flag)
    return mask


def describe(mask):
    names = [name for name, bit in NAMES.items() if mask & bit]
    return ", ".join(names) if names else "no access"


def role_of(mask):
    """The role with exactly these permissions, or 'custom'."""
    for role, bits in ROLES.items():
        if bits == mask:
            return role
    return "custom"
