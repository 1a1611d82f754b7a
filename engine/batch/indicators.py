"""Indicators over a whole caseload at once: the pack's indicator expressions compiled to polars.

Input: the frame of `indicator_frame` (facts, decisions read, failed decisions per row). Output:
the same `IndicatorReport` as the case-by-case reference (`engine.indicator_counts`), which tests
compare figure by figure. An expression with no exact polars form here (a builtin other than the
date ones, `as of`) is computed row by row by the scalar interpreter, and the report says so
(`row_by_row`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import polars as pl

from engine import ast
from engine.batch.indicator_frame import CODES, FACTS_INVALID, FAILED, dtype_of, fact_column, row_errors
from engine.calendar import Duration
from engine.indicator_counts import Figures, IndicatorFigures, IndicatorReport, Key, empty_report, interpreter_for
from engine.indicators import MONTH, PERIOD, Indicator, Statistic
from engine.types import Kind

if TYPE_CHECKING:
    from engine.policy import Policy


class Unvectorised(Exception):
    """No exact polars form for this expression: it is computed row by row."""


def _ind(name: str) -> str:
    return f"__ind_{name}"


class _Compiler:
    def __init__(self, policy: Policy, debut: date, fin: date, at: date, counts: set[str]) -> None:
        self.policy = policy
        self.plan = policy.plan
        self.period = {"debut": debut, "fin": fin}
        self.at = at
        self.counts = counts

    def expr(self, e: ast.Expr) -> pl.Expr:
        match e:
            case ast.Literal(value=v, kind=kind):
                if kind is Kind.DURATION:
                    raise Unvectorised("a duration outside `date ± duration`")
                return _lit(v, kind)
            case ast.Name(name=name, binding=binding):
                return self.name(name, binding, e)
            case ast.Unary(op="not", operand=o):
                return ~self.expr(o)
            case ast.Unary(operand=o):
                return -self.expr(o)
            case ast.Binary(op="and", left=a, right=b):
                return self.expr(a) & self.expr(b)
            case ast.Binary(op="or", left=a, right=b):
                return self.expr(a) | self.expr(b)
            case ast.Binary(op="??", left=a, right=b):
                return pl.coalesce(self.expr(a), self.expr(b))
            case ast.Binary(op="+" | "-" as op, left=a, right=b) if _is_duration(b) or _is_duration(a):
                day, dur = (a, b) if _is_duration(b) else (b, a)
                months, days = self.duration(dur)
                base = self.expr(day)
                if op == "+":
                    return _add_days(_add_months(base, months), days)
                return _add_months(_add_days(base, -days), -months)
            case ast.Binary(op=op, left=a, right=b):
                return _binary(op, self.expr(a), self.expr(b))
            case ast.If(cond=c, then=t, orelse=o):
                return pl.when(self.expr(c)).then(self.expr(t)).otherwise(self.expr(o))
            case ast.In(value=v, items=ast.ListExpr(items=items), negated=neg):
                pool = [self.constant(i) for i in items]
                found = self.expr(v).is_in(pool).fill_null(False)  # `null in [...]` is false
                return ~found if neg else found
            case ast.IsNull(value=v, negated=neg):
                return self.expr(v).is_not_null() if neg else self.expr(v).is_null()
            case ast.Call(func=func, args=args):
                return self.call(func, [self.expr(a) for a in args], args)
        raise Unvectorised(f"`{type(e).__name__}`")

    def name(self, name: str, binding: ast.Binding | None, e: ast.Expr) -> pl.Expr:
        if binding is ast.Binding.ENUM_VALUE:
            return pl.lit(name, pl.String)
        if binding is ast.Binding.TODAY:
            return pl.lit(self.at, pl.Date)
        if binding is ast.Binding.PARAMETER:
            value = self.constant(e)
            return _lit(value, self.plan.parameters[name].type.kind)
        if name in self.period:
            return pl.lit(self.period[name], pl.Date)
        if name in self.counts:
            return pl.col(_ind(name))
        if name in self.plan.facts:
            return pl.col(fact_column(name))
        return pl.col(name)  # a decision

    def constant(self, e: ast.Expr) -> object:
        """A literal, an enum value or a parameter (in force on `at`: one value for the caseload)."""
        match e:
            case ast.Literal(value=v):
                return v
            case ast.Name(binding=ast.Binding.ENUM_VALUE, name=n):
                return n
            case ast.Name(binding=ast.Binding.PARAMETER, name=n):
                p = self.plan.parameters[n]
                index = p.index_on(self.at)
                if index < 0:
                    raise Unvectorised(f"parameter `{n}` has no value on {self.at}")
                return p.values[index]
        raise Unvectorised("a list item that is not a constant")

    def duration(self, e: ast.Expr) -> tuple[int, int]:
        value = self.constant(e)
        if not isinstance(value, Duration):
            raise Unvectorised("a computed duration")
        return value.months, value.days

    def call(self, func: str, args: list[pl.Expr], nodes: tuple[ast.Expr, ...]) -> pl.Expr:
        if func == "add_months" and isinstance(nodes[1], ast.Literal) and isinstance(nodes[1].value, int):
            return _add_months(args[0], nodes[1].value)
        if func == "add_days" and isinstance(nodes[1], ast.Literal) and isinstance(nodes[1].value, int):
            return _add_days(args[0], nodes[1].value)
        if func == "days_between":
            return (args[1] - args[0]).dt.total_days()
        if func in ("min", "max"):
            return pl.min_horizontal(args) if func == "min" else pl.max_horizontal(args)
        if func in ("year", "month", "day"):
            part: pl.Expr = getattr(args[0].dt, func)()
            return part.cast(pl.Int64)
        raise Unvectorised(f"`{func}`")


def _is_duration(e: ast.Expr) -> bool:
    return e.ty is not None and e.ty.kind is Kind.DURATION


def _lit(value: object, kind: Kind) -> pl.Expr:
    if value is None:
        return pl.lit(None)
    if kind in (Kind.MONEY, Kind.DECIMAL):
        return pl.lit(Decimal(value), pl.Decimal(38, 12))  # type: ignore[arg-type]
    if kind is Kind.DATE:
        return pl.lit(value, pl.Date)
    if kind is Kind.INT:
        return pl.lit(value, pl.Int64)
    return pl.lit(value)


def _binary(op: str, a: pl.Expr, b: pl.Expr) -> pl.Expr:
    if op == "==":
        return a.eq_missing(b)
    if op == "!=":
        return a.ne_missing(b)
    table: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
        "<": pl.Expr.lt,
        "<=": pl.Expr.le,
        ">": pl.Expr.gt,
        ">=": pl.Expr.ge,
        "+": pl.Expr.add,
        "-": pl.Expr.sub,
        "*": pl.Expr.mul,
    }
    if op not in table:
        raise Unvectorised(f"`{op}`")
    return table[op](a, b)


def _add_months(d: pl.Expr, n: int) -> pl.Expr:
    """Same day n months later, or that month's last day (engine.calendar.add_months).

    polars' calendar-month offset clamps to the month's end as the engine does, for whole months
    alone (months and days together are applied one after the other, never in one offset)."""
    return d.dt.offset_by(f"{n}mo") if n else d


def _add_days(d: pl.Expr, n: int) -> pl.Expr:
    return d + pl.duration(days=n) if n else d


def _key(e: pl.Expr, kind: Kind | None) -> pl.Expr:
    """A breakdown group as text: enum values and texts as they are, booleans "true"/"false", months YYYY-MM."""
    if kind is Kind.DATE:
        return e.dt.strftime("%Y-%m")
    if kind is Kind.BOOL:
        return pl.when(e).then(pl.lit("true")).when(~e).then(pl.lit("false")).otherwise(pl.lit(None, pl.String))
    return e.cast(pl.String)


def compute(
    policy: Policy,
    frame: pl.DataFrame,
    debut: date,
    fin: date,
    at: date,
    by: str | None = None,
    names: Iterable[str] | None = None,
    ids_for: str | None = None,
) -> tuple[IndicatorReport, dict[str, str]]:
    """The report over `frame`, and the indicators computed row by row (name → why), if any."""
    indicators = policy.indicators
    chosen = indicators.closure(names)
    wanted = tuple(chosen if names is None else [n for n in chosen if n in set(names)])
    counts = {n for n in chosen if indicators.indicators[n].statistic is Statistic.COUNT}
    report = empty_report(indicators, wanted, debut, fin, at, by)
    report.rows = frame.height
    report.rows_with_errors, codes = row_errors(frame)
    report.errors_by_code = dict(codes)
    compiler = _Compiler(policy, debut, fin, at, counts)
    row_by_row: dict[str, str] = {}
    lf = frame.lazy()

    def compiled(e: ast.Expr, name: str) -> pl.Expr:
        try:
            return compiler.expr(e)
        except Unvectorised as exc:
            row_by_row[name] = str(exc)
            return _scalar(policy, lf.collect(), e, debut, fin, at)

    scope = compiled(indicators.scope, "<scope>").fill_null(False) if indicators.scope is not None else pl.lit(True)
    key: pl.Expr = pl.lit(None, pl.String)
    if by is not None and by != MONTH:
        value = indicators.breakdowns[by].value
        key = _key(compiled(value, f"<{by}>"), value.ty.kind if value.ty else None)
    lf = lf.with_columns(scope.alias("__scope"), key.alias("__key"))
    any_failure = bool(frame.height) and bool(frame[FAILED].list.len().max())
    for name in chosen:
        ind = indicators.indicators[name]
        needs = [*indicators.rules_read(policy.plan, [name], by), FACTS_INVALID]
        error = pl.any_horizontal([pl.col(FAILED).list.contains(n) for n in needs]) if any_failure else pl.lit(False)
        population = compiled(ind.population, name).fill_null(False) if ind.population is not None else pl.lit(True)
        inside = (pl.col("__scope") & population & ~pl.col(f"__error_{name}")).fill_null(False)
        lf = lf.with_columns(error.fill_null(False).alias(f"__error_{name}"))
        lf = lf.with_columns(inside.alias(f"__inside_{name}"))
        if ind.count is not None:
            counted = (pl.col(f"__inside_{name}") & compiled(ind.count, name)).fill_null(False)
            lf = lf.with_columns(counted.alias(f"__counted_{name}"))
            kept = pl.when(~pl.col(f"__error_{name}")).then(pl.col(f"__counted_{name}"))
            lf = lf.with_columns(kept.alias(_ind(name)))
    lf = lf.collect().lazy()
    for name in wanted:
        report.results[name] = _figures(lf, indicators.indicators[name], compiled, by, ids_for == name)
    return report, row_by_row


def _month(e: pl.Expr) -> pl.Expr:
    """A month as the integer YYYYMM (cheaper to group by than text)."""
    return e.dt.year().cast(pl.Int32) * 100 + e.dt.month().cast(pl.Int32)


def _group_key(value: object) -> Key:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value // 100:04d}-{value % 100:02d}"
    return None if value is None else str(value)


def _figures(
    lf: pl.LazyFrame, ind: Indicator, compiled: Callable[[ast.Expr, str], pl.Expr], by: str | None, ids: bool
) -> IndicatorFigures:
    def month(e: ast.Expr | None) -> pl.Expr:
        return _month(compiled(e, ind.name)) if e is not None else pl.lit(None, pl.Int32)

    name = ind.name
    group = (month(ind.month) if by == MONTH else pl.col("__key")) if by is not None else pl.lit(None, pl.String)
    inside = lf.filter(pl.col(f"__inside_{name}"))
    has_population = ind.population is not None
    result = IndicatorFigures(ind, Figures(0 if has_population else None))
    result.errors = int(lf.select(pl.col(f"__error_{name}").sum()).collect().item())
    table: dict[Key, Figures] = {}

    def target(k: object) -> Figures:
        return table.setdefault(_group_key(k), Figures(0 if has_population else None))

    aggs = [pl.len().alias("n")]
    if ind.count is not None:
        aggs.append(pl.col(f"__counted_{name}").sum().alias("counted"))
    if ind.mean is not None:
        over = compiled(ind.mean.over, name).fill_null(False)
        value = compiled(ind.mean.value, name)
        aggs += [
            value.filter(over & value.is_not_null()).cast(pl.Decimal(38, 12)).sum().alias("mean_total"),
            (over & value.is_not_null()).sum().alias("mean_count"),
        ]
    for row in inside.group_by(group.alias("__group")).agg(aggs).collect().iter_rows(named=True):
        figures = target(row["__group"])
        if has_population:
            figures.population = int(row["n"])
        figures.counted = int(row.get("counted") or 0)
        if ind.mean is not None:
            figures.mean_total = Decimal(row["mean_total"] or 0)
            figures.mean_count = int(row["mean_count"] or 0)
    listed = pl.col(f"__counted_{name}") if ind.count is not None else pl.lit(True)
    if ind.by is not None:
        by_value = _key(compiled(ind.by, name), ind.by_type.kind if ind.by_type else None)
        for g, v, n in inside.group_by(group.alias("g"), by_value.alias("v")).len().collect().iter_rows():
            target(g).by_value[v] = n
    elif ind.parts:
        amounts = []
        for i, part in enumerate(ind.parts):
            amount = compiled(part.value, name).cast(pl.Decimal(38, 12))
            part_group = month(part.month) if by == MONTH else group
            amounts.append(amount.alias(f"a{i}"))
            sums = inside.group_by(part_group.alias("g")).agg(amount.filter(amount != 0).sum().alias("s"))
            for g, s in sums.collect().iter_rows():
                if s:
                    target(g).total += Decimal(s)
        listed = pl.any_horizontal([a != 0 for a in amounts]) if amounts else pl.lit(False)
    for figures in table.values():
        _add(result.overall, figures)
    result.overall.total = sum((f.total for f in table.values()), Decimal(0))
    if by is not None:
        result.groups = table
    if ids:
        result.ids = [str(i) for i in inside.filter(listed).select("id").collect()["id"].to_list()]
    return result


def _add(total: Figures, part: Figures) -> None:
    if total.population is not None and part.population is not None:
        total.population += part.population
    total.counted += part.counted
    for k, n in part.by_value.items():
        total.by_value[k] = total.by_value.get(k, 0) + n
    total.mean_total += part.mean_total
    total.mean_count += part.mean_count


def _scalar(policy: Policy, frame: pl.DataFrame, e: ast.Expr, debut: date, fin: date, at: date) -> pl.Expr:
    """The explicit fallback: the expression computed by the interpreter, one row at a time."""
    plan = policy.plan
    values = []
    for row in frame.iter_rows(named=True):
        env: dict[str, object] = {n: row.get(fact_column(n)) for n in plan.facts}
        env.update({k[len("__ind_") :]: bool(v) for k, v in row.items() if k.startswith("__ind_")})
        env.update(dict(zip(PERIOD, (debut, fin), strict=True)))
        decisions = {k: v for k, v in row.items() if k in plan.rules}
        try:
            values.append(interpreter_for(policy, env, decisions, at).expr(e, at))
        except Exception:
            values.append(None)
    ty = e.ty
    dtype = dtype_of(ty) if ty is not None else None
    return pl.lit(pl.Series(values, dtype=dtype))


__all__ = ["CODES", "compute"]
