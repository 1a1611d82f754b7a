"""Values as receipts write them: canonical JSON values (ISO dates, amounts as normalised text)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from engine.calendar import Duration


def canonical_value(value: object) -> object:
    """A fact, parameter or decision value as receipt JSON: ISO dates, amounts as normalised
    strings (`Decimal("500.00")` → `"500"`), durations as text, sets as sorted lists, no floats."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return _decimal_text(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, frozenset | set | list | tuple):
        items = [canonical_value(v) for v in value]
        if isinstance(value, frozenset | set):
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
        return items
    if isinstance(value, Mapping):
        return {str(k): canonical_value(v) for k, v in value.items()}
    return str(value)


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        return str(value)
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text
