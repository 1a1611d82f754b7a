"""« Essayer un cas »: the form generated from the facts, the case read from the URL's query, the
decisions with their explanation trees, and the case as a downloadable case file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine import CaseError, Catalogue, FactInfo, Policy, PolicyError
from engine.i18n import _
from engine.web.schemas import _duration

_YES, _NO = "oui", "non"


@dataclass
class FormField:
    name: str
    label: str
    description: str | None
    widget: str  # yesno, date, enum, amount, int, text, duration, list
    value: str  # as given in the query ("" when absent)
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    default: str = ""  # the default, in words
    error: str | None = None


@dataclass
class DecisionResult:
    name: str
    label: str
    type_text: str
    value: object = None
    error: str | None = None
    error_code: str | None = None
    tree: dict[str, Any] | None = None
    text: str = ""
    why_not: str | None = None
    why_not_value: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # values to ask "why not?" about


def widget_of(fact: FactInfo) -> str:
    kind = fact.type.kind
    return {"bool": "yesno", "date": "date", "enum": "enum", "money": "amount", "decimal": "amount"}.get(kind, kind)


def parse_case(
    catalogue: Catalogue, query: Mapping[str, str]
) -> tuple[dict[str, object], date | None, dict[str, str], list[FormField]]:
    """The query's facts (typed as the engine wants them), `at`, problems by field, and the form's fields."""
    facts: dict[str, object] = {}
    problems: dict[str, str] = {}
    fields: list[FormField] = []
    for name, fact in catalogue.facts.items():
        raw = (query.get(name) or "").strip()
        widget = widget_of(fact)
        options = [(v.value, v.label) for v in fact.type.values or []]
        default = "" if not fact.has_default or fact.default is None else json.dumps(fact.default, ensure_ascii=False)
        if widget == "yesno" and fact.has_default:
            default = _YES if fact.default else _NO
        fields.append(FormField(name, fact.label, fact.description, widget, raw, options, default))
        if not raw:
            continue
        if widget == "yesno":
            if raw not in (_YES, _NO):
                problems[name] = _("answer yes or no")
                continue
            facts[name] = raw == _YES
        elif widget == "int":
            try:
                facts[name] = int(raw)
            except ValueError:
                problems[name] = _("a whole number is expected")
        elif widget == "duration":
            try:
                facts[name] = _duration(raw)
            except ValueError:
                problems[name] = _("a duration such as `1 month` or `15 days` is expected")
        elif widget == "list":
            facts[name] = [v.strip() for v in raw.split(";") if v.strip()]
        elif widget == "amount":
            facts[name] = raw.replace(",", ".").replace(" ", "").replace("€", "")
        else:
            facts[name] = raw
    at: date | None = None
    raw_at = (query.get("at") or "").strip()
    if raw_at:
        try:
            at = date.fromisoformat(raw_at)
        except ValueError:
            problems["at"] = _("a date written YYYY-MM-DD is expected")
    for f in fields:
        f.error = problems.get(f.name)
    return facts, at, problems, fields


def evaluate_case(
    policy: Policy, facts: dict[str, object], at: date, why_not: tuple[str, str] | None
) -> tuple[list[DecisionResult], dict[str, str], str | None]:
    """Every decision of the case with its explanation tree; (results, problems by fact, a general error)."""
    catalogue = policy.catalogue
    try:
        decision = policy.evaluate(facts, at)
    except CaseError as exc:
        by_fact: dict[str, str] = {}
        general = []
        for d in exc.diagnostics:
            names = [n for n in d.message.split("`")[1::2] if n in catalogue.facts]
            if names:
                by_fact[names[0]] = d.message
            else:
                general.append(d.message)
        return [], by_fact, "; ".join(general) or _("The case does not fit the policy: see the fields marked.")
    except PolicyError as exc:
        return [], {}, "; ".join(d.message for d in exc.diagnostics)
    data = decision.to_dict()
    values = data.get("decisions", data)
    errors = data.get("errors", {})
    results = []
    for name in catalogue.decisions:
        info = catalogue.rules[name]
        result = DecisionResult(
            name,
            info.label,
            info.type.text,
            options=[(v.value, v.label) for v in info.type.values or []],
        )
        if isinstance(errors, dict) and name in errors:
            result.error = str(errors[name].get("message"))
            result.error_code = str(errors[name].get("code"))
        elif isinstance(values, dict):
            result.value = values.get(name)
            try:
                explanation = decision.explain(name)
                result.tree = nest(explanation.to_dict())
                result.text = explanation.to_text()
                if why_not is not None and why_not[0] == name:
                    result.why_not_value = why_not[1]
                    result.why_not = explanation.why_not(why_not[1])
            except PolicyError as exc:
                result.error = "; ".join(d.message for d in exc.diagnostics)
        results.append(result)
    return results, {}, None


def case_file(catalogue: Catalogue, facts: Mapping[str, object], at: date | None, title: str) -> str:
    """The case as a case file (`policy eval` / `policy explain` read it). JSON scalars are valid YAML."""
    lines = [f"description: {json.dumps(title, ensure_ascii=False)}"]
    if at is not None:
        lines.append(f"at: {at.isoformat()}")
    lines.append("facts:" if facts else "facts: {}")
    for name in catalogue.facts:
        if name not in facts:
            continue
        value = facts[name]
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int):
            text = str(value)
        elif isinstance(value, list):
            text = json.dumps(value, ensure_ascii=False)
        elif catalogue.facts[name].type.kind == "date":
            text = str(value)
        else:
            text = json.dumps(str(value), ensure_ascii=False)
        lines.append(f"  {name}: {text}")
    return "\n".join(lines) + "\n"


def nest(explanation: Mapping[str, Any]) -> dict[str, Any] | None:
    """The explanation's flat JSON records (`records`, each with `depends_on` naming the rules it read)
    as one tree for display: each record under the first rule that read it, `children` in reading
    order; a record met again is a short reference (`seen`) instead of a second copy."""
    records = explanation.get("records") or []
    index = {(r["rule"], r["law_date"]): r for r in records}
    if not records:
        return None
    root = {**records[0], "children": []}
    placed = {(root["rule"], root["law_date"])}
    stack = [root]  # iterative: no recursion limit however long the chain
    while stack:
        node = stack.pop()
        for dep in node.get("depends_on", []):
            key = (dep["rule"], dep["law_date"])
            record = index.get(key)
            if record is None:
                continue
            if key in placed:
                node["children"].append({**record, "children": [], "seen": True})
                continue
            placed.add(key)
            child = {**record, "children": []}
            node["children"].append(child)
            stack.append(child)
    return root
