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
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": '[setup]\ncommand = "env > setup-env.txt; env"\n[test]\ncommand = "python -m pytest -q tests"\n'
                          '[env]\nallow = ["SHOP_MODE"]\n'
                          '[[services]]\nname = "echo"\ncommand = "python echo.py"\nhealth = "/"\nurl_env = "ECHO_URL"\n',
        "echo.py": PRINTS_ENV,
        "calc.py": "def add(a, b):\n    return a - b\n",
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "tests/test_calc.py": "import os\nfrom calc import add\n\ndef test_add():\n    print(sorted(os.environ))\n"
                              "    assert os.environ['SHOP_MODE'] == 'demo'\n    assert add(2, 2) == 4\n",
    })
    patches = tmp_path / "patches"
    patches.mkdir()
    (patches / "01.diff").write_text("--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n"
                                     "-    return a - b\n+    return a + b\n")
    secrets = {"ANTHROPIC_API_KEY": f"sk-ant-{CANARY}", "GITHUB_TOKEN": CANARY, "MY_SERVICE_PASSWORD": CANARY,
               "SHOP_MODE": "demo"}

    result = run_cli("run", repo, "--ticket-text", f"add is wrong (token {CANARY})", "--model", f"scripted:{patches}",
                     "--json", env=secrets)

    assert result.code == 0, result.stderr
    run_dir = Path(result.json["run_dir"])
    service_log = next(run_dir.glob("sandboxes/attempt-1/echo.log")).read_text()
    assert "ENV" in service_log and "'SHOP_MODE', 'demo'" in service_log
    written = [p for p in run_dir.rglob("*") if p.is_file()]
    assert len(written) > 8
    for path in written:
        assert CANARY not in path.read_text(errors="replace"), path
        assert "ANTHROPIC_API_KEY" not in path.read_text(errors="replace"), path
    evidence = json.loads((run_dir / "evidence.json").read_text())
    assert "[redacted]" in evidence["ticket"]["title"]
