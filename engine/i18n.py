"""Messages in French (the default) or English, through the standard gettext catalogues.

Message ids are the English texts. The catalogues live in `engine/locale/<lang>/LC_MESSAGES/policy.po`
and are compiled by Babel into the `policy.mo` files shipped beside them (`make i18n` extracts,
updates and compiles; tests/test_i18n.py fails when a message lacks a translation in either
language or a `.mo` is stale). A message with values in it is written with named placeholders,
`_("unknown fact `{name}`").format(name=name)`, so a translator sees the whole sentence.

The language is chosen once per process: `set_language("en")` (the CLI's `--lang`), else the
environment: `POLICY_LANG`, then `LANG` (`en_GB.UTF-8` gives English); French when neither names
a supported language. Diagnostic codes never change with the language.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

DOMAIN = "policy"
LANGUAGES = ("fr", "en")
DEFAULT = "fr"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_chosen: str | None = None


def language_from(option: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to use: `option` ("fr"/"en"), else POLICY_LANG, else LANG, else French.

    Raises ValueError for an explicit option that names no supported language; an unsupported
    environment value is skipped (LANG=C.UTF-8 is common and means nothing about French).
    """
    if option is not None:
        code = _code(option)
        if code is None:
            raise ValueError(option)
        return code
    env = os.environ if environ is None else environ
    for variable in ("POLICY_LANG", "LANG"):
        code = _code(env.get(variable, ""))
        if code is not None:
            return code
    return DEFAULT


def _code(text: str) -> str | None:
    """ "fr", "fr_FR.UTF-8", "EN" → the supported two-letter code, or None."""
    head = text.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return head if head in LANGUAGES else None


def set_language(lang: str | None) -> str:
    """Use `lang` ("fr" or "en") for every later message; None goes back to the environment's choice."""
    global _chosen
    _chosen = None if lang is None else language_from(lang)
    return language()


def language() -> str:
    return _chosen if _chosen is not None else language_from()


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """The message in the current language (the English id itself if the catalogue lacks it)."""
    return _catalogue(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current language."""
    return _catalogue(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet (module-level tables): `_(TABLE[key])` later."""
    return message
