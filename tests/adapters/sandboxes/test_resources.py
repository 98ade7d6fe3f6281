"""Per-sandbox resources against real shell commands: outputs, deletes, crash recovery, failures and timeouts."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from greenloop.adapters.processes import adopt_orphans as adopt_orphans_into_this_process
from greenloop.adapters.sandboxes.resources import (always_forked, create_resources, delete_resources, outputs_for,
                                                   parse_outputs)
from greenloop.loop.config import ResourceConfig
from greenloop.loop.errors import ServiceStartError

COPY_DB = ('echo "copying the seed"; cp seed.db "$GREENLOOP_SANDBOX_DIR/orders.db"; '
           'echo "ORDERS_DB=$GREENLOOP_SANDBOX_DIR/orders.db"')
REMOVE_DB = 'rm "$ORDERS_DB"'


def resource(name: str, create: str, delete: str | None = None, **fields: Any) -> ResourceConfig:
    return ResourceConfig.model_validate({"name": name, "create": create, "delete": delete,
                                          "services": fields.pop("services", ["orders"]), **fields})


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    with sqlite3.connect(path / "seed.db") as db:
        db.execute("create table orders (id integer primary key, item text)")
        db.execute("insert into orders (item) values ('apple'), ('pear')")
    db.close()
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "GREENLOOP_SANDBOX": "sb-1", "GREENLOOP_ROUTING_KEY": "route-1"}


@pytest.fixture
def adopt_orphans() -> Iterator[None]:
    """Killed grandchildren are re-parented here and reaped, not left as zombies of a PID 1 that never reaps."""
    adopt_orphans_into_this_process()
    yield
    adopt_orphans_into_this_process(False)


def test_create_copies_the_seed_and_delete_removes_the_copy(tmp_path, workspace, env):
    sandbox_dir = tmp_path / "sandbox"
    outputs = create_resources([resource("orders-db", COPY_DB, REMOVE_DB)], workspace, sandbox_dir, env)

    copy = sandbox_dir / "orders.db"
    assert outputs == {"orders-db": {"ORDERS_DB": str(copy)}}  # the log line is not an output
    with sqlite3.connect(copy) as db:
        assert [row[0] for row in db.execute("select item from orders order by id")] == ["apple", "pear"]
    db.close()
    record = json.loads((sandbox_dir / "resources.json").read_text())["resources"]
    assert [(r["name"], r["state"], r["outputs"]) for r in record] == [("orders-db", "created", outputs["orders-db"])]
    assert "copying the seed" in (sandbox_dir / "resources" / "orders-db.create.log").read_text()

    assert delete_resources(sandbox_dir, env) == []
    assert not copy.exists()
    assert not (sandbox_dir / "resources.json").exists()
    assert (sandbox_dir / "resources" / "orders-db.delete.log").exists()
    assert delete_resources(sandbox_dir, env) == []  # idempotent


def test_create_and_delete_get_the_sandbox_environment_and_deletes_run_in_reverse(tmp_path, workspace, env):
    trace = tmp_path / "trace"
    report = f'echo "$0 $GREENLOOP_SANDBOX $GREENLOOP_ROUTING_KEY $GREENLOOP_SANDBOX_DIR $(pwd) $VALUE" >> {trace}'
    resources = [resource(name, f"{report.replace('$0', 'create-' + name)}; echo VALUE={name}-out",
                          report.replace("$0", "delete-" + name)) for name in ("a", "b")]
    sandbox_dir = tmp_path / "sandbox"
    create_resources(resources, workspace, sandbox_dir, env)

    # A later process knows only the folder: the sandbox's variables come from the record.
    assert delete_resources(sandbox_dir, {"PATH": os.environ["PATH"]}) == []
    common = f"sb-1 route-1 {sandbox_dir} {workspace}"
    assert trace.read_text().splitlines() == [
        f"create-a {common} ", f"create-b {common} ", f"delete-b {common} b-out", f"delete-a {common} a-out"]


def test_a_fresh_process_deletes_what_a_crashed_one_created(tmp_path, workspace, env):
    sandbox_dir = tmp_path / "sandbox"
    crash = 'kill -9 $PPID; sleep 1'  # the greenloop process dies in the middle of the second create
    program = textwrap.dedent("""
        import os, sys
        from pathlib import Path
        from greenloop.adapters.sandboxes.resources import create_resources
        from greenloop.loop.config import ResourceConfig
        resources = [ResourceConfig.model_validate(r) for r in eval(sys.argv[1])]
        create_resources(resources, Path(sys.argv[2]), Path(sys.argv[3]), os.environ)
    """)
    resources = [
        {"name": "orders-db", "create": COPY_DB, "delete": REMOVE_DB, "services": ["orders"]},
        {"name": "scratch", "create": f'mkdir "$GREENLOOP_SANDBOX_DIR/scratch"; {crash}',
         "delete": 'rmdir "$GREENLOOP_SANDBOX_DIR/scratch"', "services": ["orders"]},
    ]
    finished = subprocess.run([sys.executable, "-c", program, repr(resources), str(workspace), str(sandbox_dir)],
                              env=env, timeout=30)
    assert finished.returncode == -9
    assert (sandbox_dir / "orders.db").exists() and (sandbox_dir / "scratch").is_dir()
    states = [r["state"] for r in json.loads((sandbox_dir / "resources.json").read_text())["resources"]]
    assert states == ["created", "creating"]

    recover = "import sys; from pathlib import Path; from greenloop.adapters.sandboxes.resources import " \
              "delete_resources; print(delete_resources(Path(sys.argv[1]), {}))"
    output = subprocess.run([sys.executable, "-c", recover, str(sandbox_dir)], capture_output=True, text=True,
                            env={"PATH": os.environ["PATH"]}, timeout=30, check=True).stdout
    assert output.strip() == "[]"
    assert not (sandbox_dir / "orders.db").exists()
    assert not (sandbox_dir / "scratch").exists()
    assert not (sandbox_dir / "resources.json").exists()


def test_a_failing_create_names_the_resource_quotes_its_output_and_deletes_the_earlier_ones(
        tmp_path, workspace, env):
    env["ORDERS_API_TOKEN"] = "hunter2-very-secret"  # a secret the create was allowed to see
    failing = 'echo "starting"; echo "connecting with $ORDERS_API_TOKEN"; echo "boom: no such bucket" >&2; exit 3'
    resources = [resource("orders-db", COPY_DB, REMOVE_DB), resource("bucket", failing, "echo cleaned-bucket")]
    sandbox_dir = tmp_path / "sandbox"

    with pytest.raises(ServiceStartError) as raised:
        create_resources(resources, workspace, sandbox_dir, env)
    message = str(raised.value)
    assert "resource 'bucket'" in message and "exit code 3" in message
    assert "boom: no such bucket" in message and "starting" in message
    assert "hunter2-very-secret" not in message and "[redacted]" in message
    assert "by hand" in raised.value.fix
    assert not (sandbox_dir / "orders.db").exists()  # the earlier resource is gone
    assert (sandbox_dir / "resources" / "bucket.delete.log").read_text().strip() == "cleaned-bucket"
    assert not (sandbox_dir / "resources.json").exists()


def test_a_hanging_create_hits_its_timeout_and_leaves_no_process(tmp_path, workspace, env, adopt_orphans):
    hang = 'echo $$ > "$GREENLOOP_SANDBOX_DIR/shell.pid"; sleep 60 & echo $! > "$GREENLOOP_SANDBOX_DIR/child.pid"; wait'
    sandbox_dir = tmp_path / "sandbox"
    started = time.monotonic()
    with pytest.raises(ServiceStartError, match=r"resource 'slow': create timed out after 0.5s"):
        create_resources([resource("slow", hang, timeout=0.5)], workspace, sandbox_dir, env)
    assert time.monotonic() - started < 10
    for pid_file in ("shell.pid", "child.pid"):
        with pytest.raises(ProcessLookupError):
            os.kill(int((sandbox_dir / pid_file).read_text()), 0)
    assert not (sandbox_dir / "resources.json").exists()


def test_a_failing_delete_is_reported_not_raised_and_the_rest_still_run(tmp_path, workspace, env):
    resources = [resource("orders-db", COPY_DB, REMOVE_DB), resource("broken", "true", "echo nope; exit 7"),
                 resource("no-delete", "echo X=1")]
    sandbox_dir = tmp_path / "sandbox"
    create_resources(resources, workspace, sandbox_dir, env)

    problems = delete_resources(sandbox_dir, env)
    assert len(problems) == 1 and "'broken'" in problems[0] and "exit code 7" in problems[0]
    assert not (sandbox_dir / "orders.db").exists()
    assert delete_resources(sandbox_dir, env) == []  # handled records are gone, failed or not


def test_parse_outputs_keeps_only_env_assignments():
    text = "log line\nA=1\r\nexport B=2\n1C=3\nD=x=y\n E=4\n_F=\nA=last\n"
    assert parse_outputs(text) == {"A": "last", "D": "x=y", "_F": ""}


def test_outputs_for_merges_the_resources_a_service_uses_and_always_forked_lists_them():
    resources = [resource("db", "true", services=["orders", "billing"]),
                 resource("bucket", "true", services=["orders"]), resource("queue", "true", services=["billing"])]
    outputs = {"db": {"DB": "/db", "SHARED": "db"}, "bucket": {"BUCKET": "b", "SHARED": "bucket"}, "queue": {"Q": "q"}}
    assert outputs_for("orders", resources, outputs) == {"DB": "/db", "BUCKET": "b", "SHARED": "bucket"}
    assert outputs_for("billing", resources, outputs) == {"DB": "/db", "SHARED": "db", "Q": "q"}
    assert outputs_for("web", resources, outputs) == {}
    assert always_forked(resources) == {"orders", "billing"}
