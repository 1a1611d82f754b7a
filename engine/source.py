"""Source positions: a `Span` on every value read from a file, and the excerpt with a caret."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file. Lines and columns are 1-based, like editors."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def shift(self, line: int, column: int, end_line: int, end_column: int) -> Span:
        """Map a position relative to an expression starting at this span onto the file.

        `line`/`column` are 1-based inside the expression text; only its first line
        starts at this span's column.
        """
        first = self.column - 1 if line == 1 else 0
        end_first = self.column - 1 if end_line == 1 else 0
        return Span(
            self.file,
            self.line + line - 1,
            column + first,
            self.line + end_line - 1,
            end_column + end_first,
        )


UNKNOWN = Span("<input>", 1, 1, 1, 1)  # values given through the API or the command line
_WIDTH = 120


class SourceCache:
    """Keeps file texts so diagnostics can quote the offending line."""

    def __init__(self) -> None:
        self._texts: dict[str, list[str]] = {}
        self.digests: dict[str, str] = {}  # file → SHA-256 of its text as read (for receipts)

    def add(self, file: str, text: str) -> None:
        self._texts[file] = text.splitlines()
        self.digests[file] = hashlib.sha256(text.encode("utf-8")).hexdigest()

    def text(self, file: str) -> str:
        """The whole text of a file read so far ("" if it was not read)."""
        return "\n".join(self._texts.get(file, ()))

    def line(self, file: str, line: int) -> str | None:
        lines = self._texts.get(file)
        if lines is None or not 1 <= line <= len(lines):
            return None
        return lines[line - 1]


def excerpt(span: Span, sources: SourceCache) -> str:
    """The source line of `span` with a caret line under it, rustc style."""
    text = sources.line(span.file, span.line)
    if text is None:
        return ""
    column = span.column
    if len(text) > _WIDTH:  # a very long line: show a window around the column
        start = max(0, min(column - 20, len(text) - _WIDTH))
        text = ("…" if start else "") + text[start : start + _WIDTH] + ("…" if start + _WIDTH < len(text) else "")
        column = column - start + (1 if start else 0)
    width = 1
    if span.end_line == span.line and span.end_column > span.column:
        width = span.end_column - span.column
    width = max(1, min(width, len(text) - column + 1, 60))
    number = str(span.line)
    pad = " " * len(number)
    caret = " " * (column - 1) + "^" * width
    return f"{pad} |\n{number} | {text}\n{pad} | {caret}"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an expression's text sits in its file, to turn text positions into file spans.

    `inline`: a one-line scalar whose first character is at (line, column).
    `block`: a `|` block scalar; text line n is file line `line + n - 1`, shifted by `column - 1`.
    `table`: any other scalar (several lines, escapes): `table` gives the file (line, column) of
    each character of the text, and `starts` the index where each text line begins.
    `approx`: positions inside the text cannot be mapped: use `field`.
    """

    field: Span
    mode: str = "inline"
    line: int = 1
    column: int = 1
    table: tuple[tuple[int, int], ...] = ()
    starts: tuple[int, ...] = ()

    def _at(self, line: int, column: int) -> tuple[int, int]:
        start = self.starts[min(max(line, 1), len(self.starts)) - 1] if self.starts else 0
        index = min(max(start + column - 1, 0), len(self.table) - 1)
        return self.table[index]

    @staticmethod
    def of_text(span: Span) -> Origin:
        return Origin(span, "inline", span.line, span.column)

    def span(self, line: int, column: int, end_line: int, end_column: int) -> Span:
        if self.mode == "table" and self.table:
            first = self._at(line, column)
            last = self._at(end_line, end_column - 1) if end_column > 1 else first
            return Span(self.field.file, first[0], first[1], last[0], last[1] + 1)
        if self.mode == "approx" or (self.mode == "inline" and (line > 1 or end_line > 1)):
            return self.field
        base = self.column - 1
        return Span(self.field.file, self.line + line - 1, column + base, self.line + end_line - 1, end_column + base)
