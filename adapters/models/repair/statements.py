"""Repair operators that reach past one statement's own expressions: the `except` clause around it, a statement
its sibling branches or its loop already have, a function's mutable default.

Each still starts from one suspicious statement (the one the tests ran or the traceback named) and proposes
`Edit`s that `candidates.py` verifies and ranks like the expression operators of `operators.py`.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Iterator

from greenloop.adapters.models.repair.operators import (
    BUILTINS,
    FUNCTIONS,
    LOOPS,
    SCOPES,
    Edit,
    Operators,
    header_nodes,
    param_defaults,
)

EXCEPTION = re.compile(r"\b([A-Z]\w*(?:Error|Exception))\b")
MIXED_UP = {"ValueError": ("TypeError",), "TypeError": ("ValueError",), "KeyError": ("IndexError",),
            "IndexError": ("KeyError",)}
"""Exception classes caught one for the other, for handlers the failure does not name."""
COPIED = (ast.AugAssign, ast.Assign, ast.Expr)
BLOCKS_OF_CODE = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.FunctionDef,
                  ast.AsyncFunctionDef, ast.ClassDef)
MUTABLE = (ast.List, ast.Dict, ast.Set)


def statement_edits(ops: Operators, stmt: ast.stmt) -> Iterator[Edit]:
    """The edits of these families that start from `stmt` (inside a function)."""
    fn = ops.function_of(stmt)
    if fn is None:
        return
    yield from late_binding(ops, stmt)
    yield from counter_advance(ops, stmt)
    yield from handler_types(ops, stmt, fn)
    if isinstance(stmt, ast.If):
        yield from branch_copies(ops, stmt)
    if isinstance(stmt, LOOPS) and not stmt.orelse:
        yield from after_loop(ops, stmt)
    yield from mutable_defaults(ops, stmt, fn)


def handler_types(ops: Operators, stmt: ast.stmt, fn: ast.AST) -> Iterator[Edit]:
    """`except TypeError` → `except ValueError` (or both) for the `try` whose body holds `stmt`: the class the
    failure names, else the one usually meant."""
    named = [n for n in dict.fromkeys(EXCEPTION.findall(ops.clues.text))  # raised, not the test's own assertion
             if n != "AssertionError" and (n in BUILTINS or n in ops.module_callables)]
    node: ast.AST = stmt
    for parent in ops.ancestors(stmt):
        if parent is fn or isinstance(parent, SCOPES):
            return
        if isinstance(parent, ast.Try) and ops.parents[node][1] == "body":
            for handler in parent.handlers:
                if isinstance(handler.type, ast.Name):
                    old = handler.type.id
                    others = [(n, 1.0) for n in named if n != old] or [(n, 0.3) for n in MIXED_UP.get(old, ())]
                    for new, factor in others:
                        yield ops.edit(f"except:{old}→{new}", "except:type", handler.type, ast.Name(new, ast.Load()),
                                       [new], prior=ops.p("except:type") * factor)
                        both = ast.Tuple([ast.Name(old, ast.Load()), ast.Name(new, ast.Load())], ast.Load())
                        yield ops.edit(f"except:{old}→({old}, {new})", "except:widen", handler.type, both,
                                       [f"({old}, {new})"], prior=ops.p("except:widen") * factor)
        node = parent


def branch_copies(ops: Operators, stmt: ast.If) -> Iterator[Edit]:
    """A one-line statement that other branches of an if/elif chain end with, appended to a branch without it:
    the `i += 1` one branch of a parser loop forgot."""
    branches, node = [stmt.body], stmt
    while len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) and ops.text.unit_span(node.orelse[0]) is None:
        node = node.orelse[0]  # an `elif`
        branches.append(node.body)
    if node.orelse:
        branches.append(node.orelse)
    ends = [b[-1] for b in branches]
    for branch in branches:
        last = branch[-1]
        if not isinstance(last, COPIED) or ops.text.unit_span(last) is None:
            continue
        have = {ast.dump(s) for s in branch}
        for other in dict.fromkeys(ops.text.seg(e) for e in ends if isinstance(e, COPIED) and e.lineno == e.end_lineno
                                   and ast.dump(e) not in have):
            yield _insert_after(ops, last, last, other, "stmt:copy-branch")


def after_loop(ops: Operators, loop: ast.stmt) -> Iterator[Edit]:
    """A call statement from the loop's body once more after the loop: the `flush()` of the last word."""
    if ops.text.unit_span(loop) is None:
        return
    calls = [s for s in _own_statements(loop) if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
             and s.lineno == s.end_lineno]
    for text in list(dict.fromkeys(ops.text.seg(c) for c in calls))[:3]:
        yield _insert_after(ops, loop, loop, text, "stmt:after-loop")


def mutable_defaults(ops: Operators, stmt: ast.stmt, fn: ast.FunctionDef) -> Iterator[Edit]:
    """`def f(tags=[])`, whose one list every call shares, → `tags=None` and `if tags is None: tags = []` first
    thing in the body; proposed from a statement that reads the parameter."""
    read = {n.id for n in header_nodes(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    args = fn.args
    pairs = param_defaults(fn)
    body = fn.body
    at = 1 if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and len(body) > 1 else 0
    first = body[at]
    if ops.text.unit_span(fn) is None or ops.text.unit_span(first) is None:
        return
    for arg, default in pairs:
        if arg.arg not in read or not (isinstance(default, MUTABLE) or isinstance(default, ast.Call) and isinstance(
                default.func, ast.Name) and default.func.id in ("list", "dict", "set") and not default.args):
            continue
        start, end = ops.text.span(default)
        line_start = ops.text.starts[first.lineno - 1]
        indent, nl, step = ops.text.indent(first.lineno), ops.text.newline, ops.indent_step()
        guard = f"{indent}if {arg.arg} is None:{nl}{indent}{step}{arg.arg} = {ops.text.seg(default)}{nl}"
        text = "None" + ops.text.source[end:line_start] + guard
        new = copy.copy(fn)
        new.args = copy.copy(args)
        new.args.defaults = [ast.Constant(None) if d is default else d for d in args.defaults]
        new.args.kw_defaults = [ast.Constant(None) if d is default else d for d in args.kw_defaults]
        check = ast.If(ast.Compare(ast.Name(arg.arg, ast.Load()), [ast.Is()], [ast.Constant(None)]),
                       [ast.Assign([ast.Name(arg.arg, ast.Store())], default)], [])
        new.body = [*body[:at], check, *body[at:]]
        yield Edit(f"default:mutable({arg.arg})", "default:mutable", ops.p("default:mutable"),
                   ((start, line_start, text),), fn, new, 3)


def late_binding(ops: Operators, stmt: ast.stmt) -> Iterator[Edit]:
    """`lambda v: v * factor` made in a loop over `factor` sees the last `factor` when called: bind it as a
    default, `lambda v, factor=factor: v * factor` (flake8-bugbear's B023), in every such lambda of `stmt`."""
    loops = [a for a in ops.ancestors(stmt) if isinstance(a, (ast.For, ast.AsyncFor))]
    varying = {n.id for loop in loops for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    span = ops.text.unit_span(stmt)
    if not varying or span is None or isinstance(stmt, BLOCKS_OF_CODE):
        return
    inserts: list[tuple[int, str]] = []
    new = copy.deepcopy(stmt)
    lambdas = [n for n in ast.walk(stmt) if isinstance(n, ast.Lambda)]
    for old, fresh in zip(lambdas, [n for n in ast.walk(new) if isinstance(n, ast.Lambda)], strict=True):
        own = {a.arg for a in (*old.args.posonlyargs, *old.args.args, *old.args.kwonlyargs)}
        free = sorted(n.id for n in ast.walk(old.body) if isinstance(n, ast.Name) and n.id in varying - own)
        if not free or old.args.vararg or old.args.kwarg or old.args.kwonlyargs:
            continue
        names = list(dict.fromkeys(free))
        at = ops.text.span(old.body)[0]
        colon = ops.text.source.rindex(":", ops.text.span(old)[0], at)
        inserts.append((colon, ("" if not own else ", ") + ", ".join(f"{n}={n}" for n in names)))
        fresh.args.args += [ast.arg(n) for n in names]
        fresh.args.defaults += [ast.Name(n, ast.Load()) for n in names]
    if not inserts:
        return
    start, end = span
    text = ops.text.source[start:end]
    for at, piece in sorted(inserts, reverse=True):
        text = text[:at - start] + piece + text[at - start:]
    yield Edit("lambda:bind", "lambda:bind", ops.p("lambda:bind"), ((start, end, text),), stmt, new, 2)


def counter_advance(ops: Operators, stmt: ast.stmt) -> Iterator[Edit]:
    """`ticket = self._next_ticket` in a class where nothing ever advances `_next_ticket` (it is set once, to a
    number, in `__init__`): `self._next_ticket += 1` after it."""
    if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Attribute) and isinstance(
            stmt.value.value, ast.Name) and stmt.value.value.id == "self"):
        return
    cls = next((a for a in ops.ancestors(stmt) if isinstance(a, ast.ClassDef)), None)
    if cls is None or ops.text.unit_span(stmt) is None:
        return
    attr = stmt.value.attr
    writes = [n for n in ast.walk(cls) if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and any(
        isinstance(t, ast.Attribute) and t.attr == attr and isinstance(t.ctx, ast.Store)
        for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
    if len(writes) == 1 and isinstance(writes[0], ast.Assign) and isinstance(
            getattr(writes[0].value, "value", None), int):
        yield _insert_after(ops, stmt, stmt, f"self.{attr} += 1", "stmt:advance")


def _insert_after(ops: Operators, anchor: ast.stmt, target: ast.stmt, text: str, family: str) -> Edit:
    """`text` as a statement of its own on the line after `anchor`, at `anchor`'s indentation."""
    at = ops.text.next_line(anchor.end_lineno)
    line = f"{ops.text.indent(anchor.lineno)}{text}{ops.text.newline}"
    if at == len(ops.text.source) and not ops.text.source.endswith("\n"):
        line = ops.text.newline + line
    return ops.lines_edit(f"{family}({text})", family, target, (at, at), line, ops.p(family), 2)


def _own_statements(node: ast.AST) -> Iterator[ast.stmt]:
    """Statements inside `node`, not entering nested functions or classes."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.stmt):
            yield child
        if not isinstance(child, (*FUNCTIONS, ast.ClassDef, ast.Lambda)):
            yield from _own_statements(child)
