"""`greenloop baseline …`, `greenloop sandbox …` and `run --keep`, as real processes against real services.

Most tests share one examples/chain repository and its baseline (started once, `baseline up`); each takes down
the sandboxes it made. The last one takes the baseline down and checks that nothing is left.
"""

from __future__ import annotations

import json
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from support import EXAMPLES, assert_nothing_left, cli_env, commit_all, git, processes_under, run_cli

PATCHES = EXAMPLES / "chain" / "patches"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str, baggage: str | None = None) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, headers={"baggage": baggage} if baggage else {})
    try:
        with NO_PROXY.open(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as answer:
        with answer:
            return answer.code, dict(answer.headers), json.loads(answer.read() or b"null")


def greet(url: str, baggage: str | None = None) -> dict[str, str]:
    status, _, body = get(url + "/greet?name=ana", baggage)
    assert status == 200, body
    return body["versions"]


def chain_tests(repo: Path, endpoints: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The chain's own tests, run in the repository against a sandbox's endpoints."""
    env = {**cli_env(), **{f"{name.upper()}_URL": url for name, url in endpoints.items()}}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=60)


def sandbox_up(repo: Path, patch: str, *options: str) -> dict:
    result = run_cli("sandbox", "up", repo, "--patch", PATCHES / patch, "--json", *options)
    assert result.code == 0, result.stderr
    return result.json


def down(repo: Path, *ids: str) -> None:
    for key in ids:
        result = run_cli("sandbox", "down", key, "--repo", repo)
        assert result.code == 0, result.stderr


def listed(repo: Path) -> list[str]:
    result = run_cli("sandbox", "list", "--repo", repo, "--json")
    assert result.code == 0, result.stderr
    return [record["id"] for record in result.json]


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """examples/chain in a fresh repository, with its baseline up: (repo, HEAD, the `baseline up --json` answer)."""
    repo = tmp_path_factory.mktemp("sandbox-cli") / "chain"
    shutil.copytree(EXAMPLES / "chain" / "repo", repo, ignore=shutil.ignore_patterns("__pycache__", ".greenloop"))
    git(repo, "init", "-q", "-b", "main")
    head = commit_all(repo)
    up = run_cli("baseline", "up", repo, "--json")
    assert up.code == 0, up.stderr
    yield repo, head, up.json
    run_cli("baseline", "down", repo)  # whatever a failed test left (the last test checks it did all this)


def test_baseline_up_starts_once_and_names_its_routing_proxies(chain):
    repo, head, baseline = chain
    assert baseline["commit"] == head and baseline["started"]
    assert sorted(baseline["endpoints"]) == ["back", "front", "middle"]
    assert Path(baseline["folder"], "baseline.json").is_file()
    assert greet(baseline["endpoints"]["front"]) == {"front": "front-1", "middle": "middle-1", "back": "back-1"}
    again = run_cli("baseline", "up", repo)
    assert again.code == 0, again.stderr
    assert "already running" in again.stdout and baseline["endpoints"]["front"] in again.stdout


def test_two_sandboxes_on_one_baseline_each_see_their_own_middle(chain):
    repo, _, baseline = chain
    proxies = baseline["endpoints"]
    two, three = sandbox_up(repo, "middle-v2.diff"), sandbox_up(repo, "middle-v3.diff")
    for sandbox in (two, three):
        assert sandbox["baggage"] == f"greenloop-routing-key={sandbox['routing_key']}"
        assert sorted(sandbox["forks"]) == ["middle"]  # front and back stay the baseline's
        assert sandbox["proxies"] == proxies and sandbox["expires_at"] is None
        assert sorted(sandbox["endpoints"]) == ["back", "front", "middle"]
        assert f"curl -H 'baggage: {sandbox['baggage']}' '{proxies['front']}/greet?name=probe'" == \
            sandbox["commands"]["curl"]

    for sandbox, version in ((two, "middle-2"), (three, "middle-3")):
        expected = {"front": "front-1", "middle": version, "back": "back-1"}
        assert greet(sandbox["endpoints"]["front"]) == expected  # through its ingress: no header needed
        assert greet(proxies["front"], f"tenant=t1,{sandbox['baggage']}") == expected  # the header, by hand
        status, headers, body = get(sandbox["endpoints"]["middle"] + "/shout?text=hi")
        assert status == 200 and body["versions"]["middle"] == version
        assert headers["x-greenloop-route"] == f"fork:{sandbox['id']}"
    assert greet(proxies["front"]) == {"front": "front-1", "middle": "middle-1", "back": "back-1"}  # unkeyed
    assert get(proxies["middle"] + "/shout?text=hi")[2]["versions"]["middle"] == "middle-1"

    # keyed requests went front -> middle -> back with the key at every hop, and only middle left the baseline
    logs = run_cli("sandbox", "logs", two["id"], "--repo", repo)
    assert logs.code == 0, logs.stderr
    hops = [line for line in logs.stdout.splitlines() if "(routing)" in line and "/healthz" not in line]
    assert any(f"front GET /greet key={two['id']} -> baseline" in line for line in hops), logs.stdout
    assert any(f"middle GET /shout key={two['id']} -> fork:{two['id']}" in line for line in hops), logs.stdout
    assert any(f"back GET /word key={two['id']} -> baseline" in line for line in hops), logs.stdout
    assert hops and not [line for line in hops if f"key={two['id']} " not in line]  # the proxies' hops: its own only

    middle = run_cli("sandbox", "logs", two["id"], "--repo", repo, "--service", "middle", "--since", "10m")
    assert middle.code == 0, middle.stderr
    lines = middle.stdout.splitlines()
    assert lines and all(re.match(r"\d\d:\d\d:\d\d\.\d{3} middle( \(routing\))?: ", line) for line in lines), lines
    assert any("INFO middle: GET /shout?text=hi 200" in line and f"baggage={two['baggage']}" in line
               for line in lines), middle.stdout
    assert run_cli("sandbox", "logs", two["id"], "--repo", repo, "--since", "2099-01-01T00:00:00").stdout == ""

    table = run_cli("sandbox", "list", cwd=repo)  # --repo defaults to the current folder
    assert table.code == 0, table.stderr
    assert table.stdout.split()[:5] == ["ID", "STATUS", "FORKS", "EXPIRES", "CHANGES"]
    rows = {line.split()[0]: line.split() for line in table.stdout.splitlines()[1:]}
    assert rows == {two["id"]: [two["id"], "ready", "middle", "never", "middle-v2.diff"],
                    three["id"]: [three["id"], "ready", "middle", "never", "middle-v3.diff"]}

    down(repo, two["id"])
    assert listed(repo) == [three["id"]]
    assert not Path(two["workspace"]).exists()
    assert greet(three["endpoints"]["front"])["middle"] == "middle-3"  # the other sandbox still serves,
    assert greet(proxies["front"]) == {"front": "front-1", "middle": "middle-1", "back": "back-1"}  # and the baseline
    assert greet(proxies["front"], two["baggage"])["middle"] == "middle-1"  # a gone key falls back to the baseline
    with pytest.raises(OSError):
        NO_PROXY.open(two["endpoints"]["front"] + "/greet?name=ana", timeout=3)
    down(repo, three["id"])


def test_logs_follow_prints_new_lines_until_ctrl_c(chain):
    repo, _, _ = chain
    sandbox = sandbox_up(repo, "middle-v3.diff")
    follow = subprocess.Popen([sys.executable, "-m", "greenloop.loop.cli", "sandbox", "logs", sandbox["id"],
                               "--repo", str(repo), "--service", "middle", "--follow"],
                              env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in follow.stdout], daemon=True).start()
    try:
        time.sleep(1.0)  # following now
        assert get(sandbox["endpoints"]["middle"] + "/shout?text=followed")[0] == 200
        deadline = time.monotonic() + 10
        seen = ""
        while "text=followed" not in seen and time.monotonic() < deadline:
            try:
                seen += lines.get(timeout=0.5)
            except queue.Empty:
                pass
        assert "GET /shout?text=followed 200" in seen
    finally:
        follow.send_signal(signal.SIGINT)
        code = follow.wait(10)
    assert code == 0, follow.stderr.read()
    assert "Traceback" not in follow.stderr.read()
    down(repo, sandbox["id"])


def test_changes_that_pass_alone_fail_together_and_the_group_catches_it(chain):
    repo, _, _ = chain
    back = sandbox_up(repo, "back-format.diff")
    middle = sandbox_up(repo, "middle-format.diff")
    assert sorted(back["forks"]) == ["back"] and sorted(middle["forks"]) == ["middle"]
    for sandbox in (back, middle):
        alone = chain_tests(repo, sandbox["endpoints"])
        assert alone.returncode == 0, alone.stdout
        assert "9 passed" in alone.stdout

    unknown = run_cli("sandbox", "up", repo, "--patch", PATCHES / "middle-format.diff", "--with", "sb-nope")
    assert unknown.code == 2 and "no sandbox 'sb-nope'" in unknown.stderr and back["id"] in unknown.stderr

    both = sandbox_up(repo, "middle-format.diff", "--with", back["id"])
    assert sorted(both["forks"]) == ["back", "middle"] and both["changes"] == ["middle-format.diff", back["id"]]
    together = chain_tests(repo, both["endpoints"])
    assert together.returncode == 1 and "4 failed, 5 passed" in together.stdout, together.stdout
    # neither change alone is affected by the group
    assert greet(middle["endpoints"]["front"])["middle"] == "middle-5"
    assert greet(back["endpoints"]["front"]) == {"front": "front-1", "middle": "middle-1", "back": "back-2"}
    down(repo, both["id"], middle["id"], back["id"])


def test_a_service_that_drops_the_key_is_named_and_nothing_is_left(chain):
    repo, _, baseline = chain
    result = run_cli("sandbox", "up", repo, "--patch", PATCHES / "middle-drops-baggage.diff")
    assert result.code == 3, result.stderr
    assert "service 'middle' dropped the routing key" in result.stderr
    assert "'back' saw an unkeyed request" in result.stderr and "fix: forward the incoming `baggage`" in result.stderr
    assert listed(repo) == []
    assert list((repo / ".greenloop" / "sandboxes").iterdir()) == []
    worktrees = [line for line in git(repo, "worktree", "list", "--porcelain").splitlines() if line.startswith("worktree ")]
    assert worktrees == [f"worktree {repo}", f"worktree {Path(baseline['folder']) / 'worktree'}"]
    assert not [p for p in processes_under(repo) if ".greenloop/sandboxes" in p or "ingress" in p]
    assert greet(baseline["endpoints"]["front"])["middle"] == "middle-1"  # the baseline was left alone


def test_a_sandbox_goes_when_its_ttl_ends(chain):
    repo, _, _ = chain
    sandbox = sandbox_up(repo, "middle-v3.diff", "--ttl", "2s")
    assert sandbox["expires_at"] == pytest.approx(time.time() + 2, abs=3)
    assert Path(sandbox["workspace"]).is_dir()
    deadline = time.monotonic() + 15
    while Path(sandbox["workspace"]).parent.exists() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert not Path(sandbox["workspace"]).parent.exists(), "the watchdog did not take the sandbox down"
    assert listed(repo) == []
    with pytest.raises(OSError):
        NO_PROXY.open(sandbox["endpoints"]["front"] + "/greet?name=ana", timeout=3)


def test_bad_input_is_refused_before_anything_starts(chain, tmp_path):
    repo, _, _ = chain
    ttl = run_cli("sandbox", "up", repo, "--patch", PATCHES / "middle-v3.diff", "--ttl", "5 minutes")
    assert ttl.code == 2 and "--ttl '5 minutes' is not a duration" in ttl.stderr and "90s, 30m, 2h, 1d" in ttl.stderr
    unknown = run_cli("sandbox", "down", "sb-nope", "--repo", repo)
    assert unknown.code == 2 and "no sandbox 'sb-nope'" in unknown.stderr and "known: (none)" in unknown.stderr
    assert run_cli("sandbox", "logs", "sb-nope", "--repo", repo).code == 2
    assert run_cli("sandbox", "logs", "sb-nope", "--repo", repo, "--since", "yesterday").code == 2
    assert run_cli("sandbox").code == 2

    bad = tmp_path / "bad.diff"
    bad.write_text("--- a/middle/app.py\n+++ b/middle/app.py\n@@ -1,1 +1,1 @@\n-not in the file\n+nor this\n")
    patch = run_cli("sandbox", "up", repo, "--patch", bad, "--json")
    assert patch.code == 2 and patch.json["error"].startswith("bad.diff: the diff does not apply"), patch.stderr
    assert list((repo / ".greenloop" / "sandboxes").iterdir()) == []

    (repo / "middle" / "app.py").write_text("# edited\n")  # a dirty tree: the very error `run` gives
    try:
        dirty = run_cli("sandbox", "up", repo, "--patch", PATCHES / "middle-v3.diff")
        dirty_base = run_cli("baseline", "up", repo)
        dirty_run = run_cli("run", repo, "--ticket-text", "t", "--patch", PATCHES / "middle-v3.diff")
    finally:
        git(repo, "checkout", "--", "middle/app.py")
    first = dirty_run.stderr.splitlines()[0]
    assert "uncommitted changes in 1 tracked file(s): middle/app.py" in first
    assert dirty.code == dirty_base.code == dirty_run.code == 2
    assert first in dirty.stderr and first in dirty_base.stderr

    missing = run_cli("baseline", "up", tmp_path / "nowhere")
    assert missing.code == 2 and "repository folder not found" in missing.stderr
    bare = tmp_path / "noconfig"
    bare.mkdir()
    (bare / "a.txt").write_text("a\n")
    git(bare, "init", "-q", "-b", "main")
    commit_all(bare)
    config = run_cli("baseline", "up", bare)
    assert config.code == 2 and "no greenloop config" in config.stderr

    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".greenloop", "__pycache__"))
    with (copy / "greenloop.toml").open("a") as toml:
        toml.write('\n[sandbox]\nisolation = "copy"\n')
    keep = run_cli("run", copy, "--ticket-text", "t", "--patch", PATCHES / "middle-v3.diff", "--keep")
    assert keep.code == 2 and "--keep is not supported with isolation = \"copy\"" in keep.stderr
    assert not (copy / ".greenloop" / "runs").exists()
    bad_keep = run_cli("run", repo, "--ticket-text", "t", "--patch", PATCHES / "middle-v3.diff", "--keep", "soon")
    assert bad_keep.code == 2 and "--keep 'soon' is not a duration" in bad_keep.stderr


def test_run_keep_hands_the_final_sandbox_over(example):
    repo, ticket, patches = example("shop")
    head = git(repo, "rev-parse", "HEAD").strip()
    result = run_cli("run", repo, "--ticket", ticket, "--patch", patches / "02-pricing-discounts-in-money-precision.diff",
                     "--keep", "10m", "--json")
    assert result.code == 0 and result.json["verdict"] == "fixed", result.stderr
    kept = result.json["kept_sandbox"]
    assert kept and kept["id"] == f"{result.json['run_id']}-lane-1" and kept["own_worktree"]
    assert sorted(kept["forks"]) == ["catalog", "checkout", "pricing"]  # the patch, a resource, a stateful one
    assert listed(repo) == [kept["id"]]
    assert "kept sandbox" in result.stderr

    evidence = json.loads(Path(result.json["evidence"]).read_text())
    assert evidence["kept_sandbox"]["id"] == kept["id"]
    assert evidence["kept_sandbox"]["baggage"] == f"greenloop-routing-key={kept['id']}"
    assert evidence["kept_sandbox"]["expires_at"] == pytest.approx(time.time() + 600, abs=60)
    commands = evidence["kept_sandbox"]["commands"]
    assert commands["down"] == f"greenloop sandbox down {kept['id']} --repo {repo}"
    assert commands["curl"].startswith(f"curl -H 'baggage: {kept['baggage']}' ")
    markdown = (Path(result.json["run_dir"]) / "evidence.md").read_text()
    assert "### Kept sandbox" in markdown and commands["down"] in markdown and commands["curl"] in markdown

    # it serves after the run: its ingress, the header through the routing proxy, and its tests
    assert get(kept["endpoints"]["checkout"] + "/healthz")[0] == 200
    status, headers, _ = get(kept["proxies"]["pricing"] + "/healthz", kept["baggage"])
    assert status == 200 and headers["x-greenloop-route"] == f"fork:{kept['id']}"
    rerun = subprocess.run(commands["test"] + " -p no:cacheprovider", shell=True, env=cli_env(), capture_output=True,
                           text=True, timeout=60)
    assert " passed" in rerun.stdout and "test_spring_coupon_on_espresso_machine" not in rerun.stdout, rerun.stdout

    assert Path(kept["workspace"]).is_dir()
    down(repo, kept["id"])
    assert not Path(kept["workspace"]).exists()
    assert listed(repo) == []
    assert_nothing_left(repo, head)  # the baseline the run started went with the last sandbox on it


def test_baseline_down_stops_everything(chain):
    repo, head, baseline = chain
    left = sandbox_up(repo, "middle-v2.diff", "--ttl", "1h")
    result = run_cli("baseline", "down", repo, "--json")
    assert result.code == 0, result.stderr
    assert sorted(result.json) == [f"baseline {baseline['commit'][:12]}", f"sandbox {left['id']}"]
    with pytest.raises(OSError):
        NO_PROXY.open(baseline["endpoints"]["front"] + "/greet?name=ana", timeout=3)
    assert not [p for p in _all_processes() if f"sandbox down {left['id']}" in p]  # its TTL watchdog went too
    assert_nothing_left(repo, head)
    assert "nothing to stop" in run_cli("baseline", "down", repo).stdout


def _all_processes() -> list[str]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    return found


def test_a_kept_run_that_gave_up_resumes_in_its_kept_sandbox_and_keeps_it_again(example):
    repo, ticket, patches = example("stations")
    first = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{patches}", "--max-steps", "1",
                    "--keep", "10m", "--json")
    assert first.json["verdict"] == "not_fixed" and listed(repo) == [first.json["kept_sandbox"]["id"]]

    again = run_cli("resume", first.json["run_id"], "--repo", repo, "--max-steps", "2", "--json")

    assert again.code == 0 and again.json["verdict"] == "fixed", again.stderr
    kept = again.json["kept_sandbox"]
    assert kept["id"] == first.json["kept_sandbox"]["id"] and listed(repo) == [kept["id"]]  # the same lane, kept again
    assert quotes_kingsgate(kept)  # and serving the fix
    assert run_cli("sandbox", "down", kept["id"], "--repo", repo).code == 0
    assert_nothing_left(repo)


def quotes_kingsgate(kept: dict) -> bool:
    status, _, body = get(kept["endpoints"]["trips"] + "/quote?from=KGX&to=HIL")
    return status == 200 and "fare_cents" in body
