"""docs/diagnostics.md quotes real engine output: every quoted headline must still be produced."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from engine import check_policy

DOC = ROOT / "docs" / "diagnostics.md"
HEADLINE = re.compile(r"^(?P<file>tests/invalid/[\w.-]+\.yaml):\d+:\d+: (?:error|warning)\[\w+\]: .*$", re.M)
QUOTED = [(m.group(0), m.group("file")) for m in HEADLINE.finditer(DOC.read_text(encoding="utf-8"))]


def test_the_catalogue_quotes_engine_output() -> None:
    assert len(QUOTED) >= 30


@pytest.mark.parametrize(("headline", "file"), QUOTED, ids=[f"{f}:{h.split(':')[1]}" for h, f in QUOTED])
def test_quoted_headline_is_current(headline: str, file: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    diagnostics, _ = check_policy(file)
    assert headline in [d.headline() for d in diagnostics]
