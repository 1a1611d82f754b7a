"""Compact traces: the choices the generated code made for one case, cheap enough to keep for all.

A compact trace holds, for every rule computed, the version in force on the date its law was read
under (`law`, the evaluation date or an `as of` date), the table row taken and the branch taken by
each `if` of that version. It holds no values: the full explanation is rendered from it on demand
(`engine.pinned`), by evaluating each rule with the version, row and branches it pins, and checking
that the facts still lead there.

The traced generated program (`codegen.generate(..., traced=True)`) appends one raw record per
function body it runs; they are decoded only when the trace is read, so recording costs a tuple
per body and a local assignment per table and `if`.

It also holds the parameters the versions read, and under which date's law: their values are
fixed by the policy, so they are decoded from the date, at no cost to the evaluation.

JSON form (in receipts): `{"rules": [...], "parameters": [...]}`. A rule step is
`[rule, version start (ISO), law date (ISO), row, ifs]`, sorted by rule then law date; `row` is
the 1-based table row taken, null for a formula; `ifs` has one letter per `if` of the version, in
reading order (rows top to bottom, each condition before its value): `t` (then), `e` (else), `-`
(not evaluated), `?` (not recorded). A parameter step is `[parameter, start of the value in force
(ISO), law date (ISO), value]`: every parameter the versions used refer to (read or not in this
case), and those read `as of` another date when they were read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from engine import ast
from engine.canonical import canonical_value
from engine.i18n import _
from engine.plan import Plan, VersionPlan
from engine.records import NOT_COMPUTED, RecordSlot
from engine.trace import Trace


@dataclass(frozen=True, slots=True)
class Step:
    """One rule computed under the law of one date."""

    rule: str
    version: int  # index in the rule's versions
    law: date
    row: int | None  # 1-based row taken; None for a formula
    ifs: str  # one letter per `if` node of the version (see the module's docstring)


def if_nodes(version: VersionPlan) -> list[ast.If]:
    """The `if` nodes of a version in reading order: the order of `Step.ifs`."""
    exprs: list[ast.Expr] = [version.formula] if version.formula is not None else []
    for row in version.rows or ():
        exprs += [x for x in (row.when, row.then) if x is not None]
    return [node for e in exprs for node in ast.walk(e) if isinstance(node, ast.If)]


Records = tuple[Sequence[tuple[object, ...]], Sequence[tuple[RecordSlot, ...]]]  # raw records, their layouts


class CompactTrace:
    """The steps of one evaluation, keyed by (rule, law date). Decoded lazily from raw records:
    `raw` with its `layouts`, and more `parts` (records of other programs, with their layouts).

    `interpreted` names the decisions whose choices the tracing interpreter gave (the generated
    code could not compute them; their `if` branches are not recorded)."""

    # Slots, and nothing decoded or copied here: one is built for every traced evaluation.
    __slots__ = ("_layouts", "_more", "_parameters", "_raw", "_steps", "interpreted", "plan", "today")

    def __init__(
        self,
        today: date,
        plan: Plan,
        raw: Sequence[tuple[object, ...]] = (),
        layouts: Sequence[tuple[RecordSlot, ...]] = (),
        steps: Sequence[Step] | None = None,
        parts: Sequence[Records] = (),
    ) -> None:
        self.today = today
        self.plan = plan
        self._raw = raw
        self._layouts = layouts
        self._more = parts
        self.interpreted: tuple[str, ...] = ()
        self._steps: dict[tuple[str, date], Step] | None = None
        self._parameters: dict[tuple[str, date], int] = {}  # (parameter, law date) → value index
        if steps is not None:
            self._steps = {}
            for step in steps:
                self._steps.setdefault((step.rule, step.law), step)

    @property
    def parameters(self) -> dict[tuple[str, date], int]:
        """(parameter, law date) → index of the value in force then, for the parameters the rules
        computed refer to."""
        if self._steps is None:
            self._steps = self._decode()
        return self._parameters

    @property
    def steps(self) -> dict[tuple[str, date], Step]:
        if self._steps is None:
            self._steps = self._decode()
        return self._steps

    def get(self, rule: str, law: date) -> Step | None:
        return self.steps.get((rule, law))

    def __iter__(self) -> Iterator[Step]:
        return iter(sorted(self.steps.values(), key=lambda s: (s.rule, s.law)))

    def __len__(self) -> int:
        return len(self.steps)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompactTrace) and self.today == other.today and self.steps == other.steps

    __hash__ = None  # type: ignore[assignment]

    def _decode(self) -> dict[tuple[str, date], Step]:
        steps: dict[tuple[str, date], Step] = {}
        order: dict[tuple[str, int], dict[int, int]] = {}  # (rule, version) → id(if node) → index
        for raw, layouts in ((self._raw, self._layouts), *self._more):
            for record in raw:
                layout, law = record[0], record[1]
                assert isinstance(layout, int) and isinstance(law, date)
                for slot in layouts[layout]:
                    if (slot.rule, law) in steps:  # computed again by another body: same choices
                        continue
                    step = self._step(slot, law, record[2:], order)
                    if step is not None:
                        steps[(slot.rule, law)] = step
        return steps

    def _step(
        self, slot: RecordSlot, law: date, values: tuple[object, ...], order: dict[tuple[str, int], dict[int, int]]
    ) -> Step | None:
        """The step one slot of a record says (None: a rule computed where read, and not read);
        notes the parameters it refers to."""
        if slot.computed is not None and values[slot.computed] is NOT_COMPUTED:
            return None
        table = self.plan.parameters
        for name in slot.parameters:
            self._parameters[(name, law)] = table[name].index_on(law)
        for name, at in slot.as_of:
            day = values[at]
            if isinstance(day, date):
                self._parameters[(name, day)] = table[name].index_on(day)
        row = values[slot.row] if slot.row is not None else None
        assert row is None or isinstance(row, int)
        ifs = ""
        if slot.ifs:
            key = (slot.rule, slot.version)
            if key not in order:
                version = self.plan.rules[slot.rule].versions[slot.version]
                order[key] = {id(n): i for i, n in enumerate(if_nodes(version))}
            letters = ["-"] * len(order[key])
            for node, at in slot.ifs:
                value = values[at]
                letters[order[key][id(node)]] = "-" if value is ... else ("t" if value else "e")
            ifs = "".join(letters)
        return Step(slot.rule, slot.version, law, row, ifs)

    def merged(self, other: CompactTrace) -> CompactTrace:
        """This trace with `other`'s steps and parameters added (this one's first, where both have
        a rule under the law of one date)."""
        out = CompactTrace(self.today, self.plan, steps=[*self.steps.values(), *other.steps.values()])
        out._parameters = {**other.parameters, **self.parameters}
        out.interpreted = tuple(dict.fromkeys(self.interpreted + other.interpreted))
        return out

    # -- other sources and JSON ---------------------------------------------------------------------
    @classmethod
    def from_trace(cls, trace: Trace, plan: Plan) -> CompactTrace:
        """The choices of a full (interpreter) trace; its `if` branches are not recorded (`?`)."""
        steps = []
        parameters: dict[tuple[str, date], int] = {}
        for (name, law), record in trace.records.items():
            rule = plan.rules[name]
            version = next(i for i, v in enumerate(rule.versions) if v.start == record.version_start)
            row = next((r.index for r in record.rows or () if r.matched), None)
            steps.append(Step(name, version, law, row, "?" * len(if_nodes(rule.versions[version]))))
            for i in record.inputs:
                if i.kind == "parameter" and i.law is not None:
                    parameters[(i.name, i.law)] = plan.parameters[i.name].index_on(i.law)
        compact = cls(trace.today, plan, steps=steps)
        compact._parameters = parameters
        return compact

    def to_json(self) -> dict[str, list[list[object]]]:
        """`{"rules": [[rule, version start, law date, row, ifs], …], "parameters": [[parameter,
        value start, law date, value], …]}`, each sorted by name and law date."""
        rules = self.plan.rules
        days: dict[date, str] = {}
        out: list[list[object]] = []
        for s in self.steps.values():
            start = rules[s.rule].versions[s.version].start
            law = days.get(s.law) or days.setdefault(s.law, s.law.isoformat())
            out.append([s.rule, start.isoformat(), law, s.row, s.ifs])
        out.sort(key=lambda step: (step[0], step[2]))
        read: list[list[object]] = []
        for (name, day), index in self.parameters.items():
            if index >= 0:
                p = self.plan.parameters[name]
                read.append([name, p.starts[index].isoformat(), day.isoformat(), canonical_value(p.values[index])])
        read.sort(key=lambda step: (step[0], step[2]))
        return {"rules": out, "parameters": read}

    @classmethod
    def from_json(cls, data: object, today: date, plan: Plan) -> CompactTrace:
        """Read `to_json()`'s form back against `plan` (its rule steps: the parameters follow from the
        policy); raise `ValueError` saying what does not fit."""
        if isinstance(data, dict):
            data = data.get("rules")
        if not isinstance(data, list):
            raise ValueError(_("the trace must hold a list of rule steps"))
        steps = []
        for item in data:
            if not (isinstance(item, list) and len(item) == 5):
                raise ValueError(_("a trace step must be [rule, version, law, row, ifs], not {step}").format(step=item))
            name, start, law, row, ifs = item
            rule = plan.rules.get(name) if isinstance(name, str) else None
            if rule is None:
                raise ValueError(_("rule `{name}` of the trace is not in this policy").format(name=name))
            if not isinstance(start, str) or not isinstance(law, str) or not isinstance(ifs, str):
                raise ValueError(_("malformed trace step {step}").format(step=item))
            version = next((i for i, v in enumerate(rule.versions) if v.start.isoformat() == start), None)
            if version is None:
                raise ValueError(
                    _("rule `{name}` has no version starting on {start} in this policy").format(name=name, start=start)
                )
            if row is not None and not (isinstance(row, int) and not isinstance(row, bool)):
                raise ValueError(_("malformed row in trace step {step}").format(step=item))
            steps.append(Step(name, version, date.fromisoformat(law), row, ifs))
        return cls(today, plan, steps=steps)
