"""The agent's file tools in a real git worktree: what the model sees from each call, and what it may not touch."""

from __future__ import annotations

import os

import pytest

from greenloop.adapters.models.editor import EDITOR, SEARCH, WorkspaceTools
from support import git, make_repo

PROTECTED = ["tests/**", "**/conftest.py", "pyproject.toml"]
FILES = {
    "calc.py": "def add(a, b):\n    return a - b\n",
    "src/util.py": "def twice(x):\n    return x + x\n\n\ndef thrice(x):\n    return x + x + x\n",
    "src/deep/more/far.py": "FAR = 1\n",
    "tests/test_x.py": "def test_add():\n    assert add(1, 2) == 3\n",
    "tests/conftest.py": "",
    "tests/repro/test_x.py": "def test_old():\n    pass\n",
    "pyproject.toml": "[project]\nname = 'x'\n",
    ".hidden/secret.txt": "hidden\n",
    ".gitignore": "build/\n",
}


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", FILES)


@pytest.fixture
def tools(repo):
    # as while writing a reproduction: new test files may be added under tests/repro/
    return WorkspaceTools(repo, git(repo, "rev-parse", "HEAD").strip(), PROTECTED, repro_dir="tests/repro/")


def edit(tools: WorkspaceTools, command: str, **tool_input) -> tuple[str, bool]:
    return tools.editor({"command": command, **tool_input})


def test_the_tool_definitions_are_what_the_api_expects():
    assert EDITOR == {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"}
    assert SEARCH["name"] == "search"
    assert set(SEARCH["input_schema"]["properties"]) == {"pattern", "glob", "path"}
    assert "anyOf" not in SEARCH["input_schema"]  # the API refuses a top-level anyOf


def test_view_numbers_a_file_like_cat_n(tools):
    assert edit(tools, "view", path="calc.py") == ("     1\tdef add(a, b):\n     2\t    return a - b", False)


def test_view_range_shows_part_of_a_file(tools):
    assert edit(tools, "view", path="src/util.py", view_range=[5, -1]) == (
        "     5\tdef thrice(x):\n     6\t    return x + x + x", False)
    assert edit(tools, "view", path="src/util.py", view_range=[2, 2]) == ("     2\t    return x + x", False)
    assert edit(tools, "view", path="src/util.py", view_range=[9, 12]) == (
        "invalid view_range [9, 12]: src/util.py has 6 lines", True)
    assert edit(tools, "view", path="src/util.py", view_range="2-3") == (
        "view_range must be [start, end], 1-based (end -1 = to the end of the file)", True)


def test_view_of_a_folder_lists_two_levels_without_hidden_entries(tools):
    text, error = edit(tools, "view", path=".")
    assert not error
    assert text.splitlines() == [
        "Files and directories up to 2 levels deep in ., hidden items excluded:",
        "calc.py", "pyproject.toml", "src/", "src/deep/", "src/util.py", "tests/", "tests/conftest.py",
        "tests/repro/", "tests/test_x.py"]
    assert edit(tools, "view", path="src")[0].splitlines()[1:] == ["deep/", "deep/more/", "util.py"]


def test_str_replace_of_a_unique_string_edits_the_file_and_shows_it(tools, repo):
    text, error = edit(tools, "str_replace", path="calc.py", old_str="a - b", new_str="a + b")
    assert (text, error) == ("Edited calc.py:\n     1\tdef add(a, b):\n     2\t    return a + b", False)
    assert (repo / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
    assert tools.edited == {"calc.py"}


def test_str_replace_without_a_match_changes_nothing(tools, repo):
    text, error = edit(tools, "str_replace", path="calc.py", old_str="a * b", new_str="a + b")
    assert error and text.startswith("no match for old_str in calc.py")
    assert (repo / "calc.py").read_text() == FILES["calc.py"]
    assert tools.edited == set()


def test_str_replace_with_two_matches_asks_for_a_unique_string(tools, repo):
    text, error = edit(tools, "str_replace", path="src/util.py", old_str="return x + x", new_str="return 2 * x")
    assert error
    assert text.startswith("2 matches for old_str in src/util.py (lines 2, 6), make old_str unique")
    assert (repo / "src/util.py").read_text() == FILES["src/util.py"]


def test_create_makes_folders_and_insert_adds_lines_after_the_given_one(tools, repo):
    created = edit(tools, "create", path="pkg/new.py", file_text="a = 1\nc = 3\n")
    assert created == ("Created pkg/new.py (2 lines)", False)
    assert edit(tools, "insert", path="pkg/new.py", insert_line=1, new_str="b = 2") == (
        "Inserted after line 1 of pkg/new.py:\n     1\ta = 1\n     2\tb = 2\n     3\tc = 3", False)
    assert edit(tools, "insert", path="pkg/new.py", insert_line=0, new_str="# top\n") == (
        "Inserted after line 0 of pkg/new.py:\n     1\t# top\n     2\ta = 1\n     3\tb = 2\n     4\tc = 3", False)
    assert (repo / "pkg/new.py").read_text() == "# top\na = 1\nb = 2\nc = 3\n"
    assert edit(tools, "insert", path="pkg/new.py", insert_line=5, new_str="x") == (
        "insert_line 5 is out of range: pkg/new.py has 4 lines (0 = at the top)", True)
    assert edit(tools, "create", path="pkg/new.py", file_text="") == ("Overwrote pkg/new.py (0 lines)", False)
    assert tools.edited == {"pkg/new.py"}


def test_insert_at_the_end_of_a_file_without_a_final_newline(tools, repo):
    edit(tools, "create", path="tail.txt", file_text="one\ntwo")
    assert edit(tools, "insert", path="tail.txt", insert_line=2, new_str="three") == (
        "Inserted after line 2 of tail.txt:\n     1\tone\n     2\ttwo\n     3\tthree", False)
    assert (repo / "tail.txt").read_text() == "one\ntwo\nthree\n"


def test_bad_calls_are_error_results_never_exceptions(tools):
    assert edit(tools, "undo_edit", path="calc.py") == (
        "unknown command 'undo_edit': use view, str_replace, create or insert", True)
    assert edit(tools, "str_replace", path="calc.py", new_str="x") == ("missing input: old_str", True)
    assert edit(tools, "insert", path="calc.py", insert_line="1", new_str="x") == ("insert_line must be int", True)
    assert edit(tools, "view", path="nowhere.py") == ("no such file: nowhere.py", True)
    assert tools.editor({}) == ("unknown command None: use view, str_replace, create or insert", True)
    text, error = edit(tools, "create", path="calc.py/inner.py", file_text="")
    assert error and text.startswith("FileExistsError: [Errno 17] File exists:")
    assert edit(tools, "view", path="nul\0byte")[0] == "ValueError: embedded null byte"
    assert tools.search({"glob": "*.py", "path": "nul\0byte"}) == ("ValueError: embedded null byte", True)
    (tools.root / "latin1.py").write_bytes(b"caf\xe9\n")
    assert edit(tools, "view", path="latin1.py") == ("latin1.py is not a UTF-8 text file", True)
    assert edit(tools, "view", path="src/util.py", view_range=[0, 2]) == (
        "invalid view_range [0, 2]: src/util.py has 6 lines", True)


@pytest.mark.parametrize("path, reason", [
    ("../../etc/passwd", "refused: ../../etc/passwd leads outside the repository"),
    ("/etc/passwd", "refused: /etc/passwd: use a path relative to the repository root"),
    (".git/config", "refused: .git/config: .git is off limits"),
    ("src/../.git/HEAD", "refused: src/../.git/HEAD: .git is off limits"),
])
def test_paths_outside_the_worktree_or_in_git_are_refused_for_reading_and_writing(tools, path, reason):
    assert edit(tools, "view", path=path) == (reason, True)
    assert edit(tools, "create", path=path, file_text="x") == (reason, True)
    assert tools.edited == set()


def test_a_symlink_out_of_the_repository_is_refused(tools, repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret\n")
    os.symlink(outside, repo / "door")
    os.symlink(outside / "secret.txt", repo / "leak.txt")
    for path in ("door/secret.txt", "leak.txt"):
        assert edit(tools, "view", path=path) == (f"refused: {path} leads outside the repository", True)
    assert edit(tools, "str_replace", path="leak.txt", old_str="secret", new_str="x") == (
        "refused: leak.txt leads outside the repository", True)
    assert edit(tools, "create", path="door/new.txt", file_text="x") == (
        "refused: door/new.txt leads outside the repository", True)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "secret\n"
    assert "door/" in edit(tools, "view", path=".")[0].splitlines()  # listed, never entered
    assert tools.search({"pattern": "secret"}) == ("no matches", False)


def refusal(rel: str) -> tuple[str, bool]:
    return (f"refused: {rel}: protected path: tests and test config are read-only (a new test file may be created "
            "under tests/repro/ as test_*.py or *_test.py)", True)


def test_tests_and_test_config_are_read_only(tools, repo):
    assert edit(tools, "view", path="tests/test_x.py") == (
        "     1\tdef test_add():\n     2\t    assert add(1, 2) == 3", False)
    assert edit(tools, "str_replace", path="tests/test_x.py", old_str="3", new_str="4") == refusal("tests/test_x.py")
    assert edit(tools, "create", path="pyproject.toml", file_text="") == refusal("pyproject.toml")
    assert edit(tools, "create", path="tests/repro/conftest.py", file_text="") == refusal("tests/repro/conftest.py")
    assert edit(tools, "create", path="tests/repro/notes.md", file_text="") == refusal("tests/repro/notes.md")
    at_base = edit(tools, "insert", path="tests/repro/test_x.py", insert_line=0, new_str="x")
    assert at_base == refusal("tests/repro/test_x.py")
    assert edit(tools, "create", path="src/../tests/test_y.py", file_text="") == refusal("tests/test_y.py")
    assert (repo / "tests/test_x.py").read_text() == FILES["tests/test_x.py"]
    assert not (repo / "tests/repro/conftest.py").exists()
    assert tools.edited == set()


def test_a_new_test_under_the_repro_folder_may_be_created_and_edited_again(tools, repo):
    assert edit(tools, "create", path="tests/repro/test_new.py", file_text="def test_new():\n    assert False\n") == (
        "Created tests/repro/test_new.py (2 lines)", False)
    assert edit(tools, "str_replace", path="tests/repro/test_new.py", old_str="False", new_str="True") == (
        "Edited tests/repro/test_new.py:\n     1\tdef test_new():\n     2\t    assert True", False)
    assert edit(tools, "create", path="tests/repro/sub/calc_test.py", file_text="") == (
        "Created tests/repro/sub/calc_test.py (0 lines)", False)
    assert (repo / "tests/repro/test_new.py").read_text() == "def test_new():\n    assert True\n"
    assert tools.edited == {"tests/repro/test_new.py", "tests/repro/sub/calc_test.py"}


def test_search_by_regex_prints_path_line_and_text(tools, repo):
    (repo / "untracked.py").write_text("x = twice(2)\n")
    (repo / "build").mkdir()
    (repo / "build/out.py").write_text("twice\n")  # ignored by .gitignore
    (repo / "blob.bin").write_bytes(b"twice\0\xff")
    assert tools.search({"pattern": r"def t\w+ice"}) == ("src/util.py:1: def twice(x):\nsrc/util.py:5: def thrice(x):",
                                                         False)
    assert tools.search({"pattern": "twice"}) == ("src/util.py:1: def twice(x):\nuntracked.py:1: x = twice(2)", False)
    assert tools.search({"pattern": "twice", "path": "src"}) == ("src/util.py:1: def twice(x):", False)
    assert tools.search({"pattern": "nothing like this"}) == ("no matches", False)


def test_search_by_glob_lists_files(tools):
    assert tools.search({"glob": "**/*.py", "path": "src"}) == ("src/deep/more/far.py\nsrc/util.py", False)
    assert tools.search({"glob": "*.toml"}) == ("pyproject.toml", False)
    assert tools.search({"glob": "tests/**/test_*.py", "pattern": "def"}) == (
        "tests/repro/test_x.py:1: def test_old():\ntests/test_x.py:1: def test_add():", False)


def test_search_errors_are_results_the_model_can_read(tools):
    text, error = tools.search({"pattern": "(unclosed"})
    assert error and text.startswith("invalid regex '(unclosed': missing ), unterminated subpattern")
    assert tools.search({"path": "src"}) == ("give a pattern (a regular expression), a glob, or both", True)
    assert tools.search({"pattern": "x", "path": "../.."}) == ("refused: ../.. leads outside the repository", True)


def test_long_results_are_cut_with_a_note_on_how_to_ask_for_less(repo):
    (repo / "many.txt").write_text("hit\n" * 150)
    tools = WorkspaceTools(repo, "HEAD", PROTECTED, max_chars=200)
    text, error = tools.search({"pattern": "hit", "glob": "many.txt"})
    assert not error
    assert text.endswith("<output cut at 200 characters: narrow the search with path, glob or a more specific pattern>")
    assert text.splitlines()[0] == "many.txt:1: hit"
    text, _ = edit(tools, "view", path="many.txt")
    assert text.endswith("<output cut at 200 characters: use view_range to view fewer lines, or view a subfolder>")
    assert len(text.split("\n<output")[0]) <= 200

    roomy = WorkspaceTools(repo, "HEAD", PROTECTED)
    lines = roomy.search({"pattern": "hit"})[0].splitlines()
    assert lines[99] == "many.txt:100: hit"
    assert lines[100:] == ["... 50 more not shown: narrow the search with path, glob or a more specific pattern"]


def test_a_fix_may_add_no_test_file_and_no_git_ignored_file(repo):
    """Outside a reproduction, a new test file could change how every other test runs (pytest imports it), and an
    ignored file would be tested but never published."""
    (repo / ".gitignore").write_text("local_settings.py\n")
    fixing = WorkspaceTools(repo, git(repo, "rev-parse", "HEAD").strip(), PROTECTED)
    text, is_error = fixing.editor({"command": "create", "path": "tests/repro/test_new.py", "file_text": "x = 1\n"})
    assert is_error and "protected path" in text and "may be created" not in text
    text, is_error = fixing.editor({"command": "create", "path": "local_settings.py", "file_text": "DEBUG = 1\n"})
    assert is_error and "git-ignored" in text
    assert fixing.edited == set()


def test_insert_takes_the_20250728_editors_insert_text(tools, repo):
    text, is_error = tools.editor({"command": "insert", "path": "calc.py", "insert_line": 0, "insert_text": "# top\n"})
    assert not is_error, text
    assert (repo / "calc.py").read_text().startswith("# top\n")
