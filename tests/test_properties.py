"""Random well-typed expressions: they check, and evaluate to a value or a PolicyError, never a crash;
the generated code and the interpreter always agree."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine import PolicyError, load_policy
from engine.parser import MAX_LENGTH

HEADER = """\
enums:
  couleur: {label: Couleur, values: {rouge: Rouge, vert: Vert}}
facts:
  n: {type: int, label: N}
  k: {type: "int?", label: K}
  b: {type: bool, label: B}
  d: {type: "date?", label: D}
  s: {type: date, label: S}
  m: {type: money, label: M}
  t: {type: "text?", label: T}
  e: {type: "couleur?", label: E}
parameters:
  p:
    label: P
    type: int
    values:
      - {from: 2000-01-01, value: 3, references: [{article: X}]}
      - {from: 2024-01-01, value: 7, references: [{article: X}]}
rules:
  r:
    label: R
    type: "%s"
    references: [{article: X}]
    from: 1900-01-01
    formula: |
      %s
  uses:
    label: U
    type: bool
    references: [{article: X}]
    from: 1900-01-01
    formula: n == n and b == b and d is null and s == s and m == m and t is null and e is null and k is null and p == p
"""

ints = st.integers(min_value=-1000, max_value=1000).map(str)
small = st.integers(min_value=-30, max_value=30).map(str)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(date.isoformat)
units = st.sampled_from(["days", "weeks", "months", "years"])


def typed() -> dict[str, st.SearchStrategy[str]]:
    s: dict[str, st.SearchStrategy[str]] = {}
    s["int"] = st.deferred(
        lambda: st.one_of(
            ints,
            st.just("n"),
            st.just("p"),
            st.just("(p as of s)"),
            st.builds(lambda a, b, op: f"({a} {op} {b})", s["int"], s["int"], st.sampled_from(["+", "-", "*"])),
            st.builds(lambda a: f"(k ?? {a})", s["int"]),
            st.builds(lambda a, b: f"days_between({a}, {b})", s["date"], s["date"]),
            st.builds(lambda a, b: f"months_between({a}, {b})", s["date"], s["date"]),
            st.builds(lambda a, b: f"age({a}, {b})", s["date"], s["date"]),
            st.builds(lambda a: f"year({a})", s["date"]),
            st.builds(lambda c, a, b: f"(if {c} then {a} else {b})", s["bool"], s["int"], s["int"]),
            st.builds(lambda a, b: f"max({a}, {b})", s["int"], s["int"]),
        )
    )
    s["decimal"] = st.deferred(
        lambda: st.one_of(
            st.decimals(min_value=-1000, max_value=1000, places=2).map(str),
            st.builds(lambda a, b: f"({a} / {b})", s["int"], s["int"]),
            st.builds(lambda a: f'round({a}, 2, "half_up")', s["decimal"]),
        )
    )
    s["money"] = st.deferred(
        lambda: st.one_of(
            st.just("m"),
            st.integers(min_value=0, max_value=5000).map(lambda v: f"{v} €"),
            st.builds(lambda a, b: f"({a} + {b})", s["money"], s["money"]),
            st.builds(lambda a, b: f"({a} * {b})", s["money"], s["int"]),
            st.builds(lambda c, a: f"(if {c} then {a} else 0)", s["bool"], s["money"]),
        )
    )
    s["date"] = st.deferred(
        lambda: st.one_of(
            dates,
            st.just("today"),
            st.just("s"),
            st.just("(d ?? today)"),
            st.builds(lambda a, n, u: f"({a} + {n} {u})", s["date"], st.integers(0, 40), units),
            st.builds(lambda a, n, u: f"({a} - {n} {u})", s["date"], st.integers(0, 40), units),
            st.builds(lambda a, n: f"add_months({a}, {n})", s["date"], small),
            st.builds(lambda a: f"next_working_day({a})", s["date"]),
            st.builds(lambda a: f"end_of_month({a})", s["date"]),
            st.builds(lambda a, b: f"min({a}, {b})", s["date"], s["date"]),
        )
    )
    s["bool"] = st.deferred(
        lambda: st.one_of(
            st.just("b"),
            st.sampled_from(["true", "false", "d is null", "e == rouge", 't in ["x", "y"]', "k is not null"]),
            st.builds(
                lambda a, b, op: f"({a} {op} {b})",
                s["int"],
                s["int"],
                st.sampled_from(["<", "<=", "==", "!="]),
            ),
            st.builds(lambda a, b: f"({a} <= {b})", s["date"], s["date"]),
            st.builds(lambda a, b: f"({a} > {b})", s["money"], s["money"]),
            st.builds(lambda a, b, op: f"({a} {op} {b})", s["bool"], s["bool"], st.sampled_from(["and", "or"])),
            st.builds(lambda a: f"(not {a})", s["bool"]),
            st.builds(lambda a: f"(d is not null and d < {a})", s["date"]),
        )
    )
    return s


STRATEGIES = typed()
TYPES = st.sampled_from(sorted(STRATEGIES))
FACTS = st.fixed_dictionaries(
    {
        "n": st.integers(-100, 100),
        "k": st.none() | st.integers(-100, 100),
        "b": st.booleans(),
        "d": st.none() | st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
        "s": st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
        "m": st.decimals(min_value=0, max_value=10**6, places=2),
        "t": st.none() | st.sampled_from(["x", "z"]),
        "e": st.none() | st.sampled_from(["rouge", "vert"]),
    }
)


@st.composite
def programs(draw: st.DrawFn) -> tuple[str, str]:
    ty = draw(TYPES)
    return ty, draw(STRATEGIES[ty])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    programs(),
    st.lists(FACTS, min_size=1, max_size=3),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
)
def test_well_typed_expressions_evaluate_or_raise_policy_errors(
    tmp_path_factory: object, program: tuple[str, str], cases: list[dict[str, object]], at: date
) -> None:
    ty, expression = program
    assume(len(expression) <= MAX_LENGTH)  # longer ones are refused by design (expression_too_complex)
    folder = Path(tmp_path_factory.mktemp("p"))  # type: ignore[attr-defined]
    path = folder / "policy.yaml"
    path.write_text(HEADER % (ty, expression), encoding="utf-8")
    policy = load_policy(path)  # well-typed by construction: must check without error
    for facts in cases:
        fast: object = None
        slow: object = None
        try:
            d = policy.evaluate(facts, at=at)
            fast = (dict(d), {n: e.code for n, e in d.errors.items()})
        except PolicyError:
            fast = "error"
        try:
            d = policy.evaluate(facts, at=at, trace=True)
            slow = (dict(d), {n: e.code for n, e in d.errors.items()})
        except PolicyError:
            slow = "error"
        assert fast == slow, (expression, facts)
        try:  # the generated code recording a compact trace: the same values and errors, same explanation
            c = policy.evaluate(facts, at=at, trace="compact")
            compact: object = (dict(c), {n: e.code for n, e in c.errors.items()})
        except PolicyError:
            compact = "error"
        assert compact == fast, (expression, facts)
        if isinstance(fast, tuple) and "r" in fast[0]:
            assert c.explain("r").to_text() == d.explain("r").to_text(), (expression, facts)
        if isinstance(fast, tuple) and ty in ("money", "decimal") and "r" in fast[0]:
            assert isinstance(fast[0]["r"], Decimal)


ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.dates(),
    st.datetimes(),
    st.decimals(allow_nan=True),
    st.lists(st.integers(), max_size=2),
)
RSA_FACTS = [
    "date_naissance", "date_entree_rsa", "soumis_droits_et_devoirs", "inscrit_france_travail",
    "disponible_emploi", "territoire_mds", "date_notification_orientation", "organisme_referent",
    "date_signature_contrat", "date_entree_aave", "suit_coup_de_pouce", "date_prise_de_poste", "nom_inconnu",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(RSA_FACTS), ANY_VALUE, max_size=6), st.dates())
def test_any_input_gives_decisions_or_a_policy_error(facts: dict[str, object], at: date) -> None:
    from conftest import POLICY_DIR

    policy = _rsa(POLICY_DIR)
    try:
        decision = policy.evaluate(facts, at=at)
    except PolicyError as exc:
        assert exc.diagnostics and all(d.message for d in exc.diagnostics)
        return
    traced = policy.evaluate(facts, at=at, trace=True)
    assert dict(decision) == dict(traced)
    assert policy.evaluate(facts, at=at, trace="compact").to_dict() == decision.to_dict()
    assert {n: e.code for n, e in decision.errors.items()} == {n: e.code for n, e in traced.errors.items()}
    assert set(decision) | set(decision.errors) == set(policy.decisions)  # no decision lost
    for name, error in decision.errors.items():
        assert error.message and error.chain[0] == name and error.culprit == error.chain[-1]


_CACHE: dict[str, object] = {}


def _rsa(path: Path) -> Any:
    if "rsa" not in _CACHE:
        _CACHE["rsa"] = load_policy(path)
    return _CACHE["rsa"]
