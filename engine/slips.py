"""The YAML library's errors, read as the slips people make: a line indented too much or too
little, a key without its `:`. Each gets one message, at the line where the slip is.

PyYAML reports where it noticed the problem, often a line later and in its own words
(« mapping values are not allowed here », « did not find expected '-' indicator »). Looking at
the lines around that place tells which slip it was.
"""

from __future__ import annotations

import re

from engine.i18n import _

_KEY = re.compile(r"(?P<indent> *)(?P<dash>- +)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?P<colon>:(?: |$))?")
_WORD_THEN_VALUE = re.compile(r" *(?:- +)?(?P<key>[a-z_]+) +(?P<value>[^:#\s].*)$")

Slip = tuple[str, int, int, str]  # message, 0-based line, 0-based column, help


def explain_slip(problem: str, lines: list[str], line: int, column: int, context: object = None) -> Slip | None:
    """The slip behind a YAML error at (line, column), 0-based, or None when it is none of these."""
    if "could not find expected ':'" in problem:
        start = getattr(context, "line", None)
        culprit = start if isinstance(start, int) else _previous(lines, line)
        if culprit is not None:
            return _missing_colon(lines, culprit)
    if "mapping values are not allowed" in problem:
        before = _previous(lines, line)
        if before is None or line >= len(lines):
            return None
        own = _KEY.match(lines[line])
        if own is None or own.group("colon") is None or own.end("key") != column:
            return None  # the `: ` is inside a value, not after this line's key
        missing = _missing_colon(lines, before)
        if missing is not None:
            return missing
        above = _KEY.match(lines[before])
        if above is not None and above.group("colon") and len(own.group("indent")) > above.start("key"):
            key = above.group("key")
            return (
                _(
                    "this line is indented more than `{key}:` above it, so YAML reads it as part of `{key}`'s value"
                ).format(key=key),
                line,
                len(own.group("indent")),
                _("start `{key}:` in the same column as `{above}:` (column {column})").format(
                    key=own.group("key"), above=key, column=above.start("key") + 1
                ),
            )
    if (
        "expected '-' indicator" in problem
        or "did not find expected key" in problem
        or "expected <block end>" in problem
    ):
        return _misaligned(lines, line)
    return None


def _previous(lines: list[str], line: int) -> int | None:
    """The nearest line above `line` with content (not blank, not a comment)."""
    for index in range(min(line, len(lines)) - 1, -1, -1):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index
    return None


def _missing_colon(lines: list[str], index: int) -> Slip | None:
    """`from 2020-01-01`, `value 3`: a known-looking key followed by a value, without `:`."""
    if not 0 <= index < len(lines):
        return None
    text = lines[index]
    found = _WORD_THEN_VALUE.match(text)
    if found is None or ":" in text.split("#", 1)[0]:
        return None
    key, value = found.group("key"), found.group("value").strip()
    return (
        _("`{key} {value}` has no `:` after `{key}`").format(key=key, value=value),
        index,
        found.end("key"),
        _("write `{key}: {value}`").format(key=key, value=value),
    )


def _misaligned(lines: list[str], line: int) -> Slip | None:
    """A line whose indentation matches no enclosing block: usually too little indentation."""
    if not 0 <= line < len(lines):
        return None
    own = _KEY.match(lines[line])
    before = _previous(lines, line)
    if own is None or before is None:
        return None
    above = _KEY.match(lines[before])
    if above is None:
        return None
    indent = len(own.group("indent"))
    is_item = own.group("dash") is not None
    if is_item:
        # an item of a list: its `-` must be in the column of the other items' `-`
        for index in range(before, -1, -1):
            other = _KEY.match(lines[index])
            if other is not None and other.group("dash") and indent != len(other.group("indent")) < indent + 2:
                column = len(other.group("indent"))
                return (
                    _("this list item is not in the same column as the items above it"),
                    line,
                    indent,
                    _("start its `-` in column {column}, like the item on line {line}").format(
                        column=column + 1, line=index + 1
                    ),
                )
            if other is not None and not other.group("dash") and len(other.group("indent")) < indent:
                break
        return None
    key_column = above.start("key")
    if indent < key_column:
        return (
            _("this line is indented less than `{key}:` above it").format(key=above.group("key")),
            line,
            indent,
            _("start `{key}:` in the same column as `{above}:` (column {column})").format(
                key=own.group("key"), above=above.group("key"), column=key_column + 1
            ),
        )
    return None
