"""Judging starts from a clean slate: what a model did on its bench (a write through `http_request` that changed a
service's state, the file that write left in the worktree) cannot carry into the run that decides the verdict, and
a sandbox's write never reaches the shared baseline of a service that may keep state. Claude is played by the local
Messages API stand-in; the greenloop CLI and the services run as real processes."""

from __future__ import annotations

import json
from pathlib import Path

from messages_standin import MessagesStandIn, message, text, tool_use
from support import assert_nothing_left, commit_all, make_repo, run_cli

KEY = "sk-ant-test-0123456789abcdef"
EDITOR = "str_replace_based_edit_tool"

SERVICE = '''"""{name}: {doc}"""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STATE = Path(".state/enabled")  # in the worktree, git-ignored


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.answer({{"ok": True, "enabled": STATE.exists()}})

    def do_POST(self):
        {post}
        self.answer({{"ok": True}})

    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
'''

FLAGS = SERVICE.format(name="flags", doc="a feature flag that should be on by default",
                       post='STATE.parent.mkdir(exist_ok=True)\n        STATE.touch()')
AUDIT = SERVICE.format(name="audit", doc="records events", post="pass")

CONFIG = '''[test]
command = "python -m pytest -q tests"

[[services]]
name = "flags"
command = "python flags/app.py"
health = "/healthz"
paths = ["flags/"]
url_env = "FLAGS_URL"

[[services]]
name = "audit"
command = "python audit/app.py"
health = "/healthz"
paths = ["audit/"]
url_env = "AUDIT_URL"
'''

TEST = '''import json
import os
import urllib.request


def get(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def test_the_flag_is_on_by_default():
    assert get(os.environ["FLAGS_URL"] + "/status")["enabled"]
'''


def flags_repo(tmp_path: Path, test: str = TEST) -> Path:
    return make_repo(tmp_path / "flags", {"greenloop.toml": CONFIG, "pytest.ini": "[pytest]\n",
                                          ".gitignore": ".state/\n", "flags/app.py": FLAGS, "audit/app.py": AUDIT,
                                          "tests/test_flags.py": test})


def test_state_and_files_a_model_left_on_its_bench_never_reach_the_judged_run(tmp_path):
    repo = flags_repo(tmp_path)
    script = [  # one step: touch flags (so it is forked), switch the flag on by hand, see the test pass, propose
        message(tool_use(EDITOR, {"command": "str_replace", "path": "flags/app.py", "old_str": '"""flags: ',
                                  "new_str": '"""flags (checked): '})),
        lambda body: message(tool_use("http_request", {"service": "flags", "method": "POST", "path": "/enable"})),
        lambda body: message(tool_use("http_request", {"service": "audit", "method": "POST", "path": "/events"})),
        lambda body: message(tool_use("run_tests", {})),
        lambda body: message(text("The flag is on now and the test passes.")),
    ]
    with MessagesStandIn(script) as api:
        result = run_cli("run", repo, "--ticket-text", "the flag is off", "--model", "anthropic:claude-sonnet-5-5",
                         "--max-steps", "1", "--json", env={"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": api.url})
        bodies = [r["body"] for r in api.requests]

    assert result.code == 1, result.stderr
    assert result.json["verdict"] == "not_fixed"
    replies = ["\n".join(str(b["content"]) for b in body["messages"][-1]["content"]
                         if isinstance(b, dict) and b.get("type") == "tool_result") for body in bodies[1:]]
    assert "200" in replies[1]  # the write reached the lane's fork of flags, which left .state/enabled behind
    assert "403" in replies[2] and "would reach the shared baseline of 'audit'" in replies[2]
    assert "1 passed" in replies[3]  # on the bench, the state it made turned the test green
    attempt = json.loads(Path(result.json["evidence"]).read_text())["attempts"][0]
    assert attempt["failing"] == ["tests/test_flags.py::test_the_flag_is_on_by_default"]  # judged afresh: still off
    assert_nothing_left(repo)


def test_a_write_at_base_to_a_service_that_may_keep_state_is_a_config_error_naming_it(tmp_path):
    writes = TEST + '''

def test_events_are_recorded():
    request = urllib.request.Request(os.environ["AUDIT_URL"] + "/events", data=b"{}", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
'''
    repo = flags_repo(tmp_path, writes)
    patches = tmp_path / "patches"
    patches.mkdir()
    (patches / "01.diff").write_text('--- a/flags/app.py\n+++ b/flags/app.py\n@@ -1 +1 @@\n-"""flags: a feature flag '
                                     'that should be on by default"""\n+"""flags: a feature flag"""\n')
    model = f"scripted:{patches}"

    result = run_cli("run", repo, "--ticket-text", "the flag is off", "--model", model, "--json")

    assert result.code == 2, result.stderr
    assert "writes that would reach the shared baseline of audit" in result.stderr
    assert "POST /events" in result.stderr and "stateful = true" in result.stderr
    assert_nothing_left(repo)

    (repo / "greenloop.toml").write_text(CONFIG.replace('name = "audit"\n', 'name = "audit"\nstateful = false\n'))
    commit_all(repo, "audit keeps no state")
    declared = run_cli("run", repo, "--ticket-text", "the flag is off", "--model", model, "--json")
    assert declared.code == 1 and declared.json["verdict"] == "not_fixed", declared.stderr
