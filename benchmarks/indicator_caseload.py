"""A generated caseload for indicators, as a file: the benchmark population plus first appointments.

    python3 benchmarks/indicator_caseload.py 2000 caseload.csv      # or .parquet, .jsonl

Rows are `population.generate(n, seed)` persons, as text in the names of vocabulary.md, with an
`id` (`p1`, `p2`, …) and, for 70 % of the persons already notified, a `date_premier_rdv` drawn
around the two-week target (0, 13, 14, 15 or 30 days after the notification). Deterministic.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.population import generate


def _text(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if isinstance(value, date) else value


def caseload(n: int, seed: int = 11) -> list[dict[str, object]]:
    rng = random.Random(seed)
    out = []
    for i, (facts, _) in enumerate(generate(n, seed=seed)):
        row = dict(facts)
        notified = row.get("date_notification_orientation")
        if isinstance(notified, date) and rng.random() < 0.7:
            row["date_premier_rdv"] = notified + timedelta(days=rng.choice([0, 13, 14, 15, 30]))
        out.append({"id": f"p{i + 1}", **{k: _text(v) for k, v in row.items()}})
    return out


def write(rows: list[dict[str, object]], path: Path) -> None:
    import polars as pl

    frame = pl.DataFrame(rows, infer_schema_length=None)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.write_parquet(path)
    elif suffix in (".jsonl", ".ndjson"):
        frame.write_ndjson(path)
    else:
        frame.write_csv(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of persons")
    parser.add_argument("output", help="output file: .csv, .parquet or .jsonl")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    write(caseload(args.n, args.seed), Path(args.output))


if __name__ == "__main__":
    main()
