"""`policy diff` over a caseload: who changes, from what to what, and what it costs.

Only the decisions that the changes between the two policies can reach are computed, under each
version, for every row; the others cannot differ. A row whose decision fails in one version and
not in the other (or with another error code) counts as a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from engine.batch.indicator_frame import CODES, FACTS_INVALID, FAILED, decisions_frame, read_source, rows
from engine.diff import PlanChanges, compare_plans, traced_names
from engine.types import Kind

if TYPE_CHECKING:
    from engine.policy import Policy

NULL = "(null)"


@dataclass
class DecisionDiff:
    name: str
    kind: str  # the decision's type kind: enum, bool, money, date…
    changed: int = 0
    matrix: dict[tuple[str, str], int] = field(default_factory=dict)  # (old, new) → persons, for enums/bools
    old_total: Decimal | None = None  # money, decimal, int: sums over rows computed in both versions
    new_total: Decimal | None = None
    examples: list[dict[str, object]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"decision": self.name, "type": self.kind, "changed": self.changed}
        if self.matrix:
            out["matrix"] = [{"old": o, "new": n, "persons": c} for (o, n), c in sorted(self.matrix.items())]
        if self.old_total is not None and self.new_total is not None:
            out["old_total"] = _amount(self.old_total)
            out["new_total"] = _amount(self.new_total)
            out["difference"] = _amount(self.new_total - self.old_total)
        out["examples"] = self.examples
        return out


def _shown(text: str) -> str:
    """12.500000000000 → 12.5; other values as they are."""
    try:
        return f"{Decimal(text).normalize():f}"
    except ArithmeticError:
        return text


def _amount(value: Decimal) -> str:
    return f"{value.normalize():f}"


@dataclass
class DiffReport:
    old: str
    new: str
    at: date
    rows: int
    changes: PlanChanges
    decisions: dict[str, DecisionDiff]

    def to_dict(self) -> dict[str, object]:
        c = self.changes
        return {
            "old": self.old,
            "new": self.new,
            "at": self.at.isoformat(),
            "rows": self.rows,
            "changed": c.changed,
            "added": list(c.added),
            "removed": list(c.removed),
            "recomputed": list(c.reachable),
            "not_recomputed": list(c.unchanged),
            "decisions": [d.to_dict() for d in self.decisions.values()],
        }


def _text(column: pl.Expr, failed: pl.Expr, codes: pl.Expr, name: str) -> pl.Expr:
    """A decision's value as text for comparison; an error shows as `error:<code>`."""
    position = failed.list.eval(pl.element().is_in([name, FACTS_INVALID])).list.arg_max()
    has_error = failed.list.eval(pl.element().is_in([name, FACTS_INVALID])).list.any().fill_null(False)
    error = pl.concat_str(pl.lit("error:"), codes.list.get(position, null_on_oob=True))
    return pl.when(has_error).then(error).otherwise(column.cast(pl.String).fill_null(NULL))


def diff_caseload(
    old: Policy, new: Policy, source: str | Path | pl.DataFrame, at: date, examples: int = 3
) -> DiffReport:
    changes = compare_plans(old.plan, new.plan)
    decisions = changes.reachable
    frame_old, _ = decisions_frame(old, source, at, decisions, facts=())
    frame_new, _ = decisions_frame(new, source, at, decisions, facts=())
    report = DiffReport(old.root, new.root, at, frame_old.height, changes, {})
    given = None
    for name in decisions:
        kind = new.plan.rules[name].type.kind
        a = frame_old.select(
            pl.col("id"), _text(pl.col(name), pl.col(FAILED), pl.col(CODES), name).alias("old"), pl.col(name).alias("v")
        )
        b = frame_new.select(
            _text(pl.col(name), pl.col(FAILED), pl.col(CODES), name).alias("new"), pl.col(name).alias("w")
        )
        both = pl.concat([a, b], how="horizontal")
        moved = both.filter(pl.col("old") != pl.col("new"))
        result = DecisionDiff(name, kind.value, moved.height)
        if kind in (Kind.ENUM, Kind.BOOL, Kind.TEXT):
            for o, n, count in moved.group_by("old", "new").len().iter_rows():
                result.matrix[(o, n)] = count
        if kind in (Kind.MONEY, Kind.DECIMAL, Kind.INT):
            computed = both.filter(~pl.col("old").str.starts_with("error:") & ~pl.col("new").str.starts_with("error:"))
            result.old_total = Decimal(str(computed["v"].cast(pl.Decimal(38, 12)).sum() or 0))
            result.new_total = Decimal(str(computed["w"].cast(pl.Decimal(38, 12)).sum() or 0))
        if examples and moved.height:
            given = given if given is not None else dict(rows(old, read_source(source)))
            for ident, o, n in moved.head(examples).select("id", "old", "new").iter_rows():
                because = _because(old, new, changes, given[ident], at, name)
                result.examples.append({"id": ident, "old": _shown(o), "new": _shown(n), "because": because})
        report.decisions[name] = result
    return report


def _because(old: Policy, new: Policy, changes: PlanChanges, facts: object, at: date, name: str) -> list[str]:
    """The changed rules and parameters this person's decision read, in either version (traced)."""
    read: set[str] = set()
    for policy in (old, new):
        try:
            decision = policy.evaluate(facts, at=at, decisions=[name], trace=True)  # type: ignore[arg-type]
            read |= traced_names(decision.trace(name))
        except Exception:
            read |= policy.plan.graph.dependencies([name])
    culprits = changes.culprits(old.plan, new.plan, name)
    return [n for n in culprits if n in read] or culprits


def example_facts(policy: Policy, source: str | Path | pl.DataFrame, ident: str) -> dict[str, object] | None:
    for row_id, facts in rows(policy, read_source(source)):
        if row_id == ident:
            return facts
    return None
