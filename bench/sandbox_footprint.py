"""Processes and memory of 1, 4 and 8 concurrent sandboxes: forks on a shared baseline against full copies.

On the generated systems of bench/systems.py (a chain of 2, 4 and 8 tiny stdlib HTTP services), each sandbox with
one service changed (the middle one, a VERSION bump of its own). For each approach, sandboxes are added up to each
count (started side by side, as a run with `[sandbox] width` does), one request is sent through each (the answer
must name its change), and then every process the approach added is read from /proc (the processes below this
one, by parent links). A sandbox that fails to start, or answers wrong, is replaced and listed below the table:

- processes: a service is three (its log pump, `/bin/sh -c`, the service); a fork sandbox adds its ingress proxy;
  the baseline is every service plus one routing proxy each;
- RSS: the sum of VmRSS, as asked; it counts a page shared by several processes (the interpreter, libraries)
  once per process, so it overstates what many similar processes take;
- PSS: the sum of Pss from smaps_rollup, which splits each shared page between its sharers: what they really take.

Fork is reported without the baseline (what each further sandbox costs) and with it, counted once (what the
machine holds for this repository). The baseline is shared by every sandbox and run on the same commit.

    python bench/sandbox_footprint.py [--sizes 2 4 8] [--counts 1 4 8] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import systems
from systems import Footprint


def measure(system: systems.System, provider, kind: str, counts: list[int], scratch: Path,
            before: set[int], baseline: set[int], failures: list[str]) -> dict[int, tuple[Footprint, Footprint]]:
    """Sandboxes added up to each count: count → (the sandboxes' footprint, the baseline's footprint now)."""
    sandboxes: list = []
    versions: list[int] = []
    workspaces: list = []
    found: dict[int, tuple[Footprint, Footprint]] = {}
    try:
        for count in counts:
            new = range(len(sandboxes), count)
            for i in new:  # one at a time: `git worktree add` on one repository is not safe side by side
                workspaces.append(systems.workspace(system, scratch / f"{kind}-{i}", 2 + i))
                versions.append(2 + i)
            with ThreadPoolExecutor(max_workers=max(1, len(new))) as pool:
                made = pool.map(lambda i: systems.create(
                    provider, workspaces[i], f"{kind}-{i}", failures,
                    lambda sandbox: systems.check_sandbox(system, sandbox, kind, versions[i], workspaces[i].path)), new)
                sandboxes += [made_sandbox for made_sandbox, _ in made]
            now = systems.descendants()
            found[count] = (systems.footprint(now - before - baseline), systems.footprint(baseline & now))
            expected = count * (3 * system.size if kind == "copy" else 3 + 1)  # pump, sh, service; + ingress
            if found[count][0].processes != expected:
                failures.append(f"{system.size} services, {count} {kind} sandboxes: {found[count][0].processes} "
                                f"processes where {expected} were started and passed their checks")
            print(f"  {system.size} services, {count} {kind} sandbox(es): {found[count][0].processes} processes",
                  file=sys.stderr)
    finally:
        for sandbox in sandboxes:
            sandbox.destroy()
        for ws in workspaces:
            ws.destroy()
    return found


def one_size(scratch: Path, size: int, counts: list[int], args: argparse.Namespace) -> dict:
    system = systems.make_system(scratch / f"system-{size}", size, "chain", args.start_cpu, args.start_wait)
    before = systems.descendants()
    failures: list[str] = []
    forks = systems.fork_provider(system, scratch / f"runs-{size}" / "fork", f"bench{size}")
    try:
        forks.baseline(system.commit)
        baseline = systems.descendants() - before
        fork = measure(system, forks, "fork", counts, scratch / f"worktrees-{size}", before, baseline, failures)
    finally:
        forks.close()
    copies = systems.copy_provider(system, scratch / f"runs-{size}" / "copy")
    try:
        copy = measure(system, copies, "copy", counts, scratch / f"worktrees-{size}", before, set(), failures)
    finally:
        copies.close()
    left = systems.descendants() - before
    if left:
        print(f"  warning: {len(left)} process(es) of {size} services still running after teardown: {sorted(left)}",
              file=sys.stderr)
    return {"size": size, "changed": system.changed, "fork": fork, "copy": copy, "failures": failures}


def mb(kb: int) -> str:
    return f"{kb / 1024:7.0f}"


def report(results: list[dict]) -> None:
    print("chain of N services, one changed per sandbox; processes, sum of VmRSS and of Pss in MB")
    print(f"{'':12}" + "".join(f"{group:>24}" for group in ("fork sandboxes", "fork + baseline", "full copies"))
          + f"{'copy / fork':>32}")
    print(f"{'svc':>3} {'sbx':>4} {'':3}" + f"{'procs':>8} {'RSS':>7} {'PSS':>7}" * 3
          + f" {'RSS':>7} {'+base':>7} {'PSS':>7} {'+base':>7}")
    for r in results:
        for count, (fork, base) in r["fork"].items():
            copy, _ = r["copy"][count]
            total = fork + base
            ratios = (copy.rss_kb / fork.rss_kb, copy.rss_kb / total.rss_kb, copy.pss_kb / fork.pss_kb,
                      copy.pss_kb / total.pss_kb)
            print(f"{r['size']:>3} {count:>4} {'':3}"
                  + "".join(f"{f.processes:8d} {mb(f.rss_kb)} {mb(f.pss_kb)}" for f in (fork, total, copy))
                  + "".join(f" {ratio:6.1f}×" for ratio in ratios))
    failures = [f for r in results for f in r["failures"]]
    print(f"sandboxes that failed (tried again): {len(failures)}" + "".join(f"\n  {f}" for f in failures))
    last = results[-1]
    count = max(last["copy"])
    fork, base = last["fork"][count]
    copy = last["copy"][count][0]
    print(f"summary: {count} sandboxes of {last['size']} services: full copies take "
          f"{copy.rss_kb / fork.rss_kb:.1f}× the RSS of forks ({copy.rss_kb / (fork + base).rss_kb:.1f}× counting "
          f"the baseline once), {copy.processes} processes against {fork.processes} (+{base.processes} baseline)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 4, 8], help="services per system")
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 4, 8], help="concurrent sandboxes")
    parser.add_argument("--start-cpu", type=float, default=0.5, help="CPU seconds each service spends starting")
    parser.add_argument("--start-wait", type=float, default=0.2, help="seconds each service waits starting")
    parser.add_argument("--quick", action="store_true", help="smoke run: 4 services, 1 and 4 sandboxes")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.counts = [4], [1, 4]
    counts = sorted(set(args.counts))
    systems.keep_ingress_output()
    with tempfile.TemporaryDirectory(prefix="greenloop-bench-") as scratch:
        try:
            results = [one_size(Path(scratch), size, counts, args) for size in args.sizes]
        finally:
            status = systems.check_clean(scratch)
    report(results)
    return status


if __name__ == "__main__":
    sys.exit(main())
