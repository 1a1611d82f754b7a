"""`policy`: check, eval, explain, test and graph a policy from the command line.

Exit codes: 0 success; 1 invalid policy, failed case or evaluation error; 2 usage error.
Colour in a terminal, plain text when piped (or with NO_COLOR); `--json` for programs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from engine import CaseError, Decision, PolicyError, cli_diff, cli_indicators, cli_receipts, load_policy
from engine.cases import Case, CaseResult, ExpectedError, case_files, load_cases, read_case_file, run_case
from engine.coverage import coverage, describe
from engine.diagnostics import Code, Diagnostic, Severity, suggest
from engine.explain import json_value
from engine.i18n import LANGUAGES, N_, _, ngettext, set_language
from engine.loader import read_text
from engine.plan import Plan
from engine.policy import Policy, inspect_policy
from engine.receipt import Masking, Receipt, ReceiptError, check_masking
from engine.source import SourceCache, Span
from engine.translate import translate_text
from engine.values import parse_date

if TYPE_CHECKING:
    from engine.batch import Summary  # polars is loaded only when `policy batch` runs

OK, FAILED, USAGE = 0, 1, 2

# argparse's own messages (Python 3.11+), so that usage errors and --help read in the chosen language.
_ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("expected one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected at least one argument"),
    N_("expected at most one argument"),
    N_("one of the arguments %s is required"),
)

EXAMPLES = {
    "check": "policy check\n  policy check path/to/policy --json",
    "eval": "policy eval policy/examples/orientation-pole-emploi.yaml\n  policy eval case.yaml --at 2025-02-01 --json\n"
    "  policy eval case.yaml --receipt receipt.json --mask date_naissance",
    "explain": "policy explain policy/examples/orientation-mds-automatique.yaml orientation_organisme\n"
    "  policy explain case.yaml contrat_date_limite --format markdown\n"
    "  policy explain policy/examples/orientation-reunion-aave.yaml orientation_organisme --why-not cos_iti\n"
    "  policy explain receipt.json orientation_organisme",
    "test": "policy test\n  policy test policy/tests/contrat-limites.yaml",
    "batch": "policy batch caseload.csv -o decisions.parquet --at 2025-03-01\n"
    "  policy batch caseload.parquet -o out.csv --decision contrat_statut --json\n"
    "  policy batch parts/ -o out.jsonl\n"
    "  policy batch caseload.csv -o out.parquet --at 2025-03-01 --trace --receipt run.json",
    "replay": cli_receipts.REPLAY_EXAMPLES,
    "indicators": cli_indicators.EXAMPLES,
    "diff": cli_diff.EXAMPLES,
    "translate": "policy translate policy/rules/adre.yaml --to fr\n"
    "  policy traduire policy/rules/adre.yaml --to en --in-place",
    "graph": "policy graph --format mermaid\n  policy graph contrat_statut\n"
    "  policy graph --impact date_notification_orientation",
    "serve": "policy serve                 # http://127.0.0.1:8000/ (explorer), /docs (API)\n"
    "  policy serve --policy path/to/policy --port 8080",
    "doc": "policy doc -o site/          # then open site/index.html\n  policy doc --policy path/to/policy -o public/",
}


class _Out:
    def __init__(self) -> None:
        # User text (rule names, descriptions, file locations) is printed literally: no markup
        # (`escape` below), no emoji codes (`:100:` in `policy.yaml:100:15` must stay as written).
        self.console = Console(highlight=False, soft_wrap=True, emoji=False)
        self.errors = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

    def print(self, text: str = "", style: str | None = None) -> None:
        self.console.print(escape(text), style=style)

    def raw(self, text: str) -> None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")

    def diagnostics(self, diagnostics: Sequence[Diagnostic], sources: SourceCache | None) -> None:
        for d in diagnostics:
            style = "bold yellow" if d.severity is Severity.WARNING else "bold red"
            lines = d.render(sources).splitlines()
            self.errors.print(escape(lines[0]), style=style)
            for line in lines[1:]:
                self.errors.print(escape(line), style="cyan" if "^" in line else None)
            self.errors.print()


def _date(text: str) -> date:
    parsed = parse_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(_("{text!r} is not a date written YYYY-MM-DD").format(text=text))
    return parsed


def _choose_language(argv: Sequence[str]) -> None:
    """Set the message language before any text is built: `--lang` wins over POLICY_LANG and LANG."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang")
    known, _rest = early.parse_known_args(list(argv))
    try:
        set_language(known.lang)
    except ValueError:
        set_language(None)  # the full parser reports the bad choice
    argparse._ = _  # type: ignore[attr-defined]  # argparse's own words (usage, errors) from our catalogue
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policy",
        description=_("Check, evaluate and explain rules-as-code policies (dated YAML rules)."),
        epilog=_("Exit codes: 0 success; 1 invalid policy, failed case or evaluation error; 2 usage error."),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, help=_("language of messages: fr or en (default: POLICY_LANG, LANG, fr)")
    )
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"), required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help,
            description=help,
            epilog=_("examples:") + "\n  " + EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    p = command(
        "check",
        _("Check a policy: every error and warning, located in its file; then the period each decision covers."),
    )
    p.add_argument("policy", nargs="?", default="policy", help=_("policy folder (default: policy)"))
    p.add_argument("--json", action="store_true", help=_("print diagnostics as JSON"))
    p.add_argument("--strict", action="store_true", help=_("treat warnings as errors"))

    p = command("eval", _("Evaluate the decisions of a case file: every value and every error (exit 1 if any error)."))
    p.add_argument("case", metavar=_("CASE"), help=_("a case file (one case, or a list under `cases:`)"))
    p.add_argument("--at", type=_date, help=_("evaluate on this date instead of the case's `at`"))
    p.add_argument("--decision", action="append", metavar=_("NAME"), help=_("only this decision (repeatable)"))
    p.add_argument("--policy", default="policy", help=_("policy folder (default: policy)"))
    p.add_argument("--json", action="store_true", help=_("print the decisions as JSON"))
    cli_receipts.add_receipt_arguments(p)

    p = command("explain", _("Explain why a decision has its value, down to the article of law."))
    p.add_argument(
        "case",
        metavar=_("CASE"),
        help=_("a case file, or a receipt (.json, .jsonl): explained as the receipt recorded the decision"),
    )
    p.add_argument("decision", metavar=_("DECISION"), help=_("the decision to explain, e.g. orientation_organisme"))
    p.add_argument("--at", type=_date, help=_("evaluate on this date instead of the case's `at`"))
    p.add_argument("--case-index", type=int, default=1, metavar="N", help=_("which case of the file (default: 1)"))
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text", help=_("output format"))
    p.add_argument(
        "--why-not",
        metavar=_("VALUE"),
        help=_("explain only why the decision is not VALUE (exit 1 if the decision can never take VALUE)"),
    )
    p.add_argument("--policy", default="policy", help=_("policy folder (default: policy)"))

    p = command("test", _("Run case files and compare their `expect` (a value, or {error: CODE}) with the decisions."))
    p.add_argument(
        "paths",
        nargs="*",
        metavar=_("PATH"),
        help=_("case files or folders (default: policy/tests and policy/examples)"),
    )
    p.add_argument("--policy", default="policy", help=_("policy folder (default: policy)"))
    p.add_argument("--json", action="store_true", help=_("print results as JSON"))
    p.add_argument("-q", "--quiet", action="store_true", help=_("print only failures and the summary"))

    p = command("batch", _("Evaluate a caseload (CSV, Parquet, JSON Lines, folder of Parquet parts), row by row."))
    p.add_argument(
        "input",
        metavar=_("INPUT"),
        help=_("the caseload: one row per person, columns named after facts (plus `id`, `at`)"),
    )
    p.add_argument(
        "-o",
        "--output",
        metavar=_("OUTPUT"),
        help=_("result file; its extension chooses the format: .parquet, .csv, .jsonl (default: CSV on stdout)"),
    )
    p.add_argument("--at", type=_date, metavar="DATE", help=_("evaluation date for rows without an `at` cell"))
    p.add_argument("--decision", action="append", metavar=_("NAME"), help=_("only this decision (repeatable)"))
    p.add_argument("--policy", default="policy", help=_("policy folder (default: policy)"))
    p.add_argument("--json", action="store_true", help=_("print the run summary as JSON"))
    p.add_argument(
        "--trace",
        action="store_true",
        help=_("add a `trace` column: each row's compact trace as JSON (slower: every row also by the scalar code)"),
    )
    p.add_argument(
        "--receipt",
        metavar=_("FILE"),
        help=_(
            "write the run receipt to FILE (hashes of the policy, input and output; needs -o); `policy replay FILE`"
        ),
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help=_("exit with status 1 when any row has an error (default: 0, the errors are in the rows and the summary)"),
    )
    p.add_argument(
        "--dask",
        nargs="?",
        const="processes",
        choices=("processes", "threads", "synchronous"),
        metavar=_("SCHEDULER"),
        help=_(
            "run each Parquet part of INPUT (a folder) as its own Dask task (optional extra `distributed`): "
            "-o is then a folder, one result part per input part (SCHEDULER: processes (default), threads, "
            "synchronous)"
        ),
    )
    p = command(
        "replay",
        _("Replay decision receipts: identical, different (which decisions, and why), or not replayable (why)."),
    )
    cli_receipts.add_replay_arguments(p)

    p = command("graph", _("Export the rule graph (Mermaid, DOT or JSON)."))
    p.add_argument("decision", nargs="?", metavar=_("DECISION"), help=_("only what this decision depends on"))
    p.add_argument("--impact", metavar=_("NAME"), help=_("every decision a fact, parameter or rule can change"))
    p.add_argument("--format", choices=("mermaid", "dot", "json"), default="mermaid", help=_("output format"))
    p.add_argument("--policy", default="policy", help=_("policy folder (default: policy)"))

    p = command("serve", _("Serve the HTTP API (/v1, /docs, /openapi.json) and the French explorer (/)."))
    p.add_argument("--policy", default="policy", help=_("policy folder (default: policy)"))
    p.add_argument("--host", default="127.0.0.1", help=_("address to bind (default: 127.0.0.1, this machine only)"))
    p.add_argument("--port", type=int, default=8000, help=_("port (default: 8000)"))
    p.add_argument(
        "--mask",
        action="append",
        default=[],
        metavar=_("FACT"),
        help=_("receipts (POST /v1/receipts, the explorer's download) write this fact as its salted hash (repeatable)"),
    )
    p.add_argument(
        "--salt-file",
        metavar=_("FILE"),
        help=_("secret salt for --mask (default: the {variable} environment variable)").format(
            variable="POLICY_RECEIPT_SALT"
        ),
    )

    p = command("doc", _("Write the explorer's pages as a static site (opens from disk, no server)."))
    p.add_argument("--policy", default="policy", help=_("policy folder (default: policy)"))
    p.add_argument("-o", "--output", required=True, metavar="SITE", help=_("folder to write (created if needed)"))

    p = sub.add_parser(
        "translate",
        aliases=["traduire"],
        help=_("Rewrite a rule file in French or in English (keys, keywords, names), keeping its layout."),
        description=_("Rewrite a rule file in French or in English (keys, keywords, names), keeping its layout."),
        epilog=_("examples:") + "\n  " + EXAMPLES["translate"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar=_("FILE"), help=_("a rule file (YAML)"))
    p.add_argument("--to", choices=("fr", "en"), required=True, help=_("the language to write it in"))
    p.add_argument("--in-place", action="store_true", help=_("rewrite the file itself (default: print the result)"))

    p = command("indicators", _("Indicators of the pack (CALPAE…) over a caseload, for a period: table, JSON, HTML."))
    cli_indicators.add_arguments(p, _date)

    p = command("diff", _("What a change of the rules does to a caseload: who changes, from what to what, the cost."))
    cli_diff.add_arguments(p, _date)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _choose_language(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    out = _Out()
    try:
        handler: dict[str, Callable[[argparse.Namespace, _Out], int]] = {
            "check": _check,
            "eval": _eval,
            "explain": _explain,
            "test": _test,
            "replay": cli_receipts.run_replay,
            "graph": _graph,
            "serve": _serve,
            "doc": _doc,
            "translate": _translate,
            "traduire": _translate,
            "indicators": cli_indicators.run,
            "diff": cli_diff.run,
            "batch": _batch,
        }
        return handler[args.command](args, out)
    except PolicyError as exc:
        out.diagnostics(exc.diagnostics, exc.sources)
        return FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `policy graph | head`
        return OK


def _load(folder: str) -> Policy:
    return load_policy(folder)


def _check(args: argparse.Namespace, out: _Out) -> int:
    diagnostics, sources, policy = inspect_policy(args.policy)
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    warnings = [d for d in diagnostics if d.severity is Severity.WARNING]
    if args.json:
        report: dict[str, object] = {"ok": not errors, "diagnostics": [d.to_dict() for d in diagnostics]}
        if policy is not None and not errors:
            covered = coverage(policy.plan)
            report["coverage"] = {name: covered[name].to_dict() for name in policy.plan.outputs}
        out.raw(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        out.diagnostics(diagnostics, sources)
        if errors or policy is None:
            out.print(
                _("{policy}: {errors} error(s), {warnings} warning(s)").format(
                    policy=args.policy, errors=len(errors), warnings=len(warnings)
                ),
                "bold red",
            )
        else:
            plan = policy.plan
            out.print(
                _(
                    "{policy}: ok — {rules} rules ({decisions} decisions), {parameters} parameters, {facts} facts, "
                    "{warnings} warning(s)"
                ).format(
                    policy=args.policy,
                    rules=len(plan.rules),
                    decisions=len(plan.outputs),
                    parameters=len(plan.parameters),
                    facts=len(plan.facts),
                    warnings=len(warnings),
                ),
                "bold green",
            )
            _print_coverage(plan, out)
    return FAILED if errors or (args.strict and warnings) else OK


def _print_coverage(plan: Plan, out: _Out) -> None:
    """The period each decision covers on the case's `at`, and what it reads under another date."""
    covered = coverage(plan)
    out.print(_("Periods covered (law date of the case's `at`; `x as of d`: on the date d):"))
    for name in plan.outputs:
        c = covered[name]
        out.print(f"  {name}: {describe(c.periods)}")
        for r in c.readings:
            out.print(
                "      "
                + _("{name} as of `{when}`: {periods}").format(name=r.name, when=r.when, periods=describe(r.periods))
            )


def _cases(path: str, policy: Policy) -> tuple[list[Case], SourceCache]:
    sources = SourceCache()
    return load_cases(Path(path), policy, sources), sources


def _case_entries(path: str, policy: Policy) -> tuple[list[Case | CaseError], SourceCache]:
    sources = SourceCache()
    return read_case_file(Path(path), policy, sources), sources


def _eval(args: argparse.Namespace, out: _Out) -> int:
    """Every case of the file: the decisions computed and the errors, each located; exit 1 if any error."""
    policy = _load(args.policy)
    entries, sources = _case_entries(args.case, policy)
    masking = cli_receipts.masking(args)
    receipts: list[Receipt] = []
    payload: list[dict[str, object]] = []
    failed = False
    for entry in entries:
        if isinstance(entry, CaseError):
            failed = True
            first = entry.diagnostics[0].span
            payload.append({"file": first.file, "line": first.line, "error": [d.to_dict() for d in entry.diagnostics]})
            if not args.json:
                out.print(_("{where} — invalid case").format(where=f"{first.file}:{first.line}"), "bold red")
                out.diagnostics(entry.diagnostics, entry.sources or sources)
            continue
        at = args.at or entry.at
        try:
            if args.receipt:
                receipt = policy.receipt(entry.facts, at, args.decision, masking=masking, spans=entry.fact_spans)
                receipts.append(receipt)
                assert receipt.decision is not None
                decision = receipt.decision
            else:
                decision = policy.evaluate(entry.facts, at=at, decisions=args.decision, spans=entry.fact_spans)
        except ReceiptError:
            raise
        except PolicyError as exc:
            failed = True
            where = {"case": entry.description, "file": entry.file, "line": entry.span.line, "at": at.isoformat()}
            payload.append({**where, "error": [d.to_dict() for d in exc.diagnostics]})
            if not args.json:
                out.print(_title(entry, at), "bold")
                out.diagnostics(exc.diagnostics, exc.sources or sources)
            continue
        failed = failed or bool(decision.errors)
        payload.append({"case": entry.description, "file": entry.file, "line": entry.span.line, **decision.to_dict()})
        if not args.json:
            _print_decision(policy, entry, at, decision, out)
    if args.receipt:
        cli_receipts.write_receipts(args.receipt, receipts, out)
    if args.json:
        out.raw(json.dumps(payload[0] if len(payload) == 1 else payload, ensure_ascii=False, indent=2))
    return FAILED if failed else OK


def _print_decision(policy: Policy, case: Case, at: date, decision: Decision, out: _Out) -> None:
    out.print(_title(case, at), "bold")
    errors = decision.errors
    names = decision.names
    width = max((len(n) for n in names), default=0)
    for name in names:
        error = errors.get(name)
        if error is None:
            out.print(f"  {name.ljust(width)}  {_show(policy, name, decision[name])}")
        else:
            out.print(f"  {name.ljust(width)}  {error.diagnostic.headline()}", "red")
    out.print()


def _title(case: Case, at: date) -> str:
    return _("{where} — {description} (on {date})").format(
        where=f"{case.file}:{case.span.line}", description=case.description or _("case"), date=at.isoformat()
    )


def _show(policy: Policy, name: str, value: object) -> str:
    if value is None:
        return "null"
    shown = json_value(value)
    if isinstance(shown, bool):
        return "true" if shown else "false"
    rule = policy.plan.rules.get(name)
    if rule is not None and rule.type.kind.value == "money":
        return f"{shown} €"
    enum = policy.plan.enums.get(rule.type.enum or "") if rule is not None else None
    if enum is not None and isinstance(value, str):
        return f"{value}  ({enum.label_of(value)})"
    return str(shown)


def _explain(args: argparse.Namespace, out: _Out) -> int:
    policy = _load(args.policy)
    if args.case.endswith((".json", ".jsonl")):  # a receipt: explained from its compact trace
        found = cli_receipts.receipt_explanation(policy, args.case, args.case_index, args.decision, out)
        if found is None:
            return USAGE
        explanation = found
    else:
        cases, _sources = _cases(args.case, policy)
        if not 1 <= args.case_index <= len(cases):
            message = _("{file}: no case number {number} (the file has {count})")
            count = len(cases)
            out.errors.print(escape(message.format(file=args.case, number=args.case_index, count=count)), style="red")
            return USAGE
        case = cases[args.case_index - 1]
        decision = policy.evaluate(case.facts, at=args.at or case.at, decisions=[args.decision], spans=case.fact_spans)
        explanation = decision.explain(args.decision)
    if args.why_not is not None:
        out.raw(explanation.why_not(args.why_not))
        if not explanation.can_take(args.why_not):  # asking about an impossible value is an error
            return FAILED
    elif args.format == "json":
        out.raw(explanation.to_json())
    elif args.format == "markdown":
        out.raw(explanation.to_markdown())
    else:
        lines = explanation.to_text().splitlines()
        out.print(lines[0], "bold")
        for line in lines[1:]:
            style = "bold" if line.lstrip().startswith("■") else ("green" if "Retenu" in line else None)
            out.print(line, style)
    return OK


def _test(args: argparse.Namespace, out: _Out) -> int:
    policy = _load(args.policy)
    paths = args.paths or [p for p in ("policy/tests", "policy/examples") if Path(p).exists()]
    listing = case_files(paths)
    files = listing.files
    if not files and not listing.problems:
        out.errors.print(escape(_("no case files found in: {paths}").format(paths=", ".join(paths))), style="red")
        return FAILED
    results: list[CaseResult] = []
    sources = SourceCache()
    if listing.problems:
        out.diagnostics(listing.problems, sources)
    load_errors = len(listing.problems)
    for file in files:
        try:
            entries = read_case_file(file, policy, sources)
        except PolicyError as exc:
            out.diagnostics(exc.diagnostics, exc.sources or sources)
            load_errors += 1
            continue
        for case in entries:
            if isinstance(case, CaseError):  # this case is invalid; the file's other cases still run
                out.diagnostics(case.diagnostics, case.sources or sources)
                load_errors += 1
                continue
            result = run_case(policy, case)
            results.append(result)
            if not args.json:
                _report(result, out, args.quiet, sources)
    passed = sum(r.passed for r in results)
    failed = len(results) - passed + load_errors
    if args.json:
        out.raw(
            json.dumps(
                {
                    "passed": passed,
                    "failed": failed,
                    "summary": _summary(passed, failed),
                    "results": [_result_json(r) for r in results],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        style = "bold green" if not failed else "bold red"
        said = _("{passed} passed, {failed} failed").format(passed=passed, failed=failed)
        if said != _summary(passed, failed):
            out.print(said, style)
        out.print(_summary(passed, failed), style)  # last line, always in English: tools read it
    return FAILED if failed else OK


def _report(result: CaseResult, out: _Out, quiet: bool, sources: SourceCache) -> None:
    case = result.case
    where = f"{case.file}:{case.span.line}"
    if result.passed:
        if not quiet:
            out.print(
                _("PASS {where} — {description}").format(
                    where=where, description=case.description or _("(no description)")
                ),
                "green",
            )
        return
    out.print(
        _("FAIL {where} — {description}").format(where=where, description=case.description or _("(no description)")),
        "bold red",
    )
    for m in result.mismatches:
        text = _("{decision}: expected {expected}, got {got}  ({where})")
        out.print(
            "     " + text.format(decision=m.decision, expected=_plain(m.expected), got=_plain(m.got), where=m.span)
        )
        if m.error is not None:
            out.print("       " + m.error.diagnostic.headline())
    if result.error is not None:
        for d in result.error.diagnostics:
            out.print("     " + d.render(result.error.sources or sources).replace("\n", "\n     "))


def _plain(value: object) -> str:
    if isinstance(value, ExpectedError):
        return str(value)
    shown = json_value(value)
    return "null" if shown is None else (str(shown).lower() if isinstance(shown, bool) else str(shown))


def _summary(passed: int, failed: int) -> str:
    """The machine-read summary: the same English words in every language."""
    return f"{passed} passed, {failed} failed"


def _json_expect(value: object) -> object:
    return {"error": value.code} if isinstance(value, ExpectedError) else json_value(value)


def _result_json(r: CaseResult) -> dict[str, object]:
    return {
        "file": r.case.file,
        "line": r.case.span.line,
        "description": r.case.description,
        "passed": r.passed,
        "mismatches": [
            {
                "decision": m.decision,
                "expected": _json_expect(m.expected),
                "got": _json_expect(m.got),
                "line": m.span.line,
            }
            for m in r.mismatches
        ],
        "error": [d.to_dict() for d in r.error.diagnostics] if r.error else None,
    }


def _translate(args: argparse.Namespace, out: _Out) -> int:
    """Print (or write back) the rule file in the other language; only words change."""
    path = Path(args.file)
    sources = SourceCache()
    text = read_text(path, args.file, sources)
    result = translate_text(text, args.file, args.to)
    if args.in_place:
        path.write_text(result, encoding="utf-8")
    else:
        sys.stdout.write(result)
    return OK


def _graph(args: argparse.Namespace, out: _Out) -> int:
    policy = _load(args.policy)
    graph = policy.graph
    if args.impact:
        if args.impact not in graph.nodes:
            raise CaseError(
                [
                    Diagnostic(
                        Code.UNKNOWN_REF,
                        _("unknown fact, parameter or rule `{name}`").format(name=args.impact)
                        + suggest(args.impact, list(graph.nodes)),
                        Span("<command line>", 1, 1, 1, 1),
                    )
                ]
            )
        keep = graph.impact(args.impact) | {args.impact}
        graph = graph.subgraph(keep)
    elif args.decision:
        policy.evaluate({}, date.today(), decisions=[args.decision]) if args.decision not in policy.plan.rules else None
        graph = graph.subgraph(graph.dependencies([args.decision]))
    text = {"mermaid": graph.to_mermaid, "dot": graph.to_dot, "json": graph.to_json}[args.format]()
    out.raw(text)
    return OK


def _serve(args: argparse.Namespace, out: _Out) -> int:
    from engine.web import serve  # the web stack loads only for this command

    policy = _load(args.policy)
    masking = Masking.configure(args.mask, args.salt_file)
    check_masking(policy.plan, masking)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    out.print(
        _("policy serve: explorer {explorer} — API docs {docs}").format(
            explorer=f"http://{shown}:{args.port}/", docs=f"http://{shown}:{args.port}/docs"
        )
    )
    serve(policy, args.host, args.port, masking=masking)
    return OK


def _doc(args: argparse.Namespace, out: _Out) -> int:
    from engine.web import write_site

    policy = _load(args.policy)
    written = write_site(policy, Path(args.output))
    pages = sum(1 for p in written if p.suffix == ".html")
    out.print(
        _("{folder}: {pages} pages written; open {index}").format(
            folder=args.output, pages=pages, index=Path(args.output) / "index.html"
        )
    )
    return OK


if __name__ == "__main__":
    sys.exit(main())


def _batch(args: argparse.Namespace, out: _Out) -> int:
    from engine.batch import cli as batch  # polars is loaded only by this command

    policy = _load(args.policy)
    if args.output is None and args.json:
        out.errors.print(_("policy batch: --json needs -o OUTPUT (the summary and the rows would mix on stdout)"))
        return USAGE
    if args.output is None and args.receipt:
        out.errors.print(_("policy batch: --receipt needs -o OUTPUT (the receipt holds the output file's hash)"))
        return USAGE
    if args.dask is not None:
        if args.trace or args.receipt:
            out.errors.print(_("policy batch: --trace and --receipt do not go with --dask (one run, one output file)"))
            return USAGE
        return _batch_dask(args, out)
    total = batch.count_rows(args.input)
    show = out.errors.is_terminal and total is not None
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=out.errors, disable=not show, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("batch", total=total)
        summary, traces = batch.run(
            policy, args.input, args.output, at=args.at, decisions=args.decision,
            progress=lambda n: progress.advance(task, n), trace=args.trace, receipt=args.receipt,
        )  # fmt: skip
    return _batch_summary(args, out, summary, traces)


def _batch_dask(args: argparse.Namespace, out: _Out) -> int:
    """`policy batch FOLDER --dask -o RESULTS`: one Dask task per Parquet part (docs/partitions.md)."""
    from engine.batch import cli as batch

    if args.output is None:
        out.errors.print(_("policy batch: --dask needs -o FOLDER (one result part per input part)"))
        return USAGE
    summary = batch.run_partitions(args.policy, args.input, args.output, at=args.at, decisions=args.decision,
                                   scheduler=args.dask)  # fmt: skip
    return _batch_summary(args, out, summary)


def _batch_summary(args: argparse.Namespace, out: _Out, summary: Summary, traces: str | None = None) -> int:
    """Print a run's summary; exit 0 unless --strict and some row has an error (a monthly run with a
    few bad rows is not a failed run: every row is in the result, its errors beside it)."""
    status = FAILED if args.strict and summary.rows_with_errors else OK
    figures: dict[str, object] = {**summary.to_dict(), "trace_column": traces, "receipt": args.receipt}
    if args.json:
        out.raw(json.dumps(figures, ensure_ascii=False, indent=2))
        return status
    report = out.errors if args.output is None else out.console
    text = _("{read} rows read, {written} written, {errors} with errors, {fallback} computed by the scalar code")
    line = text.format(
        read=summary.rows_read, written=summary.rows_written, errors=summary.rows_with_errors,
        fallback=summary.fallback_rows,
    )  # fmt: skip
    if args.output:
        line += " → " + args.output
    report.print(escape(line + "".join(f"; {code}: {n}" for code, n in sorted(summary.errors_by_code.items()))))
    for name, why in summary.scalar_decisions.items():
        report.print(escape("  " + _("{name}: computed row by row by the scalar code").format(name=name) + f" ({why})"))
    if traces is not None:
        text = _("column `{column}`: each row's compact trace, computed row by row by the scalar code (slower path)")
        report.print(escape("  " + text.format(column=traces)))
    if args.receipt:
        report.print(
            escape("  " + _("run receipt written to {path} (`policy replay {path}`)").format(path=args.receipt))
        )
    return status
