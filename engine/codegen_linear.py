"""The fast backend for large policies: one function per rule version, code linear in the policy.

`codegen.py` writes, for every date segment (the timeline cut wherever any version or value
changes), straight-line code for every rule in force: the fastest code, but its size grows with
rules × segments (1,000 rules each with its own `from` date: a million statements). Past a budget
`generate` switches to this form instead: each version of each rule is one generated function
`def r3_1(F, T, L, C, V)` reading facts from `F`, rules of the same law from `V` and parameters
through a bisect; a small driver computes, for one law date, the rules the targets need under
that law, in dependency order, without recursion. The generated code is as long as the policy.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from engine import ast
from engine.codegen import Program, _as_of_reads, _dec, _div, _Generator, _mul_duration, _raise, generate
from engine.interpreter import not_in_force, parameter_not_in_force, same_law_reads
from engine.plan import Plan, RulePlan, VersionPlan
from engine.types import Kind

# Past these, `generate_program` writes one function per version instead of code per segment.
SEGMENTED_BUDGET = 10_000  # rows of straight-line code over every date segment and `as of` group (RSA pack: ~5,500)
FLAT_ROWS = 100  # a longer `if/elif` chain nests too deeply for Python's compiler (RecursionError)

_VersionFn = Callable[[dict[str, object], date, date, dict[object, object], dict[int, object]], object]


def generate_program(plan: Plan, outputs: tuple[str, ...]) -> Program:
    """The program computing `outputs`: straight-line code per date segment when its size stays
    within budget (the fastest), else one function per rule version (size linear in the policy)."""
    if segmented_size(plan) > SEGMENTED_BUDGET or longest_table(plan) > FLAT_ROWS:
        return generate_linear(plan, outputs)
    return generate(plan, outputs)


def segmented_size(plan: Plan) -> int:
    """An upper bound of the rows `codegen.generate` would write: every rule's largest version,
    once per date segment, once for the decisions and once per `as of` group."""
    days: set[date] = set()
    largest = 0
    for rule in plan.rules.values():
        size = 0
        for v in rule.versions:
            days.add(v.start)
            if v.end is not None and v.end < date.max:
                days.add(v.end + timedelta(days=1))
            size = max(size, 1 + len(v.rows or ()))
        largest += size
    for p in plan.parameters.values():
        days.update(p.starts)
    groups = len(set(_as_of_reads(plan, list(plan.rules))))
    return (len(days) + 1) * largest * (groups + 1)


def longest_table(plan: Plan) -> int:
    return max((len(v.rows or ()) for rule in plan.rules.values() for v in rule.versions), default=0)


class _LinearGenerator(_Generator):
    """Expressions as in `codegen`, but names read the case (`F`), this law's rules (`V`) and
    parameters by date, so that one function body serves every segment of its version."""

    rule_index: dict[str, int]

    def fact_id(self, name: str) -> str:
        self.facts_read.add(name)
        return f"F[{self.const(name)}]"

    def rule_id(self, name: str) -> str:
        return f"V[{self.rule_index[name]}]"

    def parameter_here(self, name: str) -> str:
        return self.parameter(name, "L")

    def parameter(self, name: str, law: str) -> str:
        return f"_param({self.const(self.parameter_table(name))}, {law})"

    def parameter_table(self, name: str) -> tuple[tuple[date, ...], tuple[object, ...], Callable[[date], None]]:
        p = self.plan.parameters[name]
        return (p.starts, p.values, lambda day, n=name: _raise(parameter_not_in_force(self.plan, n, day)))

    def as_of_call(self, node: ast.AsOf, when: str) -> str:
        return f"_rule_at({self.rule_index[node.target.name]}, {when}, F, T, C)"

    def version_function(self, name: str, version: VersionPlan, kind: Kind) -> list[str]:
        wrap = kind in (Kind.MONEY, Kind.DECIMAL)
        lines = [f"def {name}(F, T, L, C, V):"]
        if version.formula is not None:
            return [*lines, f"    return {self.value(version.formula, wrap)}"]
        assert version.rows is not None
        for row in version.rows:  # flat `if … return`: no nesting however many rows
            if row.when is None:
                lines.append(f"    return {self.value(row.then, wrap)}")
            else:
                lines += [f"    if {self.expr(row.when)}:", f"        return {self.value(row.then, wrap)}"]
        return lines


@dataclass
class _RuleCode:
    index: int
    bounds: tuple[date, ...]  # segment starts of this rule's own timeline
    versions: tuple[int, ...]  # per segment (one more than bounds): version index, or -1
    reads: tuple[tuple[int, ...], ...]  # per version: the rules it reads under the same law
    functions: tuple[_VersionFn, ...] = ()


def _segments(rule: RulePlan) -> tuple[tuple[date, ...], tuple[int, ...]]:
    days: set[date] = set()
    for v in rule.versions:
        days.add(v.start)
        if v.end is not None and v.end < date.max:
            days.add(v.end + timedelta(days=1))
    bounds = tuple(sorted(days))
    index = {id(v): i for i, v in enumerate(rule.versions)}
    versions = [-1]
    for day in bounds:
        version = rule.version_on(day)
        versions.append(index[id(version)] if version is not None else -1)
    return bounds, tuple(versions)


def generate_linear(plan: Plan, outputs: tuple[str, ...]) -> Program:
    """A `Program` computing `outputs` whose code size is linear in the policy's size."""
    names = list(plan.rules)
    g = _LinearGenerator(plan)
    g.rule_index = {name: i for i, name in enumerate(names)}
    order = tuple(g.rule_index[n] for n in plan.graph.order if n in plan.rules)
    rules: list[_RuleCode] = []
    source: list[str] = []
    for i, name in enumerate(names):
        rule = plan.rules[name]
        bounds, versions = _segments(rule)
        reads = tuple(
            tuple(sorted(g.rule_index[r] for r in same_law_reads(v) if r in plan.rules)) for v in rule.versions
        )
        rules.append(_RuleCode(i, bounds, versions, reads))
        for j, version in enumerate(rule.versions):
            g.local_groups.append({})
            source += g.version_function(f"r{i}_{j}", version, rule.type.kind)
            g.local_groups.pop()
    namespace: dict[str, object] = {
        "_div": _div,
        "_dec": _dec,
        "_mul_duration": _mul_duration,
        "_param": _param,
        "__builtins__": {},
        **g.constants,
    }
    runner = _Runner(plan, names, rules, order)
    namespace["_rule_at"] = runner.rule_at
    exec(compile("\n".join(source) + "\n", "<policy plan>", "exec"), namespace)
    for i, code in enumerate(rules):
        count = len(plan.rules[names[i]].versions)
        code.functions = tuple(namespace[f"r{i}_{j}"] for j in range(count))  # type: ignore[misc]
    targets = tuple(g.rule_index[n] for n in outputs)

    def run(facts: dict[str, object], today: date) -> dict[str, object]:
        values = runner.values_at(targets, facts, today, today, {})
        return {name: values[g.rule_index[name]] for name in outputs}

    dependencies = plan.graph.dependencies(outputs)
    required = tuple(sorted(f for f in dependencies if f in plan.facts and plan.facts[f].required))

    def segment(facts: dict[str, object], today: date, law: date, cache: dict[object, object]) -> dict[str, object]:
        return run(facts, today)  # one segment: the runner finds each rule's version itself

    return Program(outputs, required, "\n".join(source) + "\n", run, (segment,), ())


def _param(table: tuple[tuple[date, ...], tuple[object, ...], Callable[[date], None]], day: date) -> object:
    starts, values, missing = table
    index = bisect.bisect_right(starts, day) - 1
    if index < 0:
        missing(day)
    return values[index]


class _LawValues(dict[int, object]):
    """The rules computed under one law date; reading one not in force raises its `not_in_force`
    there, so that a reader guarding it (`if x is null then null else r`) is still computed."""

    __slots__ = ("missing",)
    missing: Callable[[int], Exception]

    def __missing__(self, index: int) -> object:
        raise self.missing(index)


class _Runner:
    """Computes rules for one law date in dependency order: no recursion, whatever the chain."""

    def __init__(self, plan: Plan, names: list[str], rules: list[_RuleCode], order: tuple[int, ...]) -> None:
        self.plan = plan
        self.names = names
        self.rules = rules
        self.position = {rule: p for p, rule in enumerate(order)}

    def values_at(
        self, targets: tuple[int, ...], facts: dict[str, object], today: date, law: date, cache: dict[object, object]
    ) -> dict[int, object]:
        needed: dict[int, int] = {}  # rule → index of its version in force on `law`
        stack = list(targets)
        while stack:
            i = stack.pop()
            if i in needed:
                continue
            code = self.rules[i]
            version = code.versions[bisect.bisect_right(code.bounds, law)]
            needed[i] = version
            if version >= 0:
                stack.extend(code.reads[version])
        values = _LawValues()
        values.missing = lambda i: not_in_force(self.plan, self.plan.rules[self.names[i]], law)
        for i in sorted(needed, key=self.position.__getitem__):
            version = needed[i]
            if version >= 0:  # a rule not in force fails where it is read (`_LawValues`), if it is
                values[i] = self.rules[i].functions[version](facts, today, law, cache, values)
        return values

    def rule_at(
        self, index: int, law: date, facts: dict[str, object], today: date, cache: dict[object, object]
    ) -> object:
        """`x as of law`: computed once per case and date."""
        key = ("as of", index, law)
        if key not in cache:
            if not isinstance(law, date):
                raise TypeError("as of null")  # the interpreter reports it, located
            cache[key] = self.values_at((index,), facts, today, law, cache)[index]
        return cache[key]
