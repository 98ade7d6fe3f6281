"""Candidate patches for search-based program repair: given a Python file and its suspicious lines, a ranked list
of small edits, each a minimal splice of the original text (one AST node's exact span, one operator token, or whole
statement lines), so its diff touches as few lines as possible and keeps the formatting elsewhere.

Each edit comes from `operators.py` with a prior. Here it is verified (the spliced text must parse back to exactly
the intended AST, and differ from the original), refused if it is an anti-pattern (repair note §5.2: trivial
conditions, returning or assigning a test's expected literal), deduplicated by the AST it produces, and ranked by
`suspiciousness × prior × size penalty`.

Verification parses only the smallest self-contained text around the edit, never the whole module (everything
else is unchanged text): the innermost call, subscript, display or comma-separated element holding it, else the
innermost statement that owns whole lines; inserted statements are parsed on their own. That keeps a 300-line file
with 10 suspicious lines well under a second (about 50 ms), and a 5,000-line one with 30 too.
"""

from __future__ import annotations

import ast
import difflib
import os
import re
import warnings
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from greenloop.adapters.models.repair.operators import (
    BODY_FIELDS,
    Clues,
    Edit,
    Operators,
    Text,
    header_nodes,
    literal,
    literal_key,
    number,
)
from greenloop.adapters.models.repair.idioms import idiom_edits
from greenloop.adapters.models.repair.statements import statement_edits

# Verification contexts: expressions that end in their own bracket, and elements delimited by commas and brackets,
# parse alone exactly as in place.
BRACKETED = (ast.Call, ast.Subscript, ast.List, ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp)
SLOTS = {(ast.List, "elts"), (ast.Tuple, "elts"), (ast.Set, "elts"), (ast.Dict, "keys"), (ast.Dict, "values"),
         (ast.Call, "args"), (ast.keyword, "value"), (ast.Slice, "lower"), (ast.Slice, "upper"), (ast.Slice, "step")}
NEUTRAL = frozenset({literal_key(0), literal_key("")})
"""Empty results a guard may return even when a test expects them: `if not reviews: return 0`."""
FROM_CODE = frozenset({"const:family", "const:transpose"})
"""Families whose new value comes from the code's own literal (1000 → 1024), never from a test's message."""
OFF_CRASH = 0.4
SIZE_PENALTY = 0.9  # per extra AST node or line an edit adds
EXPANSION = 0.6  # a module- or class-level constant read on a suspicious line inherits this share of its score


@dataclass(frozen=True)
class Candidate:
    path: str  # repository-relative
    line: int  # first line changed (1-based)
    operator: str  # e.g. "compare:<→<=", "binop:+→-", "const:4→5", "guard:none(x is None→return None)"
    source: str  # the whole new file text
    score: float  # suspiciousness × operator prior × size penalty (higher first)

    def diff(self, original: str) -> str:
        """A git-style unified diff from `original` to this candidate (3 lines of context); `git apply` takes it."""
        old, new = _lines(original), _lines(self.source)
        out = [f"diff --git a/{self.path} b/{self.path}\n"]
        for line in difflib.unified_diff(old, new, f"a/{self.path}", f"b/{self.path}", n=3):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


@dataclass
class Hints:
    messages: Sequence[str] = ()  # failing tests' assertion/error messages and log error lines
    names: Collection[str] = ()  # identifiers from the ticket
    crashes: Sequence[tuple[str, int, str]] = ()  # (path, line, expression) where a failure raised


def _lines(text: str) -> list[str]:
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


class _Checker:
    """Verifies an edit by parsing the smallest self-contained text around it, which must give exactly the intended
    AST: the innermost bracketed expression (a call, subscript or display parses the same alone as in context),
    else the innermost statement that owns whole lines, else the module. Inserted lines are parsed on their own.
    Refuses anti-patterns."""

    def __init__(self, tree: ast.Module, text: Text, ops: Operators, clue_literals: frozenset) -> None:
        self.tree, self.text, self.ops, self.clue_literals = tree, text, ops, clue_literals
        self.dumps: dict[tuple[int, bool], str] = {}

    def context(self, edit: Edit, start: int, end: int) -> tuple[ast.AST | None, tuple[int, int], list | None]:
        """Where to re-parse the splice [start, end): (the node, None for the module; its text span; the path from
        it down to the statement that holds the target, whose header is compared, or None when the node is an
        expression, compared whole)."""
        target = edit.target
        for node in [target, *self.ops.ancestors(target)]:
            if isinstance(node, (ast.stmt, ast.Module)):
                break
            if node is target and (edit.new is None or (isinstance(node, BRACKETED) and
                                                         type(edit.new) is not type(node))):
                continue  # the replacement must keep a bracketed node's shape, and a slot must keep something
            if isinstance(node, BRACKETED) or self.slot(node):
                a, b = self.text.span(node)
                if a <= start and end <= b:
                    return node, (a, b), None
        chain = [target, *self.ops.ancestors(target)]
        stmts = [a for a in chain if isinstance(a, ast.stmt)]
        # compared: the statement holding the target, or its `except` clause (a `try`'s header omits its clauses)
        holder = next(a for a in chain if isinstance(a, (ast.stmt, ast.excepthandler)))
        for stmt in stmts:
            span = self.text.unit_span(stmt)
            if span is not None:
                return stmt, span, self.path(stmt, holder)
        return None, (0, len(self.text.source)), self.path(self.tree, holder)

    def slot(self, node: ast.AST) -> bool:
        """An element of a comma-separated list (a display, call arguments, a keyword's value) or a subscript's
        index or slice bound: delimited by commas and brackets, it parses alone exactly as in place."""
        parent = self.ops.parents.get(node)
        if parent is None or isinstance(node, ast.Starred) or not isinstance(node, ast.expr):
            return False
        if isinstance(parent[0], ast.Subscript):
            return parent[1] == "slice" and not isinstance(node, (ast.Slice, ast.Tuple))
        return (type(parent[0]), parent[1]) in SLOTS

    def path(self, top: ast.AST, stmt: ast.stmt) -> list[tuple[str, int | None]]:
        steps, node = [], stmt
        while node is not top:
            parent, field, index = self.ops.parents[node]
            steps.append((field, index))
            node = parent
        return steps[::-1]

    def dump(self, node: ast.AST, path: list | None) -> str:
        key = (id(node), path is None)
        if key not in self.dumps:
            self.dumps[key] = _dump(node, path is not None)
        return self.dumps[key]

    def expected(self, compared: ast.AST, path: list | None, target: ast.AST, new: ast.AST | None) -> str:
        """The compared node's dump with `target` replaced by `new`, swapped into the tree for a moment."""
        if target is compared:
            return _dump(new, path is not None)
        parent, field, index = self.ops.parents[target]
        if index is None:
            setattr(parent, field, new)
        else:
            getattr(parent, field)[index] = new
        try:
            return _dump(compared, path is not None)
        finally:
            if index is None:
                setattr(parent, field, target)
            else:
                getattr(parent, field)[index] = target

    def parse(self, piece: str, node: ast.AST | None, path: list | None) -> ast.AST | None:
        """`piece` parsed as `node` was, then followed down `path`: the node to compare."""
        try:
            if isinstance(node, ast.expr):
                return ast.parse(f"({piece})", mode="eval").body
            indented = node is not None and bool(self.text.indent(self.text.first_line(node)))
            module = ast.parse(f"if 1:\n{piece}" if indented else piece)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None
        if node is None:
            found = module
        else:
            body = module.body[0].body if indented else module.body
            if len(module.body) != 1 or len(body) != 1:
                return None
            found = body[0]
        for field, index in path or ():
            found = getattr(found, field, None)
            if index is not None:
                found = found[index] if isinstance(found, list) and index < len(found) else None
        return found if isinstance(found, ast.AST) else None

    def check(self, edit: Edit) -> tuple[tuple[int, int, str], tuple] | None:
        """The first splice alternative that parses back to the intended AST, and its dedupe key; None if none
        does, if the edit changes nothing, or if the result is an anti-pattern."""
        if edit.lines:
            return self.check_lines(edit)
        src = self.text.source
        for start, end, text in edit.alternatives:
            node, (a, b), path = self.context(edit, start, end)
            compared = node if path is None else _follow(self.tree if node is None else node, path)
            expected = self.expected(compared, path, edit.target, edit.new)
            if expected == self.dump(compared, path):
                return None
            parsed = self.parse(src[a:start] + text + src[end:b], node, path)
            if parsed is None or _dump(parsed, path is not None) != expected:
                continue
            if self.refused(edit, parsed, compared, path is not None):
                return None
            return (start, end, text), ((a, b), None if path is None else tuple(path), expected)
        return None

    def check_lines(self, edit: Edit) -> tuple[tuple[int, int, str], tuple] | None:
        """Whole statements inserted at a statement boundary with its indentation, or deleted from a block that
        keeps another one: the inserted text parsing is what can go wrong."""
        [(start, end, text)] = edit.alternatives
        dumped = ""
        if text.strip():
            try:
                inserted = ast.parse(_dedent(text))
            except (SyntaxError, ValueError):
                return None
            neutral = NEUTRAL if edit.family.startswith("guard:") else frozenset()  # `if not xs: return 0`
            if any(isinstance(n, ast.Return) and literal_key(literal(n.value)) in self.clue_literals - neutral
                   for n in ast.walk(inserted)):
                return None
            dumped = ast.dump(inserted)
        return (start, end, text), ("lines", start, end, dumped)

    def refused(self, edit: Edit, parsed: ast.AST, compared: ast.AST, header: bool) -> bool:
        """Anti-patterns (repair note §5.2): a condition made trivial (`if True`, `x or False`); returning a literal
        from the failing tests' messages that the function returns nowhere else; assigning one, or comparing with
        one, that the function does not already use (unless the value came from the code's own literal, 1000 →
        1024)."""
        new_nodes, old_nodes = _scan(parsed, header), _scan(compared, header)
        if _trivial(new_nodes) > _trivial(old_nodes):
            return True
        hits = (_literals(new_nodes) - _literals(old_nodes)) & self.clue_literals
        if not hits:
            return False
        fn = self.ops.function_of(edit.target)
        scope = self.ops.scope(fn if fn is not None else self.tree)
        returned = _returned(scope.returns)  # `return -1` → `return 1` in a compare() that returns 1 elsewhere
        for n in new_nodes:
            if isinstance(n, ast.Return) and literal_key(literal(n.value)) in hits - returned:
                return True
        if edit.family in FROM_CODE:
            return False
        known = set(scope.literals)
        for n in new_nodes:
            if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                key = literal_key(literal(n.value))
                if key in hits and key not in known:
                    return True
            if isinstance(n, ast.Compare):
                keys = {literal_key(literal(o)) for o in (n.left, *n.comparators)}
                if keys & hits - known:
                    return True
        return False


def _dump(node: ast.AST, header: bool) -> str:
    """`ast.dump`, or for a statement's header: every field but the nested blocks, which only get counted."""
    if not header or not isinstance(node, ast.stmt):
        return ast.dump(node)
    parts = [type(node).__name__]
    for name, value in ast.iter_fields(node):
        if name in BODY_FIELDS:
            parts.append(f"{name}#{len(value)}")
        elif isinstance(value, list):
            parts.append(f"{name}=[{', '.join(ast.dump(v) if isinstance(v, ast.AST) else repr(v) for v in value)}]")
        else:
            parts.append(f"{name}={ast.dump(value) if isinstance(value, ast.AST) else repr(value)}")
    return "|".join(parts)


def _follow(node: ast.AST, path: list) -> ast.AST:
    for field, index in path:
        node = getattr(node, field) if index is None else getattr(node, field)[index]
    return node


def _scan(node: ast.AST, header: bool) -> list[ast.AST]:
    if header and isinstance(node, ast.stmt):
        return [node, *header_nodes(node)]
    return list(ast.walk(node))


def _returned(returns: Iterable[ast.Return]) -> set:
    """The literals that `return` statements give back, in conditional expressions too (`-1 if a < b else 1`)."""
    found, stack = set(), [r.value for r in returns if r.value is not None]
    while stack:
        node = stack.pop()
        if number(node) is not None or isinstance(node, ast.Constant):
            found.add(literal_key(literal(node)))
        elif isinstance(node, ast.IfExp):
            stack += [node.body, node.orelse]
    return found


def _trivial(nodes: Iterable[ast.AST]) -> int:
    count = 0
    for n in nodes:
        if isinstance(n, (ast.If, ast.While, ast.IfExp)) and isinstance(n.test, ast.Constant):
            count += 1
        elif isinstance(n, ast.BoolOp):
            count += sum(isinstance(v, ast.Constant) for v in n.values)
        elif isinstance(n, ast.comprehension):
            count += sum(isinstance(c, ast.Constant) for c in n.ifs)
    return count


def _literals(nodes: Iterable[ast.AST]) -> set:
    return {literal_key(literal(n)) for n in nodes if isinstance(n, (ast.Constant, ast.UnaryOp))} - {None}


def _dedent(text: str) -> str:
    lines = text.splitlines()
    width = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[width:] for line in lines) + "\n"


def _header_lines(stmt: ast.stmt) -> range:
    """A simple statement's lines; for a compound one, its header's (decorators included), never its body's."""
    first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])
    blocks = getattr(stmt, "body", None) or getattr(stmt, "cases", None)
    if not isinstance(blocks, list) or not blocks:
        return range(first, stmt.end_lineno + 1)
    inner = getattr(blocks[0], "lineno", None) or blocks[0].pattern.lineno
    return range(first, max(stmt.lineno, inner - 1) + 1)


def _constant_like(node: ast.AST | None) -> bool:
    """A literal, a container (a dict too) of literals, another module constant (`ROUND_HALF_UP`), or a call with only such
    arguments (`Context(prec=4, rounding=ROUND_HALF_UP)`)."""
    if isinstance(node, ast.Constant) or number(node) is not None:
        return True
    if isinstance(node, ast.Name):
        return node.id.isupper()
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(map(_constant_like, node.elts))
    if isinstance(node, ast.Dict):
        return all(k is not None and _constant_like(k) for k in node.keys) and all(map(_constant_like, node.values))
    if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
        return all(map(_constant_like, node.args)) and all(
            k.arg is not None and _constant_like(k.value) for k in node.keywords)
    return False


def _scores(tree: ast.Module, suspicious: dict[int, float], clues: Clues) -> list[tuple[ast.stmt, float]]:
    """Statements whose (header) lines are suspicious, with their best line score; plus module- and class-level
    constants read on a suspicious line, at `EXPANSION` × that line's score, or the whole score when the
    constant holds a value the failure shows as produced (the table entry `'LX'` of `where 'LX' = to_roman(40)`)."""
    susp = {int(line): float(s) for line, s in suspicious.items() if s and s > 0}
    scores: dict[ast.stmt, float] = {}
    read: dict[str, float] = {}
    classes = []
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            best = max((susp.get(line, 0.0) for line in _header_lines(node)), default=0.0)
            if best > 0:
                scores[node] = best
            if isinstance(node, ast.ClassDef):
                classes.append(node)
        elif isinstance(node, (ast.Name, ast.Attribute)) and node.lineno in susp and isinstance(node.ctx, ast.Load):
            name = node.id if isinstance(node, ast.Name) else node.attr
            read[name] = max(read.get(name, 0.0), susp[node.lineno])
    for body in [tree.body, *(c.body for c in classes)]:
        for stmt in body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
            elif isinstance(stmt, ast.AnnAssign):
                target = stmt.target
            else:
                continue
            if isinstance(target, ast.Name) and target.id in read and _constant_like(stmt.value):
                shown = any(clues.shown(literal(n)) for n in ast.walk(stmt.value))
                scores[stmt] = max(scores.get(stmt, 0.0), (1.0 if shown else EXPANSION) * read[target.id])
    return sorted(scores.items(), key=lambda item: (item[0].lineno, item[0].col_offset))


def _crash_spans(text: Text, crashes: list[tuple[int, str]]) -> dict[int, list[tuple[int, int]]]:
    """Line → the spans of the expressions that raised on it (first occurrence in the line)."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for line, expression in crashes:
        if 0 < line <= len(text.lines) and (column := text.lines[line - 1].find(expression)) >= 0:
            start = text.starts[line - 1] + column
            spans.setdefault(line, []).append((start, start + len(expression)))
    return spans


def _beside(edit: Edit, text: Text, crashes: dict[int, list[tuple[int, int]]]) -> float:
    """`OFF_CRASH` for an edit on a line that raised but outside the expression that raised (an edit there
    cannot stop `xs[lo]` from raising), else 1."""
    if edit.lines or not crashes:
        return 1.0
    start, end, _ = edit.alternatives[0]
    spans = crashes.get(text.line_of(start))
    if not spans or any(start < b and a < end for a, b in spans):
        return 1.0
    return OFF_CRASH


def _first_changed(text: Text, start: int, end: int, new: str) -> int:
    src = text.source
    old, new = src[start:end + 200], new + src[end:end + 200]
    return text.line_of(start + len(os.path.commonprefix([old, new])))


def candidates(path: str, source: str, suspicious: dict[int, float], hints: Hints | None = None,
               limit: int = 2000) -> list[Candidate]:
    """Ranked candidate edits of `source` (the file at repository-relative `path`) on its suspicious lines
    (line → suspiciousness): best first, at most `limit`, each verified to parse and deduplicated by its AST."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    hints = hints or Hints()
    text = Text(source)
    clues = Clues.parse(hints.messages, hints.names)
    ops = Operators(tree, text, clues)
    checker = _Checker(tree, text, ops, clues.literals())
    pending: list[tuple[float, Edit]] = []
    lines = {line for line, s in suspicious.items() if s and s > 0}
    crashes = _crash_spans(text, [(line, expression) for where, line, expression in hints.crashes if where == path])
    for stmt, susp in _scores(tree, suspicious, clues):
        for edit in [*ops.edits(stmt, lines), *statement_edits(ops, stmt), *idiom_edits(ops, stmt)]:
            score = susp * edit.prior * SIZE_PENALTY ** (edit.size - 1) * _beside(edit, text, crashes)
            if score > 0:
                pending.append((score, edit))
    pending.sort(key=lambda item: -item[0])  # stable: equal scores keep the (deterministic) generation order
    best: dict[tuple, tuple[tuple, Candidate]] = {}  # dedupe key (the AST it produces) → (sort key, candidate)
    by_source: dict[str, tuple] = {}  # the same text, verified in another context, is the same candidate
    lowest = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # `x is 1`, invalid escapes: SyntaxWarnings of candidates, not errors
        for score, edit in pending:
            if len(best) >= limit and score < lowest:
                break
            checked = checker.check(edit)
            if checked is None:
                continue
            (start, end, new_text), key = checked
            new_source = source[:start] + new_text + source[end:]
            key = by_source.setdefault(new_source, key)
            line = _first_changed(text, start, end, new_text)
            order = (-score, line, edit.operator, start, new_text)
            if key not in best or order < best[key][0]:
                best[key] = (order, Candidate(path, line, edit.operator, new_source, score))
            lowest = score
    return [candidate for _, candidate in sorted(best.values(), key=lambda item: item[0])[:limit]]
