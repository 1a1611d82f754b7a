"""Shared fixtures: the repository's policy, loaded once, and a tiny policy for engine tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Policy, load_policy

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policy"
MINI_DIR = Path(__file__).resolve().parent / "fixtures" / "mini"


@pytest.fixture(scope="session")
def rsa() -> Policy:
    return load_policy(POLICY_DIR)


@pytest.fixture(scope="session")
def mini() -> Policy:
    return load_policy(MINI_DIR)


def write_policy(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
