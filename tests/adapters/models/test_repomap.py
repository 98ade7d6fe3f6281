"""The repository map lists tracked files by folder with their Python symbols, and never outgrows its cap."""

from __future__ import annotations

import re

import pytest

from greenloop.adapters.models.repomap import repo_map
from support import make_repo

APP = '''"""Quotes."""

import dataclasses


@dataclasses.dataclass
class Quote(Base):
    items: list

    def total(self):
        return 0

    async def lines(self):
        return []


def discount(quote):
    return quote


@cache
def main():
    class Inner:
        pass
'''


@pytest.fixture
def shop(tmp_path):
    repo = make_repo(tmp_path / "shop", {
        "README.md": "shop\n",
        "setup.py": "x = 1\n",
        "shop/pricing/app.py": APP,
        "shop/pricing/broken.py": "def oops(:\n    pass\n",
        "shop/pricing/rates.toml": "a = 1\n",
        "shop/__init__.py": "",
    })
    (repo / "untracked.py").write_text("def hidden():\n    pass\n")
    return repo


def test_python_files_show_their_top_level_symbols_with_line_numbers(shop):
    lines = repo_map(shop).splitlines()
    assert "shop/pricing/app.py: class Quote(…) L7 [total, lines]; def discount L17; def main L22" in lines


def test_other_files_are_named_on_their_folders_line(shop):
    assert repo_map(shop).splitlines() == [
        "./: README.md, setup.py",
        "shop/: __init__.py",
        "shop/pricing/app.py: class Quote(…) L7 [total, lines]; def discount L17; def main L22",
        "shop/pricing/: broken.py, rates.toml",
    ]


def test_a_file_that_does_not_parse_is_listed_without_symbols(shop):
    text = repo_map(shop)
    assert "broken.py" in text and "oops" not in text


def test_untracked_files_are_left_out(shop):
    assert "untracked" not in repo_map(shop)


def test_a_class_without_bases_or_methods_is_shown_bare(tmp_path):
    repo = make_repo(tmp_path / "r", {"m.py": "class Plain:\n    x = 1\n"})
    assert repo_map(repo) == "m.py: class Plain L1"


def test_a_huge_file_is_listed_without_parsing(tmp_path):
    big = "def f():\n    pass\n" + "x = 1\n" * 40_000
    repo = make_repo(tmp_path / "r", {"big.py": big, "small.py": "def g():\n    pass\n"})
    assert repo_map(repo).splitlines() == ["small.py: def g L1", "./: big.py"]


@pytest.fixture
def large(tmp_path):
    files = {f"pkg/mod{i:02}.py": "".join(f"def function_{j}():\n    pass\n" for j in range(i % 7 + 1))
             for i in range(40)}
    files |= {f"pkg/deep/inner/sub{i:02}.py": "def f():\n    pass\n" for i in range(20)}
    files |= {f"docs/page{i:02}.md": "text\n" for i in range(30)}
    files["main.py"] = "def main():\n    pass\n"
    return make_repo(tmp_path / "large", files)


@pytest.mark.parametrize("cap", [0, 5, 20, 50, 100, 300, 800, 1500, 3000, 6000])
def test_the_map_never_exceeds_its_cap(large, cap):
    assert len(repo_map(large, cap)) <= cap


def test_symbols_go_before_names_and_shallow_short_files_keep_theirs(large):
    assert len(repo_map(large, 100_000)) > 4000
    text = repo_map(large, 1200)
    assert "main.py: def main L1" in text and "pkg/mod00.py: def function_0 L1" in text
    assert "pkg/mod06.py:" not in text and "pkg/deep/inner/sub00.py:" not in text
    assert all(f"mod{i:02}.py" in text for i in range(40)) and "sub19.py" in text and "page29.md" in text
    assert "more file" not in text


def test_when_names_do_not_fit_the_rest_are_counted(large):
    text = repo_map(large, 300)
    assert ": def " not in text
    counted = re.search(r"… (\d+) more files$", text)
    listed = sum(len(line.split(": ", 1)[1].split(", ")) for line in text.splitlines()[:-1])
    assert counted and listed + int(counted[1]) == 91
