"""The identity of a policy: a content hash of every file it was compiled from, and its git commit.

`file_digests` is taken when the policy is loaded, from the texts actually read (SHA-256 of the
UTF-8 text, newlines as `\\n`), keyed by path relative to the policy folder. `Fingerprint`
combines them per folder and as a whole:

    line(path, digest) = path + "\\0" + digest + "\\n"
    hash(files)        = "sha256:" + SHA-256 of the lines of those files, sorted by path

`git_commit` reads the repository's HEAD from the `.git` folder itself (no `git` program needed);
it returns None outside a repository or when anything about it cannot be read.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from engine.source import SourceCache


def file_digests(root: str | Path, sources: SourceCache) -> dict[str, str]:
    """Path relative to `root` (POSIX form) → "sha256:…" of every file read into `sources`."""
    out = {relative_name(root, display): f"sha256:{digest}" for display, digest in sources.digests.items()}
    return dict(sorted(out.items()))


def relative_name(root: str | Path, display: str) -> str:
    """A policy file's path relative to the policy folder (POSIX form), as receipts name it."""
    base = Path(root).resolve()
    path = Path(display).resolve()
    try:
        return path.relative_to(base).as_posix() if base.is_dir() else path.name
    except ValueError:
        return Path(display).as_posix()


def combine(files: Mapping[str, str]) -> str:
    """One hash for a set of files: their sorted `path NUL digest` lines."""
    lines = "".join(f"{path}\0{digest}\n" for path, digest in sorted(files.items()))
    return "sha256:" + hashlib.sha256(lines.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    files: Mapping[str, str]  # relative path → "sha256:…"
    commit: str | None  # the git commit checked out where the policy lives, when there is one

    @cached_property
    def hash(self) -> str:
        return combine(self.files)

    @cached_property
    def folders(self) -> dict[str, str]:
        """Folder ("." for the policy folder itself, "rules", "parameters", …) → hash of its files."""
        groups: dict[str, dict[str, str]] = {}
        for path, digest in self.files.items():
            folder = path.rsplit("/", 1)[0] if "/" in path else "."
            groups.setdefault(folder, {})[path] = digest
        return {folder: combine(files) for folder, files in sorted(groups.items())}

    def to_json(self) -> dict[str, object]:
        return {"hash": self.hash, "files": dict(self.files), "folders": dict(self.folders), "commit": self.commit}


def git_commit(start: str | Path) -> str | None:
    """The commit HEAD points at in the git repository holding `start`, or None. Never raises."""
    try:
        here = Path(start).resolve()
        for folder in (here, *here.parents):
            dot = folder / ".git"
            if dot.exists():
                return _head(_git_dir(dot))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return None


def _git_dir(dot: Path) -> Path:
    if dot.is_dir():
        return dot
    text = dot.read_text(encoding="utf-8").strip()  # a worktree: "gitdir: /path/to/.git/worktrees/x"
    if not text.startswith("gitdir:"):
        raise ValueError("not a gitdir file")
    target = Path(text[len("gitdir:") :].strip())
    return target if target.is_absolute() else (dot.parent / target).resolve()


def _head(git_dir: Path) -> str | None:
    head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    if not head.startswith("ref:"):
        return head if _is_sha(head) else None
    ref = head[len("ref:") :].strip()
    common = git_dir
    if (git_dir / "commondir").exists():  # worktrees keep branches in the main repository
        common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
    for base in (git_dir, common):
        loose = base / ref
        if loose.is_file():
            sha = loose.read_text(encoding="utf-8").strip()
            return sha if _is_sha(sha) else None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            parts = line.split(" ", 1)
            if len(parts) == 2 and parts[1] == ref and _is_sha(parts[0]):
                return parts[0]
    return None  # a branch with no commit yet


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def fingerprint(root: str | Path, files: Mapping[str, str]) -> Fingerprint:
    return Fingerprint(files, git_commit(root) if os.path.exists(root) else None)
