"""The CLI surface: help that teaches, a cheap start, the graph as Mermaid."""

from __future__ import annotations

import subprocess
import sys

from support import run_cli


def test_help_lists_commands_and_exit_codes():
    result = run_cli("--help")
    assert result.code == 0
    for text in ("run", "demo", "graph", "exit codes:", "130"):
        assert text in result.stdout
    run_help = run_cli("run", "--help").stdout
    for text in ("--ticket", "--ticket-text", "--target", "--max-steps", "--max-minutes", "--json", "examples:"):
        assert text in run_help


def test_help_imports_no_heavy_dependency():
    probe = ("import sys\nfrom greenloop.loop import cli\n"
             "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
             "heavy = [m for m in ('langgraph', 'anthropic', 'kubernetes', 'git', 'pydantic') if m in sys.modules]\n"
             "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_graph_prints_mermaid():
    result = run_cli("graph")
    assert result.code == 0 and "graph TD;" in result.stdout and "read_logs -.-> patch" in result.stdout


def test_usage_errors_exit_2():
    assert run_cli("run").code == 2
    assert run_cli("run", ".", "--ticket", "a", "--ticket-text", "b").code == 2
    assert run_cli().code == 2
