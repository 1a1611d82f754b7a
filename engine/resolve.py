"""Name binding: every name becomes a fact, a parameter, a rule, an enum value or `today`.

Unknown names are reported here, once, with a "did you mean"; the checker then treats them
as poisoned and stays quiet about them.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from engine import ast
from engine.builtins import TABLE
from engine.diagnostics import Code, Diagnostic
from engine.french import ENGLISH, FRENCH, KEYS, NAMES
from engine.i18n import N_, _
from engine.source import Span
from engine.types import Type

Report = Callable[[Diagnostic], None]
TODAY = "today"


@dataclass(frozen=True, slots=True)
class Scope:
    facts: Mapping[str, Type]
    parameters: Mapping[str, Type]
    rules: Mapping[str, Type]
    enum_values: Mapping[str, tuple[str, ...]]  # value -> the enums that list it
    expected: tuple[str, tuple[str, ...]] | None = None  # (enum, values) where the value is an enum
    expects_text: bool = False  # the whole expression is a value of a text type
    broken: frozenset[str] = frozenset()  # declared, but the declaration has an error (reported)
    lang: str = ENGLISH  # the language of the expression's file: the words its hints suggest

    def binding(self, name: str) -> ast.Binding | None:
        if name in self.facts:
            return ast.Binding.FACT
        if name in self.parameters:
            return ast.Binding.PARAMETER
        if name in self.rules:
            return ast.Binding.RULE
        if name == TODAY:
            return ast.Binding.TODAY
        if name in self.enum_values:
            return ast.Binding.ENUM_VALUE
        return None

    def type_of(self, name: str) -> Type | None:
        return self.facts.get(name) or self.parameters.get(name) or self.rules.get(name)

    def all_names(self) -> list[str]:
        return [*self.facts, *self.parameters, *self.rules, TODAY, *self.enum_values]


def resolve(e: ast.Expr, scope: Scope, report: Report) -> ast.Expr:
    match e:
        case ast.Literal():
            return e
        case ast.Name(name=name):
            binding = scope.binding(name)
            if binding is None and name in scope.broken:
                pass  # its declaration's error is reported: not again at every use
            elif binding is None and scope.expects_text:
                report(
                    Diagnostic(
                        Code.UNKNOWN_REF,
                        _("unknown name `{name}`: a text is written in quotes").format(name=name),
                        e.span,
                        help=_(
                            'write `"{name}"` (in YAML: `value: "{name}"`, or `\'"{name}"\'` inside a formula)'
                        ).format(name=name),
                    )
                )
            elif binding is None:
                report(_unknown(name, "name", scope.all_names(), e.span, scope.expected, scope.lang))
            return replace(e, binding=binding)
        case ast.Unary(operand=o):
            return replace(e, operand=resolve(o, scope, report))
        case ast.Binary(left=a, right=b):
            return replace(e, left=resolve(a, scope, report), right=resolve(b, scope, report))
        case ast.If(cond=c, then=t, orelse=o):
            return replace(
                e, cond=resolve(c, scope, report), then=resolve(t, scope, report), orelse=resolve(o, scope, report)
            )
        case ast.In(value=v, items=i):
            return replace(e, value=resolve(v, scope, report), items=resolve(i, scope, report))
        case ast.IsNull(value=v):
            return replace(e, value=resolve(v, scope, report))
        case ast.Call(func=func, args=args):
            if func not in TABLE:
                functions = [NAMES.get(f, f) for f in TABLE] if scope.lang == FRENCH else list(TABLE)
                report(_unknown(func, "function", functions, e.span, lang=scope.lang))
            return replace(e, args=tuple(resolve(a, scope, report) for a in args))
        case ast.AsOf(target=target, when=when):
            binding = scope.binding(target.name)
            if binding is None and target.name in scope.broken:
                pass
            elif binding is None:
                known = [*scope.parameters, *scope.rules]
                report(_unknown(target.name, _("rule or parameter"), known, target.span))
            elif binding not in (ast.Binding.RULE, ast.Binding.PARAMETER):
                report(
                    Diagnostic(
                        Code.TYPE,
                        _("`as of` reads a rule or a parameter under another date's law; `{name}` is {what}").format(
                            name=target.name, what=_(_WHAT[binding])
                        ),
                        target.span,
                        help=_("facts do not change with the law: remove `as of`"),
                    )
                )
                binding = None
            return replace(e, target=replace(target, binding=binding), when=resolve(when, scope, report))
        case ast.ListExpr(items=items):
            return replace(e, items=tuple(resolve(i, scope, report) for i in items))
    raise AssertionError(f"unhandled node: {e!r}")


_WHAT = {
    ast.Binding.FACT: N_("a fact"),
    ast.Binding.TODAY: N_("the evaluation date"),
    ast.Binding.ENUM_VALUE: N_("an enum value"),
    ast.Binding.RULE: N_("a rule"),
    ast.Binding.PARAMETER: N_("a parameter"),
}


def _unknown(
    name: str,
    what: str,
    known: list[str],
    span: Span,
    expected: tuple[str, tuple[str, ...]] | None = None,
    lang: str = ENGLISH,
) -> Diagnostic:
    if expected is not None:  # the value of an enum-typed rule: most likely a misspelt enum value
        enum, values = expected
        close = difflib.get_close_matches(name, values, n=1, cutoff=0.5)
        hint = _("; did you mean `{name}`?").format(name=close[0]) if close else ""
        return Diagnostic(
            Code.UNKNOWN_REF,
            _("unknown name `{name}`{hint}").format(name=name, hint=hint),
            span,
            help=_("the values of `{enum}` are: {values}").format(enum=enum, values=", ".join(values)),
        )
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = _("; did you mean `{name}`?").format(name=close[0]) if close else ""
    sections = [KEYS[s] if lang == FRENCH else s for s in ("facts", "parameters", "rules")]
    help = _("declare it under `{facts}`, `{parameters}` or `{rules}`, or check its spelling").format(
        facts=sections[0], parameters=sections[1], rules=sections[2]
    )
    message = _("unknown {what} `{name}`{hint}").format(what=what, name=name, hint=hint)
    if what == "name":
        message = _("unknown name `{name}`{hint}").format(name=name, hint=hint)
    if what == "function":
        message = _("unknown function `{name}`{hint}").format(name=name, hint=hint)
        help = _("the functions are: {names}").format(names=", ".join(sorted(known)))
    return Diagnostic(Code.UNKNOWN_REF, message, span, help=None if close else help)
