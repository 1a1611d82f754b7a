"""Fuzzing (issue 12): whatever the rule file, expression, facts or case file, the engine answers
with a result or a located `PolicyError`, never another exception.

A small budget runs in `make test`; `FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py` (or
`python benchmarks/fuzz.py`) runs a longer campaign. Failures are kept by hypothesis in
`.hypothesis/` and replayed first on the next run.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from conftest import MINI_DIR, POLICY_DIR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Decision, Duration, Policy, PolicyError, check_value, load_policy
from engine.cases import load_cases
from engine.parser import parse
from engine.printer import to_text

BUDGET = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=BUDGET,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
RSA = load_policy(POLICY_DIR)
SEED_FILES = [*sorted((POLICY_DIR / "rules").glob("*.yaml"))[:3], MINI_DIR / "policy.yaml"]
SEEDS = [p.read_text(encoding="utf-8") for p in SEED_FILES]


# -- rule files ---------------------------------------------------------------------------------
NASTY = [
    ":",
    " : ",
    "-",
    "- ",
    "#",
    " #",
    "'",
    '"',
    "''",
    "\\",
    "|",
    ">",
    "|2",
    ">-",
    "&a",
    "*a",
    "!!int ",
    "!x ",
    "<<: ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\t",
    "\n",
    "  ",
    "\u00a0",
    "\u2028",
    "\ufeff",
    "é",
    "١",
    "²",
    "0x10",
    "1e-999999999",
    "1e400",
    ".nan",
    "null",
    "~",
    "true",
    "yes",
    "2024-02-30",
    "20240101",
    "999999999999999999",
    "r\n",
    "if",
    "then",
    "else",
    "as of",
    "??",
    "€",
    "--",
    "((",
    "))",
    "not not",
    "today",
    "[",
    "age(",
]


@st.composite
def mutated_policy(draw: st.DrawFn) -> str:
    """A valid policy file, with a few edits of the kinds people and tools make."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        edit = draw(st.sampled_from(["insert", "delete", "duplicate", "indent", "dedent", "swap", "cut"]))
        line = lines[at]
        if edit == "insert":
            column = draw(st.integers(0, len(line)))
            piece = draw(st.one_of(st.sampled_from(NASTY), st.text(max_size=4)))
            lines[at] = line[:column] + piece + line[column:]
        elif edit == "delete" and line:
            column = draw(st.integers(0, len(line) - 1))
            lines[at] = line[:column] + line[column + draw(st.integers(1, 5)) :]
        elif edit == "duplicate":
            lines.insert(at, line)
        elif edit == "indent":
            lines[at] = " " * draw(st.integers(1, 3)) + line
        elif edit == "dedent":
            lines[at] = line[draw(st.integers(1, 3)) :]
        elif edit == "swap" and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
        elif edit == "cut":
            lines = lines[: at + 1]
        text = "\n".join(lines)
    return text


def _load(text: str) -> Policy | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            return load_policy(path)
        except PolicyError as exc:
            assert exc.diagnostics, "a PolicyError always says what is wrong"
            for d in exc.diagnostics:
                assert d.span.line >= 1 and d.span.column >= 1, d
                d.render(exc.sources)  # rendering the excerpt never fails either
            return None


@FUZZ
@given(mutated_policy(), st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)))
def test_any_mutated_rule_file_checks_and_evaluates_or_says_why(text: str, at: date) -> None:
    policy = _load(text)
    if policy is None:
        return
    facts = {name: None for name in policy.facts if not policy.plan.facts[name].required}
    try:
        decision = policy.evaluate(facts, at)
    except PolicyError:
        return
    assert isinstance(decision, Decision)
    decision.to_dict()
    policy.graph.to_mermaid()
    policy.graph.to_dot()


# -- expressions --------------------------------------------------------------------------------
TOKENS = [
    "a",
    "b",
    "x_1",
    "today",
    "1",
    "-1",
    "0",
    "12.50",
    "-1234567890123456789012345678.91",
    "0.0000001",
    "500 €",
    "1 month",
    "2 weeks",
    "2024-01-31",
    '"t"',
    "'t'",
    "true",
    "false",
    "null",
    "+",
    "-",
    "*",
    "/",
    "==",
    "!=",
    "<",
    ">=",
    "and",
    "or",
    "not",
    "in",
    "is",
    "is not",
    "??",
    "if",
    "then",
    "else",
    "as of",
    "(",
    ")",
    "[",
    "]",
    ",",
    "age(",
    "min(",
    "١٢٣",
    "²",
    "1e5",
    "#",
    "\n",
    "€",
    "=",
    "&&",
    "'",
]


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join))
def test_any_token_soup_parses_or_is_a_located_syntax_error(text: str) -> None:
    try:
        e = parse(text)
    except PolicyError as exc:
        [d] = exc.diagnostics
        assert d.span.line >= 1
        return
    printed = to_text(e)
    assert parse(printed) == e, printed


@FUZZ
@given(st.text(max_size=60))
def test_any_text_parses_or_is_a_located_syntax_error(text: str) -> None:
    try:
        e = parse(text)
    except PolicyError:
        return
    assert parse(to_text(e)) == e


# -- facts through the API: fast and slow paths agree with the one definition --------------------
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("1e-999999999"), Decimal("1E+400"), Decimal("-0"), Decimal("1.000000000000000")]),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["١٢٣", "²", "12.50", "2024-02-29", "20240101", "NaN", "Infinity", "1e3", " 7 ", "12,50"]),
    st.dates(),
    st.builds(Duration, st.integers(-(10**7), 10**7), st.integers(-(10**7), 10**7)),
    st.lists(st.sampled_from(["nemours", "melun", 1, None]), max_size=3),
    st.binary(max_size=4),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


@FUZZ
@given(st.sampled_from(sorted(RSA.facts)), VALUES, st.dates())
def test_any_fact_value_is_accepted_exactly_when_the_definition_accepts_it(name: str, value: object, at: date) -> None:
    fact = RSA.plan.facts[name]
    _, problem = check_value(value, fact.type, RSA.plan.enums)
    try:
        RSA.evaluate({name: value}, at)
        accepted = True
    except PolicyError as exc:
        accepted = not any(d.code.value == "fact_type_error" for d in exc.diagnostics)
    if value is None:
        return  # null means absent: a required fact is then missing, not of the wrong type
    assert accepted == (problem is None), (name, value, problem)


@FUZZ
@given(st.dictionaries(st.sampled_from(sorted(RSA.facts)), VALUES, max_size=6), st.dates(), st.data())
def test_any_facts_give_decisions_or_a_policy_error(facts: dict[str, object], at: date, data: st.DataObject) -> None:
    decisions = data.draw(
        st.one_of(st.none(), st.lists(st.one_of(st.sampled_from(RSA.decisions), st.integers(), st.text(max_size=3))))
    )
    try:
        decision = RSA.evaluate(facts, at, decisions=decisions)
    except PolicyError:
        return
    decision.to_dict()


# -- case files ---------------------------------------------------------------------------------
SCALARS = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(["2024-01-31", "true", "12.50", "1 month", "[nemours]", "mds", "500 €", "null", "1e-999999999"]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=10),
)


@st.composite
def case_file(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from([*sorted(RSA.facts), "inconnu"]), max_size=5, unique=True))
    facts = "".join(f"  {n}: {draw(SCALARS)}\n" for n in names)
    expect = "".join(f"  {d}: {draw(SCALARS)}\n" for d in draw(st.lists(st.sampled_from(RSA.decisions), max_size=2)))
    at = draw(st.one_of(st.dates().map(str), SCALARS))
    return f"description: fuzz\nat: {at}\nfacts:\n{facts}expect:\n{expect}"


@FUZZ
@given(case_file())
def test_any_case_file_loads_and_runs_or_says_why(text: str) -> None:
    from engine.cases import run_case

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            cases = load_cases(path, RSA)
        except PolicyError as exc:
            assert exc.diagnostics
            return
        for case in cases:
            run_case(RSA, case)
