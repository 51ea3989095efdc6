"""Output locations: checked before any work, so a command never fails after running.

Why: ``--out`` naming a file, a read-only folder, ``/proc`` or ``/dev/null`` used to end in a
traceback after the runs were done, and a scenario ``name`` with ``../`` wrote outside
``results/``. Every command that writes checks its locations first with these functions:

* :func:`check_output_dir` — a folder that exists or can be created, is writable, and is
  not a device, a pseudo file system (``/proc``, ``/sys``, ``/dev``) or a regular file;
* :func:`check_output_file` — a file (a results database, a log) that is not a folder or a
  device, in such a folder;
* :func:`safe_name` — a scenario or sweep name as one file-name component;
* :func:`inside` — a path that stays inside the chosen folder;
* :class:`Cleanup` — removes what a refused command created (a new empty database, the
  folders made for it), so a refusal leaves no file behind.

Nothing is created by a check; a writability probe in an existing folder creates and
removes one temporary file (the only reliable test: permissions, read-only mounts, root).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from pathlib import Path

#: Pseudo file systems: writing there is never what a user means (and may do harm).
PSEUDO_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))
MAX_NAME_CHARS = 100


class OutputPathError(ValueError):
    """An output location cannot be used; the message names the flag and the path."""


def _pseudo(path: Path) -> bool:
    resolved = _resolve(path)
    return any(resolved == r or r in resolved.parents for r in PSEUDO_ROOTS)


def _resolve(path: Path) -> Path:
    try:
        return path.expanduser().resolve()
    except (OSError, RuntimeError):  # symlink loop
        return Path(os.path.abspath(path))


def _existing_ancestor(path: Path) -> Path:
    """The nearest part of ``path`` that exists (the folder a new one would be made in)."""
    cur = _resolve(path)
    while not cur.exists() and cur != cur.parent:
        cur = cur.parent
    return cur


def _kind(path: Path) -> str:
    try:
        mode = path.stat().st_mode
    except OSError:
        return "missing"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISFIFO(mode):
        return "pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _writable_folder(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (probe: create and remove a temp file)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".symbiosim-probe-", dir=folder)
    except OSError:
        return False
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return True


def check_output_dir(path: str | Path, flag: str = "--out") -> Path:
    """``path`` as a usable output folder (existing or creatable); OutputPathError otherwise."""
    p = Path(path)
    if str(path).strip() == "":
        raise OutputPathError(f"{flag}: empty path; give a folder")
    if _pseudo(p):
        raise OutputPathError(
            f"{flag}: {p} is in a system folder ({', '.join(map(str, PSEUDO_ROOTS))}); "
            "give a folder for results"
        )
    kind = _kind(p)
    if kind not in ("folder", "missing"):
        raise OutputPathError(f"{flag}: {p} is a {kind}, not a folder; give a folder for results")
    anchor = p if kind == "folder" else _existing_ancestor(p)
    anchor_kind = _kind(anchor)
    if anchor_kind != "folder":
        raise OutputPathError(
            f"{flag}: cannot create {p}: {anchor} is a {anchor_kind}, not a folder"
        )
    if not _writable_folder(anchor):
        what = p if anchor == _resolve(p) else f"{anchor} (to create {p})"
        raise OutputPathError(f"{flag}: cannot write in {what}: permission denied or read-only")
    return p


def check_output_file(path: str | Path, flag: str = "--out") -> Path:
    """``path`` as a file to create or append to: not a folder or device, in a usable folder."""
    p = Path(path)
    if str(path).strip() == "":
        raise OutputPathError(f"{flag}: empty path; give a file name")
    if _pseudo(p):
        raise OutputPathError(
            f"{flag}: {p} is in a system folder ({', '.join(map(str, PSEUDO_ROOTS))}); "
            "give a file in a folder for results"
        )
    kind = _kind(p)
    if kind == "folder":
        raise OutputPathError(f"{flag}: {p} is a folder; give a file path")
    if kind not in ("file", "missing"):
        raise OutputPathError(f"{flag}: {p} is a {kind}, not a regular file; give a file path")
    if kind == "file" and not os.access(p, os.W_OK):
        raise OutputPathError(f"{flag}: {p} is not writable (permission denied)")
    check_output_dir(p.parent if str(p.parent) else Path("."), flag)
    return p


_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_name(name: str, fallback: str = "scenario") -> str:
    """``name`` as one file-name component: letters (any script), digits, ``_ . -``; no path
    separators, no leading dot, no ``..``; at most 100 characters."""
    text = _UNSAFE.sub("_", str(name)).strip("._-")
    text = re.sub(r"\.{2,}", ".", text)
    return text[:MAX_NAME_CHARS].rstrip("._-") or fallback


def inside(folder: str | Path, path: str | Path, flag: str = "--out") -> Path:
    """``path`` if it stays inside ``folder`` once resolved; OutputPathError otherwise."""
    base = _resolve(Path(folder))
    target = _resolve(Path(path))
    if target != base and base not in target.parents:
        raise OutputPathError(f"{flag}: {path} is outside the output folder {folder}")
    return Path(path)


class Cleanup:
    """Remembers what a command creates (a file, the folders made for it) and removes it if
    the command is refused or fails before finishing, leaving the disk as it was."""

    def __init__(self) -> None:
        self.files: list[Path] = []
        self.folders: list[Path] = []

    def make_parents(self, path: Path) -> None:
        """Create the missing folders above ``path``, remembering each one made."""
        missing = []
        cur = path.parent
        while not cur.exists() and cur != cur.parent:
            missing.append(cur)
            cur = cur.parent
        for folder in reversed(missing):
            folder.mkdir()
            self.folders.append(folder)

    def created(self, path: Path, *extra_suffixes: str) -> None:
        """``path`` (and e.g. its ``.wal`` sibling) was created by this command."""
        self.files.append(path)
        self.files += [path.with_name(path.name + s) for s in extra_suffixes]

    def undo(self) -> None:
        for f in self.files:
            with contextlib.suppress(OSError):
                f.unlink()
        for folder in reversed(self.folders):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if still empty
        self.files, self.folders = [], []

    def keep(self) -> None:
        self.files, self.folders = [], []
