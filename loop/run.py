"""Run assembly: a checked input becomes a run folder and a running graph; a killed run is resumed from its folder.

Once a run starts, every live resource is torn down in one `finally`, whatever happened, and the evidence is
written. The run folder holds what a resume needs: the config and model the run started with (`run.json`,
`given.diff`), the checkpoint, the manifest of every process and worktree, and the results nodes remembered. It
holds no secret: the config's service secrets are masked in run.json and read back from the base commit on resume
(`service_secrets`), and children get a scratch HOME inside it (`child_env`).
"""

from __future__ import annotations

import json
import secrets
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from greenloop.adapters.manifest import RUNS_DIR
from greenloop.loop.config import Config
from greenloop.loop.errors import GreenloopError, InfraError, Interrupted, UsageError
from greenloop.loop.files import write_atomic
from greenloop.loop.preflight import RunOptions, check, with_caps

EXIT_CODES = {"fixed": 0, "not_fixed": 1, "not_reproduced": 1, "stuck": 1, "error": 3}
Progress = Callable[[dict[str, Any]], None]

__all__ = ["RunOptions", "RunResult", "run", "resume", "gc"]


@dataclass
class RunResult:
    verdict: str
    run_id: str
    run_dir: Path
    evidence: dict[str, Any]
    error: GreenloopError | None = None

    @property
    def exit_code(self) -> int:
        return self.error.exit_code if self.error else EXIT_CODES[self.verdict]

    def as_json(self) -> dict[str, Any]:
        published = self.evidence.get("published") or {}
        return {"verdict": self.verdict, "run_id": self.run_id, "run_dir": str(self.run_dir),
                "branch": published.get("branch"), "commit": published.get("commit"),
                "steps": self.evidence["budget"]["steps"], "targets": self.evidence["targets"],
                "stop_reason": self.evidence["stop_reason"], "evidence": str(self.run_dir / "evidence.json"),
                "kept_sandbox": self.evidence.get("kept_sandbox"),
                "target_written_by_model": bool(self.evidence.get("target_written_by_model"))}


def run(options: RunOptions, progress: Progress = lambda record: None) -> RunResult:
    """Check the input, run the loop to a verdict, write the evidence; never leaves a process or worktree."""
    from greenloop.adapters.manifest import Manifest
    from greenloop.loop import service_secrets
    from greenloop.loop.redact import redact

    checked = check(options)
    if options.keep and checked.config.sandbox.isolation != "fork":
        raise UsageError("--keep is not supported with isolation = \"copy\": a full copy's services die with its run",
                         "drop --keep, or set isolation = \"fork\" in [sandbox] of greenloop.toml")
    _reap_dead_runs(checked.repo, progress)
    run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
    run_dir = checked.repo / RUNS_DIR / run_id
    try:
        run_dir.mkdir(parents=True)
    except OSError as error:
        raise UsageError(f"cannot create the run folder {run_dir}: {error}",
                         f"greenloop keeps its runs in {checked.repo / '.greenloop'}; make it a writable folder") from None
    (checked.repo / ".greenloop" / ".gitignore").write_text("*\n")  # the run folder never shows in `git status`
    if checked.given:
        (run_dir / "given.diff").write_text(checked.given[0], encoding="utf-8")
    state = {"run_id": run_id, "repo": str(checked.repo), "base_commit": checked.base_commit,
             "ticket": redact(checked.ticket.model_dump()),
             "requested_targets": options.targets or checked.ticket.named_tests,
             "budget": checked.config.budget.model_dump(), "steps": 0, "spent": {},
             "attempts": {}, "timings": [], "current": None, "verdict": None, "stop_reason": None,
             "published": None}
    config = checked.config.model_dump(mode="json")
    write_atomic(run_dir / "run.json", json.dumps({  # secrets stay home: service secrets masked (service_secrets.py)
        "repo": str(checked.repo), "base_commit": checked.base_commit, "model": checked.model_spec,
        "given_source": checked.given[1] if checked.given else None, "keep": options.keep,
        "record": str(options.record.resolve()) if options.record else None,
        "config": service_secrets.masked(config),
        "secrets_at_base": service_secrets.at_base(config, checked.repo, checked.base_commit),
        "start": state}, indent=2))  # in the same write: a run killed before its first checkpoint starts over
    manifest = Manifest(run_dir)
    manifest.claim()
    return _drive(run_dir, checked.config, state, manifest, progress)


def resume(run_id: str, repo: Path, max_steps: int | None = None, max_minutes: float | None = None,
           progress: Progress = lambda record: None) -> RunResult:
    """Continue a killed run from its last checkpoint (from its start when it was killed before the first), or
    extend one that ran out of budget; a run that already ended gives back its result, so retrying a resume (a CI
    retry step) ends the same way every time."""
    from greenloop.adapters.manifest import Manifest, check_id, reap, sweep_worktrees

    runs = repo.resolve() / RUNS_DIR
    run_dir = runs / check_id(run_id, "run", f"pass the name of a folder in {runs}, like 20261126-011752-88e93c")
    if not (run_dir / "run.json").is_file():
        known = sorted(p.name for p in (repo.resolve() / RUNS_DIR).glob("*") if (p / "run.json").is_file())
        raise UsageError(f"no run {run_id!r} in {repo.resolve() / RUNS_DIR}",
                         f"pass one of: {', '.join(known[-5:]) or '(none yet)'}; or --repo for another repository")
    manifest = Manifest(run_dir)
    manifest.claim()  # from here on no other greenloop drives or reaps this run
    try:
        if not manifest.closed():
            _report_reaped(run_id, reap(manifest, worktrees=False), progress)  # what the killed process left running
        _reap_dead_runs(repo.resolve(), progress)
        config, state, ended = _resumable(run_dir, max_steps, max_minutes, progress)
        if ended is not None:
            sweep_worktrees(manifest)  # when it was killed in its teardown, the worktrees it had not removed yet
            manifest.finish()
            return ended
    except BaseException:
        manifest.unlock()
        raise
    return _drive(run_dir, config, state, manifest, progress)


def _resumable(run_dir: Path, max_steps: int | None, max_minutes: float | None,
               progress: Progress) -> tuple[Config, dict[str, Any] | None, RunResult | None]:
    """Bring the checkpoint to where the run goes on, with the new caps: (the config it goes on with, the state it
    starts over from when it has no checkpoint — else None —, its result instead when it ended for good)."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    from greenloop.graph.budget import exhausted
    from greenloop.graph.build import build_graph
    from greenloop.graph.routes import reentry
    from greenloop.loop import service_secrets

    run_id = run_dir.name
    meta = json.loads((run_dir / "run.json").read_text())
    config = with_caps(Config.model_validate(service_secrets.restored(meta)), max_steps, max_minutes)
    meta["config"] = service_secrets.masked(config.model_dump(mode="json"))  # raised caps hold for later resumes too
    write_atomic(run_dir / "run.json", json.dumps(meta, indent=2))
    thread = {"configurable": {"thread_id": run_id}}
    with SqliteSaver.from_conn_string(str(run_dir / "checkpoint.sqlite")) as saver:
        graph = build_graph(saver)
        snapshot = graph.get_state(thread)
        values = snapshot.values
        if not values:  # killed before its first checkpoint: the same run, under the same id, from its start
            return config, {**_start_state(run_dir), "budget": config.budget.model_dump()}, None
        ended_without_fix = not snapshot.next and values.get("verdict") in ("not_fixed", "stuck")
        if not snapshot.next and not ended_without_fix:
            _note_ended(run_id, values, "", progress)
            return config, None, _ended(run_dir, meta, config, snapshot)
        # the clock counts the time the run worked up to its last checkpoint, not the time it lay dead
        last_checkpoint = datetime.fromisoformat(snapshot.created_at).timestamp()
        worked = max(0.0, last_checkpoint - values["started_at"])
        update: dict[str, Any] = {"budget": config.budget.model_dump(), "started_at": time.time() - worked}
        if not ended_without_fix:
            graph.update_state(thread, update)
            return config, None, None
        still_spent = exhausted({**values, **update})
        if still_spent or values.get("verdict") == "stuck":
            _note_ended(run_id, values, "give it more: --max-steps N (counting the steps made) or --max-minutes M"
                        if still_spent else "a stuck run needs another model or a new ticket, not more steps",
                        progress)
            return config, None, _ended(run_dir, meta, config, snapshot)
        update.update(verdict=None, stop_reason=None)
        graph.update_state(thread, update, as_node=reentry(values))  # back into the loop where it gave up
    return config, None, None


def _start_state(run_dir: Path) -> dict[str, Any]:
    """The state the run started from (in its run.json, written in one piece before anything else of the run)."""
    return json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["start"]


def _note_ended(run_id: str, values: dict[str, Any], hint: str, progress: Progress) -> None:
    why = f": {values['stop_reason']}" if values.get("stop_reason") else ""
    progress({"node": "resume", "seconds": 0.0,
              "note": f"run {run_id} already ended {values.get('verdict')}{why}; its result again" +
                      (f" ({hint})" if hint else "")})


def _ended(run_dir: Path, meta: dict[str, Any], config: Config, snapshot: Any) -> RunResult:
    """The result a run ended with: its evidence as it wrote it (what `run` printed), or, when it was killed
    after its final checkpoint but before writing it (or the evidence is an earlier ending's), built from that
    checkpoint now."""
    from greenloop.loop.evidence import build_evidence, write_evidence

    path = run_dir / "evidence.json"
    final = datetime.fromisoformat(snapshot.created_at).timestamp()
    if path.is_file() and path.stat().st_mtime >= final:
        evidence = json.loads(path.read_text(encoding="utf-8"))
    else:
        evidence = build_evidence(snapshot.values, model=_model(meta, config, run_dir).name)
        write_evidence(evidence, run_dir)
    return RunResult(verdict=evidence["verdict"], run_id=run_dir.name, run_dir=run_dir, evidence=evidence)


def gc(repo: Path) -> dict[str, list[str]]:
    """Reap every dead run of `repo` now, then every sandbox and baseline nobody wants any more: run id (or
    `sandbox <key>`, `baseline <commit>`) → what was removed."""
    from greenloop.adapters.manifest import reap_dead_runs
    from greenloop.adapters.sandboxes.shared import reap_stale

    return {**reap_dead_runs(repo.resolve()), **reap_stale(repo.resolve())}


def _drive(run_dir: Path, config: Config, state: dict[str, Any] | None, manifest: Any,
           progress: Progress) -> RunResult:
    """Stream the graph (from `state`, or from its checkpoint when None) to the end; tear down; write evidence."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    from greenloop.adapters.manifest import sweep_processes, sweep_worktrees
    from greenloop.adapters.processes import adopt_orphans
    from greenloop.graph.build import build_graph
    from greenloop.loop.evidence import build_evidence, write_evidence

    from greenloop.loop.redact import treat_as_secret

    adopt_orphans()  # services' orphaned children come back to us to be reaped, not to a PID 1 that may never
    for service in config.services:  # secrets the config gives services are masked in everything the run writes
        treat_as_secret(service.env)
    run_id = run_dir.name
    meta = json.loads((run_dir / "run.json").read_text())
    model = _model(meta, config, run_dir)
    context = _context(config, Path(meta["repo"]), run_dir, model, meta["base_commit"], manifest,
                       lambda note: progress({"node": "test", "seconds": 0.0, "note": note}))
    error: GreenloopError | None = None
    kept: dict[str, Any] | None = None
    if state is not None:
        state["started_at"] = time.time()  # the wall-time budget starts with the loop, not with imports
    with SqliteSaver.from_conn_string(str(run_dir / "checkpoint.sqlite")) as saver:
        graph = build_graph(saver)
        thread = {"configurable": {"thread_id": run_id}}
        try:
            for chunk in graph.stream(state, thread, context=context, stream_mode="updates", durability="sync"):
                for update in chunk.values():
                    for record in (update or {}).get("timings", []):
                        progress(record)
            if meta.get("keep"):  # `run --keep`: the final attempt's sandbox outlives the run
                from greenloop.loop.sandboxes import keep_final

                kept = keep_final(context, graph.get_state(thread).values, meta["keep"], manifest,
                                  lambda note: progress({"node": "keep", "seconds": 0.0, "note": note}))
        except GreenloopError as failure:
            error = failure
        except KeyboardInterrupt:
            error = Interrupted("the run was interrupted; its processes and worktrees were removed",
                                f"greenloop resume {run_id} continues it")
        except Exception as failure:  # a bug or an unexpected outside failure: still tear down, still report
            (run_dir / "error.log").write_text(traceback.format_exc())
            error = InfraError(f"unexpected {type(failure).__name__}: {failure}", f"see {run_dir / 'error.log'}")
        finally:
            with _signals_held():
                context.close()
                _report_swept(sweep_processes(manifest), progress)  # what left its group (setsid) carries the mark
                sweep_worktrees(manifest)  # worktrees a killed process made that this one did not reuse
                manifest.finish()
        final = graph.get_state(thread).values or state or {}
    if kept and error is None:
        final = {**final, "kept_sandbox": kept}
    evidence = build_evidence(final, model=model.name, error=str(error) if error else None)
    write_evidence(evidence, run_dir)
    return RunResult(verdict=evidence["verdict"], run_id=run_id, run_dir=run_dir, evidence=evidence, error=error)


def _model(meta: dict[str, Any], config: Config, run_dir: Path) -> Any:
    """The run's model, rebuilt from its folder: the same one on every resume (a Claude model finds the calls it
    already paid for in the run's journal)."""
    from greenloop.adapters.models.given import GivenChange
    from greenloop.adapters.registry import load_model

    record = Path(meta["record"]) if meta.get("record") else None
    model = load_model(meta["model"], Path("/"), config, run_dir, record) if meta["model"] else None
    if meta["given_source"]:
        return GivenChange((run_dir / "given.diff").read_text(encoding="utf-8"), meta["given_source"], model)
    return model


def _reap_dead_runs(repo: Path, progress: Progress) -> None:
    for run_id, removed in gc(repo).items():
        _report_reaped(run_id, removed, progress)


def _report_reaped(owner: str, removed: list[str], progress: Progress) -> None:
    if removed:
        what = owner if owner.startswith(("sandbox ", "baseline ")) else f"run {owner}"
        progress({"node": "reap", "seconds": 0.0, "note": f"{what} was left behind: removed {', '.join(removed)}"})


def _report_swept(removed: list[str], progress: Progress) -> None:
    if removed:
        progress({"node": "teardown", "seconds": 0.0,
                  "note": f"stopped what the run's commands left running outside their groups: {', '.join(removed)}"})


@contextmanager
def _signals_held() -> Iterator[None]:
    """Teardown must finish: a second Ctrl-C or SIGTERM during it is ignored rather than leaving services behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _context(config: Config, repo: Path, run_dir: Path, model: Any, base_commit: str, manifest: Any,
             notify: Callable[[str], None]) -> Any:
    from greenloop.adapters.environment import child_env
    from greenloop.adapters.publishers.local import LocalPublisher
    from greenloop.adapters.runners.warm import WarmTestRunner
    from greenloop.adapters.sandboxes.local import LocalSandboxProvider
    from greenloop.adapters.workspaces.git import GitWorkspace
    from greenloop.adapters.workspaces.setup import run_setup
    from greenloop.graph.state import RunContext
    from greenloop.loop import service_secrets

    service_secrets.require(config, run_dir)  # a resumed run whose service secrets could not be read back stops
    env = child_env(config.env.allow, home=run_dir / "home")  # a scratch HOME: the real one's dotfiles hold keys

    def setup(workspace: Any, seconds: float) -> None:
        run_setup(config.setup, workspace, run_dir / "setup" / f"{workspace.path.name}.log", env, seconds, manifest)

    if config.sandbox.isolation == "fork":
        from greenloop.adapters.sandboxes.shared import ForkProvider

        provider: Any = ForkProvider(config, repo, run_dir.name, run_dir, env, setup,
                                     lambda path, owner: GitWorkspace.create(repo, base_commit, path, owner), manifest)
    else:
        provider = LocalSandboxProvider(config.services, run_dir, base_env=env, manifest=manifest)
    return RunContext(
        config=config, repo=repo, run_dir=run_dir, model=model, provider=provider,
        runner=WarmTestRunner(config.test, base_env=env, manifest=manifest, notify=notify),
        publisher=LocalPublisher(),
        make_workspace=lambda name, tree: GitWorkspace.create(repo, base_commit, run_dir / "worktrees" / name,
                                                              manifest, tree),
        setup=setup,
    )
