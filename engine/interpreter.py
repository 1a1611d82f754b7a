"""The reference backend: walks the checked AST, records a full trace. Used by explain() and tests.

Slower than the generated code of `codegen.py`, simpler to trust; tests make the two agree.
"""

from __future__ import annotations

import contextlib
import decimal
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, DivisionByZero, InvalidOperation

from engine import ast, calendar
from engine.builtins import TABLE
from engine.calendar import Duration
from engine.diagnostics import Code, Diagnostic, EvaluationError
from engine.i18n import _
from engine.plan import Plan, RowPlan, RulePlan, VersionPlan
from engine.printer import to_text
from engine.source import Span
from engine.trace import Atom, Input, RowOutcome, RuleTrace, Trace
from engine.types import Kind


def not_in_force(plan: Plan, rule: RulePlan, law: date) -> EvaluationError:
    periods = ", ".join(f"{v.start} – {v.end or '…'}" for v in rule.versions)
    first, last = rule.versions[0], rule.versions[-1]
    covered = (_("from {start} to {end}") if last.end else _("from {start}")).format(start=first.start, end=last.end)
    help = _("evaluate the case on a date the rule covers, or add a version for that date")
    if law < first.start and first.decl.note:  # the first version says why nothing comes before it
        help = _("before {start}: {note}").format(start=first.start, note=" ".join(first.decl.note.split()))
    return EvaluationError(
        [
            Diagnostic(
                Code.NOT_IN_FORCE,
                _(
                    "no version of rule `{name}` is in force on {law}: the policy covers it {covered} "
                    "(its versions: {periods})"
                ).format(name=rule.name, law=law, covered=covered, periods=periods),
                rule.decl.span,
                help=help,
            )
        ],
        plan.sources,
        culprit=rule.name,
    )


def parameter_not_in_force(plan: Plan, name: str, law: date) -> EvaluationError:
    p = plan.parameters[name]
    first = p.decl.values[0]
    help = _("add a value for that date, or evaluate the case on a later date")
    if first.note:  # the first value's note says where its date comes from
        help = _("before {start}: {note}").format(start=first.start, note=" ".join(first.note.split()))
    return EvaluationError(
        [
            Diagnostic(
                Code.NOT_IN_FORCE,
                _("parameter `{name}` has no value in force on {law}: the policy gives it values from {first}").format(
                    name=name, law=law, first=p.starts[0]
                ),
                p.decl.span,
                help=help,
            )
        ],
        plan.sources,
        culprit=name,
        chain=(name,),
    )


def missing_fact(plan: Plan, name: str) -> EvaluationError:
    return EvaluationError(
        [
            Diagnostic(
                Code.MISSING_FACT,
                _("fact `{name}` is required but was not given").format(name=name),
                plan.facts[name].decl.span,
                help=_("give `{fact}` in the case's facts").format(fact=name),
            )
        ],
        plan.sources,
        culprit=name,
        chain=(name,),
    )


def failure(plan: Plan, message: str, span: Span) -> EvaluationError:
    return EvaluationError([Diagnostic(Code.EVALUATION, message, span)], plan.sources)


def coerce(value: object, kind: Kind) -> object:
    if kind in (Kind.MONEY, Kind.DECIMAL) and isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


class Interpreter:
    def __init__(self, plan: Plan, facts: Mapping[str, object], today: date, trace: Trace | None = None) -> None:
        self.plan = plan
        self.facts = facts
        self.today = today
        self.trace = trace
        self.memo: dict[tuple[str, date], object] = {}
        self.failed: dict[tuple[str, date], EvaluationError] = {}
        self.active: set[tuple[str, date]] = set()
        self.inputs: list[list[Input]] = []

    # -- rules and parameters ---------------------------------------------------------------------
    def rule(self, name: str, law: date) -> object:
        """The value of rule `name` under the law of `law`; raises its `EvaluationError` (with the
        chain of rules down to the culprit), remembered so that every reader meets the same one."""
        key = (name, law)
        if key in self.memo:
            return self.memo[key]
        if key in self.failed:
            raise self.failed[key]
        if not self.active:
            self.warm_up(name, law)
            if key in self.memo:
                return self.memo[key]
        if key in self.active:  # the checker forbids cycles; never loop even so
            raise failure(
                self.plan, _("circular evaluation of `{name}`").format(name=name), self.plan.rules[name].decl.span
            )
        return self.compute(name, law)

    def compute(self, name: str, law: date) -> object:
        key = (name, law)
        self.active.add(key)
        try:
            value = self._rule(self.plan.rules[name], law)
        except EvaluationError as exc:
            error = self.failed[key] = exc.through(name)
            raise error from None
        except (ArithmeticError, ValueError, TypeError) as exc:  # never a traceback, even unforeseen
            span = self.plan.rules[name].decl.span
            error = self.failed[key] = failure(
                self.plan, _("cannot compute `{op}`: {reason}").format(op=name, reason=_reason(exc)), span
            ).through(name)
            raise error from None
        finally:
            self.active.discard(key)
        self.memo[key] = value
        return value

    def warm_up(self, name: str, law: date) -> None:
        """Evaluate what `name` reads, deepest first, so that no chain of rules, however long, deepens
        Python's stack. A failure here is remembered, for the lazy evaluation to meet (or never meet)."""
        needed: list[str] = []
        seen: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current in seen or current not in self.plan.rules:
                continue
            seen.add(current)
            needed.append(current)
            version = self.plan.rules[current].version_on(law)
            if version is not None:
                stack.extend(same_law_reads(version))
        order = {n: i for i, n in enumerate(self.plan.graph.order)}
        for dep in sorted(needed, key=order.__getitem__):
            if dep != name and (dep, law) not in self.memo and (dep, law) not in self.failed:
                with contextlib.suppress(EvaluationError):
                    self.compute(dep, law)

    def _rule(self, rule: RulePlan, law: date) -> object:
        version = rule.version_on(law)
        if version is None:
            raise not_in_force(self.plan, rule, law)
        self.inputs.append([])
        rows: list[RowOutcome] | None = None
        try:
            if version.formula is not None:
                value = self.expr(version.formula, law)
            else:
                assert version.rows is not None
                value, rows = self.table(version.rows, law)
        finally:  # also when it fails: the rule reading it keeps recording its own inputs
            inputs = self.inputs.pop()
        value = coerce(value, rule.type.kind)
        if self.trace is not None:
            self.trace.records[(rule.name, law)] = RuleTrace(
                rule.name,
                law,
                value,
                version.start,
                version.end,
                version.decl.label,
                tuple(r for r in rule.decl.references + version.references if r.in_force(law)),
                tuple(_unique(inputs)),
                to_text(version.formula) if version.formula is not None else None,
                tuple(rows) if rows is not None else None,
                rule.decl.span,
            )
        return value

    def table(self, rows: tuple[RowPlan, ...], law: date) -> tuple[object, list[RowOutcome]]:
        outcomes: list[RowOutcome] = []
        chosen: object = None
        found = False
        tracing = self.trace is not None
        for index, row in enumerate(rows, 1):
            text = to_text(row.when) if row.when is not None else None
            then = to_text(row.then) if tracing else ""
            if found:
                would, atoms = self.hypothetical(row, law) if tracing else (None, [])
                value = self.hypothetical_value(row, law) if tracing else None
                outcomes.append(
                    RowOutcome(index, row.decl.because, text, None, tuple(atoms), row.decl.span, then, would, value)
                )
                continue
            held = True if row.when is None else bool(self.expr(row.when, law))
            atoms = self.reasons(row.when, law, held) if row.when is not None and tracing else []
            if held:
                chosen, found = self.expr(row.then, law), True
            value = chosen if held else (self.hypothetical_value(row, law) if tracing else None)
            outcomes.append(
                RowOutcome(index, row.decl.because, text, held, tuple(atoms), row.decl.span, then, None, value)
            )
        return chosen, outcomes

    def hypothetical_value(self, row: RowPlan, law: date) -> object:
        """The value a row not taken would give (to answer "why not X?"), or None."""
        try:
            return self.quiet(row.then, law)
        except Exception:  # a row not taken may be undefined for this case
            return None

    def hypothetical(self, row: RowPlan, law: date) -> tuple[bool | None, list[Atom]]:
        """Would this row's condition hold, had no earlier row applied? (Only to explain "why not".)"""
        if row.when is None:
            return True, []
        try:
            held = bool(self.quiet(row.when, law))
            return held, self.reasons(row.when, law, held)
        except Exception:  # the rows above may be what keeps this one well-defined
            return None, []

    def parameter(self, name: str, law: date) -> object:
        p = self.plan.parameters[name]
        i = p.index_on(law)
        if i < 0:
            raise parameter_not_in_force(self.plan, name, law)
        return p.values[i]

    # -- explanations of conditions -------------------------------------------------------------
    def reasons(self, e: ast.Expr, law: date, value: bool) -> list[Atom]:
        """The elementary conditions that made `e` evaluate to `value`."""
        match e:
            case ast.Binary(op="and", left=a, right=b):
                if value:
                    return self.reasons(a, law, True) + self.reasons(b, law, True)
                side = a if not self.quiet(a, law) else b
                return self.reasons(side, law, False)
            case ast.Binary(op="or", left=a, right=b):
                if not value:
                    return self.reasons(a, law, False) + self.reasons(b, law, False)
                side = a if self.quiet(a, law) else b
                return self.reasons(side, law, True)
            case ast.Unary(op="not", operand=o):
                return self.reasons(o, law, not value)
        return [Atom(to_text(e), value, tuple(dict(self.atom_values(e, law)).items()))]

    def atom_values(self, e: ast.Expr, law: date) -> list[tuple[str, object]]:
        """The names an atom reads, with their values; `x as of d` is shown whole, with its own value.
        Only what evaluation itself read: the branch of an `if` not taken, the right side of an
        `and`/`or` that did not need it, of a `??` whose left side was not null, are left alone."""
        out: list[tuple[str, object]] = []
        self._read(e, law, out)
        return out

    def _read(self, node: ast.Expr, law: date, out: list[tuple[str, object]]) -> None:
        match node:
            case ast.AsOf(when=when):
                out.append((to_text(node), self.quiet(node, law)))
                self._read(when, law, out)
            case ast.Name(binding=ast.Binding.FACT | ast.Binding.PARAMETER | ast.Binding.RULE | ast.Binding.TODAY):
                out.append((node.name, self.quiet(node, law)))
            case ast.If(cond=c, then=t, orelse=o):
                self._read(c, law, out)
                self._read(t if self.quiet(c, law) else o, law, out)
            case ast.Binary(op="and" | "or" as op, left=a, right=b):
                self._read(a, law, out)
                if bool(self.quiet(a, law)) is (op == "and"):
                    self._read(b, law, out)
            case ast.Binary(op="??", left=a, right=b):
                self._read(a, law, out)
                if self.quiet(a, law) is None:
                    self._read(b, law, out)
            case _:
                for child in ast.children(node):
                    self._read(child, law, out)

    def quiet(self, e: ast.Expr, law: date) -> object:
        """Evaluate without recording inputs (used only to explain)."""
        self.inputs.append([])
        try:
            return self.expr(e, law)
        finally:
            self.inputs.pop()

    def record(self, item: Input) -> None:
        if self.inputs:
            self.inputs[-1].append(item)

    # -- expressions ------------------------------------------------------------------------------
    def expr(self, e: ast.Expr, law: date) -> object:
        match e:
            case ast.Literal(value=v):
                return v
            case ast.Name(name=name, binding=binding):
                if binding is ast.Binding.FACT:
                    value = self.facts[name]
                    if value is None and self.plan.facts[name].required:
                        raise missing_fact(self.plan, name)
                    self.record(Input(name, "fact", value))
                    return value
                if binding is ast.Binding.PARAMETER:
                    value = self.parameter(name, law)
                    self.record(Input(name, "parameter", value, law))
                    return value
                if binding is ast.Binding.RULE:
                    value = self.rule(name, law)
                    self.record(Input(name, "rule", value, law))
                    return value
                if binding is ast.Binding.TODAY:
                    self.record(Input("today", "today", self.today))
                    return self.today
                return name  # an enum value
            case ast.Unary(op="not", operand=o):
                return not self.expr(o, law)
            case ast.Unary(operand=o):
                return -self.expr(o, law)  # type: ignore[operator]
            case ast.Binary(op="and", left=a, right=b):
                return bool(self.expr(a, law)) and bool(self.expr(b, law))
            case ast.Binary(op="or", left=a, right=b):
                return bool(self.expr(a, law)) or bool(self.expr(b, law))
            case ast.Binary(op="??", left=a, right=b):
                left = self.expr(a, law)
                return left if left is not None else self.expr(b, law)
            case ast.Binary(op=op, left=a, right=b):
                return self.binary(op, self.expr(a, law), self.expr(b, law), e.span)
            case ast.If(cond=c, then=t, orelse=o):
                return self.expr(t, law) if self.expr(c, law) else self.expr(o, law)
            case ast.In(value=v, items=items, negated=neg):
                value = self.expr(v, law)
                pool = self.expr(items, law)
                return (value not in pool) if neg else (value in pool)  # type: ignore[operator]
            case ast.IsNull(value=v, negated=neg):
                return (self.expr(v, law) is not None) if neg else (self.expr(v, law) is None)
            case ast.Call(func=func, args=args):
                values = [self.expr(a, law) for a in args]
                try:
                    return TABLE[func].impl(*values)
                except (ArithmeticError, ValueError, OverflowError) as exc:
                    raise failure(
                        self.plan, _("`{func}` failed: {reason}").format(func=func, reason=_reason(exc)), e.span
                    ) from None
            case ast.AsOf(target=target, when=w):
                when = self.expr(w, law)
                assert isinstance(when, date)
                if target.binding is ast.Binding.PARAMETER:
                    value = self.parameter(target.name, when)
                    self.record(Input(target.name, "parameter", value, when, as_of=True))
                else:
                    value = self.rule(target.name, when)
                    self.record(Input(target.name, "rule", value, when, as_of=True))
                return value
            case ast.ListExpr(items=items):
                return frozenset(self.expr(i, law) for i in items)
        raise AssertionError(f"unhandled node: {e!r}")

    def binary(self, op: str, a: object, b: object, span: Span) -> object:
        try:
            return binary(op, a, b)
        except (ArithmeticError, DivisionByZero, InvalidOperation, OverflowError) as exc:
            reason = (
                _("the result is too large")
                if isinstance(exc, decimal.Overflow | OverflowError)
                else (str(exc) or _("division by zero"))
            )
            raise failure(self.plan, _("cannot compute `{op}`: {reason}").format(op=op, reason=reason), span) from None


def binary(op: str, a: object, b: object) -> object:
    """The arithmetic and comparison operators, shared with the code generator's helpers."""
    if op == "+":
        if isinstance(a, date) and isinstance(b, Duration):
            return calendar.add_duration(a, b)
        if isinstance(a, Duration) and isinstance(b, date):
            return calendar.add_duration(b, a)
        return a + b  # type: ignore[operator]
    if op == "-":
        if isinstance(a, date) and isinstance(b, Duration):
            return calendar.subtract_duration(a, b)
        return a - b  # type: ignore[operator]
    if op == "*":
        if isinstance(a, Duration) and isinstance(b, int):
            return Duration(a.months * b, a.days * b)
        if isinstance(b, Duration) and isinstance(a, int):
            return Duration(b.months * a, b.days * a)
        return a * b  # type: ignore[operator]
    if op == "/":
        if b == 0:
            raise ZeroDivisionError(_("division by zero"))
        return Decimal(a) / Decimal(b)  # type: ignore[arg-type]
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    if op == ">=":
        return a >= b  # type: ignore[operator]
    raise AssertionError(f"unknown operator {op}")


def _reason(exc: BaseException) -> str:
    """A Python arithmetic failure in words (decimal's own messages are class names)."""
    if isinstance(exc, decimal.Overflow | OverflowError):
        return _("the result is too large")
    if isinstance(exc, ZeroDivisionError | DivisionByZero):
        return _("division by zero")
    if isinstance(exc, InvalidOperation):
        return _("the result cannot be represented exactly")
    return str(exc) or type(exc).__name__


def same_law_reads(version: VersionPlan) -> set[str]:
    """Facts and rules a version reads under its own law date (`x as of d` reads only d's inputs)."""
    exprs = [version.formula] if version.formula is not None else []
    for row in version.rows or ():
        exprs += [x for x in (row.when, row.then) if x is not None]
    out: set[str] = set()
    while exprs:
        e = exprs.pop()
        if isinstance(e, ast.AsOf):
            exprs.append(e.when)
            continue
        if isinstance(e, ast.Name) and e.binding in (ast.Binding.FACT, ast.Binding.RULE):
            out.add(e.name)
        exprs.extend(ast.children(e))
    return out


def _unique(inputs: list[Input]) -> list[Input]:
    seen: set[tuple[str, object]] = set()
    out = []
    for i in inputs:
        key = (i.name, i.law)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out
