"""Batch upload: a caseload file in, the result file out, one row per case in input order.

Through `Policy.evaluate_batch` (the polars backend) when the engine has it; otherwise case by case
through `Policy.evaluate`, which reads CSV and JSONL (Parquet needs the batch backend). Rows that
cannot be evaluated are kept, with their errors: no row is ever dropped.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any

from fastapi import HTTPException

from engine import CaseError, Policy, PolicyError, json_value
from engine.i18n import _
from engine.web.schemas import _duration

MAX_BATCH_BYTES = 32 * 2**20
MAX_ROWS = 200_000
_TRUE = {"true", "1", "oui", "vrai", "yes"}
_FALSE = {"false", "0", "non", "faux", "no"}


def run_batch(
    policy: Policy, filename: str, upload: IO[bytes], at: date | None, decisions: list[str] | None, output: str
) -> tuple[bytes, str]:
    """Evaluate every case of the uploaded file; return (the result file's bytes, its media type)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson", ".parquet"):
        raise HTTPException(415, _("`{file}`: give a .csv, .jsonl or .parquet file").format(file=filename))
    default_at = at
    unknown = [d for d in decisions or [] if d not in policy.catalogue.rules]
    if unknown:
        raise HTTPException(422, _("unknown decision(s): {names}").format(names=", ".join(unknown)))
    names = list(decisions or policy.decisions)
    backend = getattr(policy, "evaluate_batch", None)
    if backend is not None:
        rows = _through_backend(backend, upload, suffix, default_at, decisions)
    elif suffix == ".parquet":
        raise HTTPException(415, _("Parquet needs the batch backend (engine.batch), which this engine does not have"))
    else:
        try:
            rows = list(_case_by_case(policy, upload, suffix, default_at, decisions, names))
        except UnicodeDecodeError as exc:
            raise HTTPException(
                422, _("`{file}` is not UTF-8 text (byte {byte})").format(file=filename, byte=exc.start)
            ) from None
        except csv.Error as exc:
            raise HTTPException(
                422, _("`{file}` is not a readable CSV file: {error}").format(file=filename, error=exc)
            ) from None
    return _write(rows, names, output)


def _through_backend(
    backend: Any, upload: IO[bytes], suffix: str, at: date | None, decisions: Sequence[str] | None
) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"caseload{'.jsonl' if suffix == '.ndjson' else suffix}"
        path.write_bytes(upload.read())
        try:
            frame = backend(str(path), at=at, decisions=decisions)
        except PolicyError as exc:
            raise HTTPException(422, "; ".join(d.message for d in exc.diagnostics)) from None
        except Exception as exc:  # the backend's reader (polars) failing on a damaged upload
            error = f"{type(exc).__name__}: {exc}"
            raise HTTPException(422, _("the file could not be read: {error}").format(error=error)) from None
        rows: list[dict[str, Any]] = frame.to_dicts()
    return rows


def _case_by_case(
    policy: Policy, upload: IO[bytes], suffix: str, at: date | None, decisions: list[str] | None, names: list[str]
) -> Iterator[dict[str, Any]]:
    for number, (raw, problems) in enumerate(_read(policy, upload, suffix), start=1):
        if number > MAX_ROWS:
            raise HTTPException(413, _("more than {count} rows").format(count=MAX_ROWS))
        row_id = str(raw.pop("id", None) or number)
        when_text = raw.pop("at", None)
        row: dict[str, Any] = {"id": row_id, "at": None, **dict.fromkeys(names), "errors": problems}
        try:
            when = date.fromisoformat(str(when_text)) if when_text else at
        except ValueError:
            problems.append(
                _error(
                    None,
                    "fact_type_error",
                    "at",
                    _("`at` must be a date written YYYY-MM-DD: {value}").format(value=when_text),
                )
            )
            yield row
            continue
        if when is None:
            problems.append(
                _error(None, "missing_fact", "at", _("no `at` column value and no `at` given for the batch"))
            )
            yield row
            continue
        row["at"] = when.isoformat()
        if problems:
            yield row
            continue
        try:
            result = policy.evaluate(raw, when, decisions).to_dict()
        except CaseError as exc:
            problems += [_error(None, d.code.value, _column(d.message), d.message) for d in exc.diagnostics]
            yield row
            continue
        except PolicyError as exc:  # an engine without per-decision errors fails the whole case
            problems += [_error(None, d.code.value, None, d.message) for d in exc.diagnostics]
            yield row
            continue
        values = result.get("decisions", result)
        errors = result.get("errors", {})
        if isinstance(values, dict):
            row.update({n: values.get(n) for n in names})
        if isinstance(errors, dict):
            problems += [_error(n, e.get("code", ""), None, e.get("message", "")) for n, e in errors.items()]
        yield row


def _read(policy: Policy, upload: IO[bytes], suffix: str) -> Iterator[tuple[dict[str, object], list[dict[str, Any]]]]:
    text = io.TextIOWrapper(upload, encoding="utf-8-sig", newline="")
    if suffix == ".csv":
        for record in csv.DictReader(text):
            yield _typed(policy, record)
        return
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            message = _("line {line}: not JSON ({error})").format(line=number, error=exc.msg)
            yield {}, [_error(None, "invalid_value", None, message)]
            continue
        if not isinstance(record, dict):
            message = _("line {line}: a case must be a JSON object").format(line=number)
            yield {}, [_error(None, "invalid_value", None, message)]
            continue
        problems = [
            _error(
                None,
                "fact_type_error",
                k,
                _('fact `{name}` must be exact: give "12.50" or an integer, not a float').format(name=k),
            )
            for k, v in record.items()
            if isinstance(v, float)
        ]
        yield {k: v for k, v in record.items() if not isinstance(v, float)}, problems


def _typed(policy: Policy, record: dict[str, str | None]) -> tuple[dict[str, object], list[dict[str, Any]]]:
    """A CSV row's texts → fact values (empty cell = absent fact)."""
    facts = policy.catalogue.facts
    out: dict[str, object] = {}
    problems: list[dict[str, Any]] = []
    for column, cell in record.items():
        if column is None:
            problems.append(_error(None, "invalid_value", None, _("a row has more cells than the header")))
            continue
        value = (cell or "").strip()
        if column in ("id", "at") or column not in facts:
            if value:
                out[column] = value  # an unknown column is reported by the engine, by name
            continue
        if not value:
            continue
        kind = facts[column].type.kind
        if kind == "bool":
            if value.lower() not in _TRUE | _FALSE:
                message = _("fact `{name}` must be true or false").format(name=column)
                problems.append(_error(None, "fact_type_error", column, message))
                continue
            out[column] = value.lower() in _TRUE
        elif kind == "int":
            try:
                out[column] = int(value)
            except ValueError:
                message = _("fact `{name}` must be a whole number").format(name=column)
                problems.append(_error(None, "fact_type_error", column, message))
        elif kind == "duration":
            try:
                out[column] = _duration(value)
            except ValueError as exc:
                message = _("fact `{name}`: {problem}").format(name=column, problem=exc)
                problems.append(_error(None, "fact_type_error", column, message))
        elif kind == "list":
            out[column] = [v.strip() for v in value.split(";") if v.strip()]
        else:
            out[column] = value
    return out, problems


def _column(message: str) -> str | None:
    start = message.find("`")
    end = message.find("`", start + 1)
    return message[start + 1 : end] if 0 <= start < end else None


def _error(decision: str | None, code: str, column: str | None, message: str) -> dict[str, Any]:
    return {"decision": decision, "code": code, "column": column, "message": message}


def _write(rows: list[dict[str, Any]], names: list[str], output: str) -> tuple[bytes, str]:
    if output == "jsonl":
        lines = [json.dumps({k: json_value(v) for k, v in row.items()}, ensure_ascii=False) for row in rows]
        return ("\n".join(lines) + "\n" if lines else "").encode(), "application/x-ndjson"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "at", *names, "errors"])
    for row in rows:
        cells = [_cell(row.get(n)) for n in ["id", "at", *names]]
        writer.writerow([*cells, json.dumps(row.get("errors") or [], ensure_ascii=False)])
    return buffer.getvalue().encode(), "text/csv; charset=utf-8"


def _cell(value: object) -> str:
    value = json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
