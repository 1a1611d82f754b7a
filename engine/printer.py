"""engine.ast → expression text that parses back to an equal AST (used in explanations and tests)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from engine import ast
from engine.calendar import Duration
from engine.french import ENGLISH, KEYWORDS, NAMES
from engine.types import Kind

# Binding strength of each printed form; higher binds tighter (mirrors grammar.lark).
_IF, _OR, _AND, _NOT, _CMP, _COALESCE, _SUM, _PRODUCT, _UNARY, _POSTFIX, _ATOM = range(11)
_BINARY = {"or": _OR, "and": _AND, "??": _COALESCE, "+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT}


def to_text(e: ast.Expr, lang: str = ENGLISH) -> str:
    """The expression in English or French words (`lang`: "en" or "fr"); both parse back to `e`."""
    return _print(e, _WORDS[lang])[0]


_WORDS = {
    "en": {" ".join(en): " ".join(en) for en in KEYWORDS},
    "fr": {" ".join(en): " ".join(fr) for en, fr in KEYWORDS.items()},
}


def literal_text(value: object, kind: Kind, lang: str = ENGLISH) -> str:
    words = _WORDS[lang]
    if kind is Kind.NULL or value is None:
        return words["null"]
    if kind is Kind.BOOL:
        return words["true"] if value else words["false"]
    if kind is Kind.MONEY:
        return f"{_number(value)} €"
    if kind is Kind.TEXT:
        escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    if kind is Kind.DATE and isinstance(value, date):
        return value.isoformat()
    if kind is Kind.DURATION and isinstance(value, Duration):
        return _duration(value, lang)
    if kind is Kind.DECIMAL and isinstance(value, Decimal):
        # A decimal written without a point would read back as a whole number (an int).
        text = _number(value)
        return text if "." in text else text + ".0"
    if isinstance(value, Decimal | int):
        return _number(value)
    return str(value)


def _number(value: object) -> str:
    """Plain positional digits, never an exponent (`1E-7` and `-1.0E+28` do not parse)."""
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text + ".0" if value.as_tuple().exponent != 0 and "." not in text else text
    return str(value)


def _duration(d: Duration, lang: str = ENGLISH) -> str:
    parts = []
    month, day = ("mois", "jour") if lang != ENGLISH else ("month", "day")
    if d.months:
        parts.append(f"{abs(d.months)} {month}" + ("s" if abs(d.months) != 1 and lang == ENGLISH else ""))
    if d.days or not parts:
        parts.append(f"{abs(d.days)} {day}" + ("s" if abs(d.days) != 1 else ""))
    if d.months and d.days:
        sign_m = "-" if d.months < 0 else ""
        sign_d = "-" if d.days < 0 else "+"
        return f"({sign_m}{parts[0]} {sign_d} {parts[1]})"
    return ("-" if (d.months or d.days) < 0 else "") + parts[0]


def _wrap(pair: tuple[str, int], level: int) -> str:
    text, own = pair
    return f"({text})" if own < level else text


def _print(e: ast.Expr, w: dict[str, str]) -> tuple[str, int]:
    lang = ENGLISH if w["and"] == "and" else "fr"
    match e:
        case ast.Literal(value=v, kind=k):
            text = literal_text(v, k, lang)
            negative = text.startswith("-") or text.startswith("(")
            return text, (_UNARY if negative else _ATOM)
        case ast.Name(name=n):
            return (NAMES["today"] if n == "today" and lang != ENGLISH else n), _ATOM
        case ast.Unary(op="not", operand=o):
            return f"{w['not']} {_wrap(_print(o, w), _NOT)}", _NOT
        case ast.Unary(op=op, operand=o):
            return f"{op}{_wrap(_print(o, w), _UNARY)}", _UNARY
        case ast.Binary(op=op, left=a, right=b) if op in _BINARY:
            level = _BINARY[op]
            if op == "??":  # right-associative
                return f"{_wrap(_print(a, w), level + 1)} ?? {_wrap(_print(b, w), level)}", level
            said = w.get(op, op)
            return f"{_wrap(_print(a, w), level)} {said} {_wrap(_print(b, w), level + 1)}", level
        case ast.Binary(op=op, left=a, right=b):  # comparisons do not chain
            return f"{_wrap(_print(a, w), _COALESCE)} {op} {_wrap(_print(b, w), _COALESCE)}", _CMP
        case ast.If(cond=c, then=t, orelse=o):
            return f"{w['if']} {_print(c, w)[0]} {w['then']} {_print(t, w)[0]} {w['else']} {_print(o, w)[0]}", _IF
        case ast.In(value=v, items=i, negated=neg):
            op = w["not in"] if neg else w["in"]
            return f"{_wrap(_print(v, w), _COALESCE)} {op} {_wrap(_print(i, w), _COALESCE)}", _CMP
        case ast.IsNull(value=v, negated=neg):
            return f"{_wrap(_print(v, w), _COALESCE)} {w['is not null'] if neg else w['is null']}", _CMP
        case ast.Call(func=f, args=args):
            name = NAMES.get(f, f) if lang != ENGLISH else f
            return f"{name}({', '.join(_print(a, w)[0] for a in args)})", _ATOM
        case ast.AsOf(target=t, when=when):
            return f"{t.name} {w['as of']} {_wrap(_print(when, w), _ATOM)}", _POSTFIX
        case ast.ListExpr(items=items):
            return f"[{', '.join(_print(i, w)[0] for i in items)}]", _ATOM
    raise AssertionError(f"unhandled node: {e!r}")
