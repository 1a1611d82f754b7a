"""What changed between two versions of a policy, and which decisions the change can reach.

Rules, parameters and facts are compared by content (types, dates, values, the checked
expressions), never by position in their files: moving a rule or rewording a label changes
nothing that is computed. The decisions to recompute are the graph's impact of what changed, in
either version (a dependency may have been added or removed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.plan import FactPlan, ParameterPlan, Plan, RulePlan
from engine.trace import Trace


@dataclass(frozen=True)
class PlanChanges:
    changed: dict[str, str]  # name → "rule", "parameter" or "fact", for what differs in content
    added: tuple[str, ...]  # declared only in the new version
    removed: tuple[str, ...]  # declared only in the old version
    reachable: tuple[str, ...]  # decisions of both versions the changes can reach, in the new order
    unchanged: tuple[str, ...]  # decisions of both versions no change can reach: not recomputed

    def culprits(self, old: Plan, new: Plan, decision: str) -> list[str]:
        """The changed names this decision rests on (in either version)."""
        needed = new.graph.dependencies([decision]) | old.graph.dependencies([decision])
        return sorted(n for n in self.all_changed if n in needed)

    @property
    def all_changed(self) -> set[str]:
        return set(self.changed) | set(self.added) | set(self.removed)


def _fact(f: FactPlan) -> object:
    return (str(f.type), f.has_default, repr(f.default))


def _parameter(p: ParameterPlan) -> object:
    return (str(p.type), p.starts, tuple(repr(v) for v in p.values))


def _rule(r: RulePlan) -> object:
    versions = tuple(
        (v.start, v.end, v.formula, tuple((row.when, row.then) for row in v.rows) if v.rows is not None else None)
        for v in r.versions
    )
    return (str(r.type), r.decl.output, versions)


def compare_plans(old: Plan, new: Plan) -> PlanChanges:
    changed: dict[str, str] = {}
    added: list[str] = []
    removed: list[str] = []
    tables: list[tuple[str, dict[str, object], dict[str, object]]] = [
        ("fact", {n: _fact(f) for n, f in old.facts.items()}, {n: _fact(f) for n, f in new.facts.items()}),
        (
            "parameter",
            {n: _parameter(p) for n, p in old.parameters.items()},
            {n: _parameter(p) for n, p in new.parameters.items()},
        ),
        ("rule", {n: _rule(r) for n, r in old.rules.items()}, {n: _rule(r) for n, r in new.rules.items()}),
    ]
    for kind, a, b in tables:
        for name in sorted(set(a) | set(b)):
            if name not in a:
                added.append(name)
            elif name not in b:
                removed.append(name)
            elif a[name] != b[name]:
                changed[name] = kind
    reach: set[str] = set()
    for name in [*changed, *added, *removed]:
        reach |= {name} | new.graph.impact(name) | old.graph.impact(name)
    common = [d for d in new.outputs if d in set(old.outputs)]
    return PlanChanges(
        changed,
        tuple(added),
        tuple(removed),
        tuple(d for d in common if d in reach),
        tuple(d for d in common if d not in reach),
    )


def traced_names(trace: Trace) -> set[str]:
    """The rules and parameters a traced evaluation actually read (for "which change applied here")."""
    names = {rule for rule, _ in trace.records}
    for record in trace.records.values():
        names |= {i.name for i in record.inputs if i.kind in ("parameter", "rule")}
    return names


def at_or_today(at: date | None) -> date:
    return at or date.today()


__all__ = ["PlanChanges", "compare_plans", "traced_names"]
