"""`greenloop demo`, the README's first command: the shop example, fixed end to end."""

from __future__ import annotations

import json
from pathlib import Path

from support import EXAMPLES, assert_nothing_left, git, run_cli


def test_shop_demo_is_fixed_by_the_offline_engine_with_one_line(tmp_path):
    """The README's first command: no key, no network, the pricing bug found from its log's traceback."""
    result = run_cli("demo", EXAMPLES / "shop", "--dir", tmp_path / "shop", "--json")

    assert result.code == 0, result.stderr
    assert result.json["verdict"] == "fixed"
    diff = git(tmp_path / "shop", "diff", "-U0", "main", result.json["branch"]).splitlines()
    changed = [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ["-RATES = Context(prec=4, rounding=ROUND_HALF_UP)",
                       "+RATES = Context(prec=5, rounding=ROUND_HALF_UP)"]
    assert_nothing_left(tmp_path / "shop")


def test_shop_demo_with_its_scripted_patches_is_fixed_with_the_pricing_log_line_as_evidence(tmp_path):
    result = run_cli("demo", EXAMPLES / "shop", "--dir", tmp_path / "shop", "--model",
                     f"scripted:{EXAMPLES / 'shop' / 'patches'}", "--json")

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
