"""The type language: bool, int, decimal, money, date, duration, text, enums, lists, optionals."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from enum import StrEnum

from engine.french import ENGLISH, FRENCH, TYPES, TYPES_FR
from engine.i18n import _


class Kind(StrEnum):
    BOOL = "bool"
    INT = "int"
    DECIMAL = "decimal"
    MONEY = "money"
    DATE = "date"
    DURATION = "duration"
    TEXT = "text"
    ENUM = "enum"
    LIST = "list"
    NULL = "null"  # the type of the literal `null`: fits any optional type
    ERROR = "error"  # poisoned: already reported, never reported again


@dataclass(frozen=True, slots=True)
class Type:
    kind: Kind
    optional: bool = False
    enum: str | None = None  # name of the enum when kind is ENUM
    item: Type | None = None  # element type when kind is LIST

    def __str__(self) -> str:
        if self.kind is Kind.ENUM:
            base = str(self.enum)
        elif self.kind is Kind.LIST:
            base = f"list[{self.item}]"
        else:
            base = self.kind.value
        return base + ("?" if self.optional and self.kind is not Kind.NULL else "")

    @property
    def a(self) -> str:
        """The type in words for messages: "a date", "an int", "an organisme" (« une valeur de type date »)."""
        text = str(self)
        return (_("an {type}") if text[:1] in "aeiou" else _("a {type}")).format(type=text)

    def as_optional(self) -> Type:
        return self if self.optional or self.kind in (Kind.NULL, Kind.ERROR) else replace(self, optional=True)

    def required(self) -> Type:
        return replace(self, optional=False) if self.optional else self

    @property
    def is_error(self) -> bool:
        return self.kind is Kind.ERROR

    @property
    def is_numeric(self) -> bool:
        return self.kind in (Kind.INT, Kind.DECIMAL)


BOOL = Type(Kind.BOOL)
INT = Type(Kind.INT)
DECIMAL = Type(Kind.DECIMAL)
MONEY = Type(Kind.MONEY)
DATE = Type(Kind.DATE)
DURATION = Type(Kind.DURATION)
TEXT = Type(Kind.TEXT)
NULL = Type(Kind.NULL, optional=True)
ERROR = Type(Kind.ERROR)

_SCALARS = {t.kind.value: t for t in (BOOL, INT, DECIMAL, MONEY, DATE, DURATION, TEXT)}
_NAME = re.compile(r"[a-z][a-z0-9_]*")  # always fullmatch: `$` would accept a final newline
_LIST = re.compile(r"list\[\s*([a-z][a-z0-9_]*)\s*\]")
_LIST_FR = re.compile(r"liste\[\s*([a-zé][a-zé0-9_]*)\s*\]")


def enum_type(name: str, optional: bool = False) -> Type:
    return Type(Kind.ENUM, optional=optional, enum=name)


def list_of(item: Type) -> Type:
    return Type(Kind.LIST, item=item)


def parse_type(text: str, enums: frozenset[str] | set[str], lang: str = ENGLISH) -> Type | str:
    """`date?`, `money`, `organisme`, `list[text]` → Type, or a message saying what is wrong,
    which names the types as a file in `lang` ("en" or "fr") writes them."""
    raw = text.strip()
    optional = raw.endswith("?")
    base = raw[:-1].strip() if optional else raw
    listed = _LIST.fullmatch(base) or _LIST_FR.fullmatch(base)
    if listed:
        item = parse_type(listed.group(1), enums, lang)
        if isinstance(item, str):
            return item
        if optional:
            return _("a list cannot be optional")
        return list_of(item)
    base = TYPES_FR.get(base, base)  # `montant?` is `money?`
    if base in _SCALARS:
        return replace(_SCALARS[base], optional=optional)
    if base in enums:
        return enum_type(base, optional)
    if not _NAME.fullmatch(base):
        return _("`{raw}` is not a type").format(raw=raw)
    scalars = [TYPES.get(s, s) for s in _SCALARS] if lang == FRENCH else list(_SCALARS)
    known = sorted([*scalars, *enums])
    close = difflib.get_close_matches(base, known, n=1, cutoff=0.6)
    message = _("unknown type `{base}` (types are {join}, optionally followed by `?`)").format(
        base=base, join=", ".join(known)
    )
    return message + (_("; did you mean `{name}`?").format(name=close[0]) if close else "")


def fits(value: Type, target: Type) -> bool:
    """Can a value of type `value` be used where `target` is expected (no implicit money)?"""
    if value.is_error or target.is_error:
        return True
    if value.kind is Kind.NULL:
        return target.optional
    if value.optional and not target.optional:
        return False
    if value.kind is target.kind:
        if value.kind is Kind.ENUM:
            return value.enum == target.enum
        if value.kind is Kind.LIST:
            return value.item is not None and target.item is not None and fits(value.item, target.item)
        return True
    return value.kind is Kind.INT and target.kind in (Kind.DECIMAL, Kind.MONEY)


def unify(a: Type, b: Type) -> Type | None:
    """The common type of two branches (if/else, `??`, table values), or None."""
    if a.is_error:
        return b
    if b.is_error:
        return a
    if a.kind is Kind.NULL:
        return b.as_optional()
    if b.kind is Kind.NULL:
        return a.as_optional()
    optional = a.optional or b.optional
    if a.kind is b.kind and a.enum == b.enum and a.item == b.item:
        return replace(a, optional=optional)
    numeric = {a.kind, b.kind}
    if numeric <= {Kind.INT, Kind.DECIMAL, Kind.MONEY}:
        kind = Kind.MONEY if Kind.MONEY in numeric else Kind.DECIMAL
        return Type(kind, optional=optional)
    return None
