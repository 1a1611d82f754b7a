"""The French form of rule files: YAML keys, expression keywords, builtin names and type names.

One table per kind of word, English → French; docs/rule-format.md shows them (« Règles en
français »). A rule file is written in one language: English and French words are both accepted,
but not mixed in one file (`mixed_language`). Words that are the same in both languages
(`type`, `description`, `versions`, `table`, `note`, `article`, `url`, `min`, `max`, `abs`,
`age`, `date`, units such as `mois`) belong to neither and may appear in any file.
"""

from __future__ import annotations

ENGLISH, FRENCH = "en", "fr"

# YAML keys of policy files (sections, declarations, versions, tables, references).
KEYS = {
    "enums": "énumérations",
    "facts": "faits",
    "parameters": "paramètres",
    "rules": "règles",
    "label": "libellé",
    "values": "valeurs",
    "default": "défaut",
    "unit": "unité",
    "assumption": "hypothèse",
    "references": "références",
    "excerpt": "extrait",
    "from": "depuis",
    "until": "jusqu'au",
    "value": "valeur",
    "output": "décision",
    "formula": "formule",
    "when": "quand",
    "then": "alors",
    "because": "parce que",
    "otherwise": "sinon",
}
KEYS_FR = {fr: en for en, fr in KEYS.items()}

# Expression keywords, as sequences of words (the grammar accepts both spellings).
KEYWORDS = {
    ("if",): ("si",),
    ("then",): ("alors",),
    ("else",): ("sinon",),
    ("and",): ("et",),
    ("or",): ("ou",),
    ("not",): ("non",),
    ("in",): ("dans",),
    ("not", "in"): ("hors", "de"),
    ("is", "null"): ("est", "inconnu"),
    ("is", "not", "null"): ("est", "connu"),
    ("true",): ("vrai",),
    ("false",): ("faux",),
    ("null",): ("nul",),
    ("as", "of"): ("à", "la", "date", "du"),
}
# Every word that only one language uses, for the one-language check.
ENGLISH_WORDS = frozenset(w for en, fr in KEYWORDS.items() for w in en if w not in fr)
FRENCH_WORDS = frozenset(w for en, fr in KEYWORDS.items() for w in fr if w not in en) - {"date"}

# Builtin functions and the evaluation date; the AST keeps the English name.
NAMES = {
    "today": "date_du_jour",
    "add_days": "ajouter_jours",
    "add_months": "ajouter_mois",
    "day": "jour_du_mois",
    "days_between": "jours_entre",
    "end_of_month": "fin_du_mois",
    "is_working_day": "est_jour_ouvre",
    "month": "mois_de",
    "months_between": "mois_entre",
    "next_working_day": "jour_ouvre_suivant",
    "round": "arrondi",
    "year": "annee_de",
}
NAMES_FR = {fr: en for en, fr in NAMES.items()}

# Type names (`type:` fields); enum names and `date` are the same in both languages.
TYPES = {
    "bool": "booléen",
    "int": "entier",
    "decimal": "décimal",
    "money": "montant",
    "duration": "durée",
    "text": "texte",
    "list": "liste",
}
TYPES_FR = {fr: en for en, fr in TYPES.items()}

BOOLEANS_FR = {"vrai": True, "faux": False}

# Duration units (`1 month` ↔ `1 mois`); the grammar accepts both. French has no plural for `mois`.
UNITS = {
    "day": "jour",
    "days": "jours",
    "week": "semaine",
    "weeks": "semaines",
    "month": "mois",
    "months": "mois",
    "year": "an",
    "years": "ans",
}
UNITS_FR = {
    "jour": "day",
    "jours": "days",
    "semaine": "week",
    "semaines": "weeks",
    "mois": "month",
    "an": "year",
    "ans": "years",
}


def english_words(words: list[str]) -> list[tuple[int, str]]:
    """The words of an expression with every French keyword and builtin name in its English form
    (`est connu` → `is not null`, `date_du_jour` → `today`), each with the index of the word it
    comes from; other words are kept. For readers of a formula's words, whatever its language."""
    phrases = sorted(((fr, en) for en, fr in KEYWORDS.items()), key=lambda p: -len(p[0]))
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(words):
        found = next((p for p in phrases if tuple(words[i : i + len(p[0])]) == p[0]), None)
        if found is not None:
            out.extend((i, word) for word in found[1])
            i += len(found[0])
            continue
        out.append((i, NAMES_FR.get(words[i], words[i])))
        i += 1
    return out


# The word to write instead of a word of the other language, for the mixed-language error.
_PHRASES = {" ".join(en): " ".join(fr) for en, fr in KEYWORDS.items()}
COUNTERPART = {
    **{en: fr for en, fr in _PHRASES.items() if " " not in en},
    "is": "est connu / est inconnu",
    "as": "à la date du",
    "of": "à la date du",
    "hors": "not in",
    "de": "not in",
    "est": "is null / is not null",
    "inconnu": "is null",
    "connu": "is not null",
    "à": "as of",
    "la": "as of",
    "du": "as of",
    **{fr: en for en, fr in _PHRASES.items() if " " not in fr},
    **NAMES,
    **NAMES_FR,
    **KEYS,
    **KEYS_FR,
    **TYPES,
    **TYPES_FR,
}
COUNTERPART["null"] = "nul"
