"""The expression parser: literals, precedence, file positions, plain-words errors, limits, round trip."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ast
from engine.calendar import Duration
from engine.diagnostics import Code, PolicyCompileError
from engine.parser import MAX_DEPTH, MAX_LENGTH, parse
from engine.printer import to_text
from engine.source import Origin, Span
from engine.types import Kind


def lit(value: object, kind: Kind) -> ast.Literal:
    return ast.Literal(value, kind)  # type: ignore[arg-type]


def name(n: str) -> ast.Name:
    return ast.Name(n)


def error(text: str, origin: Origin | None = None) -> PolicyCompileError:
    with pytest.raises(PolicyCompileError) as info:
        parse(text, origin)
    return info.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", lit(42, Kind.INT)),
        ("12.50", lit(Decimal("12.50"), Kind.DECIMAL)),
        ("500 €", lit(Decimal(500), Kind.MONEY)),
        ("12.5 EUR", lit(Decimal("12.5"), Kind.MONEY)),
        ('"nemours"', lit("nemours", Kind.TEXT)),
        ("'a \\' b'", lit("a ' b", Kind.TEXT)),
        ("true", lit(True, Kind.BOOL)),
        ("null", lit(None, Kind.NULL)),
        ("2024-02-29", lit(date(2024, 2, 29), Kind.DATE)),
        ("2 weeks", lit(Duration(0, 14), Kind.DURATION)),
        ("1 month", lit(Duration(1, 0), Kind.DURATION)),
        ("2 years", lit(Duration(24, 0), Kind.DURATION)),
        ("3 mois", lit(Duration(3, 0), Kind.DURATION)),
        ("-5", lit(-5, Kind.INT)),
    ],
)
def test_literals(text: str, expected: ast.Expr) -> None:
    assert parse(text) == expected


def test_precedence() -> None:
    assert parse("a + b * c") == ast.Binary("+", name("a"), ast.Binary("*", name("b"), name("c")))
    assert parse("a - b - c") == ast.Binary("-", ast.Binary("-", name("a"), name("b")), name("c"))
    assert parse("not a and b or c") == ast.Binary(
        "or", ast.Binary("and", ast.Unary("not", name("a")), name("b")), name("c")
    )
    assert parse("a ?? b + 1") == ast.Binary("??", name("a"), ast.Binary("+", name("b"), lit(1, Kind.INT)))
    assert parse("d + x as of e") == ast.Binary("+", name("d"), ast.AsOf(name("x"), name("e")))
    assert parse("x not in [1, 2]") == ast.In(name("x"), ast.ListExpr((lit(1, Kind.INT), lit(2, Kind.INT))), True)
    assert parse("x is not null") == ast.IsNull(name("x"), True)
    assert parse("if a then 1 else if b then 2 else 3") == ast.If(
        name("a"), lit(1, Kind.INT), ast.If(name("b"), lit(2, Kind.INT), lit(3, Kind.INT))
    )


def test_comparisons_do_not_chain() -> None:
    assert error("a < b < c").diagnostics[0].code is Code.SYNTAX


def test_spans_are_file_positions_for_one_line_fields() -> None:
    origin = Origin(Span("r.yaml", 7, 14, 7, 40), "inline", 7, 14)
    e = parse("a + bb", origin)
    assert isinstance(e, ast.Binary)
    assert (e.right.span.file, e.right.span.line, e.right.span.column) == ("r.yaml", 7, 18)


def test_spans_in_block_scalars_follow_lines() -> None:
    origin = Origin(Span("r.yaml", 10, 18, 13, 1), "block", 11, 11)
    e = parse("if a\nthen bb\nelse c", origin)
    assert isinstance(e, ast.If)
    assert (e.then.span.line, e.then.span.column) == (12, 16)


def test_syntax_errors_are_in_plain_words_and_located() -> None:
    origin = Origin(Span("r.yaml", 3, 10, 3, 20), "inline", 3, 10)
    d = error("a = b", origin).diagnostics[0]
    assert (d.code, d.span.line, d.span.column) == (Code.SYNTAX, 3, 12)
    assert "unexpected character `=`" in d.message and d.help == "compare with `==`"
    assert "else" in error("if a then b").diagnostics[0].message
    for text in ("a && b", "(a", "f(a b)", "1 +", "x 2"):
        message = error(text).diagnostics[0].message
        assert "__ANON" not in message and "RPAR" not in message and "NAME" not in message


def test_too_deep_is_a_diagnostic_not_a_recursion_error() -> None:
    deep = "(" * 500 + "1" + ")" * 500  # brackets alone do not nest the tree
    assert parse(deep) == lit(1, Kind.INT)
    chain = " + ".join(["a"] * 2000)
    assert error(chain).diagnostics[0].code is Code.TOO_COMPLEX
    nested = "not " * (MAX_DEPTH + 5) + "a"
    assert error(nested).diagnostics[0].code is Code.TOO_COMPLEX


def test_too_long_is_refused() -> None:
    d = error("a" * (MAX_LENGTH + 1)).diagnostics[0]
    assert d.code is Code.TOO_COMPLEX and "too long" in d.message


def test_invalid_date_literal() -> None:
    d = error("2022-13-01").diagnostics[0]
    assert d.code is Code.SYNTAX and "not a valid date" in d.message


# -- printing then re-parsing gives the same AST -----------------------------------------------------
NAMES = st.sampled_from(["a", "b", "date_entree", "montant", "x_1"])
LITERALS = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(lambda v: lit(v, Kind.INT)),
    st.decimals(min_value=0, max_value=10**6, places=2).map(lambda v: lit(v, Kind.DECIMAL)),
    st.decimals(min_value=0, max_value=10**6, places=2).map(lambda v: lit(v, Kind.MONEY)),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8).map(
        lambda v: lit(v, Kind.TEXT)
    ),
    st.booleans().map(lambda v: lit(v, Kind.BOOL)),
    st.just(lit(None, Kind.NULL)),
    st.dates().map(lambda v: lit(v, Kind.DATE)),
    st.integers(min_value=0, max_value=99).map(lambda n: lit(Duration(n, 0), Kind.DURATION)),
    st.integers(min_value=0, max_value=99).map(lambda n: lit(Duration(0, n), Kind.DURATION)),
    # Negative and long literals (up to the 30 digits allowed), tiny and huge: printed without an
    # exponent and read back exactly.
    st.integers(min_value=-(10**30) + 1, max_value=10**30 - 1).map(lambda v: lit(v, Kind.INT)),
    st.builds(
        lambda n, places, kind: lit(Decimal(n).scaleb(-places), kind),
        st.integers(min_value=-(10**29) + 1, max_value=10**29 - 1),
        st.integers(min_value=1, max_value=28),
        st.sampled_from([Kind.DECIMAL, Kind.MONEY]),
    ),
)


def _extend(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    ops = st.sampled_from(["+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "and", "or", "??"])
    return st.one_of(
        st.builds(ast.Binary, ops, children, children),
        st.builds(ast.Unary, st.just("not"), children),
        st.builds(ast.Unary, st.just("-"), NAMES.map(name)),
        st.builds(ast.If, children, children, children),
        st.builds(ast.IsNull, children, st.booleans()),
        st.builds(
            ast.In,
            children,
            st.lists(children, max_size=3).map(lambda xs: ast.ListExpr(tuple(xs))),
            st.booleans(),
        ),
        st.builds(ast.Call, st.sampled_from(["min", "max", "age"]), st.lists(children, max_size=3).map(tuple)),
        st.builds(ast.AsOf, NAMES.map(name), children),
    )


EXPRESSIONS = st.recursive(st.one_of(LITERALS, NAMES.map(name)), _extend, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_print_then_parse_gives_the_same_ast(e: ast.Expr) -> None:
    text = to_text(e)
    assert parse(text) == e, text


def test_the_grammar_is_strict_lalr() -> None:
    # Shift/reduce conflicts and terminal collisions fail here, at build time.
    from engine.parser import _lark

    assert _lark(strict=True) is not None


def test_a_whole_decimal_prints_with_a_point_and_reads_back_as_a_decimal() -> None:
    # Found by the property above: 29 digits scaled by one place round to a whole Decimal.
    e = lit(Decimal("1000000695388772379636478771"), Kind.DECIMAL)
    text = to_text(e)
    assert text == "1000000695388772379636478771.0"
    assert parse(text) == e
