"""历史版本: every load per region/form/period with who, when, SHA-256, warnings and review state; compare any
two versions cell by cell; restore an earlier version (administrator and the owning unit; audited)."""

import streamlit as st

from dashboard import common, layout
from dashboard import upload as up
from dashboard.format import period_label
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from etl.formdefs import all_forms
from warehouse import compare

wh = warehouse()
viewer = current_viewer()
index = wh.region_index()
layout.header("历史版本", wh, "每次入库都保存为一个版本：谁、何时、文件指纹、提示和审核状态都可查，可对比、可恢复。")

flash = st.session_state.pop("history_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")

choices = common.region_choices(wh, viewer)
codes = [c for c, _, _ in choices]
labels = {c: label for c, label, _ in choices}
periods = common.periods(wh)
c1, c2, c3 = st.columns(3)
region = (
    c1.selectbox("地区", codes, format_func=lambda c: labels.get(c, c), placeholder="请选择", key="hist_region")
    if codes
    else None
)
forms = [None] + [f.code for f in all_forms()]
form = c2.selectbox(
    "报表",
    forms,
    format_func=lambda c: "全部报表" if c is None else up.form_title(c),
    placeholder="请选择",
    key="hist_form",
)
period = c3.selectbox(
    "统计期",
    [None] + periods[::-1],
    format_func=lambda p: "全部统计期" if p is None else period_label(p),
    placeholder="请选择",
    key="hist_period",
)

subs = up.visible_versions(wh, viewer, region=region, form=form, period=period)
if not subs:
    layout.empty_state("符合条件的版本")
    st.stop()

st.markdown(f"**共 {len(subs)} 个版本**（最新的在前；“看板显示”为“当前”的是各看板正在使用的版本）")
widths = {
    "版本号": 110,
    "统计期": 70,
    "报表": 40,
    "审核状态": 170,
    "上报人": 90,
    "上报时间": 150,
    "地区": 160,
    "审核意见": 200,
    "文件": 200,
}
config = {name: st.column_config.TextColumn(width=w) for name, w in widths.items()}
config["提示数"] = st.column_config.NumberColumn(width=60)
config["看板显示"] = st.column_config.TextColumn(
    width=90, help="各看板是否正在使用这个版本的数据（部分地区已被更新的上报替代时显示 n/m 个地区）"
)
config["文件指纹"] = st.column_config.TextColumn(width=220, help="文件内容的指纹（SHA-256 摘要），可用于核对存档的原件")
people = up.person_names(wh)
st.dataframe(up.versions_frame(subs, index, people), hide_index=True, width="stretch", column_config=config)

by_id = {s.version_id: s for s in subs}


def describe(version_id: str) -> str:
    s = by_id[version_id]
    return f"{s.version_id} · 表{s.form} {period_label(s.period)} · {up.person(people, s.loaded_by)} {s.loaded_at:%m-%d %H:%M} · {s.state_label}"


st.subheader("对比两个版本", divider="gray")
ids = list(by_id)
c1, c2 = st.columns(2)
new_id = c1.selectbox("新版本", ids, format_func=describe, placeholder="请选择", key="hist_new")
same_form = [i for i in ids if by_id[i].form == by_id[new_id].form and i != new_id]
if not same_form:
    st.caption("同一报表只有这一个版本，没有可对比的版本。")
else:
    same_key = [
        i
        for i in same_form
        if by_id[i].period == by_id[new_id].period and set(by_id[i].regions) & set(by_id[new_id].regions)
    ]
    options = same_key + [i for i in same_form if i not in same_key]
    old_id = c2.selectbox("旧版本", options, format_func=describe, placeholder="请选择", key="hist_old")
    regions = up.compare_regions(by_id[old_id], by_id[new_id], up.filter_regions(index, region), viewer, index)
    changes = compare.compare_versions(wh, old_id, new_id, regions) if regions != [] else []
    if regions == []:
        st.caption("这两个版本没有共同的地区，没有可对比的数据。")
    elif regions is not None and set(regions) != set(by_id[old_id].regions) | set(by_id[new_id].regions):
        st.caption(
            f"只比较两个版本都包含的 {len(regions)} 个地区："
            + "、".join(compare.region_label(index, r) for r in regions[:8])
            + ("等" if len(regions) > 8 else "")
            + "。"
        )
    if by_id[new_id].warnings:
        with st.expander(f"新版本入库时的 {by_id[new_id].warnings} 条提示"):
            st.dataframe(up.version_warnings(wh, viewer, new_id), hide_index=True, width="stretch")
    if regions == []:
        pass
    elif not changes:
        st.success("两个版本的数据完全相同。", icon=":material/check:")
    else:
        st.markdown(f"**从旧版本到新版本，变化 {len(changes)} 处：**")
        st.dataframe(compare.changes_frame(changes), hide_index=True, width="stretch")

st.subheader("恢复历史版本", divider="gray")
restorable = [s for s in subs if up.can_restore(viewer, up.unscoped(s), index)[0]]
if viewer.role not in ("admin", "city"):
    st.caption("只有省级管理员和所属市（州）的填报员可以恢复历史版本。")
elif not restorable:
    st.caption("没有可以恢复的版本（只能恢复审核通过、且当前未在使用的版本）。")
else:
    pick = st.selectbox(
        "要恢复的版本",
        [s.version_id for s in restorable],
        format_func=describe,
        placeholder="请选择",
        key="hist_restore",
    )
    chosen = by_id[pick]
    current = compare.current_pointer(wh, chosen.form, chosen.period, chosen.regions)
    preview = compare.compare_to_baseline(wh, pick, current)
    st.markdown(
        f"恢复后，{len(chosen.regions)} 个地区的{up.form_title(chosen.form)}（{period_label(chosen.period)}）"
        f"将改为显示这个版本的数据" + (f"，相对当前数据变化 {len(preview)} 处：" if preview else "，与当前数据相同。")
    )
    if preview:
        st.dataframe(compare.changes_frame(preview), hide_index=True, width="stretch")
    confirm = st.checkbox("我已核对，确认恢复这个版本（操作会记入审计日志）", key="hist_confirm")
    if st.button("恢复这个版本", type="primary", disabled=not confirm, key="hist_restore_go"):
        try:
            regions = up.restore(wh, viewer, pick)
        except (ValueError, KeyError, PermissionError) as err:
            st.error(str(err))
        else:
            st.session_state["history_flash"] = (
                f"已恢复版本 {pick}：{len(regions)} 个地区的看板已改为显示这个版本的数据。"
            )
            st.session_state.pop("hist_confirm", None)
            st.rerun()
