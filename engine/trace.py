"""Trace records: what each evaluated rule read, which version and row it used, and why not the others."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from engine.documents import Reference
from engine.source import Span


@dataclass(frozen=True, slots=True)
class Input:
    name: str
    kind: str  # "fact", "parameter", "rule", "today"
    value: object
    law: date | None = None  # the law date it was read under (parameters and rules)
    as_of: bool = False  # read with `as of` under another date's law


@dataclass(frozen=True, slots=True)
class Atom:
    """One elementary condition and its value, with the values of the names inside it."""

    text: str
    value: object
    names: tuple[tuple[str, object], ...]


@dataclass(frozen=True, slots=True)
class RowOutcome:
    index: int  # 1-based
    because: str
    condition: str | None  # None for `otherwise`
    matched: bool | None  # None: not examined, an earlier row matched
    atoms: tuple[Atom, ...] = ()  # why it matched, or why not
    span: Span | None = None
    then: str = ""  # the row's value, as written
    would: bool | None = None  # for a row not examined: whether its condition holds anyway
    value: object = None  # the value the row gives (or would give), when it could be computed


@dataclass(frozen=True, slots=True)
class RuleTrace:
    rule: str
    law: date
    value: object
    version_start: date
    version_end: date | None
    version_label: str | None
    references: tuple[Reference, ...]
    inputs: tuple[Input, ...]
    formula: str | None
    rows: tuple[RowOutcome, ...] | None
    span: Span


@dataclass(slots=True)
class Trace:
    today: date
    records: dict[tuple[str, date], RuleTrace] = field(default_factory=dict)

    def get(self, rule: str, law: date | None = None) -> RuleTrace | None:
        return self.records.get((rule, law or self.today))
