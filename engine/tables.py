"""Decision-table analysis: rows that can never match.

Conditions are abstracted to propositional formulas over their atoms (comparisons, facts,
calls…). If, in every assignment of the atoms, a row's condition implies that an earlier row
matched, the row can never be used. The abstraction only adds worlds, so a row reported
here is truly unreachable; some unreachable rows (e.g. `x > 5` after `x > 3`) are missed.

Each condition is evaluated once over all worlds at a time: a world is a bit of a Python int,
so `and`/`or`/`not` are bitwise operations and the cost is rows × condition size × 2^atoms / 64
machine words, not rows² × 2^atoms calls. Past `MAX_ATOMS` atoms the analysis gives up and
says so (`Outcome.gave_up`), instead of running for minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine import ast
from engine.types import Kind

MAX_ATOMS = 16  # 65,536 worlds: about 8 KB per condition, milliseconds per table


@dataclass
class Outcome:
    """`never`: rows whose own condition can never hold; `hidden`: rows whose every case is
    taken by the rows above; `gave_up`: too many distinct atoms to look at every case."""

    never: list[int] = field(default_factory=list)
    hidden: list[int] = field(default_factory=list)
    gave_up: bool = False
    atoms: int = 0


def _atoms(e: ast.Expr, out: dict[ast.Expr, int]) -> None:
    stack = [e]
    while stack:
        node = stack.pop()
        match node:
            case ast.Binary(op="and" | "or", left=a, right=b):
                stack += [b, a]
            case ast.Unary(op="not", operand=o):
                stack.append(o)
            case ast.Literal(kind=Kind.BOOL):
                pass
            case _:
                out.setdefault(node, len(out))


def _atom_mask(index: int, worlds: int) -> int:
    """The worlds (bits 0 … worlds-1) where atom `index` is true: bit `index` of the world number."""
    half = 1 << index
    period = half << 1
    block = ((1 << half) - 1) << half  # one period: `half` false worlds, then `half` true ones
    repeat = ((1 << worlds) - 1) // ((1 << period) - 1)  # 1 at the start of every period
    return block * repeat


def _mask(e: ast.Expr, masks: dict[ast.Expr, int], everything: int) -> int:
    match e:
        case ast.Binary(op="and", left=a, right=b):
            return _mask(a, masks, everything) & _mask(b, masks, everything)
        case ast.Binary(op="or", left=a, right=b):
            return _mask(a, masks, everything) | _mask(b, masks, everything)
        case ast.Unary(op="not", operand=o):
            return everything & ~_mask(o, masks, everything)
        case ast.Literal(kind=Kind.BOOL, value=v):
            return everything if v else 0
    return masks[e]


def analyse_rows(conditions: list[ast.Expr]) -> Outcome:
    """Which rows (indexes into `conditions`) can never be the first to hold, and why."""
    atoms: dict[ast.Expr, int] = {}
    for c in conditions:
        _atoms(c, atoms)
    outcome = Outcome(atoms=len(atoms))
    if len(atoms) > MAX_ATOMS:
        outcome.gave_up = True
        return outcome
    worlds = 1 << len(atoms)
    everything = (1 << worlds) - 1
    masks = {atom: _atom_mask(index, worlds) for atom, index in atoms.items()}
    covered = 0
    for i, cond in enumerate(conditions):
        mask = _mask(cond, masks, everything)
        if not mask:
            outcome.never.append(i)
        elif not mask & ~covered:
            outcome.hidden.append(i)
        covered |= mask
    return outcome


def unreachable_rows(conditions: list[ast.Expr]) -> list[int]:
    """Indexes of rows whose condition can never be the first to hold."""
    outcome = analyse_rows(conditions)
    return sorted(outcome.never + outcome.hidden)
