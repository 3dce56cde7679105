"""Another process holding a warehouse file open (the running app, as DuckDB sees it), for lock tests."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("held", flush=True)
sys.stdin.readline()  # hold until the test writes a line (or closes stdin)
con.close()
"""


class Holder:
    """A child process with the file open; `release()` closes it and waits for the process to end."""

    def __init__(self, path: Path, read_only: bool):
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(path), "ro" if read_only else "rw"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.released = False
        assert self.process.stdout.readline().strip() == "held"

    def release(self) -> None:
        if not self.released:  # once: a test may release early, from another thread, and the block ends later
            self.released = True
            self.process.stdin.write("\n")
            self.process.stdin.flush()
        self.process.wait(timeout=60)


@contextlib.contextmanager
def held(path: Path, *, read_only: bool = False):
    """The warehouse file held open by a child process until the block ends (or `release()`)."""
    holder = Holder(path, read_only)
    try:
        yield holder
    finally:
        holder.release()
