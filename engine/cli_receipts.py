"""The receipts side of the command line: `policy eval --receipt`, `policy replay`, `policy explain RECEIPT`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rich.console import Console
from rich.markup import escape

from engine.cases import load_cases
from engine.diagnostics import Code, Diagnostic
from engine.explain import Explanation
from engine.i18n import _
from engine.policy import Policy, load_policy
from engine.receipt import SALT_VARIABLE, Masking, Receipt, ReceiptError, read_receipts, receipt_error
from engine.replay import DIFFERENT, IDENTICAL, NOT_REPLAYABLE, Replay, explain_receipt, replay
from engine.run_receipt import FORMAT as RUN_FORMAT
from engine.source import Span

if TYPE_CHECKING:
    from engine.batch.replay_run import RunReplay

REPLAY_EXAMPLES = (
    "policy replay receipt.json\n"
    "  policy replay receipts.jsonl --policy /tmp/rsa-2025/policy --exact --json\n"
    "  policy replay receipts.jsonl --then /tmp/rsa-2025/policy\n"
    "  POLICY_RECEIPT_SALT=… policy replay masked.json --facts case.yaml\n"
    "  policy replay run.json            # a run receipt of `policy batch --receipt`: checked, run again"
)
OK, FAILED, USAGE = 0, 1, 2


class Output(Protocol):  # the part of the CLI's output object these commands use
    errors: Console

    def print(self, text: str = "", style: str | None = None) -> None: ...

    def raw(self, text: str) -> None: ...


def add_receipt_arguments(p: argparse.ArgumentParser) -> None:
    """`policy eval`'s receipt options."""
    p.add_argument(
        "--receipt",
        metavar=_("FILE"),
        help=_("also write a decision receipt to FILE (canonical JSON; JSON Lines for several cases)"),
    )
    p.add_argument(
        "--mask",
        action="append",
        default=[],
        metavar=_("FACT"),
        help=_("write this fact in the receipt as its salted hash, never in clear (repeatable)"),
    )
    p.add_argument(
        "--salt-file",
        metavar=_("FILE"),
        help=_("secret salt for --mask (default: the {variable} environment variable)").format(variable=SALT_VARIABLE),
    )


def add_replay_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("receipts", nargs="+", metavar=_("RECEIPT"), help=_("receipt files (JSON, a JSON list, JSON Lines)"))
    p.add_argument("--policy", default="policy", help=_("policy folder to replay on (default: policy)"))
    p.add_argument(
        "--exact", action="store_true", help=_("replay only on the very policy that made each receipt (same hash)")
    )
    p.add_argument(
        "--then",
        metavar=_("DIR"),
        help=_("the policy that made the receipts (a checkout of their commit): changes are named by content"),
    )
    p.add_argument("--json", action="store_true", help=_("print the results as JSON"))
    p.add_argument(
        "--facts",
        metavar=_("CASEFILE"),
        help=_(
            "a case file holding the clear values of the receipts' masked facts (checked against their "
            "hashes with the salt; its other facts and its date are not used)"
        ),
    )
    p.add_argument(
        "--salt-file",
        metavar=_("FILE"),
        help=_("the secret salt the facts were masked with (default: the {variable} environment variable)").format(
            variable=SALT_VARIABLE
        ),
    )
    runs = p.add_argument_group(_("run receipts (written by `policy batch --receipt`)"))
    runs.add_argument(
        "--input", metavar=_("FILE"), help=_("the run's input file, when it is no longer where the receipt says")
    )
    runs.add_argument(
        "--output", metavar=_("FILE"), help=_("the run's output file, when it is no longer where the receipt says")
    )
    runs.add_argument(
        "--hashes-only",
        action="store_true",
        help=_("only check the hashes of the receipt, the policy, the input and the output (no re-run)"),
    )


def masking(args: argparse.Namespace) -> Masking | None:
    return Masking.configure(args.mask, args.salt_file) if args.receipt else None


def write_receipts(path: str, receipts: list[Receipt], out: Output) -> None:
    if not receipts:
        out.errors.print(escape(_("no receipt written to {path}: no case could be evaluated").format(path=path)))
        return
    text = receipts[0].to_json(indent=2) if len(receipts) == 1 else "".join(r.to_json() + "\n" for r in receipts)
    try:
        Path(path).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        message = _("cannot write the receipt: {reason}").format(reason=exc.strerror)
        raise ReceiptError([Diagnostic(Code.RECEIPT, message, Span(path, 1, 1, 1, 1))]) from None
    out.errors.print(escape(_("{count} receipt(s) written to {path}").format(count=len(receipts), path=path)))


def receipt_explanation(policy: Policy, path: str, index: int, decision: str, out: Output) -> Explanation | None:
    receipts = read_receipts(path)
    if not 1 <= index <= len(receipts):
        message = _("{file}: no receipt number {number} (it has {count})")
        out.errors.print(escape(message.format(file=path, number=index, count=len(receipts))), style="red")
        return None
    return explain_receipt(policy, receipts[index - 1], decision)


def run_replay(args: argparse.Namespace, out: Output) -> int:
    policy = load_policy(args.policy)
    then = load_policy(args.then) if args.then else None
    clear, salt = _clear_facts(args, policy)
    results: list[tuple[str, Replay | RunReplay]] = []
    for path in args.receipts:
        for document in read_receipts(path):
            if document.get("format") == RUN_FORMAT:  # a batch run: its files are checked, the run done again
                from engine.batch.replay_run import replay_run  # polars is loaded only for run receipts

                run = replay_run(
                    policy, document, path, source=args.input, output=args.output, hashes_only=args.hashes_only
                )
                results.append((str(path), run))
            else:
                results.append((str(path), replay(policy, document, args.exact, then, clear, salt)))
    if args.json:
        out.raw(json.dumps([{"file": f, **r.to_dict()} for f, r in results], ensure_ascii=False, indent=2))
    else:
        words = {IDENTICAL: _("identical"), DIFFERENT: _("different"), NOT_REPLAYABLE: _("not replayable")}
        for file, r in results:
            style = {IDENTICAL: "green", DIFFERENT: "bold yellow"}.get(r.status, "bold red")
            out.print(f"{file} {r.receipt}: {words[r.status]}" + (f" — {r.reason}" if r.reason else ""), style)
            if not isinstance(r, Replay):
                for rc in r.changes:
                    rows = _("{column}: {rows} row(s) differ").format(column=rc.column, rows=rc.rows)
                    ids = _(" (ids {ids}…)").format(ids=", ".join(rc.ids)) if rc.ids else ""
                    out.print(escape("    " + rows + ids))
                    for why in rc.why:
                        out.print(escape("        " + _("because {reason}").format(reason=why)))
            else:
                for c in r.changes:
                    out.print(f"    {c.decision}: {_plain(c.before)} → {_plain(c.after)}")
                    for why in c.why:
                        out.print("        " + _("because {reason}").format(reason=why))
            for note in r.notes:
                out.print("    " + _("note: {note}").format(note=note))
        counts = {s: sum(r.status == s for _f, r in results) for s in (IDENTICAL, DIFFERENT, NOT_REPLAYABLE)}
        summary = _("{identical} identical, {different} different, {not_replayable} not replayable")
        out.print(summary.format(**counts), "bold green" if counts[IDENTICAL] == len(results) else "bold red")
    return OK if results and all(r.status == IDENTICAL for _f, r in results) else FAILED


def _clear_facts(args: argparse.Namespace, policy: Policy) -> tuple[dict[str, object], Masking | None]:
    """The clear facts of `--facts CASEFILE` (its first case) and the salt to check them with."""
    if not args.facts:
        return {}, None
    cases = load_cases(Path(args.facts), policy)
    if not cases:
        raise receipt_error(_("{path}: no case").format(path=args.facts))
    facts = dict(cases[0].facts)
    try:
        salt = Masking.configure(facts, args.salt_file) if facts else None
    except ReceiptError:
        salt = None  # said per receipt: only a masked fact needs the salt
    return facts, salt


def _plain(value: object) -> str:
    if isinstance(value, dict) and "error" in value:
        return _("error {code}").format(code=value["error"])
    if value is None:
        return "null"
    return str(value).lower() if isinstance(value, bool) else str(value)
