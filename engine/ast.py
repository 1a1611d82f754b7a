"""The expression AST: frozen, slotted nodes, each with a file span kept out of equality.

`ty` is filled in by the checker only; `binding` by the resolver only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias

from engine.calendar import Duration
from engine.source import UNKNOWN, Span
from engine.types import Kind, Type


class Binding(StrEnum):
    FACT = "fact"
    PARAMETER = "parameter"
    RULE = "rule"
    ENUM_VALUE = "enum_value"
    TODAY = "today"


LiteralValue: TypeAlias = bool | int | Decimal | str | date | Duration | None


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant. `kind` says how it was written: INT, DECIMAL, MONEY, TEXT, BOOL, NULL, DATE, DURATION."""

    value: LiteralValue
    kind: Kind
    span: Span = field(default=UNKNOWN, compare=False, repr=False)
    ty: Type | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    span: Span = field(default=UNKNOWN, compare=False, repr=False)
    ty: Type | None = field(default=None, compare=False, repr=False)
    binding: Binding | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" or "not"
    operand: Expr
    span: Span = field(default=UNKNOWN, compare=False, repr=False)
    ty: Type | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # + - * / == != < <= > >= and or ??
    left: Expr
    right: Expr
    span: Span = field(default=UNKNOWN, compare=False, repr=False)
    ty: Type | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: Expr
    orelse: Expr
    span: Span = field(default=UNKNOWN, compare=False, repr=False)
    ty: Type | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class In:
    value: Expr
    items: Expr  # a ListExpr or a list-typed name
    negated: bool
    span: Span = field(default=UNKNOWN, compare=False, repr=False)
    ty: Type | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class IsNull:
    value: Expr
    negated: bool  # True for `is not null`
    span: Span = field(default=UNKNOWN, compare=False, repr=False)
    ty: Type | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    span: Span = field(default=UNKNOWN, compare=False, repr=False)
    ty: Type | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class AsOf:
    """`target as of when`: the rule or parameter `target` under the law in force on `when`."""

    target: Name
    when: Expr
    span: Span = field(default=UNKNOWN, compare=False, repr=False)
    ty: Type | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Expr, ...]
    span: Span = field(default=UNKNOWN, compare=False, repr=False)
    ty: Type | None = field(default=None, compare=False, repr=False)


Expr: TypeAlias = Literal | Name | Unary | Binary | If | In | IsNull | Call | AsOf | ListExpr


def children(e: Expr) -> tuple[Expr, ...]:
    match e:
        case Literal() | Name():
            return ()
        case Unary(operand=o):
            return (o,)
        case Binary(left=a, right=b):
            return (a, b)
        case If(cond=c, then=t, orelse=o):
            return (c, t, o)
        case In(value=v, items=i):
            return (v, i)
        case IsNull(value=v):
            return (v,)
        case Call(args=args):
            return args
        case AsOf(target=t, when=w):
            return (t, w)
        case ListExpr(items=items):
            return items
    raise AssertionError(f"unhandled node: {e!r}")


def walk(e: Expr) -> list[Expr]:
    """Every node of `e`, parents before children (iterative: depth is bounded anyway)."""
    out: list[Expr] = []
    stack = [e]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(children(node)))
    return out


def names(e: Expr) -> list[Name]:
    return [n for n in walk(e) if isinstance(n, Name)]
