"""Secrets in greenloop's environment, in the user's HOME and in the config's `[[services]] env` reach no child
process that has no business with them, and none of the files a run (or its baseline) writes."""

from __future__ import annotations

import json
from pathlib import Path

from support import make_repo, run_cli

CANARY = "canary-7f3a9c51e2"
PASSWORD = "pw-canary-3c9e71d0a4"
"""A `[[services]] env` secret: the service it is given to may print it and send it back; nothing else keeps it."""
FIX = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"


def files_holding(secret: str, folder: Path, skip: str | None = None) -> list[Path]:
    """Every file under `folder` whose bytes hold `secret` (text, SQLite, anything), but in its subfolder `skip`."""
    return [path for path in folder.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()
            and (skip is None or path.relative_to(folder).parts[0] != skip)]


def scripted(tmp_path: Path, *diffs: str) -> Path:
    """A `scripted:` model's folder: one diff per step."""
    patches = tmp_path / "patches"
    patches.mkdir()
    for number, diff in enumerate(diffs, 1):
        (patches / f"{number:02d}.diff").write_text(diff)
    return patches


PRINTS_ENV = '''import http.server, os, sys
print("ENV", sorted(os.environ.items()), flush=True)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
'''


def test_services_setup_and_tests_never_see_secrets_nor_the_users_home(tmp_path):
    seen = tmp_path / "seen"  # outside every worktree, so what the children saw outlives them
    seen.mkdir()
    users_home = tmp_path / "users-home"  # greenloop's HOME, holding a credential file as real ones do
    (users_home / ".local").mkdir(parents=True)  # where `pip install --user` puts packages: children keep them
    (users_home / ".netrc").write_text(f"machine git.example.com login me password {CANARY}\n")
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": f'[setup]\ncommand = "env > {seen}/setup.txt; cat ~/.netrc >> {seen}/setup.txt 2>&1; '
                          f'echo home > ~/written-by-setup"\n[test]\ncommand = "python -m pytest -q tests"\n'
                          '[env]\nallow = ["SHOP_MODE"]\n'
                          '[[services]]\nname = "echo"\ncommand = "python echo.py"\nhealth = "/"\nurl_env = "ECHO_URL"\n',
        "echo.py": PRINTS_ENV,
        "calc.py": "def add(a, b):\n    return a - b\n",
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "tests/test_calc.py": f"import os\nfrom calc import add\n\ndef test_add():\n"
                              f"    open({str(seen / 'tests.txt')!r}, 'w').write(repr(sorted(os.environ.items())))\n"
                              "    assert add(2, 2) == 4\n",
    })
    patches = scripted(tmp_path, FIX)
    # DEPLOY_CANARY has no secret-looking name: only the allowlist keeps it out, not redaction
    environment = {"DEPLOY_CANARY": CANARY, "ANTHROPIC_API_KEY": f"sk-ant-{CANARY}", "GITHUB_TOKEN": CANARY,
                   "SHOP_MODE": "demo", "HOME": str(users_home)}

    result = run_cli("run", repo, "--ticket-text", "add is wrong", "--model", f"scripted:{patches}", "--json",
                     env=environment)

    assert result.code == 0, result.stderr
    assert result.json["target_written_by_model"] is False  # the repository's own test was the target
    run_dir = Path(result.json["run_dir"])
    scratch_home = run_dir / "home"
    service_log = (run_dir / "sandboxes" / "lane-1" / "echo.log").read_text()
    what_children_saw = {"service": service_log, "setup": (seen / "setup.txt").read_text(),
                         "tests": (seen / "tests.txt").read_text()}
    for child, text in what_children_saw.items():
        assert "SHOP_MODE" in text and "PATH" in text, child
        for name in environment.keys() - {"SHOP_MODE", "HOME"}:
            assert name not in text, (child, name)
        assert CANARY not in text, child  # nor the .netrc's password: `cat ~/.netrc` found none
        assert str(users_home) not in text.replace(f"PYTHONUSERBASE={users_home}/.local", "").replace(
            f"('PYTHONUSERBASE', '{users_home}/.local')", ""), child
    assert f"HOME={scratch_home}\n" in what_children_saw["setup"]
    assert f"PYTHONUSERBASE={users_home}/.local\n" in what_children_saw["setup"]
    assert f"('HOME', '{scratch_home}')" in what_children_saw["service"]
    assert f"('HOME', '{scratch_home}')" in what_children_saw["tests"]
    assert (scratch_home / "written-by-setup").is_file() and not (users_home / "written-by-setup").exists()
    assert files_holding(CANARY, run_dir) == []


def test_children_get_the_users_home_only_when_env_allow_names_it(tmp_path):
    users_home = tmp_path / "users-home"
    users_home.mkdir()
    seen = tmp_path / "home-seen"
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": '[test]\ncommand = "python -m pytest -q tests"\n[env]\nallow = ["HOME"]\n',
        "calc.py": "def add(a, b):\n    return a - b\n",
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "tests/test_calc.py": f"import os\nfrom calc import add\n\ndef test_add():\n"
                              f"    open({str(seen)!r}, 'w').write(os.environ['HOME'])\n"
                              "    assert add(2, 2) == 4\n",
    })
    patches = scripted(tmp_path, FIX)

    result = run_cli("run", repo, "--ticket-text", "add is wrong", "--model", f"scripted:{patches}", "--json",
                     env={"HOME": str(users_home)})

    assert result.code == 0, result.stderr
    assert seen.read_text() == str(users_home)
    assert not (Path(result.json["run_dir"]) / "home").exists()


def test_a_secret_in_the_ticket_is_redacted_everywhere(tmp_path):
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": '[test]\ncommand = "python -m pytest -q tests"\n',
        "calc.py": "def add(a, b):\n    return a - b\n",
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "tests/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(2, 2) == 4\n",
    })
    patches = scripted(tmp_path, FIX)

    result = run_cli("run", repo, "--ticket-text", f"add is wrong; my token is {CANARY}", "--model",
                     f"scripted:{patches}", "--json", env={"MY_API_TOKEN": CANARY})

    run_dir = Path(result.json["run_dir"])
    assert "[redacted]" in json.loads((run_dir / "evidence.json").read_text())["ticket"]["title"]
    assert files_holding(CANARY, run_dir) == []


VAULT = '''import http.server, json, os
PASSWORD = os.environ["DB_PASSWORD"]
print("vault: connecting with password", PASSWORD, flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        print("vault: served", self.path, "with", PASSWORD, flush=True)
        body = json.dumps({"password": PASSWORD}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
'''
FRONT = '''import http.server, os, urllib.request


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok"
        if self.path != "/healthz":  # asks the vault, forwarding the routing key
            asked = urllib.request.Request(os.environ["VAULT_URL"] + "/",
                                           headers={"baggage": self.headers.get("baggage", "")})
            with urllib.request.urlopen(asked) as answer:
                body = b"front got " + answer.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
'''


def two_services(password: str) -> str:
    """front calls vault; vault is given `password`, logs it and sends it back in every answer."""
    return ('[test]\ncommand = "python -m pytest -q tests"\n'
            '[[services]]\nname = "vault"\ncommand = "python vault.py"\nhealth = "/"\nurl_env = "VAULT_URL"\n'
            f'paths = ["vault.py"]\nenv = {{ DB_PASSWORD = "{password}", VAULT_MODE = "plain" }}\n'
            '[[services]]\nname = "front"\ncommand = "python front.py"\nhealth = "/healthz"\nurl_env = "FRONT_URL"\n'
            'paths = ["front.py"]\ndepends_on = ["vault"]\n')


def test_a_service_secret_reaches_no_capture_log_or_file_of_the_run_or_its_baseline(tmp_path):
    repo_path = tmp_path / "repo"
    seen = tmp_path / "captures-seen"  # the tests copy the captures there: a sandbox's capture goes with it
    seen.mkdir()
    repo = make_repo(repo_path, {
        "greenloop.toml": two_services(PASSWORD), "vault.py": VAULT, "front.py": FRONT,
        "calc.py": "def add(a, b):\n    return a - b\n",
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "tests/test_calc.py": "import glob, os, shutil, urllib.request\nfrom calc import add\n\n\n"
                              "def test_front_asks_the_vault():\n"
                              "    with urllib.request.urlopen(os.environ['FRONT_URL'] + '/') as answer:\n"
                              "        assert answer.read().startswith(b'front got ')\n"
                              f"    for path in glob.glob({str(repo_path / '.greenloop/baselines/*/captures/*')!r}):\n"
                              f"        shutil.copy(path, os.path.join({str(seen)!r}, f'{{os.getpid()}}-'"
                              " + os.path.basename(path)))\n\n\n"
                              "def test_add():\n    assert add(2, 2) == 4\n",
    })
    patches = scripted(tmp_path, FIX)
    up = run_cli("baseline", "up", repo, "--json")  # a baseline of its own: it stays up, its folder to be read
    try:
        assert up.code == 0, up.stderr
        result = run_cli("run", repo, "--ticket-text", "add is wrong", "--model", f"scripted:{patches}", "--json")
        assert result.code == 0, result.stderr
        baseline = Path(up.json["folder"])
        run_dir = Path(result.json["run_dir"])
        flows = [json.loads(line) for path in seen.iterdir() for line in path.read_text().splitlines()]
        answers = {flow["service"]: flow["response"]["body"] for flow in flows}
        assert answers["vault"] == '{"password": "[redacted]"}'  # the keyed exchange was captured, body and all
        assert answers["front"] == 'front got {"password": "[redacted]"}'
        assert "vault: connecting with password [redacted]" in (baseline / "logs" / "vault.log").read_text()
        meta = json.loads((run_dir / "run.json").read_text())
        assert meta["config"]["services"][0]["env"] == {"DB_PASSWORD": "[redacted]", "VAULT_MODE": "plain"}
        assert files_holding(PASSWORD, seen) == []
        assert files_holding(PASSWORD, run_dir) == []
        assert files_holding(PASSWORD, baseline, skip="worktree") == []  # (its checkout holds greenloop.toml)
    finally:
        run_cli("baseline", "down", repo)


WRITES_ITS_PASSWORD = '''import http.server, os
with open(os.environ["STARTS"], "a") as starts:  # outside the run folder: what each start of the service was given
    starts.write(os.environ["DB_PASSWORD"] + "\\n")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")


http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
'''
WRONG = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a * b + 1\n"


def vault_repo(path: Path, starts: Path, password: str) -> Path:
    return make_repo(path, {
        "greenloop.toml": '[test]\ncommand = "python -m pytest -q tests"\n[[services]]\nname = "vault"\n'
                          'command = "python vault.py"\nhealth = "/"\nurl_env = "VAULT_URL"\npaths = ["vault.py"]\n'
                          f'env = {{ DB_PASSWORD = "{password}", STARTS = "{starts}" }}\n',
        "vault.py": WRITES_ITS_PASSWORD,
        "calc.py": "def add(a, b):\n    return a - b\n",
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 2) == 4\n",
    })


def test_a_resumed_run_starts_its_services_with_their_real_secret_though_run_json_holds_none(tmp_path):
    starts = tmp_path / "starts.txt"
    repo = vault_repo(tmp_path / "repo", starts, PASSWORD)
    patches = scripted(tmp_path, WRONG, FIX)

    first = run_cli("run", repo, "--ticket-text", "add is wrong", "--model", f"scripted:{patches}", "--max-steps",
                    "1", "--json")
    assert first.json["verdict"] == "not_fixed", first.stderr
    run_dir = Path(first.json["run_dir"])
    assert json.loads((run_dir / "run.json").read_text())["secrets_at_base"] is True
    started_before = len(starts.read_text().splitlines())

    resumed = run_cli("resume", first.json["run_id"], "--repo", repo, "--max-steps", "2", "--json")

    assert resumed.code == 0, resumed.stderr  # the resumed run started the vault again (its baseline) ...
    given = starts.read_text().splitlines()
    assert len(given) > started_before and set(given) == {PASSWORD}  # ... with the real value, never the mask
    assert files_holding(PASSWORD, run_dir) == []  # run.json written back with the raised cap: still masked


def test_a_run_whose_service_secret_was_not_committed_cannot_resume_and_says_why(tmp_path):
    starts = tmp_path / "starts.txt"
    repo = vault_repo(tmp_path / "repo", starts, "pw-committed-000000")
    config = repo / "greenloop.toml"
    config.write_text(config.read_text().replace("pw-committed-000000", PASSWORD))  # used from the tree, uncommitted
    patches = scripted(tmp_path, WRONG, FIX)
    first = run_cli("run", repo, "--ticket-text", "add is wrong", "--model", f"scripted:{patches}", "--max-steps",
                    "1", "--json")
    assert first.json["verdict"] == "not_fixed", first.stderr
    assert set(starts.read_text().splitlines()) == {PASSWORD}
    run_dir = Path(first.json["run_dir"])
    assert json.loads((run_dir / "run.json").read_text())["secrets_at_base"] is False
    started = starts.read_text()

    resumed = run_cli("resume", first.json["run_id"], "--repo", repo, "--max-steps", "2")

    assert resumed.code == 2 and starts.read_text() == started  # refused before any service started
    assert "cannot restart its services: their secrets (vault.env.DB_PASSWORD) are kept out of run.json" in (
        resumed.stderr) and "uncommitted edits" in resumed.stderr and "commit greenloop.toml" in resumed.stderr
    assert files_holding(PASSWORD, run_dir) == [] and "pw-committed" not in (run_dir / "run.json").read_text()
