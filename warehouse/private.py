"""Folders and files only the service account may read (0700 / 0600), whatever the process umask.

Backups hold the password hashes and the archive holds every uploaded workbook, so neither may be
world-readable. Modes are set with chmod after creating, because mkdir/open modes are cut by the umask.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(folder: Path, top: Path | None = None) -> Path:
    """Create folder (and parents) and make it 0700, and every folder between it and `top` (inclusive).

    `top` is the root of a private tree (the archive folder): folders made before this rule came in are
    tightened too. Parents above `top` (or above `folder` without one) are the operator's and stay as they are.
    """
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, DIR_MODE)
    if top is not None and top in folder.parents:
        for parent in folder.parents:
            os.chmod(parent, DIR_MODE)
            if parent == top:
                break
    return folder


def write_private(path: Path, content: bytes) -> None:
    """Write a new file readable by the owner only (fails if the file exists: originals are never overwritten)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # O_CREAT's mode is cut by the umask; make it exact
        with os.fdopen(fd, "wb", closefd=False) as out:
            out.write(content)
    finally:
        os.close(fd)


def make_private_tree(folder: Path) -> None:
    """Tighten an existing tree (a backup DuckDB has written): folders 0700, files 0600."""
    os.chmod(folder, DIR_MODE)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(Path(root) / name, DIR_MODE)
        for name in files:
            os.chmod(Path(root) / name, FILE_MODE)
