"""What keeping a trace of every decision costs: compact traces and receipts against trace off.

    python3 benchmarks/bench_compact_trace.py               # 2000 cases, best of 5
    python3 benchmarks/bench_compact_trace.py --cases 10000 --repeat 7 --json
    python3 benchmarks/bench_compact_trace.py --clock cpu      # CPU time: steadier on a shared machine

Measured per case on a seeded population (`population.py`), all thirteen decisions each time:

- (a) trace off: `policy.evaluate(facts, at=at)`, the generated code;
- (b) compact trace: `policy.evaluate(facts, at=at, trace="compact")`, the same generated code
  written with recording (`codegen.generate(traced=True)`), which records each rule's version,
  row and `if` branches (target: <= 2x (a));
- (c) receipt: `policy.receipt(facts, at)`, (b) plus the canonical JSON document and its hash;
- (d) replay: `replay(policy, document)` of (c)'s receipts (hash check, evaluation, comparison);
- (e) full trace: `policy.evaluate(facts, at=at, trace=True)`, the tracing interpreter, on the
  first `--trace-cases` cases;
- (f) explanation of `orientation_organisme` rendered from the compact trace, against (g) the same
  explanation recorded by the interpreter, on the first `--trace-cases` cases.

(a) and (b) are also timed, in the same run, on the error-free cases alone, and on the population
with `--error-share` of its cases (default 10%) made to fail some decisions: their entry into the
RSA moved to 2018, before the semi-automatic circuit, so the orientation and contract decisions
are `not_in_force` while the ADRE and AAVE ones are still computed. The population itself has no
per-decision error. "interpreter fallbacks" counts the cases whose compact trace the tracing
interpreter had to give, for some decision, instead of the generated code.

Timings: best of `--repeat` interleaved runs after a warm-up, garbage collector paused (see
`bench_single_case.best_of`). The machine is shared: compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_single_case import best_of  # noqa: E402
from benchmarks.population import generate, with_errors  # noqa: E402
from engine import load_policy  # noqa: E402
from engine.replay import replay  # noqa: E402

TARGET = 2.0
EXPLAINED = "orientation_organisme"


def measure(args: argparse.Namespace) -> dict[str, object]:
    cases = generate(args.cases, seed=args.seed)
    few = cases[: args.trace_cases]
    policy = load_policy(args.policy)
    evaluate = policy.evaluate
    clean = [(f, a) for f, a in cases if not evaluate(f, at=a).errors]
    mixed = with_errors(cases, args.error_share, args.seed)
    failing = [(f, a) for f, a in mixed if evaluate(f, at=a).errors]
    counts = {}
    for label, population in (("clean", clean), ("population", cases), ("with_errors", mixed)):
        traced_cases = [evaluate(f, at=a, trace="compact") for f, a in population]
        plain = [evaluate(f, at=a) for f, a in population]
        assert all(c.to_dict() == p.to_dict() for c, p in zip(traced_cases, plain, strict=True))
        counts[label] = {
            "cases": len(population),
            "with_errors": sum(1 for d in plain if d.errors),
            "interpreter_fallbacks": sum(1 for d in traced_cases if d.compact_trace and d.compact_trace.interpreted),
        }
    documents = [json.loads(policy.receipt(f, a).to_json()) for f, a in cases]
    compact = [evaluate(f, at=a, trace="compact") for f, a in few]
    full = [evaluate(f, at=a, trace=True) for f, a in few]
    assert all(
        c.explain(EXPLAINED).to_text() == t.explain(EXPLAINED).to_text() for c, t in zip(compact, full, strict=True)
    )
    assert sum(len(d.compact_trace or ()) for d in compact) > 0

    def pair(population: list[tuple[dict[str, object], date]]) -> tuple[Callable[[], None], Callable[[], None]]:
        def plain() -> None:
            for facts, at in population:
                evaluate(facts, at=at)

        def compact() -> None:
            for facts, at in population:
                evaluate(facts, at=at, trace="compact")

        return plain, compact

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
        **dict(zip(("trace_off", "compact_trace"), pair(cases), strict=True)),
        **dict(zip(("clean_trace_off", "clean_compact_trace"), pair(clean), strict=True)),
        **dict(zip(("errors_trace_off", "errors_compact_trace"), pair(mixed), strict=True)),
        **dict(zip(("failing_trace_off", "failing_compact_trace"), pair(failing), strict=True)),
        "receipt": receipts,
        "replay": replays,
        "full_trace": interpreter,
        "explain_from_compact": render_compact,
        "explain_from_full_trace": render_full,
    }
    best = best_of(runs, args.repeat, time.process_time if args.clock == "cpu" else time.perf_counter)
    sizes = {name: len(cases) for name in ("trace_off", "compact_trace", "receipt", "replay")}
    sizes.update({f"clean_{k}": len(clean) for k in ("trace_off", "compact_trace")})
    sizes.update({f"errors_{k}": len(mixed) for k in ("trace_off", "compact_trace")})
    sizes.update({f"failing_{k}": len(failing) for k in ("trace_off", "compact_trace")})
    us = {name: best[name] / sizes.get(name, len(few)) * 1e6 for name in runs}
    steps = sum(len(d.compact_trace or ()) for d in compact) / len(compact)
    compact_json = [json.dumps(d, ensure_ascii=False, separators=(",", ":")) for d in documents]
    receipt_bytes = sum(len(text.encode("utf-8")) for text in compact_json) / len(documents)
    return {
        "python": platform.python_version(),
        "cases": len(cases),
        "traced_cases": len(few),
        "repeat": args.repeat,
        "clock": args.clock,
        "us_per_case": us,
        "ratio_compact_to_off": us["compact_trace"] / us["trace_off"],
        "ratio_clean_compact_to_off": us["clean_compact_trace"] / us["clean_trace_off"],
        "ratio_errors_compact_to_off": us["errors_compact_trace"] / us["errors_trace_off"],
        "ratio_failing_compact_to_off": us["failing_compact_trace"] / us["failing_trace_off"],
        "error_share": args.error_share,
        "counts": counts,
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
    share = r["error_share"]
    assert isinstance(share, float)
    labels = {
        "clean_trace_off": "error-free cases: trace off",
        "clean_compact_trace": "error-free cases: compact trace",
        "trace_off": "(a) trace off",
        "compact_trace": "(b) compact trace (generated code)",
        "errors_trace_off": f"population, {share:.0%} failing some decisions: trace off",
        "errors_compact_trace": f"population, {share:.0%} failing some decisions: compact",
        "failing_trace_off": "the failing cases alone: trace off",
        "failing_compact_trace": "the failing cases alone: compact trace",
        "receipt": "(c) receipt (b + canonical JSON + hash)",
        "replay": "(d) replay of a receipt",
        "full_trace": f"(e) full trace (interpreter, {r['traced_cases']} cases)",
        "explain_from_compact": f"(f) explain {EXPLAINED} from (b)",
        "explain_from_full_trace": f"(g) explain {EXPLAINED} from (e)",
    }
    lines = [
        f"RSA pack: {r['cases']} cases, best of {r['repeat']} ({r['clock']} clock); Python {r['python']}",
        "",
        f"{'per case':<60}{'µs':>10}{'x (a)':>10}",
    ]
    for key, label in labels.items():
        lines.append(f"{label:<60}{us[key]:>10.1f}{us[key] / us['trace_off']:>10.2f}")
    counts = r["counts"]
    assert isinstance(counts, dict)
    lines += [""]
    for key, label in (
        ("clean", "error-free cases"),
        ("population", "population"),
        ("with_errors", f"population, {share:.0%} failing"),
    ):
        c = counts[key]
        lines.append(
            f"{label}: {c['cases']} cases, {c['with_errors']} with a decision in error, "
            f"{c['interpreter_fallbacks']} interpreter fallbacks"
        )
    lines += [""]
    for key, label in (
        ("ratio_clean_compact_to_off", "error-free cases"),
        ("ratio_compact_to_off", "whole population"),
        ("ratio_errors_compact_to_off", f"population, {share:.0%} failing"),
        ("ratio_failing_compact_to_off", "failing cases alone"),
    ):
        value = r[key]
        assert isinstance(value, float)
        verdict = "met" if value <= TARGET else "NOT met"
        lines.append(f"compact trace / trace off, {label}: {value:.2f}x (target <= {TARGET:g}x: {verdict})")
    lines += [
        f"compact trace: {r['compact_steps_per_case']:.1f} steps per case, {r['trace_bytes_per_case']:.0f} bytes "
        f"of JSON; whole receipt {r['receipt_bytes_per_case']:.0f} bytes",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cost of compact traces, receipts and replay on the RSA pack.")
    parser.add_argument("--cases", type=int, default=2000, help="population size (default 2000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs, best kept (default 5)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--error-share", type=float, default=0.1, help="cases made to fail some decisions (0.1)")
    parser.add_argument("--trace-cases", type=int, default=300, help="cases for the slow interpreter paths")
    parser.add_argument("--policy", default=str(ROOT / "policy"))
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time runs by the wall clock (default) or the process's CPU time (steadier on a shared machine)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    results = measure(args)
    print(json.dumps(results, indent=2) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
