"""docs/diagnostics.md (French) and docs/en/diagnostics.md quote real engine output: every quoted
headline must still be produced, in the language of its page, and both pages cover every code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT

from engine import check_policy
from engine.diagnostics import Code
from engine.i18n import set_language

DOCS = {"fr": ROOT / "docs" / "diagnostics.md", "en": ROOT / "docs" / "en" / "diagnostics.md"}
SEVERITY = {"fr": "(?:erreur|avertissement)", "en": "(?:error|warning)"}


def quoted(lang: str, path: Path) -> list[tuple[str, str, str]]:
    pattern = re.compile(rf"^(?P<file>tests/invalid/[\w.-]+\.yaml):\d+:\d+: {SEVERITY[lang]}\[\w+\]: .*$", re.M)
    return [(lang, m.group(0), m.group("file")) for m in pattern.finditer(path.read_text(encoding="utf-8"))]


QUOTED = [q for lang, path in DOCS.items() for q in quoted(lang, path)]


@pytest.mark.parametrize("lang", DOCS)
def test_the_catalogue_quotes_engine_output(lang: str) -> None:
    assert len(quoted(lang, DOCS[lang])) >= 30


@pytest.mark.parametrize("lang", DOCS)
def test_every_code_has_a_section(lang: str) -> None:
    text = DOCS[lang].read_text(encoding="utf-8")
    for code in Code:
        assert f"### `{code.value}`" in text, f"{DOCS[lang].name} ({lang}) has no section for {code.value}"


@pytest.mark.parametrize(
    ("lang", "headline", "file"), QUOTED, ids=[f"{lang}:{f}:{h.split(':')[1]}" for lang, h, f in QUOTED]
)
def test_quoted_headline_is_current(lang: str, headline: str, file: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    set_language(lang)
    try:
        diagnostics, _ = check_policy(file)
        headlines = [d.headline() for d in diagnostics]
    finally:
        set_language(None)
    assert headline in headlines
