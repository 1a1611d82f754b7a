"""Explanations a lawyer can read aloud: French text, Markdown and JSON, rendered from a trace."""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal

from engine.calendar import Duration
from engine.documents import VersionDecl
from engine.french import FRENCH
from engine.plan import Plan
from engine.printer import to_text
from engine.prose import Wording, french_date, french_number
from engine.reach import possible_values
from engine.trace import Atom, Input, RowOutcome, RuleTrace, Trace
from engine.types import Kind, Type

_MAX_INDENT = 8  # levels of indentation in the text; deeper rules say their level instead


def _same(written: str, value: str) -> bool:
    """Does a row's value, as written (`mds`, `"mds"`, `500 €`), equal the value asked about?"""

    def norm(text: str) -> str:
        text = text.strip().strip('"').strip("'").replace("€", "").replace("EUR", "").strip()
        try:
            return str(Decimal(text).normalize())
        except ArithmeticError:
            return text

    return bool(written) and norm(written) == norm(value)


def _matches(value: object, text: str) -> bool:
    """Does `text`, as typed after `--why-not`, name this value (`null`, `oui`/`true`, `500`, `mds`)?"""
    written = text.strip().lower()
    if value is None:
        return written in ("null", "nul", "aucun", "aucune")
    if isinstance(value, bool):
        return written in (("true", "oui", "vrai") if value else ("false", "non", "faux"))
    return _same(str(json_value(value)), text)


def json_value(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(json_value(v) for v in value)  # type: ignore[type-var]
    return value


class Explanation:
    """Why `name` has its value for this case: printable (French), `to_markdown()`, `to_dict()`.

    The text says conditions and formulas in French words (engine/prose.py); the Markdown adds
    their code. `given` names the facts the case gave: the others are said to be defaults (all
    facts are taken as given when it is None)."""

    def __init__(
        self,
        plan: Plan,
        trace: Trace,
        name: str,
        facts: Mapping[str, object],
        given: Collection[str] | None = None,
    ) -> None:
        self.plan = plan
        self.trace = trace
        self.name = name
        self.facts = facts
        self.given = frozenset(facts if given is None else given)
        self.words = Wording(plan)
        self._code = False  # also show the code of conditions and formulas (Markdown)
        self._file = ""  # the file of the rule being rendered: its code is shown in its language

    @property
    def value(self) -> object:
        record = self.trace.get(self.name)
        return record.value if record else None

    # -- values in words ------------------------------------------------------------------------
    def show(self, name: str, value: object) -> str:
        if value is None:
            return "non renseigné (null)"
        if isinstance(value, bool):
            return "oui" if value else "non"
        if isinstance(value, date):
            return f"{french_date(value)} ({value.isoformat()})"
        if isinstance(value, Decimal):
            return french_number(value, money=self._is_money(name))
        if isinstance(value, Duration):
            return value.french()
        if isinstance(value, frozenset):
            return ", ".join(sorted(str(v) for v in value))
        if isinstance(value, str):
            label = self._enum_label(name, value)
            return f"{value} ({label})" if label and label != value else f"« {value} »"
        return str(value)

    def _type_of(self, name: str) -> Type | None:
        for table in (self.plan.rules, self.plan.facts, self.plan.parameters):
            if name in table:
                return table[name].type
        return None

    def _version_decl(self, r: RuleTrace) -> VersionDecl | None:
        """The declaration of the version a trace record used (for its assumption flag and note)."""
        rule = self.plan.rules.get(r.rule)
        return next((v.decl for v in rule.versions if v.start == r.version_start), None) if rule else None

    def _assumed(self, r: RuleTrace) -> str:
        """« HYPOTHÈSE à confirmer (note) » when the version used is flagged as an assumption, else ""."""
        v = self._version_decl(r)
        if v is None or not v.assumption:
            return ""
        return "HYPOTHÈSE à confirmer" + (f" ({v.note.strip()})" if v.note else "")

    def _is_money(self, name: str) -> bool:
        ty = self._type_of(name)
        return ty is not None and ty.kind.value == "money"

    def _enum_label(self, name: str, value: str) -> str | None:
        ty = self._type_of(name)
        enum = self.plan.enums.get(ty.enum or "") if ty is not None else None
        return enum.label_of(value) if enum is not None else None

    # -- text ---------------------------------------------------------------------------------------
    def __str__(self) -> str:
        return self.to_text()

    def to_text(self) -> str:
        """The explanation in French, with no code: conditions and formulas in words."""
        return self._render()

    def _render(self) -> str:
        root = self.trace.get(self.name)
        if root is None:
            return f"{self.name} : aucune trace"
        lines = [
            f"Décision « {self.plan.label(self.name)} » ({self.name}) au {french_date(self.trace.today)} : "
            f"{self.show(self.name, root.value)}",
            "",
        ]
        summary = self._summary(root)
        if summary:
            lines += ["En bref :", *summary, "", "Détail :", ""]
        self._text(root, lines, 0, set())
        return "\n".join(lines).rstrip() + "\n"

    def _summary(self, root: RuleTrace, limit: int = 12) -> list[str]:
        """One line per rule of the chain: its value and the reason of the row it took."""
        out: list[str] = []
        seen: set[tuple[str, date]] = set()
        stack = [root]
        while stack and len(out) < limit:
            r = stack.pop()
            if (r.rule, r.law) in seen:
                continue
            seen.add((r.rule, r.law))
            chosen = next((row for row in r.rows or () if row.matched), None)
            reason = chosen.because if chosen else (f"calcul : {self._formula(r.formula)}" if r.formula else "")
            when = "" if r.law == self.trace.today else f" (droit au {french_date(r.law)})"
            flag = " [HYPOTHÈSE sur la version appliquée]" if self._assumed(r) else ""
            out.append(f"  • {self.plan.label(r.rule)}{when} : {self.show(r.rule, r.value)} — {reason}{flag}")
            children = [self.trace.get(i.name, i.law) for i in r.inputs if i.kind == "rule" and i.law is not None]
            stack.extend(c for c in reversed(children) if c is not None)
        return out

    def _text(self, root: RuleTrace, lines: list[str], depth: int, seen: set[tuple[str, date]]) -> None:
        """Each rule the decision rests on, depth first, each once. Iterative: a chain of thousands
        of rules explains as far as it evaluates; indentation stops growing after a few levels."""
        stack: list[tuple[RuleTrace, int]] = [(root, depth)]
        while stack:
            r, level = stack.pop()
            if (r.rule, r.law) in seen:
                continue
            if lines and r is not root:
                lines.append("")
            self._one(r, lines, level, seen)
            children = []
            for i in r.inputs:
                if i.kind == "rule" and i.law is not None:
                    child = self.trace.get(i.name, i.law)
                    if child is not None and (i.name, i.law) not in seen:
                        children.append((child, level + 1))
            stack.extend(reversed(children))

    def _one(self, r: RuleTrace, lines: list[str], depth: int, seen: set[tuple[str, date]]) -> None:
        pad = "    " * min(depth, _MAX_INDENT)
        seen.add((r.rule, r.law))
        self._file = r.span.file
        rule = self.plan.rules[r.rule]
        level = f"[niveau {depth}] " if depth > _MAX_INDENT else ""
        lines.append(f"{pad}■ {level}{rule.decl.label} ({r.rule}) = {self.show(r.rule, r.value)}")
        lines.append(f"{pad}  Règle définie en {r.span.file}:{r.span.line}")
        period = f"du {french_date(r.version_start)}" + (
            f" au {french_date(r.version_end)}" if r.version_end else ", sans date de fin"
        )
        label = f" « {r.version_label} »" if r.version_label else ""
        lines.append(f"{pad}  Droit applicable au {french_date(r.law)} : version{label} en vigueur {period}")
        assumed = self._assumed(r)
        if assumed:
            lines.append(f"{pad}  {assumed}")
        else:
            decl = self._version_decl(r)
            if decl is not None and decl.note:
                lines.append(f"{pad}  Note : {decl.note.strip()}")
        for ref in r.references:
            lines.append(f"{pad}  Fondement : {ref.article}" + (f" — {ref.url}" if ref.url else ""))
            if ref.excerpt:
                lines.append(f"{pad}      {ref.excerpt.strip()}")
        if r.formula is not None:
            lines.append(f"{pad}  Calcul : {self._formula(r.formula)}")
            if self._code:
                lines.append(f"{pad}  Formule : `{self._as_written(r.formula)}`")
        if r.rows is not None:
            self._rows(r.rows, lines, pad)
        if r.inputs:
            lines.append(f"{pad}  Éléments utilisés :")
            for i in r.inputs:
                lines.append(f"{pad}    • {self._input(i)}")

    def _rows(self, rows: tuple[RowOutcome, ...], lines: list[str], pad: str) -> None:
        chosen = next((row for row in rows if row.matched), None)
        if chosen is not None:
            where = "ligne « sinon »" if chosen.condition is None else f"ligne {chosen.index}"
            lines.append(f"{pad}  Retenu ({where}) : {chosen.because}")
            for atom in chosen.atoms:
                lines.append(f"{pad}      car {self._atom(atom, True)}")
        refused = [row for row in rows if row.matched is False]
        skipped = [row for row in rows if row.matched is None]
        if refused or skipped:
            lines.append(f"{pad}  Non retenu :")
        for row in refused:
            lines.append(f"{pad}    – ligne {row.index} : {row.because}")
            for atom in row.atoms:
                lines.append(f"{pad}        condition non remplie : {self._atom(atom, False)}")
        for row in skipped:
            where = "ligne « sinon »" if row.condition is None else f"ligne {row.index}"
            lines.append(f"{pad}    – {where} : {row.because}")
            lines += [f"{pad}        {line}" for line in self._skipped(row, chosen)]

    def _skipped(self, row: RowOutcome, chosen: RowOutcome | None) -> list[str]:
        """A row below the one taken: not examined, and whether its condition would hold anyway."""
        first = f"non examinée : la ligne {chosen.index if chosen else '?'} s'applique en priorité"
        if row.condition is None or row.would is None:
            return [first]
        if row.would:
            return [first + " (sa condition serait par ailleurs remplie)"]
        return [first + " ; sa condition n'est d'ailleurs pas remplie :"] + [
            f"  {self._atom(atom, False)}" for atom in row.atoms
        ]

    # -- "why not?" ---------------------------------------------------------------------------------
    def why_not(self, value: str) -> str:
        """Why the decision is not `value`: every row of the rules used that gives `value`, and why
        it did not apply (its condition failed, or a row above it had priority)."""
        root = self.trace.get(self.name)
        if root is None:
            return f"{self.name} : aucune trace\n"
        label = self.plan.label(self.name)
        lines = [f"Pourquoi « {label} » ({self.name}) ne vaut-il pas « {value} » au {french_date(self.trace.today)} ?"]
        if not self.can_take(value):
            lines.append(
                f"« {value} » n'est pas une valeur que cette décision peut prendre, quels que soient le cas et la date."
            )
            possible = self.possible()
            if possible:
                lines.append(f"Valeurs possibles : {', '.join(possible)}.")
            return "\n".join(lines) + "\n"
        if _matches(root.value, value):
            lines.append(f"Elle vaut justement {self.show(self.name, root.value)}.")
            return "\n".join(lines) + "\n"
        lines.append(f"Elle vaut {self.show(self.name, root.value)}.")
        found = False
        for r in self._chain(root):
            rows = r.rows or ()
            chosen = next((row for row in rows if row.matched), None)
            for row in rows:
                given = str(json_value(row.value)) if row.value is not None else ""
                if not (_same(row.then, value) or _same(given, value)):
                    continue
                found = True
                rule = self.plan.label(r.rule)
                where = "ligne « sinon »" if row.condition is None else f"ligne {row.index}"
                lines += ["", f"• {rule} ({r.rule}), droit au {french_date(r.law)}, {where} : {row.because}"]
                if row.condition is not None:
                    said = self.words.claim_text(row.condition)
                    lines.append(f"    condition : {said}" if said else f"    condition : `{row.condition}`")
                if row.matched:
                    lines.append(
                        f"    cette ligne s'applique : {r.rule} vaut {self.show(r.rule, r.value)}, mais la "
                        "décision dépend aussi d'autres règles (voir l'explication complète)"
                    )
                elif row.matched is False:
                    lines += [f"    non retenue : {self._atom(atom, False)}" for atom in row.atoms]
                else:
                    lines += [f"    {line}" for line in self._skipped(row, chosen)]
        if not found:
            lines += ["", f"Aucune ligne des règles utilisées ne donne « {value} »."]
            ty = self._type_of(self.name)
            enum = self.plan.enums.get(ty.enum or "") if ty is not None else None
            if enum is not None:
                lines.append(f"Valeurs possibles : {', '.join(v for v, _ in enum.values)}.")
        return "\n".join(lines) + "\n"

    def possible(self) -> list[str]:
        """The values the decision can take, as typed after `--why-not` (empty when not known)."""
        values = possible_values(self.plan, self.name)
        if values is None:
            ty = self._type_of(self.name)
            enum = self.plan.enums.get(ty.enum or "") if ty is not None else None
            if enum is None:
                return []
            values = frozenset([*(v for v, _ in enum.values), *([None] if ty and ty.optional else [])])
        shown = [
            "null" if v is None else str(json_value(v)).lower() if isinstance(v, bool) else str(json_value(v))
            for v in values
        ]
        return sorted(shown, key=lambda v: (v == "null", v))

    def can_take(self, value: str) -> bool:
        """Can the decision take `value` for some case on some date? False only when certain: a value
        outside its type (`paris` for an enum, `peut-être` for a yes/no), or one no rule ever gives."""
        ty = self._type_of(self.name)
        if ty is None:
            return True
        if value.strip().lower() in ("null", "nul") and not ty.optional:
            return False
        known = possible_values(self.plan, self.name)
        if known is not None:
            return any(_matches(v, value) for v in known)
        if ty.kind is Kind.ENUM:
            enum = self.plan.enums.get(ty.enum or "")
            return (
                enum is None
                or any(_matches(v, value) for v, _ in enum.values)
                or (ty.optional and _matches(None, value))
            )
        if ty.kind is Kind.BOOL:
            return any(_matches(v, value) for v in (True, False, *((None,) if ty.optional else ())))
        if ty.kind in (Kind.INT, Kind.DECIMAL, Kind.MONEY):
            try:
                number = Decimal(value.replace("€", "").replace(",", ".").strip())
            except ArithmeticError:
                return ty.optional and _matches(None, value)
            return number.is_finite() and (ty.kind is not Kind.INT or number == number.to_integral_value())
        if ty.kind is Kind.DATE:
            try:
                date.fromisoformat(value.strip())
            except ValueError:
                return ty.optional and _matches(None, value)
        return True

    def _chain(self, root: RuleTrace) -> list[RuleTrace]:
        """Every rule record the decision rests on, depth first, each once."""
        out: list[RuleTrace] = []
        seen: set[tuple[str, date]] = set()
        stack = [root]
        while stack:
            r = stack.pop()
            if (r.rule, r.law) in seen:
                continue
            seen.add((r.rule, r.law))
            out.append(r)
            children = [self.trace.get(i.name, i.law) for i in r.inputs if i.kind == "rule" and i.law is not None]
            stack.extend(c for c in reversed(children) if c is not None)
        return out

    def _formula(self, formula: str) -> str:
        said = self.words.value_text(formula)
        return said if said is not None else formula

    def _atom(self, atom: Atom, held: bool) -> str:
        """An elementary condition in words, as it turned out, with the values it read (« la date …
        est connue : elle vaut … »); for a row not taken, what the row would have needed."""
        needed = bool(atom.value) if held else not atom.value
        if len(atom.names) == 1 and atom.text == atom.names[0][0]:
            name, value = atom.names[0]
            text = f"{self.plan.label(name)} ({name}) : {self.show(name, value)}"
            if not held and isinstance(value, bool):
                text += f", alors que cette ligne demande « {'oui' if needed else 'non'} »"
            return text
        said = self.words.claim_text(atom.text, atom.value)
        if said is None:  # not an expression of the language: say it as written
            said = f"`{atom.text}` est {'vrai' if atom.value else 'faux'}"
        values: list[str] = []
        start = said.removeprefix("on ne sait pas si ")
        for n, v in atom.names:
            phrase = self.words.phrase(n)
            if start.startswith(f"{phrase.text} : "):  # « X : oui » already says its value
                continue
            if v is None and start.startswith(f"{phrase.text} ") and " inconnu" in start:
                continue  # « la date … est inconnue » says it all
            subject = (
                phrase.pronoun if not values and start.startswith(phrase.text) and not phrase.quoted else phrase.text
            )
            values.append(f"{subject} {phrase.verb('vaut', 'valent')} {self.show(n, v)}")
        joint = " ; " if said.endswith((" : oui", " : non")) else " : "  # never two colons in a row
        text = said + (f"{joint}{' ; '.join(values)}" if values else "")
        if not held and not needed:
            text += ", alors que cette ligne demande le contraire"
        if self._code:
            text += f" — `{self._as_written(atom.text)}`"
        return text

    def _as_written(self, code: str) -> str:
        """Code recorded by a trace (always printed in English) as the rule's own file writes it:
        `si … alors … sinon`, `est connu` in a French file."""
        if self.plan.language(self._file) != FRENCH:
            return code
        expr = self.words.expression(code)
        return code if expr is None else to_text(expr, FRENCH)

    def _input(self, i: Input) -> str:
        value = self.show(i.name, i.value)
        if i.kind == "today":
            return f"date d'évaluation : {value}"
        label = self.plan.label(i.name)
        if i.kind == "fact":
            if i.name not in self.given:
                return f"{label} ({i.name}) — valeur par défaut : {value}"
            return f"{label} ({i.name}) : {value} — donnée du dossier"
        when = f" le {french_date(i.law)}" if i.law else ""
        if i.kind == "parameter":
            p = self.plan.parameters[i.name]
            index = p.index_on(i.law) if i.law else -1
            note = ""
            if index >= 0:
                v = p.decl.values[index]
                law = i.law
                refs = ", ".join(r.article for r in v.references if law is None or r.in_force(law))
                note = f" ; valeur du {french_date(v.start)}" + (f", source : {refs}" if refs else "")
                if p.decl.assumption or v.assumption:
                    note += " ; HYPOTHÈSE à confirmer" + (f" ({v.note.strip()})" if v.note else "")
            how = " (lecture « à la date du »)" if i.as_of else ""
            return f"{label} ({i.name}) : {value} — paramètre en vigueur{when}{how}{note}"
        how = f"droit en vigueur{when}" + (" (lecture « à la date du »)" if i.as_of else "")
        return f"{label} ({i.name}) : {value} — règle, {how}"

    # -- markdown -------------------------------------------------------------------------------------
    def to_markdown(self) -> str:
        """The text explanation as Markdown: a heading per rule, its facts and reasons as lists,
        and the code of each condition and formula next to its words."""
        coded = copy.copy(self)
        coded._code = True
        text = coded._render().splitlines()
        out = [f"## {text[0]}"] if text else []
        base = -1  # indentation of the current rule's heading; -1 in the summary
        for line in text[1:]:
            stripped = line.strip()
            if not stripped:
                continue
            indent = len(line) - len(line.lstrip())
            if stripped in ("En bref :", "Détail :"):
                out += ["", f"### {stripped[:-2]}", ""]
            elif stripped.startswith("■"):
                base = indent
                out += ["", f"{'#' * min(4 + indent // 8, 6)} {stripped[1:].strip()}", ""]
            else:
                level = 0 if base < 0 else {2: 0, 4: 1, 6: 1}.get(indent - base, 2)
                out.append(f"{'  ' * level}- {stripped.lstrip('•–').strip()}")
        return "\n".join(out).strip() + "\n"

    # -- JSON ---------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, object]:
        """`{"decision", "label", "at", "value", "trace": the decision's own record, "records": every
        record it rests on (itself first), each once}`. Records are flat: `depends_on` names the
        rules read (`{"rule", "law_date"}`), so the JSON's depth stays small however long the chain."""
        root = self.trace.get(self.name)
        records = [self._record(r) for r in self._chain(root)] if root else []
        return {
            "decision": self.name,
            "label": self.plan.label(self.name),
            "at": self.trace.today.isoformat(),
            "value": json_value(root.value) if root else None,
            "trace": records[0] if records else None,
            "records": records,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def _record(self, r: RuleTrace) -> dict[str, object]:
        children = [
            {"rule": i.name, "law_date": i.law.isoformat()}
            for i in r.inputs
            if i.kind == "rule" and i.law is not None and self.trace.get(i.name, i.law) is not None
        ]
        return {
            "rule": r.rule,
            "label": self.plan.label(r.rule),
            "value": json_value(r.value),
            "law_date": r.law.isoformat(),
            "version": {
                "from": r.version_start.isoformat(),
                "until": r.version_end.isoformat() if r.version_end else None,
                "label": r.version_label,
                "assumption": bool(self._assumed(r)),
                "note": (decl.note.strip() if (decl := self._version_decl(r)) and decl.note else None),
            },
            "references": [ref.to_dict() for ref in r.references],
            "location": {"file": r.span.file, "line": r.span.line, "column": r.span.column},
            "formula": r.formula,
            "rows": None
            if r.rows is None
            else [
                {
                    "row": row.index,
                    "because": row.because,
                    "condition": row.condition,
                    "matched": row.matched,
                    "would_match": row.would,
                    "value": json_value(row.value),
                    "atoms": [
                        {
                            "condition": a.text,
                            "value": json_value(a.value),
                            "values": {n: json_value(v) for n, v in a.names},
                        }
                        for a in row.atoms
                    ],
                }
                for row in r.rows
            ],
            "inputs": [
                {
                    "name": i.name,
                    "kind": i.kind,
                    "value": json_value(i.value),
                    "law_date": i.law.isoformat() if i.law else None,
                    "as_of": i.as_of,
                    "defaulted": i.kind == "fact" and i.name not in self.given,
                }
                for i in r.inputs
            ],
            "depends_on": children,
        }
