"""Located YAML nodes → policy documents. Reports every structure error it finds, with spans.

Unknown fields get a "did you mean", duplicate keys point at the first occurrence, and rule
versions must follow each other without overlap or gap.
"""

from __future__ import annotations

import difflib
import errno
import itertools
import os
import re
import stat
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from engine.diagnostics import Code, Diagnostic, PolicyCompileError, suggest
from engine.documents import (
    EnumDecl,
    FactDecl,
    ParameterDecl,
    ParameterValue,
    PolicyDocuments,
    Reference,
    RuleDecl,
    TableRow,
    Text,
    VersionDecl,
)
from engine.files import Listing, display, file_diagnostic, list_yaml
from engine.french import BOOLEANS_FR, ENGLISH, FRENCH, KEYS, KEYS_FR
from engine.french import KEYWORDS as _KEYWORDS
from engine.i18n import N_, _
from engine.loader import YamlNode, parse_yaml, read_text
from engine.source import Origin, Span
from engine.values import parse_date

T = TypeVar("T")
_NAME = re.compile(r"[a-z][a-z0-9_]*")  # always fullmatch: `$` would accept a final newline
# Words of the expression language and type names: a declaration named so could never be read back.
RESERVED = frozenset(
    [
        "if",
        "then",
        "else",
        "and",
        "or",
        "not",
        "in",
        "is",
        "null",
        "true",
        "false",
        "as",
        "of",
        "today",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "jour",
        "jours",
        "semaine",
        "semaines",
        "mois",
        "an",
        "ans",
        "bool",
        "int",
        "decimal",
        "money",
        "date",
        "duration",
        "text",
        "list",
        "enum",
        "EUR",
        # the French forms (engine/french.py)
        *(w for words in _KEYWORDS.values() for w in words),
        "date_du_jour",
    ]
)
_SECTIONS = ("enums", "facts", "parameters", "rules")
# Limits on a policy's size (docs/rule-format.md, « Limits »): generated code, analyses and
# explanations stay bounded in time and memory for anything the checks accept.
MAX_RULES = 2_000
MAX_VERSIONS = 1_000  # versions of one rule
MAX_VALUES = 1_000  # dated values of one parameter
MAX_TABLE_ROWS = 3_000  # rows of one decision table
_REFERENCE_FIELDS = ("article", "url", "excerpt")


def policy_files(root: Path) -> Listing:
    """The YAML files of a policy folder (its own, and those under rules/ and parameters/),
    and every path that could not be listed, as located file errors."""
    listing = Listing()
    try:
        mode = os.stat(root).st_mode
    except OSError as exc:
        reason = _os_reason(exc)
        listing.problems.append(
            file_diagnostic(
                str(root), reason if exc.errno == errno.ENOENT else _("cannot read: {reason}").format(reason=reason)
            )
        )
        return listing
    if not stat.S_ISDIR(mode):
        listing.files.append(root)  # reading it says if it is not a readable regular file
        return listing
    list_yaml(root, listing, recursive=False)
    for sub in ("rules", "parameters"):
        folder = root / sub
        if os.path.lexists(folder):
            if folder.is_dir():
                list_yaml(folder, listing)
            else:
                listing.problems.append(
                    file_diagnostic(display(folder), _("`{sub}` must be a folder of YAML files").format(sub=sub))
                )
    return listing


_SECTION_LINE = re.compile(r"(enums|facts|parameters|rules)\s*:")
_KEY_LINE = re.compile(r"( +)([A-Za-z_][A-Za-z0-9_]*)\s*:")


def declared_names(text: str) -> set[str]:
    """The names a policy file seems to declare (keys one level under a section), read line by
    line: for a file that is not valid YAML, whose declarations' uses should not all be errors."""
    names: set[str] = set()
    indent: int | None = None
    inside = False
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            inside = _SECTION_LINE.match(line) is not None
            indent = None
            continue
        found = _KEY_LINE.match(line)
        if inside and found is not None:
            width = len(found.group(1))
            if indent is None:
                indent = width
            if width == indent:
                names.add(found.group(2))
    return names


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return _("no such file or folder")
    if exc.errno == errno.ELOOP:
        return _("a symbolic link that loops")
    return exc.strerror or str(exc)


def read_policy(root: Path) -> tuple[PolicyDocuments, list[Diagnostic]]:
    docs = PolicyDocuments(str(root))
    listing = policy_files(root)
    diagnostics: list[Diagnostic] = list(listing.problems)
    if not listing.files and not diagnostics:
        help = _("a policy folder holds *.yaml files, or rules/ and parameters/ folders of them")
        raise PolicyCompileError([file_diagnostic(str(root), _("no policy files found"), help)])
    if not listing.files:
        raise PolicyCompileError(diagnostics)
    for path in listing.files:
        shown = display(path)
        docs.files.append(shown)
        try:
            text = read_text(path, shown, docs.sources)
            node = parse_yaml(text, shown)
        except PolicyCompileError as exc:
            diagnostics.extend(exc.diagnostics)
            docs.broken.update(declared_names(docs.sources.text(shown)))  # unreadable: no cascade at uses
            continue
        if node is not None:
            _Reader(docs, diagnostics).file(node)
    return docs, diagnostics


def _list_text(node: YamlNode) -> str:
    """A YAML list of scalars as the expression-language list it stands for."""
    items = []
    for item in node.items:
        if (item.tag == "str" and item.style is not None) or (item.tag == "str" and not _NAME.fullmatch(item.value)):
            escaped = item.value.replace("\\", "\\\\").replace('"', '\\"')
            items.append(f'"{escaped}"')
        else:
            items.append(item.value)
    return "[" + ", ".join(items) + "]"


class _Reader:
    def __init__(self, docs: PolicyDocuments, diagnostics: list[Diagnostic]) -> None:
        self.docs = docs
        self.diagnostics = diagnostics

    def report(
        self, code: Code, message: str, span: Span, help: str | None = None, notes: tuple[tuple[str, Span], ...] = ()
    ) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, notes, help))

    def word(self, lang: str, word: str, span: Span) -> None:
        """A word of one language: an error if its file is written in the other one."""
        mixed = self.docs.language_word(lang, word, span)
        if mixed is not None:
            self.diagnostics.append(mixed)

    def key(self, name: str, span: Span) -> str:
        """The field name a file's key stands for (`libellé` → `label`), noting its language."""
        if name in KEYS_FR:
            self.word(FRENCH, name, span)
            return KEYS_FR[name]
        if name in KEYS:
            self.word(ENGLISH, name, span)
        return name

    def shown(self, name: str, file: str) -> str:
        """A field name as the file's language writes it."""
        french = self.docs.languages.get(file, (ENGLISH,))[0] == FRENCH
        return KEYS.get(name, name) if french else name

    # -- generic shapes -------------------------------------------------------------------
    def mapping(self, node: YamlNode, what: str) -> dict[str, tuple[YamlNode, YamlNode]] | None:
        if node.kind != "map":
            self.report(
                Code.WRONG_KIND,
                _("{what} must be a mapping (key: value), not {describe}").format(what=what, describe=node.describe()),
                node.span,
            )
            return None
        seen: dict[str, tuple[YamlNode, YamlNode]] = {}
        for key, value in node.pairs:
            if key.kind != "scalar":
                self.report(Code.WRONG_KIND, _("a key must be a plain name"), key.span)
                continue
            if key.value in seen:
                first = seen[key.value][0].span
                self.report(
                    Code.DUPLICATE_KEY,
                    _("duplicate key `{value}` in {what}").format(value=key.value, what=what),
                    key.span,
                    _("remove or rename one of them; YAML would silently keep only the last"),
                    ((_("`{value}` first defined here").format(value=key.value), first),),
                )
                continue
            seen[key.value] = (key, value)
        return seen

    def fields(
        self,
        node: YamlNode,
        what: str,
        required: tuple[str, ...],
        optional: tuple[str, ...],
        anchor: Span | None = None,
    ) -> dict[str, YamlNode] | None:
        """The fields of a mapping; missing ones are reported at `anchor` (the declaration's name)."""
        entries = self.mapping(node, what)
        if entries is None:
            return None
        allowed = required + optional
        out: dict[str, YamlNode] = {}
        misspelt: set[str] = set()
        file = node.span.file
        for written, (key, value) in entries.items():
            name = self.key(written, key.span)
            if name not in allowed:
                shown = [self.shown(a, file) for a in allowed]
                close = difflib.get_close_matches(written, [*allowed, *shown], n=1, cutoff=0.6)
                misspelt.update(KEYS_FR.get(c, c) for c in close)
                self.report(
                    Code.UNKNOWN_FIELD,
                    _("unknown field `{name}` in {what}{suggest}").format(
                        name=written, what=what, suggest=suggest(written, shown)
                    ),
                    key.span,
                    _("the fields of {what} are: {fields}").format(what=what, fields=", ".join(shown)),
                )
                continue
            if name in out:
                self.report(
                    Code.DUPLICATE_KEY,
                    _("duplicate key `{value}` in {what}").format(value=written, what=what),
                    key.span,
                    _("remove or rename one of them; YAML would silently keep only the last"),
                )
                continue
            out[name] = value
        for name in required:
            if name not in out and name not in misspelt:  # a misspelt field is reported once, as unknown
                shown_name = self.shown(name, file)
                self.report(
                    Code.MISSING_FIELD,
                    _("{what} has no `{name}`").format(what=what, name=shown_name),
                    anchor or node.span,
                    _("add `{name}:`").format(name=shown_name),
                )
        return out

    def label(self, node: YamlNode | None, what: str = "label") -> str | None:
        """A label is one line: exports (Mermaid, DOT, Markdown) and explanations print it as such."""
        text = self.text(node, what)
        if text is None or node is None:
            return text
        text = text.strip()
        if any(ord(ch) < 32 or ch in "\x7f\x85\u2028\u2029" for ch in text):
            self.report(
                Code.INVALID_VALUE,
                _("{what} must be one line of text").format(what=what),
                node.span,
                _("put the longer text under `description`"),
            )
            text = " ".join(text.split())
        return text

    def text(self, node: YamlNode | None, what: str) -> str | None:
        if node is None:
            return None
        if node.kind != "scalar" or node.tag == "null":
            self.report(
                Code.WRONG_KIND,
                _("{what} must be a text, not {describe}").format(what=what, describe=node.describe()),
                node.span,
            )
            return None
        if node.style is None:
            self.comment_cut(node, what)
        return node.value

    def comment_cut(self, node: YamlNode, what: str) -> None:
        """In an unquoted YAML text, ` #` starts a comment: the rest of the line is silently lost."""
        line = self.docs.sources.line(node.span.file, node.span.end_line) or ""
        rest = line[node.span.end_column - 1 :]
        if rest.lstrip().startswith("#") and rest[:1] in (" ", "\t"):
            column = node.span.end_column + len(rest) - len(rest.lstrip())
            self.report(
                Code.TEXT_CUT,
                _("{what} stops before ` #`: YAML reads the rest of the line as a comment").format(what=what),
                Span(node.span.file, node.span.end_line, column, node.span.end_line, len(line) + 1),
                _("put the whole text in quotes, or write it after `>-` on the next lines"),
            )

    def expression(self, node: YamlNode | None, what: str) -> Text | None:
        if node is None:
            return None
        if node.kind == "seq" and all(item.kind == "scalar" for item in node.items):
            return Text(_list_text(node), Origin(node.span, "approx"))
        if node.kind != "scalar" or node.origin is None:
            self.report(
                Code.WRONG_KIND,
                _("{what} must be an expression (one line, or a block after `|`), not {describe}").format(
                    what=what, describe=node.describe()
                ),
                node.span,
            )
            return None
        return Text(node.value, node.origin, node.style in ('"', "'"))

    def date(self, node: YamlNode | None, what: str) -> date | None:
        if node is None:
            return None
        if node.kind == "scalar":
            parsed = parse_date(node.value)
            if parsed is not None:
                return parsed
        self.report(
            Code.INVALID_DATE,
            _("`{what}` must be a date written YYYY-MM-DD, not {describe}").format(what=what, describe=node.describe()),
            node.span,
        )
        return None

    def boolean(self, node: YamlNode | None, what: str, default: bool) -> bool:
        if node is None:
            return default
        if node.kind == "scalar" and node.tag == "bool":
            self.word(ENGLISH, node.value, node.span)
            return node.value.lower() in ("true", "yes", "on")
        if node.kind == "scalar" and node.tag == "str" and node.style is None and node.value in BOOLEANS_FR:
            self.word(FRENCH, node.value, node.span)
            return BOOLEANS_FR[node.value]
        self.report(
            Code.INVALID_VALUE,
            _("{what} must be true or false, not {describe}").format(what=what, describe=node.describe()),
            node.span,
        )
        return default

    def each(self, node: YamlNode | None, what: str, read: Callable[[YamlNode], T | None]) -> list[T]:
        if node is None:
            return []
        if node.kind != "seq":
            self.report(
                Code.WRONG_KIND,
                _("{what} must be a list (- item), not {describe}").format(what=what, describe=node.describe()),
                node.span,
            )
            return []
        return [x for x in (read(item) for item in node.items) if x is not None]

    def name(self, key: YamlNode, what: str) -> bool:
        if key.value in RESERVED:
            self.report(
                Code.INVALID_VALUE,
                _("`{value}` is a reserved word and cannot name a {what}").format(value=key.value, what=what),
                key.span,
                _("choose another name (reserved: keywords, units, type names and `today`)"),
            )
            return False
        if _NAME.fullmatch(key.value):
            return True
        self.report(
            Code.INVALID_VALUE,
            _("`{value}` is not a valid {what} name").format(value=key.value, what=what),
            key.span,
            _("names are lower-case ASCII snake_case: letters, digits and `_`, starting with a letter"),
        )
        return False

    def broken(self, key: YamlNode) -> None:
        """A declaration refused for an error already reported: its uses stay quiet (no cascade)."""
        if key.kind == "scalar" and not any(key.value in t for t in self.docs.tables()):
            self.docs.broken.add(key.value.strip())

    def declare(self, kind: str, name: str, span: Span) -> bool:
        for other, table in (
            (N_("an enum"), self.docs.enums),
            (N_("a fact"), self.docs.facts),
            (N_("a parameter"), self.docs.parameters),
            (N_("a rule"), self.docs.rules),
        ):
            if name in table:
                first = table[name].span
                self.report(
                    Code.DUPLICATE_NAME,
                    _("`{name}` is already declared as {other}").format(name=name, other=_(other)),
                    span,
                    _("give this {kind} another name").format(kind=_(kind)),
                    ((_("`{name}` declared here").format(name=name), first),),
                )
                return False
        return True

    # -- sections ---------------------------------------------------------------------------
    def file(self, node: YamlNode) -> None:
        sections = self.fields(node, _("a policy file"), (), _SECTIONS)
        if sections is None:
            return
        readers = {"enums": self.enum, "facts": self.fact, "parameters": self.parameter, "rules": self.rule}
        for section, value in sections.items():
            entries = self.mapping(value, _("the `{section}` section").format(section=section))
            for key, body in (entries or {}).values():
                readers[section](key, body)

    def enum(self, key: YamlNode, node: YamlNode) -> None:
        f = self.fields(
            node, _("enum `{value}`").format(value=key.value), ("label", "values"), ("description",), key.span
        )
        if f is None or not self.name(key, _("enum")) or not self.declare("enum", key.value, key.span):
            self.broken(key)
            return
        values: list[tuple[str, str]] = []
        entries = (
            self.mapping(f["values"], _("the values of enum `{value}`").format(value=key.value))
            if "values" in f
            else None
        )
        for value, (vkey, vlabel) in (entries or {}).items():
            if self.name(vkey, _("enum value")):
                values.append((value, self.label(vlabel, _("the label of `{value}`").format(value=value)) or value))
        label = self.label(f.get("label")) or key.value
        self.docs.enums[key.value] = EnumDecl(key.value, label, tuple(values), key.span)

    def fact(self, key: YamlNode, node: YamlNode) -> None:
        f = self.fields(
            node, _("fact `{value}`").format(value=key.value), ("type", "label"), ("description", "default"), key.span
        )
        if f is None or not self.name(key, _("fact")) or not self.declare("fact", key.value, key.span):
            self.broken(key)
            return
        type_ = self.expression(f.get("type"), "type")
        if type_ is None:
            self.broken(key)
            return
        self.docs.facts[key.value] = FactDecl(
            key.value,
            type_,
            self.label(f.get("label")) or key.value,
            self.text(f.get("description"), "description"),
            self.expression(f.get("default"), "default"),
            key.span,
        )

    def reference(self, node: YamlNode) -> Reference | None:
        f = self.fields(node, _("a legal reference"), ("article",), ("url", "excerpt", "from", "until"))
        if f is None:
            return None
        article = self.text(f.get("article"), "article")
        if article is None:
            return None
        start = self.date(f.get("from"), "from") if "from" in f else None
        end = self.date(f.get("until"), "until") if "until" in f else None
        if start is not None and end is not None and end < start:
            self.report(
                Code.INVALID_DATE,
                _("`until` ({end}) is before `from` ({start})").format(end=end, start=start),
                f["until"].span,
            )
        return Reference(
            article, self.text(f.get("url"), "url"), self.text(f.get("excerpt"), "excerpt"), node.span, start, end
        )

    def references(self, node: YamlNode | None) -> tuple[Reference, ...]:
        return tuple(self.each(node, "references", self.reference))

    def parameter(self, key: YamlNode, node: YamlNode) -> None:
        f = self.fields(
            node,
            _("parameter `{value}`").format(value=key.value),
            ("type", "label", "values"),
            ("description", "unit", "assumption"),
            key.span,
        )
        if f is None or not self.name(key, _("parameter")) or not self.declare("parameter", key.value, key.span):
            self.broken(key)
            return
        type_ = self.expression(f.get("type"), "type")
        values = self.each(f.get("values"), "values", self.parameter_value)
        if len(values) > MAX_VALUES:
            self.report(
                Code.TOO_COMPLEX,
                _("parameter `{name}` has {count} values, more than {limit}").format(
                    name=key.value, count=len(values), limit=MAX_VALUES
                ),
                f["values"].span,
                _("keep the values in force over the periods the policy covers; move older ones to another parameter"),
            )
        if "values" in f and f["values"].kind == "seq" and not f["values"].items:
            self.report(
                Code.MISSING_FIELD, _("parameter `{value}` has no value").format(value=key.value), f["values"].span
            )
        for before, after in itertools.pairwise(values):
            if after.start <= before.start:
                self.report(
                    Code.VERSION_ORDER,
                    _("values of `{name}` must be in date order: {after} comes after {before}").format(
                        name=key.value, after=after.start, before=before.start
                    ),
                    after.span,
                    _("list values from the oldest to the newest"),
                )
        if type_ is None:
            self.broken(key)
            return
        self.docs.parameters[key.value] = ParameterDecl(
            key.value,
            type_,
            self.label(f.get("label")) or key.value,
            self.text(f.get("description"), "description"),
            self.text(f.get("unit"), "unit"),
            self.boolean(f.get("assumption"), "assumption", False),
            tuple(values),
            key.span,
        )

    def parameter_value(self, node: YamlNode) -> ParameterValue | None:
        f = self.fields(node, _("a parameter value"), ("from", "value", "references"), ("note", "assumption"))
        if f is None:
            return None
        start = self.date(f.get("from"), "from")
        value = self.expression(f.get("value"), "value")
        if start is None or value is None:
            return None
        return ParameterValue(
            start,
            value,
            self.references(f.get("references")),
            self.text(f.get("note"), "note"),
            node.span,
            self.boolean(f.get("assumption"), "assumption", False),
        )

    def rule(self, key: YamlNode, node: YamlNode) -> None:
        version_fields = ("from", "until", "formula", "table")
        f = self.fields(
            node,
            _("rule `{value}`").format(value=key.value),
            ("type", "label"),
            ("description", "output", "references", "versions", *version_fields),
            key.span,
        )
        if f is None or not self.name(key, _("rule")) or not self.declare("rule", key.value, key.span):
            self.broken(key)
            return
        if len(self.docs.rules) >= MAX_RULES:
            self.docs.rules_past_limit += 1
            if self.docs.rules_past_limit == 1:  # said once, at the first rule past the limit
                self.report(
                    Code.TOO_COMPLEX,
                    _("a policy has at most {count} rules").format(count=MAX_RULES),
                    key.span,
                    _("split the policy into several policies"),
                )
            return
        if "versions" in f:
            for extra in version_fields:
                if extra in f:
                    self.report(
                        Code.UNKNOWN_FIELD,
                        _("`{extra}` belongs inside a version when the rule has `versions`").format(extra=extra),
                        f[extra].span,
                        _("move it into one of the versions"),
                    )
            versions = self.each(f["versions"], "versions", self.version)
            if len(versions) > MAX_VERSIONS:
                self.report(
                    Code.TOO_COMPLEX,
                    _("rule `{name}` has {count} versions, more than {limit}").format(
                        name=key.value, count=len(versions), limit=MAX_VERSIONS
                    ),
                    f["versions"].span,
                    _("split the rule's history between several rules"),
                )
            if f["versions"].kind == "seq" and not f["versions"].items:
                self.report(
                    Code.MISSING_FIELD, _("rule `{value}` has no version").format(value=key.value), f["versions"].span
                )
        else:
            single = self.version_body(node, f, _("rule `{value}`").format(value=key.value), whole_rule=True)
            versions = [single] if single else []
        self.periods(key.value, versions)
        type_ = self.expression(f.get("type"), "type")
        if type_ is None:
            self.broken(key)
            return
        self.docs.rules[key.value] = RuleDecl(
            key.value,
            type_,
            self.label(f.get("label")) or key.value,
            self.text(f.get("description"), "description"),
            self.boolean(f.get("output"), "output", True),
            self.references(f.get("references")),
            tuple(versions),
            key.span,
        )

    def version(self, node: YamlNode) -> VersionDecl | None:
        f = self.fields(
            node, _("a version"), ("from",), ("until", "label", "references", "formula", "table", "assumption", "note")
        )
        if f is None:
            return None
        return self.version_body(node, f, _("a version"))

    def version_body(
        self, node: YamlNode, f: dict[str, YamlNode], what: str, whole_rule: bool = False
    ) -> VersionDecl | None:
        if "from" not in f:
            if "versions" not in f and whole_rule:
                self.report(
                    Code.MISSING_FIELD,
                    _("{what} has no `versions` (or `from` and `formula`)").format(what=what),
                    node.span,
                )
            return None
        start = self.date(f.get("from"), "from")
        end = self.date(f.get("until"), "until") if "until" in f else None
        formula = self.expression(f.get("formula"), "formula")
        table = tuple(self.each(f.get("table"), "table", self.row)) if "table" in f else None
        if ("formula" in f) == ("table" in f) and not self._misspelt_body(node):
            self.report(
                Code.MISSING_FIELD if "formula" not in f else Code.UNKNOWN_FIELD,
                _("{what} needs exactly one of `formula` and `table`").format(what=what),
                node.span,
                _("define the value by one expression (`formula`) or by a decision table (`table`)"),
            )
        if table is not None and f["table"].kind == "seq":
            self.table_shape(f["table"], table)
            if len(table) > MAX_TABLE_ROWS:
                self.report(
                    Code.TOO_COMPLEX,
                    _("this decision table has {count} rows, more than {limit}").format(
                        count=len(table), limit=MAX_TABLE_ROWS
                    ),
                    f["table"].span,
                    _("split it into several rules, e.g. one table per group of cases"),
                )
        if start is None:
            return None
        if end is not None and end < start:
            self.report(
                Code.INVALID_DATE,
                _("`until` ({end}) is before `from` ({start})").format(end=end, start=start),
                f["until"].span,
            )
        shorthand = "versions" not in f and "type" in f  # the rule itself is its only version
        return VersionDecl(
            start,
            end,
            None if shorthand else self.label(f.get("label")),
            () if shorthand else self.references(f.get("references")),
            formula,
            table,
            node.span,
            False if shorthand else self.boolean(f.get("assumption"), "assumption", False),
            None if shorthand else self.text(f.get("note"), "note"),
        )

    def _misspelt_body(self, node: YamlNode) -> bool:
        """A key like `formule` or `tabel` was already reported as unknown: say nothing more."""
        known = {
            "from",
            "until",
            "label",
            "references",
            "formula",
            "table",
            "type",
            "description",
            "output",
            "versions",
            "assumption",
            "note",
        }
        keys = [KEYS_FR.get(k.value, k.value) for k, _ in node.pairs] if node.kind == "map" else []
        bodies = ("formula", "table", KEYS["formula"])
        return any(difflib.get_close_matches(k, bodies, n=1, cutoff=0.6) for k in keys if k not in known)

    def row(self, node: YamlNode) -> TableRow | None:
        entries = self.mapping(node, _("a table row"))
        if entries is None:
            return None
        if "otherwise" in entries or KEYS["otherwise"] in entries:
            f = self.fields(node, _("the `otherwise` row"), ("otherwise", "because"), ())
            if f is None or "otherwise" not in f:
                return None
            then = self.expression(f["otherwise"], "otherwise")
            when = None
        else:
            f = self.fields(node, _("a table row"), ("when", "then", "because"), ())
            if f is None:
                return None
            when = self.expression(f.get("when"), "when")
            then = self.expression(f.get("then"), "then")
            if when is None:
                return None
        because = self.text(f.get("because"), "because")
        if then is None or because is None:
            return None
        return TableRow(when, then, because, node.span)

    def table_shape(self, node: YamlNode, rows: tuple[TableRow, ...]) -> None:
        others = [i for i, r in enumerate(rows) if r.when is None]
        if not others:
            self.report(
                Code.MISSING_FIELD,
                _("this decision table has no `otherwise` row"),
                node.span,
                _("end the table with `- otherwise: <value>` and its `because`, so every case gets a value"),
            )
        elif others[0] != len(rows) - 1:
            self.report(
                Code.INVALID_VALUE,
                _("the `otherwise` row must be the last row of the table"),
                rows[others[0]].span,
                _("rows after `otherwise` can never be used: move them above it"),
            )

    def periods(self, rule: str, versions: list[VersionDecl]) -> None:
        for before, after in itertools.pairwise(versions):
            if after.start <= before.start:
                self.report(
                    Code.VERSION_ORDER,
                    _("versions of `{rule}` must be in date order: {after} comes after {before}").format(
                        rule=rule, after=after.start, before=before.start
                    ),
                    after.span,
                    _("list versions from the oldest to the newest"),
                )
                continue
            if before.end is None:
                continue
            expected = after.start - timedelta(days=1)
            if before.end >= after.start:
                self.report(
                    Code.VERSION_OVERLAP,
                    _("versions of `{rule}` overlap: one is in force until {end}, the next from {start}").format(
                        rule=rule, end=before.end, start=after.start
                    ),
                    after.span,
                    _("end the earlier version on {expected}").format(expected=expected),
                    ((_("the earlier version"), before.span),),
                )
            elif before.end < expected:
                self.report(
                    Code.VERSION_GAP,
                    _("no version of `{rule}` is in force from {start} to {expected}").format(
                        rule=rule, start=before.end + timedelta(days=1), expected=expected
                    ),
                    after.span,
                    _("end the earlier version on {expected}, or start this one on {start}").format(
                        expected=expected, start=before.end + timedelta(days=1)
                    ),
                    ((_("the earlier version"), before.span),),
                )


FieldReader = _Reader  # the public name of the reader, for type annotations


def field_reader(docs: PolicyDocuments, diagnostics: list[Diagnostic]) -> FieldReader:
    """The field, text, expression and reference checks of policy files, for other pack files
    (indicators): the same messages, "did you mean" and spans, reported into `diagnostics`."""
    return _Reader(docs, diagnostics)
