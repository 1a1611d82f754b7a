"""Request and response models of the HTTP API, generated from the pack so that /openapi.json names
every fact with its type, French label and allowed values.

Money is exact: an amount is a JSON integer or a text such as "12.50"; a JSON float is refused
(pydantic's lax mode would silently turn 12.5 into a Decimal). Dates are ISO texts `YYYY-MM-DD`
only (lax mode would also take a number of seconds). Every fact is optional in the schema: a null
or absent fact takes its default, and the engine says which decisions needed a missing one.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    WithJsonSchema,
    create_model,
)

from engine import Catalogue, Duration, FactInfo, TypeInfo
from engine.i18n import _

MAX_TEXT = 2_000  # characters of a text fact
MAX_LIST = 200  # items of a list fact
_AMOUNT = r"^-?[0-9]{1,15}(\.[0-9]{1,12})?$"
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DURATION = re.compile(r"^([0-9]{1,4}) (day|days|week|weeks|month|months|year|years)$")


def _iso_date(value: object) -> object:
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(_("`{value}` is not a calendar date").format(value=value)) from None
    raise ValueError(_("must be a date written YYYY-MM-DD"))


def _exact_amount(value: object) -> object:
    if isinstance(value, float):
        raise ValueError(
            _('must be exact: a JSON integer or a text such as "12.50", not a JSON number with a decimal point')
        )
    return value


def _duration(value: object) -> object:
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(_("must be a duration such as `1 month`, `15 days`, `2 weeks` or `1 year`"))
    n, unit = int(match.group(1)), match.group(2).rstrip("s")
    return {"day": Duration(days=n), "week": Duration(days=7 * n), "month": Duration(months=n)}.get(
        unit, Duration(months=12 * n)
    )


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date"}),
]
ExactAmount = Annotated[
    StrictInt | Annotated[StrictStr, StringConstraints(pattern=_AMOUNT)],
    BeforeValidator(_exact_amount),
    WithJsonSchema({"oneOf": [{"type": "integer"}, {"type": "string", "pattern": _AMOUNT}]}),
]
DurationText = Annotated[
    Duration,
    BeforeValidator(_duration),
    WithJsonSchema({"type": "string", "pattern": _DURATION.pattern, "examples": ["1 month", "15 days"]}),
]
Text = Annotated[StrictStr, StringConstraints(max_length=MAX_TEXT)]


def python_type(ty: TypeInfo) -> Any:
    """The pydantic type of a value of policy type `ty` (without its optional marker)."""
    kind = ty.kind
    if kind == "enum" and ty.values:
        return Literal[tuple(v.value for v in ty.values)]
    if kind == "list":
        item = python_type(TypeInfo(text=ty.item or "text", kind=ty.item or "text", optional=False))
        return Annotated[list[item], Field(max_length=MAX_LIST)]  # type: ignore[valid-type]
    return {
        "bool": StrictBool,
        "int": StrictInt,
        "decimal": ExactAmount,
        "money": ExactAmount,
        "date": IsoDate,
        "duration": DurationText,
        "text": Text,
    }.get(kind, Text)


def fact_description(fact: FactInfo) -> str:
    lines = [f"{fact.label} ({fact.type.text})."]
    if fact.description:
        lines.append(fact.description)
    if fact.type.values:
        lines.append("Valeurs : " + " ; ".join(f"`{v.value}` : {v.label}" for v in fact.type.values) + ".")
    if fact.has_default:
        lines.append(f"Par défaut : `{fact.default}`.")
    elif fact.required:
        lines.append("Obligatoire pour les décisions qui le lisent.")
    return "\n\n".join(lines)


class ProblemField(BaseModel):
    field: str = Field(description="where the problem is, e.g. `facts.date_entree_rsa`")
    code: str = Field(description="stable code, e.g. `fact_type_error`, `unknown_fact`, `missing_fact`")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details (served as application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemField] = Field(default_factory=list)


class DecisionErrorModel(BaseModel):
    code: str = Field(description="`not_in_force`, `missing_fact` or `evaluation_error`")
    message: str
    culprit: str | None = Field(default=None, description="the rule, parameter or fact at fault")
    chain: list[str] = Field(default_factory=list, description="decision → … → culprit")


class EvaluateResponse(BaseModel):
    at: str = Field(description="evaluation date, YYYY-MM-DD")
    decisions: dict[str, Any] = Field(
        description="each decision computed: JSON value (amounts as exact texts, dates ISO) or null"
    )
    errors: dict[str, DecisionErrorModel] = Field(description="decisions that could not be computed, and why")


class ExplainResponse(BaseModel):
    decision: str
    label: str
    at: str
    value: Any = Field(description="the decision's value in its JSON form")
    text: str = Field(description="the explanation in French, plain text")
    markdown: str = Field(description="the same explanation as Markdown")
    tree: dict[str, Any] = Field(description="the structured explanation: each rule with its rows, inputs and sources")
    why_not: str | None = Field(default=None, description="why the decision is not `why_not` (when asked)")
    error: DecisionErrorModel | None = Field(default=None, description="the decision's own error, if it has one")


class BatchError(BaseModel):
    decision: str | None
    code: str
    column: str | None
    message: str


class Models:
    """The pack's request models: `Facts`, `EvaluateRequest`, `ExplainRequest`."""

    def __init__(self, catalogue: Catalogue) -> None:
        fields: dict[str, Any] = {}
        for name, fact in catalogue.facts.items():
            fields[name] = (
                python_type(fact.type) | None,
                Field(default=None, title=fact.label, description=fact_description(fact)),
            )
        forbid = ConfigDict(extra="forbid")
        self.facts: type[BaseModel] = create_model("Facts", __config__=forbid, **fields)
        self.facts.__doc__ = "The facts of one case. Absent or null: the fact's default applies."
        rule_names: Any = Literal[tuple(catalogue.rules)]
        facts_field = (self.facts, Field(default_factory=self.facts, description="the case's facts"))
        at_field = (IsoDate, Field(description="evaluation date: the law in force on that day applies"))
        self.evaluate: type[BaseModel] = create_model(
            "EvaluateRequest",
            __config__=forbid,
            facts=facts_field,
            at=at_field,
            decisions=(
                list[rule_names] | None,
                Field(default=None, max_length=len(catalogue.rules), description="default: every decision"),
            ),
        )
        self.explain: type[BaseModel] = create_model(
            "ExplainRequest",
            __config__=forbid,
            facts=facts_field,
            at=at_field,
            decision=(rule_names, Field(description="the decision (or rule) to explain")),
            why_not=(
                Annotated[StrictStr, StringConstraints(max_length=200)] | None,
                Field(default=None, description="also explain why the decision is not this value"),
            ),
        )
