"""Indicator figures, and their reference computation: case by case, through `Policy.evaluate`.

The batch backend (`engine.batch.indicators`) computes the same `IndicatorReport` over a whole
caseload at once; tests make the two agree. A person enters an indicator when it is in the
pack's `scope` and the indicator's population; a person for whom a decision the indicator reads
cannot be computed (or whose facts are invalid) is left out of it and counted in its `errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from engine import ast
from engine.diagnostics import CaseError, EvaluationError, PolicyError
from engine.indicators import MONTH, Indicator, IndicatorSet, Statistic
from engine.interpreter import Interpreter
from engine.policy import Policy

Key = str | None  # a breakdown group: an enum value, a text, "true"/"false", "YYYY-MM"; None: not given
_PERCENT = Decimal("0.1")


@dataclass
class Figures:
    """The figures of one indicator, overall or for one group of a breakdown."""

    population: int | None = None  # None: the indicator has no population (a plain count or sum)
    counted: int = 0
    total: Decimal = Decimal(0)  # SUM: exact
    by_value: dict[Key, int] = field(default_factory=dict)  # COUNT_BY
    mean_total: Decimal = Decimal(0)
    mean_count: int = 0

    def share(self, counted: int | None = None) -> Decimal | None:
        """counted / population, exact; None without a population or when it is empty (not 0 %)."""
        if not self.population:
            return None
        return Decimal(self.counted if counted is None else counted) / Decimal(self.population)

    @property
    def mean(self) -> Decimal | None:
        return self.mean_total / self.mean_count if self.mean_count else None

    def empty(self) -> bool:
        return not (self.population or self.counted or self.total or self.by_value or self.mean_count)

    def to_dict(self, statistic: Statistic) -> dict[str, object]:
        out: dict[str, object] = {"population": self.population}
        if statistic is Statistic.COUNT:
            out["counted"] = self.counted
            out["share"] = _exact(self.share())
        elif statistic is Statistic.SUM:
            out["sum"] = f"{self.total.normalize():f}"
        else:
            out["by_value"] = {
                str(k) if k is not None else None: {"count": n, "share": _exact(self.share(n))}
                for k, n in sorted(self.by_value.items(), key=_order)
            }
        if self.mean_count:
            out["mean"] = _exact(self.mean)
            out["mean_over"] = self.mean_count
        return out


def _exact(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(Decimal('1E-12')).normalize():f}"


def percent(value: Decimal | None) -> str:
    """A share as a French percentage with one decimal: 0.7 → "70,0 %"; None → "—"."""
    if value is None:
        return "—"
    return f"{(value * 100).quantize(_PERCENT):f}".replace(".", ",") + " %"


def _order(item: tuple[Key, object]) -> tuple[bool, str]:
    return (item[0] is None, item[0] or "")


@dataclass
class IndicatorFigures:
    indicator: Indicator
    overall: Figures
    groups: dict[Key, Figures] = field(default_factory=dict)  # with --by: each group's figures
    errors: int = 0  # persons left out: invalid facts, or a decision it reads could not be computed
    ids: list[str] | None = None  # with --ids: the persons it counts, in caseload order

    def sorted_groups(self) -> list[tuple[Key, Figures]]:
        return sorted(((k, g) for k, g in self.groups.items() if not g.empty()), key=_order)

    def to_dict(self) -> dict[str, object]:
        ind = self.indicator
        out: dict[str, object] = {
            "label": ind.label,
            "statistic": ind.statistic.value,
            "sources": [r.to_dict() for r in ind.references],
            "reference_value": _exact(ind.reference_value),
            **self.overall.to_dict(ind.statistic),
            "errors": self.errors,
        }
        if ind.mean is not None:
            out["mean_label"] = ind.mean.label
        if self.groups:
            out["breakdown"] = [{"group": k, **g.to_dict(ind.statistic)} for k, g in self.sorted_groups()]
        if self.ids is not None:
            out["ids"] = self.ids
        return out


@dataclass
class IndicatorReport:
    debut: date
    fin: date
    at: date
    by: str | None
    results: dict[str, IndicatorFigures]
    rows: int = 0
    rows_with_errors: int = 0
    errors_by_code: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "period": {"debut": self.debut.isoformat(), "fin": self.fin.isoformat()},
            "at": self.at.isoformat(),
            "by": self.by,
            "rows": self.rows,
            "rows_with_errors": self.rows_with_errors,
            "errors_by_code": dict(sorted(self.errors_by_code.items())),
            "indicators": {n: r.to_dict() for n, r in self.results.items()},
        }


def empty_report(
    indicators: IndicatorSet, names: tuple[str, ...], debut: date, fin: date, at: date, by: str | None
) -> IndicatorReport:
    results = {}
    for name in names:
        ind = indicators.indicators[name]
        results[name] = IndicatorFigures(ind, Figures(0 if ind.population is not None else None))
    return IndicatorReport(debut, fin, at, by, results)


def group_of(value: object) -> Key:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    return str(value)


def count_case_by_case(
    policy: Policy,
    rows: Iterable[tuple[str, Mapping[str, object]]],
    debut: date,
    fin: date,
    at: date | None = None,
    by: str | None = None,
    names: Iterable[str] | None = None,
    ids_for: str | None = None,
) -> IndicatorReport:
    """Every indicator (or `names`) over `rows` of (id, facts), one person at a time: the reference."""
    at = at or fin
    indicators = policy.indicators
    chosen = indicators.closure(names)
    wanted = tuple(chosen if names is None else [n for n in chosen if n in set(names)])
    needs = {n: set(indicators.rules_read(policy.plan, [n], by)) for n in chosen}
    rules = indicators.rules_read(policy.plan, chosen, by)
    report = empty_report(indicators, wanted, debut, fin, at, by)
    for results in report.results.values():
        if ids_for == results.indicator.name:
            results.ids = []
    for row_id, facts in rows:
        report.rows += 1
        try:
            env_facts, values, failed = _decisions(policy, facts, at, rules)
        except CaseError as exc:
            report.rows_with_errors += 1
            code = exc.diagnostics[0].code.value if exc.diagnostics else "fact_type_error"
            report.errors_by_code[code] = report.errors_by_code.get(code, 0) + 1
            for results in report.results.values():
                results.errors += 1
            continue
        if failed:
            report.rows_with_errors += 1
            code = next(iter(failed.values()))
            report.errors_by_code[code] = report.errors_by_code.get(code, 0) + 1
        _person(policy, report, row_id, dict(env_facts), values, set(failed), needs, chosen, by)
    return report


def _decisions(
    policy: Policy, facts: Mapping[str, object], at: date, rules: tuple[str, ...]
) -> tuple[Mapping[str, object], dict[str, object], dict[str, str]]:
    """The facts with their defaults, the decisions computed, and those that failed (name → code).

    Raises CaseError for invalid facts. Each decision fails on its own (vocabulary.md)."""
    try:
        decision = policy.evaluate(facts, at=at, decisions=rules)
    except EvaluationError:  # an engine that fails the whole case: ask each decision alone
        values, failed = {}, {}
        for rule in rules:
            try:
                values[rule] = policy.evaluate(facts, at=at, decisions=[rule])[rule]
            except EvaluationError as exc:
                failed[rule] = exc.diagnostics[0].code.value if exc.diagnostics else "evaluation_error"
        return policy.evaluate(facts, at=at, decisions=[]).facts, values, failed
    errors = getattr(decision, "errors", None) or {}
    computed = decision.values if not callable(decision.values) else None
    values = dict(computed) if isinstance(computed, Mapping) else dict(decision)
    return decision.facts, values, {n: str(getattr(e, "code", "evaluation_error")) for n, e in errors.items()}


def _person(
    policy: Policy,
    report: IndicatorReport,
    row_id: str,
    env: dict[str, object],
    decisions: Mapping[str, object],
    failed: set[str],
    needs: Mapping[str, set[str]],
    chosen: tuple[str, ...],
    by: str | None,
) -> None:
    indicators = policy.indicators
    env["debut"], env["fin"] = report.debut, report.fin
    interpreter = interpreter_for(policy, env, decisions, report.at)

    def value(e: ast.Expr) -> object:
        return interpreter.expr(e, report.at)

    try:
        in_scope = indicators.scope is None or bool(value(indicators.scope))
        key: Key = None
        if by is not None and by != MONTH:
            key = group_of(value(indicators.breakdowns[by].value))
    except (PolicyError, ArithmeticError, ValueError):
        in_scope, key = False, None
        failed = failed | {"<scope>"}
    for name in chosen:
        ind = indicators.indicators[name]
        results = report.results.get(name)
        if failed & (needs[name] | {"<scope>", *ind.indicators_read}):
            env[name] = False  # never read: the indicators naming it need the failed decision too
            if results is not None:
                results.errors += 1
            continue
        try:
            env[name] = _one(ind, value, in_scope, key, by, results, row_id)
        except (PolicyError, ArithmeticError, ValueError):
            env[name] = False
            failed = failed | {name}
            if results is not None:
                results.errors += 1


def interpreter_for(
    policy: Policy, values: dict[str, object], decisions: Mapping[str, object], at: date
) -> Interpreter:
    """An interpreter over one person: `values` (facts, period, indicators) and its decisions on `at`."""
    interpreter = Interpreter(policy.plan, values, at)
    for name, value in decisions.items():
        interpreter.memo[(name, at)] = value
    return interpreter


def _one(
    ind: Indicator,
    compute: Callable[[ast.Expr], object],
    in_scope: bool,
    key: Key,
    by: str | None,
    results: IndicatorFigures | None,
    row_id: str,
) -> bool:
    """Add one person to one indicator's figures; return whether it counts them (for other indicators)."""
    inside = in_scope and (ind.population is None or bool(compute(ind.population)))
    counted = inside and ind.count is not None and bool(compute(ind.count))
    if results is None or not inside:
        return counted
    month = compute(ind.month) if ind.month is not None else None
    groups: list[tuple[Figures, Key]] = [(results.overall, None)]
    if by is not None:
        group_key = group_of(month) if by == MONTH else key
        group = results.groups.setdefault(group_key, Figures(0 if ind.population is not None else None))
        groups.append((group, group_key))
    for figures, _ in groups:
        if figures.population is not None:
            figures.population += 1
    listed = counted
    if ind.statistic is Statistic.COUNT and counted:
        for figures, _ in groups:
            figures.counted += 1
    elif ind.by is not None:
        got = group_of(compute(ind.by))
        listed = True
        for figures, _ in groups:
            figures.by_value[got] = figures.by_value.get(got, 0) + 1
    elif ind.statistic is Statistic.SUM:
        for part in ind.parts:
            amount = Decimal(str(compute(part.value)))
            if not amount:
                continue
            listed = True
            results.overall.total += amount
            if by is not None:
                part_key = group_of(compute(part.month) if part.month is not None else None) if by == MONTH else key
                target = results.groups.setdefault(part_key, Figures(0 if ind.population is not None else None))
                target.total += amount
    if ind.mean is not None and bool(compute(ind.mean.over)):
        mean_value = compute(ind.mean.value)
        if mean_value is not None:
            for figures, _ in groups:
                figures.mean_total += Decimal(str(mean_value))
                figures.mean_count += 1
    if results.ids is not None and listed:
        results.ids.append(row_id)
    return counted
