"""A French rule file gets French hints: the keywords a syntax error suggests, and the type names
an unknown type lists, are those of its own language (English for an English file)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import engine
from engine.i18n import language, set_language
from engine.translate import translate_text


@contextmanager
def use_language(lang: str) -> Iterator[None]:
    before = language()
    set_language(lang)
    try:
        yield
    finally:
        set_language(before)


FRENCH_FILE = """\
faits:
  a:
    libellé: Montant A
    type: entier
règles:
  r:
    libellé: Règle
    type: booléen
    références:
      - article: Art. 1
    versions:
      - depuis: 2020-01-01
        formule: {formula}
"""


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "policy.yaml").write_text(text, encoding="utf-8")
    return folder


def messages(folder: Path, text: str) -> str:
    with pytest.raises(engine.PolicyCompileError) as caught:
        engine.load_policy(write(folder, text))
    return "\n".join(f"{d.code} {d.message} | {d.help or ''}" for d in caught.value.diagnostics)


def _translate(text: str) -> str:
    return translate_text(text, "policy.yaml", "en")


@pytest.mark.parametrize(
    ("formula", "french", "english_words"),
    [
        ("a > 1 a", "`et`", "`and`"),  # an operator expected
        ("si a > 1 alors vrai", "`sinon`", "`else`"),  # the expression ends too early
        ("a > 1 && a < 3", "`et`", "`and`"),  # a character of another language
        ("a > 1 || a < 3", "`ou`", "`or`"),
        ("si a > 1 vrai sinon faux", "`alors`", "`then`"),  # an `if` without `then`
    ],
)
def test_syntax_hints_speak_the_files_language(tmp_path: Path, formula: str, french: str, english_words: str) -> None:
    text = FRENCH_FILE.format(formula=formula)
    with use_language("en"):
        said = messages(tmp_path, text)
        assert french in said, said
        assert english_words not in said, said
        said_en = messages(tmp_path / "en", _translate(text))
        assert english_words in said_en, said_en
        assert french not in said_en, said_en
    with use_language("fr"):
        said = messages(tmp_path / "fr", text)
        assert french in said and english_words not in said, said


def test_unknown_type_lists_the_files_type_names(tmp_path: Path) -> None:
    text = FRENCH_FILE.format(formula="vrai").replace("type: booléen", "type: booleen")
    with use_language("en"):
        said = messages(tmp_path, text)
        listed = re.search(r"types are ([^)]*),", said)
        assert listed is not None, said
        assert "booléen" in listed.group(1) and "entier" in listed.group(1) and "montant" in listed.group(1)
        assert "bool," not in listed.group(1) and "money" not in listed.group(1)
        assert "did you mean `booléen`?" in said
        said_en = messages(tmp_path / "en", _translate(text).replace("type: booleen", "type: boolean"))
        assert "bool, date, decimal, duration, int, money, text" in said_en and "booléen" not in said_en
        assert "did you mean `bool`?" in said_en


def test_missing_source_help_names_the_key_of_the_files_language(tmp_path: Path) -> None:
    text = FRENCH_FILE.format(formula="vrai").replace("    références:\n      - article: Art. 1\n", "")
    with use_language("en"):
        warnings = [d for d in engine.check_policy(write(tmp_path, text))[0] if d.code == "missing_legal_basis"]
    assert warnings and all("`références:`" in (d.help or "") for d in warnings)


def test_names_functions_and_null_hints_speak_the_files_language(tmp_path: Path) -> None:
    text = (
        FRENCH_FILE.format(formula="ajouter_moi(d, 1) > date_du_jour et nom_inconnu")
        .replace("type: entier\n", "type: entier\n  d:\n    libellé: Date D\n    type: date?\n", 1)
        .replace(
            "  r:\n",
            "  s:\n    libellé: S\n    type: date\n    références:\n      - article: Art. 2\n"
            "    versions:\n      - depuis: 2020-01-01\n        formule: ajouter_mois(d, 1, 2)\n  r:\n",
            1,
        )
    )
    with use_language("en"):
        said = messages(tmp_path / "fr", text)
        assert "unknown function `ajouter_moi`; did you mean `ajouter_mois`?" in said, said
        assert "declare it under `faits`, `paramètres` or `règles`" in said, said
        assert "`ajouter_mois` takes 2 arguments, not 3 | usage: ajouter_mois(d, n)" in said, said
        assert "`si d est connu alors … sinon …`" in said, said
        assert "add_months" not in said and "is not null" not in said, said
        english_said = messages(tmp_path / "en", _translate(text))
        assert "unknown function `ajouter_moi`" in english_said and "`add_months` takes 2 arguments" in english_said
        assert "`if d is not null then … else …`" in english_said and "`facts`, `parameters` or `rules`" in english_said
