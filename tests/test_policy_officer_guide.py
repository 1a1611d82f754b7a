"""The policy officer's guide keeps the suite green: its steps, done literally on a copy of the
repository, give a policy that checks, passes its own tests, and passes the suite's tests that
read the pack (the benchmark's agreement with the hand-written baseline among them).

The steps are read from docs/guides/policy-officer.md itself (the new value of step 2, the case
file of step 4), so the guide and this test cannot drift apart. They are done twice: as written
(600 € from 1 January 2027), and moved one year earlier (from 1 January 2026), inside the dates
the benchmark's population covers.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

GUIDE = ROOT / "docs" / "guides" / "policy-officer.md"
# The suite's tests that read the repository's pack (run in the copy, against the changed pack).
SUITE = [
    "tests/test_benchmark_baseline.py",
    "tests/test_rsa_cases.py",
    "tests/test_rsa_dates.py",
    "tests/test_coverage.py",
    "tests/test_doc_outputs.py",
]


def yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.S)


def guide_steps() -> tuple[str, str, str]:
    """The parameter's name, the new value entry (step 2) and the new case file (step 4)."""
    blocks = yaml_blocks(GUIDE.read_text(encoding="utf-8"))
    step2 = next(b for b in blocks if b.lstrip().startswith("adre_montant_prise_de_poste:"))
    entries = re.split(r"(?m)^(?=      - depuis: )", step2)
    new_value = entries[-1]
    assert "valeur: 600 €" in new_value, "step 2 of the guide no longer adds 600 €"
    case_file = next(b for b in blocks if b.startswith("# ADRE : 600 €"))
    return "adre_montant_prise_de_poste", new_value, case_file


def add_value(parameters: Path, name: str, entry: str) -> None:
    """Step 2: add `entry` after the last value of parameter `name` (the old ones are kept)."""
    for path in sorted(parameters.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        start = text.find(f"\n  {name}:\n")
        if start < 0:
            continue
        following = re.search(r"\n  [a-z_]+:\n", text[start + 1 :])
        end = start + 1 + following.start() + 1 if following else len(text)
        block = text[start:end].rstrip("\n") + "\n" + entry.rstrip("\n") + "\n"
        path.write_text(text[:start] + block + ("\n" if following else "") + text[end:], encoding="utf-8")
        return
    raise AssertionError(f"parameter {name} not found in {parameters}")


def earlier(text: str) -> str:
    """The same change one year earlier: from 1 January 2026 (the day before: 31 December 2025)."""
    for old, new in (("2026", "2025"), ("2027", "2026")):
        text = text.replace(old, new)
    return text


def repository_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", ".pytest_cache", ".*_cache")
    for part in ("engine", "benchmarks", "tests", "docs", "policy"):
        shutil.copytree(ROOT / part, copy / part, ignore=ignore)
    for name in ("README.md", "pyproject.toml", "LICENSE"):
        shutil.copy(ROOT / name, copy / name)
    return copy


def run(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(copy), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, *args], cwd=copy, capture_output=True, text=True, env=env, timeout=1200)


@pytest.mark.parametrize("when", ["as written (2027)", "one year earlier (2026)"])
def test_following_the_guide_keeps_the_suite_green(tmp_path: Path, when: str) -> None:
    name, entry, case_file = guide_steps()
    if "2026" in when:
        entry, case_file = earlier(entry), earlier(case_file)
    copy = repository_copy(tmp_path)
    add_value(copy / "policy" / "parameters", name, entry)
    case_path = copy / "policy" / "tests" / f"adre-montant-{'2026' if '2026' in when else '2027'}.yaml"
    case_path.write_text(case_file, encoding="utf-8")
    values = next(
        p["valeurs"]
        for f in (copy / "policy" / "parameters").glob("*.yaml")
        for n, p in (yaml.safe_load(f.read_text(encoding="utf-8")).get("paramètres") or {}).items()
        if n == name
    )
    assert [str(v["valeur"]) for v in values] == ["500 €", "600 €"]  # the old value is kept

    # Steps 3 and 5: `policy check` and `policy test` on the changed pack.
    check = run(copy, "-m", "engine", "check", "--strict", "policy")
    assert check.returncode == 0, check.stdout + check.stderr
    tested = run(copy, "-m", "engine", "test", "--policy", "policy", "-q", "policy/tests", "policy/examples")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert re.search(r"\b0 failed", tested.stdout), tested.stdout
    new = run(copy, "-m", "engine", "test", "--policy", "policy", str(case_path.relative_to(copy)))
    assert new.returncode == 0 and "2 passed, 0 failed" in new.stdout, new.stdout + new.stderr

    # The suite's tests that read the pack, run against the changed pack.
    suite = run(copy, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *SUITE)
    assert suite.returncode == 0, suite.stdout[-4000:] + suite.stderr[-2000:]
