"""Explanations say exactly what was computed: exact numbers, only the branches evaluation took,
no depth limit that evaluation does not have, and user text printed literally."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import write_policy
from test_cli import run

from engine import load_policy

LOYER = """
facts:
  loyer: {type: money, label: Loyer}
rules:
  cher:
    label: Loyer élevé
    type: bool
    references: [{article: X}]
    from: 2020-01-01
    table:
      - when: loyer > 12.34 €
        then: true
        because: Loyer au-dessus du seuil.
      - otherwise: false
        because: Sinon.
  tiers:
    label: Tiers du loyer
    type: money
    references: [{article: X}]
    from: 2020-01-01
    formula: loyer / 3
  ratio:
    label: Ratio
    type: money
    references: [{article: X}]
    from: 2020-01-01
    formula: loyer / 7
"""


def test_numbers_are_shown_exactly_as_computed(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, LOYER))
    decision = policy.evaluate({"loyer": Decimal("12.345")}, at=date(2024, 1, 1))
    assert decision["tiers"] == Decimal("4.115")
    text = str(decision.explain("cher"))
    assert "(loyer = 12,345 €)" in text and "12,34 €" not in text.replace("12,345", "")
    tiers = str(decision.explain("tiers"))
    assert "= 4,115 €" in tiers and "Loyer (loyer) : 12,345 €" in tiers
    ratio = decision["ratio"]
    assert f"= {str(ratio).replace('.', ',')} €" in str(decision.explain("ratio"))  # every digit computed
    assert decision.explain("tiers").to_dict()["value"] == "4.115"
    # Round amounts keep their cents; big ones are grouped by thousands, still exact.
    big = policy.evaluate({"loyer": Decimal("1234567.5")}, at=date(2024, 1, 1))
    assert "1 234 567,50 €" in str(big.explain("cher"))


DIVISION = Path(__file__).parent / "fixtures" / "division"


def test_explaining_never_evaluates_a_branch_evaluation_did_not_take(tmp_path: Path) -> None:
    path = DIVISION
    policy = load_policy(path)
    decision = policy.evaluate({"n": 0}, at=date(2024, 1, 1))
    assert decision["grand"] is False and decision["grand_formule"] is False
    for name in ("grand", "grand_formule"):
        explanation = decision.explain(name)
        assert explanation.value is False
        assert "Grand" in str(explanation) and explanation.to_markdown()
        json.loads(explanation.to_json())
        assert explanation.why_not("true")
    case = tmp_path / "case.yaml"
    case.write_text("at: 2024-01-01\nfacts: {n: 0}\n")
    for fmt in ("text", "json", "markdown"):
        result = run("explain", str(case), "grand", "--format", fmt, "--policy", str(path))
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert run("eval", str(case), "--decision", "grand", "--policy", str(path)).returncode == 0


def chain_policy(folder: Path, length: int) -> Path:
    lines = ["facts:", "  n: {type: int, label: N}", "rules:"]
    for i in range(length):
        formula = "n + 1" if i == 0 else f"r{i - 1} + 1"
        output = "" if i == length - 1 else "    output: false\n"
        lines.append(
            f"  r{i}:\n    label: R{i}\n    type: int\n{output}    references: [{{article: X}}]\n"
            f"    from: 2020-01-01\n    formula: {formula}"
        )
    return write_policy(folder, "\n".join(lines) + "\n")


@pytest.mark.parametrize("length", [500, 2000])
def test_a_long_chain_explains_as_far_as_it_evaluates(tmp_path: Path, length: int) -> None:
    policy = load_policy(chain_policy(tmp_path, length))
    last = f"r{length - 1}"
    decision = policy.evaluate({"n": 0}, at=date(2024, 1, 1))
    assert decision[last] == length
    explanation = decision.explain(last)
    data = json.loads(explanation.to_json())  # a standard JSON reader must be able to read it
    assert data["value"] == length and len(data["records"]) == length
    assert {r["rule"] for r in data["records"]} == {f"r{i}" for i in range(length)}
    text = explanation.to_text()
    assert "(r0) = 1" in text and f"({last}) = {length}" in text
    assert max(len(line) for line in text.splitlines()) < 400  # indentation does not grow without end
    assert explanation.to_markdown().count("\n#") >= length
    assert policy.evaluate({"n": 0}, at=date(2024, 1, 1), trace=True)[last] == length


def test_a_long_chain_through_the_command(tmp_path: Path) -> None:
    path = chain_policy(tmp_path, 500)
    case = tmp_path / "case.yaml"
    case.write_text("at: 2024-01-01\nfacts: {n: 0}\n")
    for fmt in ("json", "text"):
        result = run("explain", str(case), "r499", "--format", fmt, "--policy", str(path))
        assert result.returncode == 0 and "RecursionError" not in result.stderr, result.stderr[-2000:]
    data = json.loads(run("explain", str(case), "r499", "--format", "json", "--policy", str(path)).stdout)
    assert data["value"] == 500


def test_user_text_and_locations_are_printed_literally(tmp_path: Path) -> None:
    # A type error on line 100, column 15: `:100:` must not become an emoji.
    filler = "".join(f"# ligne {i}\n" for i in range(1, 91))
    body = (
        "facts:\n  a: {type: int, label: A}\n"
        'rules:\n  r:\n    label: "[bold]R[/bold] :smile: :100:"\n    type: int\n'
        "    references: [{article: X}]\n    from: 2020-01-01\n"
        "    description: texte\n    formula: a + true\n"
    )
    path = write_policy(tmp_path, filler + body)
    lines = path.read_text().splitlines()
    assert lines[99] == "    formula: a + true"
    result = run("check", str(path))
    assert result.returncode == 1
    assert f"{path}:100:" in result.stderr and "💯" not in result.stderr + result.stdout
    # Labels with markup and emoji codes, in the explanation and the evaluation.
    ok = write_policy(tmp_path, filler + body.replace("a + true", "a + a"), "ok.yaml")
    case = tmp_path / "case.yaml"
    case.write_text('description: "[red]cas[/red] :thumbs_up:"\nat: 2024-01-01\nfacts: {a: 2}\n')
    text = run("explain", str(case), "r", "--policy", str(ok))
    assert text.returncode == 0, text.stderr
    assert "[bold]R[/bold] :smile: :100:" in text.stdout and "💯" not in text.stdout
    shown = run("eval", str(case), "--policy", str(ok))
    assert "[red]cas[/red] :thumbs_up:" in shown.stdout and "👍" not in shown.stdout
