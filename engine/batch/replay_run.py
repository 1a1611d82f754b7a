"""Replaying a batch run from its run receipt (`policy replay RUN.json`).

Checks, in order: the receipt's own hash; the input file (at the recorded path, else next to the
receipt, or the one given) against the recorded SHA-256; the policy's hash; then, unless
`hashes_only`, re-runs the batch with the recorded parameters into a temporary file and compares
it with the recorded output hash, and with the output file at hand. The outcome:

- `identical`: the re-run writes byte for byte the output the receipt names, and the output file
  at hand is that one;
- `different`: the output file at hand is not the one the run wrote (altered, or missing), or the
  re-run gives other decisions (under another policy, or another engine): each decision column
  that differs, how many rows, the first ids, and why (the rules and parameters on its path
  defined in a policy file whose hash changed);
- `not_replayable`: the receipt was altered, or the input file is missing or is not the run's.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from engine.batch import run_batch
from engine.batch.traced import run_traced
from engine.diagnostics import PolicyError
from engine.i18n import _
from engine.receipt import content_hash, engine_version
from engine.replay import DIFFERENT, IDENTICAL, NOT_REPLAYABLE, changed_on_path, trace_reasons
from engine.run_receipt import FORMAT, file_identity

if TYPE_CHECKING:
    from engine.policy import Policy

SAMPLE = 5  # ids shown per changed column


@dataclass(frozen=True)
class ColumnChange:
    column: str
    rows: int
    ids: tuple[str, ...]  # the first ids of the rows that differ
    why: tuple[str, ...] = ()
    positions: tuple[int, ...] = field(default=(), compare=False)  # 0-based rows of `ids`


@dataclass(frozen=True)
class RunReplay:
    receipt: str
    status: str
    reason: str | None = None
    changes: tuple[ColumnChange, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "receipt": self.receipt,
            "kind": "run",
            "status": self.status,
            "reason": self.reason,
            "changes": [
                {"column": c.column, "rows": c.rows, "ids": list(c.ids), "why": list(c.why)} for c in self.changes
            ],
            "notes": list(self.notes),
        }


def is_run_receipt(document: object) -> bool:
    return isinstance(document, Mapping) and document.get("format") == FORMAT


def replay_run(
    policy: Policy,
    document: Mapping[str, object],
    receipt_path: str | Path,
    *,
    source: str | Path | None = None,
    output: str | Path | None = None,
    hashes_only: bool = False,
) -> RunReplay:
    """Replay one run receipt under `policy` (see the module docstring). `source`/`output`: the
    input and output files, when they are no longer where the receipt says."""
    ident = str(document.get("id", "?"))
    if document.get("hash") != content_hash(document):
        return RunReplay(ident, NOT_REPLAYABLE, _("the receipt's hash does not match its content: it was altered"))
    try:
        recorded_in, recorded_out = _mapping(document["input"]), document.get("output")
        parameters = _mapping(document["parameters"])
        recorded_policy = _mapping(document["policy"])
    except (KeyError, TypeError) as exc:
        return RunReplay(ident, NOT_REPLAYABLE, _("malformed receipt: {problem}").format(problem=exc))
    input_path = _locate(source, recorded_in, receipt_path)
    if input_path is None:
        message = _("the input file {path} is not found (give it with --input FILE)")
        return RunReplay(ident, NOT_REPLAYABLE, message.format(path=recorded_in.get("path")))
    if file_identity(input_path)["sha256"] != recorded_in.get("sha256"):
        message = _("the input file {path} is not the one of the run ({hash})")
        return RunReplay(ident, NOT_REPLAYABLE, message.format(path=input_path, hash=recorded_in.get("sha256")))
    notes: list[str] = []
    files = _mapping(recorded_policy.get("files", {}))
    same_policy = recorded_policy.get("hash") == policy.fingerprint.hash
    if not same_policy:
        changed = sorted(
            p for p in set(files) | set(policy.fingerprint.files) if files.get(p) != policy.fingerprint.files.get(p)
        )
        notes.append(_("policy files changed since the run: {files}").format(files=", ".join(changed)))
    recorded_engine = _mapping(document.get("engine", {})).get("version")
    if recorded_engine != engine_version():
        notes.append(_("engine version {then} then, {now} now").format(then=recorded_engine, now=engine_version()))
    out_record = _mapping(recorded_out) if isinstance(recorded_out, Mapping) else {}
    output_path = _locate(output, out_record, receipt_path) if out_record else None
    output_intact = output_path is not None and file_identity(output_path)["sha256"] == out_record.get("sha256")
    if output_path is None:
        notes.append(
            _("the output file {path} is not found: only the re-run is checked").format(path=out_record.get("path"))
        )
    if hashes_only:
        if output_path is not None and not output_intact:
            message = _("the output file {path} is not the one the run wrote (its hash differs)")
            notes.append(message.format(path=output_path))
        if output_intact and same_policy:
            return RunReplay(ident, IDENTICAL, notes=tuple(notes))
        reason = _("the output file is not the one of the run") if not output_intact else _("the policy changed")
        return RunReplay(ident, DIFFERENT, reason, notes=tuple(notes))
    suffix = str(parameters.get("output_format") or Path(str(out_record.get("path", "out.csv"))).suffix or ".csv")
    with tempfile.TemporaryDirectory() as folder:
        again = Path(folder) / f"replay{suffix}"
        try:
            _rerun(policy, input_path, again, parameters)
        except PolicyError as exc:
            message = _("the run cannot be done again under this policy: {reason}")
            return RunReplay(
                ident, NOT_REPLAYABLE, message.format(reason=exc.diagnostics[0].message), notes=tuple(notes)
            )
        reproduced = file_identity(again)["sha256"] == out_record.get("sha256")
        if reproduced and output_intact:
            return RunReplay(ident, IDENTICAL, notes=tuple(notes))
        if output_path is None:
            if reproduced:
                return RunReplay(ident, IDENTICAL, notes=tuple(notes))
            reason = _("the re-run writes another output than the one the receipt names")
            return RunReplay(ident, DIFFERENT, reason, notes=tuple(notes))
        changes = compare_outputs(output_path, again, suffix)
        if reproduced:  # the rules give what the run wrote: the file at hand was changed since
            reason = _("the output file {path} was altered after the run: these rows differ from what the run wrote")
            return RunReplay(ident, DIFFERENT, reason.format(path=output_path), changes, tuple(notes))
        traces = _traces(output_path, again, suffix, str(document.get("traces") or ""))  # before `again` goes
    explained = tuple(
        ColumnChange(c.column, c.rows, c.ids, _why(policy, files, c, traces), c.positions)
        if c.column in policy.plan.rules
        else c
        for c in changes
    )
    reason = (
        _("the re-run gives other decisions than the run")
        if output_intact
        else _("the output file at hand is not the run's, and the re-run differs from the run")
    )
    return RunReplay(ident, DIFFERENT, reason, explained, tuple(notes))


def _traces(old: Path, new: Path, suffix: str, column: str) -> tuple[list[object], list[object]] | None:
    """The trace column of both outputs (JSON texts), when the run kept one."""
    if not column:
        return None
    try:
        a, b = read_output(old, suffix), read_output(new, suffix)
    except (OSError, pl.exceptions.PolarsError):
        return None
    if column not in a.columns or column not in b.columns:
        return None
    return a[column].to_list(), b[column].to_list()


def _why(
    policy: Policy,
    files: Mapping[str, object],
    change: ColumnChange,
    traces: tuple[list[object], list[object]] | None,
) -> tuple[str, ...]:
    """From the rows' traces when the run kept them (the versions, rows and parameter values that
    differ on the decision's path, for the rows shown); else the changed files on its path."""
    reasons: list[str] = []
    if traces is not None:
        old, new = traces
        for k in change.positions:
            if k >= len(old) or k >= len(new) or old[k] is None or new[k] is None:
                continue
            try:
                found = trace_reasons(policy, json.loads(str(old[k])), json.loads(str(new[k])), change.column)
            except (ValueError, TypeError):
                continue  # an altered trace cell: the file reasons below still hold
            reasons += [r for r in found if r not in reasons]
    return tuple(reasons or changed_on_path(policy, files, change.column))


def _rerun(policy: Policy, source: Path, output: Path, parameters: Mapping[str, object]) -> None:
    at_text = parameters.get("at")
    at = date.fromisoformat(str(at_text)) if at_text else None
    decisions = parameters.get("decisions")
    names: Sequence[str] | None = [str(d) for d in decisions] if isinstance(decisions, list) else None
    if parameters.get("trace"):
        run_traced(policy, str(source), output, at=at, decisions=names)
    else:
        run_batch(policy, str(source), output, at=at, decisions=names)


def _locate(given: str | Path | None, recorded: Mapping[str, object], receipt_path: str | Path) -> Path | None:
    """The file given, else the recorded path, else the file of that name next to the receipt."""
    if given is not None:
        return Path(given) if Path(given).exists() else None
    recorded_path = Path(str(recorded.get("path", "")))
    for candidate in (recorded_path, Path(receipt_path).parent / recorded_path.name):
        if str(candidate) and candidate.exists():
            return candidate
    return None


def read_output(path: str | Path, suffix: str) -> pl.DataFrame:
    if suffix == ".csv":
        return pl.read_csv(path, infer_schema=False)
    if suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_ndjson(path, infer_schema_length=None)


def compare_outputs(old: str | Path, new: str | Path, suffix: str) -> tuple[ColumnChange, ...]:
    """Each column (decisions, `errors`, `trace`…) whose cells differ between two result files of
    the same caseload, row by row; a column in only one of them counts every row."""
    try:
        a, b = read_output(old, suffix), read_output(new, suffix)
    except (OSError, pl.exceptions.PolarsError) as exc:
        return (ColumnChange(_("(the whole file)"), 0, (), (_("cannot be read: {reason}").format(reason=exc),)),)
    ids = [str(i) for i in (b["id"].to_list() if "id" in b.columns else range(1, b.height + 1))]
    changes = []
    if a.height != b.height:
        message = _("{then} rows in the file, {now} in the re-run").format(then=a.height, now=b.height)
        changes.append(ColumnChange(_("(rows)"), abs(a.height - b.height), (), (message,)))
    for column in [*b.columns, *(c for c in a.columns if c not in b.columns)]:
        old_cells = a[column].to_list() if column in a.columns else [None] * a.height
        new_cells = b[column].to_list() if column in b.columns else [None] * b.height
        rows = [k for k, (x, y) in enumerate(zip(old_cells, new_cells, strict=False)) if x != y]
        if column not in a.columns or column not in b.columns:
            rows = list(range(max(a.height, b.height)))
        if rows:
            shown = [k for k in rows[:SAMPLE] if k < len(ids)]
            changes.append(ColumnChange(column, len(rows), tuple(ids[k] for k in shown), positions=tuple(shown)))
    return tuple(changes)


def _mapping(value: object) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value
