"""`policy diff OLD NEW --cases CASELOAD`: what a change of the rules does to a caseload, and its cost."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from typing import Protocol

from rich.console import Console
from rich.table import Table

from engine.diagnostics import CaseError, Code, Diagnostic, PolicyError
from engine.indicators_html import amount
from engine.policy import Policy, load_policy
from engine.source import Span

EXAMPLES = (
    "policy diff policy /tmp/policy-adre-600 --cases caseload.csv --at 2027-12-31\n"
    "  policy diff policy /tmp/policy-adre-600 --cases caseload.csv --at 2027-12-31 --json\n"
    "  policy diff policy /tmp/policy-adre-600 --cases caseload.csv --at 2027-12-31 --explain p42"
)
_KINDS = {"rule": "règle", "parameter": "paramètre", "fact": "fait"}


class Output(Protocol):  # the part of the CLI's output object this command uses
    console: Console

    def raw(self, text: str) -> None: ...


def add_arguments(p: argparse.ArgumentParser, day: Callable[[str], date]) -> None:
    p.add_argument("old", metavar="OLD_POLICY", help="the policy folder as it is")
    p.add_argument("new", metavar="NEW_POLICY", help="the changed copy")
    p.add_argument("--cases", required=True, metavar="CASELOAD", help="a caseload: CSV, Parquet, JSON Lines")
    p.add_argument("--at", type=day, metavar="DATE", help="evaluate every decision on this date (default: today)")
    p.add_argument("--examples", type=int, default=3, metavar="N", help="example ids per decision (default: 3)")
    p.add_argument("--explain", metavar="ID", help="show both explanations of this person, side by side")
    p.add_argument("--json", action="store_true", help="print every figure as JSON")


def run(args: argparse.Namespace, out: Output) -> int:
    old, new = load_policy(args.old), load_policy(args.new)
    at = args.at or date.today()
    from engine.batch.diff import diff_caseload, example_facts  # polars only when this command runs

    if args.explain:
        facts = example_facts(old, args.cases, args.explain)
        if facts is None:
            where = Span(str(args.cases), 1, 1, 1, 1)
            raise CaseError([Diagnostic(Code.UNKNOWN_REF, f"no row with id `{args.explain}` in the caseload", where)])
        return _explain(old, new, facts, at, args, out)
    report = diff_caseload(old, new, args.cases, at, args.examples)
    if args.json:
        out.raw(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return 0
    console = out.console
    c = report.changes
    console.print(f"Changements de {args.old} à {args.new} :", style="bold")
    for name, kind in c.changed.items():
        console.print(f"  {_KINDS[kind]} {name} modifié")
    for name in c.added:
        console.print(f"  {name} ajouté")
    for name in c.removed:
        console.print(f"  {name} supprimé")
    if not c.all_changed:
        console.print("  aucun : les deux politiques calculent la même chose")
    console.print(
        f"Décisions recalculées : {', '.join(c.reachable) or 'aucune'} "
        f"({len(c.unchanged)} autres ne peuvent pas changer) — {report.rows} personnes au {at:%d/%m/%Y}"
    )
    for d in report.decisions.values():
        console.print(f"\n■ {d.name} : {d.changed} personne(s) changent", style="bold")
        if d.old_total is not None and d.new_total is not None:
            delta = d.new_total - d.old_total
            sign = "+" if delta >= 0 else "−"
            if d.kind == "money":
                console.print(f"  total : {amount(d.old_total)} → {amount(d.new_total)} ({sign}{amount(abs(delta))})")
            else:
                console.print(f"  total : {d.old_total.normalize():f} → {d.new_total.normalize():f}")
        if d.matrix:
            table = Table("avant", "après", "personnes")
            for (o, n), count in sorted(d.matrix.items()):
                table.add_row(o, n, str(count))
            console.print(table)
        for ex in d.examples:
            because = ", ".join(str(b) for b in ex["because"])  # type: ignore[attr-defined]
            console.print(f"  ex. {ex['id']} : {ex['old']} → {ex['new']}   (changé : {because})")
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
        table = Table(f"{args.old} (avant)", f"{args.new} (après)", title=f"{args.explain} — {name}", show_lines=True)
        table.add_row(before, after)
        out.console.print(table)
    return 0
