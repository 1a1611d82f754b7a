"""Receipts of a batch run: which rules and engine turned which input file into which output file.

A monthly run of the département is audited with one run receipt (format
`policy-engine/run-receipt/1`), canonical JSON like decision receipts (`engine.receipt`):

    format, id, issued_at
    policy        {"hash", "files", "folders", "commit", "root"}, as in decision receipts
    engine        {"name", "version"}
    input         {"path", "sha256", "bytes"} of the caseload file, or for a folder of parts
                  {"path", "files": {relative path: sha256}, "sha256": hash of those lines, "bytes"}
    output        the same for the file written (null when the result was not written to a file)
    parameters    the run's parameters as given (`at`, `decisions`, output format, …), JSON values
    rows          the number of result rows (one per input row)
    errors        {"rows": rows with at least one error, "by_code": {code: rows with an error of that code}}
    traces        the name of the result column holding each row's compact trace, or null
    hash          "sha256:" + SHA-256 of the canonical JSON of everything above

`check_run` says whether the files at hand are still those the receipt names. Per-row compact
traces are `row_trace(policy, facts, at, decisions)`: the JSON text of the compact trace of one
row (`engine.compact`'s form), to be stored as a column next to the decisions.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from engine.canonical import canonical_value
from engine.fingerprint import Fingerprint, combine
from engine.i18n import _
from engine.policy import Policy
from engine.receipt import ENGINE, content_hash, engine_version, receipt_error

FORMAT = "policy-engine/run-receipt/1"
_CHUNK = 1 << 20


def file_identity(path: str | Path) -> dict[str, object]:
    """SHA-256 and size of a file, or of every file of a folder (Parquet parts); read in 1 MiB chunks."""
    where = Path(path)
    if where.is_dir():
        files: dict[str, str] = {}
        size = 0
        for part in sorted(p for p in where.rglob("*") if p.is_file()):
            digest, n = _digest(part)
            files[part.relative_to(where).as_posix()] = digest
            size += n
        return {"path": str(path), "files": files, "sha256": combine(files), "bytes": size}
    digest, size = _digest(where)
    return {"path": str(path), "sha256": digest, "bytes": size}


def _digest(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise receipt_error(_("{path}: cannot read: {reason}").format(path=path, reason=exc.strerror)) from None
    return "sha256:" + h.hexdigest(), size


def run_receipt(
    policy: Policy,
    *,
    source: str | Path,
    output: str | Path | None,
    parameters: Mapping[str, object],
    rows: int,
    traces: str | None = None,
    errors: Mapping[str, int] | None = None,
    rows_with_errors: int = 0,
) -> dict[str, object]:
    """The run receipt of a batch that read `source` and wrote `output` (see the module docstring)."""
    identity: Fingerprint = policy.fingerprint
    document: dict[str, object] = {
        "format": FORMAT,
        "id": str(uuid.uuid4()),
        "issued_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "policy": {**identity.to_json(), "root": policy.root},
        "engine": {"name": ENGINE, "version": engine_version()},
        "input": file_identity(source),
        "output": file_identity(output) if output is not None else None,
        "parameters": canonical_value(dict(parameters)),
        "rows": rows,
        "errors": {"rows": rows_with_errors, "by_code": dict(sorted((errors or {}).items()))},
        "traces": traces,
    }
    document["hash"] = content_hash(document)
    return document


def check_run(
    document: Mapping[str, object],
    policy: Policy | None = None,
    source: str | Path | None = None,
    output: str | Path | None = None,
) -> list[str]:
    """What no longer matches a run receipt: its own hash, and (when given) the policy, the input
    and the output files. An empty list: all match."""
    problems = []
    if document.get("format") != FORMAT:
        return [_("not a run receipt of format {format}").format(format=FORMAT)]
    if document.get("hash") != content_hash(document):
        problems.append(_("the receipt's hash does not match its content: it was altered"))
    recorded_policy = document.get("policy")
    recorded_hash = recorded_policy.get("hash") if isinstance(recorded_policy, Mapping) else None
    if policy is not None and recorded_hash != policy.fingerprint.hash:
        problems.append(_("the policy is not the one of the run ({hash})").format(hash=recorded_hash))
    for label, path in (("input", source), ("output", output)):
        recorded = document.get(label)
        if path is None:
            continue
        if not isinstance(recorded, Mapping):
            problems.append(
                _("the receipt names no input file") if label == "input" else _("the receipt names no output file")
            )
        elif file_identity(path)["sha256"] != recorded.get("sha256"):
            message = (
                _("the input file {path} is not the one of the run ({hash})")
                if label == "input"
                else _("the output file {path} is not the one of the run ({hash})")
            )
            problems.append(message.format(path=path, hash=recorded.get("sha256")))
    return problems


def row_trace(policy: Policy, facts: Mapping[str, object], at: date, decisions: Sequence[str] | None = None) -> str:
    """One row's compact trace as JSON text (`[[rule, version, law date, row, ifs], …]`)."""
    trace = policy.evaluate(facts, at, decisions, trace="compact").compact_trace
    return json.dumps(trace.to_json() if trace is not None else [], separators=(",", ":"))
