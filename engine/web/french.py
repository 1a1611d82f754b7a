"""Formulas in readable French for the explorer: names become their labels (linked to their pages),
operators and keywords become words. The formula as written is always shown next to it."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from markupsafe import Markup, escape

from engine import Catalogue
from engine.french import UNITS, UNITS_FR, english_words

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<date>\d{4}-\d{2}-\d{2})
      | (?P<num>\d+(?:\.\d+)?)
      | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|<=|>=|\?\?|[<>+\-*/(),\[\]€])
      | (?P<other>.)""",
    re.VERBOSE,
)
_WORDS = {
    "and": "et",
    "or": "ou",
    "not": "non",
    "true": "oui",
    "false": "non",
    "null": "non renseigné",
    "in": "parmi",
    "if": "si",
    "then": "alors",
    "else": "sinon",
    "today": "la date d'évaluation",
    "EUR": "€",
}
_PHRASES = {
    ("is", "not", "null"): "est renseigné",
    ("is", "null"): "n'est pas renseigné",
    ("not", "in"): "hors de",
    ("as", "of"): "en vigueur au",
}
_OPERATORS = {"==": "=", "!=": "≠", "<=": "≤", ">=": "≥", "??": "à défaut", "*": "×"}
# A unit after a number, in either language, read in French.
_UNITS = {**UNITS, **{unit: unit for unit in UNITS_FR}}

Link = Callable[[str], str | None]


def readable(formula: str, catalogue: Catalogue, link: Link) -> Markup:
    """`not soumis_droits_et_devoirs` → « non <a>Soumis aux droits et devoirs</a> » (HTML, escaped)."""
    values = {v.value: v.label for e in catalogue.enums.values() for v in e.values}
    tokens = [(m.lastgroup or "other", m.group()) for m in _TOKEN.finditer(formula)]
    written = [(kind, text) for kind, text in tokens if kind != "ws"]
    # French keywords and builtin names read as their English forms, which the tables below know.
    words = [
        (written[i][0] if word == written[i][1] else "name", word)
        for i, word in english_words([text for _, text in written])
    ]
    out: list[str] = []
    i = 0
    while i < len(words):
        kind, text = words[i]
        phrase = next(
            (p for p in _PHRASES if tuple(t for _, t in words[i : i + len(p)]) == p),
            None,
        )
        if phrase is not None:
            out.append(f'<span class="kw">{_PHRASES[phrase]}</span>')
            i += len(phrase)
            continue
        if kind == "name":
            out.append(_name(text, catalogue, values, link, after_number=i > 0 and words[i - 1][0] == "num"))
        elif kind == "op":
            out.append(str(escape(_OPERATORS.get(text, text))))
        elif kind == "num":
            out.append(str(escape(_number(text))))
        elif kind == "date":
            out.append(f"<time>{escape(text)}</time>")
        else:
            out.append(str(escape(text)))
        i += 1
    return Markup(" ".join(out).replace("( ", "(").replace(" )", ")").replace(" ,", ","))


def _name(text: str, catalogue: Catalogue, values: dict[str, str], link: Link, after_number: bool) -> str:
    if after_number and text in _UNITS:
        return _UNITS[text]
    kind = catalogue.kind_of(text)
    if kind is not None:
        url = link(text)
        label = escape(catalogue.label(text))
        title = escape(text)
        return (
            f'<a href="{escape(url)}" title="{title}">{label}</a>' if url else f'<span title="{title}">{label}</span>'
        )
    if text in _WORDS:
        return f'<span class="kw">{escape(_WORDS[text])}</span>'
    if text in values:
        return f"« {escape(values[text])} »"
    return f"<code>{escape(text)}</code>"


def _number(text: str) -> str:
    return str(Decimal(text)).replace(".", ",")
