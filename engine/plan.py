"""The checked, backend-neutral program: typed expressions, dated versions, dependency order.

Immutable once built, so one plan can serve many threads, a batch backend and a service.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from engine import ast
from engine.documents import EnumDecl, FactDecl, ParameterDecl, Reference, RuleDecl, TableRow, VersionDecl
from engine.graph import DependencyGraph
from engine.source import SourceCache
from engine.types import Type


@dataclass(frozen=True, slots=True)
class FactPlan:
    name: str
    type: Type
    default: object  # None when the fact has no default
    has_default: bool
    decl: FactDecl

    @property
    def required(self) -> bool:
        return not self.type.optional and not self.has_default


@dataclass(frozen=True, slots=True)
class ParameterPlan:
    name: str
    type: Type
    starts: tuple[date, ...]
    values: tuple[object, ...]
    decl: ParameterDecl

    def index_on(self, day: date) -> int:
        """Index of the value in force on `day`, or -1 before the first one."""
        return bisect.bisect_right(self.starts, day) - 1


@dataclass(frozen=True, slots=True)
class RowPlan:
    when: ast.Expr | None  # None for `otherwise`
    then: ast.Expr
    decl: TableRow


@dataclass(frozen=True, slots=True)
class VersionPlan:
    start: date
    end: date | None  # last day in force, included
    formula: ast.Expr | None
    rows: tuple[RowPlan, ...] | None
    decl: VersionDecl

    @property
    def references(self) -> tuple[Reference, ...]:
        return self.decl.references


@dataclass(frozen=True, slots=True)
class RulePlan:
    name: str
    type: Type
    versions: tuple[VersionPlan, ...]
    decl: RuleDecl

    def version_on(self, day: date) -> VersionPlan | None:
        for version in reversed(self.versions):
            if version.start <= day:
                return version if version.end is None or day <= version.end else None
        return None


@dataclass(frozen=True)
class Plan:
    enums: Mapping[str, EnumDecl]
    facts: Mapping[str, FactPlan]
    parameters: Mapping[str, ParameterPlan]
    rules: Mapping[str, RulePlan]
    graph: DependencyGraph
    sources: SourceCache
    # The language each declaration file is written in ("fr" or "en"), so that code shown to a
    # developer is printed back as its file writes it; a file not listed is English.
    languages: Mapping[str, str] = field(default_factory=dict)

    def language(self, file: str) -> str:
        """The language declaration file `file` is written in: "fr" or "en"."""
        return self.languages.get(file, "en")

    @property
    def outputs(self) -> tuple[str, ...]:
        """The decisions of the policy, in dependency order."""
        return tuple(n for n in self.graph.order if n in self.rules and self.rules[n].decl.output)

    def label(self, name: str) -> str:
        for table in (self.rules, self.facts, self.parameters):
            if name in table:
                return table[name].decl.label
        return name
