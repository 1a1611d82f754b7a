"""The scalar backend: one case's facts and date → a `Decision`.

Fast path: code generated from the checked plan (`codegen.py`), no tracing at all. Explanations
re-run the case through the tracing interpreter on demand, so tracing costs nothing until asked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.calendar import Duration
from engine.codegen import Program, generate
from engine.compact import CompactTrace
from engine.diagnostics import CaseError, Code, Diagnostic, EvaluationError, suggest
from engine.interpreter import Interpreter
from engine.plan import Plan
from engine.source import UNKNOWN, Span
from engine.trace import Trace
from engine.types import Kind
from engine.values import check_value

if TYPE_CHECKING:
    from engine.explain import Explanation


_EXACT: dict[Kind, type] = {
    Kind.BOOL: bool,
    Kind.INT: int,
    Kind.DECIMAL: Decimal,
    Kind.MONEY: Decimal,
    Kind.DATE: date,
    Kind.TEXT: str,
    Kind.ENUM: str,
    Kind.DURATION: Duration,
}


class Evaluator:
    """Holds a plan and its generated programs (one per set of requested decisions)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._programs: dict[tuple[str, ...], Program] = {}
        self._defaults = {n: f.default for n, f in plan.facts.items()}
        self._known = frozenset(plan.facts)
        self._outputs = plan.outputs
        self._all: Program | None = None  # the program computing every decision, once generated
        self._traced: dict[tuple[str, ...], Program] = {}  # variants recording compact traces
        self._enums = dict(plan.enums)
        # Fast path of fact checking: the exact Python type a fact's value already has when it is
        # valid as given (and the allowed values of an enum). Anything else takes the slow path.
        self._fast: dict[str, tuple[type, bool, frozenset[str] | None]] = {}
        for name, fact in plan.facts.items():
            exact = _EXACT.get(fact.type.kind)
            if exact is not None:
                allowed = None
                enum = plan.enums.get(fact.type.enum or "")
                if fact.type.kind is Kind.ENUM and enum is not None:
                    allowed = frozenset(v for v, _ in enum.values)
                self._fast[name] = (exact, fact.type.optional, allowed)

    def program(self, outputs: tuple[str, ...]) -> Program:
        program = self._programs.get(outputs)
        if program is None:
            program = self._programs[outputs] = generate(self.plan, outputs)
            if outputs == self._outputs:
                self._all = program
        return program

    def traced_program(self, outputs: tuple[str, ...]) -> Program:
        program = self._traced.get(outputs)
        if program is None:
            program = self._traced[outputs] = generate(self.plan, outputs, traced=True)
        return program

    def outputs(self, names: Sequence[str] | None) -> tuple[str, ...]:
        if names is None:
            return self._outputs
        if isinstance(names, str):
            names = [names]
        wanted = tuple(dict.fromkeys(names))
        unknown = [n for n in wanted if n not in self.plan.rules]
        if unknown:
            raise CaseError(
                [
                    Diagnostic(
                        Code.UNKNOWN_DECISION,
                        f"unknown decision `{n}`{suggest(n, list(self.plan.rules))}",
                        UNKNOWN,
                        help=f"the decisions are: {', '.join(self.plan.outputs)}",
                    )
                    for n in unknown
                ]
            )
        return wanted

    def facts(self, given: Mapping[str, object], spans: Mapping[str, Span] | None = None) -> dict[str, object]:
        """Validate a case's facts and fill in defaults; every problem is reported at once."""
        if type(given) is not dict and not isinstance(given, Mapping):
            raise CaseError([Diagnostic(Code.FACT_TYPE, "facts must be a mapping of fact names to values", UNKNOWN)])
        env = dict(self._defaults)
        slow: list[tuple[object, object]] = []
        fast = self._fast
        for name, value in given.items():
            spec = fast.get(name)
            if spec is not None:
                exact, optional, allowed = spec
                if type(value) is exact and (allowed is None or value in allowed):
                    env[name] = value
                    continue
                if value is None:  # null means absent: the default, if any, applies
                    if optional:
                        env[name] = self._defaults[name]
                    continue
            slow.append((name, value))
        if slow:
            self._slow_facts(slow, env, spans or {})
        return env

    def _slow_facts(
        self, items: list[tuple[object, object]], env: dict[str, object], spans: Mapping[str, Span]
    ) -> None:
        """Conversions (int → Decimal, ISO text → date) and located errors."""
        problems: list[Diagnostic] = []
        for name, value in items:
            where = spans.get(name, UNKNOWN) if isinstance(name, str) else UNKNOWN
            fact = self.plan.facts.get(name) if isinstance(name, str) else None
            if fact is None:
                problems.append(
                    Diagnostic(
                        Code.UNKNOWN_FACT,
                        f"unknown fact `{name}`{suggest(str(name), self._known)}",
                        where,
                        help="the facts a case may give are declared in the policy's `facts` section",
                    )
                )
                continue
            converted, error = check_value(value, fact.type, self._enums)
            if error:
                problems.append(Diagnostic(Code.FACT_TYPE, f"fact `{name}` {error}", where))
            else:
                env[str(name)] = converted
        if problems:
            raise CaseError(problems, self.plan.sources)

    def missing(self, env: Mapping[str, object], outputs: tuple[str, ...], given: Mapping[str, object]) -> None:
        program = self.program(outputs)
        if not program.required_facts:
            return
        absent = [f for f in program.required_facts if f not in given or env.get(f) is None]
        if not absent:
            return
        problems = []
        for fact in absent:
            chain = next((p for p in (self.plan.graph.path(fact, o) for o in outputs) if p), [fact])
            problems.append(
                Diagnostic(
                    Code.MISSING_FACT,
                    f"fact `{fact}` is required: " + " → ".join(f"`{n}`" for n in chain),
                    self.plan.facts[fact].decl.span,
                    help=f"give `{fact}` in the case's facts",
                )
            )
        raise CaseError(problems, self.plan.sources)

    def evaluate(
        self,
        facts: Mapping[str, object],
        at: date,
        decisions: Sequence[str] | None = None,
        trace: bool | str = False,
        spans: Mapping[str, Span] | None = None,
    ) -> Decision:
        if type(at) is not date and (not isinstance(at, date) or isinstance(at, datetime)):
            raise CaseError([Diagnostic(Code.FACT_TYPE, f"`at` must be a date, not {at!r}", UNKNOWN)])
        outputs = self._outputs if decisions is None else self.outputs(decisions)
        env = self.facts(facts, spans)
        program = self._all if outputs is self._outputs and self._all is not None else self.program(outputs)
        if program.required_facts:
            self.missing(env, outputs, facts)
        if trace == "compact":
            return self.compact(env, at, outputs)
        if trace:
            recorded = Trace(at)
            interpreter = Interpreter(self.plan, env, at, recorded)
            values = {name: interpreter.rule(name, at) for name in outputs}
            return Decision(values, self, env, at, recorded)
        try:
            values = program.run(env, at)
        except (EvaluationError, ArithmeticError, ValueError, OverflowError, TypeError):
            # The generated code computes eagerly; the interpreter, lazily, is the reference: it
            # either finds the values (the failure was in a branch not taken) or raises the
            # failure with its location.
            interpreter = Interpreter(self.plan, env, at)
            values = {name: interpreter.rule(name, at) for name in outputs}
        return Decision(values, self, env, at, None)

    def compact(self, env: dict[str, object], at: date, outputs: tuple[str, ...]) -> Decision:
        """The generated code's traced variant: values, and the choices it made (`CompactTrace`)."""
        program = self.traced_program(outputs)
        records: list[tuple[object, ...]] = []
        try:
            values = program.run(env, at, records)  # type: ignore[call-arg]
        except (EvaluationError, ArithmeticError, ValueError, OverflowError, TypeError):
            # As in `evaluate`: the interpreter is the reference when the eager code fails; its
            # full trace gives the choices (not the `if` branches).
            recorded = Trace(at)
            interpreter = Interpreter(self.plan, env, at, recorded)
            values = {name: interpreter.rule(name, at) for name in outputs}
            return Decision(values, self, env, at, CompactTrace.from_trace(recorded, self.plan))
        return Decision(values, self, env, at, CompactTrace(at, self.plan, records, program.layouts))

    def traced(self, env: Mapping[str, object], at: date, name: str) -> Trace:
        recorded = Trace(at)
        Interpreter(self.plan, env, at, recorded).rule(name, at)
        return recorded


class Decision(Mapping[str, object]):
    """The decisions computed for one case, as a mapping, with `explain(name)` for each."""

    __slots__ = ("_env", "_evaluator", "_trace", "_values", "at")

    def __init__(
        self,
        values: dict[str, object],
        evaluator: Evaluator,
        env: Mapping[str, object],
        at: date,
        trace: Trace | CompactTrace | None,
    ) -> None:
        self._values = values
        self._evaluator = evaluator
        self._env = env
        self._trace = trace
        self.at = at

    def __getitem__(self, name: str) -> object:
        try:
            return self._values[name]
        except KeyError:
            known = list(self._values)
            raise KeyError(f"{name!r} was not computed{suggest(name, known)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Decision(at={self.at.isoformat()}, {self._values!r})"

    @property
    def facts(self) -> Mapping[str, object]:
        return self._env

    @property
    def compact_trace(self) -> CompactTrace | None:
        """The choices recorded by `evaluate(..., trace="compact")`, else None."""
        return self._trace if isinstance(self._trace, CompactTrace) else None

    def trace(self, name: str) -> Trace:
        """The full trace of decision `name`: recorded (`trace=True`), rendered from the compact
        trace (`trace="compact"`), or recorded now by the interpreter."""
        if isinstance(self._trace, CompactTrace):
            from engine.pinned import render

            return render(self._evaluator.plan, self._env, self._trace, name)
        if self._trace is not None and self._trace.get(name) is not None:
            return self._trace
        return self._evaluator.traced(self._env, self.at, name)

    def explain(self, name: str) -> Explanation:
        from engine.explain import Explanation

        if name not in self._evaluator.plan.rules:
            self._evaluator.outputs([name])  # raises a located "unknown decision"
        return Explanation(self._evaluator.plan, self.trace(name), name, self._env)

    def to_dict(self) -> dict[str, object]:
        from engine.explain import json_value

        return {name: json_value(value) for name, value in self._values.items()}
