"""Forked sandboxes on one shared baseline, against real services (examples/chain and examples/shop)."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from pathlib import Path

import pytest

from greenloop.adapters.environment import child_env
from greenloop.adapters.sandboxes.shared import ForkProvider, reap_stale
from greenloop.adapters.workspaces.git import GitWorkspace
from greenloop.loop.config import load_config
from greenloop.loop.errors import ServiceStartError
from support import git, processes_under

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with NO_PROXY.open(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as answer:
        return answer.code, dict(answer.headers), json.loads(answer.read() or b"null")


class Run:
    """A provider as a run makes it, with one worktree per lane."""

    def __init__(self, repo: Path, run_id: str = "t1"):
        self.repo = repo
        self.base = git(repo, "rev-parse", "HEAD").strip()
        config, _ = load_config(repo)
        self.config = config
        self.run_dir = repo / ".greenloop" / "runs" / run_id
        self.run_dir.mkdir(parents=True)
        self.provider = ForkProvider(config, repo, run_id, self.run_dir, child_env(), lambda ws, s: None,
                                     lambda path, owner: GitWorkspace.create(repo, self.base, path, owner))

    def workspace(self, lane: str, *patches: Path) -> GitWorkspace:
        workspace = GitWorkspace.create(self.repo, self.base, self.run_dir / "worktrees" / lane)
        for patch in patches:
            workspace.apply(patch.read_text())
        return workspace

    def close(self) -> None:
        self.provider.close()
        for path in (self.run_dir / "worktrees").glob("*"):
            GitWorkspace(self.repo, self.base, path).destroy()


@pytest.fixture
def chain(example):
    repo, _, patches = example("chain")
    run = Run(repo)
    yield run, patches
    run.close()
    reap_stale(repo)
    assert not list((repo / ".greenloop" / "baselines").glob("*/baseline.json"))
    assert processes_under(repo) == []


def versions(url: str, key: str | None = None) -> dict[str, str]:
    headers = {"baggage": f"tenant=t1,greenloop-routing-key={key}"} if key else {}
    status, _, body = get(url + "/greet?name=ana", headers)
    assert status == 200, body
    return body["versions"]


def test_two_sandboxes_fork_the_same_service_and_each_sees_only_its_own(chain):
    run, patches = chain
    two = run.provider.create(run.workspace("lane-1", patches / "middle-v2.diff"), "lane-1")
    three = run.provider.create(run.workspace("lane-2", patches / "middle-v3.diff"), "lane-2")
    proxies = run.provider.baseline(run.base).endpoints()

    assert two.forks == ["middle"] and three.forks == ["middle"]  # front and back stay shared
    assert versions(two.endpoints()["front"]) == {"front": "front-1", "middle": "middle-2", "back": "back-1"}
    assert versions(three.endpoints()["front"])["middle"] == "middle-3"
    # the same through the shared routing proxies with the header: keyed requests route end to end
    assert versions(proxies["front"], two.id)["middle"] == "middle-2"
    assert versions(proxies["front"], three.id)["middle"] == "middle-3"
    assert versions(proxies["front"]) == {"front": "front-1", "middle": "middle-1", "back": "back-1"}
    assert versions(proxies["front"], "nobody")["middle"] == "middle-1"  # an unknown key goes to baseline

    # the fork saw its own requests only, and its logs say so
    fork_lines = [line.text for line in run.provider.logs("lane-1") if line.service == "middle"]
    assert fork_lines and all(two.id in text for text in fork_lines if "GET /shout" in text)
    assert any(f"key={two.id} -> fork:{two.id}" in line.text for line in two.logs())

    three.destroy()  # tearing one down leaves the baseline and the other serving
    assert versions(two.endpoints()["front"])["middle"] == "middle-2"
    assert versions(proxies["front"], three.id)["middle"] == "middle-1"
    assert versions(proxies["front"])["middle"] == "middle-1"


def test_update_keeps_the_key_and_restarts_only_the_changed_fork(chain):
    run, patches = chain
    workspace = run.workspace("lane-1", patches / "middle-v2.diff")
    sandbox = run.provider.create(workspace, "lane-1")
    key, ingress = sandbox.id, sandbox.endpoints()["front"]

    three = (patches / "middle-v3.diff").read_text()
    workspace.reset()  # as the loop does: the next diff applied (and setup run) before the sandbox is updated
    workspace.apply(three)
    sandbox.update(three)
    assert sandbox.id == key and versions(ingress)["middle"] == "middle-3"

    sandbox.update((patches / "back-format.diff").read_text())  # middle's files are back to base: its fork goes
    assert sandbox.forks == ["back"]
    assert versions(ingress) == {"front": "front-1", "middle": "middle-1", "back": "back-2"}


def test_a_service_that_drops_the_header_fails_readiness_naming_the_hop(chain):
    run, patches = chain
    with pytest.raises(ServiceStartError) as failure:
        run.provider.create(run.workspace("lane-1", patches / "middle-drops-baggage.diff"), "lane-1")
    assert "service 'middle' dropped the routing key" in failure.value.problem
    assert "'back' saw an unkeyed request" in failure.value.problem
    assert "baggage" in failure.value.fix and "propagation" in failure.value.fix
    assert not list((run.repo / ".greenloop" / "sandboxes").glob("*/sandbox.json"))  # nothing half made


def test_a_sandboxes_orders_never_reach_the_baselines_store(example):
    repo, _, patches = example("shop")
    run = Run(repo)
    try:
        sandbox = run.provider.create(run.workspace("lane-1"), "lane-1")  # no change: only stateful services fork
        assert sandbox.forks == ["catalog", "checkout"]  # catalog keeps stock in memory; checkout uses orders-db
        order = json.dumps({"email": "a@example.com", "items": [{"sku": "FILTER-100", "qty": 1}]}).encode()
        headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-live-abcdef123456"}
        status, _, placed = get(sandbox.endpoints()["checkout"] + "/orders", headers, order)
        assert status == 201, placed

        proxies = run.provider.baseline(run.base).endpoints()
        _, _, mine = get(sandbox.endpoints()["checkout"] + "/orders?email=a@example.com")
        _, _, baseline = get(proxies["checkout"] + "/orders?email=a@example.com")
        assert [o["id"] for o in mine["orders"]] == [placed["id"]] and baseline["orders"] == []
        assert (repo / ".greenloop" / "sandboxes" / sandbox.id / "orders.sqlite3").is_file()  # the resource's copy

        # the capture recorded the flow, with the Authorization header elided
        flows = run.provider.flows("lane-1")
        posted = [f for f in flows if f["method"] == "POST" and f["path"] == "/orders"]
        assert posted and posted[0]["status"] == 201 and posted[0]["route"] == f"fork:{sandbox.id}"
        assert posted[0]["request"]["headers"]["Authorization"] == "[elided]"
        assert any(f["service"] == "pricing" and f["route"] == "baseline" for f in flows)  # checkout's own calls
        assert "sk-live-abcdef123456" not in json.dumps(flows)
    finally:
        run.close()
    assert not (repo / ".greenloop" / "sandboxes" / "t1-lane-1").exists()  # its resource was deleted with it
    assert not list((repo / ".greenloop" / "baselines").glob("*/baseline.json"))  # nobody holds the baseline
    assert processes_under(repo) == []


def test_each_attempt_starts_from_fresh_state_and_a_dead_baseline_is_started_again(example):
    repo, _, patches = example("shop")
    run = Run(repo)
    try:
        workspace = run.workspace("lane-1")
        sandbox = run.provider.create(workspace, "lane-1")
        catalog = sandbox.endpoints()["catalog"]
        _, _, before = get(catalog + "/products/FILTER-100")
        order = json.dumps({"email": "a@example.com", "items": [{"sku": "FILTER-100", "qty": 2}]}).encode()
        assert get(sandbox.endpoints()["checkout"] + "/orders", {"Content-Type": "application/json"}, order)[0] == 201
        assert get(catalog + "/products/FILTER-100")[2]["stock"] == before["stock"] - 2

        sandbox.update((patches / "02-pricing-discounts-in-money-precision.diff").read_text())  # the next attempt

        assert get(catalog + "/products/FILTER-100")[2]["stock"] == before["stock"]  # stateful: started afresh
        _, _, orders = get(sandbox.endpoints()["checkout"] + "/orders?email=a@example.com")
        assert orders["orders"] == []  # its resource (the orders database) was created again

        # a baseline whose service died is not "alive" because its proxies still answer: the next holder restarts it
        baseline = run.provider.baseline(run.base)
        pricing = next(e for e in reversed(baseline_manifest(baseline)) if e.get("label", "").endswith("/pricing"))
        os.killpg(pricing["pid"], signal.SIGKILL)
        time.sleep(0.2)
        assert not baseline.alive()
        other = Run(repo, "t2")
        try:
            assert other.provider.baseline(run.base).services["pricing"]["port"] != baseline.services["pricing"]["port"]
        finally:
            other.close()
    finally:
        run.close()
    assert processes_under(repo) == []


def baseline_manifest(baseline) -> list[dict]:
    from greenloop.adapters.sandboxes import registry

    return [e for e in registry.manifest(baseline.folder).entries() if e["kind"] == "process"]
