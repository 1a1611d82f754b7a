"""YAML text → a neutral tree of located nodes. The only module that imports yaml.

Anchors, aliases and custom tags are refused (no billion laughs, no surprises), nesting and
size are bounded, and duplicate keys are kept so that the reader can report them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.diagnostics import Code, Diagnostic, PolicyCompileError
from engine.files import MAX_FILE_BYTES, FileProblem, read_bytes
from engine.i18n import N_, _
from engine.slips import explain_slip
from engine.source import Origin, SourceCache, Span

MAX_NESTING = 40
_STANDARD_TAGS = {"tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}


@dataclass(slots=True)
class YamlNode:
    kind: str  # "map", "seq" or "scalar"
    span: Span
    value: str = ""  # scalars: the text as written (unquoted)
    tag: str = "str"  # scalars: str, int, float, bool, null, timestamp
    style: str | None = None  # scalars: None (plain), '"', "'", "|", ">"
    pairs: list[tuple[YamlNode, YamlNode]] = field(default_factory=list)  # maps, in file order
    items: list[YamlNode] = field(default_factory=list)  # sequences
    origin: Origin | None = None  # scalars: how text positions map onto the file

    def describe(self) -> str:
        if self.kind == "scalar" and not self.value.strip():
            return _("an empty value")
        return {"map": _("a mapping (key: value)"), "seq": _("a list (- item)")}.get(self.kind, f"`{self.value}`")


# libyaml's C loader when present (about ten times faster), else PyYAML's pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _scan(text: str, file: str) -> None:
    """One pass over the YAML events: refuse anchors and aliases, and bound the nesting."""
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, AliasEvent) or (
            isinstance(event, ScalarEvent | CollectionStartEvent) and event.anchor is not None
        ):
            raise _located(
                Code.YAML,
                _("anchors and aliases (`&name`, `*name`) are not allowed in policy files"),
                file,
                event.start_mark,
                _("write the value out where it is used"),
            )
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise _located(
                    Code.YAML,
                    _("nesting deeper than {MAX_NESTING} levels").format(MAX_NESTING=MAX_NESTING),
                    file,
                    event.start_mark,
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _located(code: Code, message: str, file: str, mark: object, help: str | None = None) -> PolicyCompileError:
    line, column = getattr(mark, "line", 0), getattr(mark, "column", 0)
    span = Span(file, line + 1, column + 1, line + 1, column + 2)
    return PolicyCompileError([Diagnostic(code, message, span, help=help)])


def read_text(path: Path, display: str, sources: SourceCache) -> str:
    """Read a regular file as UTF-8 within the size limit; anything else is a located diagnostic."""
    where = Span(display, 1, 1, 1, 1)
    try:
        data = read_bytes(path, display, MAX_FILE_BYTES)
    except FileProblem as exc:
        raise PolicyCompileError([exc.diagnostic]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyCompileError(
            [
                Diagnostic(
                    Code.FILE,
                    _("not UTF-8 text (byte {start})").format(start=exc.start),
                    where,
                    help=_("save the file as UTF-8"),
                )
            ]
        ) from None
    sources.add(display, text)
    return text


def parse_yaml(text: str, file: str) -> YamlNode | None:
    """Compose YAML into located nodes (None for an empty document)."""
    try:
        _scan(text, file)
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            raise PolicyCompileError([Diagnostic(Code.YAML, problem, Span(file, 1, 1, 1, 1))]) from None
        slip = explain_slip(problem, text.splitlines(), mark.line, mark.column, exc.context_mark)
        if slip is not None:
            message, line, column, help = slip
            span = Span(file, line + 1, column + 1, line + 1, column + 2)
            raise PolicyCompileError([Diagnostic(Code.YAML, message, span, help=help)]) from None
        said = _(problem) if problem in _PYYAML_PROBLEMS else problem
        raise _located(
            Code.YAML, _("invalid YAML: {problem}").format(problem=said), file, mark, _yaml_help(problem)
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyCompileError(
            [Diagnostic(Code.YAML, _("invalid YAML: {problem}").format(problem=exc), Span(file, 1, 1, 1, 1))]
        ) from None
    if root is None:
        return None
    lines = text.splitlines()
    return _convert(root, file, lines)


# PyYAML's most frequent complaints, translated; any other is quoted as PyYAML words it.
_PYYAML_PROBLEMS = frozenset(
    {
        N_("mapping values are not allowed in this context"),
        N_("mapping values are not allowed here"),
        N_("found a tab character that violates indentation"),
        N_("found character '\\t' that cannot start any token"),
        N_("could not find expected ':'"),
        N_("found undefined alias"),
        N_("found duplicate anchor; first occurrence"),
    }
)


def _yaml_help(problem: str) -> str | None:
    if "did not find expected key" in problem or "expected <block end>" in problem:
        return _("check the indentation: the keys of one mapping must start in the same column")
    if "another document" in problem:
        return _("a policy file holds one YAML document: remove the `---` line")
    if "mapping values are not allowed" in problem:
        return _("a value containing `: ` must be quoted, or written as a block after `|`")
    if "found character '\\t'" in problem or "tab" in problem:
        return _("indent with spaces, not tabs")
    if "could not find expected ':'" in problem:
        return _("every key needs a `:` after it")
    return None


def _span(file: str, node: Node) -> Span:
    s, e = node.start_mark, node.end_mark  # PyYAML marks are 0-based
    return Span(file, s.line + 1, s.column + 1, e.line + 1, e.column + 1)


def _convert(root: Node, file: str, lines: list[str]) -> YamlNode:
    """Iterative conversion, so the tree depth never touches Python's recursion limit."""
    out = _shell(root, file, lines)
    stack: list[tuple[Node, YamlNode]] = [(root, out)]
    while stack:
        node, target = stack.pop()
        if isinstance(node, MappingNode):
            for key, value in node.value:
                k, v = _shell(key, file, lines), _shell(value, file, lines)
                target.pairs.append((k, v))
                stack.extend([(key, k), (value, v)])
        elif isinstance(node, SequenceNode):
            for item in node.value:
                child = _shell(item, file, lines)
                target.items.append(child)
                stack.append((item, child))
    return out


def _shell(node: Node, file: str, lines: list[str]) -> YamlNode:
    span = _span(file, node)
    if node.tag == "tag:yaml.org,2002:merge":
        raise PolicyCompileError(
            [
                Diagnostic(
                    Code.YAML,
                    _("merge keys (`<<:`) are not allowed in policy files"),
                    span,
                    help=_("write every field out where it is used"),
                )
            ]
        )
    if node.tag not in _STANDARD_TAGS:
        raise PolicyCompileError(
            [Diagnostic(Code.YAML, _("YAML tag `{tag}` is not allowed in policy files").format(tag=node.tag), span)]
        )
    if isinstance(node, MappingNode):
        return YamlNode("map", span)
    if isinstance(node, SequenceNode):
        return YamlNode("seq", span)
    assert isinstance(node, ScalarNode)
    tag = node.tag.rsplit(":", 1)[-1]
    return YamlNode("scalar", span, str(node.value), tag, node.style or None, origin=_origin(node, span, lines))


def _origin(node: ScalarNode, span: Span, lines: list[str]) -> Origin:
    style = node.style
    source = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
    escaped = (style == '"' and "\\" in source) or (style == "'" and "''" in source)
    if style in (None, "", '"', "'") and span.line == span.end_line and not escaped:
        quote = 1 if style in ('"', "'") else 0
        return Origin(span, "inline", span.line, span.column + quote)
    if style in ("|", ">") and not _plain_block_header(source, span.column):
        table = _block_positions(node, lines)  # folded, or with an indentation indicator
        if table is None:
            return Origin(span, "approx")
        starts = [0] + [i + 1 for i, ch in enumerate(node.value) if ch == "\n"]
        return Origin(span, "table", table=tuple(table), starts=tuple(starts))
    if style == "|":
        # Content starts on the line after the `|` indicator, at the block's indentation.
        for index in range(span.line, len(lines)):
            content = lines[index]
            if content.strip():
                indent = len(content) - len(content.lstrip(" "))
                return Origin(span, "block", index + 1 - _leading_blank(node.value), indent + 1)
        return Origin(span, "approx")
    if style in (None, "", '"', "'"):
        table = _flow_positions(node, style or None, lines)
        if table is not None:
            starts = [0] + [i + 1 for i, ch in enumerate(node.value) if ch == "\n"]
            return Origin(span, "table", table=tuple(table), starts=tuple(starts))
    return Origin(span, "approx")


def _plain_block_header(source: str, column: int) -> bool:
    """A `|` header without indentation indicator (`|`, `|-`, `|+`): its content's indentation is
    that of its first line, which the simple `block` mapping assumes."""
    header = source[column - 1 :].split("#", 1)[0].strip()
    return header in ("|", "|-", "|+")


def _block_positions(node: ScalarNode, lines: list[str]) -> list[tuple[int, int]] | None:
    """The file position of each character of a block scalar's value, for any header.

    A block's content is its lines without their indentation, folded (`>`) or not: every
    character that is not a space or a line break is, in order, the next such character of
    the source. Spaces and line breaks sit just after the character before them.
    """
    s, e = node.start_mark, node.end_mark
    row, col = s.line + 1, 0  # content starts on the line after the header
    last = min(e.line, len(lines) - 1)
    out: list[tuple[int, int]] = []
    after = (row + 1, 1)
    for ch in node.value:
        if ch in " \t\n":
            out.append(after)
            continue
        while row <= last:
            text = lines[row]
            while col < len(text) and text[col] in " \t":
                col += 1
            if col < len(text):
                break
            row, col = row + 1, 0
        if row > last or lines[row][col] != ch:
            return None
        out.append((row + 1, col + 1))
        col += 1
        after = (row + 1, col + 1)
    return out


_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX = {"x": 2, "u": 4, "U": 8}


def _flow_positions(node: ScalarNode, style: str | None, lines: list[str]) -> list[tuple[int, int]] | None:
    """The file position of each character of a plain or quoted scalar's value.

    Re-reads the source the way YAML folds it (trim, join lines with a space, keep empty lines
    as line breaks, decode escapes); if the result is not exactly the parsed value, gives up.
    """
    s, e = node.start_mark, node.end_mark
    quoted = style in ('"', "'")
    segments: list[list[tuple[str, tuple[int, int]]]] = []
    for row in range(s.line, e.line + 1):
        if row >= len(lines):
            return None
        text = lines[row]
        begin = s.column + (1 if quoted else 0) if row == s.line else 0
        end = e.column - (1 if quoted else 0) if row == e.line else len(text)
        part = [(text[c], (row + 1, c + 1)) for c in range(begin, min(end, len(text)))]
        if row != s.line:
            while part and part[0][0] in " \t":
                part.pop(0)
        if row != e.line:
            while part and part[-1][0] in " \t":
                part.pop()
        segments.append(_unescape(part, style))
    chars = list(segments[0])
    empty = 0
    for part in segments[1:]:
        if not part:
            empty += 1
            continue
        where = chars[-1][1] if chars else part[0][1]
        chars += [("\n", where)] * empty if empty else [(" ", (where[0], where[1] + 1))]
        empty = 0
        chars += part
    if "".join(c for c, _ in chars) != node.value:
        return None
    return [where for _, where in chars]


def _unescape(part: list[tuple[str, tuple[int, int]]], style: str | None) -> list[tuple[str, tuple[int, int]]]:
    if style == "'":
        out, i = [], 0
        while i < len(part):
            out.append(part[i])
            i += 2 if part[i][0] == "'" and i + 1 < len(part) and part[i + 1][0] == "'" else 1
        return out
    if style != '"':
        return part
    out, i = [], 0
    while i < len(part):
        ch, where = part[i]
        if ch == "\\" and i + 1 < len(part):
            code = part[i + 1][0]
            if code in _HEX:
                digits = "".join(c for c, _ in part[i + 2 : i + 2 + _HEX[code]])
                try:
                    out.append((chr(int(digits, 16)), where))
                except ValueError:
                    return part
                i += 2 + _HEX[code]
                continue
            out.append((_ESCAPES.get(code, code), where))
            i += 2
            continue
        out.append((ch, where))
        i += 1
    return out


def _leading_blank(value: str) -> int:
    """Blank lines kept at the start of a block scalar's value (rare, but they shift lines)."""
    count = 0
    for line in value.split("\n"):
        if line.strip():
            break
        count += 1
    return count
