"""Wall time per node on the stations demo, and greenloop's own overhead per loop iteration.

Overhead = wall time − (time in tests + model + service start-up), per iteration (attempt): what greenloop
itself costs (worktrees, git, checkpoints, log ranking, evidence; setup too, when the example has one). Wall time
is the run's own clock (from after config loading to the evidence); process time, which adds Python start-up and
imports, is reported beside it. Runs the demo N times back to back and reports the mean and
the spread of each figure, so noise on a shared machine shows.

    python bench/loop_overhead.py [--runs 5] [--example examples/stations] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("tests", "model", "startup")


def one_run(example: Path, workdir: Path) -> dict:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "greenloop.loop.cli", "demo", str(example), "--dir", str(workdir),
                           "--model", f"scripted:{example / 'patches'}", "--json"], capture_output=True, text=True,
                          env=env, cwd=ROOT)
    process_seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"demo run failed ({done.returncode}):\n{done.stderr}")
    evidence = json.loads(Path(json.loads(done.stdout)["evidence"]).read_text())
    phases = {p: sum(t.get(p, 0.0) for t in evidence["timings"]) for p in PHASES}
    wall = evidence["budget"]["wall_seconds"]
    iterations = len(evidence["attempts"])
    in_nodes = sum(t["seconds"] for t in evidence["timings"])
    return {"process_seconds": process_seconds, "wall_seconds": wall, "iterations": iterations,
            "seconds_per_node": evidence["seconds_per_node"], **{f"{p}_seconds": v for p, v in phases.items()},
            "overhead_ms_per_iteration": 1000 * (wall - sum(phases.values())) / iterations,
            "between_nodes_ms": 1000 * (wall - in_nodes)}


def summarize(runs: list[dict]) -> dict:
    def stats(values: list[float]) -> dict:
        return {"mean": statistics.mean(values), "min": min(values), "max": max(values)}

    nodes = defaultdict(list)
    for run in runs:
        for node, seconds in run["seconds_per_node"].items():
            nodes[node].append(seconds)
    keys = [k for k in runs[0] if k not in ("seconds_per_node", "iterations")]
    summary = {k: stats([r[k] for r in runs]) for k in keys}
    summary["seconds_per_node"] = {n: stats(v) for n, v in nodes.items()}
    summary["overhead_share_of_wall"] = stats(
        [r["overhead_ms_per_iteration"] * r["iterations"] / 1000 / r["wall_seconds"] for r in runs])
    return {"runs": len(runs), "iterations_per_run": runs[0]["iterations"], "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--example", type=Path, default=ROOT / "examples" / "shop")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="greenloop-bench-") as scratch:
        for i in range(args.runs):
            runs.append(one_run(args.example.resolve(), Path(scratch) / f"run-{i}"))
            print(f"run {i + 1}/{args.runs}: {runs[-1]['wall_seconds']:.2f}s wall, "
                  f"overhead {runs[-1]['overhead_ms_per_iteration']:.0f} ms/iteration", file=sys.stderr)
    result = summarize(runs)
    out = ROOT / "bench" / "results" / f"loop_overhead-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    s = result["summary"]
    print(f"{result['runs']} runs of {args.example.name}, {result['iterations_per_run']} iterations each "
          f"(mean [min–max]):")
    for node, st in s["seconds_per_node"].items():
        print(f"  {node:<10} {st['mean']:7.3f}s  [{st['min']:.3f}–{st['max']:.3f}]")
    for key in ("process_seconds", "wall_seconds", "tests_seconds", "startup_seconds", "model_seconds"):
        print(f"  {key:<26} {s[key]['mean']:7.3f}  [{s[key]['min']:.3f}–{s[key]['max']:.3f}]")
    st = s["overhead_ms_per_iteration"]
    print(f"  overhead per iteration     {st['mean']:7.1f} ms [{st['min']:.1f}–{st['max']:.1f}]")
    st = s["between_nodes_ms"]
    print(f"  between nodes (per run)    {st['mean']:7.1f} ms [{st['min']:.1f}–{st['max']:.1f}]")
    share = s["overhead_share_of_wall"]
    print(f"  overhead / wall            {share['mean']:7.1%}  [{share['min']:.1%}–{share['max']:.1%}]")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
