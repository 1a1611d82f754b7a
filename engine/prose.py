"""Expressions said in French words, for the text explanation a lawyer reads aloud.

`Wording(plan).claim("date_naissance est connu")` → « la date de naissance est connue »;
`Wording(plan).value("age(date_naissance, date_entree_rsa) < 26")` gives a noun phrase with its
gender and number, so that adjectives and pronouns agree (« l'âge … est inférieur à 26 »,
« la date … elle vaut … »). The expression's code stays in the Markdown and JSON forms.

A name is said by its label, with the article of its head noun: the label's own article when it
starts with one (« L'inscription … »), else the gender of its first word from `_GENDERS` (the nouns
the pack's labels start with). A label that starts with no known noun (« Soumis aux droits et
devoirs ») is quoted, and only said with « : oui / non » or « vaut ».
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from engine import ast
from engine.calendar import Duration
from engine.diagnostics import PolicyCompileError
from engine.parser import parse
from engine.plan import Plan
from engine.types import Kind

_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(d: date) -> str:
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {_MONTHS[d.month - 1]} {d.year}"


def french_number(value: Decimal | int, *, money: bool = False) -> str:
    """Every digit computed, in French notation: `12,345 €`, `1 234 567,50 €`, `1,428571428…`.
    Amounts show at least their cents (`500,00 €`) and are never rounded: a rule rounds, not the display."""
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    if money:
        fraction = fraction.ljust(2, "0")
    groups = f"{int(whole):,}".replace(",", " ")
    number = f"{sign}{groups}" + (f",{fraction}" if fraction else "")
    return f"{number} €" if money else number


# The first word of a label → (feminine, plural). Words of the pack's labels; extend it for a new
# label, or start the label with its article (« La … », « Le … », « Les … », « L'… »).
_GENDERS: dict[str, tuple[bool, bool]] = {
    **dict.fromkeys(("date", "durée", "orientation", "inscription", "adre", "allocation"), (True, False)),
    **dict.fromkeys(("décision", "personne", "situation", "valeur", "somme", "signature"), (True, False)),
    **dict.fromkeys(("difficultés", "dates"), (True, True)),
    **dict.fromkeys(("âge", "montant", "total", "type", "statut", "délai", "mode", "parcours"), (False, False)),
    **dict.fromkeys(("organisme", "objectif", "opérateur", "territoire", "versement", "suivi"), (False, False)),
    **dict.fromkeys(("nombre", "contrat", "seuil", "taux", "droit", "rendez-vous"), (False, False)),
    **dict.fromkeys(("critères", "freins", "jours", "territoires", "mois", "organismes"), (False, True)),
}
_ARTICLES = {"le ": (False, False), "la ": (True, False), "les ": (False, True)}
_VOWELS = "aàâeéèêëiîïoôuùûyhAÀÂEÉÈÊIÎOÔUÙÛYH"


@dataclass(frozen=True, slots=True)
class Phrase:
    """A noun phrase with its article, and what agrees with it."""

    text: str
    feminine: bool = False
    plural: bool = False
    quoted: bool = False  # a label that is no noun phrase: « Soumis aux droits et devoirs »

    @property
    def pronoun(self) -> str:
        return ("elles" if self.feminine else "ils") if self.plural else ("elle" if self.feminine else "il")

    def agree(self, adjective: str) -> str:
        """`connu` → connu, connue, connus, connues; `égal` → égaux; invariable after `ou`."""
        words = adjective.split(" ")
        return " ".join(w if w in ("ou", "à", "de") else self._agree(w) for w in words)

    def _agree(self, word: str) -> str:
        if word == "égal":
            return ("égales" if self.feminine else "égaux") if self.plural else ("égale" if self.feminine else "égal")
        if self.feminine and not word.endswith("e"):
            word += "e"
        if self.plural and not word.endswith("s"):
            word += "s"
        return word

    def verb(self, singular: str, plural: str) -> str:
        return plural if self.plural else singular


def to(text: str) -> str:
    """`à` before a phrase: au, aux, à la, à l'."""
    for article, contracted in (("le ", "au "), ("les ", "aux ")):
        if text.startswith(article):
            return contracted + text[len(article) :]
    return f"à {text}"


def of(text: str) -> str:
    """`de` before a phrase: du, des, de la, de l', d'."""
    for article, contracted in (("le ", "du "), ("les ", "des ")):
        if text.startswith(article):
            return contracted + text[len(article) :]
    return f"d'{text}" if text[:1] in _VOWELS and not text.startswith("l'") else f"de {text}"


def label_phrase(label: str) -> Phrase:
    """« Date de naissance » → la date de naissance (feminine); « Soumis … » → « Soumis … » (quoted)."""
    lowered = label[:1].lower() + label[1:] if label[1:2].islower() else label
    for article, (feminine, plural) in _ARTICLES.items():
        if lowered.lower().startswith(article):
            return Phrase(lowered[:1].lower() + lowered[1:], feminine, plural)
    if lowered.lower().startswith("l'"):
        head = lowered[2:].split(" ")[0].lower()
        feminine, plural = _GENDERS.get(head, (False, False))
        return Phrase("l'" + lowered[2:], feminine, plural)
    head = lowered.split(" ")[0].lower()
    if head not in _GENDERS:
        return Phrase(f"« {label} »", quoted=True)
    feminine, plural = _GENDERS[head]
    if plural:
        return Phrase(f"les {lowered}", feminine, plural)
    if lowered[:1] in _VOWELS:
        return Phrase(f"l'{lowered}", feminine, plural)
    return Phrase(f"{'la' if feminine else 'le'} {lowered}", feminine, plural)


_DATE_CALLS = ("add_days", "add_months", "end_of_month", "next_working_day")
# op → (for dates, for other values); `≥` and `≤` of dates read as « n'est pas antérieure / postérieure ».
_COMPARE = {  # op → (for dates, for other values): (said negatively, adjective, preposition)
    "<": ((False, "antérieur", "à"), (False, "inférieur", "à")),
    "<=": ((True, "postérieur", "à"), (False, "inférieur ou égal", "à")),
    ">": ((False, "postérieur", "à"), (False, "supérieur", "à")),
    ">=": ((True, "antérieur", "à"), (False, "supérieur ou égal", "à")),
    "==": ((False, "", ""), (False, "égal", "à")),
    "!=": ((True, "", ""), (False, "différent", "de")),
}
_OPPOSITE = {"<": ">=", ">=": "<", ">": "<=", "<=": ">", "==": "!=", "!=": "=="}
_ARITHMETIC = {"+": "plus", "-": "moins", "*": "multiplié par", "/": "divisé par"}


class Wording:
    """Say the expressions of one policy in French: its labels, enum labels and value types."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.enum_labels = {v: label for e in plan.enums.values() for v, label in e.values}

    # -- entry points on expression texts (as in traces) -------------------------------------------
    def claim_text(self, text: str, truth: object = True) -> str | None:
        """The condition `text` said as true (or as false: `truth=False`), None if it does not parse."""
        expr = self._parse(text)
        if expr is None:
            return None
        if truth is None:
            return f"on ne sait pas si {self.claim(expr)}"
        return self.claim(expr, bool(truth))

    def value_text(self, text: str) -> str | None:
        """The formula `text` said as a value, None if it does not parse."""
        expr = self._parse(text)
        return None if expr is None else self.value(expr).text

    def subject(self, text: str) -> Phrase | None:
        """The phrase a condition speaks of first (its first name), for the pronoun that follows."""
        expr = self._parse(text)
        if expr is None:
            return None
        names = ast.names(expr)
        return self.name(names[0].name) if names else None

    def phrase(self, text: str) -> Phrase:
        """A name, or a piece of expression a trace records as one (`x as of d`), said as a phrase."""
        if text.isidentifier():
            return self.name(text)
        expr = self._parse(text)
        return Phrase(text) if expr is None else self.value(expr)

    def name(self, name: str) -> Phrase:
        if name == "today":
            return Phrase("la date d'évaluation", feminine=True)
        if self.plan.label(name) != name or name in self.plan.facts:
            return label_phrase(self.plan.label(name))
        if name in self.enum_labels:
            return Phrase(f"« {self.enum_labels[name]} »", quoted=True)
        return Phrase(name)

    def expression(self, text: str) -> ast.Expr | None:
        """The expression a trace recorded as `text` (English code), None if it does not parse."""
        return self._parse(text)

    def _parse(self, text: str) -> ast.Expr | None:
        try:
            return parse(text)
        except PolicyCompileError:
            return None

    # -- values ---------------------------------------------------------------------------------------
    def value(self, e: ast.Expr) -> Phrase:
        match e:
            case ast.Name(name=n):
                return self.name(n)
            case ast.Literal():
                return Phrase(self.literal(e))
            case ast.Unary(op="-", operand=o):
                return Phrase(f"moins {self.value(o).text}")
            case ast.Binary(op=op, left=a, right=b) if op in _ARITHMETIC:
                left = self.value(a)
                word = _ARITHMETIC[op]
                word = left.agree(word) if " par" in word else word
                return Phrase(f"{left.text} {word} {self.value(b).text}", left.feminine, left.plural)
            case ast.Binary(op="??", left=a, right=b):
                left = self.value(a)
                return Phrase(f"{left.text} (à défaut, {self.value(b).text})", left.feminine, left.plural)
            case ast.If(cond=c, then=t, orelse=o):
                then = self.value(t)
                return Phrase(f"si {self.claim(c)}, {then.text} ; sinon, {self.value(o).text}", then.feminine)
            case ast.Call(func=f, args=args):
                return self.call(f, [self.value(a) for a in args], args)
            case ast.AsOf(target=t, when=w):
                target = self.value(t)
                read = target.agree("lu")
                return Phrase(f"{target.text}, {read} {self.at(w)}", target.feminine, target.plural)
            case ast.ListExpr(items=items):
                return Phrase(_enumerate([self.value(i).text for i in items]), plural=True)
        return Phrase(self.claim(e))

    def at(self, e: ast.Expr) -> str:
        """« à » and a date: « à la date d'entrée dans le RSA ou, à défaut, à la date d'évaluation »."""
        if isinstance(e, ast.Binary) and e.op == "??":
            return f"{self.at(e.left)} ou, à défaut, {self.at(e.right)}"
        return to(self.value(e).text)

    def literal(self, e: ast.Literal) -> str:
        v = e.value
        if v is None:
            return "aucune valeur"
        if isinstance(v, bool):
            return "oui" if v else "non"
        if isinstance(v, date):
            return f"le {french_date(v)}"
        if isinstance(v, Duration):
            return v.french()
        if isinstance(v, Decimal | int):
            number = french_number(v)
            return f"{number} €" if e.kind is Kind.MONEY else number
        return f"« {v} »"

    def call(self, func: str, said: list[Phrase], args: tuple[ast.Expr, ...]) -> Phrase:
        texts = [p.text for p in said]
        first = said[0] if said else Phrase("")
        if func == "age" and len(texts) == 2:
            return Phrase(f"l'âge compté {of(texts[0])} {self.at(args[1])}")
        if func in ("add_days", "add_months") and len(texts) == 2:
            unit = "jours" if func == "add_days" else "mois"
            count = args[1]
            amount = f"{texts[1]} {unit}" if isinstance(count, ast.Literal) else f"{unit} en nombre égal {to(texts[1])}"
            return Phrase(f"{texts[0]} plus {amount}", first.feminine, first.plural)
        if func in ("days_between", "months_between") and len(texts) == 2:
            unit = "jours" if func == "days_between" else "mois entiers"
            return Phrase(f"le nombre de {unit} entre {texts[0]} et {texts[1]}")
        simple = {
            "year": ("l'année", True),
            "month": ("le mois", False),
            "day": ("le jour du mois", False),
            "end_of_month": ("le dernier jour du mois", False),
            "abs": ("la valeur absolue", True),
        }
        if func in simple and texts:
            head, feminine = simple[func]
            return Phrase(f"{head} {of(texts[0])}", feminine)
        if func == "next_working_day" and texts:
            return Phrase(f"le premier jour ouvrable à partir {of(texts[0])}")
        if func in ("min", "max"):
            return Phrase(f"la plus {'petite' if func == 'min' else 'grande'} valeur entre {_enumerate(texts)}", True)
        if func == "round" and texts:
            places = f" à {texts[1]} décimale(s)" if len(texts) > 1 else ""
            return Phrase(f"{texts[0]} {first.agree('arrondi')}{places}", first.feminine, first.plural)
        if func == "is_working_day" and texts:
            return Phrase(f"{texts[0]} est un jour ouvrable")
        return Phrase(f"{func} {of(_enumerate(texts))}")

    # -- conditions ------------------------------------------------------------------------------------
    def claim(self, e: ast.Expr, truth: bool = True) -> str:
        """The condition `e` said as holding (`truth`) or not."""
        match e:
            case ast.Unary(op="not", operand=o):
                return self.claim(o, not truth)
            case ast.Binary(op="and" | "or", left=a, right=b):
                word = "et" if (e.op == "and") == truth else "ou"
                return f"{self.claim(a, truth)} {word} {self.claim(b, truth)}"
            case ast.Binary(op=op, left=a, right=b) if op in _COMPARE:
                return self.compare(op if truth else _OPPOSITE[op], a, b)
            case ast.IsNull(value=v, negated=negated):
                subject = self.value(v)
                known = negated == truth
                return f"{subject.text} {subject.verb('est', 'sont')} {subject.agree('connu' if known else 'inconnu')}"
            case ast.In(value=v, items=items, negated=negated):
                inside = negated != truth
                verb = "figure parmi" if inside else "ne figure pas parmi"
                return f"{self.value(v).text} {verb} {self.value(items).text}"
            case ast.Call(func="is_working_day", args=(d,)):
                day = self.value(d)
                return f"{day.text} {self._is(day, not truth)} un jour ouvrable"
            case ast.Literal(value=bool() as v):
                return "toujours" if v == truth else "jamais"
            case ast.If(cond=c, then=t, orelse=o):
                return f"si {self.claim(c)}, {self.claim(t, truth)} ; sinon, {self.claim(o, truth)}"
        said = self.value(e)
        return f"{said.text} : {'oui' if truth else 'non'}"

    def compare(self, op: str, a: ast.Expr, b: ast.Expr) -> str:
        left, right = self.value(a), self.value(b)
        dated = self._is_date(a) or self._is_date(b)
        if (right.quoted or dated) and op in ("==", "!="):  # « est « Parcours social » », « est le 1er mars 2023 »
            return f"{left.text} {self._is(left, op == '!=')} {right.text}"
        negative, adjective, preposition = _COMPARE[op][0 if dated else 1]
        return f"{left.text} {self._is(left, negative)} {left.agree(adjective)} {_joined(preposition, right.text)}"

    @staticmethod
    def _is(subject: Phrase, negative: bool) -> str:
        if negative:
            return subject.verb("n'est pas", "ne sont pas")
        return subject.verb("est", "sont")

    def _is_date(self, e: ast.Expr) -> bool:
        match e:
            case ast.Name(name="today"):
                return True
            case ast.Name(name=n):
                table = self.plan.rules if n in self.plan.rules else self.plan.facts if n in self.plan.facts else None
                if table is None and n in self.plan.parameters:
                    return self.plan.parameters[n].type.kind is Kind.DATE
                return table is not None and table[n].type.kind is Kind.DATE
            case ast.Literal(kind=Kind.DATE):
                return True
            case ast.Call(func=f):
                return f in _DATE_CALLS
            case ast.Binary(op="+" | "-" | "??", left=a):
                return self._is_date(a)
            case ast.AsOf(target=t):
                return self._is_date(t)
        return False


def _joined(preposition: str, text: str) -> str:
    """`à` / `de` with its phrase, contracted (« au », « du »…)."""
    if preposition == "à":
        return to(text)
    if preposition == "de":
        return of(text)
    return f"{preposition} {text}".strip()


def _enumerate(texts: list[str]) -> str:
    if len(texts) <= 1:
        return "".join(texts)
    return ", ".join(texts[:-1]) + " et " + texts[-1]
