"""Outputs pasted in the README and guides are real: every line shown after `$ policy explain …`
or `$ policy graph …` is printed by that command today, in that order (`[…]` marks elisions;
the ① … markers of the legal reviewer's guide are annotations)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest
from conftest import ROOT

# The receipts guide's examples build on each other (a receipt, then its replay): they are run in
# sequence by tests/test_receipts_guide.py.
DOCS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs" / "guides").glob("*.md") if p.name != "receipts.md")]
MARKER = re.compile(r"\s+[①-⑳]$")


def console_blocks() -> list[tuple[str, int, str, list[str]]]:
    found = []
    for path in DOCS:
        lines = path.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            command = lines[i + 1] if i + 1 < len(lines) else ""
            if line.startswith("```console") and re.match(r"\$ policy (explain|graph) ", command):
                if "/tmp/" in command:
                    continue
                end = next(j for j in range(i + 2, len(lines)) if lines[j].startswith("```"))
                found.append((path.name, i + 2, command, lines[i + 2 : end]))
    return found


BLOCKS = console_blocks()


def test_there_are_pasted_outputs() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize(("doc", "line", "command", "shown"), BLOCKS, ids=[f"{d}:{n}" for d, n, _, _ in BLOCKS])
def test_pasted_output_is_current(doc: str, line: int, command: str, shown: list[str]) -> None:
    args = shlex.split(command)[2:]
    env = {"NO_COLOR": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    actual = result.stdout.split("\n")
    position = 0
    for offset, pasted in enumerate(shown):
        text = MARKER.sub("", pasted)
        if text.strip() == "[…]":
            continue
        prefix = text.split("[…]")[0].rstrip() if "[…]" in text else None
        for j in range(position, len(actual)):
            if actual[j] == text or (prefix is not None and actual[j].startswith(prefix)):
                position = j + 1
                break
        else:
            pytest.fail(f"{doc}:{line + offset + 1}: not printed (in this order) by `{command}`:\n{pasted}")
