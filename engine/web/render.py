"""The explorer's pages, rendered with Jinja2 for the server and for the static site alike.

`Pages(policy, static=False)` links pages as `/regles/NAME`; with `static=True` as relative
`regles/NAME.html` files, so that the site opens from disk without a server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from engine import Catalogue, ParameterInfo, Policy, french_date
from engine.web.french import readable

TEMPLATES = Path(__file__).parent / "templates"
_FOLDERS = {"rule": "regles", "parameter": "parametres", "fact": "faits"}


@dataclass(frozen=True)
class Period:
    start: date
    end: date | None  # last day, included; None while in force
    label: str


class Pages:
    """Renders every page of the explorer for one policy."""

    def __init__(self, policy: Policy, *, static: bool = False) -> None:
        self.policy = policy
        self.catalogue: Catalogue = policy.catalogue
        self.static = static
        self.env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["fdate"] = _french_date_text
        self.env.filters["fvalue"] = self.show_value
        self.env.filters["ticks"] = _code_spans

    # -- links --------------------------------------------------------------------------------------
    def url(self, page: str, depth: int) -> str:
        """The link to `page` (`""` for home, `regles/x`, `hypotheses`, `static/style.css`) from a page
        `depth` folders deep."""
        if not self.static:
            return "/" + page
        prefix = "../" * depth
        if not page:
            return prefix + "index.html"
        if page.startswith("static/"):
            return prefix + page
        return prefix + page + ".html"

    def link_of(self, name: str, depth: int) -> str | None:
        kind = self.catalogue.kind_of(name)
        return self.url(f"{_FOLDERS[kind]}/{name}", depth) if kind else None

    # -- values -------------------------------------------------------------------------------------
    def type_text(self, name: str) -> str:
        """The type of a rule, parameter or fact as written (`organisme?`), or ""."""
        c = self.catalogue
        for table in (c.rules, c.parameters, c.facts):
            if name in table:
                return str(table[name].type.text)
        return ""

    def show_value(self, value: object, type_text: str = "") -> str:
        """A JSON value in French: oui/non, 1er mars 2022, 12,50 €, enum labels."""
        if value is None:
            return "non renseigné"
        if isinstance(value, bool):
            return "oui" if value else "non"
        if isinstance(value, list):
            return ", ".join(self.show_value(v) for v in value) or "(vide)"
        text = str(value)
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            try:
                return french_date(date.fromisoformat(text))
            except ValueError:
                return text
        base = type_text.rstrip("?")
        if base == "duration" or (not base and _DURATION.match(text)):
            return _french_duration(text)
        enum = self.catalogue.enums.get(base)
        if enum is not None:
            return next((v.label for v in enum.values if v.value == text), text)
        if base in ("money", "decimal"):
            try:
                amount = Decimal(text)
            except InvalidOperation:
                return text
            shown = f"{amount:,.2f}".replace(",", " ").replace(".", ",")
            return shown + " €" if base == "money" else shown
        return text

    # -- pages --------------------------------------------------------------------------------------
    def render(self, template: str, depth: int, **context: Any) -> str:
        c = self.catalogue

        def link(name: str) -> str | None:
            return self.link_of(name, depth)

        def french(formula: str) -> Markup:
            return readable(formula, c, link)

        return self.env.get_template(template).render(
            c=c,
            static=self.static,
            url=lambda page: self.url(page, depth),
            link=link,
            french=french,
            label=c.label,
            typ=self.type_text,
            timeline=timeline,
            chart=chart,
            rule_periods=rule_periods,
            parameter_periods=parameter_periods,
            today=date.today(),
            **context,
        )

    def home(self, q: str = "") -> str:
        return self.render("home.html", 0, title="Accueil", q=q)

    def rule(self, name: str) -> str:
        return self.render("rule.html", 1, title=self.catalogue.rules[name].label, r=self.catalogue.rules[name])

    def parameter(self, name: str) -> str:
        p = self.catalogue.parameters[name]
        return self.render("parameter.html", 1, title=p.label, p=p)

    def fact(self, name: str) -> str:
        f = self.catalogue.facts[name]
        return self.render("fact.html", 1, title=f.label, f=f)

    def assumptions(self) -> str:
        return self.render("assumptions.html", 0, title="Hypothèses")

    def try_case(self, **context: Any) -> str:
        return self.render("try.html", 0, title="Essayer un cas", **context)

    def not_found(self, what: str) -> str:
        return self.render("not_found.html", 0, title="Page introuvable", what=what)


_DURATION = re.compile(r"^-?[0-9]+ (months?|days?)( -?[0-9]+ days?)?$")
_UNITS = {"month": ("mois", "mois"), "day": ("jour", "jours")}


def _french_duration(text: str) -> str:
    """`1 month` → « 1 mois », `2 months 3 days` → « 2 mois et 3 jours » (the JSON form of a duration)."""
    words = text.split()
    parts = []
    for number, unit in zip(words[::2], words[1::2], strict=False):
        one, many = _UNITS.get(unit.rstrip("s"), (unit, unit))
        parts.append(f"{number} {one if abs(int(number)) <= 1 else many}")
    return " et ".join(parts) or text


def _code_spans(text: str) -> Markup:
    """`name` in a plain text → <code>name</code> (the rest escaped)."""
    pieces = str(escape(text)).split("`")
    return Markup("".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces)))


def _french_date_text(text: str | None) -> str:
    return french_date(date.fromisoformat(text)) if text else ""


def timeline(periods: list[Period], today: date) -> Markup:
    """Dated periods as an accessible inline SVG time line: per period a caption line, then its bar
    on a common time axis (the period in force today darker; a dashed line marks today)."""
    if not periods:
        return Markup("")
    first = min(p.start for p in periods)
    last = max([today, *[p.end or p.start for p in periods]])
    span = max((last - first).days, 1)
    width, left, row = 900, 8, 36
    height = row * len(periods) + 22

    def x(d: date) -> float:
        return left + (width - 2 * left) * (d - first).days / span

    summary = " ; ".join(_period_text(p) for p in periods)
    parts = [f'<svg class="timeline" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(summary)}">']
    for i, p in enumerate(periods):
        end = p.end or last
        current = p.start <= today and (p.end is None or today <= p.end)
        y = 4 + i * row
        w = max(x(end) - x(p.start), 3)
        css = "bar current" if current else "bar"
        text = _period_text(p)
        text = text if len(text) <= 100 else text[:99] + "…"
        parts.append(f'<text x="{left}" y="{y + 11}">{escape(text)}</text>')
        parts.append(f'<rect class="{css}" x="{x(p.start):.1f}" y="{y + 16}" width="{w:.1f}" height="10" rx="3"/>')
    parts.append(f'<line class="today" x1="{x(today):.1f}" x2="{x(today):.1f}" y1="14" y2="{height - 16}"/>')
    parts.append(f'<text class="axis" x="{left}" y="{height - 4}">{first.year}</text>')
    parts.append(
        f'<text class="axis" x="{x(today):.1f}" y="{height - 4}" text-anchor="middle">aujourd\'hui</text>'
        if 0.15 < (today - first).days / span < 0.85
        else ""
    )
    parts.append(f'<text class="axis" x="{width - left}" y="{height - 4}" text-anchor="end">{last.year}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _period_text(p: Period) -> str:
    return f"{p.label} : du {french_date(p.start)}" + (f" au {french_date(p.end)}" if p.end else ", en vigueur")


def chart(p: ParameterInfo, today: date) -> Markup:
    """A numeric parameter's values over time as a small step chart (inline SVG); nothing otherwise."""
    points: list[tuple[date, Decimal]] = []
    for entry in p.values:
        try:
            points.append((date.fromisoformat(entry.start), Decimal(str(entry.value))))
        except (InvalidOperation, ValueError):
            return Markup("")
    if not points or p.type.kind not in ("int", "decimal", "money"):
        return Markup("")
    first = points[0][0]
    last = max(today, points[-1][0])
    span = max((last - first).days, 1)
    top = max(max(v for _, v in points), Decimal(1))
    bottom = min(min(v for _, v in points), Decimal(0))
    width, height, pad = 640, 180, 36

    def x(d: date) -> float:
        return pad + (width - 2 * pad) * (d - first).days / span

    def y(v: Decimal) -> float:
        return float(height - pad - (height - 2 * pad) * (v - bottom) / (top - bottom))

    path = []
    for i, (d, v) in enumerate(points):
        nxt = points[i + 1][0] if i + 1 < len(points) else last
        path.append(f"{'M' if i == 0 else 'L'}{x(d):.1f},{y(v):.1f} L{x(nxt):.1f},{y(v):.1f}")
    summary = "; ".join(f"{french_date(d)} : {v}" for d, v in points)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="Valeurs dans le temps : '
        f'{escape(summary)}">',
        f'<line class="axis-line" x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}"/>',
        f'<path class="step" d="{" ".join(path)}"/>',
    ]
    for d, v in points:
        parts.append(f'<circle class="point" cx="{x(d):.1f}" cy="{y(v):.1f}" r="4"/>')
        parts.append(
            f'<text x="{x(d) + 6:.1f}" y="{y(v) - 8:.1f}">{escape(str(v))}{escape(" " + (p.unit or ""))}</text>'
        )
    parts.append(f'<text class="axis" x="{pad}" y="{height - 12}">{first.isoformat()}</text>')
    parts.append(f'<text class="axis" x="{width - pad}" y="{height - 12}" text-anchor="end">{last.isoformat()}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def rule_periods(r: Any) -> list[Period]:
    return [
        Period(date.fromisoformat(v.start), date.fromisoformat(v.end) if v.end else None, v.label or "version")
        for v in r.versions
    ]


def parameter_periods(p: ParameterInfo) -> list[Period]:
    starts = [date.fromisoformat(v.start) for v in p.values]
    ends: list[date | None] = [d - timedelta(days=1) for d in starts[1:]]
    return [
        Period(start, end, f"{v.text}" + (f" {p.unit}" if p.unit else ""))
        for start, end, v in zip(starts, [*ends, None], p.values, strict=True)
    ]
