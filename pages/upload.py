"""数据上报: drop one or many workbooks, see what the system found in each, fix or confirm, see what changed."""

import hashlib

import streamlit as st

from auth.sanitize import md_escape
from dashboard import layout
from dashboard import upload as up
from dashboard.format import period_label
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from warehouse import config, review
from warehouse.compare import changes_frame

CACHE_KEY = "upload_checks"
SHOW_LINES = 12
TABLE_ROWS = 30  # up to this many issues in a wrapped table; more in a scrollable one

wh = warehouse()
viewer = current_viewer()
index = wh.region_index()
layout.header("数据上报", wh, "上传本单位的月报或台账：系统先校验、给出问题清单，确认后才入库。")
scope = up.upload_scope(wh, viewer)
if scope.read_only:
    st.info(up.READ_ONLY_MESSAGE, icon=":material/lock:")
    st.stop()

limits = config.settings()["upload"]


def show_issues(issues) -> None:
    frame = up.issues_frame(issues)
    if frame.height <= TABLE_ROWS:
        st.table(frame, hide_index=True)
    else:
        st.dataframe(frame, hide_index=True, width="stretch")


# ------------------------------------------------------------------ my uploads: returned (with the reason), pending
for item in review.uploader_items(wh, viewer, states=("returned",)):
    when = item.reviewed_at.strftime("%Y-%m-%d %H:%M") if item.reviewed_at else ""
    st.error(
        f"**被退回：{up.form_title(item.form)} · {period_label(item.period)}**（{md_escape(item.file_name)}）  \n"
        f"退回原因：{md_escape(item.review_note)}  \n"
        f"审核人：{md_escape(up.person(up.person_names(wh), item.reviewed_by))} {when}。请按原因改正后重新上传，新上传的报表会替代被退回的版本。",
        icon=":material/undo:",
    )
pending = review.uploader_items(wh, viewer, states=("pending",))
if pending:
    with st.expander(f"我的上报：{len(pending)} 份待审核", icon=":material/hourglass_top:"):
        for item in pending:
            st.markdown(
                f"- {up.form_title(item.form)} · {period_label(item.period)} · {md_escape(item.file_name)} · "
                f"{item.loaded_at:%Y-%m-%d %H:%M} 上报，等待{review.REVIEWER_LABELS.get(item.reviewer_role, '审核')}"
            )

# ------------------------------------------------------------------ upload
left, right = st.columns([3, 1], vertical_alignment="bottom")
left.markdown(f"**{scope.describe(index)}**")
period = right.selectbox(
    "统计期",
    [None, *up.template_periods()],
    placeholder="请选择",
    key="upload_period",
    format_func=lambda p: "从表头读取（推荐）" if p is None else period_label(p),
    help="表头写有“统计期：2025年3月”时无需选择；表头没有统计期时在这里选。两者不一致时文件会被退回。",
)
st.caption(
    f"可以一次拖入多个文件。支持 .xlsx、.xlsm（宏不会运行）和旧版 .xls；单个文件不超过 {limits['max_file_mb']:g} MB，"
    f"解压后不超过 {limits['max_expanded_mb']:g} MB。统计期从表头“统计期：2025年3月”读取。"
)
try:
    st.page_link("pages/templates.py", label="还没有模板？先下载本单位的空白模板", icon=":material/download:")
except Exception:  # page not in this navigation (page run on its own)
    pass
layout.chinese_file_uploader(limits["max_file_mb"])
files = st.file_uploader(
    f"把报表文件拖到下方框内，或点击“{layout.UPLOAD_BUTTON_TEXT}”",
    accept_multiple_files=True,
    key="upload_files",
    help="校验只读取数据，不会运行宏；入库前可以先看问题清单和与上月的对比。",
)
st.caption(
    f"文件名旁出现红色感叹号、下方没有校验结果，说明文件超过 {limits['max_file_mb']:g} MB，浏览器没有上传它："
    "请删除与报表无关的工作表和图片，另存为 .xlsx 后再上传。"
)
if not files:
    st.session_state.pop(CACHE_KEY, None)
    st.stop()

checks: dict = st.session_state.setdefault(CACHE_KEY, {})
keys = [hashlib.sha256(f.getvalue()).hexdigest() + "|" + f.name + "|" + (period or "") for f in files]
for key in [k for k in checks if k not in keys]:
    del checks[key]

summary = st.container()  # filled after every file is checked: the count and 全部确认入库

for f, key in zip(files, keys):
    fc = checks.get(key)
    stale = fc is not None and fc.loaded is None and fc.extra.get("generation") != wh.generation
    if fc is None or stale:
        box = st.status(f"正在校验 {md_escape(f.name)} …", state="running", expanded=True)
        with box:
            bar = st.progress(0.1, text="读取工作簿并逐格校验…")
            fc = up.check_file(wh, scope, f.getvalue(), f.name, period=period)
            bar.progress(1.0, text="校验完成")
            bar.empty()
        fc.extra["generation"] = wh.generation
        checks[key] = fc
    else:
        box = st.status(md_escape(f.name), state="complete")
    r = fc.result
    up.refresh_review_state(wh, fc)
    state, text = up.status_line(fc)
    box.update(
        label=f"**{md_escape(fc.name)}** — {text}",
        state=state,
        expanded=not fc.ok or len(keys) <= 3 or fc.loaded is not None,
    )
    with box:
        if fc.loaded is not None:
            outcome = fc.loaded
            if outcome.review_state == "returned":
                st.error(
                    f"版本 {outcome.version_id} 已入库，但{up.review_note(outcome.review_state)[2:]}",
                    icon=":material/undo:",
                )
            else:
                st.success(
                    f"已入库：版本 {outcome.version_id}。{up.review_note(outcome.review_state)}",
                    icon=":material/check_circle:",
                )
            if outcome.first_time:
                st.markdown(f"**本期首次报送**（{up.regions_text(r, index)}），没有可对比的旧数据。")
            elif not outcome.changes:
                st.markdown("**与原有数据相比没有任何变化。**")
            else:
                lines, rest = up.headline_changes(outcome.changes, r.form, SHOW_LINES)
                st.markdown(
                    f"**与原有数据相比，变化了 {len(outcome.changes)} 处"
                    + ("（先列主要指标）" if rest else "")
                    + "：**"
                )
                st.markdown("\n".join(f"- {md_escape(line)}" for line in lines))
                if rest:
                    st.caption(f"全部 {len(outcome.changes)} 处变化（可滚动、可排序）：")
                    st.dataframe(changes_frame(outcome.changes), hide_index=True, width="stretch", height=280)
            st.markdown("---")
            st.caption("以下是入库前的校验结果：")
        if r.form:
            st.markdown(
                f"**报表：** {up.form_title(r.form)}　**统计期：** {period_label(r.period)}　"
                f"**地区：** {up.regions_text(r, index) or '—'}"
            )
        if r.rows:
            st.markdown("**各表数据行数：** " + "，".join(f"{md_escape(sheet)} {n} 行" for sheet, n in r.rows.items()))
        if r.errors:
            st.error(
                f"发现 {len(r.errors)} 个错误，这个文件**没有入库**。请按下表逐条改正后重新上传。"
                "也可以下载带批注的副本：出错的单元格已标红，鼠标移上去就能看到说明。",
                icon=":material/error:",
            )
        if fc.annotation is not None:
            st.download_button(
                "下载带批注的工作簿（错误标红、提示标黄）",
                data=fc.annotated_bytes,
                file_name=fc.annotation.file_name,
                mime=fc.annotation.mime,
                key=f"annotated_{key}",
                type="primary" if r.errors else "secondary",
                icon=":material/download:",
            )
        if r.errors:
            show_issues(r.errors)
        if r.warnings:
            st.warning(f"{len(r.warnings)} 条提示：不影响入库，请核实数据是否确实如此。", icon=":material/warning:")
            show_issues(r.warnings)
        if fc.annotation is not None:
            st.caption(fc.annotation.note)
        totals = up.key_totals(wh, r, scope.allowed_regions)
        if totals.height:
            st.markdown(f"**主要数据与上月（{up.previous_month_label(r)}）对比**")
            st.table(totals, hide_index=True)
            regional = up.region_totals(wh, r, scope.allowed_regions)
            if regional.height > 1:
                st.table(regional, hide_index=True)
        swap = up.replacement(wh, fc) if fc.loaded is None and fc.ok else None
        if swap is not None and swap.identical:
            st.info(f"与当前版本完全相同（版本 {'、'.join(swap.replaced)}），无需再次入库。", icon=":material/info:")
        elif fc.loaded is None and fc.ok:
            consent = True
            if swap is not None and swap.needs_consent:
                st.warning(
                    f"此文件将替代当前版本（版本 {'、'.join(swap.replaced)}）："
                    f"共 {len(swap.changes):,} 处变化"
                    + ("；" + "；".join(md_escape(d) for d in swap.deleted()) if swap.deleted() else "")
                    + "。请核对下表后再入库。",
                    icon=":material/swap_horiz:",
                )
                if swap.changes:
                    st.dataframe(changes_frame(swap.changes), hide_index=True, width="stretch")
                consent = st.checkbox("我已核对以上变化，确认用此文件替代当前版本", key=f"consent_{key}")
                fc.extra["consent"] = consent
            note = "入库后提交审核。" if scope.review_state == "pending" else "入库后立即生效。"
            if st.button(
                "确认入库", type="primary", key=f"load_{key}", help=note, icon=":material/check:", disabled=not consent
            ):
                up.load_file(wh, scope, fc, period=period)
                fc.extra["generation"] = wh.generation
                st.rerun()
            st.caption(
                f"校验已通过。{note}同一地区、同一统计期再次入库时，新版本替代旧版本，旧版本可在“历史版本”中查看和恢复。"
            )

# 全部确认入库 takes only files that add a new version or whose replacement the clerk has ticked above
ready = [
    checks[k]
    for k in keys
    if checks[k].ok
    and checks[k].loaded is None
    and (
        (swap := up.replacement(wh, checks[k])) is None
        or not swap.replaced
        or (swap.needs_consent and checks[k].extra.get("consent"))
    )
]
with summary:
    if len(keys) > 1:
        n_bad = sum(1 for k in keys if not checks[k].ok)
        st.caption(f"共 {len(keys)} 个文件：{len(keys) - n_bad} 个校验通过，{n_bad} 个有错误。")
    if len(ready) > 1 and st.button(
        f"全部确认入库（{len(ready)} 个校验通过的文件）", type="primary", key="load_all", icon=":material/done_all:"
    ):
        for fc in ready:
            up.load_file(wh, scope, fc, period=period)
            fc.extra["generation"] = wh.generation
        st.rerun()
