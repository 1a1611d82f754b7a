"""`policy indicators` end to end: read the caseload, compute the decisions it needs, count.

The decisions come from the compiled batch backend (`engine.batch.evaluate_batch`) when it is
there, else one row at a time through `policy.evaluate`; the report says which (`decisions_by`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from engine.batch.indicator_frame import decisions_frame, other_dates
from engine.batch.indicators import compute
from engine.diagnostics import CaseError, Code, Diagnostic
from engine.i18n import _
from engine.indicator_counts import IndicatorReport
from engine.source import Span

if TYPE_CHECKING:
    from engine.policy import Policy


def indicator_report(
    policy: Policy,
    source: str | Path | pl.DataFrame,
    debut: date,
    fin: date,
    at: date,
    by: str | None = None,
    names: Sequence[str] | None = None,
    ids_for: str | None = None,
) -> tuple[IndicatorReport, dict[str, object]]:
    """The report, and notes for programs: how the decisions were computed, what went row by row."""
    if isinstance(source, str | Path) and not Path(source).exists():
        message = _("no such caseload file or folder")
        raise CaseError([Diagnostic(Code.FILE, message, Span(str(source), 1, 1, 1, 1))])
    wanted = list(names) + ([ids_for] if ids_for and ids_for not in names else []) if names else None
    rules = policy.indicators.rules_read(policy.plan, wanted, by)
    try:
        facts = policy.indicators.names_read(policy.plan, wanted, by) & set(policy.plan.facts)
        frame, how = decisions_frame(policy, source, at, rules, facts)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        where = Span(str(source), 1, 1, 1, 1)
        raise CaseError(
            [Diagnostic(Code.FILE, _("cannot read the caseload: {reason}").format(reason=exc), where)]
        ) from None
    report, row_by_row = compute(policy, frame, debut, fin, at, by, wanted, ids_for)
    if names:
        report.results = {n: r for n, r in report.results.items() if n in names or n == ids_for}
    return report, {"decisions_by": how, "row_by_row": row_by_row, "rows_dated_otherwise": other_dates(source, at)}
