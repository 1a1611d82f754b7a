"""The reference a batch result is compared with: `policy.evaluate`, one row at a time.

Each decision's value, or the code of its own error (a whole-case failure is split decision by
decision: each decision's failure is its own). Written apart from engine/batch on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from engine import CaseError, Policy, PolicyError

Outcome = dict[str, tuple[str, object]]  # decision → ("value", v) or ("error", code)


def expected(policy: Policy, facts: Mapping[str, object], at: date, decisions: Iterable[str]) -> Outcome:
    names = list(decisions)
    given = {k: v for k, v in facts.items() if v is not None}
    try:
        decision = policy.evaluate(given, at, names)
    except CaseError as exc:
        if any(str(d.code) in ("fact_type_error", "unknown_fact") for d in exc.diagnostics):
            raise
        decision = None
    except PolicyError:
        decision = None
    if decision is not None:
        errors = getattr(decision, "errors", None) or {}
        out: Outcome = {n: ("error", str(errors[n].code)) for n in names if n in errors}
        out.update({n: ("value", decision[n]) for n in names if n not in errors})
        return out
    out = {}
    for name in names:
        try:
            out[name] = ("value", policy.evaluate(given, at, [name])[name])
        except PolicyError as exc:
            out[name] = ("error", str(exc.diagnostics[0].code))
    return out


def observed(row: Mapping[str, object], decisions: Iterable[str]) -> Outcome:
    errors = {e["decision"]: e["code"] for e in row["errors"]}  # type: ignore[attr-defined]
    return {n: ("error", errors[n]) if n in errors else ("value", row[n]) for n in decisions}


SCALAR_PLACES = Decimal("1e-12")  # decisions the batch leaves to the scalar code keep 12 places (division)


def same(a: Outcome, b: Outcome, rounded: frozenset[str] = frozenset()) -> bool:
    """Equal outcomes; amounts compare by value (1.50 == 1.5), as Decimal does; the decisions in
    `rounded` (computed by division) to 12 decimal places."""
    if a.keys() != b.keys():
        return False
    for name, (kind, value) in a.items():
        other_kind, other = b[name]
        if kind != other_kind:
            return False
        if isinstance(value, Decimal) or isinstance(other, Decimal):
            if value is None or other is None:
                return False
            x, y = Decimal(value), Decimal(other)  # type: ignore[arg-type]
            if (abs(x - y) > SCALAR_PLACES) if name in rounded else (x != y):
                return False
        elif value != other:
            return False
    return True


def expected_messages(
    policy: Policy, facts: Mapping[str, object], at: date, decisions: Iterable[str]
) -> list[tuple[str, str, str]] | None:
    """(decision, code, message) of each decision's own error, in decision order, as the single
    case reports them; None when the case fails as a whole (no per-decision messages to compare)."""
    given = {k: v for k, v in facts.items() if v is not None}
    try:
        decision = policy.evaluate(given, at, list(decisions))
    except PolicyError:
        return None
    return [(name, str(error.code), error.message) for name, error in decision.errors.items()]


def observed_messages(row: Mapping[str, object]) -> list[tuple[str, str, str]]:
    return [(e["decision"], e["code"], e["message"]) for e in row["errors"]]  # type: ignore[attr-defined]
