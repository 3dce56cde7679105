"""Benchmark: page queries and warm page reruns on a 40× province over ten years (2017-01 … 2026-10).

    .venv/bin/python bench/pages.py [--db bench/out/pages_scale40.duckdb] [--rebuild] [--repeat 20] [--reruns 5]

1. The warehouse: `python -m etl demo --scale 40 --from 2017-01 --to 2026-10` (about 7 minutes on 2 cores,
   reused when the file exists): 3,200 regions, 155,440 versions loaded month by month, the campaign's
   simulation shifted back in whole years before 2024-01, and the early-warning signals of every month.
2. Query p95: every public function of dashboard/*.py whose first parameters are (wh, viewer) is called
   `--repeat` times with arguments made from its parameter names (region, period, start/end, industry,
   unit_code, measure, a dataclass of those…) for a province leader and a city clerk — the Streamlit cache is
   not involved. Target: p95 < 300 ms each.
3. Warm page rerun: each page of app.py SECTIONS 监测分析 that exists is run in AppTest once (cold), then
   `--reruns` times; target: median warm rerun < 1.5 s.
Results: bench/results/pages.json and the "## Pages" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib
import inspect
import json
import os
import pkgutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import RESULTS, ROOT, machine

QUERY_TARGET_MS = 300.0
RERUN_TARGET_S = 1.5
FIRST, LAST, SCALE = "2017-01", "2026-10", 40
DEFAULT_DB = ROOT / "bench" / "out" / "pages_scale40.duckdb"
PERF_DOC = ROOT / "docs" / "performance.md"
SKIP_MODULES = {
    "layout",
    "state",
    "charts",
    "export",
    "format",
    "runtime",
    "session",
    "geo",
    "forms_doc",
    "brief",
    "upload",
}
# never call anything that writes (acknowledge, restore, load…): only read functions are timed
WRITE_WORDS = (
    "restore",
    "load",
    "ack",
    "act",
    "save",
    "delete",
    "remove",
    "add",
    "set_",
    "update",
    "close",
    "approve",
    "return",
    "submit",
    "record",
    "write",
    "refresh",
    "make_",
)


# ------------------------------------------------------------------ building the warehouse
def build_with_cli(db: Path) -> bool:
    command = [
        sys.executable,
        "-m",
        "etl",
        "demo",
        "--scale",
        str(SCALE),
        "--from",
        FIRST,
        "--to",
        LAST,
        "--db",
        str(db),
    ]
    print("$ " + " ".join(command[1:]), flush=True)
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode == 0:
        print(proc.stdout.strip() or proc.stderr.strip().splitlines()[-1])
        return True
    print("  the demo command did not build it: " + (proc.stderr.strip().splitlines() or ["?"])[-1], flush=True)
    return False


def ensure_warehouse(db: Path, rebuild: bool) -> dict:
    """The benchmark warehouse, and how it was built (kept next to it in <db>.json for later reuse)."""
    note = db.with_suffix(".json")
    if db.exists() and not rebuild:
        print(f"reusing {db}")
        built = json.loads(note.read_text(encoding="utf-8")) if note.exists() else {"built": "?"}
        return {**built, "reused": True}
    db.parent.mkdir(parents=True, exist_ok=True)
    if not build_with_cli(db):
        raise SystemExit("python -m etl demo could not build the benchmark warehouse")
    built = {"built": "python -m etl demo --scale 40 --from 2017-01 --to 2026-10"}
    note.write_text(json.dumps(built, ensure_ascii=False), encoding="utf-8")
    return built


# ------------------------------------------------------------------ query functions
def query_functions() -> list:
    """Every public (wh, viewer, …) function of the dashboard package, except page chrome."""
    import dashboard

    found = []
    for info in pkgutil.iter_modules(dashboard.__path__):
        if info.name in SKIP_MODULES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"dashboard.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__ or name.startswith(WRITE_WORDS):
                continue
            params = list(inspect.signature(fn).parameters)
            if params[:2] == ["wh", "viewer"]:
                found.append(fn)
    return found


def arguments(fn, values: dict) -> tuple[list, dict] | str:
    """Positional arguments after (wh, viewer) from the parameter names; a reason string when one is unknown."""
    args, kwargs = [], {}
    by_keyword = False  # after a parameter left at its default, the rest go by keyword
    for name, param in list(inspect.signature(fn).parameters.items())[2:]:
        if name in values:
            value = values[name]
        elif param.default is not inspect.Parameter.empty:
            by_keyword = True
            continue
        else:
            annotation = param.annotation
            if isinstance(annotation, str):
                annotation = getattr(inspect.getmodule(fn), annotation.split("|")[0].strip(), None)
            if dataclasses.is_dataclass(annotation):
                fields = {f.name: values[f.name] for f in dataclasses.fields(annotation) if f.name in values}
                try:
                    value = annotation(**fields)
                except TypeError as exc:
                    return f"参数 {name}: {exc}"
            else:
                return f"未知参数 {name}"
        if param.kind == inspect.Parameter.KEYWORD_ONLY or by_keyword:
            kwargs[name] = value
        else:
            args.append(value)
    return args, kwargs


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def time_queries(db: Path, repeat: int) -> list[dict]:
    from auth.viewer import Viewer
    from warehouse import build
    from warehouse.db import Warehouse

    wh = Warehouse(db)
    started = time.perf_counter()
    with wh.write() as cur:  # a whole rebuild, as an open after a definition or settings change does
        for model in build.models():
            if model.kind == "table":
                cur.execute(model.sql).fetchall()
    refresh_s = time.perf_counter() - started
    print(f"  serving tables rebuilt in {refresh_s:.1f} s", flush=True)
    periods = [r[0] for r in wh.query("select distinct period from current_versions order by 1").rows()]
    end = periods[-1]
    values = {
        "region": "220000",
        "period": end,
        "end": end,
        "until": end,
        "start": end[:4] + "-01",
        "industry": "C",
        "unit_code": "220500",
        "measure": "union_100_committee",
        "kind": "disputes",
        "limit": 10,
        "form": None,
        "incident_id": "none",
        "warning_id": "none",
        "task_id": "none",
        "region_code": "220502",
    }
    viewers = {
        "省级领导": Viewer("bench_leader", "leader"),
        "市级填报员（通化）": Viewer("bench_city", "city", "220500"),
    }
    results = [
        {
            "function": "build (serving tables, whole)",
            "seconds": round(refresh_s, 1),
            "note": "serving tables rebuilt whole (on open after a definition or settings change)",
        }
    ]
    for fn in query_functions():
        name = f"{fn.__module__.removeprefix('dashboard.')}.{fn.__name__}"
        made = arguments(fn, values)
        if isinstance(made, str):
            results.append({"function": name, "skipped": made})
            print(f"  {name:<40} skipped: {made}", flush=True)
            continue
        args, kwargs = made
        for who, viewer in viewers.items():
            try:
                fn(wh, viewer, *args, **kwargs)  # warm-up (DuckDB caches, lru caches)
            except Exception as exc:  # noqa: BLE001 - a scope refusal or a missing row is a result, not a crash
                results.append({"function": name, "viewer": who, "error": f"{type(exc).__name__}: {exc}"})
                print(f"  {name:<40} {who}: {type(exc).__name__}: {exc}", flush=True)
                continue
            samples = []
            for _ in range(repeat):
                t = time.perf_counter()
                fn(wh, viewer, *args, **kwargs)
                samples.append(1000 * (time.perf_counter() - t))
            row = {
                "function": name,
                "viewer": who,
                "p95_ms": round(p95(samples), 1),
                "median_ms": round(statistics.median(samples), 1),
                "runs": repeat,
                "meets_target": p95(samples) < QUERY_TARGET_MS,
            }
            results.append(row)
            print(
                f"  {name:<40} {who:<12} p95 {row['p95_ms']:>7.1f} ms  median {row['median_ms']:>7.1f} ms"
                f"{'' if row['meets_target'] else '  ← over target'}",
                flush=True,
            )
    wh.close()
    return results


# ------------------------------------------------------------------ page reruns
def data_pages() -> list[tuple[str, str]]:
    from dashboard.navigation import SECTIONS

    return [(f, t) for f, t, _i, _u in SECTIONS["监测分析"] if (ROOT / f).exists()]


def time_pages(db: Path, reruns: int) -> list[dict]:
    from streamlit.testing.v1 import AppTest

    os.environ["MEDIATION_DB"] = str(db)
    results = []
    for file, title in data_pages():
        at = AppTest.from_file(str(ROOT / file), default_timeout=600)
        t = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t
        if at.exception:
            results.append({"page": title, "file": file, "error": at.exception[0].message})
            print(f"  {title}: exception {at.exception[0].message}", flush=True)
            continue
        warm = []
        for _ in range(reruns):
            t = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t)
        row = {
            "page": title,
            "file": file,
            "cold_s": round(cold, 2),
            "warm_median_s": round(statistics.median(warm), 3),
            "warm_max_s": round(max(warm), 3),
            "reruns": reruns,
            "meets_target": statistics.median(warm) < RERUN_TARGET_S,
        }
        results.append(row)
        print(
            f"  {title:<8} cold {cold:6.2f} s   warm median {row['warm_median_s']:.3f} s   max {row['warm_max_s']:.3f} s",
            flush=True,
        )
    return results


# ------------------------------------------------------------------ report
def warehouse_size(db: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        one = lambda sql: con.execute(sql).fetchall()[0][0]  # noqa: E731
        return {
            "periods": one("select count(distinct period) from current_versions"),
            "first_period": one("select min(period) from current_versions"),
            "last_period": one("select max(period) from current_versions"),
            "regions": one("select count(*) from ref_region"),
            "versions": one("select count(*) from versions"),
            "mediation_rows": one("select count(*) from raw_mediation"),
            "industry_rows": one("select count(*) from raw_mediation_industry"),
            "ledger_rows": one("select count(*) from raw_ledger"),
            "size_mb": round(db.stat().st_size / 1024 / 1024, 1),
        }
    finally:
        con.close()


def write_doc(result: dict) -> None:
    """Replace (or append) the '## Pages' section of docs/performance.md, leaving other sections alone."""
    size = result["warehouse"]
    lines = [
        "## Pages",
        "",
        f"Measured by `bench/pages.py` on {result['measured_at'][:10]} (commit {result['machine']['commit']}, "
        f"{result['machine']['nproc']} cores): a warehouse of {size['regions']:,} regions (the province × {SCALE}), "
        f"{size['periods']} months {size['first_period']} … {size['last_period']}, {size['versions']:,} versions, "
        f"{size['mediation_rows']:,} 调解情况 rows, {size['industry_rows']:,} 分行业 rows ({size['size_mb']} MB). "
        f"Built: {result['build'].get('built')}.",
        "",
        f"Machine load while measuring: {result['machine']['load_average_1m']} (1-minute load average on "
        f"{result['machine']['nproc']} cores; other work was running).",
        "",
    ]
    timed = [r for r in result["queries"] if "p95_ms" in r]
    over = sorted({r["function"] for r in timed if not r["meets_target"]})
    lines += [
        f"Summary: {len(timed)} timings of {len({r['function'] for r in timed})} read functions; worst p95 "
        f"{result['worst_query_p95_ms']} ms; over the {QUERY_TARGET_MS:.0f} ms target: "
        + (", ".join(f"`{f}`" for f in over) if over else "none")
        + ".",
        "",
        f"Query functions (each called {result['repeat']}× without the Streamlit cache; target p95 < "
        f"{QUERY_TARGET_MS:.0f} ms; helpers answering in under 1 ms are left out):",
        "",
        "| function | viewer | p95 ms | median ms | |",
        "|---|---|---:|---:|---|",
    ]
    for row in result["queries"]:
        if "seconds" in row or ("p95_ms" in row and row["p95_ms"] < 1.0):
            continue
        if "p95_ms" in row:
            lines.append(
                f"| `{row['function']}` | {row['viewer']} | {row['p95_ms']} | {row['median_ms']} | "
                f"{'✓' if row['meets_target'] else '✗ over target'} |"
            )
        else:
            lines.append(
                f"| `{row['function']}` | {row.get('viewer', '—')} | — | — | {row.get('skipped') or row.get('error')} |"
            )
    refresh = next((r["seconds"] for r in result["queries"] if "seconds" in r), None)
    lines += [
        "",
        f"Rebuilding the serving tables whole (`warehouse/build.py`, on open after a definition or settings "
        f"change; a load refreshes only its form × month, in its own transaction): {refresh} s on this "
        f"warehouse.",
    ]
    lines += [
        "",
        f"Warm page reruns in AppTest (cache warm, median of {result['reruns']}; target < {RERUN_TARGET_S} s):",
        "",
        "| page | cold s | warm median s | warm max s | |",
        "|---|---:|---:|---:|---|",
    ]
    for row in result["pages"]:
        if "warm_median_s" in row:
            lines.append(
                f"| {row['page']} | {row['cold_s']} | {row['warm_median_s']} | {row['warm_max_s']} | "
                f"{'✓' if row['meets_target'] else '✗ over target'} |"
            )
        else:
            lines.append(f"| {row['page']} | — | — | — | {row['error']} |")
    lines += [
        "",
        "How the pages stay fast: each page query aggregates in DuckDB and returns a small frame; pages call "
        "them through `layout.cached` (st.cache_data, ttl 15 min, at most 512 entries, keyed on the warehouse "
        "file, its generation — bumped by every load — the viewer and the arguments), so a rerun after a "
        "widget change costs only the figures that changed; chart-plus-selector groups are `st.fragment`s; "
        "downloads are built only when clicked.",
        "",
    ]
    section = "\n".join(lines)
    text = PERF_DOC.read_text(encoding="utf-8") if PERF_DOC.exists() else "# Performance\n"
    start = text.find("\n## Pages\n")
    if start >= 0:
        nxt = text.find("\n## ", start + 1)
        text = text[: start + 1] + section + ("\n" + text[nxt + 1 :] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    PERF_DOC.parent.mkdir(parents=True, exist_ok=True)
    PERF_DOC.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(DEFAULT_DB))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--no-doc", action="store_true", help="do not touch docs/performance.md")
    args = parser.parse_args()
    db = Path(args.db)
    build = ensure_warehouse(db, args.rebuild)
    size = warehouse_size(db)
    print(f"warehouse: {size}", flush=True)
    print("query functions:", flush=True)
    queries = time_queries(db, args.repeat)
    print("page reruns:", flush=True)
    pages = time_pages(db, args.reruns)
    timed = [q for q in queries if "p95_ms" in q]
    result = {
        "benchmark": "pages",
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "query_target_ms": QUERY_TARGET_MS,
        "rerun_target_s": RERUN_TARGET_S,
        "repeat": args.repeat,
        "reruns": args.reruns,
        "build": build,
        "warehouse": size,
        "machine": machine(),
        "queries": queries,
        "pages": pages,
        "worst_query_p95_ms": max((q["p95_ms"] for q in timed), default=None),
        "meets_target": all(q["meets_target"] for q in timed) and all(p.get("meets_target") for p in pages),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pages.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    if not args.no_doc:
        write_doc(result)
    print(f"worst query p95 {result['worst_query_p95_ms']} ms; all targets met: {result['meets_target']}")


if __name__ == "__main__":
    main()
