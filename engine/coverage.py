"""The periods a policy covers: for each decision, the law dates on which it can be computed
without `not_in_force`, found from the plan alone (no case needed).

A rule is covered on a day when one of its versions is in force that day and everything that
version reads under the same law date (rules, parameters) is covered that day too. What a version
reads `as of` another date is not covered on the decision's own date but on that other date: it
is reported apart, as a *reading* (`x as of date_entree_rsa ?? today`: covered from …), since its
date comes from the case. The result is a safe lower bound: a rule read only in some rows of a
table may not be needed at all on a day it does not cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from engine import ast
from engine.i18n import _
from engine.plan import Plan, VersionPlan
from engine.printer import to_text

Period = tuple[date, date | None]  # first day, last day included (None: no end)


@dataclass(frozen=True, slots=True)
class Reading:
    """A rule or parameter read under the law of another date (`name as of when`)."""

    name: str
    when: str  # the date expression, as written
    periods: tuple[Period, ...]


@dataclass(frozen=True, slots=True)
class Coverage:
    """Where a rule can be computed: `periods` on its own law date, `readings` on theirs."""

    name: str
    periods: tuple[Period, ...]
    readings: tuple[Reading, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "periods": [_period_dict(p) for p in self.periods],
            "readings": [
                {"name": r.name, "as_of": r.when, "periods": [_period_dict(p) for p in r.periods]}
                for r in self.readings
            ],
        }


def _period_dict(p: Period) -> dict[str, str | None]:
    return {"from": p[0].isoformat(), "until": p[1].isoformat() if p[1] else None}


def describe(periods: tuple[Period, ...]) -> str:
    """`from 2019-03-01`, `2009-06-01 to 2024-12-31`, several joined by `and`; `never` if none."""
    if not periods:
        return _("never")
    said = [(_("from {start}") if b is None else _("{start} to {end}")).format(start=a, end=b) for a, b in periods]
    return _(" and ").join(said)


def coverage(plan: Plan) -> dict[str, Coverage]:
    """The coverage of every rule of the plan (decisions and intermediate rules), by name."""
    out: dict[str, Coverage] = {}
    for name in plan.graph.order:  # inputs before users: each rule's reads are already known
        rule = plan.rules.get(name)
        if rule is None:
            continue
        periods: list[Period] = []
        readings: dict[tuple[str, str], Reading] = {}
        for version in rule.versions:
            own: list[Period] = [(version.start, version.end)]
            same, as_of = _reads(version, plan.language(version.decl.span.file))
            for dep in sorted(same):
                own = _intersect(own, _periods(plan, out, dep))
                for r in out[dep].readings if dep in out else ():
                    readings.setdefault((r.name, r.when), r)
            for target, when in as_of:
                readings.setdefault((target, when), Reading(target, when, tuple(_periods(plan, out, target))))
                for r in out[target].readings if target in out else ():
                    readings.setdefault((r.name, r.when), r)
            periods = _union(periods + own)
        out[name] = Coverage(name, tuple(periods), tuple(sorted(readings.values(), key=lambda r: (r.name, r.when))))
    return out


def _periods(plan: Plan, known: dict[str, Coverage], name: str) -> list[Period]:
    if name in known:
        return list(known[name].periods)
    return [(plan.parameters[name].starts[0], None)]  # a parameter: from its first value on


def _reads(version: VersionPlan, lang: str) -> tuple[set[str], list[tuple[str, str]]]:
    """Rules and parameters read under the version's own law date, and those read `as of` (the
    date's expression printed in `lang`, the language of the version's file)."""
    exprs: list[ast.Expr] = [version.formula] if version.formula is not None else []
    for row in version.rows or ():
        exprs += [x for x in (row.when, row.then) if x is not None]
    same: set[str] = set()
    as_of: list[tuple[str, str]] = []
    while exprs:
        e = exprs.pop()
        if isinstance(e, ast.AsOf):
            as_of.append((e.target.name, to_text(e.when, lang)))
            exprs.append(e.when)  # the date itself is computed under the version's own law date
            continue
        if isinstance(e, ast.Name) and e.binding in (ast.Binding.RULE, ast.Binding.PARAMETER):
            same.add(e.name)
        exprs.extend(ast.children(e))
    return same, sorted(set(as_of))


def _intersect(a: list[Period], b: list[Period]) -> list[Period]:
    out: list[Period] = []
    for a0, a1 in a:
        for b0, b1 in b:
            start = max(a0, b0)
            end = a1 if b1 is None else b1 if a1 is None else min(a1, b1)
            if end is None or start <= end:
                out.append((start, end))
    return _union(out)


def _union(periods: list[Period]) -> list[Period]:
    """Sorted, with overlapping and adjacent periods merged."""
    out: list[Period] = []
    for start, end in sorted(periods, key=lambda p: p[0]):
        if out:
            last_start, last_end = out[-1]
            if last_end is None or start <= last_end + timedelta(days=1):
                merged = None if last_end is None or end is None else max(last_end, end)
                out[-1] = (last_start, merged)
                continue
        out.append((start, end))
    return out
