"""What enums, facts, parameters and rules are, as read from files (no I/O, no YAML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from engine.diagnostics import Code, Diagnostic
from engine.french import COUNTERPART, FRENCH
from engine.i18n import _
from engine.source import Origin, SourceCache, Span


@dataclass(frozen=True, slots=True)
class Text:
    """A piece of expression text and where it sits in its file."""

    text: str
    origin: Origin
    quoted: bool = False  # written as a quoted YAML scalar (`value: "nemours"`)

    @property
    def span(self) -> Span:
        return self.origin.field


@dataclass(frozen=True, slots=True)
class Reference:
    """A text a rule or value rests on. `start`/`end` (YAML `from`/`until`, both optional) date the
    version of the text cited: it is printed only for law dates inside that period, so a rule
    whose wording source changed (same rule, new version of the article) cites the right one."""

    article: str
    url: str | None
    excerpt: str | None
    span: Span
    start: date | None = None
    end: date | None = None  # last day, included

    def in_force(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def to_dict(self) -> dict[str, str | None]:
        out = {"article": self.article, "url": self.url, "excerpt": self.excerpt}
        if self.start is not None or self.end is not None:
            out["from"] = self.start.isoformat() if self.start else None
            out["until"] = self.end.isoformat() if self.end else None
        return out


@dataclass(frozen=True, slots=True)
class EnumDecl:
    name: str
    label: str
    values: tuple[tuple[str, str], ...]  # (value, French label)
    span: Span

    def label_of(self, value: str) -> str:
        return dict(self.values).get(value, value)


@dataclass(frozen=True, slots=True)
class FactDecl:
    name: str
    type: Text
    label: str
    description: str | None
    default: Text | None
    span: Span


@dataclass(frozen=True, slots=True)
class ParameterValue:
    start: date
    value: Text
    references: tuple[Reference, ...]
    note: str | None
    span: Span
    assumption: bool = False  # this value (or its start date) is not given by the sources


@dataclass(frozen=True, slots=True)
class ParameterDecl:
    name: str
    type: Text
    label: str
    description: str | None
    unit: str | None
    assumption: bool
    values: tuple[ParameterValue, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class TableRow:
    when: Text | None  # None for the `otherwise` row
    then: Text
    because: str
    span: Span


@dataclass(frozen=True, slots=True)
class VersionDecl:
    start: date
    end: date | None  # last day in force, included
    label: str | None
    references: tuple[Reference, ...]
    formula: Text | None
    table: tuple[TableRow, ...] | None
    span: Span
    assumption: bool = False  # the version's start (or content) is not given by the sources
    note: str | None = None  # why this version, which assumption (French)


@dataclass(frozen=True, slots=True)
class RuleDecl:
    name: str
    type: Text
    label: str
    description: str | None
    output: bool
    references: tuple[Reference, ...]
    versions: tuple[VersionDecl, ...]
    span: Span


@dataclass(slots=True)
class PolicyDocuments:
    """Everything read from a policy folder, before any expression is parsed."""

    root: str
    enums: dict[str, EnumDecl] = field(default_factory=dict)
    facts: dict[str, FactDecl] = field(default_factory=dict)
    parameters: dict[str, ParameterDecl] = field(default_factory=dict)
    rules: dict[str, RuleDecl] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    sources: SourceCache = field(default_factory=SourceCache)
    # file → (language, word, where): the first word of the file that belongs to one language
    languages: dict[str, tuple[str, str, Span]] = field(default_factory=dict)

    def language_word(self, lang: str, word: str, span: Span) -> Diagnostic | None:
        """Note that `word` (English or French) is used at `span`; a located error if its file is
        already written in the other language (one file, one language)."""
        first = self.languages.setdefault(span.file, (lang, word, span))
        if first[0] == lang:
            return None
        if first[0] == FRENCH:
            message = _("this file is written in French: `{word}` is English").format(word=word)
            note = _("the file's first French word, `{word}`").format(word=first[1])
        else:
            message = _("this file is written in English: `{word}` is French").format(word=word)
            note = _("the file's first English word, `{word}`").format(word=first[1])
        fix = COUNTERPART.get(word, "?")
        return Diagnostic(
            Code.MIXED_LANGUAGE,
            message,
            span,
            ((note, first[2]),),
            _("write `{fix}`, or rewrite the whole file with `policy translate FILE --to {lang}`").format(
                fix=fix, lang=first[0]
            ),
        )

    broken: set[str] = field(default_factory=set)  # declared with an error already reported: not again at uses
    rules_past_limit: int = 0

    def tables(self) -> tuple[dict[str, object], ...]:
        return (self.enums, self.facts, self.parameters, self.rules)  # type: ignore[return-value]  # rules declared past the reader's MAX_RULES (refused, reported once)
