"""The RSA pack with the parameter values the hand-written baseline assumes.

`benchmarks/baseline.py` hard-codes the parameters' defaults (500 € for the ADRE, 26 years, one
and two months…). To compare it with the engine on the pack's rules whatever a policy officer has
since changed in `policy/parameters/` (a new amount from a date on), the comparison runs on the
pack's facts and rules with a pinned copy of its parameters, `tests/fixtures/rsa-pinned-parameters/`.

    from benchmarks.pinned import pinned_pack
    policy = load_policy(pinned_pack(Path("policy"), Path(tempfile.mkdtemp())))
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PINNED_PARAMETERS = ROOT / "tests" / "fixtures" / "rsa-pinned-parameters"

__all__ = ["PINNED_PARAMETERS", "pinned_pack"]


def pinned_pack(policy: Path, folder: Path) -> Path:
    """`policy`'s facts and rules with the pinned parameters, assembled in `folder` (returned)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(policy / "facts.yaml", folder / "facts.yaml")
    shutil.copytree(policy / "rules", folder / "rules")
    shutil.copytree(PINNED_PARAMETERS, folder / "parameters")
    return folder
