"""Static checks: names, types, null handling, tables, cycles and unused declarations."""

from __future__ import annotations

from pathlib import Path

from conftest import write_policy

from engine import check_policy
from engine.diagnostics import Code, Diagnostic, Severity

HEADER = """\
enums:
  couleur:
    label: Couleur
    values: {rouge: Rouge, vert: Vert}
facts:
  a: {type: int, label: A}
  b: {type: bool, label: B}
  d: {type: "date?", label: D}
  m: {type: money, label: M}
  c: {type: "couleur?", label: C}
  t: {type: "text?", label: T}
parameters:
  seuil:
    label: Seuil
    type: int
    values:
      - {from: 2020-01-01, value: 3, references: [{article: X}]}
rules:
"""


def rule(name: str, type_: str, formula: str) -> str:
    return f"""  {name}:
    label: {name}
    type: {type_}
    references: [{{article: X}}]
    from: 2020-01-01
    formula: {formula}
"""


def errors(tmp_path: Path, rules: str) -> list[Diagnostic]:
    diagnostics, _ = check_policy(write_policy(tmp_path, HEADER + rules))
    return [d for d in diagnostics if d.severity is Severity.ERROR]


def codes(tmp_path: Path, rules: str) -> list[tuple[str, int, int]]:
    return [(d.code.value, d.span.line, d.span.column) for d in errors(tmp_path, rules)]


def test_one_unknown_name_and_one_type_error_no_cascade(tmp_path: Path) -> None:
    # `a + zz * b`: zz unknown, b a bool. Exactly two diagnostics, at zz and at b.
    found = errors(tmp_path, rule("r", "int", "a + zz * b"))
    assert [d.code for d in found] == [Code.UNKNOWN_REF, Code.TYPE]
    assert (found[0].span.column, found[1].span.column) == (18, 23)
    assert "zz" in found[0].message and "`b` is a bool" in found[1].message


def test_did_you_mean(tmp_path: Path) -> None:
    (d,) = errors(tmp_path, rule("r", "int", "seuill + 1"))
    assert d.code is Code.UNKNOWN_REF and "did you mean `seuil`" in d.message


def test_optional_must_be_handled(tmp_path: Path) -> None:
    (d,) = errors(tmp_path, rule("r", "date", "d + 1 month"))
    assert d.code is Code.NULL and "`d` may be null" in d.message and "is not null" in (d.help or "")
    assert errors(tmp_path, rule("r", "date?", "if d is not null then d + 1 month else null")) == []
    assert errors(tmp_path, rule("r", "date", "(d ?? 2020-01-01) + 1 month")) == []
    assert errors(tmp_path, rule("r", "bool", "d is not null and d > 2020-01-01")) == []
    assert errors(tmp_path, rule("r", "bool", "d is null or d > 2020-01-01")) == []


def test_a_non_optional_rule_cannot_return_null(tmp_path: Path) -> None:
    (d,) = errors(tmp_path, rule("r", "date", "if b then d else null"))
    assert d.code is Code.NULL and "date?" in (d.help or "")


def test_enum_values_are_checked_against_their_enum(tmp_path: Path) -> None:
    assert errors(tmp_path, rule("r", "bool", "c == rouge")) == []
    assert errors(tmp_path, rule("r", "bool", 'c == "vert"')) == []
    (d,) = errors(tmp_path, rule("r", "bool", 'c == "bleu"'))
    assert d.code is Code.UNKNOWN_REF and "`bleu` is not a value of `couleur`" in d.message
    (d,) = errors(tmp_path, rule("r", "couleur", "rougee"))
    assert d.code is Code.UNKNOWN_REF


def test_money_needs_units(tmp_path: Path) -> None:
    (d,) = errors(tmp_path, rule("r", "money", "m + 3"))
    assert d.code is Code.TYPE and "500 €" in (d.help or "")
    assert errors(tmp_path, rule("r", "money", "m + 3 €")) == []
    assert errors(tmp_path, rule("r", "money", "if b then m else 0")) == []


def test_dates(tmp_path: Path) -> None:
    (d,) = errors(tmp_path, rule("r", "int", "2020-01-01 - 2019-01-01"))
    assert "days_between" in (d.help or "")
    (d,) = errors(tmp_path, rule("r", "bool", "1 month < 30 days"))
    assert d.code is Code.TYPE


def test_branches_must_agree(tmp_path: Path) -> None:
    (d,) = errors(tmp_path, rule("r", "int", "if b then 1 else true"))
    assert d.code is Code.TYPE and "branches" in d.message


def test_as_of_reads_rules_and_parameters_not_facts(tmp_path: Path) -> None:
    assert errors(tmp_path, rule("r", "int", "seuil as of 2021-01-01")) == []
    (d,) = errors(tmp_path, rule("r", "int", "a as of 2021-01-01"))
    assert "facts do not change with the law" in (d.help or "")
    (d,) = errors(tmp_path, rule("r", "int", "seuil as of d"))
    assert d.code is Code.NULL


def test_builtins_are_checked(tmp_path: Path) -> None:
    (d,) = errors(tmp_path, rule("r", "int", "age(a, 2020-01-01)"))
    assert d.code is Code.TYPE and "argument 1 must be a date" in d.message
    (d,) = errors(tmp_path, rule("r", "int", "agee(d, 2020-01-01)"))
    assert d.code is Code.UNKNOWN_REF and "did you mean `age`" in d.message
    (d,) = errors(tmp_path, rule("r", "decimal", 'round(1.25, 1, "nearest")'))
    assert "rounding mode" in d.message


def test_cycles_report_the_whole_path_with_located_edges(tmp_path: Path) -> None:
    found = errors(tmp_path, rule("r1", "int", "r2 + 1") + rule("r2", "int", "r3 + 1") + rule("r3", "int", "r1 + a"))
    (d,) = [x for x in found if x.code is Code.CYCLE]
    assert "r1 -> r3 -> r2 -> r1" in d.message or "r1 -> r2" in d.message or "->" in d.message
    assert len(d.notes) == 3 and all(span.file.endswith("policy.yaml") for _, span in d.notes)


def test_table_rows_narrow_nulls_and_unreachable_rows_warn(tmp_path: Path) -> None:
    table = """  r:
    label: r
    type: date
    references: [{article: X}]
    from: 2020-01-01
    table:
      - when: d is null
        then: 2020-01-01
        because: pas de date
      - when: b
        then: d + 1 month
        because: b
      - when: b and a > 1
        then: d
        because: jamais
      - otherwise: d
        because: sinon
"""
    diagnostics, _ = check_policy(write_policy(tmp_path, HEADER + table))
    assert [d for d in diagnostics if d.severity is Severity.ERROR] == []
    warnings = [d for d in diagnostics if d.code is Code.UNREACHABLE_ROW]
    assert len(warnings) == 1 and "row 3" in warnings[0].message


def test_unused_declarations_warn(tmp_path: Path) -> None:
    text = (
        HEADER
        + rule("r", "int", "a")
        + """  helper:
    label: h
    type: int
    output: false
    references: [{article: X}]
    from: 2020-01-01
    formula: 1
"""
    )
    diagnostics, _ = check_policy(write_policy(tmp_path, text))
    found = {d.code for d in diagnostics}
    assert {Code.UNUSED_RULE, Code.UNUSED_PARAMETER, Code.UNUSED_FACT} <= found
    assert all(d.severity is Severity.WARNING for d in diagnostics)


def test_errors_from_every_stage_are_reported_together_and_sorted(tmp_path: Path) -> None:
    text = rule("r1", "int", "zz") + rule("r2", "int", "a +") + rule("r3", "bool", "a")
    found = errors(tmp_path, text)
    assert [d.code for d in found] == [Code.UNKNOWN_REF, Code.SYNTAX, Code.TYPE]
    assert [d.span.line for d in found] == sorted(d.span.line for d in found)
