"""Reading caseloads (CSV, Parquet, JSON Lines, a folder of Parquet parts) and writing results.

CSV cells are read as text (the fact's type decides how to read them, in facts.py): `,` or `;`
separator (the first line decides), a UTF-8 BOM is skipped, an empty cell is null.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from engine.diagnostics import CaseError, Code, Diagnostic
from engine.files import FileProblem, list_parts
from engine.i18n import _
from engine.source import UNKNOWN

OUTPUT_FORMATS = (".parquet", ".csv", ".jsonl", ".ndjson")


def _fail(message: str, help: str | None = None) -> CaseError:
    return CaseError([Diagnostic(Code.FILE, message, UNKNOWN, help=help)])


def scan(source: str | Path | pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """A lazy view of the caseload; CaseError when the path cannot be read as one."""
    if isinstance(source, pl.DataFrame):
        return source.lazy()
    if isinstance(source, pl.LazyFrame):
        return source
    path = Path(source)
    if path.is_dir():
        return pl.scan_parquet(parquet_parts(path))
    if not path.is_file():
        raise _fail(_("{path}: no such file").format(path=path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pl.scan_parquet(path)
        if suffix in (".jsonl", ".ndjson", ".json"):
            return pl.scan_ndjson(path, infer_schema_length=None)
        if suffix in (".csv", ".txt", ".tsv"):
            return _scan_csv(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise _fail(_("{path}: cannot be read: {reason}").format(path=path, reason=exc)) from None
    raise _fail(
        _("{path}: unknown caseload format `{suffix}`").format(path=path, suffix=suffix or "(none)"),
        help=_("give a .csv, .parquet or .jsonl file, or a folder of .parquet parts"),
    )


def parquet_parts(folder: Path) -> list[Path]:
    """The `.parquet` parts of a folder in name order, each checked to be a regular file
    (engine/files.py); CaseError, located at the folder or the part, otherwise."""
    try:
        return list_parts(folder, ".parquet")
    except FileProblem as problem:
        raise CaseError([problem.diagnostic]) from None


def _scan_csv(path: Path) -> pl.LazyFrame:
    with path.open("rb") as f:
        head = f.readline()
    first = head.decode("utf-8-sig", errors="replace")
    separator = ";" if first.count(";") > first.count(",") else ","
    return pl.scan_csv(
        path,
        separator=separator,
        infer_schema=False,  # every cell is text: each fact's type decides how to read it
        encoding="utf8",
    ).rename(lambda c: c.removeprefix("\ufeff").strip())


def check_output(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise _fail(
            _("{path}: unknown output format `{suffix}`").format(path=path, suffix=suffix or "(none)"),
            help=_("the output's extension chooses its format: .parquet, .csv or .jsonl"),
        )
    return suffix


def sink(lf: pl.LazyFrame, path: str | Path) -> None:
    """Stream the result to a file: memory stays bounded whatever the caseload's size."""
    suffix = check_output(path)
    if suffix == ".parquet":
        lf.sink_parquet(path)
    elif suffix == ".csv":
        lf.sink_csv(path)  # its errors were made text by the pipeline (`text_errors`)
    else:
        lf.sink_ndjson(path)


def errors_as_text() -> pl.Expr:
    """CSV has no lists: each error as `decision: code (column): message`, joined by ` | `."""
    one = pl.concat_str(
        [
            pl.element().struct.field("decision").fill_null("(facts)"),
            pl.lit(": "),
            pl.element().struct.field("code"),
            pl.when(pl.element().struct.field("column").is_not_null())
            .then(pl.format(" ({})", pl.element().struct.field("column")))
            .otherwise(pl.lit("")),
            pl.lit(": "),
            pl.element().struct.field("message"),
        ]
    )
    joined = pl.col("errors").list.eval(one).list.join(" | ")
    return pl.when(pl.col("errors").list.len() > 0).then(joined).alias("errors")
