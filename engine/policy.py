"""The facade's `Policy`: load, check, evaluate, explain. Everything else is below it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from engine.analysis import analyse
from engine.diagnostics import Diagnostic, PolicyCompileError, Severity
from engine.evaluate import Decision, Evaluator
from engine.graph import DependencyGraph
from engine.plan import Plan
from engine.reader import read_policy
from engine.source import Span


class Policy:
    """A checked, compiled policy. Immutable and safe to share between threads."""

    def __init__(self, plan: Plan, warnings: list[Diagnostic], root: str) -> None:
        self.plan = plan
        self.warnings = warnings
        self.root = root
        self._evaluator = Evaluator(plan)

    @property
    def decisions(self) -> tuple[str, ...]:
        return self.plan.outputs

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(self.plan.facts)

    @property
    def graph(self) -> DependencyGraph:
        return self.plan.graph

    def evaluate(
        self,
        facts: Mapping[str, object],
        at: date,
        decisions: Sequence[str] | None = None,
        *,
        trace: bool = False,
        spans: Mapping[str, Span] | None = None,
    ) -> Decision:
        """Compute `decisions` (default: all) for one case, under the law in force on `at`."""
        return self._evaluator.evaluate(facts, at, decisions, trace, spans)


def load_policy(path: str | Path = "policy") -> Policy:
    """Read, check and compile a policy folder; raise `PolicyCompileError` listing every error."""
    docs, structure = read_policy(Path(path))
    plan, diagnostics = analyse(docs, structure)
    if plan is None:
        raise PolicyCompileError(diagnostics, docs.sources)
    warnings = [d for d in diagnostics if d.severity is Severity.WARNING]
    return Policy(plan, sorted(warnings, key=Diagnostic.sort_key), str(path))


def check_policy(path: str | Path = "policy") -> tuple[list[Diagnostic], object]:
    """Every diagnostic (errors and warnings) of a policy, without raising; and its sources."""
    try:
        docs, structure = read_policy(Path(path))
    except PolicyCompileError as exc:
        return exc.diagnostics, exc.sources
    _, diagnostics = analyse(docs, structure)
    from engine.diagnostics import sort_diagnostics

    return sort_diagnostics(diagnostics), docs.sources
