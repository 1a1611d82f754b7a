"""The known traps of a polars backend, each pinned (tests/fixtures/batch/policy.yaml).

polars' offset_by("-NmoMd") order; decimal division's scale; round() half-even by default; is_in on
null; one division by zero or one unknown enum value failing a whole frame; dates past 9999.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from engine import calendar, load_policy
from engine.batch import Summary, dates, evaluate_batch

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "batch"


@pytest.fixture(scope="module")
def traps():
    return load_policy(FIXTURE)


def run(policy, **columns):
    n = len(next(iter(columns.values())))
    frame = pl.DataFrame({k: v for k, v in columns.items()}, schema={k: pl.String for k in columns})
    summary = Summary()
    result = evaluate_batch(policy, frame, summary=summary)
    assert result.height == n
    return result, summary


def errors(result, i):
    return {(e["decision"], e["code"]) for e in result["errors"][i]}


def test_month_and_day_offsets_follow_the_engine_not_polars():
    """offset_by("-1mo3d") disagrees with calendar.subtract_duration on many dates; ours does not."""
    days = [date(2023, 1, 1) + timedelta(days=i) for i in range(800)]
    frame = pl.DataFrame({"d": days})
    ours = frame.select(
        dates.subtract_duration(pl.col("d"), pl.lit(1), pl.lit(3)).alias("minus"),
        dates.add_duration(pl.col("d"), pl.lit(1), pl.lit(3)).alias("plus"),
        pl.col("d").dt.offset_by("-1mo3d").alias("polars"),
    )
    engine = [calendar.subtract_duration(d, calendar.Duration(1, 3)) for d in days]
    assert ours["minus"].to_list() == engine
    assert ours["plus"].to_list() == [calendar.add_duration(d, calendar.Duration(1, 3)) for d in days]
    assert ours["polars"].to_list() != engine  # the trap is real: polars alone would be wrong


def test_months_between_and_age_match_the_calendar():
    pairs = [(date(2000, 2, 29), date(2000, 2, 29) + timedelta(days=i)) for i in range(0, 3000, 7)]
    pairs += [(b, a) for a, b in pairs] + [
        (date(2023, 1, 31), date(2023, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),
    ]
    frame = pl.DataFrame({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]})
    got = frame.select(
        dates.months_between(pl.col("a"), pl.col("b")).alias("m"), dates.age(pl.col("a"), pl.col("b")).alias("y")
    )
    assert got["m"].to_list() == [calendar.months_between(a, b) for a, b in pairs]
    assert got["y"].to_list() == [calendar.age(a, b) for a, b in pairs]


def _ends_of_months() -> list[date]:
    """Days where month arithmetic is delicate: the 28th to the 31st, and the 1st, of 2023 to 2025."""
    days = [date(2023, 1, 1) + timedelta(days=i) for i in range(3 * 366)]
    return [d for d in days if d.day >= 28 or d.day == 1 or (d + timedelta(days=1)).day == 1]


def test_month_arithmetic_by_a_column_matches_the_calendar():
    """A month count read from a column (a rule's duration) goes through the month tables."""
    days = _ends_of_months()
    rows = [(d, n) for d in days for n in (-25, -13, -12, -1, 0, 1, 2, 11, 12, 13, 24, 49)]
    frame = pl.DataFrame({"d": [d for d, _ in rows], "n": [n for _, n in rows]})
    got = frame.select(dates.add_months(pl.col("d"), pl.col("n")).alias("m"))["m"].to_list()
    assert got == [calendar.add_months(d, n) for d, n in rows]


def test_month_arithmetic_past_the_calendar_is_flagged_not_wrong():
    frame = pl.DataFrame({"d": [date(9999, 12, 1), date(1, 1, 31), date(5000, 6, 15)], "n": [1, -1, 10**12]})
    got = frame.select(dates.outside_calendar(dates.add_months(pl.col("d"), pl.col("n"))).alias("out"))
    assert got["out"].to_list() == [True, True, True]


def test_months_between_every_pair_of_month_ends():
    days = _ends_of_months()[::3]
    pairs = [(a, b) for a in days for b in days]
    frame = pl.DataFrame({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]})
    got = frame.select(dates.months_between(pl.col("a"), pl.col("b")).alias("m"))["m"].to_list()
    assert got == [calendar.months_between(a, b) for a, b in pairs]


def test_working_days_match_the_calendar():
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(400)]
    got = pl.DataFrame({"d": days}).select(
        dates.next_working_day(pl.col("d")).alias("n"), dates.is_working_day(pl.col("d")).alias("w")
    )
    assert got["n"].to_list() == [calendar.next_working_day(d) for d in days]
    assert got["w"].to_list() == [calendar.is_working_day(d) for d in days]


def test_division_is_exact_and_a_zero_divisor_fails_only_its_row(traps):
    """polars' decimal division keeps the left operand's scale (10 / 4 → 2): the language's division
    goes to the scalar code, counted, and a division by zero is that row's, that decision's error."""
    result, summary = run(traps, montant=["10", "10", "1"], parts=["4", "0", "3"], naissance=["1990-01-01"] * 3,
                          at=["2024-01-01"] * 3)  # fmt: skip
    assert "par_part" in summary.scalar_decisions
    assert result["par_part"][0] == Decimal("2.5")
    assert result["par_part"][1] is None and errors(result, 1) == {("par_part", "evaluation_error")}
    assert abs(result["par_part"][2] - Decimal(1) / Decimal(3)) < Decimal("1e-12")
    assert result["arrondi_haut"][1] == Decimal("5")  # the row's other decisions are computed
    assert summary.rows_with_errors == 1 and summary.errors_by_code == {"evaluation_error": 1}


def test_rounding_modes_are_the_languages(traps):
    """round(x, 1, "half_up") is not polars' default half-even."""
    result, _ = run(traps, montant=["0.25", "0.35", "-0.25", "12.5"], taux=["1", "1", "1", "1"],
                    naissance=["1990-01-01"] * 4, at=["2024-01-01"] * 4)  # fmt: skip
    assert result["arrondi_haut"].to_list() == [Decimal("0.3"), Decimal("0.4"), Decimal("-0.3"), Decimal("12.5")]
    assert result["arrondi_pair"].to_list() == [Decimal("0.2"), Decimal("0.4"), Decimal("-0.2"), Decimal("12.5")]
    # floor + down to tens + ceiling + up, on 12.5: 12 + 10 + 13 + 13
    assert result["plancher"][3] == Decimal(48)
    # and on -0.25: -1 + 0 + 0 + -1
    assert result["plancher"][2] == Decimal(-2)


def test_in_on_null_is_false_and_not_in_is_true(traps):
    result, _ = run(traps, canal=[None, "web", "guichet"], naissance=["1990-01-01"] * 3, at=["2024-01-01"] * 3)
    assert result["distanciel"].to_list() == [False, True, False]
    assert result["presentiel_inconnu"].to_list() == [True, False, True]


def test_an_unknown_enum_value_fails_only_its_row(traps):
    result, summary = run(traps, canal=["fax", "web"], naissance=["1990-01-01"] * 2, at=["2024-01-01"] * 2)
    assert result["distanciel"].to_list() == [None, True]
    [error] = result["errors"][0]
    assert error["code"] == "fact_type_error" and error["column"] == "canal" and '"fax"' in error["message"]
    assert error["decision"] is None
    assert summary.rows_with_errors == 1


def test_dates_past_9999_are_errors_not_silent(traps):
    result, _ = run(traps, debut=["9999-12-15", "9999-10-01"], naissance=["1990-01-01"] * 2, at=["2024-01-01"] * 2)
    assert result["echeance"][0] is None
    assert errors(result, 0) == {("echeance", "evaluation_error")}
    assert result["rappel"][0] == date(9999, 10, 12)  # the other decision of the row is computed
    assert result["echeance"][1] == date(9999, 12, 3)


def test_a_date_past_9999_in_a_parquet_caseload_is_a_fact_error(traps, tmp_path):
    frame = pl.DataFrame({"debut": [date(2020, 1, 1), date(2020, 1, 1)], "naissance": [date(1990, 1, 1)] * 2})
    frame = frame.with_columns(pl.when(pl.int_range(2) == 1).then(pl.col("debut") + pl.duration(days=3_000_000))
                               .otherwise(pl.col("debut")).alias("debut"))  # fmt: skip
    path = tmp_path / "far.parquet"
    frame.write_parquet(path)
    result = evaluate_batch(traps, path, at=date(2024, 1, 1))
    assert result["echeance"][0] == date(2020, 3, 3)  # 2 months + 2 days in 2024
    [error] = result["errors"][1]
    assert (error["column"], error["code"]) == ("debut", "fact_type_error")
    assert all(result[d][1] is None for d in traps.decisions)


def test_not_in_force_and_missing_fact_are_each_decisions_own(traps):
    result, summary = run(
        traps, montant=["150", "150"], naissance=[None, "1990-06-01"], at=["2021-06-01", "2022-06-01"]
    )
    assert errors(result, 0) == {("nouveau_regime", "not_in_force"), ("age_demandeur", "missing_fact")}
    assert result["arrondi_haut"][0] == Decimal(75)
    missing = next(e for e in result["errors"][0] if e["code"] == "missing_fact")
    assert missing["column"] == "naissance"
    assert errors(result, 1) == set()
    assert result["nouveau_regime"][1] is True and result["age_demandeur"][1] == 32
    assert summary.errors_by_code == {"not_in_force": 1, "missing_fact": 1}
    assert summary.fallback_rows >= 1
