"""Reading policy and case files from disk, whatever is on disk.

Every path named or found is either read as a regular UTF-8 file within the size limit, or
reported as a located `file_error`: symlink loops, devices (`/dev/zero`), pipes, sockets,
unreadable folders and broken links are never skipped silently and never read without bound.
Sizes come from a bounded read, not from `stat`, which says 0 for devices and /proc files.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from engine.diagnostics import Code, Diagnostic
from engine.i18n import _

MAX_FILE_BYTES = 5 * 1024 * 1024  # one YAML file
MAX_FILES = 10_000  # files listed under one folder
MAX_FOLDER_DEPTH = 32  # nested folders under one folder
YAML_SUFFIXES = (".yaml", ".yml")


class FileProblem(Exception):
    """A file or folder that cannot be used; `diagnostic` says why, at the path."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def file_diagnostic(display: str, message: str, help: str | None = None) -> Diagnostic:
    from engine.source import Span

    return Diagnostic(Code.FILE, message, Span(display, 1, 1, 1, 1), help=help)


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return _("a symbolic link that loops (it points, through links, back to itself)")
    if exc.errno == errno.ENOENT:
        return _("no such file or folder (or a link to one that no longer exists)")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return _("permission denied")
    return exc.strerror or str(exc)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISFIFO(mode):
        return _("a named pipe")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    return _("not a regular file")


def read_bytes(path: Path, display: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, at most `limit` of them; raise `FileProblem` otherwise.

    Opened without blocking (a named pipe must not hang the reader), checked to be a regular
    file on the open descriptor (no race with a swapped path), and read with a bounded read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise FileProblem(
            file_diagnostic(display, _("cannot read file: {reason}").format(reason=_reason(exc)))
        ) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileProblem(
                file_diagnostic(
                    display,
                    _("cannot read file: {kind}, not a regular file").format(kind=_kind(mode)),
                    _("policy and case files must be ordinary YAML files"),
                )
            )
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FileProblem(
                file_diagnostic(
                    display,
                    _("file too large (more than {limit} bytes)").format(limit=limit),
                    _("split it into several files"),
                )
            )
        return b"".join(chunks)
    except OSError as exc:
        raise FileProblem(
            file_diagnostic(display, _("cannot read file: {reason}").format(reason=_reason(exc)))
        ) from None
    finally:
        os.close(fd)


@dataclass
class Listing:
    """YAML files found under some paths, in a stable order, and what could not be listed."""

    files: list[Path] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


def display(path: Path) -> str:
    """A path as shown in diagnostics: relative to the working folder when under it."""
    try:
        absolute = Path(os.path.abspath(path))
        return str(absolute.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def list_yaml(folder: Path, listing: Listing, *, recursive: bool = True) -> None:
    """Append the YAML files under `folder` to `listing`, sorted; report what cannot be listed.

    Folders reached twice through links (a loop) are reported, not walked forever; the number of
    files and the depth of folders are bounded.
    """
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Path, int]] = [(folder, 0)]
    found: list[Path] = []
    while stack:
        current, depth = stack.pop()
        try:
            info = os.stat(current)
            key = (info.st_dev, info.st_ino)
            if key in seen:
                listing.problems.append(
                    file_diagnostic(display(current), _("a folder link that loops back to a folder already read"))
                )
                continue
            seen.add(key)
            with os.scandir(current) as entries:
                children = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            listing.problems.append(
                file_diagnostic(display(current), _("cannot read folder: {reason}").format(reason=_reason(exc)))
            )
            continue
        subfolders: list[Path] = []
        for entry in children:
            path = Path(entry.path)
            if entry.name.endswith(YAML_SUFFIXES):
                found.append(path)  # whatever it is: reading it says if it is not a readable file
                continue
            if not recursive or entry.name.startswith("."):
                continue
            try:
                is_folder = entry.is_dir()  # follows links; a looping link is not a folder
            except OSError:
                is_folder = False
            if is_folder:
                subfolders.append(path)
        if subfolders and depth + 1 > MAX_FOLDER_DEPTH:
            listing.problems.append(
                file_diagnostic(
                    display(current),
                    _("folders nested deeper than {MAX_FOLDER_DEPTH} levels").format(MAX_FOLDER_DEPTH=MAX_FOLDER_DEPTH),
                )
            )
            continue
        stack.extend((sub, depth + 1) for sub in reversed(subfolders))
        if len(found) > MAX_FILES:
            listing.problems.append(
                file_diagnostic(
                    display(folder), _("too many YAML files (more than {MAX_FILES})").format(MAX_FILES=MAX_FILES)
                )
            )
            found = found[:MAX_FILES]
            break
    listing.files.extend(sorted(found))


def list_parts(folder: Path, suffix: str) -> list[Path]:
    """The parts `*suffix` directly inside `folder` (a folder of Parquet parts), sorted by name.

    Names starting with `.` or `_` are not parts (`_SUCCESS`, checksums written beside them). Each
    part must be a regular file once links are followed: a device, a pipe, a folder, a broken or
    looping link raises `FileProblem` at that part rather than being skipped or read without end.
    Parts are not size-limited (they are streamed); at most MAX_FILES of them. `FileProblem` also
    when the folder cannot be listed or holds no part.
    """
    try:
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if e.name.endswith(suffix) and not e.name.startswith((".", "_")))
    except OSError as exc:
        raise FileProblem(
            file_diagnostic(display(folder), _("cannot read folder: {reason}").format(reason=_reason(exc)))
        ) from None
    if not names:
        raise FileProblem(
            file_diagnostic(display(folder), _("the folder holds no {suffix} part").format(suffix=suffix))
        )
    if len(names) > MAX_FILES:
        raise FileProblem(
            file_diagnostic(display(folder), _("too many parts (more than {MAX_FILES})").format(MAX_FILES=MAX_FILES))
        )
    parts = [folder / name for name in names]
    for part in parts:
        try:
            mode = os.stat(part).st_mode  # follows links: what is read in the end
        except OSError as exc:
            raise FileProblem(
                file_diagnostic(display(part), _("cannot read file: {reason}").format(reason=_reason(exc)))
            ) from None
        if not stat.S_ISREG(mode):
            raise FileProblem(
                file_diagnostic(
                    display(part), _("cannot read file: {kind}, not a regular file").format(kind=_kind(mode))
                )
            )
    return parts
