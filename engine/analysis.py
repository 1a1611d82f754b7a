"""Documents → a checked `Plan`: parse every expression, bind names, check types, build the graph.

All diagnostics of all stages are gathered, so an author fixes every mistake in one run.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from engine import ast
from engine.calendar import Duration
from engine.checker import Checker, Known, non_null_when
from engine.diagnostics import Code, Diagnostic, PolicyCompileError
from engine.documents import PolicyDocuments, TableRow, Text, VersionDecl
from engine.french import ENGLISH, FRENCH, KEYS, TYPES, TYPES_FR
from engine.graph import Node, Use, build
from engine.i18n import _
from engine.parser import language_marks, parse
from engine.plan import FactPlan, ParameterPlan, Plan, RowPlan, RulePlan, VersionPlan
from engine.resolve import Scope, resolve
from engine.source import Span
from engine.tables import MAX_ATOMS, analyse_rows
from engine.types import ERROR, Kind, Type, parse_type
from engine.values import MAX_TEXT_LENGTH


class _Analysis:
    def __init__(self, docs: PolicyDocuments) -> None:
        self.docs = docs
        self.diagnostics: list[Diagnostic] = []
        self.uses: list[Use] = []
        enums = set(docs.enums)
        self.fact_types = {n: self.type_of(d.type, enums) for n, d in docs.facts.items()}
        self.param_types = {n: self.type_of(d.type, enums) for n, d in docs.parameters.items()}
        self.rule_types = {n: self.type_of(d.type, enums) for n, d in docs.rules.items()}
        owners: dict[str, list[str]] = {}
        for enum in docs.enums.values():
            for value, _label in enum.values:
                owners.setdefault(value, []).append(enum.name)
        self.scope = Scope(
            self.fact_types,
            self.param_types,
            self.rule_types,
            {v: tuple(o) for v, o in owners.items()},
            broken=frozenset(docs.broken),
        )
        self.checker = Checker(self.scope, docs.enums, self.diagnostics.append, self.language)

    def report(self, d: Diagnostic) -> None:
        self.diagnostics.append(d)

    def language(self, file: str) -> str:
        """The language the file is written in, as far as its words tell (English by default)."""
        return self.docs.languages.get(file, (ENGLISH,))[0]

    def key(self, name: str, file: str) -> str:
        """A YAML key as the file's language writes it (`references` → `références`)."""
        return KEYS.get(name, name) if self.language(file) == FRENCH else name

    def language_word(self, lang: str, word: str, span: Span) -> None:
        mixed = self.docs.language_word(lang, word, span)
        if mixed is not None:
            self.report(mixed)

    def shadowing(self) -> None:
        """A fact, parameter or rule named like an enum value would silently replace that value."""
        for table, kind in (
            (self.docs.facts, _("fact")),
            (self.docs.parameters, _("parameter")),
            (self.docs.rules, _("rule")),
        ):
            for name, decl in table.items():
                owners = self.scope.enum_values.get(name)
                if owners:
                    self.report(
                        Diagnostic(
                            Code.DUPLICATE_NAME,
                            _("{kind} `{name}` has the name of a value of enum `{enum}`").format(
                                kind=kind, name=name, enum=owners[0]
                            ),
                            decl.span,
                            help=_("rename one of them: in formulas the name would hide the enum value"),
                        )
                    )

    def type_of(self, text: Text, enums: set[str]) -> Type:
        for word in re.findall(r"[a-zé]+", text.text):
            lang = FRENCH if word in TYPES_FR else ENGLISH if word in TYPES else None
            if lang is not None:
                self.language_word(lang, word, text.span)
        parsed = parse_type(text.text, enums, self.language(text.span.file))
        if isinstance(parsed, str):
            self.report(Diagnostic(Code.UNKNOWN_TYPE, parsed, text.span))
            return ERROR
        return parsed

    def expression(self, text: Text, user: str | None, value_type: Type | None = None) -> ast.Expr | None:
        """Parse and bind one expression; `value_type` is the type its value must have, if known."""
        try:
            e = parse(text.text, text.origin, self.language(text.span.file))
        except PolicyCompileError as exc:
            self.diagnostics.extend(exc.diagnostics)
            return None
        for lang, word, span in language_marks(text.text, text.origin):
            self.language_word(lang, word, span)
        scope = replace(self.scope, lang=self.language(text.span.file))
        enum = self.docs.enums.get(value_type.enum or "") if value_type is not None else None
        if enum is not None and isinstance(e, ast.Name):
            scope = replace(scope, expected=(enum.name, tuple(v for v, _ in enum.values)))
        elif value_type is not None and value_type.kind is Kind.TEXT and isinstance(e, ast.Name):
            scope = replace(scope, expects_text=True)
        e = resolve(e, scope, self.report)
        if user is not None:
            for node in ast.walk(e):
                name = node.target if isinstance(node, ast.AsOf) else node
                if isinstance(name, ast.Name) and name.binding in (
                    ast.Binding.FACT,
                    ast.Binding.PARAMETER,
                    ast.Binding.RULE,
                ):
                    self.uses.append(Use(name.name, user, name.span))
        return e

    def constant(self, text: Text, ty: Type, what: str) -> tuple[bool, object]:
        """A literal value (fact default, parameter value) of type `ty`."""
        if ty.kind is Kind.TEXT and text.quoted and not text.text.lstrip().startswith(('"', "'")):
            # `value: "nemours"`: YAML's quotes make it a text, as docs/rule-format.md shows
            if len(text.text) > MAX_TEXT_LENGTH:
                self.report(
                    Diagnostic(
                        Code.INVALID_VALUE,
                        _("{what} is longer than {limit} characters").format(what=what, limit=MAX_TEXT_LENGTH),
                        text.span,
                    )
                )
                return False, None
            return True, text.text
        e = self.expression(text, None, ty)
        if e is None:
            return False, None
        e = self.checker.result(e, ty, frozenset(), what)
        if e.ty is not None and e.ty.is_error:
            return False, None
        ok, value = _constant_value(e)
        if not ok:
            self.report(
                Diagnostic(
                    Code.INVALID_VALUE,
                    _("{what} must be written as a constant, like `500 €`, `1 month`, `26` or `true`").format(
                        what=what
                    ),
                    text.span,
                )
            )
            return False, None
        return True, _coerce(value, ty)

    # -- declarations -----------------------------------------------------------------------------
    def facts(self) -> dict[str, FactPlan]:
        out = {}
        for name, decl in self.docs.facts.items():
            ty = self.fact_types[name]
            has_default, default = False, None
            if decl.default is not None and not ty.is_error:
                has_default, default = self.constant(decl.default, ty, _("the default of `{name}`").format(name=name))
            out[name] = FactPlan(name, ty, default, has_default, decl)
        return out

    def parameters(self) -> dict[str, ParameterPlan]:
        out = {}
        for name, decl in self.docs.parameters.items():
            ty = self.param_types[name]
            values = []
            for v in decl.values:
                _ok, value = (
                    self.constant(v.value, ty, _("a value of `{name}`").format(name=name))
                    if not ty.is_error
                    else (False, None)
                )
                values.append(value)
                if not v.references:
                    self.report(
                        Diagnostic(
                            Code.MISSING_LEGAL_BASIS,
                            _("this value of `{name}` cites no source").format(name=name),
                            v.span,
                            help=_("add `{references}:` with the article or document").format(
                                references=self.key("references", v.span.file)
                            ),
                        )
                    )
            out[name] = ParameterPlan(name, ty, tuple(v.start for v in decl.values), tuple(values), decl)
        return out

    def rules(self) -> dict[str, RulePlan]:
        out = {}
        for name, decl in self.docs.rules.items():
            ty = self.rule_types[name]
            versions = tuple(self.version(name, ty, v) for v in decl.versions)
            if not decl.references and any(not v.references for v in decl.versions):
                self.report(
                    Diagnostic(
                        Code.MISSING_LEGAL_BASIS,
                        _("rule `{name}` cites no legal basis").format(name=name),
                        decl.span,
                        help=_("add `{references}:` with the article it rests on").format(
                            references=self.key("references", decl.span.file)
                        ),
                    )
                )
            out[name] = RulePlan(name, ty, versions, decl)
        return out

    def version(self, rule: str, ty: Type, decl: VersionDecl) -> VersionPlan:
        what = _("the value of `{rule}`").format(rule=rule)
        formula = None
        if decl.formula is not None:
            e = self.expression(decl.formula, rule, ty)
            formula = self.checker.result(e, ty, frozenset(), what) if e is not None else None
        rows = None
        if decl.table is not None:
            rows = self.table(rule, ty, decl.table, what)
        return VersionPlan(decl.start, decl.end, formula, rows, decl)

    def table(self, rule: str, ty: Type, decls: tuple[TableRow, ...], what: str) -> tuple[RowPlan, ...]:
        rows: list[RowPlan] = []
        known: Known = frozenset()
        for row in decls:
            when = None
            if row.when is not None:
                parsed = self.expression(row.when, rule)
                when = self.checker.condition(parsed, known, _("a table condition")) if parsed is not None else None
            then_known = known | (non_null_when(when, True) if when is not None else frozenset())
            parsed_then = self.expression(row.then, rule, ty)
            then = self.checker.result(parsed_then, ty, then_known, what) if parsed_then is not None else None
            if when is not None:
                known = known | non_null_when(when, False)
            rows.append(RowPlan(when, then if then is not None else ast.Literal(None, Kind.NULL, ty=ERROR), row))
        conditions = [r.when for r in rows if r.when is not None]
        if len(conditions) == len([r for r in decls if r.when is not None]):
            self.unreachable(rule, rows, conditions)
        return tuple(rows)

    def unreachable(self, rule: str, rows: list[RowPlan], conditions: list[ast.Expr]) -> None:
        """Rows that can never match: their own condition contradicts itself, or the rows above
        take every case; past the analysis' limit, a warning that it was not done."""
        outcome = analyse_rows(conditions)
        if outcome.gave_up:
            self.report(
                Diagnostic(
                    Code.ANALYSIS_LIMIT,
                    _(
                        "the rows of `{rule}` were not checked for rows that can never match: their conditions "
                        "combine {count} different conditions (at most {limit} are analysed)"
                    ).format(rule=rule, count=outcome.atoms, limit=MAX_ATOMS),
                    rows[0].decl.span,
                    help=_("split the table into several rules, each on fewer conditions, to have it checked"),
                )
            )
        for index in outcome.never:
            self.report(
                Diagnostic(
                    Code.UNREACHABLE_ROW,
                    _("row {row} of `{rule}` can never match: its own condition can never hold").format(
                        row=index + 1, rule=rule
                    ),
                    rows[index].decl.span,
                    help=_("the condition contradicts itself (like `a and not a`): correct it, or remove the row"),
                )
            )
        for index in outcome.hidden:
            self.report(
                Diagnostic(
                    Code.UNREACHABLE_ROW,
                    _(
                        "row {row} of `{rule}` can never match: "
                        "the rows above it already cover every case where its condition holds"
                    ).format(row=index + 1, rule=rule),
                    rows[index].decl.span,
                    help=_("remove the row, or move it above the rows that hide it"),
                )
            )

    def graph_nodes(self) -> list[Node]:
        d = self.docs
        return (
            [Node(n, "fact", f.label, False, f.span) for n, f in d.facts.items()]
            + [Node(n, "parameter", p.label, False, p.span) for n, p in d.parameters.items()]
            + [Node(n, "rule", r.label, r.output, r.span) for n, r in d.rules.items()]
        )


def _constant_value(e: ast.Expr) -> tuple[bool, object]:
    match e:
        case ast.Literal(value=v):
            return True, v
        case ast.Name(binding=ast.Binding.ENUM_VALUE, name=n):
            return True, n
        case ast.ListExpr(items=items):
            values = [_constant_value(i) for i in items]
            return all(ok for ok, _ in values), frozenset(v for _, v in values)
        case ast.Unary(op="-", operand=ast.Literal(value=Duration() as d)):
            return True, -d
    return False, None


def _coerce(value: object, ty: Type) -> object:
    """Runtime representation: money and decimals are Decimal, never int or float."""
    if value is not None and ty.kind in (Kind.MONEY, Kind.DECIMAL) and isinstance(value, int):
        return Decimal(value)
    return value


MAX_AS_OF_DEPTH = 16  # rules read `as of` a date, reading rules `as of` another date, …


def _as_of_depth(rules: dict[str, RulePlan], order: tuple[str, ...]) -> list[Diagnostic]:
    """Each `x as of d` evaluates x under another law, inside the current evaluation: chains of
    them nest. Past MAX_AS_OF_DEPTH nested readings a policy is refused here, at check time,
    rather than running out of stack at evaluation."""
    depth: dict[str, int] = {}
    for name in order:  # dependencies first
        rule = rules.get(name)
        if rule is None:
            continue
        deepest = 0
        for version in rule.versions:
            exprs = [version.formula] if version.formula is not None else []
            for row in version.rows or ():
                exprs += [x for x in (row.when, row.then) if x is not None]
            for e in exprs:
                for node in ast.walk(e):
                    if isinstance(node, ast.AsOf) and node.target.binding is ast.Binding.RULE:
                        deepest = max(deepest, depth.get(node.target.name, 0) + 1)
                    elif isinstance(node, ast.Name) and node.binding is ast.Binding.RULE:
                        deepest = max(deepest, depth.get(node.name, 0))
        depth[name] = deepest
        if deepest > MAX_AS_OF_DEPTH:
            return [
                Diagnostic(
                    Code.TOO_COMPLEX,
                    _("`{rule}` reads rules `as of` other dates {count} levels deep, more than {limit}").format(
                        rule=name, count=deepest, limit=MAX_AS_OF_DEPTH
                    ),
                    rule.decl.span,
                    help=_("read the earlier values from facts or parameters, or shorten the chain of `as of`"),
                )
            ]
    return []


def analyse(docs: PolicyDocuments, pre: list[Diagnostic] | None = None) -> tuple[Plan | None, list[Diagnostic]]:
    """Check everything; return the plan (None when there is any error) and all diagnostics."""
    a = _Analysis(docs)
    a.diagnostics.extend(pre or [])
    a.shadowing()
    facts = a.facts()
    parameters = a.parameters()
    rules = a.rules()
    graph, graph_diagnostics = build(a.graph_nodes(), a.uses)
    if any(d.severity.value == "error" for d in a.diagnostics):
        # A declaration or expression dropped for an error hides its uses: "unused" would be noise.
        unused = (Code.UNUSED_FACT, Code.UNUSED_PARAMETER, Code.UNUSED_RULE)
        graph_diagnostics = [d for d in graph_diagnostics if d.code not in unused]
    a.diagnostics.extend(graph_diagnostics)
    errors = [d for d in a.diagnostics if d.severity.value == "error"]
    if not errors:
        a.diagnostics.extend(_as_of_depth(rules, graph.order))
        errors = [d for d in a.diagnostics if d.severity.value == "error"]
    if errors:
        return None, a.diagnostics
    languages = {file: lang for file, (lang, _word, _span) in docs.languages.items()}
    return Plan(docs.enums, facts, parameters, rules, graph, docs.sources, languages), a.diagnostics
