"""Case files: load them with positions, validate them against a policy, run them, compare.

A case file holds one case (`description`, `at`, `facts`, `expect`) or a list under `cases:`.
Every problem (unknown fact, wrong type, unknown decision) is reported at its line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from engine import ast
from engine.diagnostics import CaseError, Code, DecisionError, Diagnostic, PolicyError, suggest
from engine.files import Listing, list_yaml
from engine.i18n import _
from engine.loader import YamlNode, parse_yaml, read_text
from engine.parser import parse
from engine.policy import Policy
from engine.source import SourceCache, Span
from engine.types import Kind, Type
from engine.values import check_value, parse_int

_CASE_FIELDS = ("description", "at", "facts", "expect")


@dataclass(frozen=True)
class Case:
    file: str
    description: str
    at: date
    facts: dict[str, object]
    expect: dict[str, object]
    span: Span
    fact_spans: dict[str, Span] = field(default_factory=dict)
    expect_spans: dict[str, Span] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{Path(self.file).name}:{self.span.line}: {self.description}"


@dataclass(frozen=True)
class Mismatch:
    decision: str
    expected: object  # a value, or an `ExpectedError`
    got: object  # the value, or an `ExpectedError` with the code the decision failed with
    span: Span
    error: DecisionError | None = None  # the decision's error, when it failed


@dataclass(frozen=True)
class CaseResult:
    case: Case
    mismatches: tuple[Mismatch, ...] = ()
    error: PolicyError | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.error is None


def case_files(paths: Iterable[str | Path]) -> Listing:
    """The YAML files named, and those under the folders named, in a stable order; and every
    path that could not be listed (a folder that cannot be read, a looping link), as file errors."""
    listing = Listing()
    for p in map(Path, paths):
        if p.is_dir():
            list_yaml(p, listing)
        else:
            listing.files.append(p)  # reading it says if it is missing or not a regular file
    return listing


def load_cases(path: Path, policy: Policy, sources: SourceCache | None = None) -> list[Case]:
    """Read every case of a file; raise CaseError listing every problem found in it."""
    sources = sources or SourceCache()
    entries = read_case_file(path, policy, sources)
    problems = [d for e in entries if isinstance(e, CaseError) for d in e.diagnostics]
    if problems:
        raise CaseError(problems, sources)
    return [e for e in entries if isinstance(e, Case)]


def read_case_file(path: Path, policy: Policy, sources: SourceCache | None = None) -> list[Case | CaseError]:
    """Every case of a file, in order: a `Case`, or the `CaseError` of that case alone (so the
    valid cases of a file can still run). Raise CaseError for a problem of the whole file
    (unreadable, not YAML, empty, `cases:` not a list or an empty list)."""
    sources = sources or SourceCache()
    display = str(path)
    try:
        text = read_text(path, display, sources)
        root = parse_yaml(text, display)
    except PolicyError as exc:
        raise CaseError(exc.diagnostics, sources) from None
    problems: list[Diagnostic] = []
    entries: list[Case | CaseError] = []
    if root is None:
        problems.append(Diagnostic(Code.MISSING_FIELD, _("empty case file"), Span(display, 1, 1, 1, 1)))
    else:
        for node in _case_nodes(root, problems):
            own: list[Diagnostic] = []
            case = _read_case(node, display, policy, own)
            entries.append(CaseError(own, sources) if own or case is None else case)
    if problems:
        raise CaseError(problems, sources)
    return entries


def _case_nodes(root: YamlNode, problems: list[Diagnostic]) -> list[YamlNode]:
    if root.kind == "map" and any(k.value == "cases" for k, _ in root.pairs):
        nodes: list[YamlNode] = []
        for key, value in root.pairs:
            if key.value != "cases":
                problems.append(
                    Diagnostic(
                        Code.UNKNOWN_FIELD,
                        _("unknown field `{value}` next to `cases`").format(value=key.value),
                        key.span,
                        help=_("put each case's fields inside the `cases` list"),
                    )
                )
            elif value.kind != "seq":
                problems.append(Diagnostic(Code.WRONG_KIND, _("`cases` must be a list (- item)"), value.span))
            elif not value.items:
                problems.append(
                    Diagnostic(
                        Code.MISSING_FIELD,
                        _("`cases` is an empty list: the file has no case"),
                        value.span,
                        help=_("add at least one case (description, at, facts, expect), or delete the file"),
                    )
                )
            else:
                nodes += value.items
        return nodes
    if root.kind == "map":
        return [root]
    problems.append(
        Diagnostic(
            Code.WRONG_KIND,
            _("a case file is a mapping (description, at, facts, expect) or a list under `cases:`"),
            root.span,
        )
    )
    return []


def _fields(node: YamlNode, problems: list[Diagnostic]) -> dict[str, YamlNode] | None:
    if node.kind != "map":
        problems.append(
            Diagnostic(Code.WRONG_KIND, _("a case must be a mapping (description, at, facts, expect)"), node.span)
        )
        return None
    out: dict[str, YamlNode] = {}
    for key, value in node.pairs:
        if key.value in out:
            problems.append(
                Diagnostic(Code.DUPLICATE_KEY, _("duplicate key `{value}`").format(value=key.value), key.span)
            )
        elif key.value not in _CASE_FIELDS:
            problems.append(
                Diagnostic(
                    Code.UNKNOWN_FIELD,
                    _("unknown field `{value}` in a case{suggest}").format(
                        value=key.value, suggest=suggest(key.value, _CASE_FIELDS)
                    ),
                    key.span,
                    help=_("the fields of a case are: {fields}").format(fields=", ".join(_CASE_FIELDS)),
                )
            )
        else:
            out[key.value] = value
    return out


def _read_case(node: YamlNode, file: str, policy: Policy, problems: list[Diagnostic]) -> Case | None:
    f = _fields(node, problems)
    if f is None:
        return None
    description = f["description"].value if "description" in f and f["description"].kind == "scalar" else ""
    at = None
    if "at" not in f:
        problems.append(
            Diagnostic(
                Code.MISSING_FIELD,
                _("the case has no `at` (its evaluation date)"),
                node.span,
                help=_("add `at: YYYY-MM-DD`"),
            )
        )
    else:
        at = _scalar(f["at"], Type(Kind.DATE), "`at`", problems)
    facts, fact_spans = _entries(f.get("facts"), "facts", policy, problems)
    expect, expect_spans = _entries(f.get("expect"), "expect", policy, problems)
    if not isinstance(at, date):
        return None
    return Case(file, description, at, facts, expect, node.span, fact_spans, expect_spans)


def _entries(
    node: YamlNode | None, section: str, policy: Policy, problems: list[Diagnostic]
) -> tuple[dict[str, object], dict[str, Span]]:
    values: dict[str, object] = {}
    spans: dict[str, Span] = {}
    if node is None or (node.kind == "scalar" and node.tag == "null"):
        return values, spans
    if node.kind != "map":
        problems.append(
            Diagnostic(
                Code.WRONG_KIND,
                _("`{section}` must be a mapping of names to values").format(section=section),
                node.span,
            )
        )
        return values, spans
    plan = policy.plan
    table = plan.facts if section == "facts" else plan.rules
    for key, value in node.pairs:
        name = key.value
        if name in values:
            problems.append(
                Diagnostic(
                    Code.DUPLICATE_KEY,
                    _("duplicate key `{name}` in `{section}`").format(name=name, section=section),
                    key.span,
                )
            )
            continue
        if name not in table:
            code = Code.UNKNOWN_FACT if section == "facts" else Code.UNKNOWN_DECISION
            facts = section == "facts"
            message = _("unknown fact `{name}`") if facts else _("unknown decision `{name}`")
            listed = _("the facts of this policy are listed by `policy graph --format json`")
            if not facts:
                listed = _("the decisions of this policy are listed by `policy graph --format json`")
            problems.append(
                Diagnostic(code, message.format(name=name) + suggest(name, list(table)), key.span, help=listed)
            )
            continue
        ty = table[name].type
        if section == "facts" and value.kind == "scalar" and value.tag == "null":
            values[name] = None  # null means absent: the fact's default applies
            spans[name] = value.span
            continue
        if section == "expect" and value.kind == "map":
            expected_error = _expected_error(name, value, problems)
            if expected_error is not None:
                values[name] = expected_error
                spans[name] = value.span
            continue
        what = (_("fact `{name}`") if section == "facts" else _("expected `{name}`")).format(name=name)
        parsed = _scalar(value, ty, what, problems, dict(plan.enums))
        if parsed is not _INVALID:
            values[name] = parsed
            spans[name] = value.span
    return values, spans


_INVALID = object()

# The codes a decision of its own can fail with (the others concern the whole case or the policy).
DECISION_ERROR_CODES = (Code.NOT_IN_FORCE.value, Code.MISSING_FACT.value, Code.EVALUATION.value)


@dataclass(frozen=True)
class ExpectedError:
    """`expect: {decision: {error: CODE}}`: the decision must fail with that diagnostic code."""

    code: str

    def __str__(self) -> str:
        return f"{{error: {self.code}}}"


def _expected_error(name: str, node: YamlNode, problems: list[Diagnostic]) -> ExpectedError | None:
    keys = [k.value for k, _ in node.pairs]
    if keys != ["error"] or node.pairs[0][1].kind != "scalar":
        problems.append(
            Diagnostic(
                Code.FACT_TYPE,
                _("expected `{name}` must be a value, or `{{error: CODE}}` to expect that the decision fails").format(
                    name=name
                ),
                node.span,
                help=_("the codes a decision can fail with: {codes}").format(codes=", ".join(DECISION_ERROR_CODES)),
            )
        )
        return None
    code_node = node.pairs[0][1]
    if code_node.value not in DECISION_ERROR_CODES:
        problems.append(
            Diagnostic(
                Code.INVALID_VALUE,
                _("`{code}` is not an error a decision can fail with").format(code=code_node.value)
                + suggest(code_node.value, DECISION_ERROR_CODES),
                code_node.span,
                help=_("the codes a decision can fail with: {codes}").format(codes=", ".join(DECISION_ERROR_CODES)),
            )
        )
        return None
    return ExpectedError(code_node.value)


def _scalar(
    node: YamlNode, ty: Type, what: str, problems: list[Diagnostic], enums: dict[str, object] | None = None
) -> object:
    if ty.kind is Kind.LIST and ty.item is not None and node.kind == "seq":
        items = [
            _scalar(item, ty.item, _("an item of {what}").format(what=what), problems, enums) for item in node.items
        ]
        return _INVALID if any(i is _INVALID for i in items) else frozenset(items)
    if ty.kind is Kind.DURATION and node.kind == "scalar" and node.tag != "null":
        return _duration(node, what, problems)
    if node.kind != "scalar":
        problems.append(
            Diagnostic(
                Code.FACT_TYPE,
                _("{what} must be a single value, not {describe}").format(what=what, describe=node.describe()),
                node.span,
            )
        )
        return _INVALID
    raw: object = node.value
    if node.tag == "null":
        raw = None
    elif ty.kind is Kind.BOOL and node.tag == "bool":
        raw = node.value.lower() in ("true", "yes", "on")
    elif ty.kind is Kind.INT and node.tag == "int":
        raw = _integer(node.value)
    elif ty.kind in (Kind.MONEY, Kind.DECIMAL) and node.tag in ("int", "float"):
        raw = node.value  # read as text by check_value: ASCII digits, bounds and precision
    elif node.tag in ("int", "float", "bool") and ty.kind not in (Kind.TEXT, Kind.ENUM):
        raw = _typed_scalar(node)
    value, error = check_value(raw, ty, enums or {})
    if error:
        problems.append(Diagnostic(Code.FACT_TYPE, f"{what} {error}", node.span))
        return _INVALID
    return value


def _duration(node: YamlNode, what: str, problems: list[Diagnostic]) -> object:
    """A duration written as in formulas: `1 month`, `15 days`, `2 weeks`."""
    try:
        parsed = parse(node.value, node.origin)
    except PolicyError:
        parsed = None
    if isinstance(parsed, ast.Literal) and parsed.kind is Kind.DURATION:
        return parsed.value
    problems.append(
        Diagnostic(
            Code.FACT_TYPE,
            _("{what} must be a duration such as `1 month` or `15 days`, not `{value}`").format(
                what=what, value=node.value
            ),
            node.span,
        )
    )
    return _INVALID


def _typed_scalar(node: YamlNode) -> object:
    if node.tag == "bool":
        return node.value.lower() in ("true", "yes", "on")
    if node.tag == "int":
        return _integer(node.value)
    return node.value


def _integer(text: str) -> object:
    """A plain decimal integer as YAML writes it; other forms (0x10, 1:20, `²`) stay text and are refused."""
    parsed = parse_int(text)
    return text if parsed is None else parsed


def run_case(policy: Policy, case: Case, *, trace: bool = False) -> CaseResult:
    """Evaluate the decisions the case's `expect` names (all when it names none) and compare.

    A decision that fails is a mismatch unless `expect` gives `{error: CODE}` with its code;
    invalid facts (a `CaseError`) fail the whole case."""
    wanted = list(case.expect) or None
    try:
        decision = policy.evaluate(case.facts, at=case.at, decisions=wanted, trace=trace, spans=case.fact_spans)
    except PolicyError as exc:
        return CaseResult(case, error=exc)
    errors = decision.errors
    mismatches = []
    for name, expected in case.expect.items():
        error = errors.get(name)
        got: object = ExpectedError(error.code) if error is not None else decision[name]
        if isinstance(expected, ExpectedError) or error is not None:
            ok = isinstance(expected, ExpectedError) and error is not None and expected.code == error.code
        else:
            ok = same(expected, got)
        if not ok:
            mismatches.append(Mismatch(name, expected, got, case.expect_spans[name], error))
    return CaseResult(case, tuple(mismatches))


def same(expected: object, got: object) -> bool:
    """Equal values; amounts compare numerically (500 == 500.00); bool is never a number."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    return expected == got
