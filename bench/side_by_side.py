"""Wall time of the real loop testing 4 candidate patches side by side (`[sandbox] width = 4`) against one after
another (width = 1).

`greenloop run` on a fresh copy of examples/shop (three services, 15 integration tests), `--max-steps 4`, with a
scripted model that proposes four patches of which only the last is right:

1. checkout prices the basket without the coupon when pricing fails (examples/shop/patches/01-…, wrong);
2. pricing gives no discount when the discount overflows its 4-digit context (wrong: discount 0.00);
3. pricing quantizes the discount in the default context (wrong: 4 digits still round 112.25 to 112.30);
4. pricing computes discounts in money precision (examples/shop/patches/02-…, right).

Width 1 deploys, tests and reads logs for each in turn; width 4 proposes all four at once and tests them in four
sandboxes at the same time; the first to pass wins. Runs of both widths alternate, so the drift of a shared machine
hits both alike. Per run: the process's wall time, the run's own wall time (evidence.json), the time before the
loop (`prepare`: base checkout, base test run, and for isolation = "fork" the shared baseline), and the loop after
it. Busy = the summed service start-up and test time of all attempts over the loop's wall time: above 1 when
sandboxes overlap. On a 2-core machine four sandboxes' test runs compete for two cores, so expect far less than 4×.
Both isolations by default ("fork": forks on the shared baseline; "copy": a full copy per sandbox).

    python bench/side_by_side.py [--reps 2] [--isolation fork|copy|both] [--quick]

(--quick: one run per width, both isolations.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import systems

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shop"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".greenloop", ".pytest_cache", ".data")
PERCENT_OFF = "    return RATES.multiply(amount, rate(percent)).quantize(CENT, context=RATES)\n"
DECIMAL_IMPORT = "from decimal import ROUND_HALF_UP, Context, Decimal\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def commit_copy(destination: Path, width: int, isolation: str) -> Path:
    """examples/shop/repo with `[sandbox] width` and `isolation` set, committed in a new repository."""
    shutil.copytree(EXAMPLE / "repo", destination, ignore=IGNORED)
    config = destination / "greenloop.toml"
    text = config.read_text()
    if "[sandbox]" in text:
        raise SystemExit(f"{EXAMPLE / 'repo' / 'greenloop.toml'} has a [sandbox] section already; "
                         "this bench appends its own")
    config.write_text(text + f"\n[sandbox]\nwidth = {width}\nisolation = \"{isolation}\"\n")
    git(destination, "init", "-q", "-b", "main")
    git(destination, "add", "-A")
    git(destination, "-c", "user.name=bench", "-c", "user.email=bench@greenloop.invalid", "commit", "-q", "-m", "shop")
    return destination


def write_patches(scratch: Path) -> Path:
    """The four candidates, as whole diffs against the example, in the order the scripted model replays them."""
    repo = commit_copy(scratch / "patch-source", 1, "fork")
    pricing = repo / "pricing" / "app.py"
    base = pricing.read_text()
    if PERCENT_OFF not in base or DECIMAL_IMPORT not in base:
        raise SystemExit(f"{EXAMPLE}/repo/pricing/app.py changed: the bench's wrong patches 2 and 3 no longer apply")

    def pricing_diff(text: str) -> str:
        pricing.write_text(text)
        try:
            return git(repo, "diff", "--no-color")
        finally:
            pricing.write_text(base)

    no_discount = pricing_diff(base.replace(DECIMAL_IMPORT, DECIMAL_IMPORT.replace("Decimal\n", "Decimal, InvalidOperation\n"))
                               .replace(PERCENT_OFF, (
                                   "    try:\n    " + PERCENT_OFF +
                                   "    except InvalidOperation:  # too large for RATES: no discount, not a failed quote\n"
                                   "        log.warning(\"discount of %s%% on %s does not fit; none given\", percent, amount)\n"
                                   "        return Decimal(\"0.00\")\n")))
    default_context = pricing_diff(base.replace(PERCENT_OFF, PERCENT_OFF.replace("context=RATES", "rounding=ROUND_HALF_UP")))
    patches = scratch / "patches"
    patches.mkdir()
    given = sorted((EXAMPLE / "patches").glob("*.diff"))
    for name, diff in (("1-checkout-without-coupon.diff", given[0].read_text()),
                       ("2-pricing-no-discount-on-overflow.diff", no_discount),
                       ("3-pricing-quantize-in-default-context.diff", default_context),
                       ("4-pricing-money-precision.diff", given[1].read_text())):
        (patches / name).write_text(diff)
        try:
            git(repo, "apply", "--check", str(patches / name))
        except subprocess.CalledProcessError as error:
            raise SystemExit(f"candidate {name} does not apply to {EXAMPLE}/repo: {error.stderr}") from None
    return patches


def one_run(scratch: Path, name: str, width: int, isolation: str, patches: Path) -> dict:
    repo = commit_copy(scratch / name, width, isolation)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "greenloop.loop.cli", "run", str(repo), "--ticket",
                           str(EXAMPLE / "ticket.md"), "--model", f"scripted:{patches}", "--max-steps", "4", "--json"],
                          check=False, capture_output=True, text=True, env=env, cwd=ROOT)
    process = time.perf_counter() - started
    try:
        result = json.loads(done.stdout)
        evidence = json.loads(Path(result["evidence"]).read_text())
    except (ValueError, KeyError, OSError):
        raise SystemExit(f"{name}: greenloop run failed ({done.returncode}):\n{done.stderr[-3000:]}") from None
    timings = evidence["timings"]
    wall = evidence["budget"]["wall_seconds"]
    prepare = sum(t["seconds"] for t in timings if t["node"] == "prepare")
    busy = sum(t.get("startup", 0.0) + t.get("tests", 0.0) for t in timings if t["node"] != "prepare")
    outcomes = [a.get("outcome") or a.get("status") for a in evidence["attempts"]]
    return {"width": width, "isolation": isolation, "verdict": evidence["verdict"], "exit": done.returncode,
            "process": process, "wall": wall, "prepare": prepare, "loop": wall - prepare, "busy": busy / (wall - prepare),
            "outcomes": outcomes, "steps": evidence["budget"]["steps"]}


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def report(runs: list[dict], isolations: list[str], reps: int, widths: list[int]) -> None:
    print(f"examples/shop, 4 candidates (only the 4th right), --max-steps 4; median of {reps} run(s) each, seconds; "
          f"{os.cpu_count()} CPUs")
    print(f"{'isolation':>9} {'width':>5} {'verdicts':>22} {'process':>8} {'run wall':>8} {'prepare':>8} {'loop':>7} "
          f"{'busy':>5}  attempts")
    for isolation in isolations:
        for width in widths:
            mine = [r for r in runs if r["isolation"] == isolation and r["width"] == width]
            verdicts = " ".join(f"{v} {sum(r['verdict'] == v for r in mine)}/{len(mine)}"
                                for v in sorted({r["verdict"] for r in mine}))
            print(f"{isolation:>9} {width:>5} {verdicts:>22} {median(mine, 'process'):8.2f} {median(mine, 'wall'):8.2f} "
                  f"{median(mine, 'prepare'):8.2f} {median(mine, 'loop'):7.2f} {median(mine, 'busy'):5.2f}  "
                  f"{' '.join(mine[-1]['outcomes'])} (last run)")
    if len(widths) < 2:
        return
    low, high = min(widths), max(widths)
    for isolation in isolations:
        one = [r for r in runs if r["isolation"] == isolation and r["width"] == low]
        four = [r for r in runs if r["isolation"] == isolation and r["width"] == high]
        wrong = sorted({f"width {r['width']} ended {r['verdict']}" for r in one + four if r["verdict"] != "fixed"})
        caveat = f" — NOT COMPARABLE: {', '.join(wrong)} (the right candidate was not found)" if wrong else ""
        print(f"summary ({isolation}): width {low} / width {high} wall time = "
              f"{median(one, 'process') / median(four, 'process'):.2f}× for the whole command, "
              f"{median(one, 'loop') / median(four, 'loop'):.2f}× for the loop after prepare "
              f"({os.cpu_count()} CPUs){caveat}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=2, help="runs per width (and isolation)")
    parser.add_argument("--isolation", choices=("fork", "copy", "both"), default="both")
    parser.add_argument("--widths", type=int, nargs="+", default=[1, 4], help="widths compared (default: 1 4)")
    parser.add_argument("--keep", action="store_true", help="keep the repositories and run folders (processes go)")
    parser.add_argument("--quick", action="store_true", help="smoke run: one run per width and isolation")
    args = parser.parse_args()
    if args.quick:
        args.reps = 1
    isolations = ["fork", "copy"] if args.isolation == "both" else [args.isolation]
    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="greenloop-bench-") as scratch:
        if args.keep:
            scratch = tempfile.mkdtemp(prefix="greenloop-bench-")
            print(f"runs kept in {scratch}", file=sys.stderr)
        try:
            patches = write_patches(Path(scratch))
            for rep in range(args.reps):
                for isolation in isolations:
                    for width in (args.widths if rep % 2 == 0 else args.widths[::-1]):
                        name = f"{isolation}-w{width}-{rep}"
                        runs.append(one_run(Path(scratch), name, width, isolation, patches))
                        r = runs[-1]
                        print(f"  {name}: {r['verdict']} in {r['process']:.2f}s (loop {r['loop']:.2f}s; "
                              f"{' '.join(r['outcomes'])})", file=sys.stderr)
        finally:
            status = systems.check_clean(scratch)
    report(runs, isolations, args.reps, args.widths)
    if any(r["verdict"] != "fixed" for r in runs):
        print("warning: a run did not end fixed; its time is not comparable", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
