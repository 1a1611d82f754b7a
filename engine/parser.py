"""Expression text → engine.ast. The only module that imports lark."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.tree import Meta

from engine import ast
from engine.calendar import Duration
from engine.diagnostics import Code, Diagnostic, PolicyCompileError
from engine.french import ENGLISH, ENGLISH_WORDS, FRENCH, FRENCH_WORDS, KEYWORDS, NAMES, NAMES_FR
from engine.i18n import N_, _
from engine.source import Origin, Span
from engine.types import Kind

MAX_LENGTH = 10_000
MAX_DEPTH = 64
MAX_DIGITS = 30

_UNITS = {
    "day": (0, 1),
    "days": (0, 1),
    "jour": (0, 1),
    "jours": (0, 1),
    "week": (0, 7),
    "weeks": (0, 7),
    "semaine": (0, 7),
    "semaines": (0, 7),
    "month": (1, 0),
    "months": (1, 0),
    "mois": (1, 0),
    "year": (12, 0),
    "years": (12, 0),
    "an": (12, 0),
    "ans": (12, 0),
}

# Lark's terminal names, in words a policy officer reads.
_WORDS = {
    "NAME": N_("a name"),
    "INT": N_("a number"),
    "DECIMAL": N_("a number"),
    "STRING": N_("a text in quotes"),
    "DATE": N_("a date"),
    "COMP_OP": N_("a comparison (==, <, …)"),
    "ADD_OP": "`+` or `-`",
    "MUL_OP": "`*` or `/`",
    "UNIT": N_("a unit (days, weeks, months, years)"),
    "CURRENCY": "`€`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "COMMA": "`,`",
    "__ANON_0": "`??`",
    "IF": "`if`",
    "THEN": "`then`",
    "ELSE": "`else`",
    "AND": "`and`",
    "OR": "`or`",
    "NOT": "`not`",
    "IN": "`in`",
    "IS": "`is`",
    "NULL": "`null`",
    "TRUE": "`true`",
    "FALSE": "`false`",
    "AS": "`as`",
    "OF": "`of`",
    "MINUS": "`-`",
    "QUESTION": "`??`",
    "À": "`à la date du`",
    "$END": N_("the end of the expression"),
}
_EXPRESSION_STARTS = {
    "NAME",
    "INT",
    "DECIMAL",
    "STRING",
    "DATE",
    "LPAR",
    "LSQB",
    "IF",
    "NOT",
    "MINUS",
    "NULL",
    "TRUE",
    "FALSE",
    "SI",
    "NON",
    "NUL",
    "VRAI",
    "FAUX",
}
_CLOSERS = {"RPAR", "RSQB", "COMMA", "THEN", "ELSE", "ALORS", "SINON"}
_OPERATORS = {"ADD_OP", "MUL_OP", "COMP_OP", "AND", "OR", "IN", "IS", "AS", "NOT", "QUESTION", "__ANON_0"}
_OPERATORS |= {"ET", "OU", "DANS", "EST", "À", "NON", "HORS"}  # their French spellings


@functools.cache
def _lark(strict: bool = False) -> Lark:
    """The parser. `strict=True` (used by the test suite) also rejects shift/reduce conflicts and
    regex collisions; it costs about a second, so everyday loading skips it and uses lark's cache."""
    return Lark.open_from_package(
        "engine",
        "grammar.lark",
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=False,
        strict=strict,
        cache=not strict,
    )


def parse(text: str, origin: Origin | None = None, lang: str | None = None) -> ast.Expr:
    """Parse one expression; raise PolicyCompileError with a located, plain-words message.
    `lang` ("en" or "fr") is the language of the expression's file: the keywords a message
    suggests are that language's (by default, the expression's own words tell)."""
    origin = origin or Origin.of_text(Span("<expression>", 1, 1, 1, len(text) + 1))
    if len(text) > MAX_LENGTH:
        raise _error(
            Code.TOO_COMPLEX,
            _("expression too long ({length} characters, at most {MAX_LENGTH})").format(
                length=len(text), MAX_LENGTH=MAX_LENGTH
            ),
            origin.field,
            _("split it into intermediate rules"),
        )
    if not text.strip():
        raise _error(Code.SYNTAX, _("empty expression"), origin.field, _("write a value or a formula"))
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        raise PolicyCompileError([_syntax_diagnostic(exc, text, origin, lang)]) from None
    except LarkError as exc:  # any other lark failure is still the author's text
        raise _error(Code.SYNTAX, _("cannot read this expression ({exc})").format(exc=exc), origin.field) from None
    depth = _depth(tree)
    if depth > MAX_DEPTH:
        raise _error(
            Code.TOO_COMPLEX,
            _("expression nested too deeply (more than {MAX_DEPTH} levels of operations)").format(MAX_DEPTH=MAX_DEPTH),
            origin.field,
            _("split it into intermediate rules"),
        )
    try:
        result: ast.Expr = _ToAst(origin, text).transform(tree)
    except VisitError as exc:  # an AST builder refused a literal: pass its diagnostic on
        if isinstance(exc.orig_exc, PolicyCompileError):
            raise exc.orig_exc from None
        raise
    return result


def tokens(text: str) -> list[tuple[str, str, int, int, int, int]]:
    """The tokens of an expression: (lark type, text, line, column, end line, end column); [] if it cannot be read."""
    try:
        return [
            (t.type, str(t), t.line or 1, t.column or 1, t.end_line or 1, t.end_column or 1) for t in _lark().lex(text)
        ]
    except LarkError:
        return []


def language_marks(text: str, origin: Origin | None = None) -> list[tuple[str, str, Span]]:
    """The words of an expression that belong to one language: (ENGLISH or FRENCH, word, span).

    Keywords (`and`/`et`, `is not null`/`est connu`…), `today`/`date_du_jour` and the builtin
    names that differ (`add_days`/`ajouter_jours`); neutral words (`min`, units…) are not marks.
    Call it on a text that parses.
    """
    origin = origin or Origin.of_text(Span("<expression>", 1, 1, 1, len(text) + 1))
    marks: list[tuple[str, str, Span]] = []
    try:
        tokens = list(_lark().lex(text))
    except LarkError:
        return marks
    for tok in tokens:
        word = str(tok)
        keyword = tok.type != "NAME"
        if (keyword and word in ENGLISH_WORDS) or (not keyword and word in NAMES):
            lang = ENGLISH
        elif (keyword and word in FRENCH_WORDS) or (not keyword and word in NAMES_FR):
            lang = FRENCH
        else:
            continue
        span = origin.span(tok.line or 1, tok.column or 1, tok.end_line or 1, tok.end_column or 1)
        marks.append((lang, word, span))
    return marks


def _error(code: Code, message: str, span: Span, help: str | None = None) -> PolicyCompileError:
    return PolicyCompileError([Diagnostic(code, message, span, help=help)])


def _depth(tree: Tree[Token]) -> int:
    """Tree depth, computed without recursion so that no input can exhaust the stack."""
    deepest = 0
    stack: list[tuple[Tree[Token] | Token, int]] = [(tree, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, Tree):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in node.children)
    return deepest


def _keyword(english: str, lang: str) -> str:
    """A keyword as a file in `lang` writes it: `and` → `et` in French."""
    words = tuple(english.split(" "))
    return " ".join(KEYWORDS[words]) if lang == FRENCH and words in KEYWORDS else english


def _expected_word(terminal: str, lang: str) -> str:
    """An expected terminal in words; keywords in the file's language."""
    if terminal in _WORDS:
        word = _(_WORDS[terminal])
        keyword = word.strip("`")
        return f"`{_keyword(keyword, lang)}`" if word.startswith("`") and keyword.isalpha() else word
    return f"`{terminal.lower()}`"


def _describe(expected: set[str], lang: str) -> str:
    if len(expected & _OPERATORS) >= 4:
        ends = _(" or the end of the expression") if "$END" in expected else ""
        closers = sorted(_expected_word(t, lang) for t in expected & _CLOSERS)
        extra = f", {', '.join(closers)}" if closers else ""
        return _("an operator (`+`, `{and_}`, `==`, …){extra}{ends}").format(
            and_=_keyword("and", lang), extra=extra, ends=ends
        )
    if expected & _EXPRESSION_STARTS and len(expected & _EXPRESSION_STARTS) >= 3:
        rest = sorted({_expected_word(t, lang) for t in expected - _EXPRESSION_STARTS})
        return _("an expression") + (_(" or {words}").format(words=", ".join(rest)) if rest and len(rest) <= 3 else "")
    words = sorted({_expected_word(t, lang) for t in expected})
    if len(words) > 6:
        words = [*words[:6], "…"]
    if len(words) <= 2:
        return _(" or ").join(words)
    return _("{first} or {last}").format(first=", ".join(words[:-1]), last=words[-1])


def _language(text: str, lang: str | None) -> str:
    """The file's language when known, else the expression's (English unless it has French words)."""
    if lang is not None:
        return lang
    return FRENCH if any(mark == FRENCH for mark, _word, _span in language_marks(text)) else ENGLISH


def _one_language(expected: set[str], lang: str) -> set[str]:
    """Only the keywords of the file's language are suggested."""
    other = ENGLISH_WORDS if lang == FRENCH else FRENCH_WORDS
    return {t for t in expected if t.lower() not in other}


def _syntax_diagnostic(exc: UnexpectedInput, text: str, origin: Origin, lang: str | None = None) -> Diagnostic:
    line, column = max(exc.line, 1), max(exc.column, 1)
    lang = _language(text, lang)
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream if isinstance(exc.pos_in_stream, int) else -1
        char = text[pos] if 0 <= pos < len(text) else "?"
        message = _("unexpected character `{char}`").format(char=char)
        help = _char_help(char, lang)
        span = origin.span(line, column, line, column + 1)
    elif isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        expected = _one_language(set(getattr(exc, "expected", ()) or getattr(exc, "accepts", ()) or ()), lang)
        message = _("the expression ends too early: expected {describe}").format(describe=_describe(expected, lang))
        help = _("complete the expression (a missing `{else_}`, operand or closing bracket?)").format(
            else_=_keyword("else", lang)
        )
        body = text.rstrip()  # a `|` block ends with a newline: point after the last character
        last_line = body.count("\n") + 1
        last_col = len(body.rsplit("\n", 1)[-1]) + 1
        span = origin.span(last_line, last_col, last_line, last_col + 1)
    else:
        assert isinstance(exc, UnexpectedToken)
        token = exc.token
        expected = _one_language(set(exc.accepts or exc.expected), lang)
        message = _("unexpected `{token}`: expected {describe}").format(token=token, describe=_describe(expected, lang))
        help = _token_help(str(token), expected, lang)
        span = origin.span(line, column, line, column + max(len(str(token)), 1))
    return Diagnostic(Code.SYNTAX, message, span, help=help)


def _char_help(char: str, lang: str) -> str | None:
    if char in "&|":
        return _("write `{word}`").format(word=_keyword("and" if char == "&" else "or", lang))
    return {
        "=": _("compare with `==`"),
        "!": _("write `{not_}`, or `!=` to compare").format(not_=_keyword("not", lang)),
        "{": _("lists use square brackets: `[a, b]`"),
        '"': _("close the text with a matching quote"),
        "'": _("close the text with a matching quote"),
    }.get(char)


def _token_help(token: str, expected: set[str], lang: str) -> str | None:
    if token == ",":
        return _("decimals are written with a point (`600.00 €`); a comma only separates list items and arguments")
    if token in {"&&", "AND", "And", "ET", "Et"}:
        return _("write `{word}`").format(word=_keyword("and", lang))
    if token in {"||", "OR", "Or", "OU", "Ou"}:
        return _("write `{word}`").format(word=_keyword("or", lang))
    words = {w: _keyword(w, lang) for w in ("if", "then", "else")}
    if "THEN" in expected or "ALORS" in expected:
        return _("an `{if_}` needs `{then} … {else_} …`").format(
            if_=words["if"], then=words["then"], else_=words["else"]
        )
    if "ELSE" in expected or "SINON" in expected:
        return _("an `{if_} … {then} …` needs an `{else_}` branch").format(
            if_=words["if"], then=words["then"], else_=words["else"]
        )
    if "RPAR" in expected:
        return _("a bracket is not closed")
    if len(expected & _OPERATORS) >= 4:
        return _("two values follow each other: is an operator or a comma missing?")
    return None


@v_args(inline=True, meta=True)
class _ToAst(Transformer[Token, ast.Expr]):
    """Parse tree → engine.ast. The only code that knows grammar rule names."""

    def __init__(self, origin: Origin, text: str) -> None:
        super().__init__()
        self._origin = origin
        self._text = text

    def _span(self, meta: Meta) -> Span:
        if getattr(meta, "empty", True):
            return self._origin.field
        return self._origin.span(meta.line, meta.column, meta.end_line, meta.end_column)

    def _tok_span(self, tok: Token) -> Span:
        return self._origin.span(tok.line or 1, tok.column or 1, tok.end_line or 1, tok.end_column or 1)

    def int_lit(self, meta: Meta, tok: Token) -> ast.Literal:
        return ast.Literal(self._int(tok), Kind.INT, self._span(meta))

    def _int(self, tok: Token) -> int:
        if len(tok) > MAX_DIGITS:
            raise _error(
                Code.TOO_COMPLEX,
                _("number too long ({length} digits, at most {MAX_DIGITS})").format(
                    length=len(tok), MAX_DIGITS=MAX_DIGITS
                ),
                self._tok_span(tok),
            )
        return int(tok)

    def decimal_lit(self, meta: Meta, tok: Token) -> ast.Literal:
        self._int(Token("INT", str(tok).replace(".", ""), 0, tok.line, tok.column, tok.end_line, tok.end_column))
        return ast.Literal(Decimal(str(tok)), Kind.DECIMAL, self._span(meta))

    def money_lit(self, meta: Meta, amount: Token, _currency: Token) -> ast.Literal:
        self._int(
            Token(
                "INT", str(amount).replace(".", ""), 0, amount.line, amount.column, amount.end_line, amount.end_column
            )
        )
        return ast.Literal(Decimal(str(amount)), Kind.MONEY, self._span(meta))

    def duration_lit(self, meta: Meta, count: Token, unit: Token) -> ast.Literal:
        months, days = _UNITS[str(unit)]
        n = self._int(count)
        return ast.Literal(Duration(months * n, days * n), Kind.DURATION, self._span(meta))

    def text_lit(self, meta: Meta, tok: Token) -> ast.Literal:
        return ast.Literal(_unquote(str(tok)), Kind.TEXT, self._span(meta))

    def date_lit(self, meta: Meta, tok: Token) -> ast.Literal:
        try:
            value = date.fromisoformat(str(tok))
        except ValueError:
            raise _error(Code.SYNTAX, _("`{tok}` is not a valid date").format(tok=tok), self._tok_span(tok)) from None
        return ast.Literal(value, Kind.DATE, self._span(meta))

    def true_lit(self, meta: Meta) -> ast.Literal:
        return ast.Literal(True, Kind.BOOL, self._span(meta))

    def false_lit(self, meta: Meta) -> ast.Literal:
        return ast.Literal(False, Kind.BOOL, self._span(meta))

    def null_lit(self, meta: Meta) -> ast.Literal:
        return ast.Literal(None, Kind.NULL, self._span(meta))

    def name(self, meta: Meta, tok: Token) -> ast.Name:
        return ast.Name("today" if str(tok) == NAMES["today"] else str(tok), self._span(meta))

    def call(self, meta: Meta, func: Token, *args: ast.Expr) -> ast.Call:
        return ast.Call(NAMES_FR.get(str(func), str(func)), tuple(args), self._span(meta))

    def list_lit(self, meta: Meta, *items: ast.Expr) -> ast.ListExpr:
        return ast.ListExpr(tuple(items), self._span(meta))

    def as_of(self, meta: Meta, target: Token, when: ast.Expr) -> ast.AsOf:
        return ast.AsOf(ast.Name(str(target), self._tok_span(target)), when, self._span(meta))

    def neg(self, meta: Meta, operand: ast.Expr) -> ast.Expr:
        if isinstance(operand, ast.Literal) and operand.kind in (Kind.INT, Kind.DECIMAL, Kind.MONEY):
            assert isinstance(operand.value, int | Decimal)
            # copy_negate is exact; unary minus would round to the 28-digit context precision
            negated = operand.value.copy_negate() if isinstance(operand.value, Decimal) else -operand.value
            return ast.Literal(negated, operand.kind, self._span(meta))
        return ast.Unary("-", operand, self._span(meta))

    def not_op(self, meta: Meta, operand: ast.Expr) -> ast.Unary:
        return ast.Unary("not", operand, self._span(meta))

    def binop(self, meta: Meta, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Binary:
        return ast.Binary(str(op), left, right, self._span(meta))

    def compare(self, meta: Meta, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Binary:
        return ast.Binary(str(op), left, right, self._span(meta))

    def and_op(self, meta: Meta, left: ast.Expr, right: ast.Expr) -> ast.Binary:
        return ast.Binary("and", left, right, self._span(meta))

    def or_op(self, meta: Meta, left: ast.Expr, right: ast.Expr) -> ast.Binary:
        return ast.Binary("or", left, right, self._span(meta))

    def coalesce(self, meta: Meta, left: ast.Expr, right: ast.Expr) -> ast.Binary:
        return ast.Binary("??", left, right, self._span(meta))

    def in_op(self, meta: Meta, value: ast.Expr, items: ast.Expr) -> ast.In:
        return ast.In(value, items, False, self._span(meta))

    def not_in_op(self, meta: Meta, value: ast.Expr, items: ast.Expr) -> ast.In:
        return ast.In(value, items, True, self._span(meta))

    def is_null(self, meta: Meta, value: ast.Expr) -> ast.IsNull:
        return ast.IsNull(value, False, self._span(meta))

    def is_not_null(self, meta: Meta, value: ast.Expr) -> ast.IsNull:
        return ast.IsNull(value, True, self._span(meta))

    def if_expr(self, meta: Meta, cond: ast.Expr, then: ast.Expr, orelse: ast.Expr) -> ast.If:
        return ast.If(cond, then, orelse, self._span(meta))

    def __default__(self, data: str, children: list[object], meta: Meta) -> object:
        raise NotImplementedError(f"grammar rule {data!r} has no AST builder")


def _unquote(raw: str) -> str:
    body = raw[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)
