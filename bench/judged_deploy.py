"""What a clean slate costs each judged deploy: a lane's sandbox updated in place against destroyed and made anew.

`graph/attempts.py` `bring_up` deploys an attempt on its lane for judging. It used to update the lane's sandbox in
place (`sandbox.update(diff)`: for a fork sandbox only the forks whose files changed restart, its ingress stays; a
full copy restarts every service anyway), after `workspace.reset()` (ignored files kept) and `apply(diff)`. It now
destroys the lane's sandbox and makes a new one (`provider.create(workspace, lane)`), after
`workspace.reset(keep_ignored=False)` (`git clean -ffdx`) and `apply(diff)`. Setup runs after the apply both ways
(the generated system has none, so it is not timed here; see the README for what that leaves out).

On a generated system (bench/systems.py: a chain of tiny stdlib HTTP services, each ready ~0.7 s after its process
starts; one service, the middle one, changed by every attempt, to a new VERSION each time), one lane per size and
isolation: its worktree and first sandbox are made once (not timed), then each repetition deploys the next attempt
both ways on that same lane, in alternating order:

- A, in place (the old way): `workspace.reset()` + `apply(diff)`, then `sandbox.update(diff)`;
- B, afresh (the new way): `sandbox.destroy()`, then `workspace.reset(keep_ignored=False)` + `apply(diff)`, then
  `provider.create(workspace, lane)`.

Every deploy is checked after it (a request to s1 through the sandbox reaches every service once, the changed one
at the attempt's version, each from the right worktree). A fork's time is split into its steps (forks, ingress,
checks) by timing ForkSandbox's methods. `--ignored N` puts N git-ignored files (say, a setup's output) in the
worktree before each deploy (not timed), which B's `git clean -x` then removes.

    python bench/judged_deploy.py [--sizes 2 4] [--reps 5] [--isolation fork|copy|both] [--ignored 0] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import systems

ROOT = Path(__file__).resolve().parent.parent
LANE = "lane-0"
TRIES = 3


def _ignore_build(system: systems.System) -> None:
    """`build/` git-ignored in every worktree of the system (info/exclude is shared by a repo's worktrees)."""
    exclude = Path(systems._git(system.repo, "rev-parse", "--git-common-dir").strip())
    exclude = (exclude if exclude.is_absolute() else system.repo / exclude) / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    with exclude.open("a") as out:
        out.write("\nbuild/\n")


def _fill_ignored(ws, count: int) -> None:
    """`count` small ignored files under build/ in the worktree, as a setup's output; those there are kept."""
    if count <= 0:
        return
    folder = Path(ws.path) / "build"
    for i in range(count):
        path = folder / f"d{i // 100}" / f"f{i}.txt"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"output {i}\n")


def one_lane(scratch: Path, size: int, isolation: str, args: argparse.Namespace) -> dict:
    name = f"{isolation}{size}"
    system = systems.make_system(scratch / f"system-{name}", size, args.shape, args.start_cpu, args.start_wait,
                                 isolation=isolation)
    if args.ignored:
        _ignore_build(system)
    runs = scratch / f"runs-{name}"
    provider = (systems.fork_provider(system, runs, f"bench{size}") if isolation == "fork"
                else systems.copy_provider(system, runs))
    times: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    version = 2
    ws = systems.workspace(system, scratch / f"lane-{name}", version)
    sandbox = None

    def check(box, v: int) -> None:
        systems.check_sandbox(system, box, isolation, v, ws.path)

    try:
        started = time.perf_counter()
        if isolation == "fork":
            provider.baseline(system.commit)
        baseline_seconds = time.perf_counter() - started
        sandbox, first_seconds = systems.create(provider, ws, LANE, failures, lambda box: check(box, 2))
        for rep in range(args.reps):
            for way in ("A", "B") if rep % 2 == 0 else ("B", "A"):
                for attempt in range(1, TRIES + 1):
                    version += 1
                    diff = system.diff(version)
                    _fill_ignored(ws, args.ignored)
                    systems.fork_parts.clear()
                    if way == "A":  # the old bring_up: worktree to base + diff, then the sandbox updated in place
                        t0 = time.perf_counter()
                        ws.reset()
                        ws.apply(diff)
                        t1 = time.perf_counter()
                        try:
                            sandbox.update(diff)
                            t2 = time.perf_counter()
                            check(sandbox, version)
                        except Exception as error:  # noqa: BLE001 - listed, the lane made again, tried again
                            failures.append(f"{name} rep {rep + 1} A (try {attempt}): {error}".splitlines()[0])
                            print(f"  failure: {failures[-1]}", file=sys.stderr)
                            sandbox.destroy()
                            sandbox, _ = systems.create(provider, ws, LANE, failures,
                                                        lambda box, v=version: check(box, v))
                            continue
                        sample = {"worktree": t1 - t0, "sandbox": t2 - t1, "total": t2 - t0}
                    else:  # the new bring_up: sandbox destroyed, worktree cleaned (ignored files too), a new sandbox
                        t0 = time.perf_counter()
                        sandbox.destroy()
                        sandbox = None
                        t1 = time.perf_counter()
                        ws.reset(keep_ignored=False)
                        ws.apply(diff)
                        t2 = time.perf_counter()
                        systems.fork_parts.clear()
                        sandbox, seconds = systems.create(provider, ws, LANE, failures,
                                                          lambda box, v=version: check(box, v))
                        sample = {"destroy": t1 - t0, "worktree": t2 - t1, "sandbox": (t1 - t0) + seconds,
                                  "create": seconds, "total": (t2 - t0) + seconds}
                    if isolation == "fork":
                        sample.update({part: sum(p[part] for p in systems.fork_parts.values())
                                       for part in systems.FORK_PARTS.values()})
                    for key, value in sample.items():
                        times[f"{way}_{key}"].append(value)
                    break
                else:
                    raise RuntimeError(f"{name}: deploy {way} failed {TRIES} times: {failures[-1]}")
            print(f"  {isolation} {size} services, rep {rep + 1}/{args.reps}: A {times['A_total'][-1]:.2f}s, "
                  f"B {times['B_total'][-1]:.2f}s", file=sys.stderr)
    finally:
        try:
            if sandbox is not None:
                sandbox.destroy()
        finally:
            provider.close()  # and with it the baseline: nobody else holds it
            ws.destroy()
    return {"size": size, "isolation": isolation, "changed": system.changed, "baseline": baseline_seconds,
            "first_create": first_seconds, "times": dict(times), "failures": failures}


def med(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> str:
    return f"{med(values):5.2f} [{min(values):.2f}–{max(values):.2f}]"


def report(results: list[dict], args: argparse.Namespace) -> None:
    reps = len(results[0]["times"]["A_total"])
    print(f"{args.shape} of N services, one changed per attempt; attempts 2.. deployed on one lane, A and B "
          f"alternating; {args.ignored} ignored files in the worktree; median [min–max] of {reps}, seconds")
    print("A in place = reset + apply + sandbox.update; B afresh = sandbox.destroy + reset(keep_ignored=False) + "
          "apply + provider.create")
    print(f"{'svc':>3} {'isolation':>9} {'changed':>7} {'A in place':>19} {'B afresh':>19} {'B/A':>6} {'B−A':>6}")
    for r in results:
        t = r["times"]
        print(f"{r['size']:>3} {r['isolation']:>9} {r['changed']:>7} {spread(t['A_total']):>19} "
              f"{spread(t['B_total']):>19} {med(t['B_total']) / med(t['A_total']):5.2f}× "
              f"{med(t['B_total']) - med(t['A_total']):+6.2f}")
    print("parts, medians, seconds:")
    print(f"{'svc':>3} {'isolation':>9} {'worktree A':>10} {'worktree B':>10} {'B/A':>6}   {'update A':>8} "
          f"{'destroy B':>9} {'create B':>8} {'B/A':>6}   fork A = forks + checks | B = forks + ingress + checks")
    for r in results:
        t = r["times"]
        split = ""
        if r["isolation"] == "fork":
            split = (f"   {med(t['A_forks']):.2f} + {med(t['A_checks']):.2f} | {med(t['B_forks']):.2f} + "
                     f"{med(t['B_ingress']):.2f} + {med(t['B_checks']):.2f}")
        print(f"{r['size']:>3} {r['isolation']:>9} {med(t['A_worktree']):10.3f} {med(t['B_worktree']):10.3f} "
              f"{med(t['B_worktree']) / med(t['A_worktree']):5.2f}×   {med(t['A_sandbox']):8.2f} "
              f"{med(t['B_destroy']):9.2f} {med(t['B_create']):8.2f} "
              f"{med(t['B_sandbox']) / med(t['A_sandbox']):5.2f}×{split}")
    print("not timed: " + ", ".join(
        f"{r['isolation']} {r['size']} services baseline {r['baseline']:.2f}s, first create {r['first_create']:.2f}s"
        if r["isolation"] == "fork" else f"{r['isolation']} {r['size']} services first create {r['first_create']:.2f}s"
        for r in results))
    failures = [f for r in results for f in r["failures"]]
    print(f"deploys that failed (tried again; only successful ones are timed): {len(failures)}"
          + "".join(f"\n  {failure}" for failure in failures))
    ratios = ", ".join(f"{med(r['times']['B_total']) / med(r['times']['A_total']):.2f}× ({r['isolation']}, "
                       f"{r['size']} services)" for r in results)
    print(f"summary: a judged deploy afresh / in place (medians): {ratios}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 4], help="services per system")
    parser.add_argument("--reps", type=int, default=5, help="deploys timed per way, size and isolation")
    parser.add_argument("--isolation", choices=("fork", "copy", "both"), default="both")
    parser.add_argument("--shape", choices=("chain", "star"), default="chain")
    parser.add_argument("--ignored", type=int, default=0, help="git-ignored files put in the worktree before each deploy")
    parser.add_argument("--start-cpu", type=float, default=0.5, help="CPU seconds each service spends starting")
    parser.add_argument("--start-wait", type=float, default=0.2, help="seconds each service waits starting")
    parser.add_argument("--quick", action="store_true", help="smoke run: one rep, fork only")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of the tables")
    args = parser.parse_args()
    if args.quick:
        args.reps, args.isolation = 1, "fork"
    isolations = ("fork", "copy") if args.isolation == "both" else (args.isolation,)
    systems.time_fork_parts()
    systems.keep_ingress_output()
    with tempfile.TemporaryDirectory(prefix="greenloop-bench-") as scratch:
        try:
            results = [one_lane(Path(scratch), size, isolation, args)
                       for isolation in isolations for size in args.sizes]
        finally:
            left = io.StringIO()  # printed last, after the tables
            with contextlib.redirect_stdout(left):
                status = systems.check_clean(scratch)
            if sys.exc_info()[0] is not None:
                print(left.getvalue(), end="")
    out = ROOT / "bench" / "results" / f"judged_deploy-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "results": results, "processes_left_status": status}, indent=2))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        report(results, args)
    print(left.getvalue(), end="", file=sys.stderr if args.json else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
