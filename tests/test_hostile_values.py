"""Issue 12 §2: one definition of each type's valid values (engine.values), applied on every path
(case files, the API's fast and slow paths); each violation a located `fact_type_error` naming the fact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import write_policy
from test_cli import run

from engine import CaseError, Code, Duration, PolicyCompileError, check_value, load_policy
from engine.types import DATE, DURATION, INT, MONEY, TEXT, Kind, Type
from engine.values import (
    MAX_AMOUNT,
    MAX_DURATION_PART,
    MAX_FRACTION_DIGITS,
    MAX_INT,
    MAX_LIST_ITEMS,
    MAX_TEXT_LENGTH,
)

POLICY = """\
facts:
  m: {type: money, label: M}
  n: {type: int, label: N}
  d: {type: "date?", label: D}
  t: {type: "text?", label: T}
  x: {type: "decimal?", label: X}
  l: {type: "list[int]", label: L, default: []}
rules:
  total:
    label: Total
    type: money
    references: [{article: X}]
    from: 2000-01-01
    formula: m + m
  count:
    label: Count
    type: int
    references: [{article: X}]
    from: 2000-01-01
    formula: if d is null and t is null and x is null and 0 not in l then n else n
"""
AT = date(2024, 1, 1)


@pytest.fixture(scope="module")
def policy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_policy(tmp_path_factory.mktemp("values"), POLICY)


def _case(tmp_path: Path, facts: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(f"at: 2024-01-01\nfacts:\n{facts}", encoding="utf-8")
    return path


def _eval_error(policy_dir: Path, tmp_path: Path, facts: str) -> str:
    result = run("eval", str(_case(tmp_path, facts)), "--policy", str(policy_dir))
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr


# -- case files ---------------------------------------------------------------------------------
def test_a_superscript_digit_tagged_int_is_a_fact_type_error(policy_dir: Path, tmp_path: Path) -> None:
    err = _eval_error(policy_dir, tmp_path, '  m: 1\n  n: 1\n  d: !!int "²"\n')
    assert "case.yaml:5:6: error[fact_type_error]: fact `d` must be a date written YYYY-MM-DD" in err


@pytest.mark.parametrize("written", ["20240101", "2024-W01-1", "２０２４-01-01"])
def test_only_iso_dates_with_ascii_digits(policy_dir: Path, tmp_path: Path, written: str) -> None:
    err = _eval_error(policy_dir, tmp_path, f'  m: 1\n  n: 1\n  d: "{written}"\n')
    assert "fact `d` must be a date written YYYY-MM-DD" in err


@pytest.mark.parametrize("written", ['"١٢٣"', '"１２"', "!!int '²'"])
def test_whole_numbers_have_ascii_digits(policy_dir: Path, tmp_path: Path, written: str) -> None:
    err = _eval_error(policy_dir, tmp_path, f"  m: 1\n  n: {written}\n")
    assert "error[fact_type_error]: fact `n` must be a whole number" in err


def test_a_tiny_exponent_is_refused_at_once(policy_dir: Path, tmp_path: Path) -> None:
    err = _eval_error(policy_dir, tmp_path, "  m: 1e-999999999\n  n: 1\n")
    assert "error[fact_type_error]: fact `m` must have at most 12 digits after the decimal point" in err
    assert len(err) < 2000  # the value is shown shortened, never printed in full


@pytest.mark.parametrize("written", ["1e400", ".nan", ".inf", "-.inf", '"NaN"', '"Infinity"', '"١٢٣"'])
def test_amounts_out_of_range_or_not_numbers(policy_dir: Path, tmp_path: Path, written: str) -> None:
    err = _eval_error(policy_dir, tmp_path, f"  m: {written}\n  n: 1\n")
    assert "error[fact_type_error]: fact `m` must" in err


def test_amounts_within_limits_from_case_files(policy_dir: Path, tmp_path: Path) -> None:
    case = _case(tmp_path, "  m: 999999999999999.999999999999\n  n: 999999999999999\n  x: 1.5e3\n")
    result = run("eval", str(case), "--policy", str(policy_dir), "--json")
    assert result.returncode == 0, result.stderr
    assert '"total": "1999999999999999.999999999998"' in result.stdout


# -- the Python API, fast and slow paths alike ----------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("1E+400"), Decimal("1e-999999999")],
)
@pytest.mark.parametrize("as_text", [False, True])
def test_api_refuses_non_finite_and_out_of_range_amounts(policy_dir: Path, value: Decimal, as_text: bool) -> None:
    policy = load_policy(policy_dir)
    with pytest.raises(CaseError) as info:
        policy.evaluate({"m": str(value) if as_text else value, "n": 1}, AT)
    [d] = info.value.diagnostics
    assert d.code is Code.FACT_TYPE and d.message.startswith("fact `m` must")


def test_api_fast_path_bounds_ints_texts_and_durations(policy_dir: Path) -> None:
    policy = load_policy(policy_dir)
    for facts in ({"n": MAX_INT}, {"n": -MAX_INT}, {"t": "x" * (MAX_TEXT_LENGTH + 1)}, {"l": ["x"]}):
        with pytest.raises(CaseError) as info:
            policy.evaluate({"m": Decimal(1), "n": 1, **facts}, AT)
        assert info.value.diagnostics[0].code is Code.FACT_TYPE
    ok = policy.evaluate({"m": Decimal(1), "n": MAX_INT - 1, "t": "x" * MAX_TEXT_LENGTH, "l": [1, 2]}, AT)
    assert ok["count"] == MAX_INT - 1


@pytest.mark.parametrize("decisions", [[1], [None], [["total"]], 5, [b"total"]])
def test_decision_names_that_are_not_texts_are_a_located_error(policy_dir: Path, decisions: object) -> None:
    policy = load_policy(policy_dir)
    with pytest.raises(CaseError) as info:
        policy.evaluate({"m": 1, "n": 1}, AT, decisions=decisions)  # type: ignore[arg-type]
    assert info.value.diagnostics[0].code is Code.UNKNOWN_DECISION
    assert "decisions are named by texts" in info.value.diagnostics[0].message


# -- the definition itself, at each limit and just past it ----------------------------------------
def _ok(value: object, ty: Type) -> object:
    converted, error = check_value(value, ty, {})
    assert error is None, error
    return converted


def _refused(value: object, ty: Type) -> str:
    converted, error = check_value(value, ty, {})
    assert converted is None and error is not None
    return error


def test_amount_bounds_at_the_edge_and_past_it() -> None:
    edge = MAX_AMOUNT - Decimal(1).scaleb(-MAX_FRACTION_DIGITS)
    assert _ok(edge, MONEY) == edge
    assert _ok(-edge, MONEY) == -edge
    assert "below" in _refused(MAX_AMOUNT, MONEY)
    assert "below" in _refused(-MAX_AMOUNT, MONEY)
    smallest = Decimal(1).scaleb(-MAX_FRACTION_DIGITS)
    assert _ok(smallest, MONEY) == smallest
    assert "digits after the decimal point" in _refused(smallest / 10, MONEY)
    # trailing zeros are the same amount: accepted, and kept short
    assert str(_ok(Decimal("1." + "0" * 40), MONEY)) == "1"
    assert str(_ok(Decimal("1E+2"), MONEY)) == "100"
    assert "exact" in _refused(1.5, MONEY)
    assert _refused(True, MONEY)


def test_int_date_text_list_and_duration_bounds() -> None:
    assert _ok(MAX_INT - 1, INT) == MAX_INT - 1
    assert _refused(MAX_INT, INT)
    assert _ok("-12", INT) == -12
    assert _refused("1" * 70, INT)
    assert _refused(10**5000, INT).endswith("in size, not a number of more than 40 digits")
    assert _ok("2024-02-29", DATE) == date(2024, 2, 29)
    assert _refused("2023-02-29", DATE)
    assert _ok("x" * MAX_TEXT_LENGTH, TEXT)
    assert _refused("x" * (MAX_TEXT_LENGTH + 1), TEXT)
    ints = Type(Kind.LIST, item=INT)
    assert _ok(list(range(MAX_LIST_ITEMS)), ints)
    assert _refused(list(range(MAX_LIST_ITEMS + 1)), ints)
    assert "has an item that" in _refused([1, "x"], ints)
    assert _ok(Duration(MAX_DURATION_PART, -MAX_DURATION_PART), DURATION)
    assert _refused(Duration(MAX_DURATION_PART + 1, 0), DURATION)


def test_non_ascii_digits_in_formulas_are_not_numbers(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        "rules:\n  r:\n    label: R\n    type: money\n    references: [{article: X}]\n"
        '    from: 2000-01-01\n    formula: "١٢٣ € + ١٠٠ €"\n',
    )
    with pytest.raises(PolicyCompileError) as info:
        load_policy(path)
    [d] = info.value.diagnostics
    assert d.code is Code.SYNTAX and "unexpected character `١`" in d.message
    assert (d.span.line, d.span.column) == (7, 15)
