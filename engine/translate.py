"""`policy translate FILE --to fr|en`: rewrite a rule file from one language to the other.

Only words change, in place: YAML keys (`label` ↔ `libellé`), expression keywords (`and` ↔ `et`,
`is not null` ↔ `est connu`…), builtin names and `today` (`add_days` ↔ `ajouter_jours`), type
names (`money?` ↔ `montant?`) and booleans (`true` ↔ `vrai`). Comments, layout, quoting, names,
labels and every other character stay as they are, so translating there and back gives the file
back byte for byte (tests/test_translate.py checks it on every file of the pack). Declaration
names, enum values and texts are never touched. The words are those of engine/french.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.diagnostics import Code, Diagnostic, PolicyCompileError
from engine.french import (
    BOOLEANS_FR,
    ENGLISH,
    FRENCH,
    KEYS,
    KEYS_FR,
    KEYWORDS,
    NAMES,
    NAMES_FR,
    TYPES,
    TYPES_FR,
    UNITS,
    UNITS_FR,
)
from engine.i18n import _
from engine.loader import YamlNode, parse_yaml
from engine.parser import tokens
from engine.source import Span

_SECTIONS = ("enums", "facts", "parameters", "rules")
_EXPRESSIONS = ("formula", "when", "then", "otherwise", "value", "default")
_LISTS = ("references", "versions", "table", "values")
_BOOLEANS = ("output", "assumption")
_TYPE_WORD = re.compile(r"[a-zé]+")


@dataclass(frozen=True)
class _Edit:
    line: int
    column: int
    end_line: int
    end_column: int
    text: str


def translate_text(text: str, file: str, to: str) -> str:
    """The rule file `text` written in `to` ("fr" or "en"). Raises PolicyCompileError (located)
    when the file is not valid YAML, or when an expression cannot be rewritten word for word
    (a folded `>` value: write it as one line or a `|` block first)."""
    root = parse_yaml(text, file)
    if root is None:
        return text
    edits: list[_Edit] = []
    problems: list[Diagnostic] = []
    _Translator(to, edits, problems, text.split("\n")).fields(root, top=True)
    if problems:
        raise PolicyCompileError(problems)
    return _apply(text, edits)


class _Translator:
    def __init__(self, to: str, edits: list[_Edit], problems: list[Diagnostic], lines: list[str]) -> None:
        self.lines = lines
        self.to = to
        self.edits = edits
        self.problems = problems
        self.keys = KEYS if to == FRENCH else KEYS_FR
        self.canonical = KEYS_FR  # any key → its English name

    def replace(self, span: Span, text: str) -> None:
        self.edits.append(_Edit(span.line, span.column, span.end_line, span.end_column, text))

    def fields(self, node: YamlNode, top: bool = False) -> None:
        if node.kind != "map":
            return
        for key, value in node.pairs:
            if key.kind != "scalar":
                continue
            name = self.canonical.get(key.value, key.value)
            if key.value in self.keys and key.style is None:
                self.replace(key.span, self.keys[key.value])
            if top and name in _SECTIONS:
                if value.kind == "map":
                    for _name, declaration in value.pairs:  # names are never translated
                        self.fields(declaration)
            elif name in _EXPRESSIONS:
                self.expression(value)
            elif name == "type":
                self.type(value)
            elif name in _BOOLEANS:
                self.boolean(value)
            elif name in _LISTS and value.kind == "seq":
                for item in value.items:
                    self.fields(item)

    def boolean(self, node: YamlNode) -> None:
        if node.kind != "scalar" or node.style is not None:
            return
        if self.to == FRENCH and node.tag == "bool":
            self.replace(node.span, "vrai" if node.value.lower() in ("true", "yes", "on") else "faux")
        elif self.to == ENGLISH and node.value in BOOLEANS_FR:
            self.replace(node.span, "true" if BOOLEANS_FR[node.value] else "false")

    def type(self, node: YamlNode) -> None:
        if node.kind != "scalar" or node.origin is None:
            return
        table = TYPES if self.to == FRENCH else TYPES_FR
        for match in _TYPE_WORD.finditer(node.value):
            if match.group() in table:
                span = node.origin.span(1, match.start() + 1, 1, match.end() + 1)
                self.replace(span, table[match.group()])

    def expression(self, node: YamlNode) -> None:
        if node.kind == "seq":
            for item in node.items:
                self.expression(item)
            return
        if node.kind != "scalar" or node.origin is None or node.tag == "bool":
            if node.kind == "scalar" and node.tag == "bool":
                self.boolean(node)
            return
        words = tokens(node.value)
        folded = self.folded(node) if node.origin.mode == "approx" else None
        pending: list[_Edit] = []
        i = 0
        while i < len(words):
            step, said = self.phrase(words, i)
            if said is None:
                i += 1
                continue
            first, last = words[i], words[i + step - 1]
            span = node.origin.span(first[2], first[3], last[4], last[5])
            if folded is not None and first[2] == last[4] == 1:
                (line, column), (end_line, end_column) = folded[first[3] - 1], folded[last[5] - 2]
                span = Span(span.file, line, column, end_line, end_column + 1)
            elif node.origin.mode == "approx":
                self.problems.append(
                    Diagnostic(
                        Code.SYNTAX,
                        _("this expression cannot be translated word for word (a folded `>` value)"),
                        node.span,
                        help=_("write it on one line, or as a block after `|`, then translate again"),
                    )
                )
                return
            pending.append(_Edit(span.line, span.column, span.end_line, span.end_column, said))
            i += step
        self.edits.extend(pending)

    def folded(self, node: YamlNode) -> list[tuple[int, int]] | None:
        """For a folded `>` value: the file (line, column) of each character, or None if unsure."""
        if node.style != ">":
            return None
        table: list[tuple[int, int]] = []
        text = []
        last = node.span.end_line - (1 if node.span.end_column == 1 else 0)
        for number in range(node.span.line + 1, last + 1):
            line = self.lines[number - 1] if number <= len(self.lines) else ""
            content = line.strip()
            if not content:
                continue
            indent = len(line) - len(line.lstrip())
            if table:
                table.append(table[-1])
                text.append(" ")
            table.extend((number, indent + 1 + k) for k in range(len(content)))
            text.append(content)
        return table if "".join(text) == node.value.rstrip("\n") else None

    def phrase(self, words: list[tuple[str, str, int, int, int, int]], i: int) -> tuple[int, str | None]:
        """The number of tokens at `i` that form one translatable word or phrase, and its translation."""
        pairs = KEYWORDS.items() if self.to == FRENCH else ((fr, en) for en, fr in KEYWORDS.items())
        for source, target in sorted(pairs, key=lambda p: -len(p[0])):
            chunk = words[i : i + len(source)]
            if len(chunk) == len(source) and all(
                w[1] == s and w[0] != "NAME" for w, s in zip(chunk, source, strict=True)
            ):
                return len(source), " ".join(target)
        kind, word = words[i][0], words[i][1]
        names = NAMES if self.to == FRENCH else NAMES_FR
        if kind == "NAME" and word in names:
            return 1, names[word]
        if kind == "UNIT":
            if self.to == FRENCH:
                return 1, UNITS.get(word)
            count = words[i - 1][1] if i > 0 else "2"
            english = UNITS_FR.get(word)
            if english is not None and count != "1" and not english.endswith("s"):
                english += "s"
            return 1, english
        return 1, None


def _apply(text: str, edits: list[_Edit]) -> str:
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    out = text
    for edit in sorted(edits, key=lambda e: (e.line, e.column), reverse=True):
        start = starts[edit.line - 1] + edit.column - 1
        end = starts[edit.end_line - 1] + edit.end_column - 1
        out = out[:start] + edit.text + out[end:]
    return out
