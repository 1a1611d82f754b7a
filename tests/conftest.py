"""Shared fixtures: the repository's policy, loaded once, and a tiny policy for engine tests.

Tests read messages in English unless they ask for French (`french` fixture, or POLICY_LANG=fr in
a subprocess's environment): the engine's default is French, the English catalogue is the
reference wording, and tests/test_i18n.py checks that both catalogues are complete.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import Policy, load_policy
from engine.i18n import set_language

os.environ["POLICY_LANG"] = "en"  # subprocesses too
set_language(None)

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policy"
MINI_DIR = Path(__file__).resolve().parent / "fixtures" / "mini"


@pytest.fixture
def french() -> Iterator[None]:
    """Messages in French for the duration of one test."""
    set_language("fr")
    yield
    set_language(None)


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
