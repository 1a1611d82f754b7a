"""Stable diagnostic codes, the `Diagnostic` record and the one `PolicyError` root."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from engine.i18n import _
from engine.source import SourceCache, Span, excerpt


class Code(StrEnum):
    """Stable codes: documented in docs/diagnostics.md and asserted in tests. Never renumber."""

    # Files and YAML structure
    FILE = "file_error"
    YAML = "yaml_error"
    DUPLICATE_KEY = "duplicate_key"
    UNKNOWN_FIELD = "unknown_field"
    MISSING_FIELD = "missing_field"
    WRONG_KIND = "wrong_kind"
    INVALID_VALUE = "invalid_value"
    INVALID_DATE = "invalid_date"
    DUPLICATE_NAME = "duplicate_name"
    VERSION_OVERLAP = "version_overlap"
    VERSION_GAP = "version_gap"
    VERSION_ORDER = "version_order"
    # Expressions
    SYNTAX = "syntax_error"
    TOO_COMPLEX = "expression_too_complex"
    UNKNOWN_REF = "unknown_reference"
    UNKNOWN_TYPE = "unknown_type"
    TYPE = "type_error"
    NULL = "null_not_handled"
    CYCLE = "cycle_error"
    MIXED_LANGUAGE = "mixed_language"
    # Warnings
    UNUSED_RULE = "unused_rule"
    UNUSED_PARAMETER = "unused_parameter"
    UNUSED_FACT = "unused_fact"
    UNREACHABLE_ROW = "unreachable_row"
    MISSING_LEGAL_BASIS = "missing_legal_basis"
    TEXT_CUT = "text_cut_by_comment"
    ANALYSIS_LIMIT = "analysis_limit"
    # Cases and evaluation
    UNKNOWN_FACT = "unknown_fact"
    FACT_TYPE = "fact_type_error"
    MISSING_FACT = "missing_fact"
    UNKNOWN_DECISION = "unknown_decision"
    NOT_IN_FORCE = "not_in_force"
    EVALUATION = "evaluation_error"
    # Receipts
    RECEIPT = "receipt_error"


WARNINGS = frozenset(
    {
        Code.UNUSED_RULE,
        Code.UNUSED_PARAMETER,
        Code.UNUSED_FACT,
        Code.UNREACHABLE_ROW,
        Code.MISSING_LEGAL_BASIS,
        Code.TEXT_CUT,
        Code.ANALYSIS_LIMIT,
    }
)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: Code
    message: str
    span: Span
    notes: tuple[tuple[str, Span], ...] = ()
    help: str | None = None

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self.code in WARNINGS else Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.file, self.span.line, self.span.column, self.code.value)

    def headline(self) -> str:
        kind = _("warning") if self.severity is Severity.WARNING else _("error")
        where = "" if self.span.file.startswith("<") else f"{self.span}: "
        return f"{where}{kind}[{self.code}]: {self.message}"

    def render(self, sources: SourceCache | None = None) -> str:
        """`path:line:col: error[code]: message`, the source line and a caret, then notes."""
        parts = [self.headline()]
        if sources is not None:
            quoted = excerpt(self.span, sources)
            if quoted:
                parts.append(quoted)
        for text, span in self.notes:
            parts.append("  " + _("note: {where}: {text}").format(where=span, text=text))
            if sources is not None:
                quoted = excerpt(span, sources)
                if quoted:
                    parts.append("\n".join("  " + line for line in quoted.splitlines()))
        if self.help:
            parts.append("  " + _("help: {text}").format(text=self.help))
        return "\n".join(parts)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code.value,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "notes": [{"message": text, "file": s.file, "line": s.line, "column": s.column} for text, s in self.notes],
            "help": self.help,
        }


def suggest(name: str, choices: Iterable[str]) -> str:
    """A "; did you mean `x`?" suffix for an unknown name, or nothing."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return _("; did you mean `{name}`?").format(name=close[0]) if close else ""


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    unique = {(d.sort_key(), d.message): d for d in diagnostics}
    return [unique[k] for k in sorted(unique)]


class PolicyError(Exception):
    """Root of every error the engine raises on purpose. Carries located diagnostics."""

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: SourceCache | None = None) -> None:
        self.diagnostics = sort_diagnostics(diagnostics)
        self.sources = sources
        super().__init__("\n".join(d.headline() for d in self.diagnostics) or _("policy error"))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def render(self) -> str:
        return "\n\n".join(d.render(self.sources) for d in self.diagnostics)


class PolicyCompileError(PolicyError):
    """The policy's files are invalid: nothing can be evaluated."""


class CaseError(PolicyError):
    """A case (its facts, date or expectations) does not fit the policy."""


class EvaluationError(PolicyError):
    """One decision could not be computed: no rule version or parameter value in force (`not_in_force`),
    a required fact not given (`missing_fact`), a division by zero or a date beyond the calendar
    (`evaluation_error`).

    `culprit` names the rule, parameter or fact at fault; `chain` runs from the decision asked for
    down to the culprit (empty until the error has left the rule where it happened).
    `Decision[name]` raises the decision's own `EvaluationError`; `error` is its `DecisionError`.
    """

    def __init__(
        self,
        diagnostics: Iterable[Diagnostic],
        sources: SourceCache | None = None,
        *,
        culprit: str | None = None,
        chain: tuple[str, ...] = (),
    ) -> None:
        super().__init__(diagnostics, sources)
        self.culprit = culprit
        self.chain = chain

    def through(self, rule: str) -> EvaluationError:
        """The same failure seen from `rule`, which read what failed (or where it happened)."""
        return EvaluationError(self.diagnostics, self.sources, culprit=self.culprit or rule, chain=(rule, *self.chain))

    @property
    def error(self) -> DecisionError:
        d = self.diagnostics[0]
        return DecisionError(d.code.value, d.message, self.culprit, self.chain, d)


@dataclass(frozen=True, slots=True)
class DecisionError:
    """Why one decision has no value: `code` (`not_in_force`, `missing_fact`, `evaluation_error`),
    `message`, `culprit` (the rule, parameter or fact at fault), `chain` (decision → … → culprit)
    and the located `diagnostic`."""

    code: str
    message: str
    culprit: str | None
    chain: tuple[str, ...]
    diagnostic: Diagnostic

    def to_dict(self) -> dict[str, object]:
        """`{"code", "message", "culprit", "chain"}`, JSON-ready."""
        return {"code": self.code, "message": self.message, "culprit": self.culprit, "chain": list(self.chain)}
