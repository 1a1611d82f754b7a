"""Issue 12 §4: what `check` accepts, `eval` runs, with generated code linear in the policy; every
documented limit (rows, rules, versions, values) works at its edge and is a located error past it."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import POLICY_DIR, ROOT, write_policy
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Code, PolicyCompileError, load_policy
from engine.cases import case_files, load_cases
from engine.codegen import generate
from engine.codegen_linear import FLAT_ROWS, generate_linear, generate_program
from engine.reader import MAX_RULES, MAX_TABLE_ROWS, MAX_VALUES, MAX_VERSIONS
from engine.tables import MAX_ATOMS

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.bench_policy_size import dated_rules  # the benchmark's own policy shape

AT = date(2024, 6, 1)
REF = "    references: [{article: X}]\n"


def big_table(rows: int) -> str:
    """One rule whose table has `rows` rows (the last one `otherwise`)."""
    out = ["facts:\n  n: {type: int, label: N}\nrules:\n  r:\n    label: R\n    type: int\n", REF]
    out.append("    from: 2000-01-01\n    table:\n")
    out += [f"      - when: n == {i}\n        then: {i * 2}\n        because: b\n" for i in range(rows - 1)]
    out.append("      - otherwise: -1\n        because: b\n")
    return "".join(out)


def test_a_2980_row_table_checks_and_evaluates(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, big_table(2980)))
    assert policy.evaluate({"n": 2978}, AT)["r"] == 5956
    assert policy.evaluate({"n": 5000}, AT)["r"] == -1
    assert policy.evaluate({"n": 7}, AT, trace=True)["r"] == 14


def test_a_thousand_dated_rules_give_code_linear_in_the_policy(tmp_path: Path) -> None:
    text = dated_rules(1000)
    policy = load_policy(write_policy(tmp_path, text))
    program = generate_program(policy.plan, ("r999",))
    assert len(program.source) < 2 * len(text)  # segment by segment it was about 1,000 × larger
    assert program.run({"n": 5}, AT)["r999"] == 5 + 1000
    assert program.run({"n": 5}, date(2000, 1, 10))["r999"] == 5 + 10
    decision = policy.evaluate({"n": 5}, date(2001, 1, 1))
    assert decision["r999"] == 5 + 367 and decision["r0"] == 6


def test_small_policies_keep_straight_line_code(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, dated_rules(5)))
    assert "_segments" in generate_program(policy.plan, ("r4",)).source
    policy = load_policy(write_policy(tmp_path, big_table(FLAT_ROWS + 1)))
    assert "_segments" not in generate_program(policy.plan, ("r",)).source


def test_both_forms_agree_on_every_rsa_case() -> None:
    """The per-version form (used for large policies) computes what the per-segment form computes."""
    policy = load_policy(POLICY_DIR)
    plan = policy.plan
    segmented = generate(plan, plan.outputs)
    linear = generate_linear(plan, plan.outputs)
    compared = 0
    for path in case_files([POLICY_DIR / "tests", POLICY_DIR / "examples"]).files:
        for case in load_cases(path, policy):
            env = policy._evaluator.facts(case.facts)
            try:
                expected: object = segmented.run(env, case.at)
            except Exception as exc:
                expected = type(exc)
            try:
                got: object = linear.run(env, case.at)
            except Exception as exc:
                got = type(exc)
            assert got == expected, case.id
            compared += 1
    assert compared > 50


def _errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(PolicyCompileError) as info:
        load_policy(write_policy(tmp_path, text))
    return [f"{d.code}: {d.message}" for d in info.value.diagnostics if d.severity.value == "error"]


def test_table_rows_at_the_limit_and_past_it(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, big_table(MAX_TABLE_ROWS)))
    assert policy.evaluate({"n": MAX_TABLE_ROWS - 2}, AT)["r"] == 2 * (MAX_TABLE_ROWS - 2)
    [error] = _errors(tmp_path, big_table(MAX_TABLE_ROWS + 1))
    assert error.startswith(f"{Code.TOO_COMPLEX}: this decision table has {MAX_TABLE_ROWS + 1} rows")


def _many_rules(count: int) -> str:
    rules = "".join(
        f"  r{i}:\n    label: R\n    type: int\n{REF}    from: 2000-01-01\n    formula: {i}\n" for i in range(count)
    )
    return "rules:\n" + rules


def test_rules_at_the_limit_and_past_it(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, _many_rules(MAX_RULES)))
    assert policy.evaluate({}, AT, decisions=[f"r{MAX_RULES - 1}"])[f"r{MAX_RULES - 1}"] == MAX_RULES - 1
    errors = _errors(tmp_path, _many_rules(MAX_RULES + 1))
    assert errors == [f"{Code.TOO_COMPLEX}: a policy has at most {MAX_RULES} rules"]


def _versions(count: int) -> str:
    out = [f"rules:\n  r:\n    label: R\n    type: int\n{REF}    versions:\n"]
    out += [f"      - from: {date(2000, 1, 1) + timedelta(days=i)}\n        formula: {i}\n" for i in range(count)]
    return "".join(out)


def test_versions_at_the_limit_and_past_it(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, _versions(MAX_VERSIONS)))
    assert policy.evaluate({}, date(2000, 1, 1) + timedelta(days=7))["r"] == 7
    [error] = _errors(tmp_path, _versions(MAX_VERSIONS + 1))
    assert error.startswith(f"{Code.TOO_COMPLEX}: rule `r` has {MAX_VERSIONS + 1} versions")


def _values(count: int) -> str:
    out = ["parameters:\n  p:\n    label: P\n    type: int\n    values:\n"]
    out += [
        f"      - from: {date(2000, 1, 1) + timedelta(days=i)}\n        value: {i}\n"
        "        references: [{article: X}]\n"
        for i in range(count)
    ]
    out.append(f"rules:\n  r:\n    label: R\n    type: int\n{REF}    from: 2000-01-01\n    formula: p\n")
    return "".join(out)


def test_parameter_values_at_the_limit_and_past_it(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, _values(MAX_VALUES)))
    assert policy.evaluate({}, date(2000, 1, 1) + timedelta(days=9))["r"] == 9
    [error] = _errors(tmp_path, _values(MAX_VALUES + 1))
    assert error.startswith(f"{Code.TOO_COMPLEX}: parameter `p` has {MAX_VALUES + 1} values")


def _wide_table(facts: int) -> str:
    names = [f"b{i}" for i in range(facts)]
    head = "facts:\n" + "".join(f"  {n}: {{type: bool, label: L}}\n" for n in names)
    rows = "".join(
        f"      - when: {n} and not {names[(i + 1) % facts]}\n        then: {i}\n        because: b\n"
        for i, n in enumerate(names)
    )
    rows += "      - when: b0 and not b1\n        then: -2\n        because: b\n"  # hidden by row 1
    return (
        head
        + f"rules:\n  r:\n    label: R\n    type: int\n{REF}    from: 2000-01-01\n    table:\n{rows}"
        + ("      - otherwise: -1\n        because: b\n")
    )


def test_unreachable_row_analysis_at_its_limit_and_past_it(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, _wide_table(MAX_ATOMS)))
    [warning] = policy.warnings
    assert warning.code is Code.UNREACHABLE_ROW and warning.message.startswith(f"row {MAX_ATOMS + 1} of `r`")
    policy = load_policy(write_policy(tmp_path, _wide_table(MAX_ATOMS + 1)))
    [warning] = policy.warnings
    assert warning.code is Code.ANALYSIS_LIMIT
    assert f"{MAX_ATOMS + 1} different conditions" in warning.message


def _as_of_chain(count: int) -> str:
    out = ["facts:\n  n: {type: int, label: N}\nrules:\n"]
    for i in range(count):
        before = "n" if i == 0 else f"(r{i - 1} as of (today - 1 day))"
        out.append(f"  r{i}:\n    label: R\n    type: int\n{REF}    from: 1900-01-01\n    formula: {before} + 1\n")
    return "".join(out)


def test_nested_as_of_readings_at_the_limit_and_past_it(tmp_path: Path) -> None:
    from engine.analysis import MAX_AS_OF_DEPTH

    policy = load_policy(write_policy(tmp_path, _as_of_chain(MAX_AS_OF_DEPTH + 1)))
    last = f"r{MAX_AS_OF_DEPTH}"
    assert policy.evaluate({"n": 1}, AT)[last] == MAX_AS_OF_DEPTH + 2
    assert policy.evaluate({"n": 1}, AT, trace=True)[last] == MAX_AS_OF_DEPTH + 2
    assert generate_linear(policy.plan, (last,)).run({"n": 1}, AT)[last] == MAX_AS_OF_DEPTH + 2
    assert policy.evaluate({"n": 1}, AT, decisions=[last]).explain(last) is not None
    errors = _errors(tmp_path, _as_of_chain(MAX_AS_OF_DEPTH + 2))
    assert errors == [
        f"{Code.TOO_COMPLEX}: `r{MAX_AS_OF_DEPTH + 1}` reads rules `as of` other dates {MAX_AS_OF_DEPTH + 1} levels "
        f"deep, more than {MAX_AS_OF_DEPTH}"
    ]


def test_four_hundred_nested_as_of_readings_are_refused_at_check(tmp_path: Path) -> None:
    errors = _errors(tmp_path, _as_of_chain(400))
    assert len(errors) == 1 and "levels deep" in errors[0]


def _brute_force(conditions: list[object], atoms: list[object]) -> list[int]:
    """The former analysis, world by world: the reference for the bitset one."""
    import itertools

    from engine import ast as A

    def value(e: object, world: dict[object, bool]) -> bool:
        match e:
            case A.Binary(op="and", left=a, right=b):
                return value(a, world) and value(b, world)
            case A.Binary(op="or", left=a, right=b):
                return value(a, world) or value(b, world)
            case A.Unary(op="not", operand=o):
                return not value(o, world)
        return world[e]

    worlds = [dict(zip(atoms, bits, strict=True)) for bits in itertools.product((False, True), repeat=len(atoms))]
    return [
        i
        for i, c in enumerate(conditions)
        if not any(value(c, w) and not any(value(p, w) for p in conditions[:i]) for w in worlds)
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2**12), min_size=1, max_size=12), st.integers(1, 6))
def test_bitset_analysis_finds_exactly_the_rows_the_world_by_world_one_finds(seeds: list[int], width: int) -> None:
    from engine import ast as A
    from engine.tables import analyse_rows, unreachable_rows

    atoms = [A.Name(f"b{i}") for i in range(width)]

    def condition(seed: int) -> A.Expr:
        e: A.Expr = atoms[seed % width]
        seed //= width
        for _ in range(seed % 4):
            seed //= 4
            other: A.Expr = atoms[seed % width]
            if seed % 3 == 0:
                other = A.Unary("not", other)
            e = A.Binary("and" if seed % 2 else "or", e, other)
        return A.Unary("not", e) if seed % 5 == 0 else e

    conditions = [condition(s) for s in seeds]
    used = [a for a in atoms if any(a in A.walk(c) for c in conditions)]
    assert unreachable_rows(conditions) == _brute_force(conditions, used)  # type: ignore[arg-type]
    outcome = analyse_rows(conditions)
    for i in outcome.never:
        assert _brute_force([conditions[i]], used) == [0]  # type: ignore[arg-type]


def test_twelve_boolean_facts_and_eighty_rows_check(tmp_path: Path) -> None:
    """The issue's example shape (24 s in check before): checked, its hidden rows found."""
    names = [f"b{i}" for i in range(12)]
    head = "facts:\n" + "".join(f"  {n}: {{type: bool, label: L}}\n" for n in names)
    rows = "".join(
        f"      - when: {names[i % 12]} and not {names[(i * 5 + 1) % 12]} or {names[(i * 7 + 3) % 12]}\n"
        f"        then: {i}\n        because: b\n"
        for i in range(79)
    )
    text = head + f"rules:\n  r:\n    label: R\n    type: int\n{REF}    from: 2000-01-01\n    table:\n{rows}"
    text += "      - otherwise: -1\n        because: b\n"
    policy = load_policy(write_policy(tmp_path, text))
    assert policy.warnings and all(w.code is Code.UNREACHABLE_ROW for w in policy.warnings)
