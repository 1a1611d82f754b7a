"""Wherever a formula sits in its YAML (one line, quoted, `|` block, wrapped over lines, with
escapes), a syntax error is reported at the exact file line and column of the faulty character."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import check_policy

HEADER = """\
facts:
  a: {type: int, label: A}
  t: {type: "text?", label: T}
rules:
  r:
    label: R
    type: bool
    references: [{article: X}]
    from: 2020-01-01
"""

CLAUSES = [
    ["a", ">=", "18"],
    ["t", "==", '"x"'],
    ["not", "(a", "+", "1", "<", "3)"],
    ["a", "!=", "2"],
    ["t", "is", "null"],
    ["a", "in", "[1,", "2]"],
]


def place(words: list[str], style: str) -> str:
    """The `formula:` field holding these words, in the given YAML style."""
    text = " ".join(words)
    if style == "plain":
        return f"    formula: {text}\n"
    if style == "wrapped":
        half = len(words) // 2
        return f"    formula: {' '.join(words[:half])}\n      {' '.join(words[half:])}\n"
    if style == "double":
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        return f'    formula: "{escaped}"\n'
    if style == "double-wrapped":
        half = len(words) // 2
        first, second = (" ".join(w).replace('"', '\\"') for w in (words[:half], words[half:]))
        return f'    formula: "{first}\n      {second}"\n'
    if style == "single":
        return "    formula: '" + text.replace("'", "''") + "'\n"
    body = "\n".join(f"      {w}" for w in (" ".join(words[:3]), " ".join(words[3:])))
    return f"    formula: |\n{body}\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def expression(clauses: list[list[str]], joins: list[str]) -> list[str]:
    words = list(clauses[0])
    for clause, join in zip(clauses[1:], joins, strict=False):
        words += [join, *clause]
    return words


@given(
    st.builds(
        expression,
        st.lists(st.sampled_from(CLAUSES), min_size=1, max_size=4),
        st.lists(st.sampled_from(["and", "or"]), min_size=3, max_size=3),
    ),
    st.integers(min_value=0, max_value=20),
    st.sampled_from(["plain", "wrapped", "double", "double-wrapped", "single", "block"]),
)
def test_syntax_errors_point_at_the_faulty_character(
    tmp_path_factory: object, words: list[str], where: int, style: str
) -> None:
    words = list(words)
    words.insert(min(where, len(words)), "$")  # never valid in the language, and plain in YAML
    text = HEADER + place(words, style)
    path = Path(tmp_path_factory.mktemp("pos")) / "policy.yaml"  # type: ignore[attr-defined]
    path.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "$" in row)
    column = text.splitlines()[line - 1].index("$") + 1
    diagnostics, _ = check_policy(path)
    # Every prefix of a valid expression is a valid start, so the parser stops exactly at `$`.
    (error,) = [d for d in diagnostics if d.severity.value == "error"]
    assert (error.code.value, error.span.line, error.span.column) == ("syntax_error", line, column), text
    assert "`$`" in error.message
