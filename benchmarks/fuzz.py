"""A longer fuzzing campaign than `make test` runs (issue 12).

    python3 benchmarks/fuzz.py                 # 2,000 examples per fuzz test
    python3 benchmarks/fuzz.py --examples 20000
    FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest -q tests/test_fuzz.py   # the same, by hand

Each test of tests/test_fuzz.py draws rule files (a valid file with a few edits), token soups
and random texts as expressions, random fact values through the Python API, and case files;
the engine must answer with a result or a located PolicyError. Hypothesis keeps failing
examples in .hypothesis/ and replays them first next time. Exit status: pytest's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=2000, help="examples per fuzz test (default 2000)")
    parser.add_argument("-k", default=None, help="only the fuzz tests whose name matches (pytest -k)")
    args = parser.parse_args()
    env = {**os.environ, "FUZZ_EXAMPLES": str(args.examples)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "test_fuzz.py")]
    if args.k:
        command += ["-k", args.k]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
