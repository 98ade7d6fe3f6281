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

    demo = commands.add_parser(
        "demo", help="run a bundled example end to end in a throwaway repository",
        description="Copy an example system into a fresh git repository and run the loop on it with the example's "
                    "ticket and scripted patches (the first wrong, the second right).",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("example", nargs="?", type=Path, default=Path("examples/shop"),
                      help="an example folder with repo/, ticket.md and patches/ (default: examples/shop)")
    demo.add_argument("--dir", type=Path, help="where to create the demo repository (default: a new temp folder)")
    _common_run_options(demo)

    resume = commands.add_parser(
        "resume", help="continue a killed run, or extend one that ran out of budget",
        description="Continue run RUN_ID from its last checkpoint (after a kill, a crash, a reboot), or give a run "
                    "that ran out of budget more steps or time. What the run already did is reused, not redone.",
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
    return parser


def _common_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="M", help="the model: scripted:DIR replays DIR's diffs in name order "
                                                     "(default: [model] name in greenloop.toml)")
    parser.add_argument("--max-steps", type=int, metavar="N", help="proposals the model may make")
    parser.add_argument("--max-minutes", type=float, metavar="M", help="wall time for the whole run")
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

    options = RunOptions(repo=args.repo, ticket_file=args.ticket, ticket_text=args.ticket_text, model=args.model,
                         patch=args.patch, branch=args.branch, targets=args.target, max_steps=args.max_steps,
                         max_minutes=args.max_minutes)
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


def _run_demo(args: argparse.Namespace) -> Any:
    from greenloop.loop.demo import materialize
    from greenloop.loop.run import RunOptions, run

    repo, ticket, patches = materialize(args.example, args.dir)
    print(f"demo repository: {repo}", file=sys.stderr)
    options = RunOptions(repo=repo, ticket_file=str(ticket), model=args.model or f"scripted:{patches}",
                         max_steps=args.max_steps, max_minutes=args.max_minutes)
    return run(options, _print_progress)


def _print_progress(record: dict[str, Any]) -> None:
    print(f"  {record['node']:<9} {record['seconds']:7.2f}s  {record['note']}", file=sys.stderr, flush=True)


def _print_summary(result: Any) -> None:
    from greenloop.loop.evidence import headline

    evidence = result.evidence
    print(f"\ngreenloop: {headline(evidence)}")
    for target in evidence["targets"]:
        print(f"  {target['id']}: {target['before'] or '—'} at base → {target['after'] or 'not run'}")
    if evidence.get("published"):
        branch = evidence["published"]["branch"]
        print(f"  branch: {branch}   (git -C {evidence['repo']} show --stat {branch})")
    elif evidence.get("stop_reason"):
        print(f"  stopped: {evidence['stop_reason']}")
    print(f"  evidence: {result.run_dir / 'evidence.md'}")


def _print_error(error: Any, as_json: bool) -> None:
    print(f"greenloop: error: {error}", file=sys.stderr)
    if as_json:
        print(json.dumps({"verdict": "error", "error": error.problem, "fix": error.fix, "run_id": None,
                          "run_dir": None, "branch": None, "steps": 0}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
