"""What traced generated code records for a compact trace, and where (`codegen.generate(traced=True)`).

While a rule's code is generated, `Marked` collects the locals of the generated code that will
hold its choices: the row a table takes, the value of each `if` condition, the date a parameter
is read `as of`, and (for a rule computed where it is read) the rule's own value, which stays the
sentinel `NOT_COMPUTED` if nothing read it. Each function body then appends one tuple to the
records' list, `(layout index, law date, *those locals)`; its `RecordSlot`s say which rule and
version each position belongs to, so `engine.compact` decodes the records only when a trace is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine import ast

NOT_COMPUTED = object()  # a rule computed where read, not read (yet): the generated code's `_U`


@dataclass(frozen=True, slots=True)
class RecordSlot:
    """One rule a traced function body computes, and where its choices sit in the body's record
    (positions count from the record's third item: after the layout index and the law date)."""

    rule: str
    version: int  # index of the version in force in the body's date segment
    row: int | None  # position of the row taken (a 1-based number); None for a formula
    ifs: tuple[tuple[ast.If, int], ...]  # each `if` node of the version, and its position (`...`: not evaluated)
    parameters: tuple[str, ...] = ()  # parameters the version reads under the body's law
    as_of: tuple[tuple[str, int], ...] = ()  # parameters read `as of` a date: the date's position
    computed: int | None = None  # rules computed where read: position of the value, NOT_COMPUTED if never read


@dataclass
class Marked:
    """One rule's markers (locals of the generated code), gathered while its code is generated."""

    rule: str
    version: int
    row: str | None = None  # the local holding the row taken
    ifs: list[tuple[ast.If, str]] = field(default_factory=list)  # each `if` node and its local
    parameters: list[tuple[str, str | None]] = field(default_factory=list)  # (parameter, local of its date or None)
    computed: str | None = None  # the rule's own local, for a rule computed where read


def layout(marked: list[Marked], index: int) -> tuple[tuple[RecordSlot, ...], list[str], str]:
    """The slots of one body's record (layout `index`), the statements giving its markers their
    initial values, and the statement appending the record to the list `C[None]`."""
    variables: list[str] = []

    def position(variable: str) -> int:
        variables.append(variable)
        return len(variables) - 1

    slots = []
    init = []
    for r in marked:
        computed = position(r.computed) if r.computed is not None else None
        row = position(r.row) if r.row is not None else None
        ifs = tuple((node, position(variable)) for node, variable in r.ifs)
        as_of = tuple((name, position(marker)) for name, marker in r.parameters if marker is not None)
        here = tuple(dict.fromkeys(name for name, marker in r.parameters if marker is None))
        slots.append(RecordSlot(r.rule, r.version, row, ifs, here, as_of, computed))
        init += [f"{variable} = ..." for _, variable in r.ifs]  # ...: not evaluated
        init += [f"{marker} = ..." for _, marker in r.parameters if marker is not None]
        if r.row is not None and r.computed is not None:
            init.append(f"{r.row} = None")  # a table computed where read: no row until read
    return tuple(slots), init, f"C[None].append(({index}, L, {''.join(v + ', ' for v in variables)}))"
