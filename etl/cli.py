"""Command line: python -m etl {ingest,template,demo,history,restore,backup,restore-backup,signals,brief,user}.

Exit status (interfaces.md §1): 0 done, 1 something was not done (a file rejected or skipped, the warehouse
busy, missing or damaged), 2 usage error. Read commands (history, backup, user list) open the warehouse
read-only; `--wait SECONDS` waits for a busy warehouse instead of giving up at once.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import re
import sys
from pathlib import Path

from warehouse import config


class ChineseParser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 2, in Chinese
        self.print_usage(sys.stderr)
        print(f"参数错误：{message}", file=sys.stderr)
        sys.exit(2)


def period_arg(text: str) -> str:
    """--period/--from/--to: exactly YYYY-MM (interfaces.md); anything else is a usage error (exit 2)."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"统计期“{text}”格式不对，请写成 YYYY-MM，如 2025-03")
    return text


BUSY_HINT = (
    "请在应用的“数据上报”页面上传，或等占用的进程结束后再运行（可加 --wait 秒数 等待它结束）；"
    "restore-backup 等整库操作须先停止应用。"
)


def _connect(args, *, read_only: bool = False):
    """The warehouse named by --db (or the app's), waiting --wait seconds for a busy file; inside the app (a command
    sent by the CLI while the app runs, etl/remote.py) the app's own open warehouse."""
    from etl.remote import in_service
    from warehouse.db import Warehouse

    if in_service() is not None:
        return in_service()["wh"]
    return Warehouse(
        Path(args.db) if args.db else config.warehouse_path(),
        read_only=read_only,
        wait=getattr(args, "wait", 0.0) or 0.0,
        on_wait=lambda note: print(note, file=sys.stderr, flush=True),
    )


def _unavailable(problem) -> str:
    """A WarehouseUnavailable's Chinese message, with what to do on the command line when it is busy."""
    from warehouse.db import WarehouseBusy

    return f"{problem}{BUSY_HINT}" if isinstance(problem, WarehouseBusy) else str(problem)


def wait_arg(text: str) -> float:
    """--wait: a number of seconds, 0 or more (a usage error otherwise)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86400:
        raise argparse.ArgumentTypeError(f"等待秒数“{text}”不对，请写 0 到 86400 之间的数")
    return seconds


def _open(args, *, read_only: bool = False):
    """_connect, or a Chinese message on stderr and exit 1 (busy, missing or damaged is not a usage error)."""
    from warehouse.db import WarehouseUnavailable

    try:
        return _connect(args, read_only=read_only)
    except WarehouseUnavailable as problem:
        print(_unavailable(problem), file=sys.stderr)
        sys.exit(1)


def _skip_all(args, problem) -> int:
    """Every file of a batch that could not start: one `skipped` line each (--json), the reason on stderr."""
    reason = _unavailable(problem)
    for name in args.files:
        if args.json:  # "file" as on a loaded or rejected line: the file's name
            print(
                json.dumps(
                    {
                        "file": Path(name).name,
                        "status": "skipped",
                        "form": None,
                        "period": None,
                        "version_id": None,
                        "rows": {},
                        "errors": [
                            {
                                "sheet": None,
                                "cell": None,
                                "row": None,
                                "column": None,
                                "code": problem.code,
                                "message": reason,
                            }
                        ],
                        "warnings": [],
                    },
                    ensure_ascii=False,
                ),
                flush=True,
            )
        else:
            print(f"✘ 未处理 {Path(name).name}：数据仓库无法打开，本文件未入库")
    print(reason, file=sys.stderr)
    return 1


def cmd_ingest(args) -> int:
    from etl.scope import resolve_user_scope
    from warehouse.db import WarehouseUnavailable
    from warehouse.signals import batched

    try:
        wh = _connect(args)
    except WarehouseUnavailable as problem:
        return _skip_all(args, problem)
    scope = resolve_user_scope(wh, args.user)
    if scope.error:
        print(scope.error, file=sys.stderr)
        return 2
    with batched(wh):  # one early-warning refresh for the whole batch, after the last file
        failed = _ingest_files(wh, args, scope)
    wh.close()
    return 1 if failed else 0


def _ingest_files(wh, args, scope) -> bool:
    """One line per file, whatever happens to it: a file that cannot be read or crashes the check is that
    file's "skipped" line, and the batch goes on (interfaces.md)."""
    from etl.ingest import Batch, IngestResult
    from etl.issues import Issue
    from warehouse.db import WarehouseBusy

    _log_in_one_line()
    failed = False
    batch = Batch(wh)  # checked one by one, written in one transaction (etl/ingest.py Batch)
    internal = Issue(
        "error",
        "internal_error",
        "处理这个文件时发生了意外错误，文件没有入库，数据仓库未改动。请把文件发给系统管理员。",
    )

    def report(results) -> None:
        nonlocal failed
        for result in results:
            failed |= result.status != "loaded"
            if args.json:
                print(json_line(result.to_json()), flush=True)
            else:
                _print_result(result)

    for name in args.files:
        try:
            content = _read_file(name)
            if isinstance(content, Issue):
                report(batch.skip(IngestResult(file=name, status="skipped", errors=[content])))
                continue
            report(
                batch.add(
                    content,
                    Path(name).name,
                    user=scope.user_name,
                    period=args.period,
                    allowed_regions=scope.allowed_regions,
                    scope_name=scope.scope_name,
                    uploader_city=scope.city,
                    review_state=scope.review_state,
                )
            )
        except WarehouseBusy:
            raise
        except Exception:  # the batch turns its own failures into results; this is the last safety net
            logging.getLogger("etl.ingest").exception("处理文件时发生意外错误：%r", name)
            report(batch.skip(IngestResult(file=name, status="skipped", errors=[internal])))
    report(batch.flush())
    return failed


def _read_file(name: str):
    """The file's bytes, or the issue saying why it cannot be read (missing, a folder, a name too long…)."""
    from etl.issues import Issue, clip, printable
    from etl.remote import in_service, served_file

    if in_service() is not None:
        return served_file(name)  # read by the CLI and sent to the app, never read from the app's own disk
    shown = clip(printable(name), 200)
    try:
        path = Path(name)
        if not path.is_file():
            return Issue("error", "file_not_found", f"找不到文件 {shown}，请检查路径。")
        return path.read_bytes()
    except ValueError:  # a NUL in the name
        return Issue("error", "file_unreadable", f"文件名 {shown} 含有不可用的字符，请改名后重试。")
    except OSError as problem:
        why = "文件名或路径过长" if problem.errno == errno.ENAMETOOLONG else "没有读取权限或无法读取"
        return Issue("error", "file_unreadable", f"无法读取文件 {shown}：{why}。请检查路径和文件后重试。")


def json_line(data: dict) -> str:
    """One JSON object on one line: json escapes control characters; U+2028/2029 and U+0085 end a line for
    many readers (Python's splitlines among them), so they are escaped too."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")


class _OneLine(logging.Formatter):
    """stderr gets one escaped line per failure (the command's output is for clerks); no traceback."""

    def format(self, record):
        from etl.issues import printable

        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            text += f"（{type(error).__name__}: {error}）"
        return "错误：" + printable(text)[:2000]


def _log_in_one_line() -> None:
    logger = logging.getLogger("etl")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_OneLine())
        logger.addHandler(handler)
        logger.propagate = False


def _print_result(result) -> None:
    """The human output: every file name and message printed with control characters escaped, so no cell or
    file name can start a line of its own (e.g. forge "✔ 已入库")."""
    from etl.issues import printable

    file = printable(result.file)
    if result.status == "loaded":
        rows = "，".join(f"{printable(k)} {v} 行" for k, v in result.rows.items())
        print(f"✔ 已入库 {file}：表{result.form} {result.period}，版本 {result.version_id}（{rows}）")
    elif result.status == "skipped":
        print(f"✘ 未处理 {file}：{printable(result.errors[0].message) if result.errors else ''}")
    else:
        print(f"✘ 未入库 {file}：{len(result.errors)} 个错误，仓库未改动")
        for issue in result.errors:
            print(f"   错误 {printable(issue.message)}")
    for issue in result.warnings:
        print(f"   提示 {printable(issue.message)}")


def cmd_template(args) -> int:
    from etl.formdefs import load_form
    from etl.regions import reference_index
    from etl.template import template_file_name, write_workbook

    index = reference_index()
    unit, regions = None, []
    if args.region:
        region = index.get(args.region)
        if region is None:
            print(f"未知的地区代码 {args.region}", file=sys.stderr)
            return 2
        if region.code == region.unit_code:
            unit = region
            regions = [region] + [r for r in index.unit_regions(region.code) if r.code != region.code]
        else:
            unit, regions = index.get(region.unit_code), [region]
    form = load_form(args.form)
    out = Path(args.out or template_file_name(form, args.period, unit))
    out.write_bytes(write_workbook(form, period=args.period, unit=unit, regions=regions))
    print(f"已生成模板 {out}")
    return 0


def cmd_demo(args) -> int:
    from etl.demo import build_demo, last_complete_month
    from warehouse.db import WarehouseBusy

    db = Path(args.db) if args.db else config.warehouse_path()
    try:
        summary = build_demo(
            db,
            first=args.first,
            last=args.last or last_complete_month(),
            seed=args.seed,
            scale=args.scale,
            progress=not args.quiet,
        )
    except ValueError as problem:
        print(f"参数错误：{problem}", file=sys.stderr)
        return 2
    except WarehouseBusy as problem:  # the app (or another command) has the old warehouse open: keep it
        print(f"{problem}演示数据仓库没有重建。", file=sys.stderr)
        return 1
    print(f"演示数据仓库已生成：{db}（{summary}）")
    return 0


def cmd_history(args) -> int:
    from etl.scope import resolve_user_viewer
    from warehouse.history_scope import history_lines

    wh = _open(args, read_only=True)
    viewer, error = resolve_user_viewer(wh, args.user)  # the same rule as 历史版本 in the app
    if error:
        print(error, file=sys.stderr)
        return 2
    lines = history_lines(wh, viewer, region=args.region, form=args.form)
    print("\n".join(lines) if lines else "没有任何版本。")
    return 0


def cmd_restore(args) -> int:
    from etl.scope import resolve_user_scope
    from warehouse.load import restore_version

    wh = _open(args)
    scope = resolve_user_scope(wh, args.user)
    if scope.error:
        print(scope.error, file=sys.stderr)
        return 2
    if args.user:  # the same rule as 历史版本 in the app: admin, or the city owning every region of the version
        from auth.accounts import get_account
        from warehouse.review import can_restore, submission

        try:
            allowed, why = can_restore(
                get_account(wh, args.user).viewer(), submission(wh, args.version_id), wh.region_index()
            )
        except ValueError:
            allowed, why = True, ""  # an unknown version is reported by restore_version below
        if not allowed:
            print(why, file=sys.stderr)
            return 1
    try:
        regions = restore_version(wh, args.version_id, user=scope.user_name)
    except (KeyError, ValueError) as refused:
        print(refused.args[0], file=sys.stderr)
        return 1
    print(f"已恢复版本 {args.version_id}，涉及地区 {', '.join(regions)}")
    return 0


def cmd_backup(args) -> int:
    from warehouse.backup import backup

    wh = _open(args, read_only=True)  # EXPORT only reads
    try:
        out = backup(wh, Path(args.dir))
    except FileExistsError as refused:
        print(refused.args[0], file=sys.stderr)
        return 1
    finally:
        wh.close()
    print(f"已导出全部数据到 {out}")
    return 0


def cmd_restore_backup(args) -> int:
    from warehouse.backup import restore_backup
    from warehouse.db import WarehouseBusy

    db = Path(args.db) if args.db else config.warehouse_path()
    try:
        moved = restore_backup(Path(args.dir), db)
    except FileNotFoundError as refused:
        print(refused.args[0], file=sys.stderr)
        return 1
    except WarehouseBusy as busy:
        print(
            f"{busy}恢复备份会替换整个仓库文件：请先停止应用和其他正在运行的命令，再运行 restore-backup。"
            "仓库文件未改动。",
            file=sys.stderr,
        )
        return 1
    print(f"已从 {args.dir} 恢复数据仓库 {db}" + (f"（原文件已改名为 {moved}）" if moved else ""))
    return 0


def cmd_signals(args) -> int:
    from warehouse.signals import open_level_counts, refresh_all

    wh = _open(args)
    counts = refresh_all(wh)
    levels = open_level_counts(wh)
    print(
        f"已重新计算预警信号：新增 {counts['new']} 条，重新打开 {counts['reopened']} 条，条件解除 {counts['resolved']} 条；"
        f"当前未办结 红色 {levels['red']}、橙色 {levels['orange']}、黄色 {levels['yellow']}、蓝色 {levels['blue']} 条"
    )
    wh.close()
    return 0


def cmd_brief(args) -> int:
    """月度简报 as on 总览's download buttons: .xlsx (default) or .docx, within the named account's scope."""
    from dashboard import brief, brief_docx, common
    from dashboard import queries as q
    from etl.scope import resolve_user_viewer

    wh = _open(args, read_only=True)
    try:
        viewer, error = resolve_user_viewer(wh, args.user)  # the same scope as the account has in the app
        if error:
            print(error, file=sys.stderr)
            return 2
        periods = common.periods(wh)
        if not periods:
            print("数据仓库中还没有任何报表数据，无法生成月度简报。", file=sys.stderr)
            return 1
        period = args.period or periods[-1]
        choices = [code for code, _, _ in common.region_choices(wh, viewer)]
        region = args.region or (choices[0] if choices else None)  # the app's default: the first region offered
        try:
            area = q.selection(wh, viewer, region).name
            if args.format == "docx":
                word = brief_docx.gather(wh, viewer, region, period)
                images = brief_docx.render_charts(word)
                content, name = brief_docx.brief_docx(word, images), brief_docx.file_name(area, period)
            else:
                images = None
                content, name = brief.brief_xlsx(brief.build(wh, viewer, region, period)), brief.file_name(area, period)
        except q.ScopeError as refused:
            print(f"{refused}。请用 --region 选择该账号可以查看的地区。", file=sys.stderr)
            return 2
    finally:
        wh.close()
    out = Path(args.out or name)
    out.write_bytes(content)
    extra = ""
    if images is not None:
        extra = f"，附图 {len(images.png)} 幅" if images.png else "，未附图表"
    print(f"已生成月度简报 {out}（{area} · {period}{extra}）")
    if images is not None and images.note:
        print(images.note, file=sys.stderr)
    if periods and period not in periods:
        print(f"提示：{period} 没有任何报表数据，简报中相应内容为空。", file=sys.stderr)
    return 0


def cmd_lake(args) -> int:
    """数据湖（DuckLake，warehouse/lake.py）：maintain 合并小文件、清理旧快照；migrate 把仓库文件迁入数据湖。"""
    from warehouse import lake

    if lake.Lake.from_config() is None:
        print(
            "未配置数据湖：请在 config/settings.toml 的 [warehouse] 中设置 catalog 与 data_path，"
            "或设置环境变量 MEDIATION_CATALOG 与 MEDIATION_DATA_PATH。",
            file=sys.stderr,
        )
        return 1
    wh = _open(args)
    try:
        if args.action == "maintain":
            done = lake.maintain(wh, keep_days=args.keep_days)
            print(
                f"数据湖维护完成：数据文件 {done['data_files_before']:,} → {done['data_files_after']:,} 个，"
                f"过期快照 {done['snapshots_expired']:,} 个，删除旧文件 {done['files_deleted']:,} 个，"
                f"保留快照 {done['snapshots_kept']:,} 个"
            )
            return 0
        if not args.source:
            print("migrate 需要 --from 仓库文件.duckdb", file=sys.stderr)
            return 2
        try:
            counts = lake.migrate(args.source, wh)
        except (ValueError, FileNotFoundError) as refused:
            print(str(refused), file=sys.stderr)
            return 1
        versions, raw = counts.get("versions", 0), sum(n for t, n in counts.items() if t.startswith("raw_"))
        print(
            f"已迁入数据湖：{len(counts)} 张表，版本 {versions:,} 个，原始数据 {raw:,} 行，"
            f"账号 {counts.get('accounts', 0):,} 个，审计记录 {counts.get('audit_log', 0):,} 条"
        )
        return 0
    finally:
        wh.close()


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(
        prog="python -m etl", description="吉林省劳动人事争议调解数据：入库、模板、演示数据、版本与备份"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ChineseParser)

    def with_db(p, wait: bool = True):
        p.add_argument("--db", help="数据仓库文件（默认取 MEDIATION_DB 或 config/settings.toml）")
        if wait:
            p.add_argument(
                "--wait",
                type=wait_arg,
                default=0.0,
                metavar="SECONDS",
                help="数据仓库被占用时最多等待的秒数（默认 0：不等待，立即报告）",
            )
        return p

    p = with_db(sub.add_parser("ingest", help="校验并入库一个或多个工作簿"))
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--period", type=period_arg, help="统计期 YYYY-MM（与工作簿不一致时拒收）")
    p.add_argument("--user", help="以该账号的填报范围入库（默认：省级管理员）")
    p.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("template", help="生成空白模板")
    p.add_argument("form", choices=["A", "B", "C"])
    p.add_argument("--out")
    p.add_argument("--region", help="填报单位或地区代码：预填其所辖地区")
    p.add_argument("--period", type=period_arg, help="统计期 YYYY-MM")
    p.set_defaults(func=cmd_template)

    p = with_db(sub.add_parser("demo", help="生成演示数据仓库（吉林省真实地区，经同一入库流程加载）"), wait=False)
    p.add_argument("--from", dest="first", default="2024-01", type=period_arg)
    p.add_argument("--to", dest="last", type=period_arg)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--scale", type=int, default=1, help="把全省复制 N 份（合成代码），用于性能测试")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_demo)

    p = with_db(sub.add_parser("history", help="列出版本"))
    p.add_argument("--region")
    p.add_argument("--form", choices=["A", "B", "C"])
    p.add_argument("--user", help="只列出该账号可以看到的版本和地区（与“历史版本”页面相同；默认：省级管理员）")
    p.set_defaults(func=cmd_history)

    p = with_db(sub.add_parser("restore", help="把某个历史版本恢复为当前版本"))
    p.add_argument("version_id")
    p.add_argument("--user")
    p.set_defaults(func=cmd_restore)

    p = with_db(sub.add_parser("backup", help="整库导出为 Parquet"))
    p.add_argument("dir")
    p.set_defaults(func=cmd_backup)

    p = with_db(sub.add_parser("restore-backup", help="从 Parquet 备份恢复整库（须先停止应用）"), wait=False)
    p.add_argument("dir")
    p.set_defaults(func=cmd_restore_backup)

    p = with_db(sub.add_parser("signals", help="风险预警：按当前数据逐月重新计算全部预警信号"))
    p.add_argument("action", choices=["refresh"], help="refresh：重算全部规则（建议每天定时运行，及时发现逾期未报）")
    p.set_defaults(func=cmd_signals)

    p = with_db(
        sub.add_parser("brief", help="生成月度简报：Excel（关键数字、文字说明）或 Word（另附总览图表、各单位表格）")
    )
    p.add_argument("--period", type=period_arg, help="统计期 YYYY-MM（默认：最近有数据的月份）")
    p.add_argument("--format", choices=["xlsx", "docx"], default="xlsx", help="xlsx（默认）或 docx（Word 文档）")
    p.add_argument("--region", help="单位或地区代码（默认：与总览页相同，全省或该账号的单位）")
    p.add_argument("--user", help="按该账号的查看范围生成（与页面相同；默认：省级管理员）")
    p.add_argument("--out", help="输出文件（默认：当前目录下按简报标题命名）")
    p.set_defaults(func=cmd_brief)

    p = with_db(
        sub.add_parser("lake", help="数据湖（多台服务器）：maintain 维护，migrate --from 文件 迁入"), wait=False
    )
    p.add_argument(
        "action",
        choices=["maintain", "migrate"],
        help="maintain：合并小文件、清理过期快照（调度任务每天运行）；migrate：把仓库文件连同全部版本迁入新的数据湖",
    )
    p.add_argument("--from", dest="source", metavar="FILE.duckdb", help="migrate：要迁入的数据仓库文件")
    p.add_argument("--keep-days", type=float, default=7.0, help="maintain：保留最近多少天的快照（默认 7）")
    p.set_defaults(func=cmd_lake)

    try:
        from etl.accounts_cli import add_user_commands

        add_user_commands(sub, with_db)
    except ImportError:
        pass
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse and run; while the app runs, the command goes through it (etl/remote.py)."""
    from etl.remote import dispatch

    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    through_service = dispatch(args, argv)
    return through_service if through_service is not None else args.func(args)
