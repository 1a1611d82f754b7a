"""policy-engine: rules as code, dated, typed and explained.

from engine import load_policy
policy = load_policy("policy")
decision = policy.evaluate({"date_entree_rsa": date(2022, 3, 1)}, at=date(2022, 3, 15))
print(decision.explain("orientation_organisme"))
"""

from engine import version
from engine.calendar import Duration
from engine.catalogue import (
    AssumptionInfo,
    Catalogue,
    EnumInfo,
    EnumValueInfo,
    FactInfo,
    ParameterInfo,
    ParameterValueInfo,
    ReferenceInfo,
    RowInfo,
    RuleInfo,
    TypeInfo,
    VersionInfo,
)
from engine.diagnostics import (
    CaseError,
    Code,
    DecisionError,
    Diagnostic,
    EvaluationError,
    PolicyCompileError,
    PolicyError,
)
from engine.evaluate import Decision
from engine.explain import Explanation, french_date, json_value
from engine.pinned import TraceMismatch
from engine.policy import Policy, check_policy, load_policy
from engine.receipt import Masking, Receipt, ReceiptError
from engine.replay import Replay
from engine.replay import replay as replay_receipt
from engine.source import Span
from engine.values import check_value

__all__ = [
    "AssumptionInfo",
    "CaseError",
    "Catalogue",
    "Code",
    "Decision",
    "DecisionError",
    "Diagnostic",
    "Duration",
    "EnumInfo",
    "EnumValueInfo",
    "EvaluationError",
    "Explanation",
    "FactInfo",
    "Masking",
    "ParameterInfo",
    "ParameterValueInfo",
    "Policy",
    "PolicyCompileError",
    "PolicyError",
    "Receipt",
    "ReceiptError",
    "ReferenceInfo",
    "Replay",
    "RowInfo",
    "RuleInfo",
    "Span",
    "TraceMismatch",
    "TypeInfo",
    "VersionInfo",
    "check_policy",
    "check_value",
    "french_date",
    "json_value",
    "load_policy",
    "replay_receipt",
]
__version__ = version.__version__
