"""Indicators written in the pack (`POLICY/indicators/*.yaml`): read and checked like rules.

An indicator counts persons of a caseload over a period `[debut, fin]`, every decision being
computed on one evaluation date `at` (CALPAE 2022 annexe A and fiche 4; see docs/indicators.md):

    scope: soumis_droits_et_devoirs            # optional, once per pack: every population is inside it
    breakdowns:                                # optional: the `--by` choices besides `mois`
      organisme: {label: Organisme d'orientation, value: orientation_organisme}
    indicators:
      orientes_en_un_mois:
        label: Nouveaux entrants orientés en un mois ou moins
        source: {article: CALPAE 2022, annexe A 3.1, excerpt: « orientés en 1 mois et moins »}
        population: nouveaux_entrants          # a condition (denominator); optional
        count: date_notification_orientation is not null and …   # or `sum:` or `count_by:`
        month: date_entree_rsa                 # the date that defines the population
        reference_value: 70 %

Expressions are in the rule language. They see each person's facts and decisions (every rule of
the pack, computed on `at`) by name, the parameters in force on `at`, `today` (= `at`), the
period's `debut` and `fin`, and the name of another `count` indicator, which is true for the
persons that indicator counts. Errors are located diagnostics, as for rules.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path

from engine import ast
from engine.checker import Checker, Known, non_null_when
from engine.diagnostics import Code, Diagnostic, PolicyCompileError, suggest
from engine.documents import PolicyDocuments, Reference, Text
from engine.files import Listing, display, list_yaml
from engine.i18n import _
from engine.loader import YamlNode, parse_yaml, read_text
from engine.parser import parse
from engine.plan import Plan
from engine.reader import FieldReader, field_reader
from engine.resolve import Scope, resolve
from engine.source import Span
from engine.types import BOOL, DATE, ERROR, Kind, Type

FOLDER = "indicators"
PERIOD = ("debut", "fin")  # the period's first and last day, both included
MONTH = "mois"  # the breakdown by month of each indicator's `month` date
_STATISTICS = ("count", "sum", "count_by")
_FIELDS = ("description", "source", "references", "population", "month", "reference_value", "mean", *_STATISTICS)


class Statistic(StrEnum):
    COUNT = "count"  # the persons of the population for whom `count` holds
    SUM = "sum"  # the sum over the population of each part's value (money, exact)
    COUNT_BY = "count_by"  # the persons of the population per value of `count_by`


@dataclass(frozen=True, slots=True)
class SumPart:
    """One term of a sum, attributed to the month of its own date in the monthly breakdown."""

    value: ast.Expr
    month: ast.Expr | None


@dataclass(frozen=True, slots=True)
class Mean:
    """A further figure: the mean of `value` (nulls left out) over the population where `over` holds."""

    label: str
    value: ast.Expr
    over: ast.Expr


@dataclass(frozen=True, slots=True)
class Indicator:
    name: str
    label: str
    description: str | None
    statistic: Statistic
    population: ast.Expr | None  # None: a plain count (or sum), no denominator and no share
    count: ast.Expr | None  # COUNT
    parts: tuple[SumPart, ...]  # SUM
    by: ast.Expr | None  # COUNT_BY: an enum, text or bool value
    by_type: Type | None
    month: ast.Expr | None  # the date defining the population, for the monthly breakdown
    mean: Mean | None
    references: tuple[Reference, ...]
    reference_value: Decimal | None  # a share between 0 and 1 (70 % is 0.70)
    span: Span
    indicators_read: tuple[str, ...] = ()  # the `count` indicators its expressions name

    def expressions(self) -> list[ast.Expr]:
        found = [self.population, self.count, self.by, self.month]
        for part in self.parts:
            found += [part.value, part.month]
        if self.mean is not None:
            found += [self.mean.value, self.mean.over]
        return [e for e in found if e is not None]


@dataclass(frozen=True, slots=True)
class Breakdown:
    name: str
    label: str
    value: ast.Expr  # an enum, text or bool value per person
    span: Span


@dataclass(frozen=True)
class IndicatorSet:
    """The checked indicators of a pack, in dependency order (an indicator after those it names)."""

    scope: ast.Expr | None = None
    breakdowns: Mapping[str, Breakdown] = field(default_factory=dict)
    indicators: Mapping[str, Indicator] = field(default_factory=dict)

    def closure(self, names: Iterable[str] | None = None) -> tuple[str, ...]:
        """The named indicators (default: all) and those their expressions name, in dependency order."""
        wanted = set(self.indicators if names is None else names)
        stack = list(wanted)
        while stack:
            for other in self.indicators[stack.pop()].indicators_read:
                if other not in wanted:
                    wanted.add(other)
                    stack.append(other)
        return tuple(n for n in self.indicators if n in wanted)

    def names_read(self, plan: Plan, names: Iterable[str] | None = None, by: str | None = None) -> set[str]:
        """The facts, rules and parameters that the chosen indicators (and scope, breakdown) read, directly."""
        exprs: list[ast.Expr] = [self.scope] if self.scope is not None else []
        if by is not None and by in self.breakdowns:
            exprs.append(self.breakdowns[by].value)
        for name in self.closure(names):
            exprs += self.indicators[name].expressions()
        known = set(plan.facts) | set(plan.rules) | set(plan.parameters)
        return {n.name for e in exprs for n in _names(e) if n.name in known}

    def rules_read(self, plan: Plan, names: Iterable[str] | None = None, by: str | None = None) -> tuple[str, ...]:
        """The rules (decisions) to compute for the chosen indicators, in the plan's order."""
        read = self.names_read(plan, names, by)
        return tuple(n for n in plan.graph.order if n in plan.rules and n in read)


def _names(e: ast.Expr) -> list[ast.Name]:
    return [n.target if isinstance(n, ast.AsOf) else n for n in ast.walk(e) if isinstance(n, ast.Name | ast.AsOf)]


def indicator_files(root: Path) -> Listing:
    """The YAML files under `root/indicators/`, and what could not be listed (located file errors:
    an unreadable folder or a looping link is reported, never skipped silently)."""
    listing = Listing()
    folder = root / FOLDER
    if root.is_file() or not os.path.lexists(folder):
        return listing
    list_yaml(folder, listing)
    return listing


def read_indicators(root: Path, plan: Plan) -> tuple[IndicatorSet, list[Diagnostic]]:
    """Read and check `root/indicators/*.yaml` against a checked plan; every problem is reported."""
    diagnostics: list[Diagnostic] = []
    docs = PolicyDocuments(str(root))
    docs.sources = plan.sources
    pending = _Pending()
    reader = field_reader(docs, diagnostics)
    listing = indicator_files(root)
    diagnostics.extend(listing.problems)
    for path in listing.files:
        display = _display(path)
        try:
            node = parse_yaml(read_text(path, display, docs.sources), display)
        except PolicyCompileError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        if node is not None:
            pending.file(node, reader, diagnostics)
    return _Check(plan, pending, reader, diagnostics).run(), diagnostics


def _display(path: Path) -> str:
    return display(path)  # never resolves links: a looping one is reported when read, not raised here


@dataclass
class _Pending:
    """What the files declare, before any expression is checked (names must all be known first)."""

    scope: Text | None = None
    scope_span: Span | None = None
    breakdowns: dict[str, tuple[YamlNode, dict[str, YamlNode]]] = field(default_factory=dict)
    indicators: dict[str, tuple[YamlNode, dict[str, YamlNode]]] = field(default_factory=dict)

    def file(self, node: YamlNode, reader: FieldReader, diagnostics: list[Diagnostic]) -> None:
        sections = reader.fields(node, _("an indicator file"), (), ("scope", "breakdowns", "indicators"))
        if sections is None:
            return
        if "scope" in sections:
            if self.scope_span is not None:
                diagnostics.append(
                    Diagnostic(
                        Code.DUPLICATE_KEY,
                        _("`scope` is given twice: it applies to every indicator of the pack"),
                        sections["scope"].span,
                        notes=((_("first given here"), self.scope_span),),
                        help=_("keep one `scope`"),
                    )
                )
            else:
                self.scope = reader.expression(sections["scope"], "scope")
                self.scope_span = sections["scope"].span
        for section, table, fields in (
            ("breakdowns", self.breakdowns, (("label", "value"), ("description",))),
            ("indicators", self.indicators, (("label",), _FIELDS)),
        ):
            what = _WORDS[section]
            entries = None
            if section in sections:
                entries = reader.mapping(sections[section], _("the `{section}` section").format(section=section))
            for name, (key, body) in (entries or {}).items():
                f = reader.fields(body, what[1].format(name=name), fields[0], fields[1], key.span)
                if f is None or not reader.name(key, what[0]):
                    continue
                if name in table:
                    diagnostics.append(
                        Diagnostic(
                            Code.DUPLICATE_NAME,
                            what[2].format(name=name),
                            key.span,
                            notes=((what[3].format(name=name), table[name][0].span),),
                            help=what[4],
                        )
                    )
                    continue
                table[name] = (key, f)


def _words(section: str) -> tuple[str, str, str, str, str]:
    """The words naming a breakdown or an indicator in messages, translated when used."""
    if section == "breakdowns":
        return (
            _("breakdown"),
            _("breakdown `{name}`"),
            _("breakdown `{name}` is declared twice"),
            _("breakdown `{name}` declared here"),
            _("give this breakdown another name"),
        )
    return (
        _("indicator"),
        _("indicator `{name}`"),
        _("indicator `{name}` is declared twice"),
        _("indicator `{name}` declared here"),
        _("give this indicator another name"),
    )


class _WordTable:
    def __getitem__(self, section: str) -> tuple[str, str, str, str, str]:
        return _words(section)


_WORDS = _WordTable()


class _Check:
    def __init__(self, plan: Plan, pending: _Pending, reader: FieldReader, diagnostics: list[Diagnostic]) -> None:
        self.plan = plan
        self.pending = pending
        self.diagnostics = diagnostics
        self.reader = reader
        owners: dict[str, list[str]] = {}
        for enum in plan.enums.values():
            for value, _label in enum.values:
                owners.setdefault(value, []).append(enum.name)
        counts = [n for n, (_key, f) in pending.indicators.items() if "count" in f]
        values: dict[str, Type] = {n: f.type for n, f in plan.facts.items()}
        values.update({n: DATE for n in PERIOD})
        values.update({n: BOOL for n in counts})
        self.counts = frozenset(counts)
        parameters = {n: p.type for n, p in plan.parameters.items()}
        rules = {n: r.type for n, r in plan.rules.items()}  # each person's decisions, on `at`
        self.scope = Scope(values, parameters, rules, {v: tuple(o) for v, o in owners.items()})
        self.checker = Checker(self.scope, dict(plan.enums), self.report)

    def report(self, d: Diagnostic) -> None:
        self.diagnostics.append(d)

    def error(self, code: Code, message: str, span: Span, help: str | None = None) -> None:
        self.report(Diagnostic(code, message, span, help=help))

    def run(self) -> IndicatorSet:
        taken = {**self.plan.facts, **self.plan.rules, **self.plan.parameters}
        for name, (key, _fields) in self.pending.indicators.items():
            if name in taken or name in PERIOD or name in self.scope.enum_values:
                message = (
                    _("indicator `{name}` has the name of a bound of the period")
                    if name in PERIOD
                    else _("indicator `{name}` has the name of a fact, rule, parameter or enum value of the policy")
                )
                self.error(
                    Code.DUPLICATE_NAME, message.format(name=name), key.span, _("give this indicator another name")
                )
        scope = None
        if self.pending.scope is not None:
            scope = self.condition(self.pending.scope, frozenset(), _("the scope"))
        known = non_null_when(scope, True) if scope is not None else frozenset()
        breakdowns = {}
        for name, (key, f) in self.pending.breakdowns.items():
            value = self.value_of(f.get("value"), known, _("breakdown `{name}`").format(name=name), _GROUPABLE)
            label = self.text(f.get("label"), "label") or name
            if value is not None:
                breakdowns[name] = Breakdown(name, label, value, key.span)
        indicators = {}
        for name, (key, f) in self.pending.indicators.items():
            indicator = self.indicator(name, key, f, known)
            if indicator is not None:
                indicators[name] = indicator
        return IndicatorSet(scope, breakdowns, self.ordered(indicators))

    # -- one indicator ------------------------------------------------------------------------------
    def indicator(self, name: str, key: YamlNode, f: dict[str, YamlNode], known: Known) -> Indicator | None:
        given = [s for s in _STATISTICS if s in f]
        if len(given) != 1:
            self.error(
                Code.MISSING_FIELD if not given else Code.UNKNOWN_FIELD,
                _("indicator `{name}` needs exactly one statistic: `count`, `sum` or `count_by`").format(name=name)
                + (_(" (it has {fields})").format(fields=", ".join(given)) if given else ""),
                key.span,
                _("`count: <condition>` counts persons, `sum:` adds amounts, `count_by: <value>` counts per value"),
            )
            return None
        statistic = Statistic(given[0])
        population = None
        if "population" in f:
            population = self.condition(self.expression(f["population"], "population"), known, _("the population"))
        inside = known | (non_null_when(population, True) if population is not None else frozenset())
        count = by = None
        by_type: Type | None = None
        parts: tuple[SumPart, ...] = ()
        if statistic is Statistic.COUNT:
            count = self.condition(self.expression(f["count"], "count"), inside, "`count`")
        elif statistic is Statistic.COUNT_BY:
            by = self.value_of(f["count_by"], inside, "`count_by`", _GROUPABLE)
            by_type = by.ty if by is not None else None
        else:
            parts = self.parts(f["sum"], inside)
        month = self.value_of(f.get("month"), inside, "`month`", (Kind.DATE,))
        mean = self.mean(f.get("mean"), inside)
        references = self.references(f)
        if not references:
            self.report(
                Diagnostic(
                    Code.MISSING_LEGAL_BASIS,
                    _("indicator `{name}` cites no source").format(name=name),
                    key.span,
                    help=_("add `source:` with the document and line that define it"),
                )
            )
        indicator = Indicator(
            name,
            self.text(f.get("label"), "label") or name,
            self.text(f.get("description"), "description"),
            statistic,
            population,
            count,
            parts,
            by,
            by_type,
            month,
            mean,
            references,
            self.reference_value(f.get("reference_value")),
            key.span,
        )
        failed = (
            ("population" in f and population is None)
            or ("month" in f and month is None)
            or ("mean" in f and mean is None)
            or (statistic is Statistic.COUNT and count is None)
            or (statistic is Statistic.COUNT_BY and by is None)
            or (statistic is Statistic.SUM and not parts)
        )
        if failed:
            return None
        read = {n.name for e in indicator.expressions() for n in _names(e) if n.name in self.counts}
        return replace(indicator, indicators_read=tuple(sorted(read)))

    def parts(self, node: YamlNode, known: Known) -> tuple[SumPart, ...]:
        if node.kind != "seq":
            value = self.value_of(node, known, "`sum`", _SUMMABLE, nullable=False)
            return (SumPart(value, None),) if value is not None else ()
        out = []
        for item in node.items:
            f = self.reader.fields(item, _("a part of `sum`"), ("value",), ("month",))
            if f is None:
                continue
            value = self.value_of(f.get("value"), known, _("a part of `sum`"), _SUMMABLE, nullable=False)
            month = self.value_of(f.get("month"), known, "`month`", (Kind.DATE,))
            if value is not None:
                out.append(SumPart(value, month))
        return tuple(out)

    def mean(self, node: YamlNode | None, known: Known) -> Mean | None:
        if node is None:
            return None
        f = self.reader.fields(node, "`mean`", ("value", "over"), ("label",))
        if f is None:
            return None
        over = self.condition(self.expression(f.get("over"), "over"), known, "`over`")
        value = self.value_of(f.get("value"), known | non_null_when(over, True) if over else known, "`mean`", _SUMMABLE)
        if over is None or value is None:
            return None
        return Mean(self.text(f.get("label"), "label") or "moyenne", value, over)

    def references(self, f: dict[str, YamlNode]) -> tuple[Reference, ...]:
        found: list[Reference] = []
        if "source" in f:
            one = self.reader.reference(f["source"])
            found += [one] if one is not None else []
        if "references" in f:
            found += list(self.reader.references(f["references"]))
        return tuple(found)

    def reference_value(self, node: YamlNode | None) -> Decimal | None:
        if node is None:
            return None
        text = node.value.strip() if node.kind == "scalar" else ""
        try:
            value = Decimal(text.removesuffix("%").strip().replace(",", "."))
        except InvalidOperation:
            value = Decimal(-1)
        if not text.endswith("%") or not value.is_finite() or not 0 <= value <= 100:
            message = _("a reference value is a percentage such as `70 %`, not {value}").format(value=node.describe())
            self.error(
                Code.INVALID_VALUE, message, node.span, _("write the share the document sets, between 0 % and 100 %")
            )
            return None
        return value / 100

    # -- expressions --------------------------------------------------------------------------------
    def text(self, node: YamlNode | None, what: str) -> str | None:
        return self.reader.text(node, what)

    def expression(self, node: YamlNode | None, what: str) -> ast.Expr | None:
        text: Text | None = self.reader.expression(node, what)
        if text is None:
            return None
        try:
            e = parse(text.text, text.origin)
        except PolicyCompileError as exc:
            self.diagnostics.extend(exc.diagnostics)
            return None
        return resolve(e, self.scope, self.report)

    def condition(self, e: ast.Expr | Text | None, known: Known, what: str) -> ast.Expr | None:
        if isinstance(e, Text):
            try:
                e = resolve(parse(e.text, e.origin), self.scope, self.report)
            except PolicyCompileError as exc:
                self.diagnostics.extend(exc.diagnostics)
                return None
        if e is None:
            return None
        checked = self.checker.condition(e, known, what)
        return None if (checked.ty or ERROR).is_error else checked

    def value_of(
        self, node: YamlNode | None, known: Known, what: str, kinds: tuple[Kind, ...], nullable: bool = True
    ) -> ast.Expr | None:
        e = self.expression(node, what) if node is not None else None
        if e is None:
            return None
        checked = self.checker.check(e, known)
        ty = checked.ty or ERROR
        if ty.is_error:
            return None
        if not nullable and not self.checker.value(checked, None, what):
            return None
        if ty.kind not in kinds:
            words = ", ".join(k.value for k in kinds)
            message = _("{what} must be of kind {kinds}, but this is {a}").format(what=what, kinds=words, a=ty.a)
            self.error(Code.TYPE, message, checked.span)
            return None
        return checked

    def ordered(self, indicators: dict[str, Indicator]) -> dict[str, Indicator]:
        """Dependency order; a cycle (A's population names B, B's names A) is an error."""
        out: dict[str, Indicator] = {}
        state: dict[str, int] = {}
        for start in indicators:
            stack: list[tuple[str, int]] = [(start, 0)]
            path: list[str] = []
            while stack:
                name, i = stack.pop()
                if i == 0:
                    if state.get(name) == 2:
                        continue
                    if state.get(name) == 1:
                        chain = " -> ".join([*path[path.index(name) :], name])
                        self.error(
                            Code.CYCLE,
                            _("circular definition: {path}").format(path=chain),
                            indicators[name].span,
                            _("an indicator's population cannot rest on itself, even through others"),
                        )
                        return {}
                    state[name] = 1
                    path.append(name)
                reads = [r for r in indicators[name].indicators_read if r in indicators]
                if i < len(reads):
                    stack += [(name, i + 1), (reads[i], 0)]
                else:
                    state[name] = 2
                    path.pop()
                    out[name] = indicators[name]
        for ind in indicators.values():
            for other in ind.indicators_read:
                if other not in indicators and other in self.counts:
                    return {}  # the other one has an error, already reported
        return out


_GROUPABLE = (Kind.ENUM, Kind.TEXT, Kind.BOOL)
_SUMMABLE = (Kind.INT, Kind.DECIMAL, Kind.MONEY)


def unknown_indicator(name: str, indicators: IndicatorSet, span: Span) -> Diagnostic:
    close = difflib.get_close_matches(name, list(indicators.indicators), n=1, cutoff=0.6)
    return Diagnostic(
        Code.UNKNOWN_REF,
        _("unknown indicator `{name}`").format(name=name) + suggest(name, close),
        span,
        help=_("the indicators are: {names}").format(names=", ".join(indicators.indicators) or "—"),
    )
