"""A read-only description of a policy's pack: what a reader, an API or a documentation site shows.

Everything here is plain data (frozen dataclasses of str, bool, lists, JSON values), built once from
the checked plan, so that adapters (`engine.web`) never need the plan's internals. Dates are ISO
texts, values are in their JSON form (amounts as exact strings), as in `Decision.to_dict()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from engine.documents import Reference
from engine.explain import json_value
from engine.plan import Plan
from engine.types import Kind, Type


@dataclass(frozen=True, slots=True)
class ReferenceInfo:
    """A legal or documentary source: `article` (its citation), an optional `url` and `excerpt`."""

    article: str
    url: str | None
    excerpt: str | None
    start: str | None = None  # ISO date from which this version of the text is cited, if dated
    end: str | None = None  # ISO date, last day it is cited


@dataclass(frozen=True, slots=True)
class EnumValueInfo:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class EnumInfo:
    name: str
    label: str
    values: list[EnumValueInfo]


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """A policy type: `text` as written (`date?`), its `kind` (bool, int, decimal, money, date,
    duration, text, enum, list), whether null is allowed, the enum's name and allowed values."""

    text: str
    kind: str
    optional: bool
    enum: str | None = None
    values: list[EnumValueInfo] | None = None
    item: str | None = None  # the element kind of a list


@dataclass(frozen=True, slots=True)
class FactInfo:
    name: str
    label: str
    description: str | None
    type: TypeInfo
    default: object  # JSON value, None without a default
    has_default: bool
    required: bool  # neither optional nor defaulted: a decision reading it needs it
    file: str
    line: int
    read_by: list[str]  # rules reading it directly


@dataclass(frozen=True, slots=True)
class ParameterValueInfo:
    start: str  # ISO date from which the value is in force
    value: object  # JSON value
    text: str  # as written in the pack (`1 month`, `26`)
    references: list[ReferenceInfo]
    note: str | None
    assumption: bool = False  # this value (or its start date) is not given by the sources


@dataclass(frozen=True, slots=True)
class ParameterInfo:
    name: str
    label: str
    description: str | None
    type: TypeInfo
    unit: str | None
    assumption: bool  # an « hypothèse »: a value the sources do not give, to be confirmed
    values: list[ParameterValueInfo]
    file: str
    line: int
    read_by: list[str]
    decisions: list[str]  # every decision a change of this parameter can change

    @property
    def has_assumption(self) -> bool:
        """The parameter, or one of its values, is an assumption."""
        return self.assumption or any(v.assumption for v in self.values)


@dataclass(frozen=True, slots=True)
class RowInfo:
    index: int  # 1-based, as in explanations
    condition: str | None  # None for the `otherwise` row
    then: str
    because: str
    line: int


@dataclass(frozen=True, slots=True)
class VersionInfo:
    start: str  # ISO date, first day in force
    end: str | None  # ISO date, last day in force (included), None while in force
    label: str | None
    references: list[ReferenceInfo]
    formula: str | None
    rows: list[RowInfo] | None
    line: int
    assumption: bool = False  # the version's start (or content) is not given by the sources
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RuleInfo:
    name: str
    label: str
    description: str | None
    type: TypeInfo
    decision: bool  # an output of the policy (a public decision)
    topic: str  # the file's name without extension, e.g. `orientation`
    file: str
    line: int
    references: list[ReferenceInfo]
    versions: list[VersionInfo]
    reads: list[str]  # facts, parameters and rules it reads directly
    read_by: list[str]  # rules that read it directly
    decisions: list[str] = field(default_factory=list)  # the decisions it can change (itself included)

    @property
    def has_assumption(self) -> bool:
        return any(v.assumption for v in self.versions)


@dataclass(frozen=True, slots=True)
class AssumptionInfo:
    """One assumption of the pack: a parameter (`kind` "parameter": all its values), one dated value
    of a parameter ("parameter_value") or one version of a rule ("rule_version"), with its note,
    where it is used and how to change it."""

    kind: str
    name: str
    label: str
    start: str | None  # ISO date of the value or version; None for a whole parameter
    value: object  # the value (JSON form) for a parameter value, else None
    note: str | None
    references: list[ReferenceInfo]
    file: str
    line: int
    read_by: list[str]
    decisions: list[str]
    how_to_change: str  # in French


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The whole pack, in dependency order, ready to show or serialise."""

    root: str
    enums: dict[str, EnumInfo]
    facts: dict[str, FactInfo]
    parameters: dict[str, ParameterInfo]
    rules: dict[str, RuleInfo]
    decisions: list[str]
    topics: dict[str, list[str]] = field(default_factory=dict)  # topic → its rules, decisions first

    def kind_of(self, name: str) -> str | None:
        """`fact`, `parameter`, `rule` or None."""
        if name in self.rules:
            return "rule"
        if name in self.parameters:
            return "parameter"
        if name in self.facts:
            return "fact"
        return None

    def label(self, name: str) -> str:
        for table in (self.rules, self.parameters, self.facts):
            if name in table:
                return table[name].label
        return name

    @property
    def assumptions(self) -> list[AssumptionInfo]:
        """Every assumption: whole parameters, single parameter values, rule versions."""
        out: list[AssumptionInfo] = []
        for p in self.parameters.values():
            if p.assumption:
                change = (
                    f"ajouter une valeur datée (`- from: AAAA-MM-JJ`, `value: …`, sa source) au paramètre "
                    f"`{p.name}` dans `{p.file}` (ligne {p.line})"
                )
                notes = [v.note for v in p.values if v.note]
                refs = [r for v in p.values for r in v.references]
                out.append(
                    AssumptionInfo(
                        "parameter",
                        p.name,
                        p.label,
                        None,
                        None,
                        "\n\n".join(notes) or p.description,
                        refs,
                        p.file,
                        p.line,
                        p.read_by,
                        p.decisions,
                        change,
                    )
                )
                continue
            for v in p.values:
                if v.assumption:
                    change = f"corriger la valeur du {v.start} du paramètre `{p.name}` dans `{p.file}`, ou sa date"
                    out.append(
                        AssumptionInfo(
                            "parameter_value",
                            p.name,
                            p.label,
                            v.start,
                            v.value,
                            v.note,
                            v.references,
                            p.file,
                            p.line,
                            p.read_by,
                            p.decisions,
                            change,
                        )
                    )
        for r in self.rules.values():
            for version in r.versions:
                if version.assumption:
                    change = (
                        f"corriger la version du {version.start} de la règle `{r.name}` dans `{r.file}` "
                        f"(ligne {version.line}) : sa date `from`, ou son contenu"
                    )
                    out.append(
                        AssumptionInfo(
                            "rule_version",
                            r.name,
                            r.label,
                            version.start,
                            None,
                            version.note,
                            version.references,
                            r.file,
                            version.line,
                            r.read_by,
                            r.decisions,
                            change,
                        )
                    )
        return out


def describe(plan: Plan, root: str) -> Catalogue:
    """Describe a checked plan. Pure: reads the plan, never the disk."""
    graph = plan.graph
    order = {name: i for i, name in enumerate(graph.order)}

    def sort(names: Iterable[str]) -> list[str]:
        return sorted(names, key=lambda n: order.get(n, len(order)))

    def type_info(ty: Type) -> TypeInfo:
        enum = plan.enums.get(ty.enum or "") if ty.kind is Kind.ENUM else None
        return TypeInfo(
            text=str(ty),
            kind=ty.kind.value,
            optional=ty.optional,
            enum=ty.enum,
            values=[EnumValueInfo(v, label) for v, label in enum.values] if enum else None,
            item=ty.item.kind.value if ty.item is not None else None,
        )

    outputs = set(plan.outputs)
    enums = {
        name: EnumInfo(name, e.label, [EnumValueInfo(v, label) for v, label in e.values])
        for name, e in plan.enums.items()
    }
    facts = {
        name: FactInfo(
            name=name,
            label=f.decl.label,
            description=f.decl.description,
            type=type_info(f.type),
            default=json_value(f.default),
            has_default=f.has_default,
            required=f.required,
            file=f.decl.span.file,
            line=f.decl.span.line,
            read_by=sort(graph.users.get(name, ())),
        )
        for name, f in plan.facts.items()
    }
    parameters = {
        name: ParameterInfo(
            name=name,
            label=p.decl.label,
            description=p.decl.description,
            type=type_info(p.type),
            unit=p.decl.unit,
            assumption=p.decl.assumption,
            values=[
                ParameterValueInfo(
                    start=v.start.isoformat(),
                    value=json_value(value),
                    text=v.value.text,
                    references=_refs(v.references),
                    note=v.note.strip() if v.note else None,
                    assumption=v.assumption,
                )
                for v, value in zip(p.decl.values, p.values, strict=False)
            ],
            file=p.decl.span.file,
            line=p.decl.span.line,
            read_by=sort(graph.users.get(name, ())),
            decisions=sort(n for n in graph.impact(name) if n in outputs),
        )
        for name, p in plan.parameters.items()
    }
    rules: dict[str, RuleInfo] = {}
    for name in graph.order:
        if name not in plan.rules:
            continue
        r = plan.rules[name]
        rules[name] = RuleInfo(
            name=name,
            label=r.decl.label,
            description=r.decl.description,
            type=type_info(r.type),
            decision=r.decl.output,
            topic=PurePosixPath(r.decl.span.file).stem,
            file=r.decl.span.file,
            line=r.decl.span.line,
            references=_refs(r.decl.references),
            versions=[
                VersionInfo(
                    start=v.decl.start.isoformat(),
                    end=v.decl.end.isoformat() if v.decl.end else None,
                    label=v.decl.label,
                    references=_refs(v.decl.references),
                    formula=v.decl.formula.text if v.decl.formula else None,
                    rows=None
                    if v.decl.table is None
                    else [
                        RowInfo(
                            index=i,
                            condition=row.when.text if row.when else None,
                            then=row.then.text,
                            because=" ".join(row.because.split()),
                            line=row.span.line,
                        )
                        for i, row in enumerate(v.decl.table, start=1)
                    ],
                    line=v.decl.span.line,
                    assumption=v.decl.assumption,
                    note=" ".join(v.decl.note.split()) if v.decl.note else None,
                )
                for v in r.versions
            ],
            reads=sort(graph.inputs.get(name, ())),
            read_by=sort(graph.users.get(name, ())),
            decisions=sort(n for n in graph.impact(name) | {name} if n in outputs),
        )
    topics: dict[str, list[str]] = {}
    for info in sorted(rules.values(), key=lambda i: (not i.decision, order.get(i.name, 0))):
        topics.setdefault(info.topic, []).append(info.name)
    return Catalogue(
        root=root,
        enums=enums,
        facts=facts,
        parameters=parameters,
        rules=rules,
        decisions=list(plan.outputs),
        topics=dict(sorted(topics.items())),
    )


def _refs(refs: tuple[Reference, ...]) -> list[ReferenceInfo]:
    return [
        ReferenceInfo(
            r.article,
            r.url,
            " ".join(r.excerpt.split()) if r.excerpt else None,
            r.start.isoformat() if r.start else None,
            r.end.isoformat() if r.end else None,
        )
        for r in refs
    ]
