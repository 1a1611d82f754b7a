"""Which values can a rule ever take? A conservative static answer, for `--why-not VALUE`.

Follows literals, enum values, `if`/`??` branches, table rows, parameters and the rules and enum
facts they read, over every version. Anything else (arithmetic, dates, calls, text facts) means
"any value of the type": the answer is then `None`, never a wrong "impossible".
"""

from __future__ import annotations

from engine import ast
from engine.plan import Plan
from engine.types import Kind

_ANY = None


def possible_values(plan: Plan, name: str) -> frozenset[object] | None:
    """Every value rule `name` can take on any date and case (None included when it may be null),
    or None when the set cannot be known statically (a computed number, date or text)."""
    return _Reach(plan).rule(name)


class _Reach:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.memo: dict[str, frozenset[object] | None] = {}
        self.active: set[str] = set()

    def rule(self, name: str) -> frozenset[object] | None:
        if name in self.memo:
            return self.memo[name]
        if name in self.active:  # reached again through `as of`: give up rather than loop
            return _ANY
        self.active.add(name)
        out: set[object] = set()
        known = True
        for version in self.plan.rules[name].versions:
            exprs = [version.formula] if version.formula is not None else [row.then for row in version.rows or ()]
            for e in exprs:
                values = self.expr(e)
                if values is None:
                    known = False
                    break
                out |= values
            if not known:
                break
        self.active.discard(name)
        result = frozenset(out) if known else _ANY
        self.memo[name] = result
        return result

    def expr(self, e: ast.Expr) -> frozenset[object] | None:
        match e:
            case ast.Literal(value=v):
                return frozenset([v])
            case ast.Name(name=name, binding=ast.Binding.ENUM_VALUE):
                return frozenset([name])
            case ast.Name(name=name, binding=ast.Binding.RULE):
                return self.rule(name)
            case ast.Name(name=name, binding=ast.Binding.PARAMETER):
                return frozenset(self.plan.parameters[name].values)
            case ast.Name(name=name, binding=ast.Binding.FACT):
                return self.fact(name)
            case ast.AsOf(target=target):
                return self.expr(target)
            case ast.If(then=t, orelse=o) | ast.Binary(op="??", left=t, right=o):
                a, b = self.expr(t), self.expr(o)
                return None if a is None or b is None else a | b
            case ast.Binary(op="==" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or") | ast.Unary(op="not"):
                return frozenset([True, False])
            case ast.In() | ast.IsNull():
                return frozenset([True, False])
        return _ANY

    def fact(self, name: str) -> frozenset[object] | None:
        fact = self.plan.facts[name]
        enum = self.plan.enums.get(fact.type.enum or "") if fact.type.kind is Kind.ENUM else None
        if fact.type.kind is Kind.BOOL:
            values: set[object] = {True, False}
        elif enum is not None:
            values = {v for v, _ in enum.values}
        else:
            return _ANY
        if fact.type.optional and not fact.has_default:
            values.add(None)
        return frozenset(values)
