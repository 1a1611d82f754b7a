"""`policy diff OLD NEW --cases CASELOAD`: what a change of the rules does to a caseload, and its cost."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engine.diagnostics import CaseError, Code, Diagnostic, PolicyError
from engine.i18n import N_, _
from engine.indicators_html import amount
from engine.policy import Policy, load_policy
from engine.source import Span

EXAMPLES = (
    "policy diff policy /tmp/policy-adre-600 --cases caseload.csv --at 2027-12-31\n"
    "  policy diff policy /tmp/policy-adre-600 --cases caseload.csv --at 2027-12-31 --json\n"
    "  policy diff policy /tmp/policy-adre-600 --cases caseload.csv --at 2027-12-31 --explain p42"
)
_CHANGED = {
    "rule": N_("  rule {name} changed"),
    "parameter": N_("  parameter {name} changed"),
    "fact": N_("  fact {name} changed"),
}


class Output(Protocol):  # the part of the CLI's output object this command uses
    console: Console

    def raw(self, text: str) -> None: ...


def add_arguments(p: argparse.ArgumentParser, day: Callable[[str], date]) -> None:
    p.add_argument("old", metavar="OLD_POLICY", help=_("the policy folder as it is"))
    p.add_argument("new", metavar="NEW_POLICY", help=_("the changed copy"))
    p.add_argument("--cases", required=True, metavar="CASELOAD", help=_("a caseload: CSV, Parquet, JSON Lines"))
    p.add_argument("--at", type=day, metavar="DATE", help=_("evaluate every decision on this date (default: today)"))
    p.add_argument("--examples", type=int, default=3, metavar="N", help=_("example ids per decision (default: 3)"))
    p.add_argument("--explain", metavar="ID", help=_("show both explanations of this person, side by side"))
    p.add_argument("--json", action="store_true", help=_("print every figure as JSON"))


def run(args: argparse.Namespace, out: Output) -> int:
    old, new = load_policy(args.old), load_policy(args.new)
    at = args.at or date.today()
    from engine.batch.diff import diff_caseload, example_facts  # polars only when this command runs

    if args.explain:
        facts = example_facts(old, args.cases, args.explain)
        if facts is None:
            where = Span(str(args.cases), 1, 1, 1, 1)
            message = _("no row with id `{id}` in the caseload").format(id=args.explain)
            raise CaseError([Diagnostic(Code.UNKNOWN_REF, message, where)])
        return _explain(old, new, facts, at, args, out)
    report = diff_caseload(old, new, args.cases, at, args.examples)
    if args.json:
        out.raw(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return 0
    console = out.console
    c = report.changes

    def say(text: str, style: str | None = None) -> None:
        console.print(escape(text), style=style)

    say(_("Changes from {old} to {new}:").format(old=args.old, new=args.new), "bold")
    for name, kind in c.changed.items():
        say(_(_CHANGED[kind]).format(name=name))
    for name in c.added:
        say(_("  {name} added").format(name=name))
    for name in c.removed:
        say(_("  {name} removed").format(name=name))
    if not c.all_changed:
        say(_("  none: both policies compute the same"))
    say(
        _("Decisions recomputed: {names} ({n} others cannot change); {rows} persons on {at}").format(
            names=", ".join(c.reachable) or "—", n=len(c.unchanged), rows=report.rows, at=at.strftime("%d/%m/%Y")
        )
    )
    for d in report.decisions.values():
        say("\n" + _("■ {name}: {n} person(s) change").format(name=d.name, n=d.changed), "bold")
        if d.old_total is not None and d.new_total is not None:
            delta = d.new_total - d.old_total
            sign = "+" if delta >= 0 else "−"
            if d.kind == "money":
                change = f"{sign}{amount(abs(delta))}"
                say(
                    _("  total: {old} → {new} ({change})").format(
                        old=amount(d.old_total), new=amount(d.new_total), change=change
                    )
                )
            else:
                old_total, new_total = f"{d.old_total.normalize():f}", f"{d.new_total.normalize():f}"
                say(_("  total: {old} → {new} ({change})").format(old=old_total, new=new_total, change=f"{delta:+f}"))
        if d.matrix:
            table = Table(_("before"), _("after"), _("persons"))
            for (o, n), count in sorted(d.matrix.items()):
                table.add_row(escape(o), escape(n), str(count))
            console.print(table)
        for ex in d.examples:
            because = ", ".join(str(b) for b in ex["because"])  # type: ignore[attr-defined]
            say(
                _("  e.g. {id}: {old} → {new}   (changed: {because})").format(
                    id=ex["id"], old=ex["old"], new=ex["new"], because=because
                )
            )
    return 0


def _explain(
    old: Policy, new: Policy, facts: dict[str, object], at: date, args: argparse.Namespace, out: Output
) -> int:
    from engine.diff import compare_plans

    changes = compare_plans(old.plan, new.plan)
    texts: dict[str, tuple[str, str]] = {}
    for name in changes.reachable:
        sides = []
        for policy in (old, new):
            try:
                sides.append(policy.evaluate(facts, at=at, decisions=[name]).explain(name).to_text())
            except PolicyError as exc:
                sides.append("\n".join(d.headline() for d in exc.diagnostics))
        texts[name] = (sides[0], sides[1])
    if args.json:
        data = {
            "id": args.explain,
            "at": at.isoformat(),
            "decisions": {n: {"old": o, "new": w} for n, (o, w) in texts.items()},
        }
        out.raw(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    for name, (before, after) in texts.items():
        table = Table(
            escape(_("{policy} (before)").format(policy=args.old)),
            escape(_("{policy} (after)").format(policy=args.new)),
            title=escape(f"{args.explain} — {name}"),
            show_lines=True,
        )
        table.add_row(escape(before), escape(after))
        out.console.print(table)
    return 0
