"""What counts as a reproduction, and what a fix must keep of it: pure functions of the verdict contract."""

from __future__ import annotations

from greenloop.graph.reproduction import HOOKS, raised_by_test_code
from greenloop.graph.verdict import keeps_reproduction, reproduction_paths

REPRO = "tests/repro/test_books.py"
DIFF = (f"diff --git a/{REPRO} b/{REPRO}\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n"
        f"+++ b/{REPRO}\n@@ -0,0 +1,2 @@\n+def test_book():\n+    assert quote('book') == '107.00'\n")
FIX = "diff --git a/tax/app.py b/tax/app.py\nindex 1..2 100644\n--- a/tax/app.py\n+++ b/tax/app.py\n@@ -1 +1 @@\n-a\n+b\n"


def test_a_failure_the_test_raised_itself_shows_nothing_but_one_from_the_code_under_test_does():
    assert raised_by_test_code(f"NameError: name 'quote' is not defined\n{REPRO}:2: NameError", [REPRO])
    assert raised_by_test_code(f"ModuleNotFoundError: No module named 'taxx'\n{REPRO}:1: ModuleNotFoundError", [REPRO])
    assert not raised_by_test_code("NameError: name 'RATE' is not defined\ntax/app.py:9: NameError", [REPRO])
    assert not raised_by_test_code(f"AssertionError: assert '119.00' == '107.00'\n{REPRO}:2: AssertionError", [REPRO])


def test_a_reproduction_may_not_declare_plugins_or_hooks():
    assert HOOKS.search("+pytest_plugins = ['hack']\n")
    assert HOOKS.search("+def pytest_runtest_makereport(item, call):\n")
    assert not HOOKS.search("+def test_pytest_plugins_are_not_used():\n")


def test_a_fix_keeps_the_reproduction_exactly_or_is_refused():
    reproduction = {"id": "reproduction-1", "diff": DIFF}
    assert reproduction_paths(reproduction) == [REPRO]
    assert keeps_reproduction(FIX + DIFF.replace("1111111", "abcdef0123"), reproduction)  # blob ids may differ
    assert not keeps_reproduction(FIX, reproduction)  # dropped
    assert not keeps_reproduction(FIX + DIFF.replace("107.00", "119.00"), reproduction)  # changed
    assert keeps_reproduction(FIX, None)
