"""The cost of a request depends only on what it needs: the code generated for some decisions
computes only what they read, a guarded rule not in force and a rule read in a branch not taken
keep the fast path, names asked for are checked once, a Decision keeps only the facts given."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import write_policy

from engine import CaseError, Policy, load_policy
from engine import evaluate as evaluate_module


def refuse_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the interpreter ran although no decision fails")

    monkeypatch.setattr(evaluate_module, "Interpreter", refuse)


def copies_policy(folder: Path, copies: int, dated: bool = False) -> Path:
    """`copies` independent copies of one decision, each reading its age `as of` the same date;
    `dated`: copy i has a second version from 2021-01-(i+1), so each copy cuts the timeline anew."""
    lines = ["facts:", "  born: {type: date?, label: Born}", "  start: {type: date?, label: Start}", "rules:"]
    for i in range(copies):
        age = f"if born is null then null else age(born, today) + {i}"
        versions = (
            f"    versions:\n      - from: 2020-01-01\n        until: 2021-01-{i:02d}\n        formula: {age}\n"
            f"      - from: 2021-01-{i + 1:02d}\n        formula: {age} + 100\n"
            if dated and i
            else f"    from: 2020-01-01\n    formula: {age}\n"
        )
        lines.append(
            f"  age{i}:\n    label: Age {i}\n    type: int?\n    output: false\n    references: [{{article: X}}]\n"
            + versions
            + f"  d{i}:\n    label: D {i}\n    type: int?\n    references: [{{article: X}}]\n"
            f"    from: 2020-01-01\n    formula: age{i} as of (start ?? today)"
        )
    return write_policy(folder, "\n".join(lines) + "\n")


def test_the_code_for_some_decisions_does_not_grow_with_the_pack(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    small = load_policy(copies_policy(tmp_path / "a", 1))
    large = load_policy(copies_policy(tmp_path / "b", 10))
    one_of_one = small._evaluator.program(("d0",)).source
    one_of_ten = large._evaluator.program(("d0",)).source
    all_of_ten = large._evaluator.program(large.decisions).source
    assert one_of_ten.count("_k") == one_of_one.count("_k")  # the same constants: nothing of the other nine
    assert len(all_of_ten) > 3 * len(one_of_ten)
    facts = {"born": date(1980, 5, 1), "start": date(2021, 1, 1)}
    assert (
        large.evaluate(facts, at=date(2024, 1, 1), decisions=["d3"])["d3"] == 43 + 3
    )  # age on `today` (2024), under the law of `start`


def test_the_code_for_some_decisions_is_not_cut_by_the_dates_of_unrelated_rules(tmp_path: Path) -> None:
    # Nine other copies change their law on nine different days: the code for `d0` (whose rules
    # never change) has one date segment whatever the rest of the pack does.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    small = load_policy(copies_policy(tmp_path / "a", 1, dated=True))
    large = load_policy(copies_policy(tmp_path / "b", 10, dated=True))
    one_of_one = small._evaluator.program(("d0",))
    one_of_ten = large._evaluator.program(("d0",))
    assert one_of_ten.bounds == one_of_one.bounds == (date(2020, 1, 1),)
    assert one_of_ten.source.count("def ") == one_of_one.source.count("def ")
    assert large._evaluator.program(("d3",)).bounds == (date(2020, 1, 1), date(2021, 1, 4))  # its own change only
    facts = {"born": date(1980, 5, 1), "start": date(2021, 1, 2)}
    got = large.evaluate(facts, at=date(2024, 1, 1), decisions=["d0", "d3"])
    assert got["d0"] == 43 and got["d3"] == 43 + 3  # `start` is before d3's age changes on 2021-01-04
    assert large.evaluate({**facts, "start": date(2021, 1, 4)}, at=date(2024, 1, 1))["d3"] == 43 + 3 + 100


def test_a_guarded_rule_not_in_force_keeps_the_fast_path(rsa: Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    # AAVE tracks are not in force in early 2019; without an entry in AAVE the decision is null,
    # and nothing fails: the generated code reads the tracks only when there is an entry.
    refuse_interpreter(monkeypatch)
    decision = rsa.evaluate({"date_entree_rsa": date(2019, 4, 2), "inscrit_france_travail": True}, at=date(2019, 5, 1))
    assert decision["aave_objectif"] is None and not decision.errors


DIVISION = Path(__file__).parent / "fixtures" / "division"


def test_a_rule_read_only_in_a_branch_not_taken_is_not_computed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = load_policy(DIVISION)
    assert policy.evaluate({"n": 20}, at=date(2024, 1, 1))["petit"] is True
    refuse_interpreter(monkeypatch)
    decision = policy.evaluate({"n": 0}, at=date(2024, 1, 1))
    assert decision["grand"] is False and decision["petit"] is False


def test_requested_names_are_checked_once(rsa: Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    wanted = ["adre_total", "aave_objectif"]
    first = rsa.evaluate({}, at=date(2023, 1, 1), decisions=wanted)
    second = rsa.evaluate({}, at=date(2023, 1, 1), decisions=list(wanted))
    assert list(first) == list(second) == wanted
    assert rsa._evaluator._requests[tuple(wanted)] == tuple(wanted)  # checked once, then looked up
    for _ in range(2):  # an unknown name is never cached: refused every time
        with pytest.raises(CaseError, match="unknown decision"):
            rsa.evaluate({}, at=date(2023, 1, 1), decisions=["adre_totale"])
    assert ("adre_totale",) not in rsa._evaluator._requests


def test_a_decision_keeps_only_the_facts_given(rsa: Policy) -> None:
    given = {"date_entree_rsa": date(2022, 5, 2), "inscrit_france_travail": True}
    decision = rsa.evaluate(given, at=date(2022, 6, 1))
    assert dict(decision.facts) == {**{n: rsa.plan.facts[n].default for n in rsa.facts}, **given}
    assert len(decision._env) == len(given)  # not a copy of every fact and default per case
    given["inscrit_france_travail"] = False  # the caller's dict is not the Decision's
    assert decision.facts["inscrit_france_travail"] is True
    assert decision.explain("orientation_organisme").value == decision["orientation_organisme"]
