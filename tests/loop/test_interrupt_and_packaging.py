"""Ctrl-C mid-run tears everything down; the wheel installs one name and leaves users' own packages alone."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from support import ROOT, assert_nothing_left, cli_env, make_repo


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_during_test_stops_services_and_removes_worktrees(example, signum):
    repo, ticket, patches = example("stations")
    process = subprocess.Popen([sys.executable, "-m", "greenloop.loop.cli", "run", str(repo), "--ticket", str(ticket),
                                "--model", f"scripted:{patches}"], stderr=subprocess.PIPE, text=True, env=cli_env())
    seen = []
    for line in process.stderr:  # wait until an attempt's services are up and its tests are running
        seen.append(line)
        if line.strip().startswith("deploy"):
            break
    time.sleep(0.5)
    process.send_signal(signum)
    rest = process.communicate(timeout=60)[1]
    assert process.returncode == 130, "".join(seen) + rest
    assert "interrupted" in rest
    assert_nothing_left(repo)


def test_wheel_in_a_fresh_venv_installs_only_greenloop_and_fixes_a_repo_with_its_own_graph_package(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("greenloop-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    before = set(site.iterdir())
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    added = {p.name for p in set(site.iterdir()) - before if not p.name.endswith(".dist-info") and p.name != "bin"}
    assert added == {"greenloop"}
    # greenloop's dependencies come from the test environment as a plain path (its editable greenloop is not
    # activated that way: .pth files only run in site directories), so the greenloop imported is the wheel's.
    (site / "_dependencies.pth").write_text("\n".join(p for p in sys.path if p.endswith("site-packages")))
    python = venv / "bin" / "python"
    env = {**cli_env(), "PATH": f"{venv / 'bin'}:{cli_env()['PATH']}"}
    where = subprocess.run([str(python), "-c", "import greenloop.graph; print(greenloop.graph.__file__)"],
                           env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(site))

    # A target repository with its own `graph` and `adapters` packages.
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": '[test]\ncommand = "python -m pytest -q tests"\n',
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "graph/__init__.py": "def edges(nodes):\n    return list(zip(nodes, nodes[2:]))\n",
        "adapters/__init__.py": "NAME = 'theirs'\n",
        "tests/test_graph.py": "import adapters\nfrom graph import edges\n\n"
                               "def test_edges():\n    assert edges([1, 2, 3]) == [(1, 2), (2, 3)]\n\n"
                               "def test_their_adapters():\n    assert adapters.NAME == 'theirs'\n",
    })
    patches = tmp_path / "patches"
    patches.mkdir()
    (patches / "01.diff").write_text("--- a/graph/__init__.py\n+++ b/graph/__init__.py\n@@ -1,2 +1,2 @@\n"
                                     " def edges(nodes):\n-    return list(zip(nodes, nodes[2:]))\n"
                                     "+    return list(zip(nodes, nodes[1:]))\n")
    done = subprocess.run([str(python), "-m", "greenloop.loop.cli", "run", str(repo), "--ticket-text",
                           "edges skips a node", "--model", f"scripted:{patches}", "--json"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "fixed"
    assert_nothing_left(repo)
