"""Output locations are checked before any work: files, devices, pseudo file systems and
read-only folders are refused in one line; names become safe file names; a refused command
leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sim.paths import (
    Cleanup,
    OutputPathError,
    check_output_dir,
    check_output_file,
    inside,
    safe_name,
)

NOBODY = 65534


def unprivileged(fn: Callable[[], object]) -> str:
    """Call ``fn`` in a forked child that has dropped root (when the tests run as root, a
    permission bit stops nothing); return ``"ok"`` or the error's message."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        msg = "ok"
        try:
            os.close(r)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            try:
                fn()
            except Exception as err:  # noqa: BLE001 - reported to the parent
                msg = f"{type(err).__name__}: {err}"
            os.write(w, msg.encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        out = fh.read().decode()
    os.waitpid(pid, 0)
    return out


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder every user may enter (pytest's tmp_path is private to its user)."""
    d = Path(tempfile.mkdtemp(prefix="symbiosim-paths-"))
    d.chmod(0o755)
    yield d
    for p in d.rglob("*"):
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(d)


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("/dev/null", "is in a system folder"),
        ("/proc", "is in a system folder"),
        ("/proc/self/results", "is in a system folder"),
        ("/sys/kernel", "is in a system folder"),
        ("", "empty path"),
    ],
)
def test_system_locations_are_refused(target, needle):
    with pytest.raises(OutputPathError) as err:
        check_output_dir(target, "--out")
    assert str(err.value).startswith("--out: ") and needle in str(err.value)
    with pytest.raises(OutputPathError, match=needle):
        check_output_file(target, "--log")


def test_a_file_or_a_path_through_a_file_is_not_a_folder(tmp_path):
    f = tmp_path / "report.txt"
    f.write_text("x")
    with pytest.raises(OutputPathError, match=r"report.txt is a file, not a folder"):
        check_output_dir(f)
    with pytest.raises(OutputPathError, match=r"cannot create .*: .*report.txt is a file"):
        check_output_dir(f / "sub" / "dir")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputPathError, match="is a pipe, not a folder"):
        check_output_dir(fifo)
    with pytest.raises(OutputPathError, match="is a pipe, not a regular file"):
        check_output_file(fifo, "--log")


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(OutputPathError, match=r"^--log: .* is a folder; give a file path"):
        check_output_file(tmp_path, "--log")


def test_new_and_existing_folders_pass_and_nothing_is_created(tmp_path):
    before = sorted(tmp_path.rglob("*"))
    assert check_output_dir(tmp_path) == tmp_path
    assert check_output_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert check_output_file(tmp_path / "new" / "s.duckdb") == tmp_path / "new" / "s.duckdb"
    assert sorted(tmp_path.rglob("*")) == before  # checks create nothing (the probe is gone)


def test_read_only_folders_are_refused(shared_dir):
    ro = shared_dir / "ro"
    ro.mkdir()
    (ro / "old.duckdb").write_text("x")
    ro.chmod(0o555)
    rw = shared_dir / "rw"
    rw.mkdir(mode=0o777)
    rw.chmod(0o777)
    msg = unprivileged(lambda: check_output_dir(ro))
    assert msg.startswith("OutputPathError: --out: cannot write in") and "read-only" in msg, msg
    msg = unprivileged(lambda: check_output_dir(ro / "new" / "deeper"))
    assert "cannot write in" in msg and "to create" in msg, msg
    msg = unprivileged(lambda: check_output_file(ro / "old.duckdb"))
    assert "not writable" in msg or "cannot write" in msg, msg
    assert unprivileged(lambda: check_output_dir(rw / "new")) == "ok"
    assert unprivileged(lambda: check_output_file(rw / "s.duckdb")) == "ok"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/cron.d/x", "etc_cron.d_x"),
        ("a/b\\c", "a_b_c"),
        ("..", "scenario"),
        (".hidden", "hidden"),
        ("拼团 subsidy", "拼团_subsidy"),
        ("ok-name_1.2", "ok-name_1.2"),
        ("a..b", "a.b"),
        ("x" * 300, "x" * 100),
        ("\x00\n", "scenario"),
    ],
)
def test_safe_name(name, safe):
    assert safe_name(name) == safe
    assert "/" not in safe_name(name) and ".." not in safe_name(name)


def test_inside(tmp_path):
    assert inside(tmp_path, tmp_path / "a" / "b.csv") == tmp_path / "a" / "b.csv"
    with pytest.raises(OutputPathError, match="outside the output folder"):
        inside(tmp_path, tmp_path / ".." / "escape.csv")
    link = tmp_path / "link"
    link.symlink_to("/etc")
    with pytest.raises(OutputPathError, match="outside"):
        inside(tmp_path, link / "passwd")


def test_cleanup_removes_only_what_it_created(tmp_path):
    keep = tmp_path / "keep"
    keep.mkdir()
    target = keep / "new" / "deep" / "s.duckdb"
    c = Cleanup()
    c.make_parents(target)
    target.write_text("x")
    c.created(target, ".wal")
    c.undo()
    assert not (keep / "new").exists() and keep.is_dir()
    assert stat.S_ISDIR(keep.stat().st_mode)
