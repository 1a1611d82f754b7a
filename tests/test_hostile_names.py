"""Issue 12 §3: names are checked with a full match, exports escape labels for their format,
negative and long literals are exact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import write_policy

from engine import Code, PolicyCompileError, ast, load_policy
from engine.parser import parse
from engine.printer import to_text

RULE = """\
  {name}:
    label: {label}
    type: bool
    references: [{{article: X}}]
    from: 2000-01-01
    formula: {formula}
"""


def _rules(*rules: str) -> str:
    return "rules:\n" + "".join(rules)


@pytest.mark.parametrize("key", ['"r\\n"', '"r\\r"', '"r "', '"é"', '"R"'])
def test_names_are_checked_with_a_full_match(tmp_path: Path, key: str) -> None:
    path = write_policy(tmp_path, _rules(RULE.format(name=key, label="R", formula="true")))
    with pytest.raises(PolicyCompileError) as info:
        load_policy(path)
    codes = [d.code for d in info.value.diagnostics]
    assert codes == [Code.INVALID_VALUE], info.value
    assert "is not a valid rule name" in info.value.diagnostics[0].message


HOSTILE_LABEL = '"a b\\" --> x[\\"evil\\"] click r call x() # <b>\\\\"'


@pytest.mark.parametrize("label", ['"a\\nb"', '"a\\rb"', '"a\\u2028b"', "|\n      a\n      b"])
def test_a_label_is_one_line(tmp_path: Path, label: str) -> None:
    """Labels are printed as one line by every export and explanation: a line break is refused."""
    path = write_policy(tmp_path, _rules(RULE.format(name="r", label=label, formula="true")))
    with pytest.raises(PolicyCompileError) as info:
        load_policy(path)
    [d] = info.value.diagnostics
    assert d.code is Code.INVALID_VALUE and d.message == "label must be one line of text"
    assert d.span.line == 3


def test_mermaid_and_dot_exports_escape_labels(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        _rules(
            RULE.format(name="r", label=HOSTILE_LABEL, formula="true"),
            RULE.format(name="s", label="S", formula="r").replace("type: bool", "type: bool\n    output: true"),
        ),
    )
    graph = load_policy(path).graph
    mermaid = graph.to_mermaid().splitlines()
    assert mermaid[0] == "flowchart LR"
    # one line per node and per edge: the label's line breaks did not start new lines
    assert len(mermaid) == 1 + 2 + 1, mermaid
    node = mermaid[1]
    assert node.startswith('  r["') and node.endswith('"]')
    inner = node[len('  r["') : -len('"]')]
    assert '"' not in inner and "<b>" not in inner and "#quot;evil#quot;" in inner
    dot = graph.to_dot().splitlines()
    assert len(dot) == 2 + 2 + 1 + 1, dot
    line = next(x for x in dot if x.startswith('  "r" ['))
    # read the DOT string as Graphviz does: it ends at the first unescaped quote
    rest = line.split('label="', 1)[1]
    i = 0
    while rest[i] != '"':
        i += 2 if rest[i] == "\\" else 1
    assert rest[i:] == '"];' or rest[i:] == '", style="bold"];', rest[i:]
    assert rest[:i].endswith("\\nr")


def test_negative_thirty_digit_literals_are_exact() -> None:
    smaller = parse("-1234567890123456789012345678.91")
    larger = parse("-1234567890123456789012345678.90")
    assert to_text(smaller) == "-1234567890123456789012345678.91"
    assert parse(to_text(smaller)) == smaller
    assert isinstance(smaller, ast.Literal) and isinstance(larger, ast.Literal)
    assert isinstance(smaller.value, Decimal) and smaller.value < larger.value  # type: ignore[operator]
    assert parse("-1.000000000000000000000000000 €") == parse(to_text(parse("-1.000000000000000000000000000 €")))


def test_negative_long_literals_compare_exactly(tmp_path: Path) -> None:
    formula = "-1234567890123456789012345678.91 < -1234567890123456789012345678.90"
    path = write_policy(tmp_path, _rules(RULE.format(name="r", label="R", formula=formula)))
    policy = load_policy(path)
    assert policy.evaluate({}, date(2024, 1, 1))["r"] is True
    assert policy.evaluate({}, date(2024, 1, 1), trace=True)["r"] is True


def test_tiny_decimal_literals_print_without_an_exponent() -> None:
    for text in ("0.0000001", "-0.000000000000000000000000001 €", "100000000000000000000000000.5"):
        e = parse(text)
        assert "E" not in to_text(e) and parse(to_text(e)) == e


def test_exporters_keep_any_text_on_one_line() -> None:
    from engine.graph import _dot_text, _mermaid_text

    for text in ("a\nb", "a\r\nb", "a\u2028b", 'q"uote\\'):
        assert "\n" not in _mermaid_text(text) and "\r" not in _mermaid_text(text) and '"' not in _mermaid_text(text)
        dot = _dot_text(text)
        assert "\n" not in dot and "\u2028" not in dot
        assert all(dot[i - 1] == "\\" for i, ch in enumerate(dot) if ch == '"' and i > 0)
