"""A throwaway PostgreSQL cluster for the lake tests: the system's initdb / pg_ctl in a temp dir, socket only.

PostgreSQL refuses to run as root, so as root the cluster runs as an unprivileged user (created when missing,
as on a fresh CI machine). `Cluster.start()` raises `Unavailable` with the reason when that is impossible (no
binaries; not root and cannot switch user), and the fixtures turn that into a skip with that reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

PG_USER = "pgtest"  # the unprivileged OS user the cluster runs as when the tests run as root
DEFAULT_PORT = 55430  # only names the socket file: the cluster listens on no TCP port


class Unavailable(RuntimeError):
    """A PostgreSQL cluster cannot be started here; the message says why."""


def bin_dir() -> Path:
    """The folder of initdb / pg_ctl: on PATH, else the newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    dirs = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0
    )
    for d in reversed(dirs):
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists():
            return Path(d)
    raise Unavailable("找不到 PostgreSQL 的 initdb / pg_ctl（未安装 PostgreSQL 服务端）")


def _as_user() -> list[str]:
    """The command prefix that runs a program as the cluster's owner (empty when we are not root)."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise Unavailable("以 root 运行却没有 runuser，无法以普通用户启动 PostgreSQL")
    if subprocess.run(["id", "-u", PG_USER], capture_output=True).returncode != 0:
        made = subprocess.run(
            ["useradd", "--create-home", "--shell", "/bin/sh", PG_USER], capture_output=True, text=True
        )
        # another test run may have created it meanwhile (exit 9: already exists)
        if made.returncode not in (0, 9):
            raise Unavailable(f"以 root 运行，无法创建普通用户 {PG_USER}：{made.stderr.strip()}")
    return [runuser, "-u", PG_USER, "--"]


class Cluster:
    """One PostgreSQL cluster in its own temp dir; `dsn(db)` is the libpq string DuckLake's ATTACH takes."""

    def __init__(self, port: int = DEFAULT_PORT):
        self.port = port
        self.root: Path | None = None

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None
        return self.root

    def start(self) -> "Cluster":
        bins = bin_dir()
        prefix = _as_user()
        # /tmp itself: pytest's tmp dirs are mode 0700 for root, which the cluster's user could not enter
        self.root = Path(tempfile.mkdtemp(prefix="mediation-pg-"))
        os.chmod(self.root, 0o755)
        if prefix:
            shutil.chown(self.root, PG_USER)
        data = self.root / "data"
        run = lambda *args: subprocess.run(
            prefix + [str(bins / args[0]), *args[1:]],  # noqa: E731
            capture_output=True,
            text=True,
            timeout=120,
        )
        done = run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale")
        if done.returncode != 0:
            self._remove()
            raise Unavailable(f"initdb 失败：{done.stderr.strip()[-400:]}")
        options = f"-p {self.port} -k {self.root} -c listen_addresses='' -c fsync=off -c max_connections=200"
        done = run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")
        if done.returncode != 0:
            log = (
                (self.root / "server.log").read_text(errors="replace")[-400:]
                if (self.root / "server.log").exists()
                else ""
            )
            self._remove()
            raise Unavailable(f"pg_ctl start 失败：{done.stderr.strip()[-300:]} {log}")
        self._run = run
        return self

    def dsn(self, dbname: str = "postgres") -> str:
        return f"dbname={dbname} host={self.root} port={self.port} user=postgres"

    def create_database(self, name: str) -> str:
        """A fresh database (one per test, so lakes do not share a catalog); returns its dsn."""
        done = self._run(
            "psql",
            "-h",
            str(self.root),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            f'create database "{name}"',
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        return self.dsn(name)

    def stop(self) -> None:
        if self.root is None:
            return
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        self._remove()

    def _remove(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
