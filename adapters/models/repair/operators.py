"""Repair operators: the small edits worth trying on one suspicious statement, each with a prior.

An operator never writes a file. It proposes `Edit`s: splices of the original text (one AST node's exact character
span, one operator token, or whole lines) together with the node the splice must parse back to. `candidates.py`
verifies, deduplicates and ranks them.

Priors are per candidate: roughly how often the family fixes real one-statement bugs (TSSB-3M and the Defects4J
anatomies, docs in the repair research note §2.2), divided by how many siblings the family proposes at one node.
A boundary swap (`<` → `<=`) has one or two siblings and fixes many bugs; a name swap has a dozen siblings.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

BODY_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
LOOPS = (ast.For, ast.AsyncFor, ast.While)
BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Match, *FUNCTIONS)
BUILTINS = frozenset(dir(builtins))
# Never edited: asserts and raises (weakening or bypassing the check is the overfitting direction), declarations.
UNTOUCHED = (ast.Assert, ast.Raise, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.Pass, ast.ClassDef,
             ast.Try, ast.TryStar, ast.Delete)

PRIORS: dict[str, float] = {
    "compare:boundary": 1.0,  # < ↔ <=, > ↔ >=: the commonest one-token condition fix
    "compare:negate": 0.8,  # == ↔ !=, is ↔ is not, in ↔ not in
    "compare:mirror": 0.5,  # < ↔ >, <= ↔ >=
    "compare:other": 0.3,  # < → >=, == → <=, ...
    "compare:none": 0.4,  # == None ↔ is None
    "compare:swap-operands": 0.3,  # a in b → b in a (for < the swap equals the mirrored operator: not generated)
    "binop:swap-operands": 0.3,
    "binop:clear-bits": 0.3,  # `mask ^ flag` or `mask - flag` → `mask & ~flag`
    "call:maxsplit": 0.6,  # `a, b = s.split("=")` → `s.split("=", 1)`
    "call:flags-keyword": 0.7,  # `re.sub(p, r, s, re.I)` passes re.I as the count → `flags=re.I`
    "comprehension:skip-falsy": 0.3,  # `for c in cells` → `for c in cells if c`
    "comprehension:skip-none": 0.2,  # `for c in cells` → `for c in cells if c is not None`
    "name:derived": 0.5,  # `item.name` → `name`, computed from it just before (`name = normalize(item.name)`)
    "lambda:bind": 0.6,  # `lambda v: v * factor` in a loop over factor → `lambda v, factor=factor: ...`
    "stmt:advance": 0.5,  # `ticket = self._next` in a class that never advances `_next` → `self._next += 1`  # a - b → b - a, non-commutative operators only (operator swaps: BINOPS)
    "bool:swap": 0.7,  # and ↔ or
    "bool:drop-operand": 0.25,  # a and b → a (more / less specific if)
    "not:drop": 0.6,
    "not:add": 0.45,
    "unary:drop-minus": 0.3,
    "const:±1": 0.7,  # integers; 0 ↔ 1 is the ±1 of 0 and 1
    "const:bool": 0.6,  # True ↔ False
    "const:other": 0.35,  # × locality: same function 1, same file 0.6, hint message 0.5
    "const:family": 0.6,  # 1000 ↔ 1024, × or ÷ 10: magnitudes people mix up
    "const:transpose": 0.3,  # 'LX' → 'XL': two neighbouring characters of a short string swapped
    "name": 0.5,  # × locality (function 1, module 0.6) × spelling similarity
    "name:pair": 0.6,  # min ↔ max, any ↔ all, ...
    "name:±1": 0.4,  # `page` → `page - 1` as an operand of *, //, %, an index, a slice bound or an argument
    "attr": 0.45,  # × same receiver 1 / other 0.5 × call-kind match × spelling similarity
    "attr:pair": 0.55,  # floor ↔ ceil, lower ↔ upper, ...
    "args:swap": 0.3,
    "arg:drop-keyword": 0.25,
    "arg:drop": 0.15,
    "call:range+1": 0.8,  # the loop bound off by one: the classic (× 0.9 for the node it adds)
    "call:range-1": 0.35,
    "call:range-start+1": 0.45,
    "call:range-start-1": 0.25,
    "call:range-from-1": 0.3,
    "call:len-1": 0.3,
    "call:len+1": 0.15,
    "slice:±1": 0.45,
    "slice:drop": 0.2,
    "index:0↔-1": 0.4,
    "index:±1": 0.25,
    "subscript:get": 0.2,
    "return:name": 0.3,  # × recency of the name's assignment (ACS)
    "return:none": 0.1,
    "return:add": 0.3,  # a function that computes its result and falls off the end
    "stmt:break↔continue": 0.35,
    "guard:none": 0.35,
    "guard:falsy": 0.25,
    "guard:key": 0.35,
    "guard:index": 0.25,
    "guard:type": 0.5,  # `if not isinstance(x, dict): return default`, from "'str' object has no attribute 'get'"
    "guard:continue": 0.7,  # multiplier for `continue` instead of `return <default>` inside a loop
    "guard:name": 0.8,  # multiplier for returning a name the function returns elsewhere (`return default`)
    "guard:neutral": 0.5,  # multiplier for `return 0` / `return None` in a function that returns no literal
    "except:type": 0.5,  # `except TypeError` → `except ValueError`, the class the failure raised
    "except:widen": 0.35,  # `except TypeError` → `except (TypeError, ValueError)`
    "stmt:copy-branch": 0.4,  # `i += 1` that the other branches of an if/elif chain end with
    "stmt:after-loop": 0.35,  # `flush()` from a loop's body, once more after the loop
    "default:mutable": 0.6,  # `def f(tags=[])` → `tags=None` and `if tags is None: tags = []`
    "delete-stmt": 0.08,  # soft anti-pattern: deletion is what overfitting patches look like
}
# Failure kinds named in the hints' messages, and the families they make likelier.
BOOSTS: dict[str, dict[str, float]] = {
    "KeyError": {"guard:key": 2.0, "subscript:get": 2.0},
    "NoneType": {"guard:none": 3.0, "guard:falsy": 1.5},
    "ZeroDivisionError": {"guard:falsy": 3.0},
    "too many values to unpack": {"call:maxsplit": 2.0},
    "Timeout": {"stmt:copy-branch": 3.0, "stmt:break↔continue": 2.0},  # a loop that never ends: a missed step
    "IndexError": {"guard:index": 2.0, "index:±1": 1.5, "slice:±1": 1.5, "call:range-1": 1.5, "call:len-1": 1.5},
    "out of range": {"guard:index": 2.0, "index:±1": 1.5, "slice:±1": 1.5, "call:range-1": 1.5},
    "AttributeError": {"attr": 1.5, "attr:pair": 1.5},
    "NameError": {"name": 1.5},
    "UnboundLocalError": {"name": 1.5},
}

CMP_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is",
            ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
CMP_ALTS = {
    ast.Lt: ((ast.LtE, "boundary"), (ast.Gt, "mirror"), (ast.GtE, "other")),
    ast.LtE: ((ast.Lt, "boundary"), (ast.GtE, "mirror"), (ast.Gt, "other")),
    ast.Gt: ((ast.GtE, "boundary"), (ast.Lt, "mirror"), (ast.LtE, "other")),
    ast.GtE: ((ast.Gt, "boundary"), (ast.LtE, "mirror"), (ast.Lt, "other")),
    ast.Eq: ((ast.NotEq, "negate"), (ast.Is, "none"), (ast.LtE, "other"), (ast.GtE, "other")),
    ast.NotEq: ((ast.Eq, "negate"), (ast.IsNot, "none"), (ast.Lt, "other"), (ast.Gt, "other")),
    ast.Is: ((ast.IsNot, "negate"), (ast.Eq, "none")),
    ast.IsNot: ((ast.Is, "negate"), (ast.NotEq, "none")),
    ast.In: ((ast.NotIn, "negate"),),
    ast.NotIn: ((ast.In, "negate"),),
}
BIN_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
            ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>",
            ast.MatMult: "@"}
BINOPS = {  # operator → (replacement, prior): near swaps first
    ast.Add: ((ast.Sub, 0.9), (ast.Mult, 0.3)),
    ast.Sub: ((ast.Add, 0.9), (ast.Mult, 0.15)),
    ast.Mult: ((ast.Div, 0.6), (ast.FloorDiv, 0.4), (ast.Add, 0.3), (ast.Pow, 0.2)),
    ast.Div: ((ast.FloorDiv, 0.8), (ast.Mult, 0.6)),
    ast.FloorDiv: ((ast.Div, 0.8), (ast.Mod, 0.4), (ast.Mult, 0.4)),
    ast.Mod: ((ast.FloorDiv, 0.4),),
    ast.Pow: ((ast.Mult, 0.4),),
    ast.BitAnd: ((ast.BitOr, 0.6), (ast.BitXor, 0.3)),
    ast.BitOr: ((ast.BitAnd, 0.6), (ast.BitXor, 0.3)),
    ast.BitXor: ((ast.BitOr, 0.4), (ast.BitAnd, 0.4)),
    ast.LShift: ((ast.RShift, 0.5),),
    ast.RShift: ((ast.LShift, 0.5),),
}
NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift)
NAME_PAIRS = {"min": ("max",), "max": ("min",), "any": ("all",), "all": ("any",), "int": ("float", "round"),
              "float": ("int",), "round": ("int",), "sorted": ("reversed",), "reversed": ("sorted",)}
ATTR_PAIRS = {"floor": ("ceil",), "ceil": ("floor",), "lower": ("upper",), "upper": ("lower",),
              "startswith": ("endswith",), "endswith": ("startswith",), "append": ("extend",),
              "extend": ("append",), "keys": ("values",), "values": ("keys", "items"), "items": ("values",),
              "lstrip": ("rstrip",), "rstrip": ("lstrip",), "min": ("max",), "max": ("min",),
              "ROUND_HALF_UP": ("ROUND_HALF_EVEN",), "ROUND_HALF_EVEN": ("ROUND_HALF_UP",)}
ATTR_OWNERS = {"get": "dict", "items": "dict", "keys": "dict", "values": "dict", "setdefault": "dict",
               "append": "list", "extend": "list", "lower": "str", "upper": "str", "strip": "str", "split": "str",
               "startswith": "str", "endswith": "str"}
"""The builtin type a missing attribute belongs to, for `if not isinstance(x, dict)` guards."""
ARITHMETIC = frozenset({"round", "sum", "len", "abs", "int", "float", "min", "max"})
CRASH = re.compile(r"\b(?:ZeroDivision|Type|Attribute|Index|Key)Error\b")
"""Exceptions a guard prevents: only then may a guard return an empty result the function never returns."""
NO_ATTRIBUTE = re.compile(r"'(\w+)' object has no attribute '(\w+)'")
TOKEN = re.compile(r"not\s+in\b|is\s+not\b|and\b|or\b|is\b|in\b|[-+*/%@&|^<>=!]+")
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
QUOTED = re.compile(r"'([^'\\\n]{1,60})'|\"([^\"\\\n]{1,60})\"")
TOP = 6  # ingredients kept per node and family
MUTATORS = frozenset({"append", "pop", "add", "extend", "remove", "discard", "popleft", "appendleft", "clear"})
MUTATED = 2.5  # `return True` → `return not stack` when the function fills and empties `stack`
DOUBLED = 6.0  # delete an update a method called beside it already makes
UNREAD = 3.0  # a name → a local bound and never read
ONE_BASED = 2.5  # `page * size` → `(page - 1) * size` when page counts from 1
LOOP_VARIABLE = 2.5  # a loop-invariant name → one the loop changes: using the outer value is a classic slip
FILE_POOL = 80  # file-level literals considered as ingredients
LONG_STATEMENT = 12  # lines; in a longer statement only the nodes on suspicious lines are edited


@dataclass
class Edit:
    """A proposed change: splice alternatives of the original text, tried in order until one parses to `new`.

    `target` is the node replaced by `new` (None when a slice bound is dropped). A `lines` edit inserts or deletes
    whole statements before or at `target` (a statement) and has a single alternative."""

    operator: str
    family: str
    prior: float
    alternatives: tuple[tuple[int, int, str], ...]
    target: ast.AST
    new: ast.AST | None = None
    size: int = 1
    lines: bool = False


class Text:
    """The original source, with AST positions (1-based lines, UTF-8 byte columns) mapped to str offsets."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = source.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.newline = "\r\n" if "\r\n" in source else "\n"

    def offset(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1]
        if not line.isascii():
            col = len(line.encode("utf-8")[:col].decode("utf-8", "replace"))
        return self.starts[lineno - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def seg(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.source[start:end]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def line_end(self, lineno: int) -> int:
        return self.starts[lineno - 1] + len(self.lines[lineno - 1].removesuffix("\r"))

    def next_line(self, lineno: int) -> int:
        """Offset just past line `lineno` (its newline included)."""
        return self.starts[lineno] if lineno < len(self.starts) else len(self.source)

    def indent(self, lineno: int) -> str:
        line = self.lines[lineno - 1]
        return line[: len(line) - len(line.lstrip(" \t"))]

    def first_line(self, stmt: ast.stmt) -> int:
        return min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])

    def unit_span(self, stmt: ast.stmt) -> tuple[int, int] | None:
        """The whole lines `stmt` occupies, if it owns them: only whitespace before it (or its decorators) and
        only whitespace or a comment after it. An `elif` is part of its parent `if`, never a unit."""
        start, end = self.span(stmt)
        first = self.first_line(stmt)
        if first == stmt.lineno and self.source[self.starts[first - 1]:start].strip():
            return None
        if first != stmt.lineno and not self.lines[first - 1].lstrip().startswith("@"):
            return None
        if isinstance(stmt, ast.If) and self.source.startswith("elif", start):
            return None
        tail = self.source[end:self.line_end(stmt.end_lineno)].strip()
        if tail and not tail.startswith("#"):
            return None
        return self.starts[first - 1], self.line_end(stmt.end_lineno)


ASSERTED = re.compile(r"assert\s+(\S+?)\s*==\s*(\S+)|diff: (\S+) != (\S+)")
"""`assert 31 == 30`, and pytest's `At index 2 diff: 31 != 30` for sequences: (actual, expected)."""
WHERE = re.compile(r"where (\S+) = \w")


def _same(shown: str, value: object) -> bool:
    shown = shown.strip("'\"(),")
    try:
        return float(shown) == float(value) if not isinstance(value, str) else shown == value
    except ValueError:
        return False


@dataclass(frozen=True)
class Clues:
    """What the hints offer: values in failure messages (ingredients, and literals never to hard-code), identifiers
    from the ticket, and which failure kinds were seen."""

    text: str = ""
    numbers: tuple = ()
    strings: tuple = ()
    names: frozenset = frozenset()

    @classmethod
    def parse(cls, messages: Iterable[str], names: Iterable[str]) -> Clues:
        text = "\n".join(messages)
        numbers = [int(m) if re.fullmatch(r"-?\d+", m) else float(m) for m in NUMBER.findall(text)]
        strings = [a or b for a, b in QUOTED.findall(text)]
        idents = set(names) | {s for s in strings if s.isidentifier()}
        return cls(text, tuple(dict.fromkeys(numbers)), tuple(dict.fromkeys(strings)), frozenset(idents))

    def literals(self) -> frozenset:
        return frozenset(filter(None, map(literal_key, self.numbers + self.strings)))

    def compared(self, actual: object, expected: object) -> bool:
        """Whether a failed assertion shows `actual` where `expected` was wanted (`assert 31 == 30`, or values
        in `where` lines): the constant that produced the wrong value, and the value that would be right."""
        return any(_same(a, actual) and _same(e, expected) for a, e in self.assertions)

    @cached_property
    def assertions(self) -> list[tuple[str, str]]:
        """(actual, expected) of each failed equality the messages show; parsed once, asked per literal."""
        return [(a or c, e or d) for a, e, c, d in ASSERTED.findall(self.text)]

    @cached_property
    def produced(self) -> list[str]:
        """What the messages show the code produced: assertions' actual sides and `where` values."""
        return [a for a, _ in self.assertions] + WHERE.findall(self.text)

    def shown(self, value: object) -> bool:
        """Whether the failure shows `value` as what the code produced: the actual side of an assertion, or a
        value in pytest's `where 'LX' = to_roman(40)`."""
        if value is None or isinstance(value, str) and len(value) < 2:
            return False
        return any(_same(shown, value) for shown in self.produced)

    def missing_attributes(self) -> set[tuple[str, str]]:
        """(type, attribute) of each "'str' object has no attribute 'get'" in the messages."""
        return set(NO_ATTRIBUTE.findall(self.text))

    def boosts(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for marker, families in BOOSTS.items():
            if marker in self.text:
                for family, factor in families.items():
                    out[family] = max(out.get(family, 1.0), factor)
        return out


@dataclass
class Scope:
    """One function's (or the module's) own names, literals and returns."""

    params: list[str]
    assigned: dict[str, list[int]]  # local name → lines where it is bound
    literals: Counter  # literal_key → count
    values: dict  # literal_key → value
    returns: list[ast.Return]


def literal_key(value: object) -> tuple | None:
    """Literals compared the way a test would compare them: 119 == 119.0, True is not 1, None is no literal."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return ("n", float(value))
    if isinstance(value, str):
        return ("s", value)
    return None


def number(node: ast.AST) -> int | float | None:
    """The value of a numeric literal, `-3` included (a UnaryOp in the AST)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = number(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    return None


def literal(node: ast.AST | None) -> object:
    num = number(node) if node is not None else None
    if num is not None:
        return num
    return node.value if isinstance(node, ast.Constant) else None


def num_node(value: int | float) -> ast.expr:
    return ast.Constant(value) if value >= 0 else ast.UnaryOp(ast.USub(), ast.Constant(-value))


def num_text(value: int | float) -> str:
    return repr(value) if value >= 0 else f"-{-value!r}"


@lru_cache(maxsize=65536)
def _bigrams(word: str) -> frozenset[str]:
    padded = f" {word.lower()} "
    return frozenset(padded[i:i + 2] for i in range(len(padded) - 1))


def similarity(a: str, b: str) -> float:
    """Spelling similarity in [0, 1]: the Dice coefficient of letter pairs (`total`/`totals` 0.89, `a`/`b` 0)."""
    if len(a) <= 2 and len(b) <= 2:  # i/j/k, x/y: spelling says nothing, and mixing them up is a classic bug
        return 0.7
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y))


def scope_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """Nodes of one scope's own code: nested functions and classes are yielded but not entered, comprehension
    targets (scoped to the comprehension) are skipped, and so are docstrings and f-string parts."""
    stack = list(reversed(getattr(scope, "body", [])))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (*SCOPES, ast.JoinedStr)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.comprehension):
            stack.extend(reversed([node.iter, *node.ifs]))
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def header_nodes(stmt: ast.stmt) -> list[ast.AST]:
    """The expression nodes that belong to `stmt` itself: a compound statement's header, never its body, and no
    annotations. A function contributes only its default values."""
    if isinstance(stmt, FUNCTIONS):
        roots = [d for d in (*stmt.args.defaults, *stmt.args.kw_defaults) if d is not None]
    else:
        roots = []
        for name, value in ast.iter_fields(stmt):
            if name not in BODY_FIELDS and name not in ("annotation", "returns", "type_comment"):
                roots.extend(value if isinstance(value, list) else [value])
    out, stack = [], [r for r in reversed(roots) if isinstance(r, ast.AST)]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.JoinedStr, ast.expr_context)):
            continue
        out.append(node)
        if not (isinstance(node, ast.UnaryOp) and number(node) is not None):  # -1 is one literal, not two
            stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return out


def param_defaults(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[ast.arg, ast.expr]]:
    """Each parameter that has a default, with it: the positional ones first, then the keyword-only ones."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    return [*zip(positional[len(positional) - len(a.defaults):], a.defaults, strict=True),
            *((x, d) for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None)]


def names_read(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_default(node: ast.AST) -> bool:
    """A literal a guard may return: a constant, or an empty list, tuple, set or dict."""
    if isinstance(node, ast.Constant) or number(node) is not None:
        return True
    return (isinstance(node, (ast.List, ast.Tuple, ast.Set)) and not node.elts) or (
        isinstance(node, ast.Dict) and not node.keys)


def _numeric(node: ast.AST | None) -> bool:
    """An expression that gives an integer or float: a number, arithmetic on one, `len()` and friends, `range()`."""
    if node is None:
        return False
    if number(node) is not None:
        return True
    if isinstance(node, ast.BinOp):
        return not (_stringy(node.left) or _stringy(node.right)) and (_numeric(node.left) or _numeric(node.right))
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (*ARITHMETIC, "range")


def _stringy(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _receiver(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _receiver(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


RELATED = {1000: (1024,), 1024: (1000,), 1_000_000: (1_048_576,), 1_048_576: (1_000_000,)}


def _related(value: int) -> tuple[int, ...]:
    """Magnitudes mixed up with `value`: decimal and binary kilo/mega, and a power of ten off by a factor 10."""
    tens = ()
    if abs(value) >= 10 and str(abs(value)).rstrip("0") == "1":
        tens = (value * 10, value // 10)
    return RELATED.get(value, ()) + tens


def _str_text(original: str, value: str) -> str:
    """A string literal in the quote style of the one it replaces."""
    quote = original[:1]
    if quote in ("'", '"') and not original.startswith(quote * 3):
        if quote not in value and "\\" not in value and value.isprintable():
            return quote + value + quote
    return repr(value)


class Operators:
    """File-level facts (scopes, attributes, literals) gathered once, and the edits for one statement at a time."""

    def __init__(self, tree: ast.Module, text: Text, clues: Clues) -> None:
        self.tree, self.text, self.clues = tree, text, clues
        self.boost = clues.boosts()
        self.clue_literals = clues.literals()
        self.parents: dict[ast.AST, tuple[ast.AST, str, int | None]] = {}
        for node in ast.walk(tree):
            for name, value in ast.iter_fields(node):
                if isinstance(value, ast.AST):
                    self.parents[value] = (node, name, None)
                elif isinstance(value, list):
                    for i, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            self.parents[item] = (node, name, i)
        self.attrs: dict[str, list] = {}  # attribute → [receivers, times called, times not called]
        self.keys: set[str] = set()  # string literals used as subscript keys
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and not node.attr.startswith("__"):
                entry = self.attrs.setdefault(node.attr, [set(), 0, 0])
                entry[0].add(_receiver(node.value))
                entry[1 if self.called(node) else 2] += 1
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    names = [item.name] if isinstance(item, FUNCTIONS) else [
                        t.id for t in getattr(item, "targets", [getattr(item, "target", None)])
                        if isinstance(t, ast.Name)]
                    for name in names:
                        entry = self.attrs.setdefault(name, [set(), 0, 0])
                        entry[0].add("self")
                        entry[1 if isinstance(item, FUNCTIONS) else 2] += 1
            elif isinstance(node, ast.Subscript) and isinstance(literal(node.slice), str):
                self.keys.add(node.slice.value)
        self.scopes: dict[ast.AST, Scope] = {}
        self.classes: dict[ast.ClassDef, set[str]] = {}
        self.numbers: dict[ast.AST, set[str]] = {}
        self.unreads: dict[ast.AST, set[str]] = {}
        self.class_nodes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
        self.step: str | None = None
        module = self.scope(tree)
        self.module_values = {n: min(lines) for n, lines in module.assigned.items()}
        self.module_callables = set()
        for node in scope_nodes(tree):
            if isinstance(node, (*FUNCTIONS, ast.ClassDef)):
                self.module_callables.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self.module_callables.update((a.asname or a.name).split(".")[0] for a in node.names)
        for name in self.module_callables:
            self.module_values.pop(name, None)
        counts, values = Counter(), {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and not isinstance(self.parents.get(node, (None,))[0],
                                                                    (ast.Expr, ast.JoinedStr)):
                key = literal_key(node.value)
                if key:
                    counts[key] += 1
                    values[key] = node.value
        # the file's literals as ingredients: the most used ones only (generated tables hold thousands)
        self.file_values = {key: values[key] for key, _ in counts.most_common(FILE_POOL)}

    # ---- facts ----------------------------------------------------------------------------------------------

    def p(self, family: str) -> float:
        return PRIORS[family] * self.boost.get(family, 1.0)

    def called(self, node: ast.AST) -> bool:
        parent = self.parents.get(node)
        return parent is not None and isinstance(parent[0], ast.Call) and parent[1] == "func"

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        while node in self.parents:
            node = self.parents[node][0]
            yield node

    def function_of(self, node: ast.AST) -> ast.FunctionDef | None:
        return next((a for a in self.ancestors(node) if isinstance(a, FUNCTIONS)), None)

    def in_loop(self, node: ast.AST, fn: ast.AST | None) -> bool:
        for a in self.ancestors(node):
            if a is fn or isinstance(a, SCOPES):
                return False
            if isinstance(a, LOOPS):
                return True
        return False

    def numeric(self, fn: ast.AST | None) -> set[str]:
        """Names the scope treats as integers: bound to a number, to arithmetic, `len()`, a `range()` item or a
        numeric default, or used with a number (`i + 1`, `n < 10`), in `range()` or as a slice bound. Only these
        get `± 1`: `Counter(words + 1)` is no fix anyone writes."""
        scope = fn if fn is not None else self.tree
        if scope not in self.numbers:
            found = {x.arg for x, d in param_defaults(scope) if _numeric(d)} if isinstance(scope, FUNCTIONS) else set()
            for n in scope_nodes(scope):
                if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and _numeric(n.value):
                    targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                    found |= {t.id for t in targets if isinstance(t, ast.Name)}
                elif isinstance(n, ast.For) and isinstance(n.target, ast.Name) and _numeric(n.iter):
                    found.add(n.target.id)
                elif isinstance(n, (ast.BinOp, ast.Compare)):
                    operands = [n.left, n.right] if isinstance(n, ast.BinOp) else [n.left, *n.comparators]
                    if any(number(o) is not None for o in operands):
                        found |= {o.id for o in operands if isinstance(o, ast.Name)}
                elif isinstance(n, ast.Slice) or isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and \
                        n.func.id == "range":
                    found |= {o.id for o in ast.iter_child_nodes(n) if isinstance(o, ast.Name)}
            self.numbers[scope] = found
        return self.numbers[scope]

    def unread(self, fn: ast.AST | None) -> set[str]:
        """Locals the function binds and never reads: a computed value nobody uses is usually one a read of
        another name meant."""
        if fn is None:
            return set()
        if fn not in self.unreads:  # asked for every name read in the function
            read = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            self.unreads[fn] = {name for name in self.scope(fn).assigned if name not in read and name != "_"}
        return self.unreads[fn]

    def one_based(self, name: str, fn: ast.AST | None) -> bool:
        """A count from 1 (`page=1`, `if page < 1: raise`): used as an offset or index it wants `- 1`."""
        if not isinstance(fn, FUNCTIONS):
            return False
        positional = param_defaults(fn)[:len(fn.args.defaults)]
        if any(x.arg == name and number(d) == 1 for x, d in positional):
            return True
        return any(isinstance(n, ast.Compare) and isinstance(n.left, ast.Name) and n.left.id == name and
                   isinstance(n.ops[0], (ast.Lt, ast.GtE)) and number(n.comparators[0]) == 1
                   for n in scope_nodes(fn))

    def class_attributes(self, node: ast.AST) -> set[str]:
        """What instances of the class `node` is or is in have: its body's names and methods, and `self.x` it
        sets."""
        cls = node if isinstance(node, ast.ClassDef) else next(
            (a for a in self.ancestors(node) if isinstance(a, ast.ClassDef)), None)
        if cls is None:
            return set()
        if cls not in self.classes:
            names = {n.attr for n in ast.walk(cls) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                     and n.value.id == "self" and isinstance(n.ctx, ast.Store)}
            for item in cls.body:
                if isinstance(item, FUNCTIONS):
                    names.add(item.name)
                names |= {t.id for t in getattr(item, "targets", [getattr(item, "target", None)])
                          if isinstance(t, ast.Name)}
            self.classes[cls] = names
        return self.classes[cls]

    def mutated(self, fn: ast.AST) -> set[str]:
        """Local containers the function fills or empties in place (`stack.append(ch)`, `seen.add(x)`)."""
        return {n.func.value.id for n in scope_nodes(fn) if isinstance(n, ast.Call) and isinstance(
            n.func, ast.Attribute) and isinstance(n.func.value, ast.Name) and n.func.attr in MUTATORS}

    def loop_names(self, node: ast.Name, fn: ast.AST | None) -> set[str]:
        """Names that change from one iteration to the next of the loops around `node` in which `node` itself
        does not change (their targets and what their bodies assign), innermost first until one changes it."""
        names: set[str] = set()
        for a in self.ancestors(node):
            if a is fn or isinstance(a, SCOPES):
                break
            if isinstance(a, LOOPS):
                stored = {n.id for n in ast.walk(a) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                if node.id in stored:
                    break
                names |= stored
        return names

    def scope(self, fn: ast.AST) -> Scope:
        if fn not in self.scopes:
            self.scopes[fn] = self._scope(fn)
        return self.scopes[fn]

    def _scope(self, fn: ast.AST) -> Scope:
        params: list[str] = []
        if isinstance(fn, FUNCTIONS):
            a = fn.args
            params = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if x]
        assigned: dict[str, list[int]] = {}
        literals, values, returns = Counter(), {}, []
        for node in scope_nodes(fn):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in params:
                assigned.setdefault(node.id, []).append(node.lineno)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                assigned.setdefault(node.name, []).append(node.lineno)
            elif isinstance(node, ast.Return):
                returns.append(node)
            elif isinstance(node, ast.Constant) and literal_key(node.value):
                literals[literal_key(node.value)] += 1
                values[literal_key(node.value)] = node.value
        for lines in assigned.values():
            lines.sort()
        return Scope(params, assigned, literals, values, returns)

    def visible(self, node: ast.AST, fn: ast.AST | None) -> list[str]:
        """Locals and parameters that hold a value at `node`: bound on an earlier line, or anywhere in a loop."""
        if fn is None:
            return sorted(self.module_values)
        scope, line = self.scope(fn), node.lineno
        loop = self.in_loop(node, fn)
        return scope.params + sorted(n for n, lines in scope.assigned.items() if loop or lines[0] < line)

    # ---- the edits of one statement -----------------------------------------------------------------------

    def edits(self, stmt: ast.stmt, suspicious: Collection[int] = ()) -> list[Edit]:
        """The edits of one statement. In a statement longer than `LONG_STATEMENT` lines (a big literal table,
        a long call), only the nodes on the `suspicious` lines, themselves no longer than that."""
        if isinstance(stmt, UNTOUCHED) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
            return []
        fn = self.function_of(stmt)
        nodes = header_nodes(stmt)
        if stmt.end_lineno - stmt.lineno >= LONG_STATEMENT and suspicious and not isinstance(stmt, BLOCKS):
            nodes = [n for n in nodes if hasattr(n, "lineno") and n.end_lineno - n.lineno < LONG_STATEMENT
                     and (any(line in suspicious for line in range(n.lineno, n.end_lineno + 1))
                          or literal(n) in self.clues.strings)]  # the table's entry the failure quotes
        out: list[Edit] = []
        for node in nodes:
            out.extend(self.node_edits(node, fn))
        out.extend(self.statement_edits(stmt, fn))
        return out

    def node_edits(self, node: ast.AST, fn: ast.AST | None) -> Iterator[Edit]:
        if isinstance(node, ast.Compare):
            yield from self.compare(node)
        elif isinstance(node, ast.BinOp):
            yield from self.binop(node)
        elif isinstance(node, ast.BoolOp):
            yield from self.boolop(node)
        elif isinstance(node, ast.UnaryOp) and number(node) is None:
            yield from self.unary(node)
        elif number(node) is not None or isinstance(node, ast.Constant):
            yield from self.constant(node, fn)
        elif isinstance(node, ast.Name):
            yield from self.name(node, fn)
        elif isinstance(node, ast.Attribute):
            yield from self.attribute(node)
        elif isinstance(node, ast.Call):
            yield from self.call(node)
        elif isinstance(node, ast.Subscript):
            yield from self.subscript(node)
        elif isinstance(node, ast.IfExp):
            yield from self.negate(node.test, 0.8)

    def statement_edits(self, stmt: ast.stmt, fn: ast.AST | None) -> Iterator[Edit]:
        if isinstance(stmt, (ast.If, ast.While)):
            yield from self.negate(stmt.test, 1.0)
        elif isinstance(stmt, ast.AugAssign):
            yield from self.operator_swaps(stmt, stmt.target, stmt.value, stmt.op, "=")
        elif isinstance(stmt, ast.Return) and fn is not None:
            yield from self.returns(stmt, fn)
        elif isinstance(stmt, (ast.Break, ast.Continue)):
            new = ast.Continue() if isinstance(stmt, ast.Break) else ast.Break()
            word = "continue" if isinstance(stmt, ast.Break) else "break"
            old = "break" if word == "continue" else "continue"
            yield self.edit(f"stmt:{old}→{word}", "stmt:break↔continue", stmt, new, [word], nofallback=True)
        if fn is not None and self.text.unit_span(stmt) is not None:
            yield from self.guards(stmt, fn)
            yield from self.delete(stmt, fn)
            yield from self.return_add(stmt, fn)

    def edit(self, op: str, family: str, node: ast.AST, new: ast.AST | None, texts: Iterable[str], *,
             region: tuple[int, int] | None = None, prior: float | None = None, size: int = 1,
             nofallback: bool = False) -> Edit:
        start, end = self.text.span(node)
        where = region or (start, end)
        alts = [(where[0], where[1], t) for t in texts]
        if new is not None and not nofallback:  # when the minimal splice does not parse back: the node, unparsed
            text = ast.unparse(new)
            alts += [(start, end, text), (start, end, f"({text})")]
        prior = self.p(family) if prior is None else prior
        return Edit(op, family, prior, tuple(dict.fromkeys(alts)), node, new, size)

    def token(self, start: int, end: int) -> tuple[int, int] | None:
        """The operator token between two operands: the gap holds only it, brackets, blanks and comments."""
        src, i = self.text.source, start
        while i < end:
            c = src[i]
            if c == "#":
                i = src.find("\n", i, end)
                if i < 0:
                    return None
            elif c in " \t\r\n\\()":
                i += 1
            else:
                m = TOKEN.match(src, i, end)
                return (m.start(), m.end()) if m else None
        return None

    def padded(self, where: tuple[int, int], word: str) -> str:
        src = self.text.source
        if word[:1].isalpha() and where[0] > 0 and (src[where[0] - 1].isalnum() or src[where[0] - 1] in "_'\""):
            word = " " + word
        if word[-1:].isalpha() and where[1] < len(src) and (src[where[1]].isalnum() or src[where[1]] in "_'\""):
            word += " "
        return word

    # ---- expressions ----------------------------------------------------------------------------------------

    def compare(self, node: ast.Compare) -> Iterator[Edit]:
        operands = [node.left, *node.comparators]
        for k, op in enumerate(node.ops):
            a, b = operands[k], operands[k + 1]
            where = self.token(self.text.span(a)[1], self.text.span(b)[0])
            if where is None:
                continue
            none = _is_none(a) or _is_none(b)
            for new_op, kind in CMP_ALTS[type(op)]:
                if kind == "none" and not none:
                    continue
                new = ast.Compare(node.left, [*node.ops[:k], new_op(), *node.ops[k + 1:]], node.comparators)
                yield self.edit(f"compare:{CMP_TEXT[type(op)]}→{CMP_TEXT[new_op]}", f"compare:{kind}", node, new,
                                [self.padded(where, CMP_TEXT[new_op])], region=where)
            if isinstance(op, (ast.In, ast.NotIn)) and len(node.ops) == 1:
                yield self.swap_operands(node, a, b, ast.Compare(b, node.ops, [a]), "compare:swap-operands")

    def swap_operands(self, node, a, b, new, family) -> Edit:
        (a0, a1), (b0, b1) = self.text.span(a), self.text.span(b)
        src = self.text.source
        return self.edit(family, family, node, new, [src[b0:b1] + src[a1:b0] + src[a0:a1]], region=(a0, b1))

    def binop(self, node: ast.BinOp) -> Iterator[Edit]:
        if not (_stringy(node.left) or _stringy(node.right)):
            yield from self.operator_swaps(node, node.left, node.right, node.op, "")
        if isinstance(node.op, (ast.BitXor, ast.Sub)) and not (_stringy(node.left) or _stringy(node.right)):
            new = ast.BinOp(node.left, ast.BitAnd(), ast.UnaryOp(ast.Invert(), node.right))
            left, right = self.text.seg(node.left), self.text.seg(node.right)
            yield self.edit("binop:clear-bits", "binop:clear-bits", node, new,
                            [f"{left} & ~{right}", f"{left} & ~({right})"])  # `mask ^ flag` toggles: clear it
        if isinstance(node.op, NON_COMMUTATIVE) and self.text.seg(node.left) != self.text.seg(node.right):
            new = ast.BinOp(node.right, node.op, node.left)
            yield self.swap_operands(node, node.left, node.right, new, "binop:swap-operands")

    def operator_swaps(self, node, left, right, op, suffix: str) -> Iterator[Edit]:
        """`a + b` → `a - b`, and `x += 1` → `x -= 1` (suffix "=")."""
        if suffix and _stringy(right):
            return
        where = self.token(self.text.span(left)[1], self.text.span(right)[0])
        if where is None:
            return
        old = BIN_TEXT[type(op)] + suffix
        for new_op, prior in BINOPS.get(type(op), ()):
            new = (ast.AugAssign(left, new_op(), right) if suffix else ast.BinOp(left, new_op(), right))
            text = BIN_TEXT[new_op] + suffix
            yield self.edit(f"binop:{old}→{text}", "binop", node, new, [text], region=where, prior=prior,
                            nofallback=bool(suffix))

    def boolop(self, node: ast.BoolOp) -> Iterator[Edit]:
        src, values = self.text.source, node.values
        spans = [self.text.span(v) for v in values]
        old, word = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        text, pos = "", spans[0][1]
        for k in range(1, len(values)):
            where = self.token(spans[k - 1][1], spans[k][0])
            if where is None:
                return
            text += src[pos:where[0]] + word
            pos = where[1]
        text += src[pos:spans[-1][0]]
        new = ast.BoolOp(ast.Or() if old == "and" else ast.And(), values)
        yield self.edit(f"bool:{old}→{word}", "bool:swap", node, new, [text], region=(spans[0][1], spans[-1][0]))
        if len(values) <= 4:
            for k in range(len(values)):
                rest = values[:k] + values[k + 1:]
                region = (spans[k][0], spans[k + 1][0]) if k == 0 else (spans[k - 1][1], spans[k][1])
                new = rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)
                yield self.edit(f"bool:drop-operand{k + 1}", "bool:drop-operand", node, new, [""], region=region)
        for v in values:
            if not isinstance(v, (ast.Compare, ast.UnaryOp, ast.Constant, ast.BoolOp)):
                yield from self.negate(v, 0.8)

    def negate(self, node: ast.expr, factor: float) -> Iterator[Edit]:
        """`c` → `not c` (a condition, or one operand of `and`/`or`)."""
        if isinstance(node, ast.Constant) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            return
        seg = self.text.seg(node)
        yield self.edit("not:add", "not:add", node, ast.UnaryOp(ast.Not(), node),
                        [f"not {seg}", f"not ({seg})", f"(not {seg})"], prior=self.p("not:add") * factor)

    def unary(self, node: ast.UnaryOp) -> Iterator[Edit]:
        if isinstance(node.op, (ast.Not, ast.USub)):
            seg = self.text.seg(node.operand)
            op, family = ("not:drop", "not:drop") if isinstance(node.op, ast.Not) else ("unary:drop-minus",) * 2
            yield self.edit(op, family, node, node.operand, [seg, f"({seg})"])

    def constant(self, node: ast.expr, fn: ast.AST | None) -> Iterator[Edit]:
        """True ↔ False; an integer ± 1; another literal of the same type from the function, the file (its most
        used ones) or the hints' messages (not inside a comparison: that would special-case a test's value)."""
        value = literal(node)
        if isinstance(value, bool):
            yield self.edit(f"const:{value}→{not value}", "const:bool", node, ast.Constant(not value), [str(not value)])
            return
        if isinstance(value, int):
            parent = self.parents.get(node)
            index = parent is not None and isinstance(parent[0], ast.Subscript) and parent[1] == "slice"
            for new in (value + 1, value - 1):
                if index and {value, new} == {0, -1}:
                    continue  # the index operator's `0 ↔ -1`
                shown = 3.0 if self.clues.compared(value, new) else 1.0  # `assert 31 == 30`
                yield self.edit(f"const:{value}→{new}", "const:±1", node, num_node(new), [num_text(new)],
                                prior=self.p("const:±1") * shown)
            for new in _related(value):
                shown = 3.0 if self.clues.compared(value, new) else 1.0
                yield self.edit(f"const:{value}→{new}", "const:family", node, num_node(new), [num_text(new)],
                                prior=self.p("const:family") * shown)
        if not isinstance(value, (int, float, str)) or (isinstance(value, str) and ("\n" in value or len(value) > 60)):
            return
        seg = self.text.seg(node)
        if isinstance(value, str) and 2 <= len(value) <= 6 and not any(c.isspace() for c in value):
            shown = 2.0 if value in self.clues.strings else 1.0  # the failure quotes it
            for i in range(len(value) - 1):
                if value[i] != value[i + 1]:
                    new = value[:i] + value[i + 1] + value[i] + value[i + 2:]
                    yield self.edit(f"const:{value!r}→{new!r}", "const:transpose", node, ast.Constant(new),
                                    [_str_text(seg, new)], prior=self.p("const:transpose") * shown)
        pool: dict = {}  # literal_key → (locality, value)
        in_compare = any(isinstance(a, ast.Compare) for a in self.ancestors(node))
        sources = [(self.scope(fn) if fn else None, 1.0), (None, 0.6)]
        for scope, locality in sources:
            values = scope.values if scope else self.file_values
            for key, other in values.items():
                if type(other) is type(value) and other != value and key not in pool:
                    pool[key] = (locality, other)
        if not in_compare:  # a test's literal compared in a condition is special-casing the test: never
            for other in self.clues.numbers + self.clues.strings:
                key = literal_key(other)
                if type(other) is type(value) and other != value and key not in pool:
                    pool[key] = (0.5, other)
        ranked = []
        for locality, other in pool.values():
            if isinstance(value, int) and abs(other - value) == 1:
                continue  # const:±1 has it
            if self.clues.compared(value, other):
                locality *= 3  # the failure shows the literal's value where the test expected this one
            prior = self.p("const:other") * locality
            if isinstance(value, str):  # a key for a key, and spelled alike
                role = 1.0 if (other in self.keys) == (value in self.keys) else 0.7
                prior *= role * (0.5 + 0.5 * similarity(value, other))
            ranked.append((prior, repr(other), other))
        for prior, shown, other in sorted(ranked, key=lambda r: (-r[0], r[1]))[:TOP]:
            text = _str_text(seg, other) if isinstance(other, str) else num_text(other)
            new = ast.Constant(other) if isinstance(other, str) else num_node(other)
            short = shown if len(shown) <= 20 else shown[:17] + "..."
            yield self.edit(f"const:{value!r}→{short}", "const:other", node, new, [text], prior=prior)

    def ranked(self, current: str, pool: dict[str, float], family: str) -> list[tuple[float, str]]:
        """Ingredients by prior: locality × spelling similarity, × 1.5 when the hints name them."""
        out = []
        for other, locality in pool.items():
            if other in (current, "_"):  # `_` holds what nobody meant to read
                continue
            prior = self.p(family) * locality * (0.35 + 0.65 * similarity(current, other))
            if other in self.clues.names:
                prior *= 1.5
            out.append((prior, other))
        return sorted(out, key=lambda t: (-t[0], t[1]))[:TOP]

    def name(self, node: ast.Name, fn: ast.AST | None) -> Iterator[Edit]:
        """Another name of the same kind: a function for a function; for a value, the function's locals and
        parameters first when it is one of them, module globals first when it is one; CONSTANT for CONSTANT."""
        if not isinstance(node.ctx, ast.Load) or node.id in ("self", "cls"):
            return
        for other in NAME_PAIRS.get(node.id, ()):
            yield self.edit(f"name:{node.id}→{other}", "name:pair", node, ast.Name(other, ast.Load()), [other])
        pool: dict[str, float] = {}
        if self.called(node) or node.id in self.module_callables:
            if node.id not in BUILTINS or node.id in self.module_callables:
                pool = dict.fromkeys(self.module_callables, 0.6)
        elif node.id not in BUILTINS or node.id in self.module_values:
            scope = self.scope(fn) if fn is not None else None
            local = scope is not None and (node.id in scope.params or node.id in scope.assigned)
            pool = dict.fromkeys(self.module_values, 0.6 if local else 1.0)
            if fn is not None:
                pool.update(dict.fromkeys(self.visible(node, fn), 1.0 if local else 0.5))
            varying = self.loop_names(node, fn)
            unread = self.unread(fn)
            for other in pool:
                if other in unread:
                    pool[other] *= UNREAD  # `lowered = text.lower()` never used: meant here
                if other.isupper() != node.id.isupper():
                    pool[other] *= 0.5
                if node.id not in varying and other in varying:
                    pool[other] *= LOOP_VARIABLE  # `parent[nbr] = start` in a loop over `node`: meant `node`
        for prior, other in self.ranked(node.id, pool, "name"):
            yield self.edit(f"name:{node.id}→{other}", "name", node, ast.Name(other, ast.Load()), [other], prior=prior)
        parent = self.parents.get(node)
        if not self.called(node) and parent is not None and node.id in self.numeric(fn) and (
                isinstance(parent[0], ast.BinOp) and parent[0].op.__class__ in (ast.Mult, ast.FloorDiv, ast.Mod)
                or isinstance(parent[0], ast.Subscript) and parent[1] == "slice"
                or isinstance(parent[0], ast.Slice) or isinstance(parent[0], ast.Call) and parent[1] == "args"):
            one_based = ONE_BASED if self.one_based(node.id, fn) else 1.0
            for delta in (-1, 1):  # `page * size` → `(page - 1) * size`: an off-by-one on a variable
                edit = self.shift(node, delta, "name:±1", f"name:{node.id}{delta:+d}")
                edit.prior *= one_based if delta < 0 else 1.0
                yield edit

    def attribute(self, node: ast.Attribute) -> Iterator[Edit]:
        if node.attr.startswith("__"):
            return
        receiver, called = _receiver(node.value), self.called(node)
        store = not isinstance(node.ctx, ast.Load)
        pool: dict[str, float] = {}
        own = self.class_attributes(node)  # `self.x` → another attribute of this class; `item.x` → not one
        siblings = set().union(*(a for a in map(self.class_attributes, self.class_nodes) if node.attr in a))
        for attr, (receivers, n_called, n_plain) in self.attrs.items():
            same = receiver is not None and receiver in receivers or attr in siblings  # `unit_price` → `unit_cost`
            if store and not same or own and (attr in own) != (receiver == "self") and receivers <= {"self"}:
                continue
            pool[attr] = (1.0 if same else 0.5) * (1.0 if (n_called if called else n_plain) else 0.4)
        end = self.text.span(node)[1]
        where = (end - len(node.attr), end)
        if self.text.source[where[0]:end] != node.attr:
            return
        pairs = ATTR_PAIRS.get(node.attr, ())
        for other in pairs:
            new = ast.Attribute(node.value, other, node.ctx)
            yield self.edit(f"attr:{node.attr}→{other}", "attr:pair", node, new, [other], region=where)
        for prior, other in self.ranked(node.attr, pool, "attr"):
            if other not in pairs:
                new = ast.Attribute(node.value, other, node.ctx)
                yield self.edit(f"attr:{node.attr}→{other}", "attr", node, new, [other], region=where, prior=prior)

    def call(self, node: ast.Call) -> Iterator[Edit]:
        args, src = node.args, self.text.source
        if not any(isinstance(a, ast.Starred) for a in args):
            pairs = [(i, j) for i in range(len(args)) for j in range(i + 1, len(args))]
            for i, j in pairs if len(args) <= 4 else [(i, i + 1) for i in range(len(args) - 1)]:
                (i0, i1), (j0, j1) = self.text.span(args[i]), self.text.span(args[j])
                if src[i0:i1] != src[j0:j1]:
                    swapped = list(args)
                    swapped[i], swapped[j] = args[j], args[i]
                    new = ast.Call(node.func, swapped, node.keywords)
                    text = src[j0:j1] + src[i1:j0] + src[i0:i1]
                    yield self.edit("args:swap", "args:swap", node, new, [text], region=(i0, j1))
        items = sorted([*args, *node.keywords], key=lambda n: (n.lineno, n.col_offset))
        is_range = isinstance(node.func, ast.Name) and node.func.id == "range" and not node.keywords
        for k, item in enumerate(items):
            if isinstance(item, ast.keyword) and item.arg is not None:
                family = "arg:drop-keyword"
                new = ast.Call(node.func, args, [kw for kw in node.keywords if kw is not item])
            elif isinstance(item, ast.expr) and len(args) >= 2 and not is_range:
                family = "arg:drop"
                new = ast.Call(node.func, [a for a in args if a is not item], node.keywords)
            else:
                continue
            if k:
                region = (self.text.span(items[k - 1])[1], self.text.span(item)[1])
            else:
                region = (self.text.span(item)[0], self.text.span(items[1])[0] if len(items) > 1 else
                          self.text.span(item)[1])
            yield self.edit(family, family, node, new, [""], region=region)
        if is_range and 1 <= len(args) <= 3 and not any(isinstance(a, ast.Starred) for a in args):
            stop = args[0] if len(args) == 1 else args[1]
            yield self.shift(stop, +1, "call:range+1")
            yield self.shift(stop, -1, "call:range-1")
            if len(args) == 1:
                start = self.text.span(stop)[0]
                new = ast.Call(node.func, [ast.Constant(1), stop], [])
                yield self.edit("call:range-from-1", "call:range-from-1", node, new, ["1, "], region=(start, start))
            else:
                yield self.shift(args[0], +1, "call:range-start+1")
                yield self.shift(args[0], -1, "call:range-start-1")
        if isinstance(node.func, ast.Name) and node.func.id == "len" and len(args) == 1:
            parent = self.parents.get(node, (None,))[0]
            if isinstance(parent, ast.Compare) or isinstance(parent, ast.BinOp) and isinstance(
                    parent.op, (ast.Mult, ast.Div, ast.FloorDiv)):  # `len(xs) * p` → `(len(xs) - 1) * p`
                seg = self.text.seg(node)
                for op, delta in ((ast.Sub, "-"), (ast.Add, "+")):
                    new = ast.BinOp(node, op(), ast.Constant(1))
                    yield self.edit(f"call:len{delta}1", f"call:len{delta}1", node, new, [f"{seg} {delta} 1"])

    def shift(self, node: ast.expr, delta: int, family: str, op: str | None = None) -> Edit:
        """`node` ± 1, folded into an integer literal or an existing `± k`: `n` → `n + 1`, `n - 1` → `n`."""
        value = number(node)
        if isinstance(value, int):
            new, texts = num_node(value + delta), [num_text(value + delta)]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and isinstance(
                number(node.right), int) and number(node.right) >= 0:
            total = (number(node.right) if isinstance(node.op, ast.Add) else -number(node.right)) + delta
            left = self.text.seg(node.left)
            if total == 0:
                new, texts = node.left, [left, f"({left})"]
            else:
                sign, op_node = ("+", ast.Add()) if total > 0 else ("-", ast.Sub())
                new = ast.BinOp(node.left, op_node, ast.Constant(abs(total)))
                texts = [f"{left} {sign} {abs(total)}", f"({left}) {sign} {abs(total)}"]
        else:
            seg = self.text.seg(node)
            sign, op_node = ("+", ast.Add()) if delta > 0 else ("-", ast.Sub())
            new, texts = ast.BinOp(node, op_node, ast.Constant(1)), [f"{seg} {sign} 1", f"({seg}) {sign} 1"]
        return self.edit(op or family, family, node, new, texts, size=1 if isinstance(value, int) else 2)

    def subscript(self, node: ast.Subscript) -> Iterator[Edit]:
        index = node.slice
        if isinstance(index, ast.Slice):
            for bound in ("lower", "upper"):
                b = getattr(index, bound)
                if b is not None:
                    yield self.shift(b, +1, "slice:±1", f"slice:{bound}+1")
                    yield self.shift(b, -1, "slice:±1", f"slice:{bound}-1")
                    yield self.edit(f"slice:drop-{bound}", "slice:drop", b, None, [""])
            return
        value = number(index)
        if value in (0, -1) and isinstance(value, int):
            new = -1 if value == 0 else 0
            yield self.edit(f"index:{value}→{new}", "index:0↔-1", index, num_node(new), [num_text(new)])
        elif isinstance(index, (ast.Name, ast.BinOp, ast.Attribute, ast.Call)):  # `xs[len(xs)]` too
            yield self.shift(index, +1, "index:±1", "index:+1")
            yield self.shift(index, -1, "index:±1", "index:-1")
        if (isinstance(node.ctx, ast.Load) and isinstance(node.value, (ast.Name, ast.Attribute))
                and (isinstance(literal(index), str) or isinstance(index, ast.Name))):
            parent = self.parents.get(node)
            if not (parent and isinstance(parent[0], ast.AugAssign) and parent[1] == "target"):
                new = ast.Call(ast.Attribute(node.value, "get", ast.Load()), [index], [])
                text = f"{self.text.seg(node.value)}.get({self.text.seg(index)})"
                yield self.edit("subscript:get", "subscript:get", node, new, [text])

    # ---- statements -----------------------------------------------------------------------------------------

    def returns(self, stmt: ast.Return, fn: ast.AST) -> Iterator[Edit]:
        if stmt.value is None:
            return
        seg = self.text.seg(stmt.value)
        short = seg if len(seg) <= 20 and "\n" not in seg else "expr"
        scope = self.scope(fn)
        current = stmt.value.id if isinstance(stmt.value, ast.Name) else None

        def recency(name: str) -> int:  # the last binding before the return (ACS): later first; parameters last
            lines = [n for n in scope.assigned.get(name, []) if n < stmt.lineno]
            return lines[-1] if lines else 0

        names = sorted((n for n in self.visible(stmt, fn) if n != current), key=lambda n: (-recency(n), n))
        for decay, name in zip((1.0, 0.85, 0.7, 0.6), names[:4], strict=False):
            yield self.edit(f"return:{short}→{name}", "return:name", stmt.value, ast.Name(name, ast.Load()), [name],
                            prior=self.p("return:name") * decay)
            if isinstance(literal(stmt.value), bool):  # `return True` → `return not stack`: a verdict on a value
                filled = MUTATED if name in self.mutated(fn) else 1.0  # the stack the loop pushes to and pops
                yield self.edit(f"return:{short}→not {name}", "return:name", stmt.value,
                                ast.UnaryOp(ast.Not(), ast.Name(name, ast.Load())), [f"not {name}"],
                                prior=self.p("return:name") * decay * filled)
        if not (isinstance(stmt.value, ast.Constant) and stmt.value.value is None) and any(
                r.value is None or (isinstance(r.value, ast.Constant) and r.value.value is None)
                for r in scope.returns):
            yield self.edit(f"return:{short}→None", "return:none", stmt.value, ast.Constant(None), ["None"])

    def lines_edit(self, op: str, family: str, stmt: ast.stmt, at: tuple[int, int], text: str,
                   prior: float, size: int) -> Edit:
        return Edit(op, family, prior, ((at[0], at[1], text),), stmt, None, size, lines=True)

    def defaults(self, fn: ast.AST) -> list[str]:
        """What a guard may return: literals the function already returns (never one of the hints' values), or
        nothing at all in a function that returns no value."""
        values = [r.value for r in self.scope(fn).returns if r.value is not None]
        if not values:
            return [""]
        found = Counter(self.text.seg(v) for v in values
                        if _is_default(v) and literal_key(literal(v)) not in self.clue_literals)
        return [v for v, _ in found.most_common(2)]

    def returned_names(self, stmt: ast.stmt, fn: ast.AST) -> list[str]:
        """Names the function returns elsewhere (`return default`) that hold a value at `stmt`."""
        visible = set(self.visible(stmt, fn))
        names = [r.value.id for r in self.scope(fn).returns if isinstance(r.value, ast.Name)]
        return [name for name in dict.fromkeys(names) if name in visible]

    def neutral(self, fn: ast.AST) -> str:
        """The empty result of a function that returns only computed values: as many Nones as the tuples it
        returns have items, 0.0 for a division, 0 for other arithmetic, else None."""
        values = [r.value for r in self.scope(fn).returns if r.value is not None]
        shapes = {len(v.elts) if isinstance(v, ast.Tuple) else 0 for v in values}
        if len(shapes) == 1 and (width := shapes.pop()) > 1:  # `return media_type, charset` → `return None, None`
            return ", ".join(["None"] * width)
        nodes = [n for v in values for n in ast.walk(v)]
        if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) for n in nodes):
            return "0.0"
        if any(isinstance(n, ast.BinOp) and not _stringy(n.left) or isinstance(n, ast.Call) and
               isinstance(n.func, ast.Name) and n.func.id in ARITHMETIC for n in nodes):
            return "0"
        return "None"

    def guards(self, stmt: ast.stmt, fn: ast.AST) -> Iterator[Edit]:
        """`if x is None: return <default>` (or `continue` in a loop) before a statement that uses x."""
        if isinstance(stmt, (*FUNCTIONS, ast.Break, ast.Continue)):
            return
        exits = [("return" + (f" {d}" if d else ""), 1.0) for d in self.defaults(fn)]
        exits += [(f"return {name}", self.p("guard:name")) for name in self.returned_names(stmt, fn)]
        if not exits and CRASH.search(self.clues.text) and not any(
                r.value is not None and _is_default(r.value) for r in self.scope(fn).returns):
            exits.append((f"return {self.neutral(fn)}", self.p("guard:neutral")))  # a crash, and no default to reuse
        if self.in_loop(stmt, fn):
            exits.append(("continue", self.p("guard:continue")))
        conditions: list[tuple[str, str, float]] = []  # (family, condition, factor)
        visible = set(self.visible(stmt, fn))
        for node in sorted(header_nodes(stmt), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in visible:
                if not self.called(node) and node.id not in ("self", "cls"):
                    conditions += [("guard:none", f"{node.id} is None", 1.0), ("guard:falsy", f"not {node.id}", 1.0)]
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _receiver(node.value):
                key, container = node.slice, self.text.seg(node.value)
                if isinstance(literal(key), str) or isinstance(key, ast.Name):
                    factor = 1.5 if literal(key) in self.clues.strings else 1.0
                    conditions.append(("guard:key", f"{self.text.seg(key)} not in {container}", factor))
                if (isinstance(literal(key), int) and literal(key) >= 0) or isinstance(key, ast.Name):
                    conditions.append(("guard:index", f"{self.text.seg(key)} >= len({container})", 1.0))
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in visible:
                for kind, attr in self.clues.missing_attributes():  # "'str' object has no attribute 'get'"
                    if attr == node.attr and kind != "NoneType":
                        owner = ATTR_OWNERS.get(attr)
                        test = f"isinstance({node.value.id}, {owner})" if owner else f"hasattr({node.value.id}, {attr!r})"
                        conditions.append(("guard:type", f"not {test}", 1.0))
        first = self.text.first_line(stmt)
        indent, nl = self.text.indent(first), self.text.newline
        step = self.indent_step()
        at = self.text.starts[first - 1]
        for family, condition, factor in list(dict.fromkeys(conditions))[:8]:
            for exit_, exit_factor in exits:
                text = f"{indent}if {condition}:{nl}{indent}{step}{exit_}{nl}"
                yield self.lines_edit(f"{family}({condition}→{exit_})", family, stmt, (at, at), text,
                                      self.p(family) * factor * exit_factor, 3)

    def indent_step(self) -> str:
        """The file's indentation unit, as its first indented block shows it."""
        if self.step is None:
            self.step = "    "
            for node in ast.walk(self.tree):
                body = getattr(node, "body", None)
                if isinstance(node, ast.stmt) and isinstance(body, list) and body and body[0].lineno > node.lineno:
                    outer, inner = self.text.indent(node.lineno), self.text.indent(body[0].lineno)
                    if inner.startswith(outer) and len(inner) > len(outer):
                        self.step = inner[len(outer):]
                        break
        return self.step

    def delete(self, stmt: ast.stmt, fn: ast.AST) -> Iterator[Edit]:
        """Delete an assignment or call statement, unless it is the block's only one, updates a loop counter, or
        sets what the next condition tests (the anti-patterns of Tan et al.)."""
        if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)):
            return
        parent, field, index = self.parents[stmt]
        body = getattr(parent, field)
        real = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(real) < 2 or index is None:
            return
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
        written = {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}
        for a in self.ancestors(stmt):
            if a is fn:
                break
            if isinstance(a, ast.While) and written & names_read(a.test):
                return
        following = body[index + 1] if index + 1 < len(body) else None
        if isinstance(following, (ast.If, ast.While)) and written & names_read(following.test):
            return
        at = (self.text.starts[self.text.first_line(stmt) - 1], self.text.next_line(stmt.end_lineno))
        doubled = DOUBLED if self.done_by_call(stmt, body) else 1.0
        yield self.lines_edit("delete-stmt", "delete-stmt", stmt, at, "", self.p("delete-stmt") * doubled, 2)

    def done_by_call(self, stmt: ast.stmt, body: list[ast.stmt]) -> bool:
        """`acc.balance -= amount` next to `self.withdraw(...)`, whose body already does `.balance -= ...`: the
        update applied twice."""
        if not isinstance(stmt, ast.AugAssign) or not isinstance(stmt.target, ast.Attribute):
            return False
        cls = next((a for a in self.ancestors(stmt) if isinstance(a, ast.ClassDef)), None)
        methods = {m.name: m for m in cls.body if isinstance(m, FUNCTIONS)} if cls else {}
        for other in body:
            call = other.value if isinstance(other, ast.Expr) else None
            if other is stmt or not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and
                                     _receiver(call.func.value) == "self" and call.func.attr in methods):
                continue
            if any(isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Attribute) and
                   n.target.attr == stmt.target.attr and type(n.op) is type(stmt.op)
                   for n in ast.walk(methods[call.func.attr])):
                return True
        return False

    def return_add(self, stmt: ast.stmt, fn: ast.AST) -> Iterator[Edit]:
        """`return x` after the last statement of a function that computes x and never returns a value."""
        if stmt is not fn.body[-1] or any(r.value is not None for r in self.scope(fn).returns):
            return
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else getattr(
            stmt, "target", None)
        if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)) or not isinstance(target, ast.Name):
            return
        at = self.text.line_end(stmt.end_lineno)  # before the newline: the edit stays inside the function's lines
        text = f"{self.text.newline}{self.text.indent(stmt.lineno)}return {target.id}"
        yield self.lines_edit(f"return:add({target.id})", "return:add", stmt, (at, at), text,
                              self.p("return:add"), 2)
