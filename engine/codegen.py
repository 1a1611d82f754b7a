"""The fast backend: Python source generated from the *checked* AST, compiled once per plan.

User text never reaches the generated source: names become numbered locals (`v3`, `f2`) and
every literal goes through a constants table (`_k7`). Only the code's shape comes from the AST.
Rules are computed once each, in dependency order; `x as of d` calls a generated function
that computes x's dependencies under the law of date d.

`generate(plan, outputs, traced=True)` writes the same code plus what a compact trace needs
(`engine.compact`): every table stores the row it takes, every `if` its condition, every rule
computed where it is read its value, in locals, and each function body appends one record of
them, `(layout index, law date, *locals)`, to the list `run(F, T, R)` was given. The layouts
(`RecordSlot`) say which rule and version each local belongs to; nothing is decoded until read.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from engine import ast, calendar
from engine.builtins import TABLE
from engine.calendar import Duration
from engine.diagnostics import EvaluationError
from engine.interpreter import not_in_force, parameter_not_in_force, same_law_reads
from engine.plan import Plan, RulePlan, VersionPlan
from engine.printer import to_text
from engine.records import NOT_COMPUTED, Marked, RecordSlot, layout
from engine.types import Kind

_SAFE_NAME = re.compile(r"[a-z][a-z0-9_]*")  # always fullmatch: `$` would accept a final newline


_Row = Sequence[object] | dict[str, object]  # the values of a program's outputs: in order, or by name


@dataclass(frozen=True)
class Program:
    outputs: tuple[str, ...]
    required_facts: tuple[str, ...]
    source: str
    run: Callable[[dict[str, object], date], dict[str, object]]
    # run's own dispatch, for a caller that saves the call: segments[bisect(bounds, T)](F, T, T, {}),
    # which gives the values of `outputs` in their order (a tuple), or by name (a dict: `codegen_linear`)
    segments: tuple[Callable[[dict[str, object], date, date, dict[object, object]], _Row], ...]
    bounds: tuple[date, ...]
    # Traced programs only: `layouts[i]` describes the records of layout index i (see `RecordSlot`).
    layouts: tuple[tuple[RecordSlot, ...], ...] = ()


def _div(a: object, b: object) -> Decimal:
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return Decimal(a) / Decimal(b)  # type: ignore[arg-type]


def _dec(x: object) -> object:
    return Decimal(x) if type(x) is int else x


def _mul_duration(a: object, b: object) -> Duration:
    if isinstance(a, Duration):
        return Duration(a.months * b, a.days * b)  # type: ignore[operator]
    assert isinstance(b, Duration)
    return Duration(b.months * a, b.days * a)  # type: ignore[operator]


_MAX_INLINE_DEPTH = 12  # rules inlined into one another, at most; Python's parser nests 200 deep
_MAX_INLINE_CODE = 4000  # characters of code one rule may add to a body by being inlined where read
_UNSET = NOT_COMPUTED  # a lazily computed rule not computed yet


@dataclass
class _Body:
    """One function body being generated: what it returns, how often it reads each rule, and the
    rules it computes where they are read (name → (expression code, inlining depth))."""

    targets: frozenset[str]
    uses: dict[str, int]
    inline: dict[str, tuple[str, int]] = field(default_factory=dict)
    lazy: list[str] = field(default_factory=list)  # variables of rules read more than once, computed on first read
    depth: int = 0  # deepest inlined rule met while generating the current rule
    recorded: list[Marked] | None = None  # traced programs: the rules this body records
    current: Marked | None = None  # the rule whose code is being generated (traced programs)


@dataclass
class _Generator:
    plan: Plan
    constants: dict[str, object] = field(default_factory=dict)
    functions: dict[str, list[str]] = field(default_factory=dict)  # as-of functions by rule
    temp: int = 0
    facts_read: set[str] = field(default_factory=set)
    bounds: list[date] = field(default_factory=list)
    day: date | None = None  # first day of the segment being generated; None before every boundary
    group_of: dict[tuple[str, str], tuple[int, tuple[str, ...]]] = field(default_factory=dict)
    shared_groups: set[int] = field(default_factory=set)  # groups read while computing a group
    fixed_groups: dict[int, bool] = field(default_factory=dict)  # group → is its `when` one value per case?
    local_groups: list[dict[str, str]] = field(default_factory=list)  # per body being generated
    bodies: list[_Body] = field(default_factory=list)  # the function bodies being generated
    traced: bool = False  # write the recording code of compact traces too
    layouts: list[tuple[RecordSlot, ...]] = field(default_factory=list)

    def const(self, value: object) -> str:
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def rule_id(self, name: str) -> str:
        return f"v{list(self.plan.rules).index(name)}"

    def fact_id(self, name: str) -> str:
        return f"f{list(self.plan.facts).index(name)}"

    # -- functions ------------------------------------------------------------------------------
    # The timeline is cut at every date where a rule version or a parameter value changes. Within
    # one segment every version and value is fixed, so each segment gets straight-line code that
    # computes exactly what the versions in force need: no date tests, no unused dependencies.
    def boundaries(self, needed: set[str] | None = None) -> list[date]:
        """The days where the law of a rule or parameter in `needed` (default: all) changes."""
        days: set[date] = set()
        for name, rule in self.plan.rules.items():
            if needed is not None and name not in needed:
                continue
            for v in rule.versions:
                days.add(v.start)
                if v.end is not None and v.end < date.max:
                    days.add(v.end + timedelta(days=1))
        for name, p in self.plan.parameters.items():
            if needed is None or name in needed:
                days.update(p.starts)
        return sorted(days)

    def segmented(self, name: str, targets: tuple[str, ...], result: str) -> str:
        """Define `name_segments`, the variants `name_i(F, T, L, C)` computing `targets` under the
        law of each date segment (call `name_segments[_bisect(_bounds, L)]`); return `name`."""
        variants = []
        for index, day in enumerate([None, *self.bounds]):
            self.day = day
            lines = self.body(targets)
            variants.append(f"{name}_{index}")
            self.functions[f"{name}_{index}"] = [
                f"def {name}_{index}(F, T, L, C):",
                *("    " + s for s in lines),
                f"    return {result}",
            ]
        self.functions.pop(name, None)  # (re)insert after its variants, which it names
        self.functions[name] = [f"{name}_segments = ({', '.join(variants)},)"]
        return name

    def body(self, targets: tuple[str, ...]) -> list[str]:
        """Statements computing `targets` (and what they need) under the law of segment `self.day`."""
        needed = self.closure(targets)
        rules = [n for n in self.plan.graph.order if n in needed and n in self.plan.rules]
        facts = [n for n in self.plan.graph.order if n in needed and n in self.plan.facts]
        lines = [f"{self.fact_id(f)} = F[{self.const(sys.intern(f))}]" for f in facts]  # (interned: see evaluate)
        self.local_groups.append({})
        self.bodies.append(_Body(frozenset(targets), self.uses(rules), recorded=[] if self.traced else None))
        try:
            for name in rules:
                lines += self.rule(self.plan.rules[name])
        finally:
            cached = self.local_groups.pop()
            body = self.bodies.pop()
        self.facts_read.update(facts)
        init, record = self.record(body.recorded) if body.recorded is not None else ([], [])
        return (
            [f"{variable} = None" for variable in cached.values()]
            + [f"{variable} = _U" for variable in body.lazy]
            + init
            + lines
            + record
        )

    def record(self, marked: list[Marked]) -> tuple[list[str], list[str]]:
        """Traced programs: the markers' initial values, and the line appending the body's record."""
        slots, init, append = layout(marked, len(self.layouts))
        self.layouts.append(slots)
        return init, [append]

    def uses(self, rules: list[str]) -> dict[str, int]:
        """How many times each rule is read, under this segment's law, by the rules of one body."""
        count: dict[str, int] = {}
        for name in rules:
            version = self.in_force(self.plan.rules[name])
            if version is None:
                continue
            stack = list(_version_expressions(version))
            while stack:
                node = stack.pop()
                if isinstance(node, ast.AsOf):  # read under another date's law, through its group
                    stack.append(node.when)
                    continue
                if isinstance(node, ast.Name) and node.binding is ast.Binding.RULE:
                    count[node.name] = count.get(node.name, 0) + 1
                stack.extend(ast.children(node))
        return count

    def in_force(self, rule: RulePlan) -> VersionPlan | None:
        return rule.version_on(self.day) if self.day is not None else None

    def closure(self, targets: tuple[str, ...]) -> set[str]:
        """What `targets` read under this segment's law; `x as of d` only needs d's inputs here."""
        seen: set[str] = set()
        stack = list(targets)
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in self.plan.rules:
                version = self.in_force(self.plan.rules[name])
                if version is not None:
                    stack.extend(same_law_reads(version))
        return seen

    def rule(self, rule: RulePlan) -> list[str]:
        version = self.in_force(rule)
        body = self.bodies[-1]
        if version is None:
            # Not in force in this segment: fail where it is read, not here, so that a reader
            # guarding it (`if x is null then null else r`) still computes on the fast path.
            if rule.name not in body.targets:
                body.inline[rule.name] = (self.not_in_force_call(rule), 0)
                return []
            return [f"{self.rule_id(rule.name)} = {self.not_in_force_call(rule)}"]
        if body.recorded is None:
            return self.computed(rule, version, body)
        index = next(i for i, v in enumerate(rule.versions) if v is version)
        row = f"_w{self.rule_id(rule.name)}" if version.rows is not None else None
        try:
            body.current = Marked(rule.name, index, row)
            lines = self.computed(rule, version, body)
            body.recorded.append(body.current)
        finally:
            body.current = None
        return lines

    def computed(self, rule: RulePlan, version: VersionPlan, body: _Body) -> list[str]:
        """The statements computing `rule` in this body (none if it is computed where it is read)."""
        uses = body.uses.get(rule.name, 0)
        variable = self.rule_id(rule.name)
        traced, body.current = body.current, None  # traced: the choice of form is made on the plain code
        row = traced.row if traced is not None else None
        if rule.name not in body.targets and uses:
            # Not returned: computed where it is read, so only when that branch is taken (as the
            # interpreter does), once (`v` starts as the sentinel `_U`), unless inlining would nest
            # too deep for Python's compiler or repeat too much code.
            body.depth = 0
            code = self.inline_version(version, rule.type.kind)
            depth = body.depth + 1
            if uses > 1:
                code = f"{variable} if {variable} is not _U else ({variable} := {code})"
            if depth <= _MAX_INLINE_DEPTH and len(code) * uses <= _MAX_INLINE_CODE:
                if traced is not None:  # the same code with markers, the rule's value kept to say it was read
                    body.current = traced
                    code = self.inline_version(version, rule.type.kind, traced.row)
                    if uses > 1:
                        code = f"{variable} if {variable} is not _U else ({variable} := {code})"
                    else:
                        code = f"({variable} := {code})"
                    traced.computed = variable
                body.inline[rule.name] = (code, depth)
                if uses > 1 or traced is not None:
                    body.lazy.append(variable)
                return []
            body.current = traced
            return [f"{variable} = {self.inline_version(version, rule.type.kind, row)}"]
        body.current = traced
        return self.version(version, variable, rule.type.kind, row)

    def inline_version(self, version: VersionPlan, kind: Kind, row_variable: str | None = None) -> str:
        """A version as one expression: a table becomes nested conditional expressions (traced: each
        row's number goes into `row_variable` before its condition is read)."""
        wrap = kind in (Kind.MONEY, Kind.DECIMAL)
        if version.formula is not None:
            return self.value(version.formula, wrap)
        assert version.rows is not None
        *rows, last = version.rows
        code = self.value(last.then, wrap)  # the `otherwise` row (the reader requires it, last)
        if row_variable is not None:
            code = f"({code} if ({row_variable} := {len(version.rows)}) else None)"
        parts = [(self.expr(row.when), self.value(row.then, wrap)) for row in rows if row.when is not None]
        for number, (when, then) in reversed(list(enumerate(parts, 1))):
            if row_variable is not None:
                when = f"(({row_variable} := {number}) and {when})"
            code = f"({then} if {when} else {code})"
        return code

    def not_in_force_call(self, rule: RulePlan) -> str:
        nif = self.const(lambda law, r=rule: _raise(not_in_force(self.plan, r, law)))
        return f"{nif}(L)"

    def version(self, version: VersionPlan, target: str, kind: Kind, row_variable: str | None = None) -> list[str]:
        wrap = kind in (Kind.MONEY, Kind.DECIMAL)
        if version.formula is not None:
            return [f"{target} = {self.value(version.formula, wrap)}"]
        assert version.rows is not None
        lines = []
        for i, row in enumerate(version.rows):
            if row.when is None:
                lines.append("else:" if i else "if True:")
            else:
                lines.append(f"{'if' if i == 0 else 'elif'} {self.expr(row.when)}:")
            lines.append(f"    {target} = {self.value(row.then, wrap)}")
            if row_variable is not None:
                lines.append(f"    {row_variable} = {i + 1}")
        return lines

    def value(self, e: ast.Expr, wrap: bool) -> str:
        code = self.expr(e)
        return f"_dec({code})" if wrap and _may_be_int(e) else code

    def as_of_call(self, node: ast.AsOf, when: str) -> str:
        """`x as of d`: the group of rules read as of the same expression, computed once per date."""
        key = self.group_of.get((to_text(node.when), node.target.name))
        assert key is not None, node
        index, targets = key
        name = f"_g{index}"
        if name not in self.functions:
            self.functions[name] = []  # reserve: groups are acyclic (checked when they were formed)
            saved = self.day
            result = "(" + "".join(f"{self.rule_id(t)}, " for t in targets) + ")"
            self.fixed_groups[index] = all(
                not isinstance(n, ast.Name)
                or n.binding in (ast.Binding.FACT, ast.Binding.TODAY, ast.Binding.ENUM_VALUE)
                for n in ast.walk(node.when)
            ) and not any(isinstance(n, ast.AsOf) for n in ast.walk(node.when))
            self.segmented(name, targets, result)
            self.day = saved
        # Computed once per case and law date (kept in the evaluation's cache `C`), so the rules read
        # `as of` one date are computed once however many rules read them. A `when` reading only
        # facts and today has one value per case: the group's index is the key. The look-up is
        # written here, where the group is read, to save a call.
        self.temp += 1
        law = f"_t{self.temp}"
        if index not in self.shared_groups:  # read once per case, by the decisions' own code: no cache
            call = f"{name}_segments[_bisect(_bounds, ({law} := {when}))](F, T, {law}, C)"
        else:
            if self.fixed_groups[index]:
                memo, bind = str(index), f"({law} := {when})"
                test = f"{memo} in C"
            else:
                memo, bind = f"_t{self.temp}_0", law
                test = f"({memo} := ({index}, ({law} := {when}))) in C"
            compute = f"{name}_segments[_bisect(_bounds, {bind})](F, T, {law}, C)"
            call = f"(C[{memo}] if {test} else C.setdefault({memo}, {compute}))"
        # Within one function body the same `when` text has the same value: look the group up once.
        cache = self.local_groups[-1]
        variable = cache.setdefault(f"{index}:{to_text(node.when)}", f"_c{len(self.constants)}_{len(cache)}")
        return f"({variable} if {variable} is not None else ({variable} := {call}))[{targets.index(node.target.name)}]"

    def form_groups(self, outputs: tuple[str, ...]) -> None:
        """Group the rules read `as of` the same expression by the rules `outputs` rest on (only
        those: a program for a few decisions never computes the rest of the pack); fall back to one
        rule per group if grouping would let a group's computation call itself."""
        reached = self.plan.graph.dependencies(outputs)
        needed = [n for n in self.plan.rules if n in reached]
        grouped: dict[str, list[str]] = {}
        for when, target in _as_of_reads(self.plan, needed):
            members = grouped.setdefault(when, [])
            if target not in members:
                members.append(target)
        groups = [(when, tuple(targets)) for when, targets in grouped.items()]
        if _groups_cycle(self.plan, groups):
            groups = [(when, (t,)) for when, targets in groups for t in targets]
        for index, (when, targets) in enumerate(groups):
            for t in targets:
                self.group_of[(when, t)] = (index, targets)
        # A group read while computing a group (of the same or another date) may be read several
        # times per case: those keep their results in the evaluation's cache. The others are read
        # only by the decisions' own code, once per case.
        for _, targets in groups:
            inner = [n for n in self.plan.graph.dependencies(targets) if n in self.plan.rules]
            self.shared_groups.update(self.group_of[read][0] for read in _as_of_reads(self.plan, inner))

    # -- expressions ------------------------------------------------------------------------------
    def expr(self, e: ast.Expr, law: str = "L") -> str:
        match e:
            case ast.Literal(value=None):
                return "None"
            case ast.Literal(value=bool() as b):
                return "True" if b else "False"
            case ast.Literal(value=v):
                return self.const(v)
            case ast.Name(name=name, binding=binding):
                if binding is ast.Binding.FACT:
                    return self.fact_id(name)
                if binding is ast.Binding.RULE:
                    inline = self.bodies[-1].inline.get(name) if self.bodies else None
                    if inline is None:
                        return self.rule_id(name)
                    self.bodies[-1].depth = max(self.bodies[-1].depth, inline[1])
                    return f"({inline[0]})"
                if binding is ast.Binding.PARAMETER:
                    return self.parameter(name, law) if law != "L" else self.parameter_here(name)
                if binding is ast.Binding.TODAY:
                    return "T"
                return self.const(name)
            case ast.Unary(op="not", operand=o):
                return f"(not {self.expr(o, law)})"
            case ast.Unary(operand=o):
                return f"(-{self.expr(o, law)})"
            case ast.Binary(op="and" | "or" as op, left=a, right=b):
                return f"({self.expr(a, law)} {op} {self.expr(b, law)})"
            case ast.Binary(op="??", left=a, right=b):
                self.temp += 1
                t = f"_t{self.temp}"
                return f"({t} if ({t} := {self.expr(a, law)}) is not None else {self.expr(b, law)})"
            case ast.Binary(op="+" | "-" as op, left=a, right=b) if _kind(a) is Kind.DATE or _kind(b) is Kind.DATE:
                return self.date_arithmetic(op, a, b, law)
            case ast.Binary(op="*", left=a, right=b) if Kind.DURATION in (_kind(a), _kind(b)):
                return f"_mul_duration({self.expr(a, law)}, {self.expr(b, law)})"
            case ast.Binary(op="/", left=a, right=b):
                return f"_div({self.expr(a, law)}, {self.expr(b, law)})"
            case ast.Binary(op=op, left=a, right=b):
                return f"({self.expr(a, law)} {op} {self.expr(b, law)})"
            case ast.If(cond=c, then=t, orelse=o):
                traced = self.bodies[-1].current if self.bodies else None
                if traced is not None:  # keep the condition's value: the branch taken
                    self.temp += 1
                    marker = f"_b{self.temp}"
                    traced.ifs.append((e, marker))
                    return f"({self.expr(t, law)} if ({marker} := {self.expr(c, law)}) else {self.expr(o, law)})"
                return f"({self.expr(t, law)} if {self.expr(c, law)} else {self.expr(o, law)})"
            case ast.In(value=v, items=items, negated=neg):
                return f"({self.expr(v, law)} {'not in' if neg else 'in'} {self.collection(items, law)})"
            case ast.IsNull(value=v, negated=neg):
                return f"({self.expr(v, law)} is {'not ' if neg else ''}None)"
            case ast.Call(func="days_between", args=[a, b]):  # the subtraction itself: one call less
                return f"({self.expr(b, law)} - {self.expr(a, law)}).days"
            case ast.Call(func=func, args=args):
                # min and max of two or more values: Python's own (the same result, one call less)
                fn = self.const({"min": min, "max": max}.get(func, TABLE[func].impl))
                return f"{fn}({', '.join(self.expr(a, law) for a in args)})"
            case ast.AsOf(target=target, when=w):
                when = self.expr(w, law)
                if target.binding is ast.Binding.PARAMETER:
                    traced = self.bodies[-1].current if self.bodies else None
                    if traced is not None:  # keep the date it is read on
                        self.temp += 1
                        marker = f"_q{self.temp}"
                        traced.parameters.append((target.name, marker))
                        return f"({marker} := {when}, {self.parameter(target.name, marker)})[1]"
                    if when.isidentifier():  # a local or T: no need to name it
                        return self.parameter(target.name, when)
                    self.temp += 1
                    t = f"_t{self.temp}"
                    return f"({t} := {when}, {self.parameter(target.name, t)})[1]"
                return self.as_of_call(e, when)
            case ast.ListExpr():
                return self.collection(e, law)
        raise AssertionError(f"unhandled node: {e!r}")

    def collection(self, items: ast.Expr, law: str) -> str:
        if isinstance(items, ast.ListExpr):
            literal = [i for i in items.items if isinstance(i, ast.Literal)]
            enums = [i for i in items.items if isinstance(i, ast.Name) and i.binding is ast.Binding.ENUM_VALUE]
            if len(literal) + len(enums) == len(items.items):
                values = [i.value for i in literal] + [i.name for i in enums]
                return self.const(frozenset(values))
            return f"({', '.join(self.expr(i, law) for i in items.items)},)"
        return self.expr(items, law)

    def parameter(self, name: str, law: str) -> str:
        p = self.plan.parameters[name]
        nif = self.const(lambda day, n=name: _raise(parameter_not_in_force(self.plan, n, day)))
        code = f"{nif}({law})"
        for start, value in zip(p.starts, p.values, strict=True):
            code = f"({self.const(value)} if {law} >= {self.const(start)} else {code})"
        return code

    def parameter_here(self, name: str) -> str:
        """A parameter under this segment's law: its value is fixed for the whole segment."""
        p = self.plan.parameters[name]
        index = p.index_on(self.day) if self.day is not None else -1
        self.parameter_read(name, index)
        if index < 0:
            nif = self.const(lambda day, n=name: _raise(parameter_not_in_force(self.plan, n, day)))
            return f"{nif}(L)"
        return "None" if p.values[index] is None else self.const(p.values[index])

    def fixed_parameter(self, e: ast.Expr, law: str) -> object:
        """The value of a parameter read under this segment's law (fixed for the segment), or None."""
        if not (isinstance(e, ast.Name) and e.binding is ast.Binding.PARAMETER and law == "L" and self.day):
            return None
        p = self.plan.parameters[e.name]
        index = p.index_on(self.day)
        self.parameter_read(e.name, index)
        return p.values[index] if index >= 0 else None

    def parameter_read(self, name: str, index: int) -> None:
        """Traced programs: the rule being generated reads parameter `name` under its body's law."""
        traced = self.bodies[-1].current if self.bodies else None
        if traced is not None and index >= 0:
            traced.parameters.append((name, None))

    def date_arithmetic(self, op: str, a: ast.Expr, b: ast.Expr, law: str) -> str:
        if op == "+" and _kind(a) is Kind.DURATION:
            a, b = b, a
        left = self.expr(a, law)
        fixed = b.value if isinstance(b, ast.Literal) else self.fixed_parameter(b, law)
        if isinstance(fixed, Duration):
            d = fixed if op == "+" else -fixed
            if d.days == 0:
                return f"{self.const(calendar.add_months)}({left}, {d.months})"
            if d.months == 0:
                return f"({left} + {self.const(timedelta(days=d.days))})"
        months = self.months_of(b, law)
        if months is not None:  # a parameter read under another date's law, in whole months only
            return f"{self.const(calendar.add_months)}({left}, {'' if op == '+' else '-'}{months})"
        fn = calendar.add_duration if op == "+" else calendar.subtract_duration
        return f"{self.const(fn)}({left}, {self.expr(b, law)})"

    def months_of(self, e: ast.Expr, law: str) -> str | None:
        """`p as of d` (or `p` under a law other than this segment's) for a parameter whose every
        value is a whole number of months: code for that number, so that adding it to a date is
        one `add_months` call (the same date as `add_duration` gives, one call less). Else None."""
        if isinstance(e, ast.AsOf) and e.target.binding is ast.Binding.PARAMETER:
            name, when = e.target.name, self.expr(e.when, law)
        elif isinstance(e, ast.Name) and e.binding is ast.Binding.PARAMETER and law != "L":
            name, when = e.name, law
        else:
            return None
        p = self.plan.parameters[name]
        if not p.values or not all(isinstance(v, Duration) and v.days == 0 for v in p.values):
            return None
        bind = ""
        if not when.isidentifier():  # read once: the chain below tests it once per value
            self.temp += 1
            bind, when = f"_t{self.temp} := {when}, ", f"_t{self.temp}"
        code = f"{self.const(lambda day, n=name: _raise(parameter_not_in_force(self.plan, n, day)))}({when})"
        for start, value in zip(p.starts, p.values, strict=True):
            assert isinstance(value, Duration)
            code = f"({value.months} if {when} >= {self.const(start)} else {code})"
        return f"({bind}{code})[1]" if bind else code


def _version_expressions(version: VersionPlan) -> list[ast.Expr]:
    out = [version.formula] if version.formula is not None else []
    for row in version.rows or ():
        out += [x for x in (row.when, row.then) if x is not None]
    return out


def _expressions(rule: RulePlan) -> list[ast.Expr]:
    out: list[ast.Expr] = []
    for v in rule.versions:
        if v.formula is not None:
            out.append(v.formula)
        for row in v.rows or ():
            out += [x for x in (row.when, row.then) if x is not None]
    return out


def _as_of_reads(plan: Plan, rules: list[str]) -> list[tuple[str, str]]:
    """(printed `when`, target rule) of every `x as of d` reading a rule in `rules`, in plan order."""
    reads = []
    for name in rules:
        for e in _expressions(plan.rules[name]):
            for node in ast.walk(e):
                if isinstance(node, ast.AsOf) and node.target.binding is ast.Binding.RULE:
                    reads.append((to_text(node.when), node.target.name))
    return reads


def _groups_cycle(plan: Plan, groups: list[tuple[str, tuple[str, ...]]]) -> bool:
    """Would computing some group (its targets and everything they read) call that group again?"""
    index = {(when, t): i for i, (when, targets) in enumerate(groups) for t in targets}
    calls: dict[int, set[int]] = {}
    for i, (_, targets) in enumerate(groups):
        reached: set[int] = set()
        for name in plan.graph.dependencies(targets):
            if name in plan.rules:
                for e in _expressions(plan.rules[name]):
                    for node in ast.walk(e):
                        if isinstance(node, ast.AsOf) and node.target.binding is ast.Binding.RULE:
                            reached.add(index[(to_text(node.when), node.target.name)])
        calls[i] = reached
    visiting: set[int] = set()
    done: set[int] = set()

    def cyclic(i: int) -> bool:
        if i in visiting:
            return True
        if i in done:
            return False
        visiting.add(i)
        found = any(cyclic(j) for j in calls[i])
        visiting.discard(i)
        done.add(i)
        return found

    return any(cyclic(i) for i in calls)


def _raise(error: EvaluationError) -> None:
    raise error


def _kind(e: ast.Expr) -> Kind | None:
    return e.ty.kind if e.ty is not None else None


def _may_be_int(e: ast.Expr) -> bool:
    """Can this money- or decimal-typed expression produce a Python int at run time (from `0`, say)?"""
    if _kind(e) is Kind.INT:
        return True
    match e:
        case ast.If(then=t, orelse=o):
            return _may_be_int(t) or _may_be_int(o)
        case ast.Binary(op="??", left=a, right=b):
            return _may_be_int(a) or _may_be_int(b)
        case ast.Call(func="min" | "max" | "abs", args=args):
            return any(_may_be_int(a) for a in args)
        case ast.Binary(op="+" | "-" | "*", left=a, right=b):
            return _may_be_int(a) and _may_be_int(b)
        case ast.Unary(op="-", operand=o):
            return _may_be_int(o)
    return False


def generate(plan: Plan, outputs: tuple[str, ...], traced: bool = False) -> Program:
    """Compile the code computing `outputs`: `run(F, T)` → {decision: value}. `traced`: the same code
    recording its choices, `run(F, T, R)` appending records to the list R (see the module docstring)."""
    for name in outputs:
        assert _SAFE_NAME.fullmatch(name), name  # the reader only admits snake_case names
    g = _Generator(plan, traced=traced)
    g.bounds = g.boundaries(plan.graph.dependencies(outputs))  # only the dates where what they need changes
    g.form_groups(outputs)
    # The values in the order of `outputs`, a tuple: cheaper to build than a mapping (named on demand).
    result = "(" + "".join(f"{g.rule_id(name)}, " for name in outputs) + ")"
    g.segmented("_main", outputs, result)
    # `run` names the values; `segments` give them in the order of `outputs` (see `Program`).
    if traced:  # the cache's key None holds the records' list (group keys are ints and tuples)
        main = ["def run(F, T, R):", "    return _named(_main_segments[_bisect(_bounds, T)](F, T, T, {None: R}))"]
    else:
        main = ["def run(F, T):", "    return _named(_main_segments[_bisect(_bounds, T)](F, T, T, {}))"]
    source = "\n".join([line for fn in g.functions.values() for line in fn] + main) + "\n"
    namespace: dict[str, object] = {
        "_div": _div,
        "_dec": _dec,
        "_mul_duration": _mul_duration,
        "_bisect": bisect.bisect_right,
        "_named": lambda row: dict(zip(outputs, row, strict=True)),
        "_U": _UNSET,
        "_bounds": tuple(g.bounds),
        "__builtins__": {},
        **g.constants,
    }
    exec(compile(source, "<policy plan>", "exec"), namespace)
    required = tuple(f for f in sorted(g.facts_read) if plan.facts[f].required)
    return Program(
        outputs,
        required,
        source,
        namespace["run"],  # type: ignore[arg-type]
        namespace["_main_segments"],  # type: ignore[arg-type]
        tuple(g.bounds),
        tuple(g.layouts),
    )
