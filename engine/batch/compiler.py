"""The checked plan compiled to polars expressions: one column per rule and law date.

Each rule becomes a column computed from the columns of what it reads. A rule evaluated under the
law of the row's date lives in context 0; `x as of d` opens a context whose law date is the
column `d` (one per distinct `d`), where x and what it reads are computed again. Within a rule,
the timeline is cut where its version or a parameter it reads changes (the plan's date segments),
and a when/then chain on the law date picks the segment's expression.

The scalar engine is lazy (a branch not taken is never computed) where polars computes every
branch for every row. So whatever could make the scalar code fail — no version in force, a
required fact missing, a date outside the calendar — is not computed here but *flagged*; for a
flagged row, errors.py writes each decision's error where it can say it exactly, and hands the
row to the scalar code otherwise. Anything
that cannot be vectorised exactly (decimal division, list facts…) raises `Unvectorisable`, and the
decisions needing it are computed by the scalar code for every row. Both are counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import polars as pl

from engine import ast
from engine.batch import dates
from engine.batch.errors import Diagnosis, Site, diagnose
from engine.batch.segments import SPLIT_KINDS, rule_bounds, same_law_parameters
from engine.batch.values import (
    FACT_SCALE,
    Dur,
    Unvectorisable,
    Value,
    as_dur,
    as_expr,
    as_int,
    choose,
    dtype_of,
    duration_text,
    fact_column,
    is_in,
    kind_of,
    literal,
    null_of,
    numeric_pair,
    text_of,
)
from engine.builtins import ROUNDING_MODES
from engine.plan import Plan, RulePlan, VersionPlan
from engine.printer import to_text
from engine.types import Kind, Type

AT = "__at"  # the row's evaluation date: `today`, and the law date of context 0

__all__ = ["AT", "FACT_SCALE", "Compiled", "compile_plan", "dtype_of", "fact_column"]


@dataclass
class Context:
    index: int
    law: str  # the column holding this context's law date


@dataclass
class Compiled:
    """Columns to add, level by level (a level reads only lower ones), and the trouble flags."""

    levels: list[list[pl.Expr]]
    flags: list[pl.Expr]
    outputs: dict[str, pl.Expr]  # decision → its column, ready for output
    scalar: tuple[str, ...]  # decisions left to the scalar code for every row, and why
    reasons: dict[str, str]
    diagnosis: Diagnosis  # per decision, the errors of flagged rows the batch writes itself


@dataclass
class Compiler:
    plan: Plan
    columns: dict[str, tuple[pl.Expr, int]] = field(default_factory=dict)
    rules: dict[tuple[int, str], Value] = field(default_factory=dict)
    contexts: dict[tuple[int, str], Context] = field(default_factory=dict)
    flags: list[pl.Expr] = field(default_factory=list)
    level_stack: list[int] = field(default_factory=list)
    active: set[tuple[int, str]] = field(default_factory=set)
    day: date = date.min  # first day of the segment being compiled
    context: Context = field(default_factory=lambda: Context(0, AT))
    facts_read: set[str] = field(default_factory=set)
    # Laziness: the scalar code computes only the branches taken, so a failure is flagged only where
    # the place it can happen is reached: under the current guard (the conditions of the branches
    # leading to it), within a rule that is itself needed (`sites`: who reads a rule, under what).
    guard: pl.Expr | None = None
    owner: tuple[int, str] | None = None  # the (context, rule) being compiled; None for a decision
    sites: dict[tuple[int, str], list[tuple[tuple[int, str] | None, pl.Expr | None]]] = field(default_factory=dict)
    pending: list[tuple[pl.Expr, pl.Expr | None, tuple[int, str] | None, Site | None]] = field(default_factory=list)

    # -- columns and levels -------------------------------------------------------------------------
    def ref(self, column: str) -> pl.Expr:
        if column.startswith("__f_"):
            self.facts_read.add(column[4:])
            fact = self.plan.facts.get(column[4:])
            if fact is not None and fact.required:  # missing_fact, where this read is reached
                self.flag(pl.col(column).is_null(), Site("missing_fact", fact.name))
        level = self.columns[column][1] if column in self.columns else 0
        if self.level_stack:
            self.level_stack[-1] = max(self.level_stack[-1], level)
        return pl.col(column)

    def add_column(self, name: str, expr: pl.Expr, level: int) -> pl.Expr:
        """A column one level above the highest column it reads; a reference to it."""
        self.columns[name] = (expr.alias(name), level + 1)
        return self.ref(name)

    def measured(self, build: Callable[[], Value]) -> tuple[Value, int]:
        """Build an expression and say the highest level of the columns it reads."""
        self.level_stack.append(0)
        try:
            value = build()
        finally:
            level = self.level_stack.pop()
        return value, level

    def flag(self, condition: pl.Expr, site: Site | None = None) -> None:
        """Rows where the scalar code may fail here: theirs if this place is reached (see `needed`).
        `site`: what fails, when the batch can write that error itself (errors.py)."""
        self.pending.append((condition.fill_null(False), self.guard, self.owner, site))

    def guarded(self, condition: pl.Expr | None, build: Callable[[], Value]) -> Value:
        """Build a branch reached only where `condition` holds (a null condition: not reached)."""
        saved = self.guard
        if condition is not None:
            local = condition.fill_null(False)
            self.guard = local if saved is None else saved & local
        try:
            return build()
        finally:
            self.guard = saved

    def finish(self) -> list[pl.Expr]:
        """The flags, each limited to the rows where its place is reached: `needed` columns say, per
        (context, rule), where some decision's computation reaches that rule."""
        needed: dict[tuple[int, str] | None, pl.Expr | None] = {None: None}  # None: a decision, always

        def need(key: tuple[int, str] | None) -> pl.Expr | None:
            if key in needed:
                return needed[key]
            needed[key] = pl.lit(False)  # no cycles (checked), but never loop
            terms = []
            for reader, guard in self.sites.get(key, []):  # type: ignore[arg-type]
                above = need(reader)
                if above is None and guard is None:
                    needed[key] = None
                    return None
                terms.append(guard if above is None else above if guard is None else above & guard)
            if not terms:
                needed[key] = pl.lit(False)
                return needed[key]
            expr, level = self.measured(lambda: self.relevel(pl.any_horizontal(terms)))
            name = f"__n{key[0]}_{key[1]}"  # type: ignore[index]
            needed[key] = self.add_column(name, as_expr(expr), level)
            return needed[key]

        flags: dict[bytes, pl.Expr] = {}  # the same place is often reached by several readers
        for condition, guard, owner, _site in self.pending:
            reached = need(owner)
            where = guard if reached is None else reached if guard is None else reached & guard
            flag = condition if where is None else condition & where
            flags.setdefault(flag.meta.serialize(), flag)
        return list(flags.values())

    def relevel(self, expr: pl.Expr) -> pl.Expr:
        """Count the levels of the columns `expr` reads (built earlier, outside `measured`)."""
        level = max((self.columns[n][1] for n in expr.meta.root_names() if n in self.columns), default=0)
        if self.level_stack:
            self.level_stack[-1] = max(self.level_stack[-1], level)
        return expr

    # -- rules --------------------------------------------------------------------------------------
    def rule(self, name: str, ctx: Context) -> Value:
        key = (ctx.index, name)
        self.sites.setdefault(key, []).append((self.owner, self.guard))
        if key in self.rules:
            return self.reref(self.rules[key])
        if key in self.active:
            raise Unvectorisable(f"`{name}` reads itself")
        self.active.add(key)
        saved = (self.guard, self.owner)
        self.guard, self.owner = None, key
        try:
            rule = self.plan.rules[name]
            value, level = self.measured(lambda: self.rule_value(rule, ctx))
        finally:
            self.active.discard(key)
            self.guard, self.owner = saved
        column = f"__r{ctx.index}_{name}"
        stored: Value
        if isinstance(value, Dur):
            stored = Dur(
                self.add_column(column + "__m", as_int(value.months), level),
                self.add_column(column + "__d", as_int(value.days), level),
            )
        elif isinstance(value, pl.Expr):
            stored = self.add_column(column, value, level)
        else:
            raise Unvectorisable(f"`{name}` is a list")
        self.rules[key] = stored
        return stored

    def reref(self, value: Value) -> Value:
        if isinstance(value, Dur):
            months, days = as_int(value.months).meta.output_name(), as_int(value.days).meta.output_name()
            return Dur(self.ref(months), self.ref(days))
        if isinstance(value, pl.Expr):
            return self.ref(value.meta.output_name())
        return value

    def rule_value(self, rule: RulePlan, ctx: Context) -> Value:
        """The rule under ctx's law: one expression per segment, chosen by the law date."""
        law = self.ref(ctx.law)
        starts = [date.min, *rule_bounds(self.plan, rule)]
        intervals: dict[tuple[int, tuple[int, ...], bool], list[tuple[date, date | None]]] = {}
        versions: dict[tuple[int, tuple[int, ...], bool], tuple[VersionPlan | None, date]] = {}
        for i, lo in enumerate(starts):
            version = rule.version_on(lo)
            split = same_law_parameters(version) if version is not None else ()
            every = same_law_parameters(version, every=True) if version is not None else ()
            key = (
                id(version),
                tuple(self.plan.parameters[p].index_on(lo) for p in split),
                all(self.plan.parameters[p].index_on(lo) >= 0 for p in every),
            )
            intervals.setdefault(key, []).append((lo, starts[i + 1] if i + 1 < len(starts) else None))
            versions.setdefault(key, (version if key[2] else None, lo))  # no value yet: not in force

        def inside(spans: list[tuple[date, date | None]]) -> pl.Expr:
            tests = []
            for lo, hi in spans:
                bounds = [law >= dates.literal_date(lo)] if lo > date.min else []
                if hi is not None:
                    bounds.append(law < dates.literal_date(hi))
                tests.append(bounds[0] & bounds[1] if len(bounds) == 2 else bounds[0] if bounds else pl.lit(True))
            return pl.any_horizontal(tests) if len(tests) > 1 else tests[0]

        present: list[tuple[pl.Expr, Value]] = []
        saved_day, saved_ctx = self.day, self.context
        try:
            for key, spans in intervals.items():
                version, lo = versions[key]
                where = inside(spans) if len(intervals) > 1 else None
                if version is None:  # no version, or a parameter it reads has no value yet
                    site = Site("not_in_force", rule.name, ctx.law) if rule.version_on(lo) is None else None
                    self.flag((where if where is not None else pl.lit(True)) & law.is_not_null(), site)
                    continue
                self.day, self.context = lo, ctx
                value = self.guarded(where, lambda v=version: self.version(rule, v))  # type: ignore[misc]
                present.append((where if where is not None else pl.lit(True), value))
        finally:
            self.day, self.context = saved_day, saved_ctx
        if not present:
            return null_of(rule.type)
        if len(present) == 1 and len(intervals) == 1:
            return present[0][1]
        # Segments cut by a parameter that this rule's expression does not show (a list that only
        # decides a guard elsewhere) often compile to the same expression: one branch for them all.
        # Where the rule is not in force the rows are flagged, so that branch can cover them too.
        merged: dict[bytes, tuple[list[pl.Expr], Value]] = {}
        for where, value in present:
            merged.setdefault(text_of(value), ([], value))[0].append(where)
        if len(merged) == 1:
            value = present[0][1]
            return choose([(law.is_not_null(), value)], rule.type)
        return choose([(pl.any_horizontal(w) if len(w) > 1 else w[0], v) for w, v in merged.values()], rule.type)

    def version(self, rule: RulePlan, version: VersionPlan) -> Value:
        if version.formula is not None:
            return self.typed(version.formula, rule.type)
        assert version.rows is not None
        branches: list[tuple[pl.Expr, Value]] = []
        fallback: Value | None = None
        earlier: pl.Expr | None = None  # no earlier row matched: this row is examined
        for row in version.rows:
            if row.when is None:
                fallback = self.guarded(earlier, lambda r=row: self.typed(r.then, rule.type))  # type: ignore[misc]
                break
            cond = as_expr(self.guarded(earlier, lambda r=row: self.expr(r.when)))  # type: ignore[misc]
            taken = cond.fill_null(False) if earlier is None else earlier & cond.fill_null(False)
            then = self.guarded(taken, lambda r=row: self.typed(r.then, rule.type))  # type: ignore[misc]
            branches.append((cond, then))
            missed = ~cond.fill_null(False)
            earlier = missed if earlier is None else earlier & missed
        if not branches:
            assert fallback is not None
            return fallback
        return choose(branches, rule.type, fallback)

    def typed(self, e: ast.Expr, ty: Type | None) -> Value:
        """`e` where a value of type `ty` is expected: an int becomes a Decimal where ty is decimal."""
        value = self.expr(e)
        if ty is not None and ty.kind in (Kind.MONEY, Kind.DECIMAL) and kind_of(e) is Kind.INT:
            return as_expr(value).cast(pl.Decimal(38, 0))
        return value

    # -- expressions --------------------------------------------------------------------------------
    def expr(self, e: ast.Expr) -> Value:
        match e:
            case ast.Literal(value=v):
                return literal(v, e.ty)
            case ast.Name(name=name, binding=binding):
                if binding is ast.Binding.FACT:
                    return self.ref(fact_column(name))
                if binding is ast.Binding.RULE:
                    return self.rule(name, self.context)
                if binding is ast.Binding.PARAMETER:
                    p = self.plan.parameters[name]
                    if p.type.kind in SPLIT_KINDS:  # fixed within the segment: date arithmetic stays native
                        index = p.index_on(self.day)
                        return literal(p.values[index], p.type) if index >= 0 else null_of(p.type)
                    return self.parameter(name, self.context)
                if binding is ast.Binding.TODAY:
                    return self.ref(AT)
                return pl.lit(name, dtype=pl.String)
            case ast.Unary(op="not", operand=o):
                return ~self.boolean(o)
            case ast.Unary(operand=o):
                operand = self.expr(o)
                return Dur(-operand.months, -operand.days) if isinstance(operand, Dur) else -as_expr(operand)
            case ast.Binary(op="and", left=a, right=b):
                left_bool = self.boolean(a)
                return left_bool & as_expr(self.guarded(left_bool, lambda: self.boolean(b)))
            case ast.Binary(op="or", left=a, right=b):
                left_bool = self.boolean(a)
                return left_bool | as_expr(self.guarded(~left_bool.fill_null(False), lambda: self.boolean(b)))
            case ast.Binary(op="??", left=a, right=b):
                left = self.expr(a)
                absent = as_int(left.months).is_null() if isinstance(left, Dur) else as_expr(left).is_null()
                right = self.guarded(absent, lambda: self.expr(b))
                if isinstance(left, Dur) or isinstance(right, Dur):
                    lv, rv = as_dur(left), as_dur(right)
                    present = as_int(lv.months).is_not_null()
                    return Dur(
                        pl.when(present).then(as_int(lv.months)).otherwise(as_int(rv.months)),
                        pl.when(present).then(as_int(lv.days)).otherwise(as_int(rv.days)),
                    )
                return pl.coalesce(*numeric_pair(as_expr(left), as_expr(right), a, b))
            case ast.Binary(op="/"):
                raise Unvectorisable("decimal division (Python's 28-digit division has no fixed-scale form)")
            case ast.Binary(op=op, left=a, right=b):
                return self.binary(op, a, b)
            case ast.If(cond=c, then=t, orelse=o):
                test = self.boolean(c)
                then = self.guarded(test, lambda: self.typed(t, e.ty))
                orelse = self.guarded(~test.fill_null(False), lambda: self.typed(o, e.ty))
                return choose([(test, then)], e.ty, orelse)
            case ast.In(value=v, items=items, negated=neg):
                result = self.membership(v, items)
                return ~result if neg else result
            case ast.IsNull(value=v, negated=neg):
                value = self.expr(v)
                test = as_int(value.months).is_null() if isinstance(value, Dur) else as_expr(value).is_null()
                return ~test if neg else test
            case ast.Call(func=func, args=args):
                return self.call(func, args, e)
            case ast.AsOf(target=target, when=w):
                return self.as_of(target, w)
            case ast.ListExpr():
                raise Unvectorisable("a list outside `in`")
        raise Unvectorisable(f"unsupported expression {type(e).__name__}")

    def boolean(self, e: ast.Expr) -> pl.Expr:
        return as_expr(self.expr(e))

    def temp(self, build: Callable[[], Value]) -> pl.Expr:
        """`build()` as a column of its own: computed once, read by its rule and by a flag."""
        value, level = self.measured(build)
        return self.add_column(f"__t{len(self.columns)}", as_expr(value), level)

    def bind(self, expr: pl.Expr) -> pl.Expr:
        """`expr` as a column of its own when it is read several times: polars expressions are trees,
        so a subexpression written twice is computed twice."""
        if expr.meta.is_column() or expr.meta.is_literal():
            return expr
        return self.temp(lambda: self.relevel(expr))

    def dated_result(self, build: Callable[[], Value]) -> pl.Expr:
        """A computed date, flagged where it falls outside the calendar (the scalar code raises)."""
        result = self.temp(build)
        self.flag(dates.outside_calendar(result))
        return result

    def binary(self, op: str, a: ast.Expr, b: ast.Expr) -> Value:
        ka, kb = kind_of(a), kind_of(b)
        if op in ("+", "-") and Kind.DATE in (ka, kb) and Kind.DURATION in (ka, kb):
            return self.dated_result(lambda: self.date_arithmetic(op, a, b))
        left, right = self.expr(a), self.expr(b)
        if isinstance(left, Dur) or isinstance(right, Dur):
            if op == "*":
                dur, n = (left, right) if isinstance(left, Dur) else (right, left)
                assert isinstance(dur, Dur)
                return Dur(as_int(dur.months) * as_expr(n), as_int(dur.days) * as_expr(n))
            lv, rv = as_dur(left), as_dur(right)
            if op == "+":
                return Dur(lv.months + rv.months, lv.days + rv.days)
            if op == "-":
                return Dur(lv.months - rv.months, lv.days - rv.days)
            if op in ("==", "!="):
                same = as_int(lv.months).eq_missing(as_int(rv.months)) & as_int(lv.days).eq_missing(as_int(rv.days))
                return same if op == "==" else ~same
            raise Unvectorisable(f"`{op}` on durations")
        x, y = numeric_pair(as_expr(left), as_expr(right), a, b)
        if op == "==":
            return x.eq_missing(y)
        if op == "!=":
            return x.ne_missing(y)
        operators: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
            "+": lambda p, q: p + q,
            "-": lambda p, q: p - q,
            "*": lambda p, q: p * q,
            "<": lambda p, q: p < q,
            "<=": lambda p, q: p <= q,
            ">": lambda p, q: p > q,
            ">=": lambda p, q: p >= q,
        }
        if op not in operators:
            raise Unvectorisable(f"operator `{op}`")
        return operators[op](x, y)

    def date_arithmetic(self, op: str, a: ast.Expr, b: ast.Expr) -> pl.Expr:
        left, right = self.expr(a), self.expr(b)
        day, dur = (right, left) if isinstance(left, Dur) else (left, right)
        if not isinstance(dur, Dur):
            raise Unvectorisable("date arithmetic without a duration")
        d = as_expr(day)
        months = dur.months if isinstance(dur.months, int) else self.bind(dur.months)
        days = dur.days if isinstance(dur.days, int) else self.bind(dur.days)
        if op == "+":
            return dates.add_duration(d, months, days, self.bind)
        return dates.subtract_duration(d, months, days, self.bind)

    def membership(self, v: ast.Expr, items: ast.Expr) -> pl.Expr:
        """`in`: a null value is in no list (polars' is_in would say null)."""
        value = as_expr(self.expr(v))
        if isinstance(items, ast.ListExpr):
            consts = [i for i in items.items if isinstance(i, ast.Literal) and i.value is not None]
            enums = [i.name for i in items.items if isinstance(i, ast.Name) and i.binding is ast.Binding.ENUM_VALUE]
            if len(consts) + len(enums) == len(items.items):
                pool: list[object] = [c.value for c in consts]
                pool += enums
                return is_in(value, pool)
            tests = [
                value.eq_missing(x) for x in (numeric_pair(value, as_expr(self.expr(i)), v, i)[1] for i in items.items)
            ]
            return pl.any_horizontal(tests) if tests else pl.lit(False)
        pool_value = self.expr(items)
        if isinstance(pool_value, tuple):
            return is_in(value, list(pool_value))
        raise Unvectorisable("`in` a list that varies from row to row")

    def call(self, func: str, args: tuple[ast.Expr, ...], e: ast.Expr) -> Value:
        if func in ("min", "max"):
            exprs = [as_expr(self.typed(a, e.ty)) for a in args]
            return pl.min_horizontal(exprs) if func == "min" else pl.max_horizontal(exprs)
        if func in ("add_months", "add_days", "end_of_month"):
            return self.dated_result(lambda: self.calendar_call(func, args))
        if func in ("next_working_day", "is_working_day"):
            day = self.temp(lambda: self.expr(args[0]))
            self.flag(dates.outside_holiday_table(day))
            if func == "is_working_day":
                return dates.is_working_day(day)
            name = day.meta.output_name()
            return self.dated_result(lambda: dates.next_working_day(self.ref(name)))  # ref: counts its level
        values = [self.expr(a) for a in args]
        if func == "abs":
            return as_expr(values[0]).abs()
        if func == "round":
            return self.round(args, as_expr(self.typed(args[0], Type(Kind.DECIMAL))))
        x = [as_expr(v) for v in values]
        if func == "days_between":
            return dates.days_between(*x)
        if func == "months_between":
            return dates.months_between(x[0], x[1], self.bind)
        if func == "age":
            return dates.age(x[0], x[1], self.bind)
        if func in ("year", "month", "day"):
            part = {"year": x[0].dt.year(), "month": x[0].dt.month(), "day": x[0].dt.day()}[func]
            return part.cast(pl.Int64)
        raise Unvectorisable(f"function `{func}`")

    def calendar_call(self, func: str, args: tuple[ast.Expr, ...]) -> pl.Expr:
        x = [as_expr(self.expr(a)) for a in args]
        if func == "end_of_month":
            return dates.end_of_month(x[0])
        literal_n = args[1].value if isinstance(args[1], ast.Literal) and isinstance(args[1].value, int) else None
        n: pl.Expr | int = literal_n if literal_n is not None else x[1]
        return dates.add_months(x[0], n, self.bind) if func == "add_months" else dates.add_days(x[0], n)

    def round(self, args: tuple[ast.Expr, ...], value: pl.Expr) -> pl.Expr:
        places, mode = args[1], args[2]
        if not (isinstance(places, ast.Literal) and isinstance(mode, ast.Literal)):
            raise Unvectorisable("round() with places or mode computed at run time")
        p, m = places.value, mode.value
        if not isinstance(p, int) or m not in ROUNDING_MODES or not -12 <= p <= 12:
            raise Unvectorisable("round() that fails for every row")  # the scalar code reports it
        x = value
        scale = pl.lit(Decimal(1).scaleb(p), dtype=pl.Decimal(38, max(0, -p)))
        back = pl.lit(Decimal(1).scaleb(-p), dtype=pl.Decimal(38, max(0, p)))
        shifted = x * scale
        if m in ("half_up", "half_even"):  # polars' round() is half-even unless told otherwise
            rounded = shifted.round(0, mode="half_away_from_zero" if m == "half_up" else "half_to_even")
        else:
            floor, ceil = shifted.floor(), -((-shifted).floor())
            rounded = {
                "floor": floor,
                "ceiling": ceil,
                "down": pl.when(shifted >= 0).then(floor).otherwise(ceil),
                "up": pl.when(shifted >= 0).then(ceil).otherwise(floor),
            }[str(m)]
        return rounded * back

    def parameter(self, name: str, ctx: Context) -> Value:
        """A parameter under ctx's law, as a column shared by every rule of the context."""
        key = (ctx.index, "parameter " + name)
        if key in self.rules:
            return self.reref(self.rules[key])
        p = self.plan.parameters[name]
        value, level = self.measured(lambda: self.dated(p.starts, p.values, p.type, self.ref(ctx.law), flag=False))
        column = self.add_column(f"__p{ctx.index}_{name}", as_expr(value), level)
        self.rules[key] = column
        return column

    def dated(
        self,
        starts: tuple[date, ...],
        values: tuple[object, ...],
        ty: Type,
        law: pl.Expr,
        flag: bool = True,
        site: Site | None = None,
    ) -> Value:
        """The value in force on `law`; with `flag`, rows before the first value are flagged (not in
        force). Parameter columns are not flagged here: the segments of the rules reading them are."""
        if flag:
            self.flag(law.is_not_null() & (law < dates.literal_date(starts[0])), site)
        if len(set(map(repr, values))) == 1:
            return literal(values[0], ty)
        pairs = list(zip(starts, values, strict=True))
        return choose([(law >= dates.literal_date(s), literal(v, ty)) for s, v in reversed(pairs)], ty, None)

    def as_of(self, target: ast.Name, w: ast.Expr) -> Value:
        if target.binding is ast.Binding.PARAMETER:
            p = self.plan.parameters[target.name]
            law = self.bind(as_expr(self.expr(w)))  # a column: the error's message quotes it
            site = Site("parameter_not_in_force", target.name, law.meta.output_name())
            return self.dated(p.starts, p.values, p.type, law, site=site)
        # A date read from facts and `today` alone is the same under every law: one context for all.
        law_free = not any(
            isinstance(n, ast.Name) and n.binding in (ast.Binding.RULE, ast.Binding.PARAMETER) for n in ast.walk(w)
        )
        key = (-1 if law_free else self.context.index, to_text(w))
        ctx = self.contexts.get(key)
        if ctx is None:
            index = len(self.contexts) + 1
            law_value, level = self.measured(lambda: self.expr(w))
            self.add_column(f"__law{index}", as_expr(law_value), level)
            ctx = self.contexts[key] = Context(index, f"__law{index}")
        else:
            self.ref(ctx.law)
        return self.rule(target.name, ctx)


def compile_plan(plan: Plan, decisions: tuple[str, ...]) -> Compiled:
    """Compile `decisions`; those that cannot be vectorised are listed in `scalar` with the reason."""
    c = Compiler(plan)
    outputs: dict[str, pl.Expr] = {}
    reasons: dict[str, str] = {}
    for name in decisions:
        saved = (dict(c.columns), dict(c.rules), dict(c.contexts), list(c.pending), set(c.facts_read),
                 {k: list(v) for k, v in c.sites.items()})  # fmt: skip
        try:
            value = c.rule(name, c.context)
        except Unvectorisable as exc:
            c.columns, c.rules, c.contexts, c.pending, c.facts_read, c.sites = saved
            c.guard, c.owner = None, None
            c.active.clear()
            reasons[name] = str(exc)
            continue
        if isinstance(value, Dur):
            outputs[name] = duration_text(value)
        elif isinstance(value, pl.Expr):
            outputs[name] = value
        else:
            reasons[name] = "a list-valued decision"
    flags = c.finish()
    depth = max((level for _, level in c.columns.values()), default=0)
    levels: list[list[pl.Expr]] = [[] for _ in range(depth)]
    for expr, level in c.columns.values():
        levels[level - 1].append(expr)
    diagnosis = diagnose(plan, outputs, c.sites, c.pending)
    return Compiled(levels, flags, outputs, tuple(reasons), reasons, diagnosis)
