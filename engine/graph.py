"""The dependency graph of a policy: cycles, unused declarations, dependencies and impact.

Edge u -> v means "u is used in the definition of v"; each edge keeps where. The only
module that imports networkx; its objects never leave this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from engine.diagnostics import Code, Diagnostic
from engine.i18n import _
from engine.source import Span


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    kind: str  # "fact", "parameter", "rule"
    label: str
    output: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Use:
    source: str  # the name used
    target: str  # the rule that uses it
    span: Span


@dataclass(frozen=True)
class DependencyGraph:
    """A frozen view of the graph: topological order, direct inputs and transitive queries."""

    nodes: Mapping[str, Node]
    inputs: Mapping[str, tuple[str, ...]]  # direct predecessors, sorted
    users: Mapping[str, tuple[str, ...]]  # direct successors, sorted
    order: tuple[str, ...]  # every node, inputs before users
    edge_spans: Mapping[tuple[str, str], Span]

    def dependencies(self, names: Iterable[str]) -> set[str]:
        """Every node the given names need, themselves included."""
        seen: set[str] = set()
        stack = list(names)
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(self.inputs.get(n, ()))
        return seen

    def impact(self, name: str) -> set[str]:
        """Every node that a change of `name` can change (itself excluded)."""
        seen: set[str] = set()
        stack = list(self.users.get(name, ()))
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(self.users.get(n, ()))
        return seen

    def path(self, start: str, goal: str) -> list[str]:
        """A chain of uses from `start` to `goal` (breadth first), or [] if none."""
        previous: dict[str, str] = {}
        queue = [start]
        seen = {start}
        while queue:
            n = queue.pop(0)
            if n == goal:
                chain = [n]
                while chain[-1] != start:
                    chain.append(previous[chain[-1]])
                return chain[::-1]
            for m in self.users.get(n, ()):
                if m not in seen:
                    seen.add(m)
                    previous[m] = n
                    queue.append(m)
        return []

    def subgraph(self, keep: set[str]) -> DependencyGraph:
        return DependencyGraph(
            {n: v for n, v in self.nodes.items() if n in keep},
            {n: tuple(i for i in v if i in keep) for n, v in self.inputs.items() if n in keep},
            {n: tuple(u for u in v if u in keep) for n, v in self.users.items() if n in keep},
            tuple(n for n in self.order if n in keep),
            {e: s for e, s in self.edge_spans.items() if e[0] in keep and e[1] in keep},
        )

    # -- exports ----------------------------------------------------------------------------
    def to_mermaid(self) -> str:
        shapes = {"fact": ("[/", "/]"), "parameter": ("[(", ")]"), "rule": ("[", "]")}
        lines = ["flowchart LR"]
        for name in self.order:
            node = self.nodes[name]
            left, right = shapes[node.kind]
            label = _mermaid_text(node.label)
            lines.append(f'  {name}{left}"{label}<br/><small>{_mermaid_text(name)}</small>"{right}')
        for name in self.order:
            for user in self.users.get(name, ()):
                lines.append(f"  {name} --> {user}")
        return "\n".join(lines) + "\n"

    def to_dot(self) -> str:
        shapes = {"fact": "parallelogram", "parameter": "cylinder", "rule": "box"}
        lines = ["digraph policy {", "  rankdir=LR;"]
        for name in self.order:
            node = self.nodes[name]
            style = ', style="bold"' if node.output else ""
            label = f"{_dot_text(node.label)}\\n{_dot_text(name)}"
            lines.append(f'  "{_dot_text(name)}" [shape={shapes[node.kind]}, label="{label}"{style}];')
        for name in self.order:
            for user in self.users.get(name, ()):
                lines.append(f'  "{_dot_text(name)}" -> "{_dot_text(user)}";')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        data = {
            "nodes": [
                {
                    "name": n.name,
                    "kind": n.kind,
                    "label": n.label,
                    "output": n.output,
                    "file": n.span.file,
                    "line": n.span.line,
                }
                for n in (self.nodes[x] for x in self.order)
            ],
            "edges": [
                {"from": u, "to": v, "file": s.file, "line": s.line, "column": s.column}
                for (u, v), s in sorted(self.edge_spans.items())
            ],
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def build(nodes: Iterable[Node], uses: Iterable[Use]) -> tuple[DependencyGraph, list[Diagnostic]]:
    g = nx.DiGraph()
    table = {n.name: n for n in nodes}
    for n in table.values():
        g.add_node(n.name)
    for use in uses:
        if use.source in table and use.target in table and not g.has_edge(use.source, use.target):
            g.add_edge(use.source, use.target, span=use.span)
    diagnostics = _cycles(g)
    diagnostics += _unused(g, table)
    if diagnostics and any(d.code is Code.CYCLE for d in diagnostics):
        order: list[str] = sorted(g.nodes)
    else:
        order = [n for layer in nx.topological_generations(g) for n in sorted(layer)]
    graph = DependencyGraph(
        table,
        {n: tuple(sorted(g.predecessors(n))) for n in g},
        {n: tuple(sorted(g.successors(n))) for n in g},
        tuple(order),
        {(u, v): d["span"] for u, v, d in g.edges(data=True)},
    )
    return graph, diagnostics


def _cycles(g: nx.DiGraph) -> list[Diagnostic]:
    out = []
    for component in nx.strongly_connected_components(g):
        members = sorted(component)
        if len(members) == 1 and not g.has_edge(members[0], members[0]):
            continue
        cycle = nx.find_cycle(g.subgraph(component), source=members[0])
        path = " -> ".join([u for u, _ in cycle] + [cycle[0][0]])
        notes = tuple((_("`{u}` is used by `{v}` here").format(u=u, v=v), g.edges[u, v]["span"]) for u, v in cycle)
        first = g.edges[cycle[0]]["span"]
        out.append(
            Diagnostic(
                Code.CYCLE,
                _("circular definition: {path}").format(path=path),
                first,
                notes,
                _("a rule cannot depend on itself, even through other rules: break the chain"),
            )
        )
    return out


def _unused(g: nx.DiGraph, table: Mapping[str, Node]) -> list[Diagnostic]:
    out = []
    for name, node in table.items():
        if node.output or g.out_degree(name):
            continue
        code = {"rule": Code.UNUSED_RULE, "parameter": Code.UNUSED_PARAMETER, "fact": Code.UNUSED_FACT}[node.kind]
        help = {
            "rule": _("use it in another rule, mark it `output: true` to make it a decision, or remove it"),
            "parameter": _("use it in a rule, or remove it"),
            "fact": _("use it in a rule, or remove it"),
        }[node.kind]
        message = {
            "rule": _("rule `{name}` is never used"),
            "parameter": _("parameter `{name}` is never used"),
            "fact": _("fact `{name}` is never used"),
        }[node.kind]
        out.append(Diagnostic(code, message.format(name=name), node.span, help=help))
    return out


def _one_line(text: str) -> str:
    """Line breaks and other control characters become spaces: a label never starts a new line."""
    return "".join(" " if ord(ch) < 32 or ch in "\x7f\x85\u2028\u2029" else ch for ch in text)


def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: quotes and markup characters as entity codes."""
    out = _one_line(text).replace("#", "#35;")
    for ch, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;")):
        out = out.replace(ch, code)
    return out


def _dot_text(text: str) -> str:
    """Text inside a double-quoted DOT string: backslashes and quotes escaped, one line."""
    return _one_line(text).replace("\\", "\\\\").replace('"', '\\"')
