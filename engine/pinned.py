"""Full traces rendered from compact ones: the explanation of a decision already taken.

`render(plan, facts, compact, name)` builds the same `Trace` the tracing interpreter records, but
follows the choices the compact trace pins instead of making them: each rule is read in the
version the trace names, its table gives the row the trace names, each `if` the branch it names.
The values shown (what each condition read, why the other rows failed, what they would have
given) are re-derived from the facts under those choices. If the facts or the policy no longer
lead to a pinned choice (the row above the pinned one now holds, the version is no longer the one
in force on that date, …) rendering stops with `TraceMismatch` rather than explain another
decision than the one recorded.

Rules that only rows not taken would read under another date's law (`x as of d` in a row below
the one taken) were never computed by the generated code and have no step: they are computed
here, unpinned, only to say what those rows would have given.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from engine import ast
from engine.compact import CompactTrace, Step, if_nodes
from engine.i18n import _
from engine.interpreter import Interpreter
from engine.plan import Plan, RowPlan, RulePlan, VersionPlan
from engine.printer import to_text
from engine.trace import Atom, RowOutcome, Trace


class TraceMismatch(Exception):
    """The compact trace does not fit these facts under this policy (it was made from others)."""


class PinnedInterpreter(Interpreter):
    def __init__(self, plan: Plan, facts: Mapping[str, object], compact: CompactTrace, trace: Trace) -> None:
        super().__init__(plan, facts, compact.today, trace)
        self.compact = compact
        self.pins: list[tuple[Step, dict[int, str]] | None] = []  # the step of each rule being computed
        self.broken: TraceMismatch | None = None  # kept: rows not taken swallow their own failures

    def mismatch(self, message: str) -> TraceMismatch:
        self.broken = self.broken or TraceMismatch(message)
        return self.broken

    def hypothetical(self, row: RowPlan, law: date) -> tuple[bool | None, list[Atom]]:
        result = super().hypothetical(row, law)
        if self.broken is not None:
            raise self.broken
        return result

    def hypothetical_value(self, row: RowPlan, law: date) -> object:
        value = super().hypothetical_value(row, law)
        if self.broken is not None:
            raise self.broken
        return value

    def _rule(self, rule: RulePlan, law: date) -> object:
        step = self.compact.get(rule.name, law)
        if step is None:
            self.pins.append(None)
        else:
            version = rule.version_on(law)
            if step.version >= len(rule.versions) or rule.versions[step.version] is not version:
                message = _(
                    "`{rule}` under the law of {law}: the trace names version {number}, "
                    "which is not the one in force on that date in this policy"
                )
                raise self.mismatch(message.format(rule=rule.name, law=law, number=step.version + 1))
            assert version is not None
            try:
                branches = _branches(version, step)
            except TraceMismatch as exc:
                raise self.mismatch(str(exc)) from None
            self.pins.append((step, branches))
        try:
            return super()._rule(rule, law)
        finally:
            self.pins.pop()

    def table(self, rows: tuple[RowPlan, ...], law: date) -> tuple[object, list[RowOutcome]]:
        pin = self.pins[-1] if self.pins else None
        if pin is None or pin[0].row is None:
            return super().table(rows, law)
        step = pin[0]
        taken = step.row
        assert taken is not None
        if not 1 <= taken <= len(rows):
            message = _("`{rule}`: the trace names row {row}, the table has {count}")
            raise self.mismatch(message.format(rule=step.rule, row=taken, count=len(rows)))
        outcomes: list[RowOutcome] = []
        chosen: object = None
        for index, row in enumerate(rows, 1):
            text = to_text(row.when) if row.when is not None else None
            then = to_text(row.then)
            if index > taken:  # not examined: what it would have needed and given
                would, atoms = self.hypothetical(row, law)
                value = self.hypothetical_value(row, law)
                outcomes.append(
                    RowOutcome(index, row.decl.because, text, None, tuple(atoms), row.decl.span, then, would, value)
                )
                continue
            # Rows above the one taken, and that row: their conditions are read (the explanation
            # shows what they read) and must say what the trace says.
            held = True if row.when is None else bool(self.expr(row.when, law))
            if held != (index == taken):
                message = (
                    _("`{rule}` under the law of {law}: the trace says row {taken} was taken, but row {row} holds")
                    if held
                    else _(
                        "`{rule}` under the law of {law}: the trace says row {taken} was taken, "
                        "but its condition is false"
                    )
                )
                raise self.mismatch(message.format(rule=step.rule, law=law, taken=taken, row=index))
            atoms = self.reasons(row.when, law, held) if row.when is not None else []
            if held:
                chosen = self.expr(row.then, law)
            value = chosen if held else self.hypothetical_value(row, law)
            outcomes.append(
                RowOutcome(index, row.decl.because, text, held, tuple(atoms), row.decl.span, then, None, value)
            )
        return chosen, outcomes

    def expr(self, e: ast.Expr, law: date) -> object:
        if isinstance(e, ast.If) and self.pins and self.pins[-1] is not None:
            branch = self.pins[-1][1].get(id(e))
            if branch in ("t", "e"):
                held = bool(self.expr(e.cond, law))
                if held != (branch == "t"):
                    message = (
                        _("`{rule}`: the trace says `{condition}` was false, it is true for these facts")
                        if held
                        else _("`{rule}`: the trace says `{condition}` was true, it is false for these facts")
                    )
                    raise self.mismatch(message.format(rule=self.pins[-1][0].rule, condition=to_text(e.cond)))
                return self.expr(e.then if held else e.orelse, law)
        return super().expr(e, law)


def _branches(version: VersionPlan, step: Step) -> dict[int, str]:
    """id(if node) → the letter the step pins for it."""
    nodes = if_nodes(version)
    if len(step.ifs) != len(nodes):
        if step.ifs.strip("?"):
            message = _("`{rule}`: the trace has {recorded} `if` branches, the version has {count}")
            raise TraceMismatch(message.format(rule=step.rule, recorded=len(step.ifs), count=len(nodes)))
        return {}
    return {id(node): letter for node, letter in zip(nodes, step.ifs, strict=True)}


def render(plan: Plan, facts: Mapping[str, object], compact: CompactTrace, name: str) -> Trace:
    """The full trace of decision `name`, following `compact`'s choices; raises `TraceMismatch`."""
    trace = Trace(compact.today)
    interpreter = PinnedInterpreter(plan, facts, compact, trace)
    interpreter.rule(name, compact.today)
    if interpreter.broken is not None:  # met while warming up, or in a row not taken
        raise interpreter.broken
    return trace
