"""Rule files in French: `policy translate` there and back gives every file of the pack back byte for
byte; the French pack checks clean and decides every case exactly as the English one; French and
English expressions parse to the same tree; the printer writes both."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import POLICY_DIR, ROOT

from engine import check_policy, load_policy
from engine.cases import case_files, load_cases
from engine.parser import parse
from engine.printer import to_text
from engine.source import SourceCache
from engine.translate import translate_text

PACK_FILES = sorted(p for p in POLICY_DIR.rglob("*.yaml") if p.parent.name not in ("tests", "examples"))


@pytest.mark.parametrize("path", PACK_FILES, ids=[p.relative_to(POLICY_DIR).as_posix() for p in PACK_FILES])
def test_round_trip_is_exact(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    french = translate_text(text, str(path), "fr")
    english = translate_text(text, str(path), "en")
    assert translate_text(french, str(path), "en") == english
    assert translate_text(english, str(path), "fr") == french
    assert translate_text(french, str(path), "fr") == french  # idempotent


def _translated_pack(tmp_path: Path, lang: str) -> Path:
    folder = tmp_path / f"policy-{lang}"
    shutil.copytree(POLICY_DIR, folder)
    for path in folder.rglob("*.yaml"):
        if path.parent.name not in ("tests", "examples"):
            path.write_text(translate_text(path.read_text(encoding="utf-8"), str(path), lang), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def both_packs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("packs")
    return _translated_pack(tmp, "fr"), _translated_pack(tmp, "en")


def test_the_french_pack_is_french_and_checks_clean(both_packs: tuple[Path, Path]) -> None:
    french, _english = both_packs
    text = (french / "rules" / "adre.yaml").read_text(encoding="utf-8")
    assert "règles:" in text and "libellé:" in text and "parce que:" in text and "quand:" in text
    assert " est inconnu" in text and " à la date du " in text
    assert "label:" not in text and " is null" not in text
    diagnostics, _ = check_policy(french)
    assert diagnostics == []


def test_french_and_english_packs_decide_every_case_alike(both_packs: tuple[Path, Path]) -> None:
    french, english = (load_policy(p) for p in both_packs)
    files = case_files([str(POLICY_DIR / "tests"), str(POLICY_DIR / "examples")]).files
    count = 0
    for file in files:
        for case in load_cases(file, english, SourceCache()):
            for at in (case.at, date(2025, 3, 1)):
                a = english.evaluate(case.facts, at=at).to_dict()
                b = french.evaluate(case.facts, at=at).to_dict()
                assert a == b, f"{file}:{case.span.line} at {at}"
                count += 1
    assert count > 100


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("if a and b then 1 else not c", "si a et b alors 1 sinon non c"),
        ("x is not null or y is null", "x est connu ou y est inconnu"),
        ("x not in [a, b] and y in [c]", "x hors de [a, b] et y dans [c]"),
        ("p as of d", "p à la date du d"),
        ("true or false ?? null", "vrai ou faux ?? nul"),
        ("add_days(today, 2) + 1 month", "ajouter_jours(date_du_jour, 2) + 1 mois"),
        ('round(x, 2, "half_up")', 'arrondi(x, 2, "half_up")'),
        ("months_between(d, today) >= 2", "mois_entre(d, date_du_jour) >= 2"),
    ],
)
def test_french_expressions_mean_the_same(english: str, french: str) -> None:
    tree = parse(english)
    assert _shape(parse(french)) == _shape(tree)
    assert to_text(tree, "fr") == french
    assert to_text(parse(french)) == english


def _shape(e: object) -> str:
    return to_text(e)  # type: ignore[arg-type]  # spans differ; the printed English form does not


def test_every_pack_formula_prints_back_in_french(rsa: object) -> None:
    from engine import ast as A

    plan = rsa.plan  # type: ignore[attr-defined]
    seen = 0
    for rule in plan.rules.values():
        for version in rule.versions:
            exprs = [version.formula] if version.formula is not None else []
            exprs += [e for row in version.rows or () for e in (row.when, row.then) if e is not None]
            for e in exprs:
                assert isinstance(e, A.Expr)
                assert to_text(parse(to_text(e, "fr"))) == to_text(e)
                seen += 1
    assert seen > 50


def test_cli_translate_prints_or_rewrites(tmp_path: Path) -> None:
    source = POLICY_DIR / "rules" / "aave.yaml"
    copy = tmp_path / "aave.yaml"
    shutil.copy(source, copy)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    printed = subprocess.run(
        [sys.executable, "-m", "engine", "traduire", str(copy), "--to", "fr"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == translate_text(source.read_text(encoding="utf-8"), str(copy), "fr")
    assert copy.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")  # untouched
    subprocess.run(
        [sys.executable, "-m", "engine", "translate", str(copy), "--to", "fr", "--in-place"],
        check=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert copy.read_text(encoding="utf-8") == printed.stdout
