"""Compact traces recorded by the generated code, and explanations rendered from them.

The explanation rendered from a compact trace (`evaluate(..., trace="compact")`) must say exactly
what the tracing interpreter says (`trace=True`), in text, Markdown, JSON and `why_not`, on every
case file of the pack, on a generated population (also with cases failing some decisions) and on
the small test policies (versions, tables, `if`, `as of`, errors of every kind); the values and
errors must be those of trace off, and the traces must come from the generated code.
"""

from __future__ import annotations

import itertools
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine import Policy
from engine.cases import case_files, load_cases
from engine.compact import CompactTrace, Step
from engine.pinned import TraceMismatch, render
from tests.conftest import write_policy

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.population import generate, with_errors  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def _case_files_cases(policy: Policy) -> list[tuple[dict[str, object], date]]:
    out = []
    for file in case_files([ROOT / "policy" / "tests", ROOT / "policy" / "examples"]).files:
        out += [(c.facts, c.at) for c in load_cases(file, policy)]
    return out


def _same_explanations(policy: Policy, facts: dict[str, object], at: date, why_not: bool) -> list[str]:
    full = policy.evaluate(facts, at, trace=True)
    compact = policy.evaluate(facts, at, trace="compact")
    assert compact.compact_trace is not None
    assert compact.compact_trace.interpreted == ()  # recorded by the generated code, not the interpreter
    assert compact.to_dict() == policy.evaluate(facts, at).to_dict()  # values and errors of trace off
    assert dict(full) == dict(compact)
    assert {n: e.to_dict() for n, e in full.errors.items()} == {n: e.to_dict() for n, e in compact.errors.items()}
    problems = []
    for name in full.values:
        a, b = full.explain(name), compact.explain(name)
        if (a.to_text(), a.to_markdown(), a.to_json()) != (b.to_text(), b.to_markdown(), b.to_json()):
            problems.append(f"{at} {name}")
        if why_not:
            rule = policy.plan.rules[name]
            enum = policy.plan.enums.get(rule.type.enum or "")
            for value in [v for v, _ in enum.values] if enum else ["0", "true", "false"]:
                if a.why_not(value) != b.why_not(value):
                    problems.append(f"{at} {name} why not {value}")
    return problems


def test_every_case_file_explains_the_same_from_the_compact_trace(rsa: Policy) -> None:
    cases = _case_files_cases(rsa)
    assert len(cases) > 50
    problems = [p for facts, at in cases for p in _same_explanations(rsa, facts, at, why_not=True)]
    assert problems == []


def test_a_generated_population_explains_the_same_from_the_compact_trace(rsa: Policy) -> None:
    problems = [p for facts, at in generate(150, seed=41) for p in _same_explanations(rsa, facts, at, why_not=False)]
    assert problems == []


def test_a_population_failing_some_decisions_explains_the_same(rsa: Policy) -> None:
    cases = with_errors(generate(120, seed=43), 0.4, seed=43)
    failing = [c for c in cases if rsa.evaluate(*c).errors]
    assert len(failing) > 20
    problems = [p for facts, at in cases for p in _same_explanations(rsa, facts, at, why_not=False)]
    assert problems == []


def _grid(**choices: list[object]) -> list[dict[str, object]]:
    names = list(choices)
    return [
        {n: v for n, v in zip(names, values, strict=True) if v is not None}
        for values in itertools.product(*choices.values())
    ]


def test_the_mini_policy_explains_the_same_on_every_date() -> None:
    from engine import load_policy

    policy = load_policy(FIXTURES / "mini")
    grid = _grid(
        born=[None, date(1990, 5, 1), date(2000, 2, 29)],
        available=[True, False],
        start=[None, date(2019, 6, 1), date(2024, 12, 15)],
        amount=[None, Decimal("12.50")],
    )
    days = [date(2019, 6, 1), date(2021, 3, 1), date(2024, 12, 31), date(2025, 1, 1), date(2026, 6, 30)]
    problems = [p for facts in grid for at in days for p in _same_explanations(policy, facts, at, why_not=True)]
    assert problems == []
    assert policy.evaluate({}, date(2019, 6, 1), trace="compact").errors  # not in force before 2020


def test_the_batch_policy_explains_the_same_with_every_kind_of_error() -> None:
    from engine import load_policy

    policy = load_policy(FIXTURES / "batch")
    grid = _grid(
        montant=[None, Decimal("123.45")],
        parts=[0, 3],
        canal=[None, "web", "guichet"],
        debut=[None, date(2023, 1, 31), date(9999, 12, 20)],
        naissance=[None, date(1980, 1, 1)],
    )
    days = [date(2021, 6, 1), date(2023, 3, 1)]
    cases = [(facts, at) for facts in grid for at in days]
    problems = [p for facts, at in cases for p in _same_explanations(policy, facts, at, why_not=False)]
    assert problems == []
    codes = {e.code for facts, at in cases for e in policy.evaluate(facts, at).errors.values()}
    assert {"not_in_force", "missing_fact", "evaluation_error"} <= codes


def test_the_division_policy_explains_the_same_where_a_branch_guards_a_failure() -> None:
    from engine import load_policy

    policy = load_policy(FIXTURES / "division")
    cases = [
        ({"n": n} if n is not None else {}, at) for n in (None, 0, 3, 20) for at in (date(2019, 6, 1), date(2021, 3, 1))
    ]
    problems = [p for facts, at in cases for p in _same_explanations(policy, facts, at, why_not=True)]
    assert problems == []
    zero = policy.evaluate({"n": 0}, date(2021, 3, 1), trace="compact")
    assert zero.errors == {} and zero["grand"] is False  # `q` is read only in the branch not taken


def test_compact_trace_pins_versions_rows_and_branches(rsa: Policy) -> None:
    facts = {
        "date_naissance": date(1975, 9, 12),
        "date_entree_rsa": date(2023, 1, 16),
        "suivi_social_mds_en_cours": True,
    }
    decision = rsa.evaluate(facts, date(2023, 3, 1), trace="compact")
    trace = decision.compact_trace
    assert trace is not None
    steps = {(s.rule, s.law): s for s in trace}
    age = steps[("age_a_l_entree_rsa", date(2023, 1, 16))]
    assert age.row is None and age.ifs == "t"  # `if date_naissance is not null then … else null`
    organisme = steps[("orientation_organisme_selon_circuit", date(2023, 1, 16))]
    assert organisme.row == 2  # the automatic MDS row, read under the law of the entry date
    assert rsa.plan.rules["orientation_organisme_selon_circuit"].versions[organisme.version].start <= date(2023, 1, 16)
    without = rsa.evaluate({**facts, "date_naissance": None}, date(2023, 3, 1), trace="compact").compact_trace
    assert without is not None and without.get("age_a_l_entree_rsa", date(2023, 1, 16)).ifs == "e"  # type: ignore[union-attr]


def test_json_round_trip(rsa: Policy) -> None:
    for facts, at in generate(30, seed=5):
        trace = rsa.evaluate(facts, at, trace="compact").compact_trace
        assert trace is not None
        again = CompactTrace.from_json(trace.to_json(), at, rsa.plan)
        assert again == trace


def test_a_tampered_trace_is_refused_not_explained_otherwise(rsa: Policy) -> None:
    facts = {"date_entree_rsa": date(2022, 3, 1), "inscrit_france_travail": True}
    decision = rsa.evaluate(facts, date(2022, 3, 15), trace="compact")
    trace = decision.compact_trace
    assert trace is not None
    steps = list(trace)
    key = next(i for i, s in enumerate(steps) if s.rule == "orientation_organisme_selon_circuit")
    s = steps[key]
    steps[key] = Step(s.rule, s.version, s.law, (s.row or 0) + 1, s.ifs)  # claim the next row was taken
    forged = CompactTrace(trace.today, rsa.plan, steps=steps)
    with pytest.raises(TraceMismatch, match="row"):
        render(rsa.plan, decision.facts, forged, "orientation_organisme")
    # A case that reads the age (the generated code computes a rule only where it is read).
    facts = {
        "date_naissance": date(1975, 9, 12),
        "date_entree_rsa": date(2023, 1, 16),
        "suivi_social_mds_en_cours": True,
    }
    decision = rsa.evaluate(facts, date(2023, 3, 1), trace="compact")
    assert decision.compact_trace is not None
    steps = list(decision.compact_trace)
    age = next(i for i, s in enumerate(steps) if s.rule == "age_a_l_entree_rsa")
    a = steps[age]
    steps[age] = Step(a.rule, a.version, a.law, a.row, "t" if a.ifs == "e" else "e")  # the other branch
    with pytest.raises(TraceMismatch, match=r"true|false"):
        render(rsa.plan, decision.facts, CompactTrace(trace.today, rsa.plan, steps=steps), "orientation_organisme")


def test_a_rule_read_only_in_a_branch_not_taken_is_not_computed_nor_traced(tmp_path: Path) -> None:
    from engine import load_policy

    path = write_policy(
        tmp_path,
        """
facts:
  n: {type: int, label: N}
rules:
  ratio:
    label: Ratio
    type: decimal
    versions:
      - from: 2020-01-01
        table:
          - when: n == 0
            then: 0
            because: Nothing to divide.
          - otherwise: 10 / n
            because: Ten divided by n.
  out:
    label: Out
    type: decimal
    output: true
    versions:
      - from: 2020-01-01
        formula: if n == 0 then 1 else ratio
""",
    )
    policy = load_policy(path)
    decision = policy.evaluate({"n": 0}, date(2021, 1, 1), ["out"], trace="compact")
    assert decision["out"] == 1
    trace = decision.compact_trace
    assert trace is not None and trace.interpreted == ()
    assert [(s.rule, s.ifs) for s in trace] == [("out", "t")]  # `ratio` was not read: no step
    full = policy.evaluate({"n": 0}, date(2021, 1, 1), ["out"], trace=True)
    assert decision.explain("out").to_text() == full.explain("out").to_text()
    read = policy.evaluate({"n": 4}, date(2021, 1, 1), ["out"], trace="compact").compact_trace
    assert read is not None and [(s.rule, s.row, s.ifs) for s in read] == [("out", None, "e"), ("ratio", 2, "")]


def test_traced_code_keeps_the_generated_code_safe(rsa: Policy) -> None:
    """Recording adds numbered locals and record tuples only: every name in the source has one of
    the generator's numbered shapes, the only strings are the decisions' names (checked snake_case,
    as in the code without recording), and the code runs with empty builtins."""
    import ast as python_ast
    import re

    from engine.codegen import generate as generate_code

    numbered = re.compile(r"(v|f|_k|_wv|_b|_q|_t|_c)\d+(_\d+)?|(_g\d+|_main)(_\d+|_segments)?")
    fixed = {
        "F",
        "T",
        "L",
        "C",
        "R",
        "k",
        "r",
        "run",
        "_U",
        "_bisect",
        "_bounds",
        "_dec",
        "_div",
        "_mul_duration",
        "_named",
    }
    plan = rsa.plan
    for traced in (False, True):
        program = generate_code(plan, plan.outputs, traced=traced)
        tree = python_ast.parse(program.source)
        nodes = list(python_ast.walk(tree))
        strings = {n.value for n in nodes if isinstance(n, python_ast.Constant) and isinstance(n.value, str)}
        assert strings <= set(plan.outputs)
        names = {n.id for n in nodes if isinstance(n, python_ast.Name)}
        names |= {n.name for n in nodes if isinstance(n, python_ast.FunctionDef)}
        names |= {a.arg for n in nodes if isinstance(n, python_ast.FunctionDef) for a in n.args.args}
        assert {n for n in names if not numbered.fullmatch(n)} <= fixed
        assert program.run.__globals__["__builtins__"] == {}
