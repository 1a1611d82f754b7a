"""Per-decision errors built in polars: which flagged place fails for each decision, and its message.

The compiler flags every place where the scalar code may fail (compiler.py). A flagged row used to
go through the scalar code whole; most of those failures are known in advance, though: a rule with
no version in force on the row's law date (`not_in_force`), a required fact left empty
(`missing_fact`). For each decision, `diagnose` builds an expression saying, row by row, which of
those places the decision's own (lazy) computation reaches: 0 for none, k for the k-th error
template of that decision, -1 when the batch cannot say it exactly and the row goes to the scalar
code. That happens when another kind of failure may happen (a date outside the calendar, a
parameter with no value), when two places may fail for the same decision (the scalar code reports
the first it meets), or when the rules lead from the decision to the place along more than one
chain (the message names the chain). The messages are the single-case ones, word for word.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from engine.i18n import _
from engine.interpreter import missing_fact, not_in_force, parameter_not_in_force
from engine.plan import Plan

Key = tuple[int, str] | None  # (context, rule); None: a decision's own computation
Sites = dict[tuple[int, str], list[tuple[Key, pl.Expr | None]]]

_NEVER = pl.lit(False)  # a place no computation of this decision reaches
_PLACEHOLDER = date.min  # the law date in a message, replaced by the row's
_MAX_CHAINS = 4
_MAX_EXPRESSION_BYTES = 1 << 20  # beyond: the decision's flagged rows go to the scalar code


@dataclass(frozen=True)
class Site:
    """What fails at a flagged place when it is reached: `code`, the rule or fact `name`, and for a
    rule not in force, the column holding the law date it is evaluated under."""

    code: str
    name: str
    law: str | None = None


@dataclass(frozen=True)
class Template:
    """One error a decision can carry, its message cut around the law date (when it has one)."""

    code: str
    column: str | None
    before: str
    after: str
    law: str | None

    def struct(self, decision: str) -> pl.Expr:
        parts = [pl.lit(self.before)]
        if self.law is not None:
            parts += [pl.col(self.law).dt.to_string("%Y-%m-%d"), pl.lit(self.after)]
        return pl.struct(
            pl.lit(decision, pl.String).alias("decision"),
            pl.lit(self.code, pl.String).alias("code"),
            pl.lit(self.column, pl.String).alias("column"),
            pl.concat_str(parts).alias("message"),
        )


@dataclass
class Diagnosis:
    """Per decision: the expression giving each row's template index (0 none, -1 scalar code), and
    the templates it indexes (1-based). `steps`: columns to add first, level by level (where each
    decision's computation reaches each rule), computed on the flagged rows only."""

    which: dict[str, pl.Expr]
    templates: dict[str, list[Template]]
    steps: list[list[pl.Expr]]

    def columns(self) -> set[str]:
        """The columns of the result pipeline these expressions read (kept until the fix-up)."""
        names: set[str] = set()
        made: set[str] = set()
        for expr in [*self.which.values(), *(e for level in self.steps for e in level)]:
            names.update(expr.meta.root_names())
        for level in self.steps:
            made.update(e.meta.output_name() for e in level)
        for templates in self.templates.values():
            names.update(t.law for t in templates if t.law is not None)
        return names - made

    def compute(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The `which` columns of the flagged rows."""
        for level in self.steps:
            frame = frame.with_columns(level)
        return frame.select(*self.which.values())

    def errors(self, decisions: Iterable[str]) -> pl.Expr | None:
        """Each row's errors (a list of structs, decisions in order), from the `which` columns;
        None when no decision has any."""
        items = []
        for name in decisions:
            for k, template in enumerate(self.templates.get(name, []), 1):
                items.append(pl.when(pl.col(which_column(name)) == k).then(template.struct(name)))
        return pl.concat_list(items).list.drop_nulls() if items else None


def which_column(decision: str) -> str:
    return f"__which_{decision}"


def diagnose(
    plan: Plan,
    decisions: Iterable[str],
    sites: Sites,
    pending: list[tuple[pl.Expr, pl.Expr | None, Key, Site | None]],
) -> Diagnosis:
    which: dict[str, pl.Expr] = {}
    templates: dict[str, list[Template]] = {}
    steps: dict[str, tuple[pl.Expr, int]] = {}
    for decision in decisions:
        root = (0, decision)
        need = _reach(sites, root, steps)
        chains = _chains(sites, root)
        exact: dict[tuple[Site, tuple[str, ...]], pl.Expr] = {}
        unsure: list[pl.Expr] = []
        for condition, guard, owner, site in pending:
            reached = need(owner)
            if reached is _NEVER:
                continue
            where = guard if reached is None else reached if guard is None else reached & guard
            fails = condition if where is None else condition & where
            paths = chains(owner) if owner is not None else set()
            if site is None or len(paths) != 1 or _template(plan, site, next(iter(paths))) is None:
                unsure.append(fails)
                continue
            key = (site, next(iter(paths)))
            exact[key] = exact[key] | fails if key in exact else fails
            if site.law is not None:  # years before 1000: Python writes 0999, polars 999
                unsure.append(fails & (pl.col(site.law) < pl.lit(date(1000, 1, 1), pl.Date)))
        found = [_template(plan, site, chain) for site, chain in exact]
        templates[decision] = [t for t in found if t is not None]
        conditions = list(exact.values())
        count = pl.sum_horizontal(c.cast(pl.Int32) for c in conditions) if conditions else pl.lit(0)
        doubt = pl.any_horizontal(unsure) if unsure else pl.lit(False)
        chain_expr: Any = pl.when(doubt | (count > 1)).then(pl.lit(-1, pl.Int32))
        for k, c in enumerate(conditions, 1):
            chain_expr = chain_expr.when(c).then(pl.lit(k, pl.Int32))
        expr = chain_expr.otherwise(pl.lit(0, pl.Int32))
        if len(expr.meta.serialize()) > _MAX_EXPRESSION_BYTES:
            expr, templates[decision] = pl.lit(-1, pl.Int32), []
        which[decision] = expr.fill_null(-1).alias(which_column(decision))
    depth = max((level for _, level in steps.values()), default=0)
    levels: list[list[pl.Expr]] = [[] for _ in range(depth)]
    for expr, level in steps.values():
        levels[level - 1].append(expr)
    return Diagnosis(which, templates, levels)


def _reach(sites: Sites, root: tuple[int, str], steps: dict[str, tuple[pl.Expr, int]]):  # type: ignore[no-untyped-def]
    """Where the computation of the decision `root` reaches a rule: None (always), _NEVER, or a
    condition (the guards on the way, as in compiler.finish, but for this decision alone), kept
    as a column of `steps` (a tree of expressions would repeat each reader's condition)."""
    memo: dict[Key, pl.Expr | None] = {}

    def column(key: tuple[int, str], expr: pl.Expr) -> pl.Expr:
        name = f"__reach_{root[1]}_{key[0]}_{key[1]}"
        level = 1 + max((steps[n][1] for n in expr.meta.root_names() if n in steps), default=0)
        steps[name] = (expr.alias(name), level)
        return pl.col(name)

    def need(key: Key) -> pl.Expr | None:
        if key is None:
            return _NEVER  # another decision's own computation
        if key == root:
            return None
        if key in memo:
            return memo[key]
        memo[key] = _NEVER  # no cycles (checked), but never loop
        terms = []
        for reader, guard in sites.get(key, []):
            above = need(reader)
            if above is _NEVER:
                continue
            if above is None and guard is None:
                memo[key] = None
                return None
            if above is None:
                assert guard is not None
                terms.append(guard)
            else:
                terms.append(above if guard is None else above & guard)
        if not terms:
            memo[key] = _NEVER
            return _NEVER
        memo[key] = column(key, pl.any_horizontal(terms) if len(terms) > 1 else terms[0])
        return memo[key]

    return need


def _chains(sites: Sites, root: tuple[int, str]):  # type: ignore[no-untyped-def]
    """The chains of rule names from the decision `root` down to a rule (a few at most)."""
    memo: dict[tuple[int, str], set[tuple[str, ...]]] = {}

    def chains(key: tuple[int, str]) -> set[tuple[str, ...]]:
        if key == root:
            return {(key[1],)}
        if key in memo:
            return memo[key]
        memo[key] = set()
        found: set[tuple[str, ...]] = set()
        for reader, _guard in sites.get(key, []):
            if reader is None:
                continue
            found.update((*chain, key[1]) for chain in chains(reader))
            if len(found) > _MAX_CHAINS:
                break
        memo[key] = found
        return found

    return chains


def _template(plan: Plan, site: Site, chain: tuple[str, ...]) -> Template | None:
    """The single case's message for this failure seen from the chain's first rule (a decision)."""
    if site.code == "missing_fact":
        message = missing_fact(plan, site.name).diagnostics[0].message
        return Template(site.code, site.name, _via(message, (*chain, site.name)), "", None)
    if site.code == "parameter_not_in_force":  # read `as of` a date before its first value
        error = parameter_not_in_force(plan, site.name, _PLACEHOLDER)
        message = _via(error.diagnostics[0].message, (*chain, site.name))
    else:
        message = _via(not_in_force(plan, plan.rules[site.name], _PLACEHOLDER).diagnostics[0].message, chain)
    shown = str(_PLACEHOLDER)
    if message.count(shown) != 1:
        return None
    before, after = message.split(shown)
    return Template("not_in_force", None, before, after, site.law)


def _via(message: str, chain: tuple[str, ...]) -> str:
    """As engine.evaluate writes a decision's error: the chain of rules after the message."""
    if len(chain) < 2:
        return message
    return _("{message} (via {chain})").format(message=message, chain=" → ".join(f"`{n}`" for n in chain))
