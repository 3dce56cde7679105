"""Backtest of the early-warning rules on the demo warehouse: signals per month by rule and level.

    .venv/bin/python bench/signals_backtest.py               # builds a fresh demo warehouse (about 2 minutes)
    .venv/bin/python bench/signals_backtest.py --db PATH     # reads a copy of an existing demo warehouse

Writes bench/results/signals_backtest.json and bench/results/signals_backtest.md (the table of docs/signals.md).
"new" counts each signal once, in the month its condition first held, at its level then; "in force" counts the
signals whose condition held in the month (a major dispute unresolved for three months counts in each of them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse import signals as engine  # noqa: E402
from warehouse.db import Warehouse  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LEVEL_SHORT = {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}


def backtest(wh: Warehouse) -> dict:
    new = wh.query("""
        select s.first_period as period, s.rule, p.level, count(*) as n
        from signals as s
        join signal_periods as p on p.signal_id = s.signal_id and p.period = s.first_period
        group by all
    """).rows()
    in_force = wh.query("select period, level, count(*) from signal_periods group by all").rows()
    periods = sorted(
        {p for p, *_ in new}
        | {p for p, *_ in in_force}
        | set(wh.query("select distinct period from current_versions")["period"].to_list())
    )
    months = []
    for period in periods:
        by_rule = {rule: {lv: 0 for lv in engine.LEVELS} for rule in engine.RULES}
        for p, rule, level, n in new:
            if p == period:
                by_rule[rule][level] += n
        force = {lv: 0 for lv in engine.LEVELS}
        for p, level, n in in_force:
            if p == period:
                force[level] += n
        months.append(
            {
                "period": period,
                "new": by_rule,
                "new_total": sum(sum(v.values()) for v in by_rule.values()),
                "in_force": force,
                "in_force_total": sum(force.values()),
            }
        )
    totals = [m["new_total"] for m in months]
    forces = [m["in_force_total"] for m in months]
    open_now = engine.open_level_counts(wh)
    return {
        "generated_at": dt.datetime.now().replace(microsecond=0).isoformat(),
        "warehouse": str(wh.path),
        "thresholds": engine.signal_settings(),
        "months": months,
        "summary": {
            "months": len(months),
            "new_per_month": {"mean": round(statistics.mean(totals), 1), "min": min(totals), "max": max(totals)},
            "in_force_per_month": {"mean": round(statistics.mean(forces), 1), "min": min(forces), "max": max(forces)},
            "new_by_rule": {rule: sum(sum(m["new"][rule].values()) for m in months) for rule in engine.RULES},
            "open_at_end": open_now,
        },
    }


def markdown(result: dict) -> str:
    rules = list(engine.RULES)
    head = (
        "| 月份 | " + " | ".join(f"{r} {engine.RULES[r]}" for r in rules) + " | 新出现合计 | 当月成立（红/橙/黄/蓝） |"
    )
    lines = [head, "|" + "---|" * (len(rules) + 3)]

    def cell(levels: dict) -> str:
        parts = [f"{LEVEL_SHORT[lv]}{n}" for lv, n in levels.items() if n]
        return " ".join(parts) if parts else "·"

    for m in result["months"]:
        force = "/".join(str(m["in_force"][lv]) for lv in engine.LEVELS)
        lines.append(
            f"| {m['period']} | "
            + " | ".join(cell(m["new"][r]) for r in rules)
            + f" | **{m['new_total']}** | {m['in_force_total']}（{force}） |"
        )
    s = result["summary"]
    by_rule = "，".join(f"{r} {n}" for r, n in s["new_by_rule"].items())
    lines += [
        "",
        f"{s['months']} 个月：每月新出现 {s['new_per_month']['mean']} 条（{s['new_per_month']['min']}–"
        f"{s['new_per_month']['max']}），每月条件成立 {s['in_force_per_month']['mean']} 条"
        f"（{s['in_force_per_month']['min']}–{s['in_force_per_month']['max']}）；按规则合计：{by_rule}。",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="预警规则回测：演示数据仓库每月预警信号数（按规则、级别）")
    parser.add_argument("--db", help="现有的演示数据仓库（读取其副本）；不给则新建一个演示仓库")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "backtest.duckdb"
        if args.db:
            shutil.copy(args.db, copy)
            wh = Warehouse(copy)
            engine.refresh_all(wh)  # the rules and thresholds in force now, over every month
        else:
            from etl.demo import build_demo

            print(build_demo(copy, progress=True), file=sys.stderr)
            wh = Warehouse(copy)
        result = backtest(wh)
        result["warehouse"] = args.db or "fresh demo (python -m etl demo)"
        wh.close()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "signals_backtest.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    table = markdown(result)
    (RESULTS / "signals_backtest.md").write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
