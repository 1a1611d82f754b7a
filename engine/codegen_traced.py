"""The fast backend: Python source generated from the *checked* AST, compiled once per plan.

User text never reaches the generated source: names become numbered locals (`v3`, `f2`) and
every literal goes through a constants table (`_k7`). Only the code's shape comes from the AST.
Rules are computed once each, in dependency order; `x as of d` calls a generated function
that computes x's dependencies under the law of date d.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
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
from engine.types import Kind

_SAFE_NAME = re.compile(r"[a-z][a-z0-9_]*")  # always fullmatch: `$` would accept a final newline


@dataclass(frozen=True)
class Program:
    outputs: tuple[str, ...]
    required_facts: tuple[str, ...]
    source: str
    run: Callable[[dict[str, object], date], dict[str, object]]
    # Traced programs only: `run(F, T, R)` also appends one compact record per function body
    # executed to the list R, `(layout index, law date, *rows taken, *if conditions)`; `layouts`
    # says which rule and version each position belongs to (see `engine.compact`).
    layouts: tuple[tuple[RecordSlot, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class RecordSlot:
    """One rule computed by a traced function body, and where its choices sit in the record."""

    rule: str
    version: int  # index of the version in force in the body's date segment
    row: int | None  # position of the row taken (1-based value) in the record; None for a formula
    ifs: tuple[tuple[ast.If, int], ...]  # each `if` node of the version, and its record position
    parameters: tuple[str, ...] = ()  # parameters the version reads under the body's law
    as_of: tuple[tuple[str, int], ...] = ()  # parameters read `as of` a date: the date's record position


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


# A traced rule while its body is generated: name, version index, row variable, `if` markers,
# parameters read (with the marker holding the `as of` date, None for the body's own law).
_Recorded = tuple[str, int, str | None, list[tuple[ast.If, str]], list[tuple[str, str | None]]]


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
    local_groups: list[dict[str, str]] = field(default_factory=list)  # per body being generated
    # Traced variant: the record slots of the body being generated, and its `if` nodes.
    traced: bool = False
    layouts: list[tuple[RecordSlot, ...]] = field(default_factory=list)
    recording: list[_Recorded] | None = None
    if_sink: list[tuple[ast.If, str]] | None = None
    parameter_sink: list[tuple[str, str | None]] | None = None  # (parameter, date marker or None)

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
    def boundaries(self) -> list[date]:
        days: set[date] = set()
        for rule in self.plan.rules.values():
            for v in rule.versions:
                days.add(v.start)
                if v.end is not None and v.end < date.max:
                    days.add(v.end + timedelta(days=1))
        for p in self.plan.parameters.values():
            days.update(p.starts)
        return sorted(days)

    def segmented(self, name: str, targets: tuple[str, ...], result: str, memo: int | None = None) -> str:
        """Define `name(F, T, L, C)` dispatching on L's segment; return its name.

        With `memo`, results are kept per law date in the evaluation's cache `C`, so the rules read
        `as of` one date are computed once per case however many rules read them.
        """
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
        dispatch = f"{name}_segments[_bisect(_bounds, L)](F, T, L, C)"
        if memo is None:
            body = [f"    return {dispatch}"]
        else:
            body = [
                f"    k = ({memo}, L)",
                "    r = C.get(k)",
                "    if r is None:",
                f"        r = C[k] = {dispatch}",
                "    return r",
            ]
        self.functions[name] = [
            f"{name}_segments = ({', '.join(variants)},)",
            f"def {name}(F, T, L, C):",
            *body,
        ]
        return name

    def body(self, targets: tuple[str, ...]) -> list[str]:
        """Statements computing `targets` (and what they need) under the law of segment `self.day`."""
        needed = self.closure(targets)
        rules = [n for n in self.plan.graph.order if n in needed and n in self.plan.rules]
        facts = [n for n in self.plan.graph.order if n in needed and n in self.plan.facts]
        lines = [f"{self.fact_id(f)} = F[{self.const(f)}]" for f in facts]
        self.local_groups.append({})
        saved, self.recording = self.recording, ([] if self.traced else None)
        try:
            for name in rules:
                lines += self.rule(self.plan.rules[name])
            recorded = self.recording
        finally:
            cached = self.local_groups.pop()
            self.recording = saved
        self.facts_read.update(facts)
        if recorded is not None:
            init, record = self.record(recorded)
            return [f"{variable} = None" for variable in cached.values()] + init + lines + record
        return [f"{variable} = None" for variable in cached.values()] + lines

    def record(self, recorded: list[_Recorded]) -> tuple[list[str], list[str]]:
        """Traced variant: the `if` markers' initial values and the line appending this body's record."""
        variables: list[str] = []
        slots = []
        for rule, version, row, ifs, parameters in recorded:
            row_at = None
            if row is not None:
                row_at = len(variables)
                variables.append(row)
            positions = []
            for node, variable in ifs:
                positions.append((node, len(variables)))
                variables.append(variable)
            as_of = []
            for name, marker in parameters:
                if marker is not None:
                    as_of.append((name, len(variables)))
                    variables.append(marker)
            here = tuple(dict.fromkeys(name for name, marker in parameters if marker is None))
            slots.append(RecordSlot(rule, version, row_at, tuple(positions), here, tuple(as_of)))
        self.layouts.append(tuple(slots))
        markers = [v for _, _, _, ifs, _ in recorded for _, v in ifs]
        markers += [m for *_, parameters in recorded for _, m in parameters if m is not None]
        init = [f"{variable} = ..." for variable in markers]  # ...: not evaluated
        record = f"C[None].append(({len(self.layouts) - 1}, L, {''.join(v + ', ' for v in variables)}))"
        return init, [record]

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
        if version is None:
            nif = self.const(lambda law, r=rule: _raise(not_in_force(self.plan, r, law)))
            return [f"{nif}(L)"]
        if self.recording is None:
            return self.version(version, self.rule_id(rule.name), rule.type.kind)
        # Traced: the row taken goes into a local `_w…`, every `if` condition into a local `_b…`.
        ifs: list[tuple[ast.If, str]] = []
        parameters: list[tuple[str, str | None]] = []
        row = f"_w{self.rule_id(rule.name)}" if version.rows is not None else None
        recording, saved = self.recording, (self.if_sink, self.parameter_sink)
        self.if_sink, self.parameter_sink = ifs, parameters
        try:
            lines = self.version(version, self.rule_id(rule.name), rule.type.kind, row)
        finally:
            self.if_sink, self.parameter_sink = saved  # (generating an `as of` group's body may nest here)
        index = next(i for i, v in enumerate(rule.versions) if v is version)
        recording.append((rule.name, index, row, ifs, parameters))
        return lines

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
            self.segmented(name, targets, result, memo=index)
            self.day = saved
        # Within one function body the same `when` text has the same value: call the group once.
        cache = self.local_groups[-1]
        variable = cache.setdefault(f"{index}:{to_text(node.when)}", f"_c{len(self.constants)}_{len(cache)}")
        call = f"{name}(F, T, {when}, C)"
        return f"({variable} if {variable} is not None else ({variable} := {call}))[{targets.index(node.target.name)}]"

    def form_groups(self) -> None:
        """Group the rules read `as of` the same expression; fall back to one rule per group if
        grouping would let a group's computation call itself."""
        grouped: dict[str, list[str]] = {}
        for when, target in _as_of_reads(self.plan):
            members = grouped.setdefault(when, [])
            if target not in members:
                members.append(target)
        groups = [(when, tuple(targets)) for when, targets in grouped.items()]
        if _groups_cycle(self.plan, groups):
            groups = [(when, (t,)) for when, targets in groups for t in targets]
        for index, (when, targets) in enumerate(groups):
            for t in targets:
                self.group_of[(when, t)] = (index, targets)

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
                    return self.rule_id(name)
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
                if self.if_sink is not None:  # traced: keep the condition's value
                    self.temp += 1
                    marker = f"_b{self.temp}"
                    self.if_sink.append((e, marker))
                    return f"({self.expr(t, law)} if ({marker} := {self.expr(c, law)}) else {self.expr(o, law)})"
                return f"({self.expr(t, law)} if {self.expr(c, law)} else {self.expr(o, law)})"
            case ast.In(value=v, items=items, negated=neg):
                return f"({self.expr(v, law)} {'not in' if neg else 'in'} {self.collection(items, law)})"
            case ast.IsNull(value=v, negated=neg):
                return f"({self.expr(v, law)} is {'not ' if neg else ''}None)"
            case ast.Call(func=func, args=args):
                fn = self.const(TABLE[func].impl)
                return f"{fn}({', '.join(self.expr(a, law) for a in args)})"
            case ast.AsOf(target=target, when=w):
                when = self.expr(w, law)
                if target.binding is ast.Binding.PARAMETER:
                    if self.parameter_sink is not None:  # traced: keep the date it is read on
                        return self.parameter_as_of_traced(target.name, when)
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

    def parameter_as_of_traced(self, name: str, when: str) -> str:
        """Traced `p as of d`: d goes into a marker (`...` until read) on the first comparison."""
        assert self.parameter_sink is not None
        self.temp += 1
        marker = f"_q{self.temp}"
        self.parameter_sink.append((name, marker))
        code = self.parameter(name, marker)
        first = f"if {marker} >= "
        if first in code:
            return code.replace(first, f"if ({marker} := {when}) >= ", 1)
        return f"({marker} := {when}, {code})[1]"

    def parameter_here(self, name: str) -> str:
        """A parameter under this segment's law: its value is fixed for the whole segment."""
        p = self.plan.parameters[name]
        index = p.index_on(self.day) if self.day is not None else -1
        if index >= 0 and self.parameter_sink is not None:
            self.parameter_sink.append((name, None))
        if index < 0:
            nif = self.const(lambda day, n=name: _raise(parameter_not_in_force(self.plan, n, day)))
            return f"{nif}(L)"
        return "None" if p.values[index] is None else self.const(p.values[index])

    def date_arithmetic(self, op: str, a: ast.Expr, b: ast.Expr, law: str) -> str:
        if op == "+" and _kind(a) is Kind.DURATION:
            a, b = b, a
        left = self.expr(a, law)
        if isinstance(b, ast.Literal) and isinstance(b.value, Duration):
            d = b.value if op == "+" else -b.value
            if d.days == 0:
                return f"{self.const(calendar.add_months)}({left}, {d.months})"
            if d.months == 0:
                return f"({left} + {self.const(timedelta(days=d.days))})"
        fn = calendar.add_duration if op == "+" else calendar.subtract_duration
        return f"{self.const(fn)}({left}, {self.expr(b, law)})"


def _expressions(rule: RulePlan) -> list[ast.Expr]:
    out: list[ast.Expr] = []
    for v in rule.versions:
        if v.formula is not None:
            out.append(v.formula)
        for row in v.rows or ():
            out += [x for x in (row.when, row.then) if x is not None]
    return out


def _as_of_reads(plan: Plan) -> list[tuple[str, str]]:
    """(printed `when`, target rule) of every `x as of d` reading a rule, in plan order."""
    reads = []
    for rule in plan.rules.values():
        for e in _expressions(rule):
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
    """Compile `outputs`' code; `traced`: a variant whose `run(F, T, R)` also records its choices in R."""
    for name in outputs:
        assert _SAFE_NAME.fullmatch(name), name  # the reader only admits snake_case names
    g = _Generator(plan, traced=traced)
    g.bounds = g.boundaries()
    g.form_groups()
    result = "{" + ", ".join(f"{name!r}: {g.rule_id(name)}" for name in outputs) + "}"
    g.segmented("_main", outputs, result)
    if traced:
        main = ["def run(F, T, R):", "    return _main_segments[_bisect(_bounds, T)](F, T, T, {None: R})"]
    else:
        main = ["def run(F, T):", "    return _main_segments[_bisect(_bounds, T)](F, T, T, {})"]
    source = "\n".join([line for fn in g.functions.values() for line in fn] + main) + "\n"
    namespace: dict[str, object] = {
        "_div": _div,
        "_dec": _dec,
        "_mul_duration": _mul_duration,
        "_bisect": bisect.bisect_right,
        "_bounds": tuple(g.bounds),
        "__builtins__": {},
        **g.constants,
    }
    exec(compile(source, "<policy plan>", "exec"), namespace)
    required = tuple(f for f in sorted(g.facts_read) if plan.facts[f].required)
    return Program(outputs, required, source, namespace["run"], tuple(g.layouts))  # type: ignore[arg-type]
