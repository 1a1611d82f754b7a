"""Where a rule's compiled expression changes over time: its versions, and the parameters that cut them.

A rule is compiled once per date segment; duration and list parameters are constants within one
(so that date arithmetic can use polars' native month offsets), other parameters are columns.
"""

from __future__ import annotations

from datetime import date, timedelta

from engine import ast
from engine.plan import Plan, RulePlan, VersionPlan
from engine.types import Kind

# Parameters of these kinds cut a rule's segments (constants within one); others become columns.
SPLIT_KINDS = (Kind.DURATION, Kind.LIST)


def rule_bounds(plan: Plan, rule: RulePlan) -> list[date]:
    """The days where the rule's compiled expression may change, in order: its versions' starts and
    ends, the values' starts of the parameters that cut it, and the first day each is in force."""
    days: set[date] = set()
    for v in rule.versions:
        days.add(v.start)
        if v.end is not None and v.end < date.max:
            days.add(v.end + timedelta(days=1))
        for p in same_law_parameters(v):
            days.update(plan.parameters[p].starts)
        for p in same_law_parameters(v, every=True):
            days.add(plan.parameters[p].starts[0])  # not in force before it
    return sorted(d for d in days if d > date.min)


def same_law_parameters(version: VersionPlan, every: bool = False) -> tuple[str, ...]:
    """Duration and list parameters a version reads under its own law date (not through `as of`):
    the rule's segments are cut where they change. Other parameters are columns. With `every`, all
    the parameters read under the version's own law."""
    exprs = [version.formula] if version.formula is not None else []
    for row in version.rows or ():
        exprs += [x for x in (row.when, row.then) if x is not None]
    found: dict[str, None] = {}
    while exprs:
        e = exprs.pop()
        if isinstance(e, ast.AsOf):
            exprs.append(e.when)
            continue
        split = every or (e.ty is not None and e.ty.kind in SPLIT_KINDS)
        if isinstance(e, ast.Name) and e.binding is ast.Binding.PARAMETER and split:
            found[e.name] = None
        exprs.extend(ast.children(e))
    return tuple(sorted(found))
