"""Decision-table analysis: rows that can never match.

Conditions are abstracted to propositional formulas over their atoms (comparisons, facts,
calls…). If, in every assignment of the atoms, a row's condition implies that an earlier row
matched, the row can never be used. The abstraction only adds worlds, so a row reported
here is truly unreachable; some unreachable rows (e.g. `x > 5` after `x > 3`) are missed.
"""

from __future__ import annotations

import itertools

from engine import ast
from engine.types import Kind

MAX_ATOMS = 12


def _atoms(e: ast.Expr, out: dict[ast.Expr, int]) -> None:
    match e:
        case ast.Binary(op="and" | "or", left=a, right=b):
            _atoms(a, out)
            _atoms(b, out)
        case ast.Unary(op="not", operand=o):
            _atoms(o, out)
        case ast.Literal(kind=Kind.BOOL):
            pass
        case _:
            out.setdefault(e, len(out))


def _value(e: ast.Expr, atoms: dict[ast.Expr, int], world: tuple[bool, ...]) -> bool:
    match e:
        case ast.Binary(op="and", left=a, right=b):
            return _value(a, atoms, world) and _value(b, atoms, world)
        case ast.Binary(op="or", left=a, right=b):
            return _value(a, atoms, world) or _value(b, atoms, world)
        case ast.Unary(op="not", operand=o):
            return not _value(o, atoms, world)
        case ast.Literal(kind=Kind.BOOL, value=v):
            return bool(v)
    return world[atoms[e]]


def unreachable_rows(conditions: list[ast.Expr]) -> list[int]:
    """Indexes of rows whose condition can never be the first to hold."""
    atoms: dict[ast.Expr, int] = {}
    for c in conditions:
        _atoms(c, atoms)
    if len(atoms) > MAX_ATOMS:
        return []
    worlds = list(itertools.product((False, True), repeat=len(atoms)))
    dead = []
    for i, cond in enumerate(conditions):
        reachable = any(_value(cond, atoms, w) and not any(_value(c, atoms, w) for c in conditions[:i]) for w in worlds)
        if not reachable:
            dead.append(i)
    return dead
