"""What auditing a run costs: `policy batch` plain, with `--receipt`, and with `--trace`.

    python benchmarks/bench_batch_trace.py              # 20,000 persons, best of 3
    python benchmarks/bench_batch_trace.py --persons 100000 --repeat 1 --json

A caseload of N persons of the generated population (benchmarks/population.py) is written once to
a CSV file; then, through the command's own code (`engine.batch.cli.run`), into CSV files:

- plain: the streamed, vectorised run;
- receipt: the same, then the run receipt (SHA-256 of the input and output files);
- trace: the `trace` column (every row also through the scalar code with its compact trace).

Figures: wall clock (best of --repeat), persons per second, and the ratio to the plain run.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.population import generate  # noqa: E402
from engine import load_policy  # noqa: E402
from engine.batch import cli as batch  # noqa: E402


def write_caseload(path: Path, persons: int) -> None:
    cases = generate(persons, seed=2026)
    names = sorted({k for facts, _ in cases for k in facts})
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "at", *names])
        for i, (facts, at) in enumerate(cases, 1):
            cells = [
                "" if facts.get(n) is None else str(facts[n]).lower() if isinstance(facts[n], bool) else str(facts[n])
                for n in names
            ]
            w.writerow([i, at.isoformat(), *cells])


def best(repeat: int, run: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    policy = load_policy(ROOT / "policy")
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        source = here / "caseload.csv"
        write_caseload(source, args.persons)
        out = str(here / "out.csv")

        def plain() -> None:
            batch.run(policy, str(source), out, at=None, decisions=None, progress=lambda n: None)

        def receipt() -> None:
            batch.run(
                policy, str(source), out, at=None, decisions=None, progress=lambda n: None, receipt=str(here / "r.json")
            )

        def traced() -> None:
            batch.run(policy, str(source), out, at=None, decisions=None, progress=lambda n: None, trace=True)

        plain()  # warm-up: code generation and compilation, once per process
        figures = {
            name: best(args.repeat, run) for name, run in (("plain", plain), ("receipt", receipt), ("trace", traced))
        }
    results = {
        name: {
            "seconds": round(s, 3),
            "persons_per_s": round(args.persons / s),
            "ratio": round(s / figures["plain"], 2),
        }
        for name, s in figures.items()
    }
    if args.json:
        print(json.dumps({"persons": args.persons, **results}, indent=2))
        return
    print(f"{args.persons} persons, best of {args.repeat}")
    for name, r in results.items():
        print(f"  {name:8} {r['seconds']:8.3f} s  {r['persons_per_s']:>10,} persons/s  ×{r['ratio']}")


if __name__ == "__main__":
    main()
