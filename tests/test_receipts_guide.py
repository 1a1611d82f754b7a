"""The receipts guide (docs/guides/receipts.md, in French, and docs/en/guides/receipts.md, in English)
is executed: its commands run in order, in the guide's language,
in a folder holding a copy of the pack (and the files the guide gives after `<!-- fichier: NAME -->`),
and every line shown after a command is printed by it, in that order (`[…]` stands for any text:
a receipt's id, a hash). stdout is read before stderr."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT

GUIDES = {"fr": ROOT / "docs" / "guides" / "receipts.md", "en": ROOT / "docs" / "en" / "guides" / "receipts.md"}


@dataclass
class Step:
    line: int  # in the guide
    command: str = ""
    shown: list[str] = field(default_factory=list)
    file: tuple[str, str] | None = None  # (name, content) to write instead of running a command


def steps(text: str) -> list[Step]:
    """The guide's files to write and commands to run, in order, with the lines each one shows."""
    found: list[Step] = []
    lines = text.split("\n")
    i = 0
    pending_file: str | None = None
    while i < len(lines):
        line = lines[i]
        marker = re.match(r"<!-- fichier: (\S+) -->", line)
        if marker:
            pending_file = marker.group(1)
        elif line.startswith("```"):
            info = line[3:].strip()
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            body = lines[i + 1 : end]
            if pending_file is not None:
                found.append(Step(i + 1, file=(pending_file, "\n".join(body) + "\n")))
                pending_file = None
            elif info == "console":
                for k, row in enumerate(body):
                    if row.startswith("$ "):
                        found.append(Step(i + 2 + k, command=row[2:]))
                    else:
                        found[-1].shown.append(row)
            i = end
        i += 1
    return found


STEPS = {lang: steps(path.read_text(encoding="utf-8")) for lang, path in GUIDES.items()}


def _pattern(shown: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in shown.split("[…]")) + "$")


@pytest.mark.parametrize("lang", sorted(GUIDES))
def test_the_guide_has_examples_of_every_receipt_command(lang: str) -> None:
    commands = " ".join(s.command for s in STEPS[lang])
    for needed in ("--receipt", "policy replay", "--mask", "--facts", "policy explain recu.json", "policy batch"):
        assert needed in commands, needed
    assert any(s.file for s in STEPS[lang])
    assert [s.command for s in STEPS[lang]] == [s.command for s in STEPS["fr"]]  # the same examples


@pytest.mark.parametrize("lang", sorted(GUIDES))
def test_the_guide_runs_as_written(lang: str, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "policy", tmp_path / "policy")
    bin_dir = Path(sys.executable).parent
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "NO_COLOR": "1",
        "POLICY_LANG": lang,
        "PYTHONPATH": str(ROOT),
        "COLUMNS": "200",
        "HOME": str(tmp_path),
    }
    assert (bin_dir / "policy").exists() or shutil.which("policy", path=env["PATH"]), "the `policy` command"
    for step in STEPS[lang]:
        where = f"{GUIDES[lang].relative_to(ROOT)}:{step.line}"
        if step.file is not None:
            (tmp_path / step.file[0]).write_text(step.file[1], encoding="utf-8")
            continue
        if step.command.startswith("export "):
            name, _, value = shlex.split(step.command)[1].partition("=")
            env[name] = value
            continue
        result = subprocess.run(
            ["bash", "-c", step.command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**env, "PYTHONDONTWRITEBYTECODE": "1"} if os.name == "posix" else env,
            timeout=300,
        )
        printed = (result.stdout + result.stderr).split("\n")
        position = 0
        for offset, shown in enumerate(step.shown, 1):
            if shown.strip() == "[…]":
                continue
            pattern = _pattern(shown)
            for j in range(position, len(printed)):
                if pattern.match(printed[j]):
                    position = j + 1
                    break
            else:
                pytest.fail(
                    f"{where}+{offset}: not printed (in this order) by `{step.command}`:\n{shown}\n"
                    f"--- printed:\n{result.stdout}{result.stderr}"
                )
