"""The warehouse's build graph: every SQL model, ordered by what it reads, built by the writer and never by a read.

Models live in `warehouse/models/<layer>/<name>.sql`, one `create or replace {macro|view|table} <name> as …`
statement each. Layers are folders for the reader (macros → staging → marts → serving → views); the build order
comes from the dependencies each model declares by what it reads: the names after `from` / `join` and the
macros it calls. A cycle is an error (BuildError).

- Macros and views are (re)created on every writable open (`Warehouse.ensure_schema` → `build_models`).
- Serving tables (`create or replace table`, the `page_*` tables the page queries select from) are
  materialised: whole when the definitions or settings changed since the last build (a fingerprint in
  `build_state`) or a table is missing, and then refreshed inside every load / restore / review transaction for
  the touched form × period (`after_change`): a table whose header says `-- refresh: period` deletes and
  re-inserts that month's rows, any other table is rebuilt whole. So a page query reads figures that are
  current as of the last commit, and nothing on the read path writes.
- `after_change` also runs the early-warning refresh (warehouse/signals.py); in a batch the signals are noted
  durably (`signal_refresh_pending`) and finished at the end of the batch or, after a crash, on the next open.

    .venv/bin/python -m warehouse.build --graph           # model → what it reads, in build order
    .venv/bin/python -m warehouse.build --update-guide    # the same, into docs/CONTRIBUTING.md
"""

from __future__ import annotations

import argparse
import contextlib
import contextvars
import datetime as dt
import graphlib
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAYERS = ("macros", "staging", "marts", "serving", "views")
STATE_TABLE = "build_state"

_HEAD = re.compile(r"create\s+or\s+replace\s+(?P<kind>macro|view|table)\s+(?P<name>[a-z_][a-z0-9_]*)", re.I)
_READS = re.compile(r"\b(?:from|join)\s+(?P<name>[a-z_][a-z0-9_]*)", re.I)
_CALLS = re.compile(r"\b(?P<name>[a-z_][a-z0-9_]*)\s*\(", re.I)
_REFRESH = re.compile(r"^--\s*refresh:\s*(?P<key>[a-z_]+)\s*$", re.M)


class BuildError(RuntimeError):
    """The model files do not form a buildable graph (a cycle, a duplicate or a malformed file)."""


@dataclass(frozen=True)
class Model:
    """One model file: its name, kind (macro / view / table), layer, SQL text and what it reads."""

    name: str
    kind: str
    layer: str
    path: Path
    sql: str
    reads: frozenset[str]  # every relation named after from / join (models, raw and meta tables)
    refresh_key: str | None  # serving tables: the column an incremental refresh replaces by (period)

    def body(self) -> str:
        """The select of a table model (what `create or replace table <name> as` is followed by)."""
        text = _strip_comments(self.sql)
        head = _HEAD.search(text)
        return text[head.end() :].strip().removeprefix("as").strip().rstrip(";").strip()


def _strip_comments(sql: str) -> str:
    return "\n".join(
        line.split("--", 1)[0] if "--" in line and "'" not in line.split("--", 1)[0] else line
        for line in sql.splitlines()
    )


def _parse(path: Path, layer: str) -> Model:
    text = path.read_text(encoding="utf-8")
    code = _strip_comments(text)
    head = _HEAD.search(code)
    if head is None or head["name"] != path.stem:
        raise BuildError(f"模型文件 {path.name} 应以 create or replace macro/view/table {path.stem} 开头")
    reads = {m["name"].lower() for m in _READS.finditer(code[head.end() :])}
    reads |= {f"{m['name'].lower()}()" for m in _CALLS.finditer(code[head.end() :])}  # macro calls, resolved later
    key = _REFRESH.search(text)
    return Model(path.stem, head["kind"].lower(), layer, path, text, frozenset(reads), key["key"] if key else None)


@lru_cache(maxsize=1)
def models() -> tuple[Model, ...]:
    """Every model, in build order: what a model reads is built before it (ties: layer, then name)."""
    found: dict[str, Model] = {}
    for layer in LAYERS:
        for path in sorted((HERE / "models" / layer).glob("*.sql")):
            model = _parse(path, layer)
            if model.name in found:
                raise BuildError(f"模型 {model.name} 定义了两次：{found[model.name].path} 与 {path}")
            found[model.name] = model
    return tuple(found[name] for name in _order(found))


def dependencies(model: Model, names) -> list[str]:
    """The models `model` reads: relations after from / join, and macros it calls."""
    macros = {n for n in names}
    out = {r for r in model.reads if not r.endswith("()") and r in names}
    out |= {r[:-2] for r in model.reads if r.endswith("()") and r[:-2] in macros}
    out.discard(model.name)
    return sorted(out)


def _order(found: dict[str, Model]) -> list[str]:
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    sorter = graphlib.TopologicalSorter({name: dependencies(m, found) for name, m in found.items()})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        raise BuildError("模型之间存在循环依赖：" + " → ".join(exc.args[1])) from exc
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=lambda n: (rank[found[n].layer], n))
        order += ready
        sorter.done(*ready)
    return order


@lru_cache(maxsize=1)
def base_tables() -> frozenset[str]:
    """The tables models read that are no model: the meta tables of schema*.sql and the forms' raw tables."""
    from etl.formdefs import all_sheets

    names = {
        m["name"].lower()
        for path in HERE.glob("schema*.sql")
        for m in re.finditer(
            r"create\s+table\s+if\s+not\s+exists\s+(?P<name>[a-z_][a-z0-9_]*)", path.read_text(encoding="utf-8"), re.I
        )
    }
    return frozenset(names | {f"raw_{sheet.table}" for _, sheet in all_sheets()})


def graph_text() -> str:
    """model → what it reads, one line each in build order (the table in docs/CONTRIBUTING.md)."""
    names = {m.name for m in models()}
    lines = []
    for m in models():
        reads = sorted({r for r in m.reads if r in base_tables()} | set(dependencies(m, names)))
        kind = m.kind + (f", refresh by {m.refresh_key}" if m.refresh_key else "")
        lines.append(f"- `{m.layer}/{m.name}` ({kind}) ← {', '.join(reads) or '—'}")
    return "\n".join(lines)


# ------------------------------------------------------------------ building
def _render(model: Model, replacements: dict[str, str]) -> str:
    sql = model.sql
    for name, value in replacements.items():
        sql = sql.replace("{{" + name + "}}", value)
    return sql


def fingerprint(con, replacements: dict[str, str]) -> str:
    """What the serving tables depend on besides the loaded data: every definition and the settings in force."""
    digest = hashlib.sha256()
    for m in models():
        digest.update(_render(m, replacements).encode())
    for table in ("cfg_setting", "cfg_target"):
        digest.update(repr(sorted(map(repr, con.execute(f"select * from {table}").fetchall()))).encode())
    return digest.hexdigest()[:32]


def _existing_tables(con) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall()
    }


def build_models(con, replacements: dict[str, str]) -> bool:
    """(Re)create every macro and view; rebuild the serving tables when their fingerprint changed or one is
    missing. Runs in the caller's open (ensure_schema); returns whether the tables were rebuilt."""
    fp = fingerprint(con, replacements)
    existing = _existing_tables(con)
    stored = con.execute(f"select fingerprint from {STATE_TABLE}").fetchall()
    full = not stored or stored[0][0] != fp or any(m.name not in existing for m in models() if m.kind == "table")
    con.execute("begin transaction")
    try:
        con.execute("drop table if exists page_mart_state")  # the old read-path fingerprint (dashboard/marts.py)
        for m in models():
            if m.kind != "table" or full:
                con.execute(_render(m, replacements)).fetchall()
        if full:
            con.execute(f"delete from {STATE_TABLE}")
            con.execute(f"insert into {STATE_TABLE} values (?, current_localtimestamp())", [fp]).fetchall()
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return full


@lru_cache(maxsize=None)
def _raw_tables_of(form: str) -> frozenset[str]:
    from etl.formdefs import all_sheets

    return frozenset(f"raw_{sheet.table}" for f, sheet in all_sheets() if f.code == form)


def _sources(model: Model) -> set[str]:
    """Every relation a model reaches, through the models it reads."""
    by_name = {m.name: m for m in models()}
    seen: set[str] = set()
    todo = [model]
    while todo:
        for name in (r for r in todo.pop().reads if not r.endswith("()")):
            if name not in seen:
                seen.add(name)
                if name in by_name:
                    todo.append(by_name[name])
    return seen


def touched_tables(form: str) -> list[Model]:
    """The serving tables a change of `form`'s figures can change: those reading its raw tables, and those
    reading no raw table at all (version metadata, which every load changes)."""
    raw = _raw_tables_of(form)
    out = []
    for m in models():
        if m.kind == "table":
            reached = {s for s in _sources(m) if s.startswith("raw_")}
            if not reached or reached & raw:
                out.append(m)
    return out


def refresh_serving(cur, form: str, period: str, done: set | None = None) -> None:
    """Bring the serving tables up to date for one form × period, inside the caller's write transaction.

    `done`: the (table, period) refreshes already made in this transaction since the last change of the data, which
    are skipped (a batch's forms A, B and C of one month all touch page_submission_cells); the ones made are added."""
    for m in touched_tables(form):
        key = (m.name, period if m.refresh_key == "period" else None)
        if done is not None:
            if key in done:
                continue
            done.add(key)
        if m.refresh_key == "period":
            cur.execute(f'delete from "{m.name}" where period = ?', [period]).fetchall()
            cur.execute(f'insert into "{m.name}" select * from ({m.body()}) where period = ?', [period]).fetchall()
        else:
            cur.execute(m.sql).fetchall()


_BATCH: contextvars.ContextVar[list | None] = contextvars.ContextVar("build_batch", default=None)
_DEFERRED: contextvars.ContextVar[bool] = contextvars.ContextVar("build_deferred", default=False)


def after_change(wh, cur, form: str, period: str, regions, *, at: dt.datetime | None = None) -> None:
    """Everything downstream of a commit that changed form × period × regions (load, restore, review): the
    serving tables, then the early-warning signals (which read the views), in the same transaction.

    In a batch (`batched`) the change is only noted — in memory and durably in build_pending, inside this same
    transaction — and refreshed once when the batch ends, or on the next open if the process dies first.
    """
    if _DEFERRED.get():
        return
    batch = _BATCH.get()
    if batch is not None:
        batch.append((form, period, tuple(sorted(regions)), at))
        cur.execute("insert into build_pending values (?, ?, ?, ?)", [form, period, sorted(regions), at]).fetchall()
        return
    from warehouse.signals import refresh as refresh_signals

    refresh_serving(cur, form, period)
    refresh_signals(wh, cur, form, period, regions, at=at)


@contextlib.contextmanager
def batched(wh):
    """Many loads in a row (a CLI batch, several uploads at once): each load only notes what it touched; the
    serving tables and signals are refreshed once at the end, in one transaction — the same result as after
    every file (a signal refresh covers the later months a change affects), without repeating it per file."""
    touched: list = []
    token = _BATCH.set(touched)
    try:
        yield touched
    finally:
        _BATCH.reset(token)
        if touched:
            finish(wh, touched)


@contextlib.contextmanager
def deferred():
    """Bulk builds (the demo): skip the per-load refresh; the caller runs `rebuild_serving` (and the signals'
    refresh_all) afterwards."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def finish(wh, touched: list) -> None:
    """Refresh once per form × period for the union of the noted regions, and clear their pending notes."""
    from warehouse.signals import refresh as refresh_signals

    groups: dict[tuple[str, str], tuple[set, dt.datetime | None]] = {}
    for form, period, regions, at in touched:
        codes, latest = groups.get((form, period), (set(), None))
        groups[(form, period)] = (codes | set(regions), max(filter(None, (latest, at)), default=None))
    done: set = set()  # serving tables read no table the signal refresh writes: each is refreshed once here
    with wh.write() as cur:
        for (form, period), (codes, at) in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
            refresh_serving(cur, form, period, done)
            refresh_signals(wh, cur, form, period, sorted(codes), at=at)
            cur.execute("delete from build_pending where form = ? and period = ?", [form, period]).fetchall()


def finish_pending(wh) -> int:
    """On open: finish what a batch that died noted but never refreshed; returns how many notes it finished."""
    rows = wh.query("select form, period, regions, loaded_at from build_pending").rows()
    if rows:
        token = _BATCH.set(None)  # finishing refreshes, whatever batch the opener is in
        try:
            finish(wh, [(form, period, tuple(regions), at) for form, period, regions, at in rows])
        finally:
            _BATCH.reset(token)
    return len(rows)


def rebuild_serving(wh) -> None:
    """Every serving table rebuilt whole in one transaction (after a deferred bulk build)."""
    with wh.write() as cur:
        for m in models():
            if m.kind == "table":
                cur.execute(m.sql).fetchall()


GUIDE = HERE.parent / "docs" / "CONTRIBUTING.md"
_GUIDE_BLOCK = re.compile(r"(<!-- build-graph:start -->\n).*?(\n<!-- build-graph:end -->)", re.S)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="数据仓库模型的构建图")
    parser.add_argument("--graph", action="store_true", help="按构建顺序列出每个模型及其读取的表")
    parser.add_argument("--update-guide", action="store_true", help="把构建图写入 docs/CONTRIBUTING.md")
    args = parser.parse_args(argv)
    if args.graph:
        print(graph_text())
    if args.update_guide:
        text = GUIDE.read_text(encoding="utf-8")
        GUIDE.write_text(_GUIDE_BLOCK.sub(lambda m: m[1] + graph_text() + m[2], text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
