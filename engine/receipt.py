"""Decision receipts: a canonical JSON record of one evaluation, enough to audit and replay it.

A receipt (format `policy-engine/receipt/1`) is a JSON object with sorted keys, no floats, ISO
dates and amounts as normalised decimal strings (`"500"`, `"12.5"`):

    format        "policy-engine/receipt/1"
    id            a random UUID, this receipt's name
    issued_at     when it was written (UTC, ISO 8601, seconds)
    at            the evaluation date, always written; at_defaulted: true when none was given
    requested     the decisions asked for (all the policy's decisions by default)
    facts         given: the facts as given (null ones included);
                  used: every fact as the rules read it, defaults filled in;
                  defaulted: facts not given (or null) whose default was used;
                  masked: facts replaced by "hmac-sha256:<hex>" (keyed by a secret salt) in both
    decisions     name → value, for the decisions computed
    errors        name → {code, message, culprit, chain}, for the decisions that failed
    trace         the compact trace (see `engine.compact`): every rule's version, row and branches
    engine        {"name": "policy-engine", "version": …}
    policy        {"hash", "files": {path: sha256}, "folders": {folder: sha256}, "commit", "root"}
    hash          "sha256:" + SHA-256 of the canonical JSON of everything above (without `hash`)

The canonical JSON is `json.dumps(receipt, sort_keys=True, ensure_ascii=False,
separators=(",", ":"))` encoded as UTF-8; files may be indented, the hash is always computed on
that form, so `verify` recomputes it from any layout.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.canonical import canonical_value
from engine.diagnostics import Code, Diagnostic, PolicyError, suggest
from engine.evaluate import Decision
from engine.fingerprint import Fingerprint
from engine.i18n import _
from engine.plan import Plan
from engine.source import UNKNOWN
from engine.version import __version__

FORMAT = "policy-engine/receipt/1"
ENGINE = "policy-engine"
SALT_VARIABLE = "POLICY_RECEIPT_SALT"
MASK_PREFIX = "hmac-sha256:"


class ReceiptError(PolicyError):
    """A receipt cannot be written (masking misconfigured) or read (not a receipt, altered)."""


def receipt_error(message: str, help: str | None = None) -> ReceiptError:
    return ReceiptError([Diagnostic(Code.RECEIPT, message, UNKNOWN, help=help)])


# -- canonical values ---------------------------------------------------------------------------------
def canonical_json(document: Mapping[str, object]) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(document: Mapping[str, object]) -> str:
    """The hash a receipt carries: of its canonical JSON without the `hash` field."""
    body = {k: v for k, v in document.items() if k != "hash"}
    return "sha256:" + hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


# -- masking ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Masking:
    """Facts written as their salted hash (HMAC-SHA256 keyed by `salt`), never in clear.

    The salt is a secret kept apart from the receipts (an environment variable or a file readable
    only by the service): with it, whoever holds the clear value can check it against a receipt;
    without it, a birth date cannot be found back by trying every date.
    """

    facts: frozenset[str]
    salt: bytes

    @classmethod
    def configure(
        cls,
        facts: Iterable[str],
        salt_file: str | Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Masking | None:
        """Masking of `facts` with the salt of `salt_file`, else of $POLICY_RECEIPT_SALT; None if no
        fact is masked. Raises `ReceiptError` when facts are to be masked and there is no salt."""
        names = frozenset(facts)
        if not names:
            return None
        environ = os.environ if environ is None else environ
        salt: bytes | None = None
        if salt_file is not None:
            try:
                salt = Path(salt_file).read_bytes().strip()
            except OSError as exc:
                raise receipt_error(
                    _("cannot read the salt file {path}: {reason}").format(path=salt_file, reason=exc.strerror)
                ) from None
        elif environ.get(SALT_VARIABLE):
            salt = environ[SALT_VARIABLE].encode("utf-8")
        if not salt or len(salt) < 16:
            raise receipt_error(
                _("masked facts need a secret salt of at least 16 bytes"),
                help=_(
                    "set {variable} or give --salt-file FILE (32 random bytes, kept apart from the receipts)"
                ).format(variable=SALT_VARIABLE),
            )
        return cls(names, salt)

    def mask(self, value: object) -> str:
        text = canonical_json({"v": canonical_value(value)})
        return MASK_PREFIX + hmac.new(self.salt, text.encode("utf-8"), hashlib.sha256).hexdigest()


# -- receipts -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Receipt:
    """A receipt document and, when it was just made, the `Decision` it records."""

    document: Mapping[str, object]
    decision: Decision | None = None

    @property
    def id(self) -> str:
        return str(self.document["id"])

    @property
    def hash(self) -> str:
        return str(self.document["hash"])

    def to_json(self, indent: int | None = None) -> str:
        """Canonical JSON (one line); with `indent`, the same sorted keys laid out for reading."""
        if indent is None:
            return canonical_json(self.document)
        return json.dumps(self.document, sort_keys=True, ensure_ascii=False, indent=indent)


def check_masking(plan: Plan, masking: Masking | None) -> None:
    """Raise `ReceiptError` if a fact to mask is not a fact of the policy."""
    if masking is None:
        return
    unknown = sorted(masking.facts - set(plan.facts))
    if unknown:
        raise receipt_error(
            _("cannot mask unknown fact `{name}`").format(name=unknown[0]) + suggest(unknown[0], list(plan.facts)),
            help=_("the facts to mask are facts of the policy, e.g. date_naissance"),
        )


def receipt_document(
    plan: Plan,
    identity: Fingerprint,
    root: str,
    decision: Decision,
    given: Mapping[str, object],
    at_defaulted: bool,
    masking: Masking | None,
) -> dict[str, object]:
    """The receipt of `decision` (evaluated with `trace="compact"`) of the facts `given`."""
    masked = masking.facts if masking is not None else frozenset()

    def show(name: str, value: object) -> object:
        if name in masked and value is not None:
            assert masking is not None
            return masking.mask(value)
        return canonical_value(value)

    used = decision.facts
    defaulted = sorted(
        name
        for name, fact in plan.facts.items()
        if fact.has_default and given.get(name) is None and used.get(name) is not None
    )
    values, errors = outcomes(decision)
    requested = list(decision.names)
    trace = decision.compact_trace
    document: dict[str, object] = {
        "format": FORMAT,
        "id": str(uuid.uuid4()),
        "issued_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "at": decision.at.isoformat(),
        "at_defaulted": at_defaulted,
        "requested": requested,
        "facts": {
            "given": {str(k): show(str(k), v) for k, v in given.items()},
            "used": {k: show(k, v) for k, v in used.items()},
            "defaulted": defaulted,
            "masked": sorted(masked),
        },
        "decisions": values,
        "errors": errors,
        "trace": trace.to_json() if trace is not None else None,
        "engine": {"name": ENGINE, "version": engine_version()},
        "policy": {**identity.to_json(), "root": root},
    }
    document["hash"] = content_hash(document)
    return document


def outcomes(decision: Decision) -> tuple[dict[str, object], dict[str, object]]:
    """The decisions computed (receipt JSON values) and those that failed ({code, message, culprit,
    chain}), of a `Decision`."""
    values = {name: canonical_value(value) for name, value in decision.values.items()}
    errors = {name: canonical_value(error.to_dict()) for name, error in decision.errors.items()}
    return values, errors


def engine_version() -> str:
    return __version__


def verify(document: object) -> str | None:
    """None if `document` is a well-formed receipt whose hash matches its content; else why not."""
    if not isinstance(document, dict):
        return _("not a JSON object")
    if document.get("format") != FORMAT:
        return _("not a receipt of format {expected} (format: {found})").format(
            expected=FORMAT, found=repr(document.get("format"))
        )
    missing = [
        k for k in ("id", "at", "requested", "facts", "decisions", "errors", "policy", "hash") if k not in document
    ]
    if missing:
        return _("missing field(s): {fields}").format(fields=", ".join(missing))
    if document["hash"] != content_hash(document):
        return _("its hash does not match its content: the receipt was altered after it was written")
    return None


def read_receipts(path: str | Path) -> list[dict[str, object]]:
    """The receipts of a file: one JSON object, a JSON list of them, or JSON Lines."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise receipt_error(_("{path}: cannot read: {reason}").format(path=path, reason=reason)) from None
    try:
        data = json.loads(text)
        items = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        items = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                message = _("{path}:{line}: not JSON ({reason}, column {column})")
                raise receipt_error(message.format(path=path, line=number, reason=exc.msg, column=exc.colno)) from None
    return [item if isinstance(item, dict) else {"format": None, "value": item} for item in items]
