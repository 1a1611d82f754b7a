"""Replay a receipt: evaluate its facts again on its date, under a policy, and say what differs.

Outcomes (`Replay.status`):

- `identical`: the same decisions and the same errors as the receipt;
- `different`: some decisions changed; each change lists why, from what the receipt keeps:
  the rule versions and rows its compact trace pinned against those taken now, and the policy
  files whose hash changed that hold a rule, parameter or fact the decision depends on (the
  graph's dependencies of that decision);
- `not_replayable`: with the reason (the receipt was altered, a masked fact is needed, its facts
  or decisions do not fit this policy, or, with `exact`, this is not the policy that made it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from engine.calendar import Duration
from engine.canonical import canonical_value
from engine.compact import CompactTrace
from engine.diagnostics import PolicyError
from engine.diff import compare_plans
from engine.explain import Explanation
from engine.fingerprint import relative_name
from engine.i18n import _
from engine.pinned import TraceMismatch, render
from engine.policy import Policy
from engine.receipt import Masking, engine_version, outcomes, receipt_error, verify
from engine.types import Kind

IDENTICAL, DIFFERENT, NOT_REPLAYABLE = "identical", "different", "not_replayable"

# Reasons naming what changed (whole sentences, for the translators).
_DEFINED = {
    "rule": lambda: _("rule `{name}` is defined in {file}, which changed"),
    "parameter": lambda: _("parameter `{name}` is defined in {file}, which changed"),
    "fact": lambda: _("fact `{name}` is declared in {file}, which changed"),
}
_CONTENT = {
    "rule": lambda: _("rule `{name}` differs between the policy of the receipt and this one"),
    "parameter": lambda: _("parameter `{name}` differs between the policy of the receipt and this one"),
    "fact": lambda: _("fact `{name}` differs between the policy of the receipt and this one"),
    "added": lambda: _("`{name}` exists in this policy, not in the policy of the receipt"),
    "removed": lambda: _("`{name}` exists in the policy of the receipt, not in this one"),
}


@dataclass(frozen=True)
class Change:
    decision: str
    before: object  # JSON value, or {"error": code}
    after: object
    why: tuple[str, ...]


@dataclass(frozen=True)
class Replay:
    receipt: str  # the receipt's id
    status: str
    reason: str | None = None  # for not_replayable
    changes: tuple[Change, ...] = ()
    notes: tuple[str, ...] = ()  # what differs without changing a decision (policy files, engine)
    changed_files: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "receipt": self.receipt,
            "status": self.status,
            "reason": self.reason,
            "changes": [
                {"decision": c.decision, "before": c.before, "after": c.after, "why": list(c.why)} for c in self.changes
            ],
            "notes": list(self.notes),
            "changed_files": list(self.changed_files),
        }


def replay(
    policy: Policy,
    document: Mapping[str, object],
    exact: bool = False,
    then: Policy | None = None,
    clear: Mapping[str, object] | None = None,
    salt: Masking | None = None,
) -> Replay:
    """Replay one receipt document under `policy` (see the module docstring). `then`: the policy
    that made the receipt (a checkout of its commit), to name what changed by content; ignored
    unless its hash is the receipt's. `clear`: the clear values of masked facts, used once `salt`
    (the secret the receipt was masked with) shows they hash to the values recorded."""
    ident = str(document.get("id", "?")) if isinstance(document, Mapping) else "?"
    problem = verify(document)
    if problem is not None:
        return Replay(ident, NOT_REPLAYABLE, _("not a valid receipt: {problem}").format(problem=problem))
    try:
        return _replay(policy, document, exact, ident, then, clear or {}, salt)
    except (KeyError, TypeError, ValueError) as exc:  # a well-hashed document of the wrong shape
        return Replay(ident, NOT_REPLAYABLE, _("malformed receipt: {problem}").format(problem=exc))


def _replay(
    policy: Policy,
    document: Mapping[str, object],
    exact: bool,
    ident: str,
    then: Policy | None,
    clear: Mapping[str, object],
    salt: Masking | None,
) -> Replay:
    facts = _mapping(document["facts"])
    recorded_policy = _mapping(document["policy"])
    requested = [str(n) for n in _list(document["requested"])]
    fp = policy.fingerprint
    same_policy = recorded_policy.get("hash") == fp.hash
    if exact and not same_policy:
        commit = recorded_policy.get("commit")
        return Replay(
            ident,
            NOT_REPLAYABLE,
            _("policy hash unknown: the receipt was made with policy {then}{commit}, the policy given is {now}").format(
                then=recorded_policy.get("hash"),
                commit=_(" (git commit {commit})").format(commit=commit) if commit else "",
                now=fp.hash,
            ),
        )
    graph = policy.graph
    unknown = [n for n in requested if n not in policy.plan.rules]
    if unknown:
        return Replay(
            ident, NOT_REPLAYABLE, _("decision(s) not in this policy: {names}").format(names=", ".join(unknown))
        )
    needs = graph.dependencies(requested)
    masked = [str(n) for n in _list(facts.get("masked", []))]
    recorded_given = _mapping(facts["given"])
    needed = [n for n in masked if n in needs and recorded_given.get(n) is not None and n not in clear]
    if needed:
        message = _(
            "masked fact(s) needed: {names} (written as salted hashes, not in clear); "
            "give their clear values with --facts CASEFILE and the salt"
        )
        return Replay(ident, NOT_REPLAYABLE, message.format(names=", ".join(needed)))
    unmasked = {}
    for name, value in clear.items():
        if name not in masked:
            continue  # the receipt holds it in clear: the receipt's value is the one replayed
        if salt is None:
            message = _(
                "checking the clear value of `{name}` against the receipt needs the salt it was masked with "
                "($POLICY_RECEIPT_SALT or --salt-file)"
            )
            return Replay(ident, NOT_REPLAYABLE, message.format(name=name))
        recorded = recorded_given.get(name)
        if (salt.mask(value) if value is not None else None) != recorded:
            message = _("the clear value given for `{name}` is not the one the receipt recorded (its hash differs)")
            return Replay(ident, NOT_REPLAYABLE, message.format(name=name))
        unmasked[name] = value
    given = {k: v for k, v in recorded_given.items() if k not in masked} | unmasked
    at = date.fromisoformat(str(document["at"]))
    try:
        decision = policy.evaluate(_typed(policy, given), at, requested, trace="compact")
    except PolicyError as exc:
        message = exc.diagnostics[0].message
        return Replay(ident, NOT_REPLAYABLE, _("the facts do not fit this policy: {reason}").format(reason=message))
    before = _outcomes(_mapping(document["decisions"]), _mapping(document["errors"]))
    after = _outcomes(*outcomes(decision))
    old_files = {str(k): str(v) for k, v in _mapping(recorded_policy.get("files", {})).items()}
    changed_files = tuple(sorted(p for p in set(old_files) | set(fp.files) if old_files.get(p) != fp.files.get(p)))
    trace = decision.compact_trace
    new_json: object = trace.to_json() if trace is not None else []
    new_steps, old_steps = _steps(new_json), _steps(document.get("trace") or [])
    new_parameters, old_parameters = _parameter_steps(new_json), _parameter_steps(document.get("trace"))
    notes = []
    if changed_files:
        notes.append(_("policy files changed since the receipt: {files}").format(files=", ".join(changed_files)))
    recorded_engine = _mapping(document.get("engine", {})).get("version")
    if recorded_engine != engine_version():
        notes.append(_("engine version {then} then, {now} now").format(then=recorded_engine, now=engine_version()))
    if before == after:
        if same_policy and old_steps != new_steps and document.get("trace") is not None:
            notes.append(_("the same decisions, but the rules took other rows or versions than recorded"))
        return Replay(ident, IDENTICAL, notes=tuple(notes), changed_files=changed_files)
    declared = _declared_in(policy)
    content = None
    if then is not None and then.fingerprint.hash == recorded_policy.get("hash"):
        content = compare_plans(then.plan, policy.plan)
    elif then is not None:
        notes.append(
            _("the policy given as the original is not the one of the receipt ({hash})").format(
                hash=then.fingerprint.hash
            )
        )
    changes = []
    for name in requested:
        if before.get(name) == after.get(name):
            continue
        deps = graph.dependencies([name])
        why = [*_trace_reasons(old_steps, new_steps, deps)]
        values, explained = _parameter_reasons(old_parameters, new_parameters, deps)
        why += values
        if content is not None:  # both policies at hand: what differs by content, on this path
            assert then is not None
            for item in content.culprits(then.plan, policy.plan, name):
                kind = content.changed.get(item) or ("added" if item in content.added else "removed")
                if item not in explained:
                    why.append(_CONTENT[kind]().format(name=item))
        else:  # only the receipt's file hashes: what its path reads from a changed file
            for item in sorted(deps - explained):
                file = declared.get(item)
                if file is None or file not in changed_files:
                    continue
                if _kind(policy, item) == "parameter" and any(n == item for n, _law in new_parameters):
                    continue  # its values on this path are compared above: unchanged
                why.append(_DEFINED[_kind(policy, item)]().format(name=item, file=file))
        if not why:
            why.append(
                _("no rule version, row or policy file on its path changed")
                if recorded_engine == engine_version()
                else _("no rule version, row or policy file on its path changed; the engine changed")
            )
        changes.append(Change(name, before.get(name), after.get(name), tuple(why)))
    return Replay(ident, DIFFERENT, changes=tuple(changes), notes=tuple(notes), changed_files=changed_files)


def _outcomes(values: Mapping[str, object], errors: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = dict(values)
    for name, error in errors.items():
        err = _mapping(error)
        out[name] = {"error": err.get("code"), "culprit": err.get("culprit")}
    return out


def _steps(data: object) -> dict[tuple[str, str], tuple[str, object, str]]:
    """(rule, law date) → (version start, row, ifs) of a compact trace's JSON form."""
    rules = data.get("rules", []) if isinstance(data, Mapping) else data
    out: dict[tuple[str, str], tuple[str, object, str]] = {}
    for item in _list(rules):
        rule, start, law, row, ifs = _list(item)
        out[(str(rule), str(law))] = (str(start), row, str(ifs))
    return out


def _parameter_steps(data: object) -> dict[tuple[str, str], tuple[str, object]]:
    """(parameter, law date) → (start of the value, value) of a compact trace's JSON form."""
    out: dict[tuple[str, str], tuple[str, object]] = {}
    if isinstance(data, Mapping):
        for item in _list(data.get("parameters", [])):
            name, start, law, value = _list(item)
            out[(str(name), str(law))] = (str(start), value)
    return out


def _parameter_reasons(
    old: dict[tuple[str, str], tuple[str, object]], new: dict[tuple[str, str], tuple[str, object]], deps: set[str]
) -> tuple[list[str], set[str]]:
    """Parameters on the decision's path whose value in force differs; and the names explained."""
    reasons = []
    explained: set[str] = set()
    for key in sorted(set(old) & set(new)):
        name, law = key
        if name in deps and old[key] != new[key]:
            (a_start, a), (b_start, b) = old[key], new[key]
            message = _(
                "parameter `{name}` under the law of {law}: {then} (value from {then_start}) then, "
                "{now} (value from {now_start}) now"
            )
            reasons.append(
                message.format(name=name, law=law, then=_plain(a), then_start=a_start, now=_plain(b), now_start=b_start)
            )
            explained.add(name)
    return reasons, explained


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _trace_reasons(
    old: dict[tuple[str, str], tuple[str, object, str]],
    new: dict[tuple[str, str], tuple[str, object, str]],
    deps: set[str],
) -> list[str]:
    reasons = []
    for key in sorted(set(old) | set(new)):
        rule, law = key
        if rule not in deps or old.get(key) == new.get(key):
            continue
        a, b = old.get(key), new.get(key)
        if a is None:
            reasons.append(
                _("rule `{rule}` under the law of {law}: not computed then, computed now").format(rule=rule, law=law)
            )
        elif b is None:
            reasons.append(_("rule `{rule}` under the law of {law}: computed then, not now").format(rule=rule, law=law))
        elif a[0] != b[0]:
            message = _("rule `{rule}` under the law of {law}: version in force from {then} then, from {now} now")
            reasons.append(message.format(rule=rule, law=law, then=a[0], now=b[0]))
        elif a[1] != b[1]:
            message = _("rule `{rule}` under the law of {law}: row {then} then, row {now} now")
            reasons.append(message.format(rule=rule, law=law, then=a[1], now=b[1]))
        else:
            message = _("rule `{rule}` under the law of {law}: `if` branches {then} then, {now} now")
            reasons.append(message.format(rule=rule, law=law, then=a[2], now=b[2]))
    return reasons


def trace_reasons(policy: Policy, old_trace: object, new_trace: object, decision: str) -> list[str]:
    """Why `decision` differs between two compact traces (their JSON form) of the same case: the
    rules on its path whose version, row or branches differ, and the parameters whose value
    differs. ValueError/TypeError if a trace is malformed."""
    deps = policy.graph.dependencies([decision])
    reasons = _trace_reasons(_steps(old_trace or []), _steps(new_trace or []), deps)
    values, _explained = _parameter_reasons(_parameter_steps(old_trace), _parameter_steps(new_trace), deps)
    return reasons + values


def changed_on_path(policy: Policy, recorded_files: Mapping[str, object], decision: str) -> list[str]:
    """Why `decision` may have changed since a receipt whose policy files were `recorded_files`
    (relative path → "sha256:…"): the rules, parameters and facts it depends on (the graph's
    dependencies) declared in a file whose hash differs, one sentence each."""
    changed = {
        p
        for p in set(recorded_files) | set(policy.fingerprint.files)
        if recorded_files.get(p) != policy.fingerprint.files.get(p)
    }
    declared = _declared_in(policy)
    reasons = []
    for item in sorted(policy.graph.dependencies([decision])):
        file = declared.get(item)
        if file is not None and file in changed:
            reasons.append(_DEFINED[_kind(policy, item)]().format(name=item, file=file))
    return reasons


def _declared_in(policy: Policy) -> dict[str, str]:
    """Rule, parameter and fact name → the policy file (relative path) declaring it."""
    plan = policy.plan
    relative = {display: relative_name(policy.root, display) for display in plan.sources.digests}
    out = {}
    for table in (plan.rules, plan.parameters, plan.facts):
        for name, item in table.items():
            out[name] = relative.get(item.decl.span.file, item.decl.span.file)
    return out


def _kind(policy: Policy, name: str) -> str:
    if name in policy.plan.rules:
        return "rule"
    return "parameter" if name in policy.plan.parameters else "fact"


_DURATION = re.compile(r"^(?:(-?\d+) months?)?\s*(?:(-?\d+) days?)?$")


def _typed(policy: Policy, given: Mapping[str, object]) -> dict[str, object]:
    """Receipt JSON values back into what `evaluate` takes (durations are written as text)."""
    out = dict(given)
    for name, value in given.items():
        fact = policy.plan.facts.get(name)
        if fact is not None and fact.type.kind is Kind.DURATION and isinstance(value, str):
            m = _DURATION.match(value.strip())
            if m and (m.group(1) or m.group(2)):
                out[name] = Duration(int(m.group(1) or 0), int(m.group(2) or 0))
    return out


def _mapping(value: object) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def explain_receipt(policy: Policy, document: Mapping[str, object], name: str) -> Explanation:
    """The explanation of decision `name` as the receipt recorded it: rendered from the receipt's
    compact trace (its versions, rows and branches), under `policy`. Raises `ReceiptError` if the
    receipt is altered, needs a masked fact, or its trace does not fit `policy` (replay it to see
    what changed)."""
    problem = verify(document)
    if problem is not None:
        raise receipt_error(_("not a valid receipt: {problem}").format(problem=problem))
    made_with = _mapping(document["policy"]).get("hash")
    if made_with != policy.fingerprint.hash:
        raise receipt_error(
            _("the receipt was made with policy {then}, not with the one given ({now})").format(
                then=made_with, now=policy.fingerprint.hash
            ),
            help=_(
                "explain it under the policy that made it (its git commit is in the receipt); "
                "`policy replay` says what changed since"
            ),
        )
    facts = _mapping(document["facts"])
    masked = [str(n) for n in _list(facts.get("masked", []))]
    needed = [n for n in masked if n in policy.graph.dependencies([name])]
    if needed:
        message = _("`{name}` needs masked fact(s) {facts}, written as salted hashes")
        raise receipt_error(message.format(name=name, facts=", ".join(needed)))
    at = date.fromisoformat(str(document["at"]))
    given = {k: v for k, v in _mapping(facts["given"]).items() if k not in masked}
    decision = policy.evaluate(_typed(policy, given), at, [name])  # validates the facts, fills defaults
    try:
        compact = CompactTrace.from_json(document.get("trace"), at, policy.plan)
        trace = render(policy.plan, decision.facts, compact, name)
    except (ValueError, TraceMismatch) as exc:
        raise receipt_error(
            _("the receipt's trace does not fit this policy: {reason}").format(reason=exc),
            help=_("`policy replay` says what changed; explain it under the policy that made it"),
        ) from None
    explanation = Explanation(policy.plan, trace, name, decision.facts)
    recorded = _mapping(document["decisions"]).get(name)
    if name not in _mapping(document["decisions"]) or canonical_value(explanation.value) != recorded:
        message = _("`{name}` is {value} in the receipt, the explanation would give another value")
        raise receipt_error(message.format(name=name, value=json.dumps(recorded, ensure_ascii=False)))
    return explanation


def replay_files(
    policy: Policy, paths: list[str | Path], exact: bool = False, then: Policy | None = None
) -> list[tuple[str, Replay]]:
    """Replay every receipt of every file; (file, result) in order."""
    from engine.receipt import read_receipts

    out = []
    for path in paths:
        for document in read_receipts(path):
            out.append((str(path), replay(policy, document, exact, then)))
    return out
