"""The documentation is tested: every example of docs/language.md runs, every command exists.

docs/language.md holds the examples policy (the YAML block after `<!-- examples-policy -->`)
and many fenced blocks of this form:

    ```policy-example
    expression: d + 1 month         # or `expression: |` and indented lines
    facts: {d: 2024-01-31}          # optional, YAML flow mapping
    at: 2024-01-31                  # optional, default 2024-06-15
    type: date?                     # optional, else inferred from `result`
    result: 2024-02-29              # expected value, as YAML
    ```

or, for an expression the engine must refuse, `error: <diagnostic code>` (and `type:`) instead
of `result:`. Each block becomes a throwaway single-file policy in tmp_path: the examples policy
plus one rule, `valeur`, whose formula is the expression. A `result:` block is evaluated with
`engine.load_policy(path).evaluate(facts, at=...)`; an `error:` block must be reported by
`engine.check_policy`, or, for the run-time codes, raised by `evaluate`. A failure names the
block's line in docs/language.md.

The README and the guides are checked too: every `policy …` and `make …` command they show in a
shell block parses with the real CLI (and the case files it names exist), and every relative
link points at an existing file and heading. docs/diagnostics.md has its own tests.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

import engine
from engine.builtins import ROUNDING_MODES, TABLE
from engine.french import FRENCH
from engine.parser import language_marks
from engine.translate import translate_text

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = ROOT / "docs" / "language.md"
LANGUAGE_EN = ROOT / "docs" / "en" / "language.md"
DEFAULT_AT = date(2024, 6, 15)
RULE = "valeur"
RUNTIME_CODES = {"evaluation_error", "not_in_force", "fact_type_error", "unknown_fact", "missing_fact"}
KEYS = ("expression", "facts", "at", "type", "result", "error")
_MONEY = re.compile(r"^-?\d+(\.\d+)?\s*(€|EUR)$")
_DURATION = re.compile(r"^-?\d+ (months?|days?)( -?\d+ days?)?$")


# -- reading docs/language.md ---------------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    line: int  # line of the opening fence, 1-based
    lines: tuple[str, ...]
    doc: str = "docs/language.md"

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


@dataclass(frozen=True)
class Example:
    block: Block
    expression: str
    facts: dict[str, object]
    at: date
    type: str | None
    result: object
    has_result: bool
    error: str | None


def fenced(text: str, info: str, doc: str = "docs/language.md") -> list[Block]:
    """Every ```info block of a Markdown text, with the line of its opening fence."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == f"```{info}":
            start = i
            indent = len(lines[i]) - len(lines[i].lstrip())  # a block inside a list item is indented
            i += 1
            body = []
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i][indent:] if lines[i][:indent].isspace() else lines[i])
                i += 1
            if i == len(lines):
                raise AssertionError(f"{doc}:{start + 1}: ```{info} block is never closed")
            blocks.append(Block(start + 1, tuple(body), doc))
        i += 1
    return blocks


def parse_block(block: Block) -> Example:
    """Read one block; raise AssertionError, located, when it is malformed."""
    fields: dict[str, str] = {}
    lines = list(block.lines)
    i = 0
    while i < len(lines):
        raw = lines[i]
        i += 1
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        key, sep, rest = raw.partition(":")
        key = key.strip()
        if not sep or key not in KEYS or raw.startswith(" "):
            raise AssertionError(f"{block.where}: cannot read line {raw!r} (keys are {', '.join(KEYS)})")
        if key in fields:
            raise AssertionError(f"{block.where}: `{key}` given twice")
        rest = rest.strip()
        if key == "expression" and rest == "|":
            body = []
            while i < len(lines) and (lines[i].startswith(" ") or not lines[i].strip()):
                body.append(lines[i])
                i += 1
            indent = min(len(x) - len(x.lstrip()) for x in body if x.strip())
            rest = "\n".join(x[indent:] for x in body).strip("\n")
        fields[key] = rest
    where = block.where
    if "expression" not in fields or not fields["expression"]:
        raise AssertionError(f"{where}: the block has no `expression:`")
    if ("result" in fields) == ("error" in fields):
        raise AssertionError(f"{where}: give exactly one of `result:` and `error:`")
    if "error" in fields and "type" not in fields:
        raise AssertionError(f"{where}: an `error:` block needs `type:` (the type of the rule `{RULE}`)")
    facts = yaml.safe_load(fields.get("facts") or "{}") or {}
    if not isinstance(facts, dict):
        raise AssertionError(f"{where}: `facts:` must be a mapping such as {{d: 2024-01-31}}")
    at = yaml.safe_load(fields["at"]) if "at" in fields else DEFAULT_AT
    if not isinstance(at, date):
        raise AssertionError(f"{where}: `at:` must be a date written YYYY-MM-DD")
    return Example(
        block=block,
        expression=fields["expression"],
        facts={k: Decimal(str(v)) if isinstance(v, float) else v for k, v in facts.items()},
        at=at,
        type=fields.get("type"),
        result=yaml.safe_load(fields["result"]) if "result" in fields else None,
        has_result="result" in fields,
        error=fields.get("error"),
    )


def examples_policy() -> dict[str, object]:
    """The YAML block that follows `<!-- examples-policy -->` in docs/language.md."""
    text = LANGUAGE.read_text(encoding="utf-8")
    marker = text.index("<!-- examples-policy -->")
    match = re.search(r"```yaml\n(.*?)\n```", text[marker:], re.S)
    assert match, "docs/language.md: no ```yaml block after <!-- examples-policy -->"
    policy = yaml.safe_load(match.group(1))
    assert RULE not in policy.get("rules", {}), f"the examples policy must not declare `{RULE}`"
    return policy  # type: ignore[no-any-return]


# The reference (and its French tutorial), then the English tutorial.
BLOCKS = fenced(LANGUAGE.read_text(encoding="utf-8"), "policy-example") + fenced(
    LANGUAGE_EN.read_text(encoding="utf-8"), "policy-example", "docs/en/language.md"
)
BASE = examples_policy()


# -- running one example ----------------------------------------------------------------------------
def enum_of(value: str) -> str | None:
    for name, enum in (BASE.get("enums") or {}).items():  # type: ignore[union-attr]
        if value in enum["values"]:
            return str(name)
    return None


def inferred_type(ex: Example) -> str:
    if ex.type:
        return ex.type
    value = ex.result
    where = ex.block.where
    if value is None:
        raise AssertionError(f"{where}: a `result: null` block needs `type:`")
    if isinstance(value, bool):
        return "bool?"
    if isinstance(value, int):
        return "int?"
    if isinstance(value, float):
        return "decimal?"
    if isinstance(value, date):
        return "date?"
    if isinstance(value, str):
        if _MONEY.match(value):
            return "money?"
        if _DURATION.match(value):
            return "duration?"
        return f"{enum_of(value)}?" if enum_of(value) else "text?"
    raise AssertionError(f"{where}: cannot infer a type from result {value!r}: add `type:`")


def write_policy(ex: Example, folder: Path, rule_type: str) -> Path:
    doc = copy.deepcopy(BASE)
    rules = doc.setdefault("rules", None) or {}
    rules[RULE] = {
        "label": "Valeur de l'exemple",
        "type": rule_type,
        "references": [{"article": ex.block.where}],
        "from": date(2000, 1, 1),
        "formula": ex.expression,
    }
    doc["rules"] = rules
    path = folder / "policy.yaml"
    if any(lang == FRENCH for lang, _word, _span in language_marks(ex.expression)):
        # A French example goes in a French file: the policy translated, the expression as written.
        rules[RULE]["formula"] = "__EXPRESSION__"
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=10_000)
        text = translate_text(text, "policy.yaml", FRENCH).replace("__EXPRESSION__", json.dumps(ex.expression))
    else:
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def same(expected: object, got: object, rule_type: str) -> bool:
    """`got` is the JSON form of the value (decision.to_dict()): ISO dates, decimals as text."""
    if expected is None or got is None:
        return expected is got
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    if isinstance(expected, date):
        return got == expected.isoformat()
    kind = rule_type.rstrip("?")
    if isinstance(expected, int | float) or kind in ("int", "decimal", "money"):
        text = str(expected)
        if isinstance(expected, str) and _MONEY.match(text):
            text = re.sub(r"\s*(€|EUR)$", "", text)
        try:
            want = Decimal(text)
        except ArithmeticError:
            return False
        if kind == "int" and not isinstance(got, int):
            return False
        return Decimal(str(got)) == want
    if isinstance(expected, list):
        return isinstance(got, list) and sorted(map(str, expected)) == sorted(map(str, got))
    return str(expected) == got


def run_example(ex: Example, folder: Path) -> None:
    """Evaluate or check one example; raise AssertionError naming its line when it is wrong."""
    where = ex.block.where
    rule_type = inferred_type(ex)
    path = write_policy(ex, folder, rule_type)
    shown = f"\n  expression: {ex.expression}\n  type: {rule_type}"
    diagnostics, _ = engine.check_policy(path)
    errors = [d for d in diagnostics if d.severity.value == "error"]
    codes = sorted({d.code.value for d in errors})
    if ex.error is not None and ex.error not in RUNTIME_CODES:
        if ex.error not in codes:
            found = "; ".join(f"{d.code}: {d.message}" for d in errors) or "no error at all"
            raise AssertionError(f"{where}: expected `policy check` to report {ex.error}, got {found}{shown}")
        return
    if errors:
        found = "\n".join(f"  {d.code}: {d.message}" for d in errors)
        raise AssertionError(f"{where}: the example does not pass `policy check`:\n{found}{shown}")
    policy = engine.load_policy(path)
    try:
        decision = policy.evaluate(ex.facts, at=ex.at, decisions=[RULE])
    except engine.PolicyError as exc:
        raised = sorted({d.code.value for d in exc.diagnostics})
        if ex.error is not None and ex.error in raised:
            return
        found = "\n".join(f"  {d.code}: {d.message}" for d in exc.diagnostics)
        raise AssertionError(
            f"{where}: evaluation failed:\n{found}{shown}\n  facts: {ex.facts}\n  at: {ex.at}"
        ) from None
    result = decision.to_dict()
    failed = result["errors"].get(RULE)  # type: ignore[attr-defined]
    if failed is not None:
        if ex.error is not None and ex.error == failed["code"]:
            return
        raise AssertionError(
            f"{where}: evaluation failed:\n  {failed['code']}: {failed['message']}{shown}"
            f"\n  facts: {ex.facts}\n  at: {ex.at}"
        )
    got = result["decisions"][RULE]  # type: ignore[index]
    if ex.error is not None:
        raise AssertionError(f"{where}: expected evaluation to fail with {ex.error}, got {got!r}{shown}")
    if not same(ex.result, got, rule_type):
        raise AssertionError(f"{where}: expected {ex.result!r}, got {got!r}{shown}\n  facts: {ex.facts}\n  at: {ex.at}")


# -- the tests ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("block", BLOCKS, ids=[b.where.removeprefix("docs/") for b in BLOCKS])
def test_language_example(block: Block, tmp_path: Path) -> None:
    run_example(parse_block(block), tmp_path)


def test_language_reference_has_examples() -> None:
    examples = [parse_block(b) for b in BLOCKS]
    assert len(examples) >= 100, f"only {len(examples)} policy-example blocks in docs/language.md"
    assert any(e.error for e in examples) and any(e.has_result for e in examples)


def test_examples_policy_has_a_fact_of_every_type() -> None:
    facts = {name: str(f["type"]) for name, f in BASE["facts"].items()}  # type: ignore[index, union-attr]
    enums = set(BASE.get("enums") or {})  # type: ignore[arg-type]
    kinds = {t.rstrip("?") for t in facts.values()}
    assert {"date", "int", "decimal", "money", "bool", "text"} <= kinds, facts
    assert kinds & enums, "the examples policy needs a fact whose type is an enum"
    assert any(t.endswith("?") for t in facts.values()), "the examples policy needs an optional fact"
    parameters = BASE["parameters"].values()  # type: ignore[index, union-attr]
    assert any(len(p["values"]) >= 2 for p in parameters), "a parameter needs two dated values"


def test_every_builtin_and_operator_has_an_example() -> None:
    text = " ".join(parse_block(b).expression for b in BLOCKS)
    missing = [name for name in TABLE if not re.search(rf"\b{name}\(", text)]
    missing += [f'"{mode}"' for mode in ROUNDING_MODES if f'"{mode}"' not in text]
    for token in (
        "if",
        "then",
        "else",
        "and",
        "or",
        "not",
        "in",
        "not in",
        "is null",
        "is not null",
        "??",
        "as of",
        "today",
        "+",
        "-",
        "*",
        "/",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "€",
        "EUR",
    ):
        if not re.search(rf"(?<!\w){re.escape(token)}(?!\w)", text):
            missing.append(token)
    assert not missing, f"docs/language.md has no example of: {', '.join(missing)}"


def test_a_wrong_expected_result_fails(tmp_path: Path) -> None:
    """The harness itself: a broken expectation must fail, naming the block's line."""
    ex = next(e for e in map(parse_block, BLOCKS) if isinstance(e.result, date))
    broken = Example(ex.block, ex.expression, ex.facts, ex.at, ex.type, date(1999, 1, 1), True, None)
    with pytest.raises(AssertionError, match=re.escape(ex.block.where)):
        run_example(broken, tmp_path)
    wrong_code = Example(ex.block, ex.expression, ex.facts, ex.at, "date?", None, False, "type_error")
    with pytest.raises(AssertionError, match=re.escape(ex.block.where)):
        run_example(wrong_code, tmp_path)


# -- commands shown in the README and the guides ----------------------------------------------------
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
OWN_DOCUMENTS = [p for p in DOCUMENTS if p.name != "diagnostics.md"]  # diagnostics.md has its own owner
CREATED_IN_GUIDES = {"policy/tests/adre-montant-2027.yaml"}  # the policy officer's guide creates it
SHELL = ("sh", "shell", "bash", "console")


def commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in OWN_DOCUMENTS:
        if not path.exists():
            continue
        name = path.relative_to(ROOT).as_posix()
        for info in SHELL:
            for block in fenced(path.read_text(encoding="utf-8"), info):
                for offset, line in enumerate(block.lines, 1):
                    if info == "console" and not line.startswith("$ "):
                        continue  # printed output (`policy : 1 erreur(s)…`), not a command
                    text = line.strip().removeprefix("$ ")
                    if text.startswith(("policy ", "python3 -m engine ", "make ")) or text in (
                        "policy",
                        "make",
                    ):
                        words = shlex.split(text, comments=True)
                        found.append((f"{name}:{block.line + offset}", words))
    return found


COMMANDS = commands()


def test_the_docs_show_commands() -> None:
    assert any(words[0] == "make" for _, words in COMMANDS)
    assert any(words[0] == "policy" for _, words in COMMANDS)


@pytest.mark.parametrize(("where", "words"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_documented_command_exists(where: str, words: list[str]) -> None:
    """Every `policy …` line parses with the real CLI; files it names under policy/ exist."""
    if words[0] == "make":
        targets = re.findall(r"^([a-z0-9][a-z0-9-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
        assert all(w in targets for w in words[1:]), f"{where}: unknown make target in {words}"
        return
    from engine.cli import _parser

    argv = words[3:] if words[:3] == ["python3", "-m", "engine"] else words[1:]
    try:
        _parser().parse_args(argv)
    except SystemExit as exc:
        if exc.code != 0:  # `--help` exits 0
            raise AssertionError(f"{where}: `{' '.join(words)}` is not a valid command") from None
    for word in argv:
        if word.startswith("policy/") and word.endswith((".yaml", ".yml")) and word not in CREATED_IN_GUIDES:
            assert (ROOT / word).exists(), f"{where}: `{word}` does not exist"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {_slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def test_links_between_documents_resolve() -> None:
    broken = []
    for path in OWN_DOCUMENTS:
        text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            file, _, anchor = target.partition("#")
            dest = (path.parent / file).resolve() if file else path
            where = f"{path.relative_to(ROOT).as_posix()}: ({target})"
            if not dest.exists():
                broken.append(f"{where}: no such file")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{where}: no heading with this anchor")
    assert not broken, "\n".join(broken)
