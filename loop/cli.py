"""The `greenloop` command. Imports stay inside the handlers, so `greenloop --help` answers at once."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

EXIT_CODES_HELP = """exit codes:
  0  fixed: every target passes, nothing that passed at base fails; a branch holds the fix
  1  not fixed, or not reproduced (nothing fails at base and no test was named)
  2  usage or config error (nothing was started)
  3  infrastructure failure (a service never became healthy, setup failed, git failed)
  130 interrupted (Ctrl-C or SIGTERM); everything the run started was stopped"""

RUN_EXAMPLES = """examples:
  greenloop run . --ticket issue.md --model scripted:patches/
  greenloop run ~/src/shop --ticket-text "checkout total ignores discounts" \\
      --target tests/test_checkout.py::test_discount --max-steps 4 --json
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="greenloop",
        description="Fix a ticket in a repository by looping generate → deploy → test → read logs → patch "
                    "against the running services, until the target tests pass or the budget runs out. "
                    "The result is a branch with the fix and the evidence of why it is right.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run", help="run the loop on a repository for one ticket",
        description="Run the loop on REPO (a git repository with a greenloop.toml) for one ticket. The run tests "
                    "the last commit in isolated worktrees; your checkout is never touched.",
        epilog=RUN_EXAMPLES + "\n" + EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("repo", type=Path, metavar="REPO", help="the git repository to fix")
    ticket = run.add_mutually_exclusive_group()
    ticket.add_argument("--ticket", metavar="FILE", help="the ticket as a markdown or text file")
    ticket.add_argument("--ticket-text", metavar="TEXT", help="the ticket as one line of text")
    change = run.add_mutually_exclusive_group()
    change.add_argument("--patch", type=Path, metavar="FILE",
                        help="validate a change made elsewhere: a diff against HEAD (with --model, the loop goes "
                             "on from it when it is not green)")
    change.add_argument("--branch", metavar="B", help="validate branch B's changes against HEAD (B must contain HEAD)")
    _common_run_options(run)
    run.add_argument("--target", action="append", default=[], metavar="TEST",
                     help="a test that must pass (pytest node id); repeatable; default: the tests the ticket names, "
                          "else every test failing at base")
    run.add_argument("--keep", nargs="?", const=KEEP_DEFAULT, metavar="TTL",
                     help=f"leave the final attempt's sandbox running after the run, for TTL ({DURATIONS}; default "
                          f"{KEEP_DEFAULT}) or until `greenloop sandbox down`; the evidence says how to reach it "
                          "(needs isolation = \"fork\")")
    run.add_argument("--record", type=Path, metavar="DIR",
                     help="also keep the Claude model's exchanges in DIR, so `--model replay:DIR` reproduces the run "
                          "with no key (for evals and bug reports)")

    demo = commands.add_parser(
        "demo", help="run a bundled example end to end in a throwaway repository",
        description="Copy an example system into a fresh git repository and run the loop on it with the example's "
                    "ticket and the offline repair engine (no key, no network); --model scripted:EXAMPLE/patches "
                    "replays the example's prepared patches instead (the first wrong, the second right).",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("example", nargs="?", type=Path, default=Path("examples/shop"),
                      help="an example folder with repo/, ticket.md and patches/ (default: examples/shop)")
    demo.add_argument("--dir", type=Path, help="where to create the demo repository (default: a new temp folder)")
    _common_run_options(demo)

    evaluate = commands.add_parser(
        "eval", help="run every task of a suite through the loop and tabulate the fix rate",
        description="Run each task of SUITE (folders with repo/, ticket.md, and optionally fix.diff and meta.toml) "
                    "through the real loop in a fresh repository, and print a table: verdict, time, test runs, and "
                    "whether the published fix is the known one.",
        epilog="examples:\n  greenloop eval examples/bugs\n  greenloop eval examples/bugs --max-test-runs 50 "
               "--out results.md\n  greenloop eval examples/bugs --model replay:recordings/ --json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    evaluate.add_argument("suite", type=Path, metavar="SUITE", help="a folder of tasks, e.g. examples/bugs")
    evaluate.add_argument("--model", default="offline", metavar="M", help="the model (default: offline)")
    evaluate.add_argument("--max-test-runs", type=int, metavar="N",
                          help="test runs each task may spend, the model's and the graph's (default: the task's own "
                               "budget)")
    evaluate.add_argument("--task", action="append", default=[], metavar="NAME", help="only this task; repeatable")
    evaluate.add_argument("--out", type=Path, metavar="FILE", help="also write the table (markdown) to FILE")
    evaluate.add_argument("--json", action="store_true", help="print the results as JSON on stdout")

    resume = commands.add_parser(
        "resume", help="continue a killed run, or extend one that ran out of budget",
        description="Continue run RUN_ID from its last checkpoint (after a kill, a crash, a reboot; from its start "
                    "when it was killed before the first), or give a run that ran out of budget more steps or time. "
                    "What the run already did is reused, not redone. A run that already ended prints its result "
                    "again and exits with its code, so retrying a resume is safe.",
        epilog="examples:\n  greenloop resume 20261126-011752-88e93c\n"
               "  greenloop resume 20261126-011752-88e93c --repo ~/src/shop --max-steps 8\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    resume.add_argument("run_id", metavar="RUN_ID", help="the run's id (its folder in REPO/.greenloop/runs/)")
    resume.add_argument("--repo", type=Path, default=Path("."), help="the repository (default: the current folder)")
    resume.add_argument("--max-steps", type=int, metavar="N", help="the run's step cap, counting steps already made")
    resume.add_argument("--max-minutes", type=float, metavar="M",
                        help="the run's wall-time cap, counting the time it already worked")
    resume.add_argument("--json", action="store_true", help="print one JSON object on stdout (progress on stderr)")

    gc = commands.add_parser("gc", help="stop the processes and remove the worktrees of runs that were killed",
                             description="Reap the leftovers of dead runs of REPO (greenloop also does this "
                                         "whenever a run starts or resumes) and list what was removed.")
    gc.add_argument("repo", nargs="?", type=Path, default=Path("."), help="the repository (default: .)")
    gc.add_argument("--json", action="store_true", help="print {run id: [what was removed]} as JSON")

    commands.add_parser("graph", help="print the loop's state machine as a Mermaid diagram")
    _sandbox_parsers(commands)
    return parser


def _sandbox_parsers(commands: Any) -> None:
    """`greenloop baseline …` and `greenloop sandbox …`: the shared baseline of HEAD, and sandboxes of a patch on it
    that outlive the command (the operations the MCP server exposes)."""
    baseline = commands.add_parser(
        "baseline", help="start or stop the shared baseline of a repository's HEAD",
        description="The baseline runs every service at HEAD once, each behind a routing proxy; sandboxes fork only "
                    "the services their patch touches and share the rest.",
        epilog=SANDBOX_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = baseline.add_subparsers(dest="action", metavar="ACTION")
    up = actions.add_parser("up", help="start (or find) the baseline of HEAD; it stays up until `baseline down`")
    up.add_argument("repo", nargs="?", type=Path, default=Path("."), metavar="REPO", help="the repository (default: .)")
    up.add_argument("--json", action="store_true", help="print commit, folder and endpoints as JSON")
    down = actions.add_parser("down", help="stop every baseline of the repository and the sandboxes on them")
    down.add_argument("repo", nargs="?", type=Path, default=Path("."), metavar="REPO", help="the repository (default: .)")
    down.add_argument("--json", action="store_true", help="print what was removed as JSON")

    sandbox = commands.add_parser(
        "sandbox", help="sandboxes of a patch on the shared baseline: up, list, logs, down",
        description="A sandbox runs HEAD + a patch: forks of the services the patch touches, on the shared baseline "
                    "(started when needed). Reach it through its endpoints (no header needed), or send its "
                    "`baggage` header through the baseline's routing proxies. It stays up until `sandbox down` or "
                    "its TTL.",
        epilog=SANDBOX_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = sandbox.add_subparsers(dest="action", metavar="ACTION")
    up = actions.add_parser("up", help="start a sandbox of HEAD + a patch")
    up.add_argument("repo", nargs="?", type=Path, default=Path("."), metavar="REPO", help="the repository (default: .)")
    up.add_argument("--patch", type=Path, required=True, metavar="FILE", help="the change: a diff against HEAD")
    up.add_argument("--with", dest="group", action="append", default=[], metavar="SANDBOX_ID",
                    help="also apply that sandbox's change (repeatable): test changes that must work together")
    up.add_argument("--ttl", metavar="TTL", help=f"take it down after TTL ({DURATIONS}); default: never")
    up.add_argument("--json", action="store_true", help="print the sandbox (id, baggage, endpoints, …) as JSON")
    down = actions.add_parser("down", help="take a sandbox down: its forks, ingress, resources and worktree")
    down.add_argument("id", metavar="ID", help="the sandbox's id (`greenloop sandbox list`)")
    _repo_option(down)
    down.add_argument("--quiet", action="store_true", help="print nothing when it worked")
    down.add_argument("--json", action="store_true", help="print what was removed as JSON")
    listing = actions.add_parser("list", help="the repository's sandboxes: id, status, forks, expiry, changes")
    _repo_option(listing)
    listing.add_argument("--json", action="store_true", help="print the sandboxes' records as JSON")
    logs = actions.add_parser("logs", help="a sandbox's log lines: its forks, and the baseline's hops of its requests")
    logs.add_argument("id", metavar="ID", help="the sandbox's id")
    _repo_option(logs)
    logs.add_argument("--service", metavar="S", help="only service S's lines")
    logs.add_argument("--since", metavar="T", help="only lines since T: a duration back from now (10m) or an ISO time")
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing new lines until Ctrl-C")


def _repo_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", type=Path, default=Path("."), help="the repository (default: the current folder)")


KEEP_DEFAULT = "1h"
DURATIONS = "90s, 30m, 2h, 1d"
SANDBOX_EXAMPLES = """examples:
  greenloop baseline up ~/src/shop
  greenloop sandbox up ~/src/shop --patch fix.diff --ttl 2h
  greenloop sandbox up ~/src/shop --patch client.diff --with sb-1126140501-ab12   # two changes together
  greenloop sandbox list --repo ~/src/shop
  greenloop sandbox logs sb-1126140501-ab12 --repo ~/src/shop --service pricing --since 10m --follow
  greenloop sandbox down sb-1126140501-ab12 --repo ~/src/shop
  greenloop baseline down ~/src/shop
"""


def _common_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="M", help="the model: anthropic:<model-id> (Claude with tools; needs "
                                                     "ANTHROPIC_API_KEY), replay:DIR (a run recorded with --record), "
                                                     "scripted:DIR (DIR's diffs in name order); default: [model] "
                                                     "name in greenloop.toml")
    parser.add_argument("--max-steps", type=int, metavar="N", help="proposals the model may make")
    parser.add_argument("--max-minutes", type=float, metavar="M", help="wall time for the whole run")
    parser.add_argument("--max-test-runs", type=int, metavar="N",
                        help="test executions for the whole run, the model's and the graph's")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout (progress on stderr)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return 2
    if args.command == "graph":
        from greenloop.graph.build import mermaid

        print(mermaid())
        return 0
    if args.command == "gc":
        return _gc(args)
    if args.command == "eval":
        return _eval(args)
    if args.command in ("baseline", "sandbox"):
        return _sandbox_command(args)
    signal.signal(signal.SIGTERM, _interrupt)
    from greenloop.loop.errors import GreenloopError

    try:
        result = {"demo": _run_demo, "run": _run, "resume": _resume}[args.command](args)
    except GreenloopError as error:
        _print_error(error, args.json)
        return error.exit_code
    except KeyboardInterrupt:
        print("greenloop: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug, or an outside failure nothing expected: one message, the details in a file
        _print_error(_unexpected(error), args.json)
        return 3
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        _print_summary(result)
    if result.error:
        _print_error(result.error, as_json=False)
    return result.exit_code


def _unexpected(error: Exception) -> Any:
    import tempfile
    import traceback

    from greenloop.loop.errors import InfraError

    with tempfile.NamedTemporaryFile("w", prefix="greenloop-error-", suffix=".log", delete=False) as log:
        log.write(traceback.format_exc())
    return InfraError(f"unexpected {type(error).__name__}: {error}",
                      f"the traceback is in {log.name}; please report it with that file")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _run(args: argparse.Namespace) -> Any:
    from greenloop.loop.run import RunOptions, run

    keep = None
    if args.keep is not None:
        from greenloop.loop.sandboxes import parse_duration

        keep = parse_duration(args.keep, "--keep")
    options = RunOptions(repo=args.repo, ticket_file=args.ticket, ticket_text=args.ticket_text, model=args.model,
                         patch=args.patch, branch=args.branch, targets=args.target, max_steps=args.max_steps,
                         max_minutes=args.max_minutes, max_test_runs=args.max_test_runs, keep=keep,
                         record=args.record)
    if not (args.ticket or args.ticket_text or args.patch or args.branch):
        from greenloop.loop.errors import UsageError

        raise UsageError("no ticket given", "pass --ticket FILE or --ticket-text TEXT (or --patch/--branch to "
                                            "validate a change)")
    return run(options, _print_progress)


def _resume(args: argparse.Namespace) -> Any:
    from greenloop.loop.run import resume

    return resume(args.run_id, args.repo, args.max_steps, args.max_minutes, _print_progress)


def _gc(args: argparse.Namespace) -> int:
    from greenloop.loop.errors import GreenloopError
    from greenloop.loop.run import gc

    try:
        reaped = gc(args.repo)
    except GreenloopError as error:
        _print_error(error, args.json)
        return error.exit_code
    if args.json:
        print(json.dumps(reaped, indent=2))
        return 0
    if not any(reaped.values()):
        print("nothing to remove: no dead run left processes or worktrees")
    for run_id, removed in reaped.items():
        for item in removed:
            print(f"{run_id}: removed {item}")
    return 0


def _sandbox_command(args: argparse.Namespace) -> int:
    """`greenloop baseline …` / `greenloop sandbox …`: one handler each in loop/sandboxes.py terms."""
    if args.action is None:  # that command's help, as a usage error
        try:
            _parser().parse_args([args.command, "--help"])
        except SystemExit:
            return 2
    signal.signal(signal.SIGTERM, _interrupt)
    from greenloop.loop.errors import GreenloopError

    handler = {("baseline", "up"): _baseline_up, ("baseline", "down"): _baseline_down,
               ("sandbox", "up"): _sandbox_up, ("sandbox", "down"): _sandbox_down,
               ("sandbox", "list"): _sandbox_list, ("sandbox", "logs"): _sandbox_logs}[(args.command, args.action)]
    as_json = getattr(args, "json", False)
    try:
        return handler(args)
    except GreenloopError as error:
        print(f"greenloop: error: {error}", file=sys.stderr)
        if as_json:
            print(json.dumps({"error": error.problem, "fix": error.fix, "exit_code": error.exit_code}, indent=2))
        return error.exit_code
    except KeyboardInterrupt:
        print("greenloop: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug, or an outside failure nothing expected
        unexpected = _unexpected(error)
        print(f"greenloop: error: {unexpected}", file=sys.stderr)
        return unexpected.exit_code


def _baseline_up(args: argparse.Namespace) -> int:
    from greenloop.loop import sandboxes

    print(f"greenloop: bringing up the baseline of {args.repo} at HEAD …", file=sys.stderr, flush=True)
    baseline = sandboxes.baseline_up(args.repo)
    print(json.dumps(baseline, indent=2) if args.json else sandboxes.render_baseline(baseline))
    return 0


def _baseline_down(args: argparse.Namespace) -> int:
    from greenloop.loop.sandboxes import baseline_down

    removed = baseline_down(args.repo)
    if args.json:
        print(json.dumps(removed, indent=2))
    elif not removed:
        print(f"nothing to stop: no baseline or sandbox of {args.repo.resolve()}")
    for owner, items in removed.items() if not args.json else ():
        print(f"stopped {owner}" + (f": {len(items)} process(es)/worktree(s) removed" if items else ""))
    return 0


def _sandbox_up(args: argparse.Namespace) -> int:
    from greenloop.loop import sandboxes

    ttl = sandboxes.parse_duration(args.ttl) if args.ttl is not None else None
    also = f" with {', '.join(args.group)}" if args.group else ""
    print(f"greenloop: bringing up a sandbox of HEAD + {args.patch}{also} …", file=sys.stderr, flush=True)
    sandbox = sandboxes.sandbox_up(args.repo, args.patch, args.group, ttl)
    print(json.dumps(sandbox, indent=2) if args.json else sandboxes.render_sandbox(sandbox))
    return 0


def _sandbox_down(args: argparse.Namespace) -> int:
    from greenloop.loop.sandboxes import sandbox_down

    removed = sandbox_down(args.repo, args.id)
    if args.json:
        print(json.dumps({"id": args.id, "removed": removed}, indent=2))
    elif not args.quiet:
        print(f"sandbox {args.id} is down" + "".join(f"\n  removed {item}" for item in removed))
    return 0


def _sandbox_list(args: argparse.Namespace) -> int:
    from greenloop.loop import sandboxes

    records = sandboxes.sandbox_list(args.repo)
    print(json.dumps(records, indent=2) if args.json else sandboxes.render_table(records))
    return 0


def _sandbox_logs(args: argparse.Namespace) -> int:
    from greenloop.loop import sandboxes

    since = sandboxes.parse_since(args.since) if args.since else None
    if not args.follow:
        for line in sandboxes.sandbox_logs(args.repo, args.id, args.service, since):
            print(sandboxes.render_line(line))
        return 0
    sandboxes.sandbox_logs(args.repo, args.id, args.service, since)  # an unknown id fails now, not silently
    try:
        for line in sandboxes.follow_logs(args.repo, args.id, args.service, since):
            print(sandboxes.render_line(line), flush=True)
    except KeyboardInterrupt:
        return 0  # Ctrl-C is how --follow ends
    print(f"greenloop: sandbox {args.id} was taken down", file=sys.stderr)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from greenloop.evals.suite import as_json, markdown, run_suite
    from greenloop.loop.errors import GreenloopError

    def progress(result: Any) -> None:
        print(f"  {result.task:<28} {result.verdict:<15} {result.seconds:6.1f}s  {result.test_runs:3d} test runs",
              file=sys.stderr, flush=True)

    signal.signal(signal.SIGTERM, _interrupt)
    try:
        results = run_suite(args.suite, args.model, args.max_test_runs, args.task, progress)
    except GreenloopError as error:
        _print_error(error, False)
        return error.exit_code
    except KeyboardInterrupt:  # the task's run stopped what it started; the suite's scratch folder went with it
        print("greenloop: eval interrupted; no table written", file=sys.stderr)
        return 130
    table = markdown(results, args.model, args.max_test_runs)
    if args.out:
        args.out.write_text(table)
    print(as_json(results, args.model, args.max_test_runs) if args.json else table)
    return 0


def _run_demo(args: argparse.Namespace) -> Any:
    from greenloop.loop.demo import materialize
    from greenloop.loop.run import RunOptions, run

    repo, ticket, patches = materialize(args.example, args.dir)
    print(f"demo repository: {repo}", file=sys.stderr)
    options = RunOptions(repo=repo, ticket_file=str(ticket), model=args.model or "offline",
                         max_steps=args.max_steps, max_minutes=args.max_minutes, max_test_runs=args.max_test_runs)
    return run(options, _print_progress)


def _print_progress(record: dict[str, Any]) -> None:
    print(f"  {record['node']:<9} {record['seconds']:7.2f}s  {record['note']}", file=sys.stderr, flush=True)


def _print_summary(result: Any) -> None:
    from greenloop.loop.evidence import headline

    evidence = result.evidence
    print(f"\ngreenloop: {headline(evidence)}")
    written = " (a test the model wrote)" if evidence.get("target_written_by_model") else ""
    for target in evidence["targets"]:
        print(f"  {target['id']}: {target['before'] or '—'} at base → {target['after'] or 'not run'}{written}")
    if evidence.get("published"):
        branch = evidence["published"]["branch"]
        print(f"  branch: {branch}   (git -C {evidence['repo']} show --stat {branch})")
    elif evidence.get("stop_reason"):
        print(f"  stopped: {evidence['stop_reason']}")
    kept = evidence.get("kept_sandbox")
    if kept:
        print(f"  sandbox kept: {kept['id']} (baggage: {kept['baggage']})   delete it: {kept['commands']['down']}")
    print(f"  evidence: {result.run_dir / 'evidence.md'}")


def _print_error(error: Any, as_json: bool) -> None:
    print(f"greenloop: error: {error}", file=sys.stderr)
    if as_json:
        print(json.dumps({"verdict": "error", "error": error.problem, "fix": error.fix, "run_id": None,
                          "run_dir": None, "branch": None, "steps": 0}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
