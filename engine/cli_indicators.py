"""`policy indicators`: the pack's indicators over a caseload, as a table, JSON or an HTML report."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engine.diagnostics import CaseError, Code, Diagnostic, suggest
from engine.i18n import _
from engine.indicator_counts import IndicatorReport, percent
from engine.indicators import MONTH, Statistic, unknown_indicator
from engine.indicators_html import amount, group_label, render
from engine.policy import Policy, load_policy
from engine.source import Span

EXAMPLES = (
    "policy indicators caseload.csv --from 2023-01-01 --to 2023-12-31\n"
    "  policy indicators caseload.parquet --from 2023-01-01 --to 2023-12-31 --by organisme -o rapport.html\n"
    "  policy indicators caseload.csv --from 2023-01-01 --to 2023-03-31 --ids premiers_contrats --json"
)
_CLI = Span("<command line>", 1, 1, 1, 1)


class Output(Protocol):
    console: Console
    errors: Console

    def raw(self, text: str) -> None: ...


def add_arguments(p: argparse.ArgumentParser, day: Callable[[str], date]) -> None:
    p.add_argument(
        "caseload", metavar="CASELOAD", help=_("a caseload: CSV, Parquet, JSON Lines, or a folder of Parquet parts")
    )
    p.add_argument("--from", dest="debut", type=day, required=True, metavar="DATE", help=_("first day of the period"))
    p.add_argument("--to", dest="fin", type=day, required=True, metavar="DATE", help=_("last day of the period"))
    p.add_argument("--at", type=day, metavar="DATE", help=_("evaluate every decision on this date (default: --to)"))
    p.add_argument(
        "--by", metavar="GROUP", help=_("break figures down: mois, or a breakdown of the pack (organisme, …)")
    )
    p.add_argument("--indicator", action="append", metavar="NAME", help=_("only this indicator (repeatable)"))
    p.add_argument("--ids", metavar="NAME", help=_("also list the ids of the persons this indicator counts"))
    p.add_argument("-o", "--output", metavar="FILE.html", help=_("write a self-contained HTML report with charts"))
    p.add_argument("--json", action="store_true", help=_("print every figure as JSON"))
    p.add_argument("--policy", default="policy", help=_("policy folder (default: policy)"))


def run(args: argparse.Namespace, out: Output) -> int:
    policy = load_policy(args.policy)
    check_arguments(policy, args)
    from engine.batch.indicator_run import indicator_report  # polars only when this command runs

    report, notes = indicator_report(
        policy, args.caseload, args.debut, args.fin, args.at or args.fin, args.by, args.indicator, args.ids
    )
    if args.output:
        Path(args.output).write_text(render(report), encoding="utf-8")
    if args.json:
        out.raw(json.dumps({**report.to_dict(), **notes}, ensure_ascii=False, indent=2))
    else:
        table(report, out.console)
        for name, why in report_notes(notes):
            out.console.print(
                escape(_("note: {name} computed row by row ({why})").format(name=name, why=why)), style="yellow"
            )
        other = notes.get("rows_dated_otherwise")
        if isinstance(other, int) and other:
            text = _(
                "note: {count} rows have an `at` cell with another date; indicators compute every decision on "
                "{at} (--at, default --to)"
            )
            out.console.print(escape(text.format(count=other, at=args.at or args.fin)), style="yellow")
        if args.output:
            out.console.print(escape(_("HTML report written to {path}").format(path=args.output)), style="green")
    return 0


def report_notes(notes: dict[str, object]) -> list[tuple[str, str]]:
    row_by_row = notes.get("row_by_row")
    return [(str(k), str(v)) for k, v in row_by_row.items()] if isinstance(row_by_row, dict) else []


def check_arguments(policy: Policy, args: argparse.Namespace) -> None:
    indicators = policy.indicators
    problems = []
    if not indicators.indicators:
        help = _("indicators are written in POLICY/indicators/*.yaml (docs/indicators.md)")
        message = _("the policy `{policy}` defines no indicator").format(policy=args.policy)
        problems.append(Diagnostic(Code.UNKNOWN_REF, message, _CLI, help=help))
    for name in [*(args.indicator or []), *([args.ids] if args.ids else [])]:
        if name not in indicators.indicators:
            problems.append(unknown_indicator(name, indicators, _CLI))
    groups = [MONTH, *indicators.breakdowns]
    if args.by is not None and args.by not in groups:
        message = _("unknown breakdown `{name}`").format(name=args.by) + suggest(args.by, groups)
        help = _("--by takes one of: {names}").format(names=", ".join(groups))
        problems.append(Diagnostic(Code.UNKNOWN_REF, message, _CLI, help=help))
    if args.debut > args.fin:
        message = _("the period ends ({fin}) before it starts ({debut})").format(fin=args.fin, debut=args.debut)
        help = _("--from is the first day, --to the last day (both included)")
        problems.append(Diagnostic(Code.INVALID_DATE, message, _CLI, help=help))
    if problems:
        raise CaseError(problems)


def table(report: IndicatorReport, console: Console) -> None:
    head = _("Indicators from {debut} to {fin} (decisions on {at}): {rows} persons, {errors} with an error")
    day = "%d/%m/%Y"
    shown = head.format(
        debut=report.debut.strftime(day),
        fin=report.fin.strftime(day),
        at=report.at.strftime(day),
        rows=report.rows,
        errors=report.rows_with_errors,
    )
    console.print(escape(shown), style="bold")
    main = Table(show_lines=False)
    for i, column in enumerate(
        (_("Indicator"), _("Population"), _("Counted"), _("Share"), _("Reference"), _("Source"))
    ):
        main.add_column(column, justify="left" if i in (0, 5) else "right")
    for name, result in report.results.items():
        ind, f = result.indicator, result.overall
        population = "—" if f.population is None else str(f.population)
        if ind.statistic is Statistic.COUNT:
            counted, share = str(f.counted), percent(f.share()) if f.population is not None else "—"
        elif ind.statistic is Statistic.SUM:
            counted, share = amount(f.total), "—"
        else:
            counted = "\n".join(f"{group_label(k)} : {n}" for k, n in sorted(f.by_value.items(), key=_key))
            share = "\n".join(percent(f.share(n)) for _, n in sorted(f.by_value.items(), key=_key))
        if ind.mean is not None and f.mean is not None:
            counted += f"\n{ind.mean.label} : {f.mean.quantize(_TENTH)}".replace(".", ",")
        if result.errors:
            counted += "\n" + _("({n} in error)").format(n=result.errors)
        source = "; ".join(r.article for r in ind.references)
        reference = percent(ind.reference_value) if ind.reference_value is not None else ""
        cells = [escape(c) for c in (population, counted, share, reference, source)]
        main.add_row(f"{escape(ind.label)}\n[dim]{escape(name)}[/dim]", *cells)
    console.print(main)
    if report.by is not None:
        for result in report.results.values():
            _breakdown(result, report.by, console)
    for result in report.results.values():
        if result.ids is not None:
            counted_ids = _("{name}: {n} persons counted").format(name=result.indicator.name, n=len(result.ids))
            console.print(escape(counted_ids), style="bold")
            console.print(escape(" ".join(result.ids)), soft_wrap=True)


def _breakdown(result: object, by: str, console: Console) -> None:
    from engine.indicator_counts import IndicatorFigures

    assert isinstance(result, IndicatorFigures)
    ind = result.indicator
    title = _("{label} — by {by}").format(label=ind.label, by=by)
    sub = Table(title=escape(title), title_justify="left")
    counted = _("Counted") if ind.statistic is not Statistic.SUM else _("Total")
    for i, column in enumerate((by, _("Population"), counted, _("Share"))):
        sub.add_column(escape(column), justify="left" if i == 0 else "right")
    for key, f in result.sorted_groups():
        if ind.statistic is Statistic.SUM:
            value, share = amount(f.total), "—"
        elif ind.statistic is Statistic.COUNT:
            value, share = str(f.counted), percent(f.share()) if f.population is not None else "—"
        else:
            value, share = ", ".join(f"{group_label(k)} {n}" for k, n in sorted(f.by_value.items(), key=_key)), "—"
        population = "—" if f.population is None else str(f.population)
        sub.add_row(*(escape(c) for c in (group_label(key), population, value, share)))
    console.print(sub)


def _key(item: tuple[str | None, int]) -> tuple[bool, str]:
    return (item[0] is None, item[0] or "")


_TENTH = Decimal("0.1")
