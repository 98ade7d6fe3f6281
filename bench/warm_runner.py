"""Test-run time with the warm runner against the cold one, side by side on seeded-bug tasks.

For each task, a copy of examples/bugs/<task>/repo is tested N times by each runner, alternating run by run (cold
first on even repetitions, warm first on odd ones) so a noisy machine hits both alike: `CommandTestRunner` (a fresh
`/bin/sh -c "python -m pytest …"` per run) and `WarmTestRunner` (a fork of a server that has pytest and the venv's
pytest11 plugins imported), each with the task's own `[test]` config and this venv's plugins, as a real run has
them. The warm runner's first run, which starts its server, is reported apart. Each pair of runs must report the
same per-test outcomes and messages (object addresses aside); the bench says how many did, and ends by listing the
processes it left.

    python bench/warm_runner.py [--tasks calendar-months slugify vat-calculator] [--repeats 10]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import systems

ROOT = Path(__file__).resolve().parent.parent
BUGS = ROOT / "examples" / "bugs"
ADDRESS = re.compile(r"0x[0-9a-f]+")  # object addresses in reprs differ between any two runs


def one_task(task: str, scratch: Path, repeats: int) -> dict:
    from greenloop.adapters.runners.command import CommandTestRunner
    from greenloop.adapters.runners.warm import WarmTestRunner
    from greenloop.loop.config import load_config

    repo = scratch / task
    shutil.copytree(BUGS / task / "repo", repo, ignore=shutil.ignore_patterns("__pycache__", ".greenloop"))
    config = load_config(repo)[0].test
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    notes: list[str] = []
    runners = {"cold": CommandTestRunner(config, base_env=env),
               "warm": WarmTestRunner(config, base_env=env, notify=notes.append)}
    workspace = SimpleNamespace(path=repo, base_commit="0" * 40)
    seconds: dict[str, list[float]] = {"cold": [], "warm": []}
    same = 0
    try:
        started = time.perf_counter()
        first = runners["warm"].run(workspace, {}, scratch / "reports" / task, "first")
        first_warm = time.perf_counter() - started
        for i in range(repeats):
            results = {}
            for name in ("cold", "warm") if i % 2 == 0 else ("warm", "cold"):
                started = time.perf_counter()
                report = runners[name].run(workspace, {}, scratch / "reports" / task, f"{name}-{i}")
                seconds[name].append(time.perf_counter() - started)
                results[name] = {t: (r.outcome, ADDRESS.sub("0x…", r.message)) for t, r in report.results.items()}
            same += results["cold"] == results["warm"]
    finally:
        runners["warm"].close()
    return {"task": task, "tests": len(first.results), "failing": len(first.failing()), "first_warm": first_warm,
            "cold": seconds["cold"], "warm": seconds["warm"], "same": same, "notes": notes}


def report(results: list[dict], repeats: int) -> None:
    print(f"\nseconds per test run, median of {repeats} each, runs alternating; this venv's pytest11 plugins loaded")
    print(f"{'task':<22} {'tests':>5} {'failing':>7} {'cold':>7} {'warm':>7} {'cold/warm':>9} {'first warm':>10}")
    for r in results:
        cold, warm = statistics.median(r["cold"]), statistics.median(r["warm"])
        print(f"{r['task']:<22} {r['tests']:>5} {r['failing']:>7} {cold:>7.3f} {warm:>7.3f} {cold / warm:>8.1f}× "
              f"{r['first_warm']:>10.3f}")
    cold = statistics.median([s for r in results for s in r["cold"]])
    warm = statistics.median([s for r in results for s in r["warm"]])
    print(f"{'all':<22} {'':>5} {'':>7} {cold:>7.3f} {warm:>7.3f} {cold / warm:>8.1f}×")
    pairs = sum(len(r["cold"]) for r in results)
    print(f"pairs with identical per-test outcomes and messages: {sum(r['same'] for r in results)}/{pairs}")
    for r in results:
        for note in r["notes"]:
            print(f"note ({r['task']}): {note}")
    out = ROOT / "bench" / "results" / f"warm_runner-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=["calendar-months", "slugify", "vat-calculator", "lru-cache"])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="greenloop-bench-") as scratch:
        try:
            results = []
            for task in args.tasks:
                results.append(one_task(task, Path(scratch), args.repeats))
                print(f"{task}: done", file=sys.stderr)
        finally:
            status = systems.check_clean(scratch)
    report(results, args.repeats)
    return status or (0 if all(r["same"] == args.repeats for r in results) else 1)


if __name__ == "__main__":
    sys.exit(main())
