"""Type checking: fills `ty` on every node, reports every error, poisons failed nodes.

Optional values must be handled before use; the checker follows `is null` tests, `??`,
`and`/`or` and the rows of decision tables to know where a name cannot be null.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from engine import ast
from engine.builtins import ROUNDING_MODES, TABLE
from engine.diagnostics import Code, Diagnostic, suggest
from engine.documents import EnumDecl
from engine.french import ENGLISH, FRENCH, KEYWORDS, NAMES
from engine.i18n import N_, _
from engine.resolve import Scope
from engine.source import Span
from engine.types import (
    BOOL,
    DATE,
    DECIMAL,
    DURATION,
    ERROR,
    INT,
    MONEY,
    NULL,
    TEXT,
    Kind,
    Type,
    enum_type,
    fits,
    list_of,
    unify,
)

Report = Callable[[Diagnostic], None]
Known = frozenset[str]  # names proven non-null at this point
_ORDERED = (Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.DATE)
_LITERAL_TYPES = {
    Kind.INT: INT,
    Kind.DECIMAL: DECIMAL,
    Kind.MONEY: MONEY,
    Kind.TEXT: TEXT,
    Kind.BOOL: BOOL,
    Kind.NULL: NULL,
    Kind.DATE: DATE,
    Kind.DURATION: DURATION,
}


def non_null_when(e: ast.Expr, truth: bool) -> Known:
    """Names that cannot be null when `e` evaluates to `truth`."""
    match e:
        case ast.IsNull(value=ast.Name(name=n), negated=neg) if truth == neg:
            return frozenset({n})
        case ast.Unary(op="not", operand=o):
            return non_null_when(o, not truth)
        case ast.Binary(op="and", left=a, right=b):
            return (
                non_null_when(a, True) | non_null_when(b, True)
                if truth
                else non_null_when(a, False) & non_null_when(b, False)
            )
        case ast.Binary(op="or", left=a, right=b):
            return (
                non_null_when(a, False) | non_null_when(b, False)
                if not truth
                else non_null_when(a, True) & non_null_when(b, True)
            )
        case ast.Binary(op="==", left=ast.Name(name=n), right=other) if truth and _never_null(other):
            return frozenset({n})
        case ast.Binary(op="==", left=other, right=ast.Name(name=n)) if truth and _never_null(other):
            return frozenset({n})
        case ast.In(value=ast.Name(name=n), negated=False) if truth:
            return frozenset({n})
        case ast.Binary(op="!=" | "==" as op, left=ast.Name(name=n), right=ast.Literal(kind=Kind.NULL)) if truth == (
            op == "!="
        ):
            return frozenset({n})
    return frozenset()


def _never_null(e: ast.Expr) -> bool:
    return isinstance(e, ast.Literal) and e.kind is not Kind.NULL


@dataclass
class Checker:
    scope: Scope
    enums: dict[str, EnumDecl]
    report_fn: Report
    language: Callable[[str], str] = lambda _file: ENGLISH  # a file → its language, for the hints

    def report(self, code: Code, message: str, span: Span, help: str | None = None) -> None:
        self.report_fn(Diagnostic(code, message, span, help=help))

    # -- entry points ---------------------------------------------------------------------------
    def result(self, e: ast.Expr, want: Type, known: Known, what: str) -> ast.Expr:
        """Check an expression whose value becomes a rule's, a parameter's or a fact's."""
        e = self.check(e, known, want)
        self.require(e, want, what)
        return e

    def require(self, e: ast.Expr, want: Type, what: str) -> None:
        got = e.ty or ERROR
        if fits(got, want):
            return
        if got.optional and fits(got.required(), want):
            self.report(
                Code.NULL,
                _("{what} is {a}, but this value may be null").format(what=what, a=want.a),
                e.span,
                _(
                    "declare the type as `{optional}`, or give a value for the null case "
                    "(`x ?? default`, `if x is not null then … else …`)"
                ).format(optional=want.as_optional()),
            )
            return
        self.report(
            Code.TYPE,
            _("{what} must be {a}, but this is {a2}").format(what=what, a=want.a, a2=got.a),
            e.span,
            _conversion_help(got, want),
        )

    def condition(self, e: ast.Expr, known: Known, what: str | None = None) -> ast.Expr:
        e = self.check(e, known, BOOL)
        self.value(e, BOOL, what if what is not None else _("a condition"))
        return e

    # -- helpers ----------------------------------------------------------------------------------
    def value(self, e: ast.Expr, want: Type | None, what: str) -> bool:
        """Report if `e` may be null, or is not of `want`'s kind. True when fine."""
        got = e.ty or ERROR
        if got.is_error:
            return False
        if got.optional:
            subject = f"`{e.name}`" if isinstance(e, ast.Name) else _("this value")
            self.report(
                Code.NULL,
                _("{subject} may be null, and {what} needs a value").format(subject=subject, what=what),
                e.span,
                _null_help(e, self.language(e.span.file)),
            )
            return False
        if want is not None and not fits(got, want):
            self.report(
                Code.TYPE,
                _("{what} needs {a}, but this is {a2}").format(what=what, a=want.a, a2=got.a),
                e.span,
                _conversion_help(got, want),
            )
            return False
        return True

    def check(self, e: ast.Expr, known: Known, expect: Type | None = None) -> ast.Expr:
        match e:
            case ast.Literal(kind=kind, value=v):
                if kind is Kind.TEXT and expect is not None and expect.kind is Kind.ENUM:
                    return self.enum_value(e, str(v), expect)
                return replace(e, ty=_LITERAL_TYPES[kind])
            case ast.Name(name=name, binding=binding):
                return self.name(e, name, binding, known, expect)
            case ast.Unary(op="not", operand=o):
                o = self.condition(o, known, "`not`")
                return replace(e, operand=o, ty=BOOL)
            case ast.Unary(operand=o):
                o = self.check(o, known, expect)
                ok = self.value(o, None, "`-`")
                if ok and (o.ty or ERROR).kind not in (Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.DURATION):
                    self.report(Code.TYPE, _("cannot negate {a}").format(a=(o.ty or ERROR).a), o.span)
                    ok = False
                return replace(e, operand=o, ty=o.ty if ok else ERROR)
            case ast.Binary(op="and" | "or" as op, left=a, right=b):
                a = self.condition(a, known, f"`{op}`")
                more = non_null_when(a, op == "and")
                b = self.condition(b, known | more, f"`{op}`")
                return replace(e, left=a, right=b, ty=BOOL)
            case ast.Binary(op="??", left=a, right=b):
                a = self.check(a, known, expect.as_optional() if expect else None)
                b = self.check(b, known, expect or (a.ty.required() if a.ty else None))
                ty = unify((a.ty or ERROR).required(), b.ty or ERROR)
                if ty is None:
                    self.report(
                        Code.TYPE,
                        _("`??` gives {a} or {a2}: they must be of one type").format(
                            a=(a.ty or ERROR).a, a2=(b.ty or ERROR).a
                        ),
                        e.span,
                    )
                    ty = ERROR
                elif not ty.is_error:
                    ty = ty.as_optional() if (b.ty and b.ty.optional) else ty.required()
                return replace(e, left=a, right=b, ty=ty)
            case ast.Binary(op="==" | "!=", left=a, right=b):
                a, b = self.pair(a, b, known)
                if unify(a.ty or ERROR, b.ty or ERROR) is None or _is_list(a) or _is_list(b):
                    self.report(
                        Code.TYPE,
                        _("cannot compare {a} with {a2}").format(a=(a.ty or ERROR).a, a2=(b.ty or ERROR).a),
                        e.span,
                    )
                return replace(e, left=a, right=b, ty=BOOL)
            case ast.Binary(op="<" | "<=" | ">" | ">=" as op, left=a, right=b):
                a, b = self.pair(a, b, known)
                ok = self.value(a, None, f"`{op}`") & self.value(b, None, f"`{op}`")
                if ok:
                    common = unify(a.ty or ERROR, b.ty or ERROR)
                    if common is None or common.kind not in (*_ORDERED, Kind.ERROR):
                        help = (
                            _("durations cannot be ordered (is 1 month more than 30 days?)")
                            if Kind.DURATION in ((a.ty or ERROR).kind, (b.ty or ERROR).kind)
                            else None
                        )
                        self.report(
                            Code.TYPE,
                            _("cannot order {a} and {a2} with `{op}`").format(
                                a=(a.ty or ERROR).a, a2=(b.ty or ERROR).a, op=op
                            ),
                            e.span,
                            help,
                        )
                return replace(e, left=a, right=b, ty=BOOL)
            case ast.Binary(op=op, left=a, right=b):
                a = self.check(a, known, expect)
                b = self.check(b, known, expect if op in "+-" else None)
                ok = self.value(a, None, f"`{op}`") & self.value(b, None, f"`{op}`")
                ok = self.operands(op, a, b) and ok
                ty = self.arithmetic(op, a.ty or ERROR, b.ty or ERROR, e.span) if ok else ERROR
                return replace(e, left=a, right=b, ty=ty)
            case ast.If(cond=c, then=t, orelse=o):
                c = self.condition(c, known, "`if`")
                t = self.check(t, known | non_null_when(c, True), expect)
                o = self.check(o, known | non_null_when(c, False), expect)
                ty = unify(t.ty or ERROR, o.ty or ERROR)
                if ty is None:
                    self.report(
                        Code.TYPE,
                        _("the branches give {a} and {a2}: they must be of one type").format(
                            a=(t.ty or ERROR).a, a2=(o.ty or ERROR).a
                        ),
                        e.span,
                        _("make both branches the same type"),
                    )
                    ty = ERROR
                return replace(e, cond=c, then=t, orelse=o, ty=ty)
            case ast.In(value=v, items=items):
                v = self.check(v, known)
                items = self.list_items(items, v.ty or ERROR, known)
                item_ty = (items.ty.item if items.ty else None) or ERROR
                if not (v.ty or ERROR).is_error and unify((v.ty or ERROR).required(), item_ty) is None:
                    self.report(
                        Code.TYPE,
                        _("cannot look for {a} in a list of {item_ty}").format(a=(v.ty or ERROR).a, item_ty=item_ty),
                        e.span,
                    )
                return replace(e, value=v, items=items, ty=BOOL)
            case ast.IsNull(value=v):
                return replace(e, value=self.check(v, known), ty=BOOL)
            case ast.Call():
                return self.call(e, known)
            case ast.AsOf(target=target, when=when):
                when = self.check(when, known, DATE)
                self.value(when, DATE, _("`as of`"))
                ty = self.scope.type_of(target.name) if target.binding else None
                return replace(e, when=when, target=replace(target, ty=ty or ERROR), ty=ty or ERROR)
            case ast.ListExpr() if expect is not None and expect.kind is Kind.LIST and expect.item is not None:
                return self.list_items(e, expect.item, known)
            case ast.ListExpr():
                self.report(Code.TYPE, _("a list can only follow `in`"), e.span, _("write `x in [a, b]`"))
                return replace(e, ty=ERROR)
        raise AssertionError(f"unhandled node: {e!r}")

    def name(self, e: ast.Name, name: str, binding: ast.Binding | None, known: Known, expect: Type | None) -> ast.Expr:
        if binding is None:
            return replace(e, ty=ERROR)
        if binding is ast.Binding.TODAY:
            return replace(e, ty=DATE)
        if binding is ast.Binding.ENUM_VALUE:
            return self.enum_value(e, name, expect)
        ty = self.scope.type_of(name) or ERROR
        return replace(e, ty=ty.required() if name in known else ty)

    def enum_value(self, e: ast.Expr, value: str, expect: Type | None) -> ast.Expr:
        owners = self.scope.enum_values.get(value, ())
        if expect is not None and expect.kind is Kind.ENUM:
            enum = self.enums.get(expect.enum or "")
            if enum is not None and value in dict(enum.values):
                return replace(e, ty=enum_type(enum.name))
            choices = [v for v, _ in enum.values] if enum else []
            self.report(
                Code.UNKNOWN_REF,
                _("`{value}` is not a value of `{enum}`{suggest}").format(
                    value=value, enum=expect.enum, suggest=suggest(value, choices)
                ),
                e.span,
                _("the values of `{enum}` are: {values}").format(enum=expect.enum, values=", ".join(choices)),
            )
            return replace(e, ty=ERROR)
        if isinstance(e, ast.Literal):
            return replace(e, ty=TEXT)
        if len(owners) == 1:
            return replace(e, ty=enum_type(owners[0]))
        self.report(
            Code.TYPE,
            _("`{value}` is a value of several enums ({enums}): which one is meant?").format(
                value=value, enums=", ".join(owners)
            ),
            e.span,
            _("compare it with a fact or rule of the enum's type"),
        )
        return replace(e, ty=ERROR)

    def pair(self, a: ast.Expr, b: ast.Expr, known: Known) -> tuple[ast.Expr, ast.Expr]:
        """Check two compared operands; an enum on one side gives bare values on the other their enum."""
        if _bare(a) and not _bare(b):
            b = self.check(b, known)
            a = self.check(a, known, b.ty)
        else:
            a = self.check(a, known)
            b = self.check(b, known, a.ty)
        return a, b

    def list_items(self, items: ast.Expr, value: Type, known: Known) -> ast.Expr:
        if isinstance(items, ast.ListExpr):
            want = value.required() if not value.is_error else None
            checked = tuple(self.check(i, known, want) for i in items.items)
            item_ty: Type | None = want
            for i in checked:
                self.value(i, None, _("a list item"))
                item_ty = unify(item_ty, i.ty or ERROR) if item_ty is not None else (i.ty or ERROR)
                if item_ty is None:
                    self.report(Code.TYPE, _("the items of a list must all be of one type"), items.span)
                    item_ty = ERROR
            return replace(items, items=checked, ty=list_of(item_ty or ERROR))
        checked_items = self.check(items, known)
        ty = checked_items.ty or ERROR
        if not ty.is_error and ty.kind is not Kind.LIST:
            self.report(
                Code.TYPE, _("`in` needs a list, but this is {a}").format(a=ty.a), items.span, _("write `x in [a, b]`")
            )
            return replace(checked_items, ty=list_of(ERROR))
        return checked_items

    def operands(self, op: str, a: ast.Expr, b: ast.Expr) -> bool:
        """Each operand alone must be of a kind `op` can use; report each one that is not."""
        allowed = _ARITHMETIC[op]
        fine = True
        for side in (a, b):
            ty = side.ty or ERROR
            if not ty.is_error and not ty.optional and ty.kind not in allowed:  # nulls: reported by value()
                subject = f"`{side.name}`" if isinstance(side, ast.Name) else _("this value")
                self.report(
                    Code.TYPE,
                    _("`{op}` works on {ARITHMETIC_WORDS}, but {subject} is {a}").format(
                        op=op, ARITHMETIC_WORDS=_(_ARITHMETIC_WORDS[op]), subject=subject, a=ty.a
                    ),
                    side.span,
                )
                fine = False
        return fine

    def arithmetic(self, op: str, a: Type, b: Type, span: Span) -> Type:
        if a.is_error or b.is_error:
            return ERROR
        ka, kb = a.kind, b.kind
        num = (Kind.INT, Kind.DECIMAL)
        if op in "+-":
            if ka in num and kb in num:
                return INT if ka is kb is Kind.INT else DECIMAL
            if ka is kb and ka in (Kind.MONEY, Kind.DURATION):
                return a
            if ka is Kind.DATE and kb is Kind.DURATION:
                return DATE
            if op == "+" and ka is Kind.DURATION and kb is Kind.DATE:
                return DATE
            help = None
            if ka is kb is Kind.DATE and op == "-":
                help = _("to count days between two dates, write days_between(a, b)")
            elif {ka, kb} == {Kind.MONEY, Kind.INT} or {ka, kb} == {Kind.MONEY, Kind.DECIMAL}:
                help = _("write amounts with their unit, e.g. `500 €`")
            elif Kind.DATE in (ka, kb) and Kind.INT in (ka, kb):
                help = _("add a duration: `d + 3 days`, `d + 1 month`")
            self.report(
                Code.TYPE,
                (_("cannot add {b} to {a}") if op == "+" else _("cannot subtract {b} from {a}")).format(a=a.a, b=b.a),
                span,
                help,
            )
            return ERROR
        if op == "*":
            if ka in num and kb in num:
                return INT if ka is kb is Kind.INT else DECIMAL
            if Kind.MONEY in (ka, kb) and (ka in num or kb in num):
                return MONEY
            if Kind.DURATION in (ka, kb) and Kind.INT in (ka, kb):
                return DURATION
            self.report(Code.TYPE, _("cannot multiply {a} by {a2}").format(a=a.a, a2=b.a), span)
            return ERROR
        if op == "/":
            if ka in num and kb in num:
                return DECIMAL
            if ka is Kind.MONEY and kb in num:
                return MONEY
            if ka is kb is Kind.MONEY:
                return DECIMAL
            self.report(Code.TYPE, _("cannot divide {a} by {a2}").format(a=a.a, a2=b.a), span)
            return ERROR
        raise AssertionError(f"unknown operator {op}")

    def call(self, e: ast.Call, known: Known) -> ast.Expr:
        builtin = TABLE.get(e.func)
        args = tuple(self.check(a, known) for a in e.args)
        if builtin is None:  # reported by resolve
            return replace(e, args=args, ty=ERROR)
        func, usage = e.func, builtin.usage
        if self.language(e.span.file) == FRENCH and func in NAMES:  # the name the file writes
            func, usage = NAMES[func], NAMES[func] + usage.removeprefix(func)
        fine = all([self.value(a, None, f"`{func}`") for a in args])
        result = builtin.signature([a.ty or ERROR for a in args])
        if isinstance(result, str):
            self.report(Code.TYPE, f"`{func}` {result}", e.span, _("usage: {usage}").format(usage=usage))
            return replace(e, args=args, ty=ERROR)
        if e.func == "round" and len(args) == 3:
            mode = args[2]
            if not (isinstance(mode, ast.Literal) and mode.value in ROUNDING_MODES):
                self.report(
                    Code.TYPE,
                    _("the rounding mode must be written out: one of {modes}").format(modes=", ".join(ROUNDING_MODES)),
                    mode.span,
                    'e.g. round(x, 2, "half_up")',
                )
        return replace(e, args=args, ty=result if fine else ERROR)


_ARITHMETIC = {
    "+": (Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.DATE, Kind.DURATION),
    "-": (Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.DATE, Kind.DURATION),
    "*": (Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.DURATION),
    "/": (Kind.INT, Kind.DECIMAL, Kind.MONEY),
}
_ARITHMETIC_WORDS = {
    "+": N_("numbers, amounts, dates and durations"),
    "-": N_("numbers, amounts, dates and durations"),
    "*": N_("numbers, amounts and durations"),
    "/": N_("numbers and amounts"),
}


def _bare(e: ast.Expr) -> bool:
    return (isinstance(e, ast.Name) and e.binding is ast.Binding.ENUM_VALUE) or (
        isinstance(e, ast.Literal) and e.kind is Kind.TEXT
    )


def _is_list(e: ast.Expr) -> bool:
    return e.ty is not None and e.ty.kind is Kind.LIST


def _null_help(e: ast.Expr, lang: str = ENGLISH) -> str:
    words = {en: " ".join(KEYWORDS[tuple(en.split())]) if lang == FRENCH else en for en in _HELP_WORDS}
    known = words["is not null"]
    if isinstance(e, ast.Name):
        return _(
            "handle the null case first: `{if_} {n} {known} {then} … {else_} …`, or give a default: `{n} ?? …`"
        ).format(n=e.name, if_=words["if"], known=known, then=words["then"], else_=words["else"])
    return _("handle the null case first (`{known}`), or give a default with `??`").format(known=known)


_HELP_WORDS = ("if", "then", "else", "is not null")


def _conversion_help(got: Type, want: Type) -> str | None:
    if got.kind in (Kind.INT, Kind.DECIMAL) and want.kind is Kind.MONEY:
        return _("write amounts with their unit, e.g. `500 €`")
    if got.kind is Kind.TEXT and want.kind is Kind.ENUM:
        return _("write one of the values of `{enum}`").format(enum=want.enum)
    return None
