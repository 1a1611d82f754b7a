"""Issue 12 §1: anything on disk that is not a readable regular file within the limits gets a
located `file_error`; nothing is skipped silently, nothing is read without bound."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import MINI_DIR
from test_cli import run

from engine import Code, PolicyCompileError, load_policy
from engine.cases import case_files
from engine.files import MAX_FILE_BYTES, FileProblem, read_bytes

MINI = (MINI_DIR / "policy.yaml").read_text(encoding="utf-8")
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


def _policy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "pol"
    (folder / "rules").mkdir(parents=True)
    (folder / "policy.yaml").write_text(MINI, encoding="utf-8")
    return folder


def _file_errors(path: Path) -> list[str]:
    with pytest.raises(PolicyCompileError) as info:
        load_policy(path)
    codes = {d.code for d in info.value.diagnostics}
    assert codes == {Code.FILE}, info.value
    return [f"{d.span.file}: {d.message}" for d in info.value.diagnostics]


def test_a_symlink_loop_is_a_located_file_error(tmp_path: Path) -> None:
    folder = _policy_dir(tmp_path)
    (folder / "loop.yaml").symlink_to("loop.yaml")
    [error] = _file_errors(folder)
    assert "loop.yaml" in error and "loops" in error
    result = run("check", str(folder))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error[file_error]" in result.stderr and "loop.yaml" in result.stderr


def test_a_policy_path_that_loops_is_a_file_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    [error] = _file_errors(tmp_path / "a")
    assert "loops" in error


def test_a_link_to_dev_zero_is_refused_without_reading_it(tmp_path: Path) -> None:
    folder = _policy_dir(tmp_path)
    (folder / "zero.yaml").symlink_to("/dev/zero")
    [error] = _file_errors(folder)
    assert "zero.yaml" in error and "a device, not a regular file" in error


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    folder = _policy_dir(tmp_path)
    os.mkfifo(folder / "rules" / "pipe.yaml")
    [error] = _file_errors(folder)
    assert "pipe.yaml" in error and "named pipe" in error


def test_a_folder_named_like_a_yaml_file_is_refused(tmp_path: Path) -> None:
    folder = _policy_dir(tmp_path)
    (folder / "odd.yaml").mkdir()
    [error] = _file_errors(folder)
    assert "odd.yaml" in error and "a folder, not a regular file" in error


def test_a_broken_link_is_refused(tmp_path: Path) -> None:
    folder = _policy_dir(tmp_path)
    (folder / "rules" / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    [error] = _file_errors(folder)
    assert "gone.yaml" in error and "no such file" in error


@pytest.mark.skipif(ROOT_USER, reason="root reads any folder")
def test_an_unreadable_rules_folder_is_an_error_not_zero_rules(tmp_path: Path) -> None:
    folder = _policy_dir(tmp_path)
    (folder / "policy.yaml").unlink()
    rules = folder / "rules"
    (rules / "r.yaml").write_text(MINI, encoding="utf-8")
    rules.chmod(0)
    try:
        [error] = _file_errors(folder)
        assert "rules" in error and "cannot read folder: permission denied" in error
        result = run("check", str(folder))
        assert result.returncode == 1 and "ok" not in result.stdout
    finally:
        rules.chmod(stat.S_IRWXU)


def test_a_folder_that_cannot_be_listed_is_an_error_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same as above where permissions cannot be taken away (CI as root): listing is refused."""
    folder = _policy_dir(tmp_path)
    (folder / "policy.yaml").unlink()
    rules = folder / "rules"
    (rules / "r.yaml").write_text(MINI, encoding="utf-8")
    real = os.scandir

    def refuse(path: object) -> object:
        if Path(str(path)) == rules:
            raise PermissionError(13, "Permission denied")
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", refuse)
    [error] = _file_errors(folder)
    assert "rules" in error and "cannot read folder: permission denied" in error
    from engine.cli import main

    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr()
    assert "ok" not in out.out and "error[file_error]" in out.err


@pytest.mark.skipif(ROOT_USER, reason="root reads any file")
def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    folder = _policy_dir(tmp_path)
    secret = folder / "rules" / "secret.yaml"
    secret.write_text(MINI, encoding="utf-8")
    secret.chmod(0)
    try:
        [error] = _file_errors(folder)
        assert "secret.yaml" in error and "permission denied" in error
    finally:
        secret.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_a_folder_link_loop_is_reported_not_walked_forever(tmp_path: Path) -> None:
    folder = _policy_dir(tmp_path)
    (folder / "rules" / "again").symlink_to(folder / "rules")
    [error] = _file_errors(folder)
    assert "again" in error and "loops back" in error


def test_size_limit_at_the_edge_and_just_past_it(tmp_path: Path) -> None:
    edge = tmp_path / "edge.yaml"
    edge.write_bytes(b"#" * MAX_FILE_BYTES)
    assert len(read_bytes(edge, "edge.yaml")) == MAX_FILE_BYTES
    past = tmp_path / "past.yaml"
    past.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(FileProblem) as info:
        read_bytes(past, "past.yaml")
    assert "file too large" in info.value.diagnostic.message


def test_case_files_in_an_unreadable_folder_fail_the_run(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "loop.yaml").symlink_to("loop.yaml")
    (cases / "zero.yaml").symlink_to("/dev/zero")
    listing = case_files([cases])
    assert [p.name for p in listing.files] == ["loop.yaml", "zero.yaml"]
    result = run("test", "--policy", str(MINI_DIR), str(cases))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("error[file_error]") == 2, result.stderr
    assert "0 passed, 2 failed" in result.stdout


def test_eval_of_a_case_that_is_a_device_is_a_file_error() -> None:
    result = run("eval", "/dev/zero", "--policy", str(MINI_DIR))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error[file_error]" in result.stderr and "a device" in result.stderr


def test_indicator_folders_that_cannot_be_listed_are_errors(tmp_path: Path) -> None:
    folder = _policy_dir(tmp_path)
    indicators = folder / "indicators"
    indicators.mkdir()
    (indicators / "loop.yaml").symlink_to("loop.yaml")
    (indicators / "again").symlink_to(indicators)
    messages = _file_errors(folder)
    assert len(messages) == 2, messages
    assert any("loop.yaml" in m and "loops" in m for m in messages), messages
    assert any("again" in m and "loops back" in m for m in messages), messages
