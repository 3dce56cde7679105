"""`python -m etl user …`: manage accounts from the server's shell (the first administrator is made this way).

    python -m etl user add NAME --role {admin,leader,city,county} [--region CODE] [--name 显示名称] [--password-stdin]
    python -m etl user list
    python -m etl user disable NAME / enable NAME / passwd NAME [--password-stdin]
    python -m etl user demo-accounts          (demo warehouse only: one account per role, password demo1234)

Exit status: 0 done, 1 warehouse busy, missing or damaged, 2 usage or validation error (Chinese message on
stderr). Passwords are read with getpass (asked twice) or from one line of stdin; they are never printed.
Changes are audited with the actor `cli:<os user>`.
"""

from __future__ import annotations

import getpass
import sys

from auth import accounts
from auth.viewer import ROLE_LABELS


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in this environment
        return "cli"


def _read_password(args) -> str | None:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = getpass.getpass("密码：")
    second = getpass.getpass("再次输入密码：")
    if first != second:
        print("两次输入的密码不一致，账号未改动。", file=sys.stderr)
        return None
    return first


def cmd_user_add(args, wh) -> int:
    index = wh.region_index()
    try:  # validate everything that does not need the password before asking for it
        accounts.check_name(args.name)
        accounts.check_region(index, args.role, args.region)
        if accounts.get_account(wh, args.name) is not None:
            raise accounts.AccountError(f"账号“{accounts.normalise_name(args.name)}”已存在。")
        password = _read_password(args)
        if password is None:
            return 2
        account = accounts.add_account(
            wh,
            args.name,
            role=args.role,
            region_code=args.region,
            password=password,
            display_name=args.display_name,
            actor=_actor(),
        )
    except accounts.AccountError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    parts = dict.fromkeys(
        [account.display_name, ROLE_LABELS[account.role], accounts.region_label(index, account.region_code)]
    )
    print(f"已创建账号 {account.name}（{'，'.join(parts)}）")
    demo = [a.name for a in accounts.list_accounts(wh) if a.is_demo and not a.disabled]
    if demo and account.role == "admin":
        print(
            f"提示：此仓库还有可用的演示账号（{'、'.join(demo)}，密码公开），正式使用前请用 "
            f"python -m etl user disable 停用。"
        )
    return 0


def cmd_user_list(args, wh) -> int:
    rows = accounts.account_rows(wh)
    if not rows:
        print("还没有任何账号。创建第一个管理员：python -m etl user add 账号名 --role admin")
        return 0
    header = ("账号", "名称", "角色", "地区", "状态", "演示账号", "最近登录")
    table = [[str(r[h]) for h in header] for r in rows]
    widths = [max(_width(h), *(_width(row[i]) for row in table)) for i, h in enumerate(header)]
    for row in [list(header), *table]:
        print("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip())
    return 0


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _change(func, verb: str):
    def command(args, wh) -> int:
        try:
            account = func(wh, args.name, actor=_actor())
        except accounts.AccountError as error:
            print(f"错误：{error}", file=sys.stderr)
            return 2
        print(f"已{verb}账号 {account.name}（{account.display_name}）")
        return 0

    return command


def cmd_user_passwd(args, wh) -> int:
    try:
        if accounts.get_account(wh, args.name) is None:
            raise accounts.AccountError(f"没有名为“{accounts.normalise_name(args.name)}”的账号。")
        password = _read_password(args)
        if password is None:
            return 2
        account = accounts.reset_password(wh, args.name, password, actor=_actor())
    except accounts.AccountError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    print(f"已重置账号 {account.name} 的密码，并解除锁定。")
    return 0


def cmd_user_demo(args, wh) -> int:
    created, refused = accounts.ensure_demo_accounts(wh, actor=_actor())
    if refused:
        print(refused)
        return 0
    if created:
        print(f"已创建演示账号：{'、'.join(created)}（密码均为 {accounts.DEMO_PASSWORD}，仅用于演示数据）")
    else:
        print("演示账号已存在，未改动。")
    return 0


def add_user_commands(subparsers, with_db) -> None:
    """Register `user {add,list,disable,enable,passwd,demo-accounts}` on the CLI's subparsers."""
    from etl.cli import _open  # the CLI's warehouse opener (Chinese message when the app holds the file)

    def run(handler, read_only: bool = False):
        def func(args) -> int:
            wh = _open(args, read_only=read_only)
            try:
                return handler(args, wh)
            finally:
                wh.close()

        return func

    user = subparsers.add_parser("user", help="管理账号（新增、列出、停用；第一个管理员账号由此创建）")
    sub = user.add_subparsers(dest="user_command", required=True, parser_class=type(user))

    p = with_db(sub.add_parser("add", help="新增账号"))
    p.add_argument("name", metavar="NAME", help="账号名（小写英文字母、数字、_ . -）")
    p.add_argument(
        "--role",
        required=True,
        choices=list(accounts.ROLES),
        help="admin 省级管理员 / leader 省级领导 / city 市级填报员 / county 县级填报员",
    )
    p.add_argument("--region", help="city：报送单位代码（如 220500）；county：县级地区代码（如 220502）")
    p.add_argument("--name", dest="display_name", help="显示名称（默认按角色和地区生成）")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为密码（不提示）")
    p.set_defaults(func=run(cmd_user_add))

    p = with_db(sub.add_parser("list", help="列出账号"))
    p.set_defaults(func=run(cmd_user_list, read_only=True))

    p = with_db(sub.add_parser("disable", help="停用账号（账号不删除，审计记录保留）"))
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=run(_change(accounts.disable_account, "停用")))

    p = with_db(sub.add_parser("enable", help="重新启用已停用的账号"))
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=run(_change(accounts.enable_account, "启用")))

    p = with_db(sub.add_parser("passwd", help="重置账号密码（同时解除锁定）"))
    p.add_argument("name", metavar="NAME")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为密码（不提示）")
    p.set_defaults(func=run(cmd_user_passwd))

    p = with_db(sub.add_parser("demo-accounts", help="在演示数据仓库上创建每个角色一个演示账号（已存在则不改动）"))
    p.set_defaults(func=run(cmd_user_demo))
