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
from rich.table import Table

from engine.diagnostics import CaseError, Code, Diagnostic, suggest
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
    p.add_argument("caseload", help="a caseload: CSV, Parquet, JSON Lines, or a folder of Parquet parts")
    p.add_argument("--from", dest="debut", type=day, required=True, metavar="DATE", help="first day of the period")
    p.add_argument("--to", dest="fin", type=day, required=True, metavar="DATE", help="last day of the period")
    p.add_argument("--at", type=day, metavar="DATE", help="evaluate every decision on this date (default: --to)")
    p.add_argument("--by", metavar="GROUP", help="break figures down: mois, or a breakdown of the pack (organisme, …)")
    p.add_argument("--indicator", action="append", metavar="NAME", help="only this indicator (repeatable)")
    p.add_argument("--ids", metavar="NAME", help="also list the ids of the persons this indicator counts")
    p.add_argument("-o", "--output", metavar="FILE.html", help="write a self-contained HTML report with charts")
    p.add_argument("--json", action="store_true", help="print every figure as JSON")
    p.add_argument("--policy", default="policy", help="policy folder (default: policy)")


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
            out.console.print(f"note: {name} computed row by row ({why})", style="yellow")
        if args.output:
            out.console.print(f"HTML report written to {args.output}", style="green")
    return 0


def report_notes(notes: dict[str, object]) -> list[tuple[str, str]]:
    row_by_row = notes.get("row_by_row")
    return [(str(k), str(v)) for k, v in row_by_row.items()] if isinstance(row_by_row, dict) else []


def check_arguments(policy: Policy, args: argparse.Namespace) -> None:
    indicators = policy.indicators
    problems = []
    if not indicators.indicators:
        help = "indicators are written in POLICY/indicators/*.yaml (docs/indicators.md)"
        problems.append(
            Diagnostic(Code.UNKNOWN_REF, f"the policy `{args.policy}` defines no indicator", _CLI, help=help)
        )
    for name in [*(args.indicator or []), *([args.ids] if args.ids else [])]:
        if name not in indicators.indicators:
            problems.append(unknown_indicator(name, indicators, _CLI))
    groups = [MONTH, *indicators.breakdowns]
    if args.by is not None and args.by not in groups:
        message = f"unknown breakdown `{args.by}`{suggest(args.by, groups)}"
        problems.append(Diagnostic(Code.UNKNOWN_REF, message, _CLI, help=f"--by takes one of: {', '.join(groups)}"))
    if args.debut > args.fin:
        message = f"the period ends ({args.fin}) before it starts ({args.debut})"
        help = "--from is the first day, --to the last day (both included)"
        problems.append(Diagnostic(Code.INVALID_DATE, message, _CLI, help=help))
    if problems:
        raise CaseError(problems)


def table(report: IndicatorReport, console: Console) -> None:
    console.print(
        f"Indicateurs du {report.debut:%d/%m/%Y} au {report.fin:%d/%m/%Y} (décisions au {report.at:%d/%m/%Y}) — "
        f"{report.rows} personnes, {report.rows_with_errors} avec une erreur",
        style="bold",
    )
    main = Table(show_lines=False)
    for column in ("Indicateur", "Population", "Comptés", "Part", "Repère", "Source"):
        main.add_column(column, justify="left" if column in ("Indicateur", "Source") else "right")
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
            counted += f"\n({result.errors} en erreur)"
        source = "; ".join(r.article for r in ind.references)
        reference = percent(ind.reference_value) if ind.reference_value is not None else ""
        main.add_row(f"{ind.label}\n[dim]{name}[/dim]", population, counted, share, reference, source)
    console.print(main)
    if report.by is not None:
        for result in report.results.values():
            _breakdown(result, report.by, console)
    for result in report.results.values():
        if result.ids is not None:
            console.print(f"{result.indicator.name} : {len(result.ids)} personnes comptées", style="bold")
            console.print(" ".join(result.ids), soft_wrap=True)


def _breakdown(result: object, by: str, console: Console) -> None:
    from engine.indicator_counts import IndicatorFigures

    assert isinstance(result, IndicatorFigures)
    ind = result.indicator
    sub = Table(title=f"{ind.label} — par {by}", title_justify="left")
    for column in (by, "Population", "Comptés" if ind.statistic is not Statistic.SUM else "Total", "Part"):
        sub.add_column(column, justify="left" if column == by else "right")
    for key, f in result.sorted_groups():
        if ind.statistic is Statistic.SUM:
            value, share = amount(f.total), "—"
        elif ind.statistic is Statistic.COUNT:
            value, share = str(f.counted), percent(f.share()) if f.population is not None else "—"
        else:
            value, share = ", ".join(f"{group_label(k)} {n}" for k, n in sorted(f.by_value.items(), key=_key)), "—"
        sub.add_row(group_label(key), "—" if f.population is None else str(f.population), value, share)
    console.print(sub)


def _key(item: tuple[str | None, int]) -> tuple[bool, str]:
    return (item[0] is None, item[0] or "")


_TENTH = Decimal("0.1")
