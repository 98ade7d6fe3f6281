"""Time to a ready sandbox when one service changes: a fork on a running shared baseline against a full copy.

For generated systems of 2, 4 and 8 services (bench/systems.py: a chain of tiny stdlib HTTP services, each
forwarding `baggage`, each ready ~0.7 s after its process starts), one change each time (the middle service's
VERSION). The shared baseline is started once per system (its time is reported apart, with the number of
sandboxes after which it has paid for itself); then each repetition times, side by side and in alternating order:

- fork: `ForkProvider.create` (isolation = "fork", what a run's deploy calls): start the changed service from
  the sandbox's worktree, route the key to it, start the ingress, and prove routing and propagation;
- copy: `LocalSandboxProvider.create` (isolation = "copy"): every service started from the worktree, each after
  the ones it depends on are healthy.

Worktree creation is the same for both and not timed. Every sandbox is checked after it is ready (a request to
s1 through the sandbox reaches the changed service's new version), then destroyed; teardown is timed too. The fork
time is split into its parts (forks started, ingress started, readiness checks) by timing ForkSandbox's steps.

    python bench/sandbox_ready.py [--sizes 2 4 8] [--reps 5] [--shape chain|star] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import systems

def one_size(scratch: Path, size: int, reps: int, args: argparse.Namespace) -> dict:
    system = systems.make_system(scratch / f"system-{size}", size, args.shape, args.start_cpu, args.start_wait)
    forks = systems.fork_provider(system, scratch / f"runs-{size}" / "fork", f"bench{size}")
    copies = systems.copy_provider(system, scratch / f"runs-{size}" / "copy")
    times: dict[str, list[float]] = {"fork": [], "copy": [], "fork_down": [], "copy_down": []}
    parts: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    try:
        started = time.perf_counter()
        forks.baseline(system.commit)
        baseline_seconds = time.perf_counter() - started
        for rep in range(reps):
            for kind in (("fork", "copy") if rep % 2 == 0 else ("copy", "fork")):
                version = 2 + rep
                name = f"{kind}-{rep}"
                ws = systems.workspace(system, scratch / f"worktrees-{size}" / name, version)
                try:
                    provider = forks if kind == "fork" else copies
                    systems.fork_parts.clear()
                    def check(sandbox, kind=kind, version=version, ws=ws):
                        systems.check_sandbox(system, sandbox, kind, version, ws.path)

                    sandbox, seconds = systems.create(provider, ws, name, failures, check)
                    times[kind].append(seconds)
                    if kind == "fork":
                        for part in systems.FORK_PARTS.values():
                            parts[part].append(systems.fork_parts[sandbox.id][part])
                    started = time.perf_counter()
                    sandbox.destroy()
                    times[f"{kind}_down"].append(time.perf_counter() - started)
                finally:
                    ws.destroy()
            print(f"  {size} services, rep {rep + 1}/{reps}: fork {times['fork'][-1]:.2f}s, "
                  f"copy {times['copy'][-1]:.2f}s", file=sys.stderr)
    finally:
        forks.close()  # and with it the baseline: nobody else holds it
        copies.close()
    return {"size": size, "changed": system.changed, "baseline": baseline_seconds, **times,
            "parts": dict(parts), "failures": failures}


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} [{min(values):.2f}–{max(values):.2f}]"


def report(results: list[dict], args: argparse.Namespace) -> None:
    reps = len(results[0]["fork"])
    print(f"{args.shape} of N services, one changed; each ready ~{args.start_cpu:g}s CPU + {args.start_wait:g}s "
          f"wait after its process starts; median [min–max] of {reps}, seconds")
    print(f"{'services':>8} {'changed':>7} {'baseline':>8} {'fork ready':>20} {'copy ready':>20} {'copy/fork':>9} "
          f"{'break-even':>10}   fork = forks + ingress + checks")
    for r in results:
        fork, copy = statistics.median(r["fork"]), statistics.median(r["copy"])
        saved = copy - fork
        even = f"{r['baseline'] / saved:.1f} sb" if saved > 0 else "never"
        split = " + ".join(f"{statistics.median(r['parts'][p]):.2f}" for p in systems.FORK_PARTS.values())
        print(f"{r['size']:>8} {r['changed']:>7} {r['baseline']:8.2f} {spread(r['fork']):>20} {spread(r['copy']):>20} "
              f"{copy / fork:8.2f}× {even:>10}   {split}")
    print("teardown, median: " + ", ".join(
        f"{r['size']} services fork {statistics.median(r['fork_down']):.2f}s / copy "
        f"{statistics.median(r['copy_down']):.2f}s" for r in results))
    failures = [f for r in results for f in r["failures"]]
    print(f"sandboxes that failed (tried again; only successful starts are timed): {len(failures)}"
          + "".join(f"\n  {failure}" for failure in failures))
    print("baseline: the one-time start of the shared baseline (every service and its routing proxy); break-even: "
          "sandboxes after which it has paid for itself (baseline / (copy − fork))")
    ratios = ", ".join(f"{statistics.median(r['copy']) / statistics.median(r['fork']):.2f}× ({r['size']} services)"
                       for r in results)
    print(f"summary: time to a ready sandbox, full copy / fork (medians): {ratios}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 4, 8], help="services per system")
    parser.add_argument("--reps", type=int, default=5, help="sandboxes timed per approach and size")
    parser.add_argument("--shape", choices=("chain", "star"), default="chain")
    parser.add_argument("--start-cpu", type=float, default=0.5, help="CPU seconds each service spends starting")
    parser.add_argument("--start-wait", type=float, default=0.2, help="seconds each service waits starting")
    parser.add_argument("--quick", action="store_true", help="smoke run: sizes 2 and 4, one rep")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.reps = [2, 4], 1
    systems.time_fork_parts()
    systems.keep_ingress_output()
    with tempfile.TemporaryDirectory(prefix="greenloop-bench-") as scratch:
        try:
            results = [one_size(Path(scratch), size, args.reps, args) for size in args.sizes]
        finally:
            status = systems.check_clean(scratch)
    report(results, args)
    return status


if __name__ == "__main__":
    sys.exit(main())
