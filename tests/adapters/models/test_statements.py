"""Repair families that reach past one expression (`repair/statements.py`) and the value-level families added with
them: each finds its fix from the evidence a failing run gives, with a minimal diff, and stays clear of the
anti-patterns (no test's value returned or assigned, no guard on a plain wrong value)."""

from __future__ import annotations

from greenloop.adapters.models.repair.candidates import Hints, candidates
from repair_support import changes, code, find, line_of


def test_an_except_clause_catches_the_class_the_failure_raised():
    src = code("""
        def to_int(name, value):
            try:
                return int(value)
            except TypeError:
                raise ValueError(name) from None
    """)
    hints = Hints(messages=["ValueError: invalid literal for int() with base 10: 'http'"])
    rank, fix = find(src, {line_of(src, "return int"): 1.0}, ["    except TypeError:"], ["    except ValueError:"],
                     hints)
    assert rank < 5 and fix.operator == "except:TypeError→ValueError"
    find(src, {line_of(src, "return int"): 1.0}, ["    except TypeError:"], ["    except (TypeError, ValueError):"],
         hints)


def test_a_branch_gets_the_counter_step_its_sibling_branches_end_with():
    src = code("""
        def parse(argv, flags):
            i = 0
            while i < len(argv):
                name = argv[i]
                if name.startswith("--"):
                    out[name] = argv[i + 1]
                    i += 2
                elif name in flags:
                    out[name] = True
                else:
                    rest.append(name)
                    i += 1
    """)
    suspicious = {n: 1.0 for n in range(4, 13)}
    rank, _ = find(src, suspicious, [], ["            i += 1"])
    assert rank < 40
    added = [changes(c, src)[1] for c in candidates("m.py", src, suspicious) if c.operator.startswith("stmt:copy")]
    assert ["            i += 2"] in added  # the other sibling's step is tried too
    assert all(len(lines) == 1 for lines in added)


def test_a_call_from_the_loop_body_once_more_after_the_loop():
    src = code("""
        def words(text):
            out, buf = [], []

            def flush():
                if buf:
                    out.append("".join(buf))
                    buf.clear()

            for ch in text:
                if ch.isalnum():
                    buf.append(ch)
                else:
                    flush()
            return out
    """)
    suspicious = {line_of(src, "for ch in text"): 1.0, line_of(src, "if ch.isalnum"): 1.0,
                  line_of(src, "return out"): 1.0}
    rank, fix = find(src, suspicious, [], ["    flush()"])
    assert fix.operator == "stmt:after-loop(flush())" and rank < 20
    assert fix.source.index("    flush()\n    return out") > 0


def test_a_mutable_default_becomes_none_and_a_fresh_object():
    src = code("""
        class Task:
            def __init__(self, title, tags=[], done=False):
                \"\"\"A task.\"\"\"
                self.title = title
                self.tags = tags
    """)
    rank, fix = find(src, {line_of(src, "self.tags = tags"): 1.0},
                     ["    def __init__(self, title, tags=[], done=False):"],
                     ["    def __init__(self, title, tags=None, done=False):", "        if tags is None:",
                      "            tags = []"])
    assert fix.operator == "default:mutable(tags)" and rank < 10
    assert '"""A task."""\n        if tags is None:' in fix.source  # after the docstring


def test_magnitudes_people_mix_up_even_when_the_test_shows_the_value():
    src = code("""
        STEP = 1000

        def parse_size(n, unit):
            return n * STEP ** unit
    """)
    hints = Hints(messages=["AssertionError: assert 1000 == 1024"])
    rank, _ = find(src, {line_of(src, "return n * STEP"): 1.0}, ["STEP = 1000"], ["STEP = 1024"], hints)
    assert rank < 5


def test_a_table_entry_the_failure_shows_is_transposed():
    src = code("""
        NUMERALS = [
            (1000, "M"),
            (500, "D"),
            (100, "C"),
            (50, "L"),
            (40, "LX"),
            (10, "X"),
            (9, "IX"),
            (5, "V"),
            (4, "IV"),
            (1, "I"),
            (0, ""),
            (0, ""),
        ]

        def to_roman(number):
            out = []
            for value, symbol in NUMERALS:
                count, number = divmod(number, value)
                out.append(symbol * count)
            return "".join(out)
    """)
    suspicious = {n: 1.0 for n in range(line_of(src, "def to_roman"), line_of(src, 'return "".join'))}
    hints = Hints(messages=["assert from_roman(to_roman(n)) == n\nAssertionError: assert 60 == 40\n"
                            " +  where 60 = from_roman('LX')\n +    where 'LX' = to_roman(40)"])
    rank, _ = find(src, suspicious, ['    (40, "LX"),'], ['    (40, "XL"),'], hints)
    assert rank < 25


def test_a_return_may_give_a_value_the_function_already_returns_elsewhere():
    src = code("""
        def compare(a, b):
            if a.core != b.core:
                return -1 if a.core < b.core else 1
            if not a.pre:
                return -1
            return 0
    """)
    hints = Hints(messages=["AssertionError: assert -1 == 1"])
    rank, _ = find(src, {line_of(src, "if not a.pre"): 0.8, line_of(src, "if not a.pre") + 1: 1.0},
                   ["        return -1"], ["        return 1"], hints)
    assert rank < 5
    lone = code("""
        def answer(x):
            return -1
    """)
    assert not [c for c in candidates("m.py", lone, {2: 1.0}, hints) if "return 1\n" in c.source]


def test_a_guard_from_the_type_the_failure_names_returns_what_the_function_returns():
    src = code("""
        def get_path(doc, path, default=None):
            cur = doc
            for part in path.split("."):
                cur = cur.get(part, MISSING)
                if cur is MISSING:
                    return default
            return cur
    """)
    hints = Hints(messages=["AttributeError: 'str' object has no attribute 'get'"])
    rank, _ = find(src, {line_of(src, "cur = cur.get"): 1.0}, [],
                   ["        if not isinstance(cur, dict):", "            return default"], hints)
    assert rank < 15


def test_a_guard_may_return_an_empty_result_only_for_a_crash():
    src = code("""
        def average(reviews):
            return round(sum(r.stars for r in reviews) / len(reviews), 1)
    """)
    crash = Hints(messages=["ZeroDivisionError: division by zero", "assert average([]) == 0.0"])
    rank, _ = find(src, {2: 1.0}, [], ["    if not reviews:", "        return 0.0"], crash)
    assert rank < 10
    wrong_value = Hints(messages=["AssertionError: assert 4.5 == 0.0"])
    assert not [c for c in candidates("m.py", src, {2: 1.0}, wrong_value) if c.operator.startswith("guard")]


def test_len_minus_one_as_a_factor():
    src = code("""
        def position(xs, p):
            pos = len(xs) * p / 100
            return pos
    """)
    find(src, {2: 1.0}, ["    pos = len(xs) * p / 100"], ["    pos = (len(xs) - 1) * p / 100"],
         Hints(messages=["IndexError: list index out of range"]))


def test_a_local_computed_and_never_read_is_the_likely_replacement():
    src = code("""
        def slugify(text, sep="-"):
            folded = normalize(text)
            lowered = folded.lower()
            slug = re.sub(r"[^a-z0-9]+", sep, folded).strip(sep)
            return slug
    """)
    rank, _ = find(src, {n: 1.0 for n in range(2, 6)}, ['    slug = re.sub(r"[^a-z0-9]+", sep, folded).strip(sep)'],
                   ['    slug = re.sub(r"[^a-z0-9]+", sep, lowered).strip(sep)'])
    assert rank < 10


def test_an_update_a_method_called_beside_it_already_makes_is_deleted():
    src = code("""
        class Ledger:
            def withdraw(self, account, amount):
                self.check(account, amount)
                account.balance -= amount

            def deposit(self, account, amount):
                account.balance += amount

            def transfer(self, source, target, amount):
                self.withdraw(source, amount)
                self.deposit(target, amount)
                source.balance -= amount
    """)
    suspicious = {n: 1.0 for n in range(line_of(src, "def transfer") + 1, line_of(src, "source.balance -=") + 1)}
    rank, fix = find(src, suspicious, ["        source.balance -= amount"], [])
    assert fix.operator == "delete-stmt" and rank < 10


def test_a_lambda_made_in_a_loop_binds_the_loop_variable():
    src = code("""
        def add_scaled(units, factors):
            for unit, factor in factors.items():
                units[unit] = (lambda v: v * factor, lambda v: v / factor)
    """)
    rank, fix = find(src, {3: 1.0, 2: 0.5}, ["        units[unit] = (lambda v: v * factor, lambda v: v / factor)"],
                     ["        units[unit] = (lambda v, factor=factor: v * factor, lambda v, factor=factor: v / factor)"])
    assert fix.operator == "lambda:bind" and rank < 10


def test_a_counter_read_and_never_advanced_is_advanced():
    src = code("""
        class Queue:
            def __init__(self):
                self._next_ticket = 0

            def push(self, job):
                ticket = self._next_ticket
                self._heap.append((ticket, job))
                return ticket
    """)
    rank, _ = find(src, {n: 1.0 for n in range(6, 9)}, [], ["        self._next_ticket += 1"])
    assert rank < 15


def test_split_into_two_names_splits_once():
    src = code("""
        def parse(line):
            key, value = line.split("=")
            return key.strip(), value
    """)
    rank, _ = find(src, {2: 1.0}, ['    key, value = line.split("=")'], ['    key, value = line.split("=", 1)'],
                   Hints(messages=["ValueError: too many values to unpack (expected 2)"]))
    assert rank == 0


def test_a_toggle_meant_to_clear_bits():
    src = code("""
        def revoke(mask, flag):
            return mask ^ flag
    """)
    find(src, {2: 1.0}, ["    return mask ^ flag"], ["    return mask & ~flag"])


def test_the_inner_loop_variable_for_a_name_the_inner_loop_does_not_change():
    src = code("""
        def order(ready, needed_by, pending):
            out = []
            while ready:
                target = ready.pop()
                out.append(target)
                for dependent in needed_by[target]:
                    pending[dependent] -= 1
                    if pending[dependent] == 0:
                        ready.append(target)
            return out
    """)
    suspicious = {n: 1.0 for n in range(3, 10)}
    rank, _ = find(src, suspicious, ["                ready.append(target)"],
                   ["                ready.append(dependent)"])
    assert rank < 30
