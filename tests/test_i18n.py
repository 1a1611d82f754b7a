"""French by default, English on request: the catalogues are complete, compiled and chosen as documented.

A message that lacks a translation in either catalogue fails here; so does a stale `.mo`, a
placeholder a translation invents, or a `_()` call Babel cannot extract (run `make i18n`).
"""

from __future__ import annotations

import ast
import gettext
import io
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import ROOT, write_policy

import engine
from engine.i18n import LANGUAGES, LOCALE_DIR, language, language_from, set_language

ENGINE = ROOT / "engine"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extracted() -> set[str | tuple[str, str]]:
    ids: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ENGINE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        ids.add(tuple(message) if isinstance(message, tuple) else message)  # type: ignore[arg-type]
    return ids


MESSAGES = extracted()


def catalogue(lang: str):  # type: ignore[no-untyped-def]
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "policy.po", "rb") as f:
        return read_po(f, locale=lang)


def test_there_are_many_messages() -> None:
    assert len(MESSAGES) > 250


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_has_a_translation(lang: str) -> None:
    cat = catalogue(lang)
    missing = []
    for msgid in sorted(MESSAGES, key=str):
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = cat.get(key)
        strings = entry.string if entry is not None else ""
        if entry is None or "fuzzy" in entry.flags or not all(strings if isinstance(strings, tuple) else [strings]):
            missing.append(msgid)
    assert not missing, f"{len(missing)} message(s) without a {lang} translation (run `make i18n`): {missing[:10]}"


def _fields(text: str) -> set[str]:
    named = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    return named | set(re.findall(r"%\(\w+\)[rsd]|%[rsd]", text))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_use_only_the_placeholders_of_their_message(lang: str) -> None:
    for entry in catalogue(lang):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        allowed = set().union(*(_fields(i) for i in ids))
        for text in strings:
            assert _fields(text) <= allowed, f"{lang}: {entry.id!r} → {text!r}"


def test_french_is_really_french() -> None:
    same = [m.id for m in catalogue("fr") if m.id and m.string == m.id]
    assert sorted(same) == ["Population", "Source", "Total", "`as of`", "options"]  # spelt alike in both languages


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_shipped_mo_is_compiled_from_the_po(lang: str) -> None:
    buffer = io.BytesIO()
    write_mo(buffer, catalogue(lang))
    buffer.seek(0)
    fresh = gettext.GNUTranslations(buffer)
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "policy.mo", "rb") as f:
        shipped = gettext.GNUTranslations(f)
    assert shipped._catalog == fresh._catalog, "stale .mo: run `make i18n`"  # type: ignore[attr-defined]


def test_messages_are_literal_so_babel_can_extract_them() -> None:
    """`_(f"…")` or `_(variable)` would never reach a catalogue; `_(TABLE[key])` goes with `N_()` marks."""
    for path in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS:
                first = node.args[0] if node.args else None
                literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
                looked_up = node.func.id == "_" and isinstance(first, ast.Subscript | ast.Call | ast.Name)
                assert literal or looked_up, f"{path.name}:{node.lineno}: {ast.unparse(node)}"
                if isinstance(first, ast.JoinedStr):
                    pytest.fail(f"{path.name}:{node.lineno}: f-string message")


# -- choosing the language -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("option", "environ", "expected"),
    [
        (None, {}, "fr"),
        (None, {"LANG": "C.UTF-8"}, "fr"),
        (None, {"LANG": "en_GB.UTF-8"}, "en"),
        (None, {"LANG": "fr_FR.UTF-8"}, "fr"),
        (None, {"POLICY_LANG": "en", "LANG": "fr_FR.UTF-8"}, "en"),
        (None, {"POLICY_LANG": "fr", "LANG": "en_US.UTF-8"}, "fr"),
        (None, {"POLICY_LANG": "de", "LANG": "en_US.UTF-8"}, "en"),
        ("fr", {"POLICY_LANG": "en"}, "fr"),
        ("EN", {}, "en"),
    ],
)
def test_language_precedence(option: str | None, environ: dict[str, str], expected: str) -> None:
    assert language_from(option, environ) == expected


def test_an_unknown_language_option_is_refused() -> None:
    with pytest.raises(ValueError):
        language_from("de", {})


def test_set_language_switches_library_messages(tmp_path: Path) -> None:
    path = write_policy(tmp_path, "rules:\n  r:\n    labl: R\n")
    try:
        set_language("fr")
        french, _ = engine.check_policy(path)
        set_language("en")
        english, _ = engine.check_policy(path)
    finally:
        set_language(None)
    assert language() == "en"  # conftest pins the tests to English
    assert [d.code for d in french] == [d.code for d in english]  # codes never change
    assert any("champ inconnu `labl`" in d.message and "vouliez-vous dire `label`" in d.message for d in french)
    assert any("unknown field `labl`" in d.message and "did you mean `label`" in d.message for d in english)


# -- through the command line ----------------------------------------------------------------------
def policy(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True, env=full, timeout=120
    )


INVALID = "tests/invalid/unknown_field-labl.yaml"


def test_cli_speaks_french_by_default() -> None:
    result = policy("check", INVALID, env={})
    assert result.returncode == 1
    assert "erreur[unknown_field]: champ inconnu `labl`" in result.stderr
    assert "  aide : " in result.stderr
    assert "1 erreur(s), 0 avertissement(s)" in result.stdout


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--lang", "en"), {"LANG": "fr_FR.UTF-8"}),
        ((), {"POLICY_LANG": "en"}),
        ((), {"LANG": "en_US.UTF-8"}),
    ],
    ids=["option", "POLICY_LANG", "LANG"],
)
def test_cli_speaks_english_on_request(args: tuple[str, ...], env: dict[str, str]) -> None:
    result = policy(*args, "check", INVALID, env=env)
    assert "error[unknown_field]: unknown field `labl`" in result.stderr
    assert "1 error(s), 0 warning(s)" in result.stdout


def test_french_help_and_usage_errors() -> None:
    help_text = policy("test", "--help", env={}).stdout
    assert help_text.startswith("utilisation : policy test")
    assert "afficher cette aide et quitter" in help_text and "exemples :" in help_text
    error = policy("eval", "--at", "2022-02-30", "x.yaml", env={})
    assert error.returncode == 2
    assert "erreur : argument --at : '2022-02-30' n'est pas une date écrite AAAA-MM-JJ" in error.stderr
    assert "choix invalide" in policy("--lang", "de", "check", env={}).stderr


def test_policy_test_summary_is_french_then_the_english_line_tools_read() -> None:
    lines = policy("test", "-q", "policy/tests/contrat-limites.yaml", env={}).stdout.strip().splitlines()
    assert re.fullmatch(r"\d+ réussi\(s\), 0 échoué\(s\)", lines[-2])
    assert re.fullmatch(r"\d+ passed, 0 failed", lines[-1])
    english = policy("--lang", "en", "test", "-q", "policy/tests/contrat-limites.yaml", env={}).stdout
    assert english.strip().splitlines()[-1] == lines[-1] and lines[-1] not in english.strip().splitlines()[:-1]
    summary = policy("test", "--json", "policy/tests/contrat-limites.yaml", env={}).stdout
    assert f'"summary": "{lines[-1]}"' in summary
