"""What keeping a trace of every decision costs: compact traces and receipts against trace off.

    python3 benchmarks/bench_compact_trace.py               # 2000 cases, best of 5
    python3 benchmarks/bench_compact_trace.py --cases 10000 --repeat 7 --json

Measured per case on a seeded population (`population.py`), all thirteen decisions each time:

- (a) trace off: `policy.evaluate(facts, at=at)`, the generated code;
- (b) compact trace: `policy.evaluate(facts, at=at, trace="compact")`, the traced variant of the
  generated code, which records each rule's version, row and `if` branches (target: <= 2x (a));
- (c) receipt: `policy.receipt(facts, at)`, (b) plus the canonical JSON document and its hash;
- (d) replay: `replay(policy, document)` of (c)'s receipts (hash check, evaluation, comparison);
- (e) full trace: `policy.evaluate(facts, at=at, trace=True)`, the tracing interpreter, on the
  first `--trace-cases` cases;
- (f) explanation of `orientation_organisme` rendered from the compact trace, against (g) the same
  explanation recorded by the interpreter, on the first `--trace-cases` cases.

Timings: best of `--repeat` interleaved runs after a warm-up, garbage collector paused (see
`bench_single_case.best_of`). The machine is shared: compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_single_case import best_of  # noqa: E402
from benchmarks.population import generate  # noqa: E402
from engine import load_policy  # noqa: E402
from engine.replay import replay  # noqa: E402

TARGET = 2.0
EXPLAINED = "orientation_organisme"


def measure(args: argparse.Namespace) -> dict[str, object]:
    cases = generate(args.cases, seed=args.seed)
    few = cases[: args.trace_cases]
    policy = load_policy(args.policy)
    evaluate = policy.evaluate
    documents = [json.loads(policy.receipt(f, a).to_json()) for f, a in cases]
    compact = [evaluate(f, at=a, trace="compact") for f, a in few]
    full = [evaluate(f, at=a, trace=True) for f, a in few]
    assert all(
        c.explain(EXPLAINED).to_text() == t.explain(EXPLAINED).to_text() for c, t in zip(compact, full, strict=True)
    )
    assert sum(len(d.compact_trace or ()) for d in compact) > 0

    def off() -> None:
        for facts, at in cases:
            evaluate(facts, at=at)

    def traced() -> None:
        for facts, at in cases:
            evaluate(facts, at=at, trace="compact")

    def receipts() -> None:
        for facts, at in cases:
            policy.receipt(facts, at)

    def replays() -> None:
        for document in documents:
            replay(policy, document)

    def interpreter() -> None:
        for facts, at in few:
            evaluate(facts, at=at, trace=True)

    def render_compact() -> None:
        for d in compact:
            d.explain(EXPLAINED).to_text()

    def render_full() -> None:
        for d in full:
            d.explain(EXPLAINED).to_text()

    runs = {
        "trace_off": off,
        "compact_trace": traced,
        "receipt": receipts,
        "replay": replays,
        "full_trace": interpreter,
        "explain_from_compact": render_compact,
        "explain_from_full_trace": render_full,
    }
    best = best_of(runs, args.repeat)
    sizes = {name: len(cases) for name in ("trace_off", "compact_trace", "receipt", "replay")}
    us = {name: best[name] / sizes.get(name, len(few)) * 1e6 for name in runs}
    steps = sum(len(d.compact_trace or ()) for d in compact) / len(compact)
    compact_json = [json.dumps(d, ensure_ascii=False, separators=(",", ":")) for d in documents]
    receipt_bytes = sum(len(text.encode("utf-8")) for text in compact_json) / len(documents)
    return {
        "python": platform.python_version(),
        "cases": len(cases),
        "traced_cases": len(few),
        "repeat": args.repeat,
        "us_per_case": us,
        "ratio_compact_to_off": us["compact_trace"] / us["trace_off"],
        "ratio_receipt_to_off": us["receipt"] / us["trace_off"],
        "ratio_full_to_off": us["full_trace"] / us["trace_off"],
        "compact_steps_per_case": steps,
        "receipt_bytes_per_case": receipt_bytes,
        "trace_bytes_per_case": sum(len(json.dumps(d["trace"], separators=(",", ":"))) for d in documents)
        / len(documents),
    }


def table(r: dict[str, object]) -> str:
    us = r["us_per_case"]
    assert isinstance(us, dict)
    ratio = r["ratio_compact_to_off"]
    assert isinstance(ratio, float)
    labels = {
        "trace_off": "(a) trace off",
        "compact_trace": "(b) compact trace (generated code)",
        "receipt": "(c) receipt (b + canonical JSON + hash)",
        "replay": "(d) replay of a receipt",
        "full_trace": f"(e) full trace (interpreter, {r['traced_cases']} cases)",
        "explain_from_compact": f"(f) explain {EXPLAINED} from (b)",
        "explain_from_full_trace": f"(g) explain {EXPLAINED} from (e)",
    }
    lines = [
        f"RSA pack: {r['cases']} cases, best of {r['repeat']}; Python {r['python']}",
        "",
        f"{'per case':<52}{'µs':>10}{'x (a)':>10}",
    ]
    for key, label in labels.items():
        lines.append(f"{label:<52}{us[key]:>10.1f}{us[key] / us['trace_off']:>10.2f}")
    lines += [
        "",
        f"compact trace / trace off: {ratio:.2f}x (target <= {TARGET:g}x: {'met' if ratio <= TARGET else 'NOT met'})",
        f"compact trace: {r['compact_steps_per_case']:.1f} steps per case, {r['trace_bytes_per_case']:.0f} bytes "
        f"of JSON; whole receipt {r['receipt_bytes_per_case']:.0f} bytes",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cost of compact traces, receipts and replay on the RSA pack.")
    parser.add_argument("--cases", type=int, default=2000, help="population size (default 2000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs, best kept (default 5)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--trace-cases", type=int, default=300, help="cases for the slow interpreter paths")
    parser.add_argument("--policy", default=str(ROOT / "policy"))
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    results = measure(args)
    print(json.dumps(results, indent=2) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
