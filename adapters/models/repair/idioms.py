"""Repair operators for Python's own pitfalls, in the expressions of one suspicious statement: a call whose
positional argument lands in the wrong parameter, a split unpacked into names, a comprehension that lets empty
items through, a raw value read where the function already computed the cleaned one.

Each proposes `Edit`s that `candidates.py` verifies and ranks like those of `operators.py`.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator

from greenloop.adapters.models.repair.operators import Edit, Operators, header_nodes

POSITIONAL_COUNT = {"sub": 3, "subn": 3, "split": 2}
"""`re` functions whose argument after the string is a count, not flags: `re.sub(p, r, s, re.I)` replaces only
once (Python 3.13 warns about it)."""
COMPREHENSIONS = (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)


def idiom_edits(ops: Operators, stmt: ast.stmt) -> Iterator[Edit]:
    """The edits of these families in `stmt`'s own expressions."""
    fn = ops.function_of(stmt)
    for node in header_nodes(stmt):
        if isinstance(node, ast.Call):
            yield from flags_keyword(ops, node)
            yield from maxsplit(ops, node)
        elif isinstance(node, COMPREHENSIONS):
            yield from comprehension_filter(ops, node)
        elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load) and fn is not None:
            yield from derived_value(ops, node, fn)


def flags_keyword(ops: Operators, node: ast.Call) -> Iterator[Edit]:
    """`re.sub(p, r, s, re.IGNORECASE)` → `re.sub(p, r, s, flags=re.IGNORECASE)`."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "re"):
        return
    at = POSITIONAL_COUNT.get(func.attr)
    if at is None or len(node.args) <= at or not _is_flag(node.args[at]):
        return
    flag = node.args[at]
    new = ast.Call(func, [*node.args[:at], *node.args[at + 1:]], [*node.keywords, ast.keyword("flags", flag)])
    region = (ops.text.span(node.args[at - 1])[1], ops.text.span(flag)[1])
    yield ops.edit(f"call:{func.attr}-flags=", "call:flags-keyword", node, new, [f", flags={ops.text.seg(flag)}"],
                   region=region)


def maxsplit(ops: Operators, node: ast.Call) -> Iterator[Edit]:
    """`key, value = line.split("=")` → `line.split("=", 1)`: unpacked into n names, split at most n - 1 times."""
    parent = ops.parents.get(node)
    if not (isinstance(node.func, ast.Attribute) and node.func.attr in ("split", "rsplit") and
            len(node.args) == 1 and not node.keywords and parent and isinstance(parent[0], ast.Assign)):
        return
    target = parent[0].targets[0]
    if isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) > 1 and not any(
            isinstance(e, ast.Starred) for e in target.elts):
        count = len(target.elts) - 1
        end = ops.text.span(node.args[0])[1]
        new = ast.Call(node.func, [node.args[0], ast.Constant(count)], [])
        yield ops.edit(f"call:{node.func.attr}-maxsplit-{count}", "call:maxsplit", node, new, [f", {count}"],
                       region=(end, end))


def comprehension_filter(ops: Operators, node: ast.expr) -> Iterator[Edit]:
    """`all(check(c) for c in cells)` → `... for c in cells if c`: blank items skipped (or only None ones)."""
    for index, generator in enumerate(node.generators):
        if generator.ifs or not isinstance(generator.target, ast.Name):
            continue
        name = generator.target.id
        end = ops.text.span(generator.iter)[1]
        for condition, family in ((ast.Name(name, ast.Load()), "comprehension:skip-falsy"),
                                  (ast.Compare(ast.Name(name, ast.Load()), [ast.IsNot()], [ast.Constant(None)]),
                                   "comprehension:skip-none")):
            new = copy.copy(node)
            new.generators = list(node.generators)
            new.generators[index] = ast.comprehension(generator.target, generator.iter, [condition],
                                                      generator.is_async)
            yield ops.edit(family, family, node, new, [f" if {ast.unparse(condition)}"], region=(end, end))


def derived_value(ops: Operators, node: ast.expr, fn: ast.AST) -> Iterator[Edit]:
    """`key = (item.name, unit)` after `name = normalize_name(item.name)` → `key = (name, unit)`: the raw value
    read where the function already computed the cleaned one from it."""
    text = ops.text.seg(node)
    visible = set(ops.visible(node, fn))
    for stmt in ast.walk(fn):
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Call) and stmt.end_lineno < node.lineno):
            continue
        local = stmt.targets[0].id
        if local in visible and local != text and any(
                isinstance(n, (ast.Name, ast.Attribute)) and ops.text.seg(n) == text for n in ast.walk(stmt.value)):
            yield ops.edit(f"name:{text}→{local}", "name:derived", node, ast.Name(local, ast.Load()), [local])


def _is_flag(node: ast.expr) -> bool:
    """`re.IGNORECASE`, `re.I | re.M`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _is_flag(node.left) and _is_flag(node.right)
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re" and \
        node.attr.isupper()
