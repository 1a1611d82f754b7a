"""Cost of large policies (issue 12 §4): check and first evaluation time, generated code size and
peak memory, for policies of growing size; the per-segment code (the default for ordinary
policies) is measured alongside for the smaller sizes, as the baseline it replaces.

    python3 benchmarks/bench_policy_size.py
    python3 benchmarks/bench_policy_size.py --sizes 100 200 400 1000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import load_policy  # noqa: E402
from engine.codegen import Program, generate  # noqa: E402
from engine.codegen_linear import generate_linear, generate_program  # noqa: E402
from engine.plan import Plan  # noqa: E402

REF = "    references: [{article: X}]\n"


def dated_rules(count: int) -> str:
    """`count` rules in a chain, each with its own `from` date (a new date segment per rule);
    tests/test_hostile_cost.py checks the same shape."""
    out = ["facts:\n  n: {type: int, label: N}\nrules:\n"]
    for i in range(count):
        start = date(2000, 1, 1) + timedelta(days=i)
        before = "n" if i == 0 else f"r{i - 1}"
        out.append(
            f"  r{i}:\n    label: R{i}\n    type: int\n{REF}    versions:\n"
            f"      - from: 1990-01-01\n        until: {start - timedelta(days=1)}\n        formula: {before}\n"
            f"      - from: {start}\n        formula: {before} + 1\n"
        )
    return "".join(out)


def measure(
    make: Callable[[Plan, tuple[str, ...]], Program], plan: Plan, outputs: tuple[str, ...]
) -> tuple[float, int, int]:
    tracemalloc.start()
    began = time.perf_counter()
    program = make(plan, outputs)
    elapsed = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, len(program.source), peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 1000])
    parser.add_argument("--baseline-up-to", type=int, default=200, help="largest size for per-segment code")
    args = parser.parse_args()
    print(f"{'rules':>6} {'YAML KB':>8} {'check s':>8} {'form':>12} {'codegen s':>10} {'code KB':>8} {'peak MB':>8}")
    for size in args.sizes:
        text = dated_rules(size)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "policy.yaml"
            path.write_text(text, encoding="utf-8")
            began = time.perf_counter()
            policy = load_policy(path)
            check = time.perf_counter() - began
        plan, outputs = policy.plan, policy.plan.outputs
        forms = [("chosen", generate_program), ("per-version", generate_linear)]
        if size <= args.baseline_up_to:
            forms.append(("per-segment", generate))
        for name, make in forms:
            elapsed, code, peak = measure(make, plan, outputs)
            print(
                f"{size:>6} {len(text) / 1024:>8.0f} {check:>8.2f} {name:>12} {elapsed:>10.2f} "
                f"{code / 1024:>8.0f} {peak / 2**20:>8.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
