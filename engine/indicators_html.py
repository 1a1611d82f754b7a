"""The indicator report as one self-contained HTML page: inline CSS and SVG charts, no script, no network.

Every text comes from the pack (labels, sources), from the figures, or from the message catalogue
(French by default, English with `--lang en` or POLICY_LANG=en), and is HTML-escaped.
"""

from __future__ import annotations

import html
from decimal import Decimal

from engine.i18n import _, language
from engine.indicator_counts import Figures, IndicatorFigures, IndicatorReport, Key, percent
from engine.indicators import MONTH, Statistic

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;
color:#1d2733;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}.meta{color:#556;margin-top:0}
section{border:1px solid #d5dbe3;border-radius:8px;padding:1rem 1.2rem;margin:1.2rem 0}
h2{font-size:1.15rem;margin:.1rem 0 .4rem}.name{font-family:monospace;color:#667;font-size:.85rem}
.source{color:#445;font-size:.85rem;margin:.2rem 0 .6rem}.figures{display:flex;gap:2rem;flex-wrap:wrap}
.figure b{display:block;font-size:1.4rem}.figure span{color:#556;font-size:.85rem}
table{border-collapse:collapse;margin-top:.6rem;font-size:.9rem}
td,th{padding:.2rem .7rem;border-bottom:1px solid #e4e8ee;text-align:right}
td:first-child,th:first-child{text-align:left}.warn{color:#a33}svg text{font-family:inherit}
"""
_BAR_WIDTH = 420


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def amount(value: Decimal) -> str:
    """Euros the French way: 31 000,00 €."""
    text = f"{value.quantize(Decimal('0.01')):,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{text} €"


def group_label(key: Key) -> str:
    return _("(not given)") if key is None else key


def render(report: IndicatorReport, title: str | None = None) -> str:
    """The whole page, as a string: write it to a .html file and open it in any browser, offline."""
    by = report.by
    title = title or _("RSA indicators")
    meta = _("Period from {debut} to {fin} · decisions computed on {at} · {rows} persons read").format(
        debut=_day(report.debut), fin=_day(report.fin), at=_day(report.at), rows=report.rows
    )
    if by:
        meta += " · " + _("broken down by {group}").format(group=by)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language()}"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(meta)}</p>',
    ]
    if report.rows_with_errors:
        codes = ", ".join(f"{c}: {n}" for c, n in sorted(report.errors_by_code.items()))
        warn = _("{count} persons with an error ({codes}).").format(count=report.rows_with_errors, codes=codes)
        parts.append(f'<p class="warn">{_e(warn)}</p>')
    for result in report.results.values():
        parts.append(_section(result, by))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _day(day: object) -> str:
    """A date as the reader writes it: 31/12/2023 in French, 2023-12-31 in English."""
    if not hasattr(day, "strftime"):
        return str(day)
    return str(day.strftime("%d/%m/%Y" if language() == "fr" else "%Y-%m-%d"))


def _section(result: IndicatorFigures, by: str | None) -> str:
    ind = result.indicator
    out = [f'<section id="{_e(ind.name)}">', f'<h2>{_e(ind.label)} <span class="name">{_e(ind.name)}</span></h2>']
    for ref in ind.references:
        excerpt = f" — {_e(ref.excerpt)}" if ref.excerpt else ""
        source = _("Source: {article}").format(article=ref.article)
        out.append(f'<p class="source">{_e(source)}{excerpt}</p>')
    out.append('<div class="figures">' + "".join(_figure(v, k) for k, v in _headline(result)) + "</div>")
    share = result.overall.share() if ind.statistic is Statistic.COUNT else None
    if share is not None:
        out.append(_bar(share, ind.reference_value))
    if ind.statistic is Statistic.COUNT_BY:
        out.append(_bars([(group_label(k), Decimal(n), str(n)) for k, n in _values(result.overall)]))
    if by is not None and result.groups:
        out.append(_breakdown(result, by))
    if result.errors:
        left = _("{count} persons left out: a decision they need could not be computed, or their facts are invalid.")
        out.append(f'<p class="warn">{_e(left.format(count=result.errors))}</p>')
    out.append("</section>")
    return "\n".join(out)


def _headline(result: IndicatorFigures) -> list[tuple[str, str]]:
    ind, f = result.indicator, result.overall
    items = []
    if f.population is not None:
        items.append((_("Population"), str(f.population)))
    if ind.statistic is Statistic.COUNT:
        items.append((_("Counted"), str(f.counted)))
        if f.population is not None:
            items.append((_("Share"), percent(f.share())))
    elif ind.statistic is Statistic.SUM:
        items.append((_("Total"), amount(f.total)))
    if ind.reference_value is not None:
        items.append((_("Reference value"), percent(ind.reference_value)))
    if ind.mean is not None:
        mean = f.mean
        items.append((ind.mean.label, "—" if mean is None else f"{mean.quantize(Decimal('0.1'))}".replace(".", ",")))
    return items


def _figure(value: str, label: str) -> str:
    return f'<div class="figure"><b>{_e(value)}</b><span>{_e(label)}</span></div>'


def _values(f: Figures) -> list[tuple[Key, int]]:
    return sorted(f.by_value.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))


def _bar(share: Decimal, reference: Decimal | None) -> str:
    """One horizontal bar: the share, and a mark at the reference value."""
    width = int(_BAR_WIDTH * min(share, Decimal(1)))
    mark = ""
    if reference is not None:
        x = int(_BAR_WIDTH * reference)
        label = _("reference {value}").format(value=percent(reference))
        mark = (
            f'<line x1="{x}" y1="0" x2="{x}" y2="26" stroke="#c0392b" stroke-width="3"/>'
            f'<text x="{x + 4}" y="38" font-size="11" fill="#c0392b">{_e(label)}</text>'
        )
    aria = _("share {value}").format(value=percent(share))
    return (
        f'<svg width="{_BAR_WIDTH + 80}" height="44" role="img" aria-label="{_e(aria)}">'
        f'<rect x="0" y="4" width="{_BAR_WIDTH}" height="18" fill="#e8edf3"/>'
        f'<rect x="0" y="4" width="{width}" height="18" fill="#2e6fb7"/>'
        f'<text x="{_BAR_WIDTH + 6}" y="18" font-size="12">{_e(percent(share))}</text>{mark}</svg>'
    )


def _bars(items: list[tuple[str, Decimal, str]]) -> str:
    """A bar chart: one labelled bar per item, scaled to the largest value."""
    if not items:
        return ""
    top = max((v for _, v, _ in items), default=Decimal(0)) or Decimal(1)
    row, label_width = 20, 150
    height = row * len(items) + 4
    bars = []
    for i, (label, value, shown) in enumerate(items):
        y = i * row + 2
        width = int(_BAR_WIDTH * max(value, Decimal(0)) / top)
        bars.append(
            f'<text x="{label_width - 6}" y="{y + 13}" font-size="11" text-anchor="end">{_e(label[:24])}</text>'
            f'<rect x="{label_width}" y="{y}" width="{width}" height="{row - 6}" fill="#5b8fd1"/>'
            f'<text x="{label_width + width + 4}" y="{y + 13}" font-size="11">{_e(shown)}</text>'
        )
    return f'<svg width="{label_width + _BAR_WIDTH + 120}" height="{height}" role="img">{"".join(bars)}</svg>'


def _breakdown(result: IndicatorFigures, by: str) -> str:
    ind = result.indicator
    groups = result.sorted_groups()
    head = _("Month") if by == MONTH else by.capitalize()
    rows, chart = [], []
    for key, f in groups:
        label = group_label(key)
        if ind.statistic is Statistic.COUNT:
            share = f.share()
            cells = [str(f.population) if f.population is not None else "—", str(f.counted), percent(share)]
            chart.append((label, share if share is not None else Decimal(f.counted), percent(share)
                          if share is not None else str(f.counted)))  # fmt: skip
        elif ind.statistic is Statistic.SUM:
            cells = ["—" if f.population is None else str(f.population), amount(f.total), ""]
            chart.append((label, f.total, amount(f.total)))
        else:
            detail = ", ".join(f"{group_label(k)} {n}" for k, n in _values(f))
            cells = [str(f.population) if f.population is not None else "—", detail, ""]
            chart.append((label, Decimal(f.population or 0), str(f.population)))
        rows.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in [label, *cells]) + "</tr>")
    titles = (head, _("Population"), _("Counted / total"), _("Share"))
    header = "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in titles) + "</tr>"
    return _bars(chart) + f"<table>{header}{''.join(rows)}</table>"
