"""The corpus of broken policies in tests/invalid/: each file is a small, complete policy.

Every file states what the engine must report in header lines:

    # expect: <code> <line>:<column>

One line for a single-defect file (the file is otherwise clean: no other error, no other
warning); several lines for a file with several independent defects, in the order the engine
reports them (sorted by line). A file whose expected codes are all warnings is a warning-only
file: it must load.

Engine shortcomings found while writing the corpus are listed in KNOWN_ENGINE_ISSUES: the
affected check is a strict xfail, so it starts failing (XPASS) as soon as the engine is fixed,
and the entry must then be removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import Code, PolicyCompileError, check_policy, load_policy
from engine.diagnostics import WARNINGS, Diagnostic, Severity

CORPUS = Path(__file__).resolve().parent / "invalid"
FILES = sorted(CORPUS.glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (?P<code>[a-z_]+) (?P<line>\d+):(?P<column>\d+)\s*$")

# Codes that only a case file or an evaluation can produce: no policy file can trigger them.
CASE_AND_EVALUATION_CODES = frozenset(
    {
        Code.FILE,  # unreadable file: covered by the case-file tests (and not UTF-8 policy files)
        Code.UNKNOWN_FACT,
        Code.FACT_TYPE,
        Code.MISSING_FACT,
        Code.UNKNOWN_DECISION,
        Code.NOT_IN_FORCE,
        Code.EVALUATION,
        Code.RECEIPT,  # receipts, not policies: covered by tests/test_receipts.py and test_replay.py
    }
)

# Which checks fail today, per file: "match" (the reported diagnostics of the expected severity),
# "clean" (no diagnostic besides the expected ones), "load" (load_policy raises for errors only),
# "render" (the quoted line and caret).
KNOWN_ENGINE_ISSUES: dict[str, dict[str, str]] = {}


def expectations(path: Path) -> list[tuple[str, int, int]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = EXPECT.match(line)
        if m:
            found.append((m["code"], int(m["line"]), int(m["column"])))
    return found


def is_error_file(path: Path) -> bool:
    return any(Code(code) not in WARNINGS for code, _, _ in expectations(path))


def located(d: Diagnostic) -> tuple[str, int, int]:
    return (d.code.value, d.span.line, d.span.column)


def same_file(d: Diagnostic, path: Path) -> bool:
    return Path(d.span.file).resolve() == path.resolve()


def corpus(check: str) -> list[object]:
    """The corpus files as parameters, with a strict xfail where a known engine issue breaks `check`."""
    params = []
    for path in FILES:
        reason = KNOWN_ENGINE_ISSUES.get(path.stem, {}).get(check)
        marks = [pytest.mark.xfail(reason=f"engine: {reason}", strict=True)] if reason else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def test_the_corpus_exists() -> None:
    assert len(FILES) >= 60, FILES


def test_known_issues_name_corpus_files() -> None:
    stems = {p.stem for p in FILES}
    assert set(KNOWN_ENGINE_ISSUES) <= stems
    for checks in KNOWN_ENGINE_ISSUES.values():
        assert set(checks) <= {"match", "clean", "load", "render"}


@pytest.mark.parametrize("path", corpus("header"))
def test_header_is_well_formed(path: Path) -> None:
    expected = expectations(path)
    assert expected, f"{path.name}: no `# expect: <code> <line>:<column>` line"
    for code, line, column in expected:
        assert code in {c.value for c in Code}, f"{path.name}: unknown code {code!r}"
        assert line >= 1 and column >= 1
    lines = [(line, column) for _, line, column in expected]
    assert lines == sorted(lines), "several expectations are listed in the engine's order (by line)"
    if len(expected) == 1:
        assert path.stem.startswith(expected[0][0]), "a single-defect file is named <code>-<what>.yaml"
    # Mixing warnings with errors in one file would make "first error / first warning" ambiguous.
    kinds = {Code(code) in WARNINGS for code, _, _ in expected}
    assert len(kinds) == 1, "expectations are all errors or all warnings"


@pytest.mark.parametrize("path", corpus("match"))
def test_reports_the_expected_diagnostics(path: Path) -> None:
    """The first error (first warning, for a warning-only file) is the expected one, and no other
    diagnostic of that severity is reported (for a multi-defect file: exactly the expected list)."""
    expected = expectations(path)
    diagnostics, _ = check_policy(path)
    severity = Severity.ERROR if is_error_file(path) else Severity.WARNING
    reported = [d for d in diagnostics if d.severity is severity]
    assert reported, f"no {severity.value} reported; expected {expected[0]}"
    assert located(reported[0]) == expected[0], reported[0].headline()
    assert [located(d) for d in reported] == expected, "\n".join(d.headline() for d in reported)
    assert all(same_file(d, path) for d in reported)


@pytest.mark.parametrize("path", corpus("clean"))
def test_nothing_else_is_reported(path: Path) -> None:
    """Apart from its defect(s), the file is clean: no stray error or warning."""
    diagnostics, _ = check_policy(path)
    report = "\n".join(d.headline() for d in diagnostics)
    assert [located(d) for d in diagnostics] == expectations(path), report


@pytest.mark.parametrize("path", corpus("load"))
def test_load_policy_refuses_errors_and_accepts_warnings(path: Path) -> None:
    expected = expectations(path)
    if is_error_file(path):
        with pytest.raises(PolicyCompileError) as info:
            load_policy(path)
        assert info.value.errors, "a PolicyCompileError carries at least one error"
        assert {d.code.value for d in info.value.errors} >= {code for code, _, _ in expected}
    else:
        policy = load_policy(path)
        assert {located(d) for d in policy.warnings} >= set(expected)


@pytest.mark.parametrize("path", corpus("render"))
def test_every_diagnostic_renders_with_its_line_and_caret(path: Path) -> None:
    diagnostics, sources = check_policy(path)
    assert diagnostics
    file_lines = path.read_text(encoding="utf-8").splitlines()
    for d in diagnostics:
        assert d.message.strip(), d
        assert d.help is None or d.help.strip(), d
        rendered = d.render(sources)
        kind = "warning" if d.severity is Severity.WARNING else "error"
        headline = f"{d.span.file}:{d.span.line}:{d.span.column}: {kind}[{d.code}]: {d.message}"
        assert rendered.splitlines()[0] == headline
        if d.help:
            assert f"  help: {d.help}" in rendered
        # The quoted source line is the file's line, and the caret sits under the reported column.
        quoted = re.search(rf"^{d.span.line} \| (?P<text>.*)\n *\| (?P<caret> *\^+)$", rendered, re.M)
        assert quoted, f"no source line and caret in:\n{rendered}"
        assert 1 <= d.span.line <= len(file_lines), rendered
        line = file_lines[d.span.line - 1]
        if len(line) <= 120:
            assert quoted["text"] == line
            assert quoted["caret"].index("^") == d.span.column - 1, rendered
        else:  # a very long line is shown as a window around the column, marked with "…"
            window = quoted["text"].strip("…")
            assert window in line and len(quoted["text"]) <= 122
            offset = line.index(window) - (1 if quoted["text"].startswith("…") else 0)
            assert quoted["caret"].index("^") == d.span.column - 1 - offset, rendered


def test_every_code_has_a_corpus_file() -> None:
    covered = {Code(code) for path in FILES for code, _, _ in expectations(path)}
    missing = set(Code) - covered - CASE_AND_EVALUATION_CODES
    assert not missing, f"no file in tests/invalid/ expects: {sorted(c.value for c in missing)}"


def test_case_and_evaluation_codes_are_exactly_the_exemptions() -> None:
    """The exemption list is explicit: a new code must be given a corpus file or be listed above."""
    assert {c.value for c in CASE_AND_EVALUATION_CODES} == {
        "file_error",
        "unknown_fact",
        "fact_type_error",
        "missing_fact",
        "unknown_decision",
        "not_in_force",
        "evaluation_error",
        "receipt_error",
    }


def test_several_defects_are_all_reported_in_one_run_sorted_by_line() -> None:
    path = CORPUS / "several-defects.yaml"
    diagnostics, _ = check_policy(path)
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    assert [d.code for d in errors] == [Code.UNKNOWN_REF, Code.TYPE, Code.DUPLICATE_KEY]
    assert [d.span.line for d in errors] == sorted(d.span.line for d in errors)
    assert len({d.span.line for d in errors}) == 3
    with pytest.raises(PolicyCompileError) as info:
        load_policy(path)
    assert [located(d) for d in info.value.errors] == expectations(path)


def test_generated_files_are_what_their_names_say() -> None:
    deep = (CORPUS / "expression_too_complex-too-deep.yaml").read_text(encoding="utf-8")
    assert deep.count("(1 + ") == 80
    long = (CORPUS / "expression_too_complex-too-long.yaml").read_text(encoding="utf-8")
    formula = next(line for line in long.splitlines() if line.startswith("    formula: "))
    assert len(formula.removeprefix("    formula: ")) > 10_000
