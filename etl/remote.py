"""The CLI while the app runs: the command runs in the app process, which owns the warehouse file.

`python -m etl …` first looks for the service file beside the warehouse (warehouse/quack.py). With no service
running it opens the file as before. With one running:
- the commands that open the warehouse (ingest, history, restore, backup, signals, user …) are sent to the app's
  `/cli` route (authenticated with the service token from the 0600 file) and run there with the same code and the
  same `--user` scope rules; the command's output, stderr and exit status come back as if it had run here. Files are read here and sent, so a
  clerk's file need not be readable by the service account; passwords are asked here too.
- restore-backup (replaces the whole file) and demo (rebuilds it) are refused with a clear message: stop the app
  first. Every other command (template) runs here as always.

Inside the app, `run_here` parses the same argv, gives the command the app's open warehouse (never closed by it)
and the sent files, and captures what it prints per thread (the app serves pages meanwhile).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

ROUTE = "/cli"
# Commands that open the warehouse file: run by the app while it runs. Others run here as always (template never
# opens the warehouse; a command added later, e.g. `lake …`, stays local until it is listed here).
THROUGH_SERVICE = frozenset({"ingest", "history", "restore", "backup", "signals", "user"})
REFUSED_WHILE_RUNNING = {
    "restore-backup": "恢复备份会替换整个仓库文件，应用运行时不能进行。请先停止应用（systemctl stop 或结束 make run），"
    "再运行 restore-backup，然后重新启动应用。仓库文件未改动。",
    "demo": "应用正在使用这个数据仓库，演示数据仓库没有重建。请先停止应用再运行 demo。",
}
TIMEOUT_SECONDS = 3600  # a large batch may take minutes; the service answers when it is done

_local = threading.local()


# ------------------------------------------------------------------ inside the app process
def in_service():
    """The running command's context in the app process (warehouse, files, stdin), or None in a plain CLI."""
    return getattr(_local, "context", None)


class _KeptOpen:
    """The app's warehouse as a command sees it: everything but close(), which would close it for the app."""

    def __init__(self, wh):
        self._wh = wh

    def __getattr__(self, name):
        return getattr(self._wh, name)

    def close(self) -> None:
        pass


class _ThreadStream(io.TextIOBase):
    """sys.stdout/sys.stderr/sys.stdin in the app: a command's own buffer on its thread, the real stream elsewhere."""

    def __init__(self, real, slot: str):
        self._real, self._slot = real, slot

    def _target(self):
        context = in_service()
        return context[self._slot] if context is not None else self._real

    def write(self, text):
        return self._target().write(text)

    def flush(self):
        return self._target().flush()

    def readline(self, *args):
        return self._target().readline(*args)

    def isatty(self):
        return False if in_service() is not None else self._real.isatty()

    def __getattr__(self, name):
        return getattr(self._real, name)


_install_lock = threading.Lock()


def _install_streams() -> None:
    with _install_lock:
        if not isinstance(sys.stdout, _ThreadStream):
            sys.stdout = _ThreadStream(sys.stdout, "stdout")
        if not isinstance(sys.stderr, _ThreadStream):
            sys.stderr = _ThreadStream(sys.stderr, "stderr")
        if not isinstance(sys.stdin, _ThreadStream):
            sys.stdin = _ThreadStream(sys.stdin, "stdin")


def run_here(wh, payload: dict) -> dict:
    """Run one CLI command in this (the app's) process on its open warehouse: {"code", "stdout", "stderr"}."""
    from etl import cli
    from etl.issues import Issue

    argv = [str(a) for a in payload.get("argv", [])]
    files = {}
    for entry in payload.get("files", []):
        problem = entry.get("issue") or {}
        files[entry["name"]] = (
            base64.b64decode(entry["content"])
            if entry.get("content") is not None
            else Issue(
                "error", str(problem.get("code", "file_unreadable")), str(problem.get("message", "无法读取文件。"))
            )
        )
    _install_streams()
    out, err = io.StringIO(), io.StringIO()
    _local.context = {
        "wh": _KeptOpen(wh),
        "files": files,
        "stdout": out,
        "stderr": err,
        "stdin": io.StringIO(payload.get("stdin") or ""),
    }
    try:
        args = cli.build_parser().parse_args(argv)
        if args.command not in THROUGH_SERVICE:
            print(f"命令 {args.command} 不能通过服务运行。", file=err)
            code = 2
        else:
            code = int(args.func(args) or 0)
    except SystemExit as done:  # usage errors (2) and the commands' own exits (1)
        code = done.code if isinstance(done.code, int) else 1
    except Exception:  # noqa: BLE001 - the CLI gets a Chinese line and exit 1, the log gets the traceback
        logging.getLogger("service.cli").exception("命令在应用中执行时发生意外错误：%r", argv[:1])
        print("命令在应用中执行时发生意外错误，已记入应用日志；已提交的改动不会丢失，未完成的改动已回滚。", file=err)
        code = 1
    finally:
        _local.context = None
    return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def served_file(name: str):
    """A file the CLI sent: its bytes, or the issue saying why the CLI could not read it (never read here)."""
    from etl.issues import Issue

    context = in_service()
    found = context["files"].get(name) if context is not None else None
    return found if found is not None else Issue("error", "file_not_found", "文件没有随命令发送到应用。")


# ------------------------------------------------------------------ the command line
def db_path(args) -> Path:
    from warehouse import config

    return (Path(args.db) if getattr(args, "db", None) else config.warehouse_path()).resolve()


def dispatch(args, argv: list[str]) -> int | None:
    """Run the command through the running service and return its exit status; None when no service runs."""
    from warehouse.quack import read_service

    if args.command not in THROUGH_SERVICE and args.command not in REFUSED_WHILE_RUNNING:
        return None
    info = read_service(db_path(args))
    if info is None:
        return None
    if args.command in REFUSED_WHILE_RUNNING:
        print(
            f"数据仓库 {db_path(args)} 正由运行中的应用（进程号 {info.pid}）使用。{REFUSED_WHILE_RUNNING[args.command]}",
            file=sys.stderr,
        )
        return 1
    if not info.http:
        print(
            f"数据仓库正由运行中的应用（进程号 {info.pid}）使用，但服务文件中没有应用的地址，命令无法经由应用执行。"
            "请在应用的页面上操作，或停止应用后再运行。",
            file=sys.stderr,
        )
        return 1
    payload = {"argv": _remote_argv(args, argv), "files": [], "stdin": None}
    if args.command == "ingest":
        payload["files"] = _files(args.files)
    if args.command == "user" and args.user_command in ("add", "passwd"):
        from etl.accounts_cli import _read_password

        password = _read_password(args)  # asked here, on the user's terminal
        if password is None:
            return 2
        payload["stdin"] = password + "\n"
        if "--password-stdin" not in payload["argv"]:
            payload["argv"].append("--password-stdin")
    return _send(info, payload, args)


def _remote_argv(args, argv: list[str]) -> list[str]:
    """argv without --db/--wait (the service has its own warehouse, never busy for it); backup's folder made
    absolute (the service resolves it from its own working folder)."""
    out, skip = [], False
    for item in argv:
        if skip:
            skip = False
            continue
        if item in ("--db", "--wait"):
            skip = True
            continue
        if item.startswith(("--db=", "--wait=")):
            continue
        out.append(item)
    if args.command == "backup":
        out = [str(Path(args.dir).resolve()) if item == args.dir else item for item in out]
    return out


def _files(names: list[str]) -> list[dict]:
    """Each file's bytes (base64), or why it cannot be read here (the same issue as without the service)."""
    from etl.cli import _read_file

    entries = []
    for name in names:
        content = _read_file(name)
        if isinstance(content, bytes):
            entries.append({"name": name, "content": base64.b64encode(content).decode("ascii")})
        else:
            entries.append({"name": name, "content": None, "issue": {"code": content.code, "message": content.message}})
    return entries


def _send(info, payload: dict, args) -> int:
    request = urllib.request.Request(
        info.http.rstrip("/") + ROUTE,
        data=json.dumps(payload).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {info.token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            result = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as failed:
        reason = getattr(failed, "reason", failed)
        message = (
            f"数据仓库正由运行中的应用（进程号 {info.pid}）使用，但应用没有响应（{info.http}：{reason}），"
            "命令没有执行，数据仓库未改动。请确认应用正常运行（/healthz）后重试。"
        )
        if args.command == "ingest":
            from etl.cli import _skip_all
            from warehouse.db import WarehouseBusy

            return _skip_all(args, WarehouseBusy(message))
        print(message, file=sys.stderr)
        return 1
    sys.stdout.write(result.get("stdout", ""))
    sys.stderr.write(result.get("stderr", ""))
    sys.stdout.flush()
    return int(result.get("code", 1))
