"""Batch evaluation equals single-case evaluation: case files, 100,000 generated persons, hypothesis.

Every decision and every error code of every row is compared with `policy.evaluate` on that row
alone (tests/batch_oracle.py). The 100,000-person comparison is complete, not sampled.
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Duration, load_policy
from engine.batch import Summary, evaluate_batch
from engine.cases import case_files, load_cases
from engine.types import Kind
from tests.batch_oracle import expected, expected_messages, observed, observed_messages, same

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.population import generate  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def text(value: object) -> str | None:
    """A fact value as a CSV cell would hold it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def compare(policy, rows, ats, result) -> list[str]:
    problems = []
    assert result.height == len(rows)
    for i, (facts, at) in enumerate(zip(rows, ats, strict=True)):
        row = result.row(i, named=True)
        assert row["id"] == str(i + 1) and row["at"] == at
        want = expected(policy, facts, at, policy.decisions)
        got = observed(row, policy.decisions)
        if not same(want, got):
            problems.append(f"row {i + 1} at {at}: {facts}\n  scalar {want}\n  batch  {got}")
    return problems


def test_every_case_file_of_the_pack(rsa):
    rows, ats = [], []
    for path in case_files([ROOT / "policy" / "tests", ROOT / "policy" / "examples"]).files:
        for case in load_cases(path, rsa):
            if any(isinstance(v, Duration | list | frozenset | set | tuple) for v in case.facts.values()):
                continue  # not expressible in a caseload's cells
            rows.append(case.facts)
            ats.append(case.at)
    assert len(rows) > 50
    columns = sorted({k for r in rows for k in r})
    frame = pl.DataFrame(
        {c: [text(r.get(c)) for r in rows] for c in columns} | {"at": [a.isoformat() for a in ats]},
        schema={c: pl.String for c in [*columns, "at"]},
    )
    result = evaluate_batch(rsa, frame)
    assert compare(rsa, rows, ats, result) == []


def test_hundred_thousand_generated_persons(rsa):
    """The whole population (every route, law change and deadline boundary of vocabulary.md), row by row."""
    cases = generate(100_000, seed=2026)
    facts = sorted(rsa.facts)
    frame = pl.DataFrame(
        [{**{f: c.get(f) for f in facts}, "at": at} for c, at in cases],
        schema={**{f: _dtype(rsa, f) for f in facts}, "at": pl.Date},
    )
    summary = Summary()
    result = evaluate_batch(rsa, frame, summary=summary)
    assert summary.rows_read == summary.rows_written == 100_000
    assert summary.scalar_decisions == {}  # every decision of the pack is vectorised
    assert summary.fallback_rows < 2_000  # a few rows only go through the scalar code
    problems = compare(rsa, [c for c, _ in cases], [a for _, a in cases], result)
    assert problems[:5] == []


def test_errors_written_by_the_batch_are_the_single_cases_word_for_word(rsa):
    """Persons evaluated on dates where rules are not yet in force (before 2009, before the AAVE
    tracks of 2020, before the 2019 orientation rules): their errors are built in polars, not by the
    scalar code, and equal the single case's (decision, code, message), row by row."""
    cases = generate(3_000, seed=8)
    days = [date(2005, 6, 1), date(2009, 5, 31), date(2009, 6, 1), date(2018, 12, 31), date(2019, 6, 1)]
    days.append(date(2024, 6, 1))
    ats = [days[i % len(days)] for i in range(len(cases))]
    facts = sorted(rsa.facts)
    frame = pl.DataFrame(
        [{**{f: c.get(f) for f in facts}, "at": at} for (c, _), at in zip(cases, ats, strict=True)],
        schema={**{f: _dtype(rsa, f) for f in facts}, "at": pl.Date},
    )
    summary = Summary()
    result = evaluate_batch(rsa, frame, summary=summary)
    assert summary.rows_with_errors > 1_000 and summary.errors_by_code["not_in_force"] > 1_000
    assert summary.fallback_rows < summary.rows_with_errors // 10  # most errors written by the batch
    for i, (c, _) in enumerate(cases):
        row = result.row(i, named=True)
        want = expected_messages(rsa, c, ats[i], rsa.decisions)
        assert want == observed_messages(row), (c, ats[i])
        assert same(expected(rsa, c, ats[i], rsa.decisions), observed(row, rsa.decisions)), (c, ats[i])


def _dtype(policy, fact):
    kind = policy.plan.facts[fact].type.kind
    return {Kind.BOOL: pl.Boolean, Kind.INT: pl.Int64, Kind.DATE: pl.Date}.get(kind, pl.String)


# -- hypothesis: valid and invalid cells, on the small policies and the pack -------------------------
DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
NEAR_END = st.dates(min_value=date(9999, 10, 1), max_value=date(9999, 12, 31))


def cell(policy, fact):
    """A cell for `fact`: its text when valid (value kept for the oracle), or a bad text."""
    f = policy.plan.facts[fact]
    kind = f.type.kind
    if kind is Kind.BOOL:
        good = st.booleans()
    elif kind is Kind.INT:
        good = st.integers(-5, 40)
    elif kind in (Kind.MONEY, Kind.DECIMAL):
        good = st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False)
    elif kind is Kind.DATE:
        good = st.one_of(DAYS, NEAR_END)
    elif kind is Kind.ENUM:
        good = st.sampled_from([v for v, _ in policy.plan.enums[f.type.enum].values])
    else:
        good = st.text(alphabet="abcdefgh-", min_size=1, max_size=8)
    valid = st.tuples(st.just("ok"), good)
    bad = st.tuples(st.just("bad"), st.sampled_from(["2024-13-01", "douze", "x1", "true?", "31/12/2020"]))
    absent = st.tuples(st.just("ok"), st.none())
    return st.one_of(valid, valid, absent, bad) if kind is not Kind.TEXT else st.one_of(valid, absent)


def rows_for(policy):
    facts = sorted(policy.facts)
    return st.lists(
        st.tuples(st.fixed_dictionaries({f: cell(policy, f) for f in facts}), DAYS), min_size=1, max_size=25
    )


def check_rows(policy, rows):
    facts = sorted(policy.facts)
    frame = pl.DataFrame(
        {f: [text(r[f][1]) for r, _ in rows] for f in facts} | {"at": [a.isoformat() for _, a in rows]},
        schema={c: pl.String for c in [*facts, "at"]},
    )
    summary = Summary()
    result = evaluate_batch(policy, frame, summary=summary)
    rounded = frozenset(summary.scalar_decisions)
    assert result.height == len(rows)
    for i, (cells, at) in enumerate(rows):
        row = result.row(i, named=True)
        bad = sorted(f for f, (state, _) in cells.items() if state == "bad")
        if bad:
            assert all(row[d] is None for d in policy.decisions)
            assert sorted(e["column"] for e in row["errors"]) == bad
            assert {e["code"] for e in row["errors"]} == {"fact_type_error"}
            continue
        facts = {f: v for f, (_, v) in cells.items()}
        want = expected(policy, facts, at, policy.decisions)
        assert same(want, observed(row, policy.decisions), rounded), (facts, at, want, row)
        messages = expected_messages(policy, facts, at, policy.decisions)
        assert messages is None or messages == observed_messages(row), (facts, at, messages, row["errors"])


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("folder", ["mini", "batch"])
def test_hypothesis_rows_on_fixture_policies(folder):
    policy = load_policy(FIXTURES / folder)

    @SETTINGS
    @given(rows_for(policy))
    def run(rows):
        check_rows(policy, rows)

    run()


def test_hypothesis_rows_on_the_pack(rsa):
    @SETTINGS
    @given(rows_for(rsa))
    def run(rows):
        check_rows(rsa, rows)

    run()
