"""Secrets in greenloop's environment reach no child process and none of the files a run writes."""

from __future__ import annotations

import json
from pathlib import Path

from support import make_repo, run_cli

CANARY = "canary-7f3a9c51e2"

PRINTS_ENV = '''import http.server, os, sys
print("ENV", sorted(os.environ.items()), flush=True)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
'''


def test_services_setup_and_tests_never_see_secrets(tmp_path):
    seen = tmp_path / "seen"  # outside every worktree, so what the children saw outlives them
    seen.mkdir()
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": f'[setup]\ncommand = "env > {seen}/setup.txt"\n[test]\ncommand = "python -m pytest -q tests"\n'
                          '[env]\nallow = ["SHOP_MODE"]\n'
                          '[[services]]\nname = "echo"\ncommand = "python echo.py"\nhealth = "/"\nurl_env = "ECHO_URL"\n',
        "echo.py": PRINTS_ENV,
        "calc.py": "def add(a, b):\n    return a - b\n",
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "tests/test_calc.py": f"import os\nfrom calc import add\n\ndef test_add():\n"
                              f"    open({str(seen / 'tests.txt')!r}, 'w').write(repr(sorted(os.environ.items())))\n"
                              "    assert add(2, 2) == 4\n",
    })
    patches = tmp_path / "patches"
    patches.mkdir()
    (patches / "01.diff").write_text("--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n"
                                     "-    return a - b\n+    return a + b\n")
    # DEPLOY_CANARY has no secret-looking name: only the allowlist keeps it out, not redaction
    environment = {"DEPLOY_CANARY": CANARY, "ANTHROPIC_API_KEY": f"sk-ant-{CANARY}", "GITHUB_TOKEN": CANARY,
                   "SHOP_MODE": "demo"}

    result = run_cli("run", repo, "--ticket-text", "add is wrong", "--model", f"scripted:{patches}", "--json",
                     env=environment)

    assert result.code == 0, result.stderr
    run_dir = Path(result.json["run_dir"])
    service_log = (run_dir / "sandboxes" / "lane-1" / "echo.log").read_text()
    what_children_saw = {"service": service_log, "setup": (seen / "setup.txt").read_text(),
                         "tests": (seen / "tests.txt").read_text()}
    for child, text in what_children_saw.items():
        assert "SHOP_MODE" in text and "PATH" in text, child
        for name in environment.keys() - {"SHOP_MODE"}:
            assert name not in text, (child, name)
        assert CANARY not in text, child
    for path in (p for p in run_dir.rglob("*") if p.is_file()):
        assert CANARY not in path.read_text(errors="replace"), path


def test_a_secret_in_the_ticket_is_redacted_everywhere(tmp_path):
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": '[test]\ncommand = "python -m pytest -q tests"\n',
        "calc.py": "def add(a, b):\n    return a - b\n",
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "tests/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(2, 2) == 4\n",
    })
    patches = tmp_path / "patches"
    patches.mkdir()
    (patches / "01.diff").write_text("--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n"
                                     "-    return a - b\n+    return a + b\n")

    result = run_cli("run", repo, "--ticket-text", f"add is wrong; my token is {CANARY}", "--model",
                     f"scripted:{patches}", "--json", env={"MY_API_TOKEN": CANARY})

    run_dir = Path(result.json["run_dir"])
    assert "[redacted]" in json.loads((run_dir / "evidence.json").read_text())["ticket"]["title"]
    for path in (p for p in run_dir.rglob("*") if p.is_file()):
        assert CANARY not in path.read_text(errors="replace"), path
