"""Issue 12 §5: messages that name the real mistake, at the right place."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_policy

from engine import Code, Diagnostic, PolicyCompileError, load_policy

HEAD = """\
facts:
  commune: {type: text, label: Commune}
rules:
  r:
    label: R
    type: int
    references: [{article: X}]
    from: 2000-01-01
"""


def _diagnostics(path: Path) -> list[Diagnostic]:
    with pytest.raises(PolicyCompileError) as info:
        load_policy(path)
    return [d for d in info.value.diagnostics if d.severity.value == "error"]


def _unknown_at(tmp_path: Path, formula: str) -> tuple[int, int, int]:
    text = HEAD + formula
    [d] = _diagnostics(write_policy(tmp_path, text))
    assert d.code is Code.UNKNOWN_REF and "bonus_inconnu" in d.message, d
    line = text.splitlines()[d.span.line - 1]
    assert line[d.span.column - 1 :].startswith("bonus_inconnu"), (line, d.span)
    return d.span.line, d.span.column, d.span.end_column


@pytest.mark.parametrize(
    "formula",
    [
        "    formula: if commune == 'Nemours' then 1 else bonus_inconnu\n",
        "    formula: 'if commune == ''Nemours'' then 1 else bonus_inconnu'\n",
        "    formula: 'if commune in [''Nemours'', ''Melun''] then 1 else bonus_inconnu'\n",
        '    formula: "if commune == \\"Nemours\\" then 1 else bonus_inconnu"\n',
        '    formula: "if commune == \\u0022Nemours\\u0022 then\\t1 else bonus_inconnu"\n',
        "    formula: 'if commune == ''Nemours''\n      then 1 else bonus_inconnu'\n",
        "    formula: |\n      if commune == 'Nemours'\n      then 1 else bonus_inconnu\n",
        "    formula: |-\n      if commune == 'Nemours'\n        then 1\n        else bonus_inconnu\n",
        "    formula: |2\n        if commune == 'Nemours'\n        then 1 else bonus_inconnu\n",
        "    formula: >\n      if commune == 'Nemours'\n      then 1 else bonus_inconnu\n",
        "    formula: >-\n      if commune == 'Nemours' then 1\n\n      else bonus_inconnu\n",
        "    formula: >4 # a comment: bonus\n"
        "        if commune == 'Nemours'\n          then 1\n        else bonus_inconnu\n",
        "    formula: if commune == 'Nemours'\n      then 1 else bonus_inconnu\n",
    ],
    ids=[
        "plain",
        "single-quoted-escapes",
        "single-quoted-several-escapes",
        "double-quoted-escapes",
        "double-quoted-unicode-escapes",
        "single-quoted-two-lines",
        "literal",
        "literal-strip-more-indented",
        "literal-indentation-indicator",
        "folded",
        "folded-strip-empty-line",
        "folded-indicator-comment-more-indented",
        "plain-two-lines",
    ],
)
def test_every_scalar_style_gives_the_exact_position(tmp_path: Path, formula: str) -> None:
    _, column, end = _unknown_at(tmp_path, formula)
    assert end - column == len("bonus_inconnu")


PARAMETER = """\
parameters:
  commune_pilote:
    label: Commune pilote
    type: text
    values:
      - from: 2000-01-01
        value: {value}
        references: [{{article: X}}]
rules:
  r:
    label: R
    type: text
    references: [{{article: X}}]
    from: 2000-01-01
    formula: commune_pilote
"""


@pytest.mark.parametrize("value", ['"nemours"', "'nemours'", "'\"nemours\"'", '"Nemours : centre"'])
def test_a_quoted_text_value_is_that_text(tmp_path: Path, value: str) -> None:
    from datetime import date

    policy = load_policy(write_policy(tmp_path, PARAMETER.format(value=value)))
    assert policy.evaluate({}, date(2024, 1, 1))["r"].lower().startswith("nemours")  # type: ignore[union-attr]


def test_a_bare_word_where_text_is_expected_says_how_to_write_text(tmp_path: Path) -> None:
    [d] = _diagnostics(write_policy(tmp_path, PARAMETER.format(value="nemours")))
    assert d.code is Code.UNKNOWN_REF
    assert d.message == "unknown name `nemours`: a text is written in quotes"
    assert d.help is not None and 'value: "nemours"' in d.help
    assert (d.span.line, d.span.column) == (7, 16)


def test_a_row_contradicting_itself_says_so(tmp_path: Path) -> None:
    text = (
        "facts:\n  inscrit: {type: bool, label: I}\nrules:\n  r:\n    label: R\n    type: int\n"
        "    references: [{article: X}]\n    from: 2000-01-01\n    table:\n"
        "      - when: inscrit and not inscrit\n        then: 1\n        because: b\n"
        "      - otherwise: 0\n        because: b\n"
    )
    [warning] = load_policy(write_policy(tmp_path, text)).warnings
    assert warning.code is Code.UNREACHABLE_ROW
    assert warning.message == "row 1 of `r` can never match: its own condition can never hold"
    assert warning.help is not None and "contradicts itself" in warning.help and "move it" not in warning.help


RULES_USING = """\
rules:
  adre_total:
    label: Total
    type: money
    references: [{article: X}]
    from: 2000-01-01
    formula: adre_montant_prise_de_poste + adre_montant_six_mois + adre_plafond
  adre_double:
    label: Double
    type: money
    references: [{article: X}]
    from: 2000-01-01
    formula: 2 * adre_montant_prise_de_poste
"""


def _adre(tmp_path: Path, parameters: str) -> list[Diagnostic]:
    folder = tmp_path / "pol"
    (folder / "rules").mkdir(parents=True)
    (folder / "parameters").mkdir()
    (folder / "rules" / "adre.yaml").write_text(RULES_USING, encoding="utf-8")
    (folder / "parameters" / "adre.yaml").write_text(parameters, encoding="utf-8")
    return _diagnostics(folder)


def _parameters(slip: str = "", name: str = "adre_montant_prise_de_poste", type_: str = "money") -> str:
    out = ["parameters:\n"]
    for n in (name, "adre_montant_six_mois", "adre_plafond"):
        out.append(
            f"  {n}:\n    label: L\n    type: {type_ if n == name else 'money'}\n    values:\n"
            f"      - from: 2000-01-01\n        value: 500 €\n        references: [{{article: X}}]\n"
        )
    return "".join(out).replace("        value: 500 €\n", slip or "        value: 500 €\n", 1)


def test_one_yaml_slip_in_a_parameter_file_is_one_error(tmp_path: Path) -> None:
    [d] = _adre(tmp_path, _parameters(slip="        value 500 €\n"))
    assert d.code is Code.YAML and d.span.file.endswith("parameters/adre.yaml")
    assert d.message == "`value 500 €` has no `:` after `value`"


@pytest.mark.parametrize(
    ("name", "type_", "code"),
    [("Adre_montant", "money", Code.INVALID_VALUE), ("adre_montant_prise_de_poste", "monnaie", Code.UNKNOWN_TYPE)],
)
def test_an_error_in_a_declaration_does_not_cascade_to_its_uses(
    tmp_path: Path, name: str, type_: str, code: Code
) -> None:
    parameters = _parameters(name=name, type_=type_)
    rules = RULES_USING.replace("adre_montant_prise_de_poste", name)
    folder = tmp_path / "pol"
    (folder / "rules").mkdir(parents=True)
    (folder / "parameters").mkdir()
    (folder / "rules" / "adre.yaml").write_text(rules, encoding="utf-8")
    (folder / "parameters" / "adre.yaml").write_text(parameters, encoding="utf-8")
    errors = _diagnostics(folder)
    assert [d.code for d in errors] == [code], errors
    assert errors[0].span.file.endswith("parameters/adre.yaml")


PARAMETER_VALUES = """\
parameters:
  p:
    label: P
    type: int
    values:
{values}rules:
  r:
    label: R
    type: int
    references: [{{article: X}}]
    from: 2000-01-01
    formula: p
"""


@pytest.mark.parametrize(
    ("values", "message", "line", "column", "help"),
    [
        (
            "      - from: 2020-01-01\n          value: 3\n        references: [{article: X}]\n",
            "this line is indented more than `from:` above it, so YAML reads it as part of `from`'s value",
            7,
            11,
            "start `value:` in the same column as `from:` (column 9)",
        ),
        (
            "      - from 2020-01-01\n        value: 3\n        references: [{article: X}]\n",
            "`from 2020-01-01` has no `:` after `from`",
            6,
            13,
            "write `from: 2020-01-01`",
        ),
        (
            "      - from: 2020-01-01\n        value 3\n        references: [{article: X}]\n",
            "`value 3` has no `:` after `value`",
            7,
            14,
            "write `value: 3`",
        ),
        (
            "      - from: 2020-01-01\n       value: 3\n        references: [{article: X}]\n",
            "this line is indented less than `from:` above it",
            7,
            8,
            "start `value:` in the same column as `from:` (column 9)",
        ),
        (
            "      - from: 2020-01-01\n        value: 3\n        references: [{article: X}]\n"
            "     - from: 2021-01-01\n        value: 4\n        references: [{article: X}]\n",
            "this list item is not in the same column as the items above it",
            9,
            6,
            "start its `-` in column 7, like the item on line 6",
        ),
    ],
    ids=["too-much-indentation", "missing-colon-after-from", "missing-colon-after-value", "too-little", "item-left"],
)
def test_yaml_slips_get_one_message_at_the_line_of_the_slip(
    tmp_path: Path, values: str, message: str, line: int, column: int, help: str
) -> None:
    [d] = _diagnostics(write_policy(tmp_path, PARAMETER_VALUES.format(values=values)))
    assert d.code is Code.YAML
    assert (d.message, d.span.line, d.span.column, d.help) == (message, line, column, help)


def test_a_colon_inside_a_value_still_says_to_quote_it(tmp_path: Path) -> None:
    text = HEAD.replace("label: R", "label: Orientation : suite") + "    formula: 1\n"
    [d] = _diagnostics(write_policy(tmp_path, text))
    assert d.code is Code.YAML and d.help is not None and "quoted" in d.help
