"""Batch benchmark: persons per second and peak memory, the engine against hand-written polars.

    python benchmarks/bench_batch.py                   # 10^5 and 10^6 persons
    python benchmarks/bench_batch.py --ten-million     # and 10^7, streamed from a Parquet file
    python benchmarks/bench_batch.py --json

For each size N, a caseload of N persons is written once to a Parquet file (the generated
population of benchmarks/population.py, 200,000 distinct persons repeated as needed: generating
persons in Python is slower than evaluating them). Then, each in its own child process so that
peak memory (ru_maxrss) is that run's alone:

- engine, in memory: `evaluate_batch(policy, frame)` on the frame already read (10^5, 10^6);
- engine, streamed: `run_batch(policy, file.parquet, out.parquet)` (polars' streaming engine, sink);
- hand-written polars (benchmarks/baseline_polars.py), the same two ways.

All thirteen decisions. Before timing, the engine's and the hand-written results are compared on
the first 10^5 persons. Figures are the best of --repeat runs (wall clock, including reading and
writing the files for the streamed runs). Targets (issue 8): ≥ 4 million persons/s at 10^6,
peak memory ≤ 1 GB at 10^7.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from benchmarks.population import generate  # noqa: E402

DISTINCT = 200_000


def caseload(n: int, path: Path, seed: int) -> None:
    """Write N persons to `path` (Parquet), typed as a département's extract would be."""
    from engine import load_policy

    policy = load_policy(ROOT / "policy")
    cases = generate(min(n, DISTINCT), seed=seed)
    facts = sorted(policy.facts)
    types = {f: policy.plan.facts[f].type.kind.value for f in facts}
    dtype = {"date": pl.Date, "bool": pl.Boolean}
    base = pl.DataFrame(
        [{**{f: c.get(f) for f in facts}, "at": at} for c, at in cases],
        schema={**{f: dtype.get(types[f], pl.String) for f in facts}, "at": pl.Date},
    )
    repeats = -(-n // base.height)
    lf = pl.concat([base.lazy()] * repeats).head(n)
    lf.with_row_index("id", offset=1).with_columns(pl.col("id").cast(pl.String)).sink_parquet(path)


def child(kind: str, mode: str, source: Path, out: Path) -> dict[str, float]:
    """One timed run, in this (child) process: its seconds and its peak memory."""
    from benchmarks.baseline_polars import decide
    from engine import load_policy
    from engine.batch import evaluate_batch, run_batch

    policy = load_policy(ROOT / "policy")
    frame = pl.read_parquet(source) if mode == "memory" else None
    start, cpu = time.perf_counter(), _cpu()
    if kind == "engine":
        if frame is not None:
            result = evaluate_batch(policy, frame)
            rows = result.height
        else:
            summary = run_batch(policy, source, out)
            rows = summary.rows_written
    else:
        if frame is not None:
            rows = decide(frame.lazy()).collect().height
        else:
            decide(pl.scan_parquet(source)).sink_parquet(out)
            rows = pl.scan_parquet(out).select(pl.len()).collect().item()
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "peak_bytes": peak}


def _cpu() -> float:
    """This process's CPU time, every thread of it (polars runs one per core)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def agree(source: Path) -> int:
    """Rows (of the first 10^5) where the engine and the hand-written version differ."""
    from benchmarks.baseline_polars import DECISIONS, decide
    from engine import load_policy
    from engine.batch import evaluate_batch

    frame = pl.read_parquet(source).head(100_000)
    ours = evaluate_batch(load_policy(ROOT / "policy"), frame).select(DECISIONS)
    theirs = decide(frame.lazy()).collect().select(DECISIONS)
    money = [n for n in DECISIONS if ours.schema[n].is_decimal()]
    ours = ours.with_columns(pl.col(money).cast(pl.Decimal(38, 2)))
    theirs = theirs.with_columns(pl.col(money).cast(pl.Decimal(38, 2)))
    differ = pl.any_horizontal(ours[n].ne_missing(theirs[n]) for n in DECISIONS)
    return int(ours.select(differ.sum()).item())


def run_child(kind: str, mode: str, source: Path, out: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", kind, mode, str(source), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{kind} {mode} failed:\n{done.stderr}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--ten-million", action="store_true", help="also 10^7 persons, streamed (a few minutes)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per figure, best kept (default 3)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="keep the run with the best wall-clock time (default) or the best CPU time (steadier on a "
        "shared machine: the CPU seconds of all of polars' threads)",
    )
    parser.add_argument("--child", nargs=4, metavar=("KIND", "MODE", "SOURCE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, mode, source, out = args.child
        print(json.dumps(child(kind, mode, Path(source), Path(out))))
        return 0
    sizes = list(args.sizes) + ([10_000_000] if args.ten_million else [])
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            source = Path(folder) / f"caseload-{n}.parquet"
            started = time.perf_counter()
            caseload(n, source, args.seed)
            made = time.perf_counter() - started
            mismatches = agree(source) if n == sizes[0] else None
            modes = ["stream"] if n >= 10_000_000 else ["memory", "stream"]
            for mode in modes:
                kinds = ("engine", "polars")
                every: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
                for _ in range(args.repeat):  # interleaved: both share the machine's quiet moments
                    for kind in kinds:
                        every[kind].append(run_child(kind, mode, source, Path(folder) / "out.parquet"))
                for kind in kinds:
                    runs = every[kind]
                    key = "cpu_seconds" if args.clock == "cpu" else "seconds"
                    best = min(runs, key=lambda r: r[key])
                    results.append(
                        {
                            "persons": n,
                            "mode": mode,
                            "kind": kind,
                            "seconds": round(best["seconds"], 3),
                            "cpu_seconds": round(best["cpu_seconds"], 3),
                            "persons_per_second": round(n / best["seconds"]),
                            "peak_mb": round(max(r["peak_bytes"] for r in runs) / 2**20),
                        }
                    )
            if not args.json:
                note = (
                    f", engine ≠ hand-written on {mismatches} of the first 10^5 rows" if mismatches is not None else ""
                )
                print(f"{n:>10,} persons (caseload written in {made:.1f} s{note})")
                for r in results:
                    if r["persons"] == n:
                        print(
                            f"    {r['kind']:<7} {r['mode']:<7} {r['seconds']:>8.3f} s  "
                            f"{r['persons_per_second'] / 1e6:>6.2f} M persons/s  cpu {r['cpu_seconds']:>7.3f} s  "
                            f"peak {r['peak_mb']:>6} MB"
                        )
    if args.json:
        print(json.dumps({"date": date.today().isoformat(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
