"""Indicators over a large caseload: the time to compute every indicator once the decisions are known.

    python3 benchmarks/bench_indicators.py --persons 1000000

Builds the indicator frame (facts and decisions) for `--base` generated persons one at a time,
tiles it up to `--persons` rows with fresh ids, then times `engine.batch.indicators.compute`
(every indicator of the pack, no breakdown and `--by mois`), best of `--repeat`. The target of
issue 8 is under 2 s for 10^6 persons.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import polars as pl

from benchmarks.indicator_caseload import caseload
from engine import load_policy
from engine.batch.indicator_frame import case_by_case_frame
from engine.batch.indicators import compute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--base", type=int, default=10_000, help="distinct generated persons, tiled")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    policy = load_policy("policy")
    debut, fin = date(2023, 1, 1), date(2023, 12, 31)
    rules = policy.indicators.rules_read(policy.plan, None, "mois")
    base = case_by_case_frame(policy, pl.DataFrame(caseload(args.base), infer_schema_length=None), fin, rules)
    copies = -(-args.persons // base.height)
    frame = pl.concat([base] * copies).head(args.persons)
    frame = frame.with_columns(pl.format("p{}", pl.int_range(pl.len())).alias("id"))
    for by in (None, "mois"):
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            compute(policy, frame, debut, fin, fin, by=by)
            best = min(best, time.perf_counter() - start)
        print(f"{frame.height} persons, by={by}: {best:.2f} s ({frame.height / best / 1e6:.1f} M persons/s)")


if __name__ == "__main__":
    main()
