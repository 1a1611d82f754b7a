"""The scalar backend: one case's facts and date → a `Decision`.

Fast path: code generated from the checked plan (`codegen.py`), no tracing at all. When anything
fails, the interpreter computes each decision on its own, so one decision's failure (a rule not in
force, a required fact missing, a division by zero) is that decision's error alone. Explanations
re-run the case through the tracing interpreter on demand, so tracing costs nothing until asked.
Compact traces (`trace="compact"`) come from the same generated code, written with recording
(`codegen.generate(traced=True)`); when a decision fails, each decision runs its own traced code.
"""

from __future__ import annotations

import json
import sys
from bisect import bisect_right as _bisect
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from engine.calendar import Duration
from engine.codegen import Program, generate
from engine.codegen_linear import FLAT_ROWS, SEGMENTED_BUDGET, generate_program, longest_table, segmented_size
from engine.compact import CompactTrace, Records
from engine.diagnostics import CaseError, Code, DecisionError, Diagnostic, EvaluationError, suggest
from engine.i18n import _
from engine.interpreter import Interpreter, failure
from engine.plan import Plan
from engine.source import UNKNOWN, Span
from engine.trace import Trace
from engine.types import Kind
from engine.values import MAX_TEXT_LENGTH, check_value, fast_check

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
        self._traced: dict[tuple[str, ...], Program | None] = {}  # variants recording compact traces
        # Fact names interned, as in the generated code and in Python literals: look-ups of the
        # case's facts then match names by identity, without comparing their characters.
        self._defaults = {sys.intern(n): f.default for n, f in plan.facts.items()}
        self._known = frozenset(plan.facts)
        self._outputs = plan.outputs
        self._all: Program | None = None  # the program computing every decision, once generated
        self._enums = dict(plan.enums)
        # Fast path of fact checking: the exact Python type a fact's value already has when it is
        # valid as given (and the allowed values of an enum). Anything else takes the slow path.
        # Amounts, numbers and texts also pass their bounds check (values.fast_check): the fast
        # path accepts exactly what the slow path accepts.
        self._fast: dict[str, tuple[type, bool, frozenset[str] | None, Callable[[Any], bool] | None]] = {}
        for name, fact in plan.facts.items():
            name = sys.intern(name)
            exact = _EXACT.get(fact.type.kind)
            if exact is not None:
                allowed = None
                enum = plan.enums.get(fact.type.enum or "")
                if fact.type.kind is Kind.ENUM and enum is not None:
                    allowed = frozenset(v for v, _ in enum.values)
                bounded = cast("Callable[[Any], bool] | None", fast_check(fact.type.kind))
                self._fast[name] = (exact, fact.type.optional, allowed, bounded)
        # The hot loop's table: the facts whose value is valid as soon as it has this exact type
        # (dates, yes/no); the others (enums, bounded numbers and texts) also need their value
        # looked at (`_checks`: exact type, then the enum's values or the bounds).
        # Every fact is in it (None: no value's type is enough), so that an unknown name is a KeyError.
        self._exact: dict[object, type | None] = {sys.intern(n): None for n in plan.facts} | {
            n: spec[0] for n, spec in self._fast.items() if spec[2] is None and spec[3] is None
        }
        # (A text's bound is checked where it is read, `len(value) <= MAX_TEXT_LENGTH`: no call.)
        self._checks: dict[object, tuple[type, Callable[[Any], bool] | None]] = {
            n: (exact, allowed.__contains__ if allowed is not None else None if exact is str else bounded)
            for n, (exact, _, allowed, bounded) in self._fast.items()
            if allowed is not None or bounded is not None
        }
        self._requests: dict[tuple[object, ...], tuple[str, ...]] = {}
        self._request_programs: dict[object, tuple[tuple[str, ...], Program]] = {}

    def program(self, outputs: tuple[str, ...]) -> Program:
        program = self._programs.get(outputs)
        if program is None:
            program = self._programs[outputs] = generate_program(self.plan, outputs)
            if outputs == self._outputs:
                self._all = program
        return program

    def outputs(self, names: Sequence[str] | None) -> tuple[str, ...]:
        """The decisions asked for, checked once per distinct request (then cached)."""
        if names is None:
            return self._outputs
        if isinstance(names, str):
            names = [names]
        try:
            key = tuple(names)
            known = self._requests.get(key)
        except TypeError:  # not iterable, or unhashable items: checked (and refused) below
            key, known = None, None
        if known is not None:
            return known
        try:
            wanted = tuple(dict.fromkeys(names if key is None else key))  # (an iterator is read once)
        except TypeError:  # not iterable, or unhashable items
            wanted = (names,)  # type: ignore[assignment]
        wrong = [n for n in wanted if not isinstance(n, str)]
        if wrong:
            raise CaseError(
                [
                    Diagnostic(
                        Code.UNKNOWN_DECISION,
                        _("decisions are named by texts, not {name}").format(name=_show_name(n)),
                        UNKNOWN,
                        help=_("the decisions are: {names}").format(names=", ".join(self.plan.outputs)),
                    )
                    for n in wrong
                ]
            )
        unknown = [n for n in wanted if n not in self.plan.rules]
        if unknown:
            raise CaseError(
                [
                    Diagnostic(
                        Code.UNKNOWN_DECISION,
                        _("unknown decision `{n}`{suggest}").format(n=n, suggest=suggest(n, list(self.plan.rules))),
                        UNKNOWN,
                        help=_("the decisions are: {names}").format(names=", ".join(self.plan.outputs)),
                    )
                    for n in unknown
                ]
            )
        if key is not None and len(self._requests) < 1024:  # bounded: requests are usually a few fixed sets
            self._requests[key] = wanted
        return wanted

    def facts(self, given: Mapping[str, object], spans: Mapping[str, Span] | None = None) -> dict[str, object]:
        """Validate a case's facts and fill in defaults; every problem is reported at once."""
        return self._facts(given, spans)[0]

    def _facts(
        self, given: Mapping[str, object], spans: Mapping[str, Span] | None = None
    ) -> tuple[dict[str, object], dict[str, object]]:
        """The facts with defaults filled in (what the code reads), and what a `Decision` keeps:
        the facts given (converted where needed), so that it knows which facts took their default."""
        if type(given) is not dict and not isinstance(given, Mapping):
            raise CaseError([Diagnostic(Code.FACT_TYPE, _("facts must be a mapping of fact names to values"), UNKNOWN)])
        exact = self._exact
        later: list[tuple[object, object]] | None = None
        try:
            for name, value in given.items():
                if type(value) is not exact[name]:  # (valid as given: the common case, kept short)
                    check = self._checks.get(name)
                    if (
                        check is None
                        or type(value) is not check[0]
                        or not (check[1](value) if check[1] is not None else len(value) <= MAX_TEXT_LENGTH)  # type: ignore[arg-type]
                    ):
                        if later is None:
                            later = []
                        later.append((name, value))  # not an enum's value, a text or number within bounds
        except KeyError:  # an unknown fact: every fact is looked at below, where it is reported
            later = list(given.items())
        # Then the values to convert or to replace by their default, below.
        env = self._defaults | given if type(given) is dict else {**self._defaults, **given}
        if later is None:
            return env, given.copy() if type(given) is dict else dict(given)
        slow: list[tuple[object, object]] = []
        null = False
        for key, value in later:
            if value is None and isinstance(key, str) and key in self._fast:
                env[key] = self._defaults[key]  # null means absent: the default (if any) applies
                null = True
                continue
            slow.append((key, value))
        if slow:
            self._slow_facts(slow, env, spans or {})
        if slow or null or type(given) is not dict:
            return env, {k: env[k] for k in given if isinstance(k, str) and given[k] is not None}
        return env, given.copy()

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
                        _("unknown fact `{name}`{suggest}").format(name=name, suggest=suggest(str(name), self._known)),
                        where,
                        help=_("the facts a case may give are declared in the policy's `facts` section"),
                    )
                )
                continue
            converted, error = check_value(value, fact.type, self._enums)
            if error:
                problems.append(
                    Diagnostic(Code.FACT_TYPE, _("fact `{name}` {error}").format(name=name, error=error), where)
                )
            else:
                env[str(name)] = converted
        if problems:
            raise CaseError(problems, self.plan.sources)

    def evaluate(
        self,
        facts: Mapping[str, object],
        at: date,
        decisions: Sequence[str] | None = None,
        *,
        trace: bool | str = False,
        spans: Mapping[str, Span] | None = None,
    ) -> Decision:
        """Compute `decisions` (default: all) for one case, under the law in force on `at`
        (documented at `Policy.evaluate`, which is this method)."""
        if type(at) is not date and (not isinstance(at, date) or isinstance(at, datetime)):
            raise CaseError([Diagnostic(Code.FACT_TYPE, _("`at` must be a date, not {at!r}").format(at=at), UNKNOWN)])
        if decisions is None:
            outputs = self._outputs
            program = self._all or self.program(outputs)
        else:
            # A request seen before (as a tuple or list of names) is one look-up, not a check per name.
            try:
                known = self._request_programs.get(tuple(decisions) if type(decisions) is list else decisions)
            except TypeError:  # unhashable: checked (and refused, or normalised) by `outputs`
                known = None
            if known is None:
                known = self._request_program(decisions)
            outputs, program = known
        # The common case checked here, without a call (`_facts` does the same, then everything else):
        # every value has its exact type, and an enum's value, a text or number is within bounds.
        env: dict[str, object] | None = None
        if type(facts) is dict:
            exact = self._exact
            try:
                for name, value in facts.items():
                    if type(value) is not exact[name]:
                        check = self._checks.get(name)
                        if (
                            check is None
                            or type(value) is not check[0]
                            or not (check[1](value) if check[1] is not None else len(value) <= MAX_TEXT_LENGTH)  # type: ignore[arg-type]
                        ):
                            break
                else:
                    env, kept = self._defaults | facts, facts.copy()
            except KeyError:  # an unknown fact: reported by `_facts`
                pass
        if env is None:
            env, kept = self._facts(facts, spans)
        if not trace:
            if not program.required_facts or not _lacks(env, program.required_facts):
                try:
                    computed = program.segments[_bisect(program.bounds, at)](env, at, at, {})
                    # The Decision's slots set here: a Python `__init__` costs a call through `type`.
                    decision = _new(Decision)
                    decision._values = computed
                    decision._names = program.outputs
                    decision._errors = _NO_ERRORS
                    decision._evaluator = self
                    decision._env = kept
                    decision._at = at
                    decision._trace = None
                    return decision
                except (EvaluationError, ArithmeticError, ValueError, OverflowError, TypeError, RecursionError):
                    pass
        elif trace == "compact":
            return self.compact(env, kept, at, outputs)
        else:
            return self._reference(env, at, outputs, trace, kept)
        return self._reference(env, at, outputs, False, kept)

    def _request_program(self, decisions: Sequence[str]) -> tuple[tuple[str, ...], Program]:
        """The decisions asked for, checked (`outputs`), and their program; a tuple or list of
        names is remembered for the next request (bounded: requests are usually a few fixed sets)."""
        outputs = self.outputs(decisions)
        known = (outputs, self._programs.get(outputs) or self.program(outputs))
        if type(decisions) in (tuple, list, str) and len(self._request_programs) < 1024:
            key = tuple(decisions) if type(decisions) is list else decisions
            self._request_programs[key] = known
        return known

    def _reference(
        self, env: dict[str, object], at: date, outputs: tuple[str, ...], trace: object, kept: dict[str, object]
    ) -> Decision:
        # Something fails (or a trace is asked for). The generated code computes every decision it
        # returns; the interpreter is the reference: it computes each decision on its own, so a
        # failure (even in a branch not taken) only costs the decisions that really read it.
        recorded = Trace(at) if trace else None
        interpreter = Interpreter(self.plan, env, at, recorded)
        values: dict[str, object] = {}
        errors: dict[str, EvaluationError] = {}
        for name in outputs:
            try:
                values[name] = interpreter.rule(name, at)
            except RecursionError:  # the checks bound nesting; never a traceback even so
                span = self.plan.rules[name].decl.span
                message = _("cannot compute `{name}`: its rules nest too deeply").format(name=name)
                errors[name] = failure(self.plan, message, span)
            except EvaluationError as exc:
                errors[name] = _for_decision(exc)
        return Decision(values, errors, self, kept, at, recorded)

    def traced_program(self, outputs: tuple[str, ...]) -> Program | None:
        """The generated code of `outputs`, recording its choices (`codegen.generate(traced=True)`);
        None for a policy too large for that form (its compact traces then come from the interpreter)."""
        if outputs not in self._traced:
            large = segmented_size(self.plan) > SEGMENTED_BUDGET or longest_table(self.plan) > FLAT_ROWS
            self._traced[outputs] = None if large else generate(self.plan, outputs, traced=True)
        return self._traced[outputs]

    def compact(self, env: dict[str, object], kept: dict[str, object], at: date, outputs: tuple[str, ...]) -> Decision:
        """Values, errors and the choices the generated code made (`CompactTrace`), as `evaluate`
        gives them. When a decision fails, each decision is computed by its own traced code, so the
        others keep their traces; the failures are worded by the interpreter (see `compact_each`)."""
        program = self.traced_program(outputs)
        if program is None:  # too large for traced code: the interpreter's full trace, compacted
            return self.compact_from_interpreter(env, kept, at, outputs)
        records: list[tuple[object, ...]] = []
        if _can_run(program, env):
            try:
                values = program.run(env, at, records)  # type: ignore[call-arg]
                return Decision(
                    values, _NO_ERRORS, self, kept, at, CompactTrace(at, self.plan, records, program.layouts)
                )
            except _FAILURES:
                pass
        return self.compact_each(env, kept, at, outputs)

    def compact_each(
        self, env: dict[str, object], kept: dict[str, object], at: date, outputs: tuple[str, ...]
    ) -> Decision:
        """Some decision fails: each decision on its own traced code (a failure costs only the
        decisions that read it). The interpreter, the reference, words each failure (its message
        names the chain of rules down to the culprit); a decision it computes although the
        generated code failed (a rule computed eagerly but read only in a branch not taken) gets
        its trace from the interpreter too (named in the trace's `interpreted`)."""
        values: dict[str, object] = {}
        parts: list[Records] = []
        pending: list[str] = []
        for name in outputs:
            program = self.traced_program((name,))
            assert program is not None
            records: list[tuple[object, ...]] = []
            if _can_run(program, env):
                try:
                    values[name] = program.run(env, at, records)[name]  # type: ignore[call-arg]
                    parts.append((records, program.layouts))
                    continue
                except _FAILURES:
                    pass
            pending.append(name)
        errors: dict[str, EvaluationError] = {}
        recovered: list[str] = []
        interpreter = Interpreter(self.plan, env, at)
        for name in pending:
            error = _decision_error(self.plan, interpreter, name, at)
            if error is None:
                recovered.append(name)
            else:
                errors[name] = error
        compact = CompactTrace(at, self.plan, parts=parts)
        if recovered:
            traced = self.compact_from_interpreter(env, env, at, tuple(recovered))
            values.update(traced._map())
            assert traced.compact_trace is not None
            compact = compact.merged(traced.compact_trace)
        ordered = {name: values[name] for name in outputs if name in values}
        return Decision(ordered, errors, self, kept, at, compact)

    def compact_from_interpreter(
        self, env: dict[str, object], kept: dict[str, object], at: date, outputs: tuple[str, ...]
    ) -> Decision:
        """The interpreter's full trace of `outputs`, compacted (no `if` branches recorded)."""
        decision = self.evaluate(env, at, outputs, trace=True)
        recorded = decision._trace
        assert isinstance(recorded, Trace)
        compact = CompactTrace.from_trace(recorded, self.plan)
        compact.interpreted = tuple(decision._map())
        return Decision(dict(decision._map()), decision._errors, self, kept, at, compact)

    def traced(self, env: Mapping[str, object], at: date, name: str) -> Trace:
        recorded = Trace(at)
        Interpreter(self.plan, env, at, recorded).rule(name, at)
        return recorded


def _lacks(env: Mapping[str, object], required: tuple[str, ...]) -> bool:
    """Is a required fact null? (A function of its own: a generator in `evaluate` would make
    `env` a closure cell on every call.)"""
    return any(env[f] is None for f in required)


_new = object.__new__
_FAILURES = (EvaluationError, ArithmeticError, ValueError, OverflowError, TypeError, RecursionError)


def _can_run(program: Program, env: Mapping[str, object]) -> bool:
    """Generated code reads a missing required fact as null: it runs only when none is missing."""
    return not program.required_facts or not _lacks(env, program.required_facts)


def _decision_error(plan: Plan, interpreter: Interpreter, name: str, at: date) -> EvaluationError | None:
    """Decision `name`'s error, worded by the interpreter as `evaluate` words it; None if it computes."""
    try:
        interpreter.rule(name, at)
    except RecursionError:  # the checks bound nesting; never a traceback even so
        message = _("cannot compute `{name}`: its rules nest too deeply").format(name=name)
        return failure(plan, message, plan.rules[name].decl.span)
    except EvaluationError as exc:
        return _for_decision(exc)
    return None


def _show_name(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "…"


def _for_decision(exc: EvaluationError) -> EvaluationError:
    """The error as its decision reports it: the chain of rules written into the message."""
    d = exc.diagnostics[0]
    if len(exc.chain) < 2:
        return exc
    via = " → ".join(f"`{n}`" for n in exc.chain)
    located = Diagnostic(
        d.code, _("{message} (via {chain})").format(message=d.message, chain=via), d.span, d.notes, d.help
    )
    return EvaluationError([located], exc.sources, culprit=exc.culprit, chain=exc.chain)


_NO_ERRORS: Mapping[str, EvaluationError] = MappingProxyType({})


class Decision(Mapping[str, object]):
    """The decisions computed for one case on one date: immutable, and each decision on its own.

    As a mapping it holds the decisions computed successfully (`values`); `decision[name]` of a
    decision that failed raises that decision's `EvaluationError` (`errors[name]` says why, as a
    `DecisionError`). `facts` is a read-only view of the facts used (defaults filled in).
    `explain(name)` says why a decision has its value; `to_dict()` / `to_json()` give both.
    """

    # Slots and read-only properties: no attribute can be added, and the public ones cannot be set.
    # (Plain slot stores in __init__ keep the construction cheap: it is on every evaluation's path.)
    # `_env` holds only the facts given (the defaults come from the policy): no copy of every fact.
    # `_values` may be the generated code's tuple of values, in the order of `_names` (shared by
    # every Decision of the same request): it becomes a dict when first read (`_map`).
    __slots__ = ("_at", "_env", "_errors", "_evaluator", "_names", "_trace", "_values")

    def __init__(
        self,
        values: dict[str, object],
        errors: Mapping[str, EvaluationError],
        evaluator: Evaluator,
        env: dict[str, object],
        at: date,
        trace: Trace | CompactTrace | None,
    ) -> None:
        self._values: dict[str, object] | Sequence[object] = values
        self._names: tuple[str, ...] = ()
        self._errors = errors
        self._evaluator = evaluator
        self._env = env
        self._trace = trace
        self._at = at

    def _map(self) -> dict[str, object]:
        """The values by name (the generated code's tuple named on first use)."""
        values = self._values
        if type(values) is not dict:
            values = self._values = dict(zip(self._names, values, strict=True))
        return values

    @property
    def at(self) -> date:
        """The evaluation date."""
        return self._at

    def __getitem__(self, name: str) -> object:
        try:
            return self._map()[name]
        except KeyError:
            error = self._errors.get(name)
            if error is not None:
                raise error from None
            known = [*self._map(), *self._errors]
            raise KeyError(_("{name!r} was not computed").format(name=name) + suggest(name, known)) from None

    def __contains__(self, name: object) -> bool:
        return name in self._map()

    def __iter__(self) -> Iterator[str]:
        return iter(self._map())

    def __len__(self) -> int:
        return len(self._map())

    def __repr__(self) -> str:
        failed = f", errors={sorted(self._errors)}" if self._errors else ""
        return f"Decision(at={self.at.isoformat()}, {self._map()!r}{failed})"

    @property
    def values(self) -> Mapping[str, object]:  # type: ignore[override]
        """The decisions computed successfully, name → value (read-only)."""
        return MappingProxyType(self._map())

    @property
    def errors(self) -> Mapping[str, DecisionError]:
        """The decisions that failed, name → `DecisionError` (code, message, culprit, chain, diagnostic)."""
        return MappingProxyType({name: exc.error for name, exc in self._errors.items()})

    @property
    def exceptions(self) -> Mapping[str, EvaluationError]:
        """The decisions that failed, name → the `EvaluationError` that `decision[name]` raises."""
        return MappingProxyType(dict(self._errors))

    @property
    def names(self) -> tuple[str, ...]:
        """Every decision asked for, computed or failed, in dependency order."""
        return tuple(n for n in self._evaluator.plan.graph.order if n in self._map() or n in self._errors)

    @property
    def facts(self) -> Mapping[str, object]:
        """The facts used, with defaults filled in; read-only."""
        return MappingProxyType(self._all_facts())

    @property
    def given(self) -> frozenset[str]:
        """The names of the facts the case gave; every other fact of `facts` took its default."""
        return frozenset(self._env)

    def _all_facts(self) -> dict[str, object]:
        return {**self._evaluator._defaults, **self._env}

    @property
    def compact_trace(self) -> CompactTrace | None:
        """The choices recorded by `evaluate(..., trace="compact")`, else None."""
        return self._trace if isinstance(self._trace, CompactTrace) else None

    def trace(self, name: str) -> Trace:
        """The full trace of decision `name`: recorded (`trace=True`), rendered from the compact
        trace (`trace="compact"`), or recorded now by the interpreter."""
        if name in self._errors:
            raise self._errors[name]
        if isinstance(self._trace, CompactTrace):
            from engine.pinned import render

            return render(self._evaluator.plan, self._all_facts(), self._trace, name)
        if self._trace is not None and self._trace.get(name) is not None:
            return self._trace
        return self._evaluator.traced(self._all_facts(), self.at, name)

    def explain(self, name: str) -> Explanation:
        """Why `name` has its value (raises its `EvaluationError` if it failed)."""
        from engine.explain import Explanation

        if name not in self._evaluator.plan.rules:
            self._evaluator.outputs([name])  # raises a located "unknown decision"
        return Explanation(self._evaluator.plan, self.trace(name), name, self._all_facts(), given=self.given)

    def to_dict(self) -> dict[str, object]:
        """`{"at": ISO date, "decisions": {name: JSON value}, "errors": {name: {code, message, culprit, chain}}}`;
        amounts are strings with their exact digits, dates ISO."""
        from engine.explain import json_value

        return {
            "at": self.at.isoformat(),
            "decisions": {name: json_value(value) for name, value in self._map().items()},
            "errors": {name: exc.error.to_dict() for name, exc in self._errors.items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
