"""Paths a diff touches, for the test-tamper guard."""

from __future__ import annotations

from greenloop.adapters.workspaces.diffs import touched_paths


def test_plain_rename_copy_delete_and_binary():
    diff = "\n".join([
        "diff --git a/src/app.py b/src/app.py", "--- a/src/app.py", "+++ b/src/app.py", "@@ -1,2 +1,2 @@",
        " keep", "-old", "+new",
        "diff --git a/tests/test_x.py b/src/x.py", "similarity index 100%", "rename from tests/test_x.py",
        "rename to src/x.py",
        "diff --git a/conftest.py b/conftest.py", "deleted file mode 100644", "--- a/conftest.py", "+++ /dev/null",
        "@@ -1 +0,0 @@", "-import pytest",
        "diff --git a/img.png b/img.png", "Binary files a/img.png and b/img.png differ",
        'diff --git "a/t\\303\\251st.py" "b/t\\303\\251st.py"', '--- "a/t\\303\\251st.py"', '+++ "b/t\\303\\251st.py"',
        "@@ -1 +1 @@", "-a", "+b",
    ])
    assert touched_paths(diff) == sorted(["conftest.py", "img.png", "src/app.py", "src/x.py", "tést.py",
                                          "tests/test_x.py"])


def test_removed_lines_that_look_like_headers_are_not_paths():
    diff = "--- a/notes.sql\n+++ b/notes.sql\n@@ -1,3 +1,2 @@\n-- a/comment\n--- b/tests/fake.py\n context\n"
    assert touched_paths(diff) == ["notes.sql"]


def test_diff_without_a_b_prefixes():
    assert touched_paths("--- tests/test_a.py\t2024-01-01\n+++ tests/test_a.py\n@@ -1 +1 @@\n-x\n+y\n") == [
        "tests/test_a.py"]
