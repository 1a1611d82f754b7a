"""The facade's `Policy`: load, check, evaluate, explain. Everything else is below it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

from engine.analysis import analyse
from engine.catalogue import Catalogue, describe
from engine.diagnostics import Code, Diagnostic, PolicyCompileError, Severity, sort_diagnostics
from engine.evaluate import Decision, Evaluator
from engine.fingerprint import Fingerprint, file_digests, fingerprint
from engine.graph import DependencyGraph
from engine.i18n import _
from engine.indicators import IndicatorSet, read_indicators
from engine.plan import Plan
from engine.reader import read_policy
from engine.receipt import Masking, Receipt, check_masking, receipt_document
from engine.source import SourceCache, Span
from engine.values import check_value


class Policy:
    """A checked, compiled policy. Immutable and safe to share between threads."""

    def __init__(
        self, plan: Plan, warnings: list[Diagnostic], root: str, indicators: IndicatorSet | None = None
    ) -> None:
        self.plan = plan
        self.warnings = warnings
        self.root = root
        self.indicators = indicators or IndicatorSet()  # the pack's `indicators/` (engine.indicators)
        self._evaluator = Evaluator(plan)
        self._files = file_digests(root, plan.sources)  # now: the texts compiled, not later edits
        self._fingerprint: Fingerprint | None = None
        # One call less on the hot path: `policy.evaluate` is the evaluator's own bound method
        # (same signature as the method below, which documents it).
        self.evaluate = self._evaluator.evaluate  # type: ignore[method-assign]
        self._catalogue: Catalogue | None = None

    @property
    def fingerprint(self) -> Fingerprint:
        """The policy's identity for receipts: SHA-256 of every file compiled, per folder and as a
        whole, and the git commit of the repository it lives in (None outside one)."""
        if self._fingerprint is None:
            self._fingerprint = fingerprint(self.root, self._files)
        return self._fingerprint

    @property
    def decisions(self) -> tuple[str, ...]:
        return self.plan.outputs

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(self.plan.facts)

    @property
    def catalogue(self) -> Catalogue:
        """The pack described as plain data (rules, parameters, facts, enums, assumptions), built once."""
        if self._catalogue is None:
            self._catalogue = describe(self.plan, self.root)
        return self._catalogue

    @property
    def graph(self) -> DependencyGraph:
        return self.plan.graph

    def check_fact(self, name: str, value: object) -> tuple[object, str | None]:
        """(the value in its runtime form, None) or (None, « fact `name` must be … »), by the one
        definition of valid values (`engine.values.check_value`) used by every way in: case files,
        `evaluate`, batch frames and HTTP requests. An unknown fact name is an error too."""
        fact = self.plan.facts.get(name)
        if fact is None:
            return None, _("unknown fact `{name}`").format(name=name)
        converted, error = check_value(value, fact.type, self.plan.enums)
        return (None, _("fact `{name}` {error}").format(name=name, error=error)) if error else (converted, None)

    def evaluate(
        self,
        facts: Mapping[str, object],
        at: date,
        decisions: Sequence[str] | None = None,
        *,
        trace: bool | Literal["compact"] = False,
        spans: Mapping[str, Span] | None = None,
    ) -> Decision:
        """Compute `decisions` (default: all) for one case, under the law in force on `at`."""
        return self._evaluator.evaluate(facts, at, decisions, trace=trace, spans=spans)

    def evaluate_batch(self, source: object, *, at: date | None = None, decisions: Sequence[str] | None = None) -> Any:
        """Every row of a caseload (a polars DataFrame/LazyFrame, or the path of a CSV, Parquet or JSON
        Lines file or a folder of Parquet parts) → a polars DataFrame: one row per input row, in order,
        with `id`, `at`, one column per decision and `errors`. Needs polars (loaded only here).
        CaseError for an unknown column or decision, or an unreadable file."""
        from engine.batch import evaluate_batch

        return evaluate_batch(self, source, at=at, decisions=decisions)  # type: ignore[arg-type]

    def receipt(
        self,
        facts: Mapping[str, object],
        at: date | None = None,
        decisions: Sequence[str] | None = None,
        *,
        masking: Masking | None = None,
        spans: Mapping[str, Span] | None = None,
    ) -> Receipt:
        """Evaluate like `evaluate` (on `at`, today when None) and return the decision's receipt:
        `receipt.decision` is the `Decision`, `receipt.to_json()` the canonical JSON document
        (see `engine.receipt`). Facts named by `masking` are written as their salted hash.
        Raises `CaseError` for invalid facts, `ReceiptError` for a masked fact that does not exist."""
        check_masking(self.plan, masking)
        day = date.today() if at is None else at
        decision = self.evaluate(facts, day, decisions, trace="compact", spans=spans)
        document = receipt_document(self.plan, self.fingerprint, self.root, decision, facts, at is None, masking)
        return Receipt(document, decision)


def load_policy(path: str | Path = "policy") -> Policy:
    """Read, check and compile a policy folder; raise `PolicyCompileError` listing every error."""
    docs, structure = read_policy(Path(path))
    plan, diagnostics = analyse(docs, structure)
    if plan is None:
        raise PolicyCompileError(diagnostics, docs.sources)
    indicators, diagnostics = _with_indicators(Path(path), plan, diagnostics)
    if any(d.severity is Severity.ERROR for d in diagnostics):
        raise PolicyCompileError(diagnostics, docs.sources)
    warnings = [d for d in diagnostics if d.severity is Severity.WARNING]
    return Policy(plan, sorted(warnings, key=Diagnostic.sort_key), str(path), indicators)


def _with_indicators(root: Path, plan: Plan, diagnostics: list[Diagnostic]) -> tuple[IndicatorSet, list[Diagnostic]]:
    """Check the pack's indicators too; a fact, rule or parameter read only by them is not unused."""
    indicators, more = read_indicators(root, plan)
    used = indicators.names_read(plan)
    unused = (Code.UNUSED_FACT, Code.UNUSED_RULE, Code.UNUSED_PARAMETER)
    spans = {plan.facts[n].decl.span if n in plan.facts else None for n in used}
    spans |= {plan.rules[n].decl.span if n in plan.rules else None for n in used}
    spans |= {plan.parameters[n].decl.span if n in plan.parameters else None for n in used}
    kept = [d for d in diagnostics if not (d.code in unused and d.span in spans)]
    return indicators, kept + more


def check_policy(path: str | Path = "policy") -> tuple[list[Diagnostic], SourceCache | None]:
    """Every diagnostic (errors and warnings) of a policy, without raising; and its sources."""
    diagnostics, sources, _ = inspect_policy(path)
    return diagnostics, sources


def inspect_policy(path: str | Path = "policy") -> tuple[list[Diagnostic], SourceCache | None, Policy | None]:
    """Diagnostics, sources, and the compiled policy when there is no error."""
    try:
        docs, structure = read_policy(Path(path))
    except PolicyCompileError as exc:
        return exc.diagnostics, exc.sources, None
    plan, diagnostics = analyse(docs, structure)
    indicators = None
    if plan is not None:
        indicators, diagnostics = _with_indicators(Path(path), plan, diagnostics)
        if any(d.severity is Severity.ERROR for d in diagnostics):
            plan = None
    diagnostics = sort_diagnostics(diagnostics)
    warnings = [d for d in diagnostics if d.severity is Severity.WARNING]
    policy = Policy(plan, warnings, str(path), indicators) if plan is not None else None
    return diagnostics, docs.sources, policy
