"""`greenloop demo`, the README's first command: the shop example, fixed end to end."""

from __future__ import annotations

import json
from pathlib import Path

from support import EXAMPLES, assert_nothing_left, git, run_cli


def test_shop_demo_is_fixed_with_the_pricing_log_line_as_evidence(tmp_path):
    result = run_cli("demo", EXAMPLES / "shop", "--dir", tmp_path / "shop", "--json")

    assert result.code == 0, result.stderr
    assert result.json["verdict"] == "fixed" and result.json["steps"] == 2
    evidence = json.loads(Path(result.json["evidence"]).read_text())
    assert any("pricing | " in line and "InvalidOperation" in line for line in evidence["decisive_log_lines"])
    assert git(tmp_path / "shop", "diff", "--name-only", "main", result.json["branch"]).split() == ["pricing/app.py"]
    assert_nothing_left(tmp_path / "shop")


def test_demo_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = run_cli("demo", EXAMPLES / "shop", "--dir", tmp_path)
    assert result.code == 2 and "not an empty folder" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"
